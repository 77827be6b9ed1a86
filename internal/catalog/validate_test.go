package catalog

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/errs"
)

func registered(code string) bool { return code == "JUD" || code == "NOCR" || code == "POST" }

func fields(problems []errs.FieldError) []string {
	var out []string
	for _, p := range problems {
		out = append(out, p.Field)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func TestValidateForPublish(t *testing.T) {
	ev := func(r *Record) *Evidence { return &r.Requirements[0].Evidence[0] }
	tests := []struct {
		name   string
		change func(r *Record)
		want   []string // the exact set of fields with problems
	}{
		{"complete", func(r *Record) {}, nil},
		// Mandatory fields.
		{"no Persian title", func(r *Record) { r.TitleFa = "" }, []string{"title_fa"}},
		{"short description", func(r *Record) { r.DescriptionFa = "شرح کوتاه" }, []string{"description_fa"}},
		{"no agency", func(r *Record) { r.Agency = "" }, []string{"agency"}},
		{"unknown agency", func(r *Record) { r.Agency = "NOPE" }, []string{"agency"}},
		{"no audience", func(r *Record) { r.Audience = "" }, []string{"audience"}},
		{"no nature", func(r *Record) { r.Nature = "" }, []string{"nature"}},
		{"no scope", func(r *Record) { r.Scope = "" }, []string{"scope"}},
		{"no trigger", func(r *Record) { r.Trigger = "" }, []string{"trigger"}},
		{"no decision", func(r *Record) { r.Decision = "" }, []string{"decision"}},
		{"no frequency", func(r *Record) { r.Frequency = "" }, []string{"frequency"}},
		{"no outputs", func(r *Record) { r.Outputs = nil }, []string{"outputs"}},
		{"output without kind", func(r *Record) { r.Outputs[0].Kind = "" }, []string{"outputs[0].kind"}},
		{"zero processing time", func(r *Record) { r.ProcessingTime = Duration{} }, []string{"processing_time"}},
		{"no legal basis", func(r *Record) { r.LegalBasis = nil }, []string{"legal_basis"}},
		{"no channels", func(r *Record) { r.Channels = nil }, []string{"channels"}}, // also: an online request needs an online channel
		// Shape.
		{"unknown audience", func(r *Record) { r.Audience = "G2X" }, []string{"audience"}},
		{"unknown channel", func(r *Record) { r.Channels = append(r.Channels, "fax") }, []string{"channels[2]"}},
		{"duplicate channel", func(r *Record) { r.Channels = append(r.Channels, ChannelWeb) }, []string{"channels[2]"}},
		{"unknown event", func(r *Record) { r.Events = []string{"wedding"} }, []string{"events[0]"}},
		{"negative cost", func(r *Record) { r.CostRials = -1 }, []string{"cost_rials"}},
		{"negative objection period", func(r *Record) { r.ObjectionDays = -1 }, []string{"objection_days"}},
		{"objection period over a year", func(r *Record) { r.ObjectionDays = 366 }, []string{"objection_days"}},
		{"negative volume", func(r *Record) { r.AnnualVolume = -5 }, []string{"annual_volume"}},
		{"negative validity", func(r *Record) {
			r.Permit = &Permit{ValidityDays: -1, RefusalGrounds: []RefusalGround{{Code: "a", TextFa: "بدهی"}}}
		}, []string{"permit.validity_days"}},
		{"title too long", func(r *Record) { r.TitleFa = strings.Repeat("خ", 201) }, []string{"title_fa"}},
		{"bad URL", func(r *Record) { r.URL = "javascript:alert(1)" }, []string{"url"}},
		{"duplicate requirement codes", func(r *Record) {
			r.Requirements = append(r.Requirements, Requirement{Code: "identity", NameFa: "دوباره"})
		}, []string{"requirements[1].code"}},
		{"duplicate evidence codes across requirements", func(r *Record) {
			r.Requirements = append(r.Requirements, Requirement{Code: "other", NameFa: "شرط دیگر",
				Evidence: []Evidence{{Code: "id_card", NameFa: "کارت", Source: FromUpload}}})
		}, []string{"requirements[1].evidence[0].code"}},
		{"malformed code", func(r *Record) { r.Requirements[0].Code = "Identity Card" }, []string{"requirements[0].code"}},
		// Consistency.
		{"visit without counter", func(r *Record) { r.Visits = 1; r.Stages.Delivery = false }, []string{"channels"}},
		{"visit with kiosk", func(r *Record) {
			r.Visits = 1
			r.Stages.Delivery = false
			r.Channels = append(r.Channels, ChannelKiosk)
		}, nil},
		{"visit while all stages electronic", func(r *Record) { r.Visits = 1; r.Channels = append(r.Channels, ChannelCounter) }, []string{"visits"}},
		{"paper evidence without visit or post", func(r *Record) {
			*ev(r) = Evidence{Code: "id_card", NameFa: "کارت ملی", Source: FromPaper}
		}, []string{"requirements[0].evidence[0].source"}},
		{"paper evidence by post", func(r *Record) {
			*ev(r) = Evidence{Code: "id_card", NameFa: "کارت ملی", Source: FromPaper}
			r.Channels = append(r.Channels, ChannelPost)
		}, nil},
		{"online request without online channel", func(r *Record) { r.Channels = []Channel{ChannelCounter, ChannelPhone} }, []string{"channels"}},
		{"inquiry without holder", func(r *Record) { ev(r).HeldBy = "" }, []string{"requirements[0].evidence[0].held_by"}},
		{"inquiry to unknown agency", func(r *Record) { ev(r).HeldBy = "GHOST" }, []string{"requirements[0].evidence[0].held_by"}},
		{"inquiry without service", func(r *Record) { ev(r).Inquiry = "" }, []string{"requirements[0].evidence[0].inquiry"}},
		{"inquiry malformed", func(r *Record) { ev(r).Inquiry = "person identity" }, []string{"requirements[0].evidence[0].inquiry"}},
		{"inquiry set on upload", func(r *Record) { ev(r).Source = FromUpload }, []string{"requirements[0].evidence[0].inquiry"}},
		{"evidence without source", func(r *Record) { ev(r).Source = ""; ev(r).Inquiry = "" }, []string{"requirements[0].evidence[0].source"}},
		{"permit without grounds", func(r *Record) { r.Permit = &Permit{} }, []string{"permit.refusal_grounds"}},
		{"permit with duplicate grounds", func(r *Record) {
			r.Permit = &Permit{RefusalGrounds: []RefusalGround{{Code: "debt", TextFa: "بدهی"}, {Code: "debt", TextFa: "بدهی دیگر"}}}
		}, []string{"permit.refusal_grounds[1].code"}},
		// What a document certifies.
		{"facts from each source", func(r *Record) {
			r.Outputs[0].Certifies = []Fact{
				{Code: "record", NameFa: "سابقهٔ کیفری", NameEn: "Criminal record", From: FactFromDecision, DefaultFa: "ندارد"},
				{Code: "father", NameFa: "نام پدر", From: FactFromEvidence, Evidence: "id_card", Key: "father_name"},
			}
		}, nil},
		{"fact without name or known source", func(r *Record) {
			r.Outputs[0].Certifies = []Fact{{Code: "record", From: "guess"}}
		}, []string{"outputs[0].certifies[0].from", "outputs[0].certifies[0].name_fa"}},
		{"duplicate fact codes", func(r *Record) {
			r.Outputs[0].Certifies = []Fact{{Code: "a", NameFa: "الف", From: FactFromDecision}, {Code: "a", NameFa: "ب", From: FactFromDecision}}
		}, []string{"outputs[0].certifies[1].code"}},
		{"fact from an unknown or unsuitable evidence", func(r *Record) {
			r.Outputs[0].Certifies = []Fact{
				{Code: "a", NameFa: "الف", From: FactFromEvidence, Evidence: "nope", Key: "k"},
				{Code: "b", NameFa: "ب", From: FactFromEvidence, Evidence: "id_card"},
				{Code: "c", NameFa: "ج", From: FactFromForm, Evidence: "id_card"},
			}
		}, []string{"outputs[0].certifies[0].evidence", "outputs[0].certifies[1].evidence", "outputs[0].certifies[2].evidence"}},
		{"facts on an output that is no document", func(r *Record) {
			r.Outputs = append(r.Outputs, Output{NameFa: "رأی", Kind: "decision", Certifies: []Fact{{Code: "a", NameFa: "الف", From: FactFromDecision}}})
		}, []string{"outputs[1].certifies"}},
		{"event trigger without events", func(r *Record) { r.Trigger = OnEvent; r.Events = nil }, []string{"events"}},
		{"rules with manual processing", func(r *Record) { r.Stages.Processing = false }, []string{"decision"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := smartRecord()
			tt.change(&rec)
			problems := ValidateForPublish(rec, registered)
			if got := fields(problems); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("fields = %q, want %q\n%+v", got, tt.want, problems)
			}
			for _, p := range problems {
				if p.Fa == "" || p.En == "" {
					t.Errorf("problem %+v lacks a message", p)
				}
			}
		})
	}
}

func TestValidateForPublishListsEveryProblem(t *testing.T) {
	problems := ValidateForPublish(Record{Agency: "JUD", Stages: Stages{Request: true}}, registered)
	want := []string{"audience", "channels", "decision", "description_fa", "frequency", "legal_basis",
		"nature", "outputs", "processing_time", "scope", "title_fa", "trigger"}
	if got := fields(problems); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields = %q\nwant %q", got, want)
	}
}

