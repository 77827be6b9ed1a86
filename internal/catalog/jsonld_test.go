package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/store"
)

func TestWriteJSONLD(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, c *Catalog, _ *recordingIndex) {
		rec := smartRecord()
		rec.Permit = &Permit{RefusalGrounds: []RefusalGround{{Code: "record", TextFa: "محکومیت مؤثر", LegalFa: "ماده ۱"}}}
		svc := mustPublish(t, ctx, c, jud, rec)
		draft := smartRecord()
		draft.TitleFa = "خدمتی که هنوز پیش‌نویس است"
		if _, err := c.SaveDraft(ctx, jud, 0, draft); err != nil {
			t.Fatal(err)
		}

		var buf bytes.Buffer
		if err := c.WriteJSONLD(ctx, &buf, "https://panjare.example/"); err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Context map[string]string `json:"@context"`
			Graph   []map[string]any  `json:"@graph"`
		}
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatalf("not valid JSON: %v\n%s", err, buf.String())
		}
		if doc.Context["cpsv"] != "http://purl.org/vocab/cpsv#" || doc.Context["cv"] != "http://data.europa.eu/m8g/" ||
			doc.Context["panjare"] != "https://panjare.example/ns#" {
			t.Fatalf("@context = %v", doc.Context)
		}
		if strings.Contains(buf.String(), draft.TitleFa) {
			t.Fatal("a draft appears in the export")
		}
		var service, agency map[string]any
		for _, n := range doc.Graph {
			switch n["@type"] {
			case "cpsv:PublicService":
				if service != nil {
					t.Fatal("more than one service exported")
				}
				service = n
			case "cv:PublicOrganisation":
				agency = n
			}
		}
		if service == nil || agency == nil {
			t.Fatalf("graph = %v", doc.Graph)
		}
		if service["dct:identifier"] != svc.ID || service["@id"] != "https://panjare.example/services/"+svc.ID {
			t.Fatalf("service node = %v", service)
		}
		titles := map[string]string{}
		for _, tl := range service["dct:title"].([]any) {
			m := tl.(map[string]any)
			titles[m["@language"].(string)] = m["@value"].(string)
		}
		if titles["fa"] != rec.TitleFa || titles["en"] != rec.TitleEn {
			t.Fatalf("titles = %v", titles)
		}
		if service["cv:hasCompetentAuthority"].(map[string]any)["@id"] != agency["@id"] || agency["dct:identifier"] != "JUD" {
			t.Fatalf("competent authority = %v, agency = %v", service["cv:hasCompetentAuthority"], agency)
		}
		cost := service["cv:hasCost"].(map[string]any)
		if cost["@type"] != "cv:Cost" || cost["cv:currency"].(map[string]any)["@id"] != currencyIRR ||
			cost["cv:hasValue"].(map[string]any)["@value"] != float64(500000) {
			t.Fatalf("cost = %v", cost)
		}
		if pt := service["cv:processingTime"].(map[string]any); pt["@value"] != "P2D" || pt["@type"] != "xsd:duration" {
			t.Fatalf("processing time = %v", pt)
		}
		for _, key := range []string{"cpsv:hasInput", "cv:holdsRequirement", "cpsv:produces", "cv:hasLegalResource",
			"cv:hasChannel", "cv:isGroupedBy", "cv:sector", "dcat:keyword", "panjare:level", "panjare:stages", "panjare:refusalGrounds"} {
			if service[key] == nil {
				t.Errorf("service node lacks %s", key)
			}
		}
		// No ruleset decides it: the export says the true level and the
		// planned one apart.
		if service["panjare:level"] != "L2" || service["panjare:plannedLevel"] != "L3" ||
			service["dct:type"].(map[string]any)["@id"] != "panjare:permit" {
			t.Fatalf("level, planned level or type = %v, %v, %v", service["panjare:level"], service["panjare:plannedLevel"], service["dct:type"])
		}
		// NOCR and POST publish nothing, so they are not in the export.
		if strings.Contains(buf.String(), "/agencies/POST\"") {
			t.Fatal("an agency without published services is exported")
		}
		// Once a ruleset decides it, the export says L3 and nothing planned.
		c.UseMachinery(&fakeMachinery{b: Built{Rules: map[string]bool{svc.ID: true}}})
		if err := c.Recompute(ctx, svc.ID); err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := c.WriteJSONLD(ctx, &buf, "https://panjare.example/"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), `"panjare:level": "L3"`) && !strings.Contains(buf.String(), `"panjare:level":"L3"`) ||
			strings.Contains(buf.String(), "plannedLevel") {
			t.Fatalf("after activation the export is\n%s", buf.String())
		}
	})
}
