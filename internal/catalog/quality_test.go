package catalog

import (
	"reflect"
	"testing"
)

func TestComputeQuality(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *Record)
		score  int
		fields map[string]int // suggestion field → points
	}{
		{"complete", func(r *Record) {}, 100, nil},
		{"no English", func(r *Record) { r.TitleEn, r.DescriptionEn = "", "" }, 90, map[string]int{"title_en": 5, "description_en": 5}},
		{"short description", func(r *Record) {
			r.DescriptionFa = "شرح کوتاه خدمت برای آزمون کیفیت شناسنامه"
		}, 90, map[string]int{"description_fa": 10}},
		{"two keywords", func(r *Record) { r.Keywords = r.Keywords[:2] }, 95, map[string]int{"keywords": 5}},
		{"law without article", func(r *Record) { r.LegalBasis[0].Article = "" }, 90, map[string]int{"legal_basis": 10}},
		{"evidence without source", func(r *Record) {
			r.Requirements[0].Evidence = append(r.Requirements[0].Evidence, Evidence{Code: "photo", NameFa: "عکس"})
		}, 90, map[string]int{"requirements": 10}},
		{"half the held evidence by inquiry", func(r *Record) {
			r.Requirements[0].Evidence = append(r.Requirements[0].Evidence,
				Evidence{Code: "address", NameFa: "نشانی", Source: FromUpload, HeldBy: "POST"})
		}, 92, map[string]int{"requirements": 8}},
		{"no processing time", func(r *Record) { r.ProcessingTime = Duration{} }, 90, map[string]int{"processing_time": 10}},
		{"no outputs", func(r *Record) { r.Outputs = nil }, 95, map[string]int{"outputs": 5}},
		{"no events", func(r *Record) { r.Events = nil }, 95, map[string]int{"events": 5}},
		{"permit without grounds", func(r *Record) { r.Permit = &Permit{} }, 90, map[string]int{"permit.refusal_grounds": 10}},
		{"permit ground without law", func(r *Record) {
			r.Permit = &Permit{RefusalGrounds: []RefusalGround{{Code: "debt", TextFa: "بدهی مالیاتی"}}}
		}, 90, map[string]int{"permit.refusal_grounds": 10}},
		{"permit with grounds and law", func(r *Record) {
			r.Permit = &Permit{RefusalGrounds: []RefusalGround{{Code: "debt", TextFa: "بدهی مالیاتی", LegalFa: "ماده ۱۸۶"}}}
		}, 100, nil},
		{"no channels", func(r *Record) { r.Channels = nil }, 95, map[string]int{"channels": 5}},
		{"no URL", func(r *Record) { r.URL = "" }, 95, map[string]int{"url": 5}},
		// With no evidence and no permit, three checks hold vacuously: evidence
		// resolved (10), once-only (15) and refusal grounds (10).
		{"empty record", func(r *Record) { *r = Record{} }, 35, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := smartRecord()
			tt.change(&rec)
			q := ComputeQuality(rec)
			if q.Score != tt.score {
				t.Fatalf("score = %d, want %d; suggestions %+v", q.Score, tt.score, q.Suggestions)
			}
			lost := 0
			for _, s := range q.Suggestions {
				lost += s.Points
				if s.Fa == "" || s.En == "" || s.Points <= 0 {
					t.Errorf("suggestion %+v lacks text or points", s)
				}
			}
			if q.Score+lost != 100 {
				t.Errorf("score %d + suggested points %d != 100", q.Score, lost)
			}
			if tt.fields != nil {
				got := map[string]int{}
				for _, s := range q.Suggestions {
					got[s.Field] += s.Points
				}
				if !reflect.DeepEqual(got, tt.fields) {
					t.Errorf("suggestions = %v, want %v", got, tt.fields)
				}
			}
			if again := ComputeQuality(rec); !reflect.DeepEqual(q, again) {
				t.Errorf("not deterministic: %+v then %+v", q, again)
			}
		})
	}
}