func TestValidateDraftChecksOnlyShape(t *testing.T) {
	if p := ValidateDraft(Record{Agency: "JUD", TitleFa: "پیش‌نویس"}); len(p) != 0 {
		t.Fatalf("an incomplete draft has problems: %+v", p)
	}
	rec := Record{Agency: "JUD", Visits: -1, Decision: "magic", Requirements: []Requirement{{Code: "a"}, {Code: "a"}}}
	want := []string{"decision", "requirements[1].code", "visits"}
	if got := fields(ValidateDraft(rec)); !reflect.DeepEqual(got, want) {
		t.Fatalf("fields = %q, want %q", got, want)
	}
}

func TestCleanRecord(t *testing.T) {
	rec := Record{TitleFa: "  گواهي   كار ", Agency: " jud ", Keywords: []string{" ", "كليد"},
		Requirements: []Requirement{{Code: " a ", Evidence: []Evidence{{Code: "b", HeldBy: "nocr"}}}}}
	c := cleanRecord(rec)
	if c.TitleFa != "گواهی کار" || c.Agency != "JUD" || len(c.Keywords) != 1 || c.Keywords[0] != "کلید" ||
		c.Requirements[0].Code != "a" || c.Requirements[0].Evidence[0].HeldBy != "NOCR" {
		t.Fatalf("cleaned = %+v", c)
	}
	c.Requirements[0].Evidence[0].Code = "changed"
	if rec.Requirements[0].Evidence[0].Code != "b" {
		t.Fatal("cleanRecord shares slices with its input")
	}
}
