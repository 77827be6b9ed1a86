package catalog

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/panjare/panjare/internal/errs"
)

// CPSV-AP 3.2 namespaces.
const (
	nsCPSV = "http://purl.org/vocab/cpsv#"
	nsCV   = "http://data.europa.eu/m8g/"
	nsDCT  = "http://purl.org/dc/terms/"
	nsDCAT = "http://www.w3.org/ns/dcat#"
	nsSKOS = "http://www.w3.org/2004/02/skos/core#"
	nsELI  = "http://data.europa.eu/eli/ontology#"
	nsXSD  = "http://www.w3.org/2001/XMLSchema#"
	nsFOAF = "http://xmlns.com/foaf/0.1/"
	// currencyIRR is the Iranian rial in the EU's currency authority table,
	// which CPSV-AP uses for cv:currency.
	currencyIRR = "http://publications.europa.eu/resource/authority/currency/IRR"
)

// WriteJSONLD writes the published catalogue to w as one CPSV-AP 3.2 JSON-LD
// document: an @graph of the competent agencies (cv:PublicOrganisation) and
// the services (cpsv:PublicService) with their requirements, evidence,
// outputs, cost, legal resources, channels and events. What CPSV-AP has no
// term for (true level, planned level, visits, stages) is under the panjare: prefix, at
// baseURL/ns#. Node identifiers are URLs under baseURL. Drafts never appear.
func (c *Catalog) WriteJSONLD(ctx context.Context, w io.Writer, baseURL string) error {
	const op = "catalog.WriteJSONLD"
	base := strings.TrimRight(baseURL, "/")
	services, err := c.Published(ctx)
	if err != nil {
		return err
	}
	agencies, err := c.Agencies(ctx)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, s := range services {
		used[s.Record.Agency] = true
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	ctxDoc := map[string]any{
		"cpsv": nsCPSV, "cv": nsCV, "dct": nsDCT, "dcat": nsDCAT, "skos": nsSKOS, "eli": nsELI, "xsd": nsXSD, "foaf": nsFOAF,
		"panjare": base + "/ns#",
	}
	head, _ := json.Marshal(ctxDoc)
	bw.WriteString(`{"@context":`)
	bw.Write(head)
	bw.WriteString(`,"@graph":[`)
	first := true
	emit := func(node map[string]any) error {
		if !first {
			bw.WriteString(",")
		}
		first = false
		return enc.Encode(node) // Encode adds a newline, which JSON allows between values
	}
	for _, a := range agencies {
		if !used[a.Code] {
			continue
		}
		if err := emit(agencyNode(base, a)); err != nil {
			return errs.Wrap(op, err)
		}
	}
	for _, s := range services {
		if err := ctx.Err(); err != nil {
			return errs.Wrap(op, err)
		}
		if err := emit(serviceNode(base, s)); err != nil {
			return errs.Wrap(op, err)
		}
	}
	bw.WriteString("]}\n")
	return errs.Wrap(op, bw.Flush())
}

// langs returns a language-tagged value list: Persian, then English if any.
func langs(fa, en string) []map[string]string {
	out := []map[string]string{{"@value": fa, "@language": "fa"}}
	if en != "" {
		out = append(out, map[string]string{"@value": en, "@language": "en"})
	}
	return out
}

func ref(id string) map[string]string { return map[string]string{"@id": id} }

func agencyNode(base string, a Agency) map[string]any {
	n := map[string]any{
		"@id":            base + "/agencies/" + a.Code,
		"@type":          "cv:PublicOrganisation",
		"dct:identifier": a.Code,
		"skos:prefLabel": langs(a.NameFa, a.NameEn),
		"cv:sector":      ref("panjare:domain-" + string(a.Domain)),
	}
	if a.Website != "" {
		n["foaf:homepage"] = ref(a.Website)
	}
	return n
}

func serviceNode(base string, s Service) map[string]any {
	r := s.Record
	self := base + "/services/" + s.ID
	kind := "panjare:service"
	if r.IsPermit() {
		kind = "panjare:permit"
	}
	n := map[string]any{
		"@id":                      self,
		"@type":                    "cpsv:PublicService",
		"dct:identifier":           s.ID,
		"dct:title":                langs(r.TitleFa, r.TitleEn),
		"dct:description":          langs(r.DescriptionFa, r.DescriptionEn),
		"dct:type":                 ref(kind),
		"cv:hasCompetentAuthority": ref(base + "/agencies/" + r.Agency),
		"cv:sector":                ref("panjare:domain-" + string(s.Domain)),
		"panjare:version":          s.Version,
		"panjare:level":            s.Level.String(),
		"panjare:visits":           r.Visits,
		"panjare:audience":         string(r.Audience),
		"panjare:trigger":          string(r.Trigger),
		"panjare:decision":         string(r.Decision),
		"panjare:stages": map[string]bool{
			"panjare:information": r.Stages.Information,
			"panjare:request":     r.Stages.Request,
			"panjare:processing":  r.Stages.Processing,
			"panjare:delivery":    r.Stages.Delivery,
		},
		"cv:hasCost": map[string]any{
			"@id":         self + "#cost",
			"@type":       "cv:Cost",
			"cv:hasValue": map[string]any{"@value": r.CostRials, "@type": "xsd:double"},
			"cv:currency": ref(currencyIRR),
		},
	}
	if s.IsPlanned() {
		// The level is the true one; what the record declares and the
		// platform has not built is planned, said apart.
		n["panjare:plannedLevel"] = s.Declared.String()
	}
	if !r.ProcessingTime.IsZero() {
		n["cv:processingTime"] = map[string]string{"@value": r.ProcessingTime.String(), "@type": "xsd:duration"}
	}
	if s.PublishedAt != nil {
		n["dct:issued"] = map[string]string{"@value": s.PublishedAt.Format("2006-01-02T15:04:05Z"), "@type": "xsd:dateTime"}
	}
	if len(r.Keywords) > 0 {
		var kw []map[string]string
		for _, k := range r.Keywords {
			kw = append(kw, map[string]string{"@value": k, "@language": "fa"})
		}
		n["dcat:keyword"] = kw
	}
	var reqs, inputs []any
	for _, req := range r.Requirements {
		rid := self + "#requirement-" + req.Code
		var evs []any
		for _, ev := range req.Evidence {
			eid := self + "#evidence-" + ev.Code
			node := map[string]any{
				"@id":                    eid,
				"@type":                  "cv:Evidence",
				"dct:identifier":         ev.Code,
				"dct:title":              langs(ev.NameFa, ev.NameEn),
				"cv:supportsRequirement": ref(rid),
				"panjare:source":         string(ev.Source),
			}
			if ev.HeldBy != "" {
				node["panjare:heldBy"] = ref(base + "/agencies/" + ev.HeldBy)
			}
			if ev.Inquiry != "" {
				node["panjare:inquiry"] = ev.Inquiry
			}
			inputs = append(inputs, node)
			evs = append(evs, ref(eid))
		}
		node := map[string]any{
			"@id":            rid,
			"@type":          "cv:Requirement",
			"dct:identifier": req.Code,
			"dct:title":      langs(req.NameFa, req.NameEn),
		}
		if len(evs) > 0 {
			node["cv:hasSupportingEvidence"] = evs
		}
		reqs = append(reqs, node)
	}
	if len(reqs) > 0 {
		n["cv:holdsRequirement"] = reqs
	}
	if len(inputs) > 0 {
		n["cpsv:hasInput"] = inputs
	}
	var outs []any
	for i, o := range r.Outputs {
		outs = append(outs, map[string]any{
			"@id":       self + "#output-" + strconv.Itoa(i+1),
			"@type":     "cv:Output",
			"dct:title": langs(o.NameFa, o.NameEn),
			"dct:type":  ref("panjare:output-" + o.Kind),
		})
	}
	if len(outs) > 0 {
		n["cpsv:produces"] = outs
	}
	var laws []any
	for i, lb := range r.LegalBasis {
		node := map[string]any{
			"@id":       self + "#legal-" + strconv.Itoa(i+1),
			"@type":     "eli:LegalResource",
			"dct:title": langs(lb.TitleFa, lb.TitleEn),
		}
		if lb.Article != "" {
			node["panjare:article"] = lb.Article
		}
		if lb.URL != "" {
			node["dct:relation"] = ref(lb.URL)
		}
		laws = append(laws, node)
	}
	if len(laws) > 0 {
		n["cv:hasLegalResource"] = laws
	}
	var chans []any
	for _, ch := range r.Channels {
		chans = append(chans, map[string]any{
			"@id":      self + "#channel-" + string(ch),
			"@type":    "cv:Channel",
			"dct:type": ref("panjare:channel-" + string(ch)),
		})
	}
	if len(chans) > 0 {
		n["cv:hasChannel"] = chans
	}
	var events []any
	for _, code := range r.Events {
		l, _ := LabelOf(LifeEvents, code)
		typ := "cv:LifeEvent"
		if businessEvents[code] {
			typ = "cv:BusinessEvent"
		}
		events = append(events, map[string]any{
			"@id":            base + "/events/" + code,
			"@type":          typ,
			"dct:identifier": code,
			"dct:title":      langs(l.Fa, l.En),
		})
	}
	if len(events) > 0 {
		n["cv:isGroupedBy"] = events
	}
	if r.Permit != nil {
		var grounds []any
		for _, g := range r.Permit.RefusalGrounds {
			grounds = append(grounds, map[string]any{
				"dct:identifier":  g.Code,
				"dct:description": langs(g.TextFa, g.TextEn),
				"panjare:legal":   g.LegalFa,
			})
		}
		n["panjare:refusalGrounds"] = grounds
		if r.Permit.ValidityDays > 0 {
			n["panjare:validityDays"] = r.Permit.ValidityDays
		}
	}
	if r.URL != "" {
		n["dcat:landingPage"] = ref(r.URL)
	}
	return n
}

// businessEvents are the codes in LifeEvents that are business events.
var businessEvents = map[string]bool{
	"start_business": true, "run_business": true, "hire": true, "trade": true, "close_business": true,
}
