package catalog

import (
	"strings"
	"testing"
)

func TestComputeLevel(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *Record)
		want   Level
		why    []string // substrings of the English reasons, in order
	}{
		{"request offline", func(r *Record) { r.Stages.Request = false }, L0, []string{"request cannot be made online"}},
		{"request offline beats everything else", func(r *Record) { r.Stages = Stages{}; r.Visits = 3 }, L0, []string{"request"}},
		{"information offline", func(r *Record) { r.Stages.Information = false }, L1, []string{"information"}},
		{"processing offline", func(r *Record) { r.Stages.Processing = false; r.Decision = DecideManual }, L1, []string{"process"}},
		{"delivery offline", func(r *Record) { r.Stages.Delivery = false }, L1, []string{"delivered"}},
		{"a visit", func(r *Record) { r.Visits = 1 }, L1, []string{"visit"}},
		{"paper evidence", func(r *Record) { r.Requirements[0].Evidence[0].Source = FromPaper }, L1, []string{"id_card must be brought on paper"}},
		{"held but uploaded", func(r *Record) {
			r.Requirements[0].Evidence[0].Source = FromUpload
			r.Requirements[0].Evidence[0].Inquiry = ""
		}, L1, []string{"held by NOCR but not fetched"}},
		{"every L1 reason listed", func(r *Record) {
			r.Stages.Delivery = false
			r.Visits = 2
			r.Requirements[0].Evidence = append(r.Requirements[0].Evidence, Evidence{Code: "photo", NameFa: "عکس", Source: FromPaper})
		}, L1, []string{"delivered", "visit", "paper"}},
		{"uploaded and held by nobody is fine", func(r *Record) {
			r.Requirements[0].Evidence[0] = Evidence{Code: "photo", NameFa: "عکس", Source: FromUpload}
		}, L3, []string{"only on request"}},
		{"manual decision", func(r *Record) { r.Decision = DecideManual }, L2, []string{"decided by an official"}},
		{"rules on request", func(r *Record) {}, L3, []string{"life or business event"}},
		{"rules on event", func(r *Record) { r.Trigger = OnEvent }, L4, []string{"without one"}},
		{"rules on date", func(r *Record) { r.Trigger = OnDate }, L5, nil},
		{"rules on detection", func(r *Record) { r.Trigger = OnDetection }, L5, nil},
		{"manual on event stays L2", func(r *Record) { r.Trigger = OnEvent; r.Decision = DecideManual }, L2, []string{"official"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := smartRecord()
			tt.change(&rec)
			why := mustLevel(t, rec, tt.want)
			if len(why) != len(tt.why) {
				t.Fatalf("reasons = %+v, want %d", why, len(tt.why))
			}
			for i, w := range tt.why {
				if !strings.Contains(why[i].En, w) || why[i].Fa == "" {
					t.Errorf("reason %d = %+v, want one mentioning %q with Persian", i, why[i], w)
				}
			}
		})
	}
}

func TestLevelString(t *testing.T) {
	if L0.String() != "L0" || L5.String() != "L5" || !L2.FullyElectronic() || L1.FullyElectronic() || !L3.Smart() || L2.Smart() {
		t.Fatal("level helpers disagree with DESIGN.md")
	}
}
