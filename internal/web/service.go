package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
)

// evidenceView is one piece of evidence as the applicant meets it.
type evidenceView struct {
	NameFa, NameEn string
	Source         catalog.EvidenceSource
	HeldBy         *catalog.Agency // the agency that holds it, if any
}

// requirementView is one requirement with its evidence.
type requirementView struct {
	NameFa, NameEn string
	Evidence       []evidenceView
}

// stageView is one stage of the service and whether it is online.
type stageView struct {
	Key    string
	Online bool
}

// serviceView is the data of the service page.
type serviceView struct {
	S            catalog.Service
	Agency       catalog.Agency
	Parent       *catalog.Agency
	LevelLabel   catalog.Label
	LevelCode    string
	Audience     catalog.Label
	Nature       catalog.Label
	Scope        catalog.Label
	Trigger      catalog.Label
	Decision     catalog.Label
	Frequency    catalog.Label
	Channels     []catalog.Label
	Events       []catalog.Label
	Requirements []requirementView
	Stages       []stageView
	Retired      bool
	RetiredAt    *time.Time
	StartURL     string       // the record's URL, when it is a safe http(s) link
	ApplyHere    bool         // StartURL is this portal's own application form
	Rules        *publicRules // how the active rules decide, when they do
}

// service is the page of one service, /services/{id}.
func (w *Web) service(rw http.ResponseWriter, r *http.Request) error {
	const op = "web.service"
	id := r.PathValue("id")
	if utf8.RuneCountInString(id) > 32 || !utf8.ValidString(id) {
		return badRequest(op, "bad.serviceid")
	}
	ctx := r.Context()
	svc, err := w.cat.Service(ctx, id)
	if err != nil {
		return err
	}
	ags, err := w.agencyC.get(ctx)
	if err != nil {
		return err
	}
	l := langOf(r)
	active := w.activeRules(r, svc)
	key := pageKey{path: r.URL.Path, lang: l, id: svc.ID, version: svc.Version, status: string(svc.Status), levels: levelsKey(svc), agencies: ags.gen}
	if active != nil {
		key.rules = active.Version
		if active.ActivatedAt != nil {
			key.rulesAt = active.ActivatedAt.UnixNano()
		}
	}
	// A signed-in person's page carries their name in the header: it is
	// rendered for them alone and never cached.
	_, signedIn := identity.FromContext(ctx)
	cache := w.pages
	if signedIn {
		cache = nil
	}
	if cache != nil {
		if page, ok := cache.get(key); ok {
			w.write(rw, r, http.StatusOK, page)
			return nil
		}
	}
	rec := &svc.Record
	v := serviceView{S: svc, LevelCode: svc.Level.String(), Retired: svc.Status == catalog.Retired, RetiredAt: svc.RetiredAt}
	v.Agency = agencyOr(ags.byCode, rec.Agency)
	if v.Agency.Parent != "" {
		if p, ok := ags.byCode[v.Agency.Parent]; ok {
			v.Parent = &p
		}
	}
	v.LevelLabel, _ = catalog.LabelOf(catalog.Levels, v.LevelCode)
	v.Audience, _ = catalog.LabelOf(catalog.Audiences, string(rec.Audience))
	v.Nature, _ = catalog.LabelOf(catalog.Natures, string(rec.Nature))
	v.Scope, _ = catalog.LabelOf(catalog.Scopes, string(rec.Scope))
	v.Trigger, _ = catalog.LabelOf(catalog.Triggers, string(rec.Trigger))
	v.Decision, _ = catalog.LabelOf(catalog.Decisions, string(rec.Decision))
	v.Frequency, _ = catalog.LabelOf(catalog.Frequencies, string(rec.Frequency))
	for _, c := range rec.Channels {
		lb, _ := catalog.LabelOf(catalog.Channels, string(c))
		v.Channels = append(v.Channels, lb)
	}
	for _, e := range rec.Events {
		lb, _ := catalog.LabelOf(catalog.LifeEvents, e)
		v.Events = append(v.Events, lb)
	}
	for _, req := range rec.Requirements {
		rv := requirementView{NameFa: req.NameFa, NameEn: req.NameEn}
		for _, ev := range req.Evidence {
			e := evidenceView{NameFa: ev.NameFa, NameEn: ev.NameEn, Source: ev.Source}
			if ev.HeldBy != "" {
				a := agencyOr(ags.byCode, ev.HeldBy)
				e.HeldBy = &a
			}
			rv.Evidence = append(rv.Evidence, e)
		}
		v.Requirements = append(v.Requirements, rv)
	}
	v.Stages = []stageView{
		{"service.stage.info", rec.Stages.Information},
		{"service.stage.request", rec.Stages.Request},
		{"service.stage.process", rec.Stages.Processing},
		{"service.stage.delivery", rec.Stages.Delivery},
	}
	if u, err := url.Parse(rec.URL); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
		v.StartURL = u.String()
	}
	v.Rules = publicRulesOf(l, rec, active)
	if w.ap != nil && rec.Stages.Request && svc.Status == catalog.Published {
		v.StartURL, v.ApplyHere = "/apply/"+svc.ID, true
	}
	buf, err := w.execute(r, "service", pickText(l, rec.TitleFa, rec.TitleEn), "services", v)
	if err != nil {
		return err
	}
	defer w.release(buf)
	if cache != nil {
		cache.put(key, buf.Bytes())
	}
	w.write(rw, r, http.StatusOK, buf.Bytes())
	return nil
}

// agencyOr returns the agency with code from the cache, or a stand-in that
// shows the code when the agency is unknown.
func agencyOr(byCode map[string]catalog.Agency, code string) catalog.Agency {
	if a, ok := byCode[code]; ok {
		return a
	}
	return catalog.Agency{Code: code, NameFa: code, NameEn: code}
}

// levelsKey says a service's true and declared levels and the reasons they
// differ, for the page cache: a ruleset activated or retired changes them
// without a new version of the record.
func levelsKey(svc catalog.Service) string {
	var b strings.Builder
	b.WriteString(svc.Level.String())
	b.WriteString(svc.Declared.String())
	for _, r := range svc.Planned {
		b.WriteString("|")
		b.WriteString(r.En)
	}
	return b.String()
}
