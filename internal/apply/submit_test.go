package apply_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// everyRecord is a service with evidence of every source: fetched from the
// civil registry, declared, uploaded and on paper. Its codes sort
// differently as bytes and by a natural-language collation (shop_name
// before shopkeeper), and the sources in another order than the form's.
func everyRecord() catalog.Record {
	r := baseRecord()
	r.TitleFa, r.TitleEn = "پروانهٔ نانوایی", "Bakery licence"
	r.Requirements = []catalog.Requirement{
		{Code: "identity", NameFa: "هویت متقاضی", Evidence: []catalog.Evidence{{Code: "identity", NameFa: "اطلاعات هویتی از ثبت احوال",
			NameEn: "Identity data", Source: catalog.FromInquiry, HeldBy: "NOCR", Inquiry: "NOCR/person-identity"}}},
		{Code: "shop", NameFa: "محل کسب", Evidence: []catalog.Evidence{
			{Code: "shopkeeper", NameFa: "نام متصدی", NameEn: "Keeper of the shop", Source: catalog.FromDeclaration},
			{Code: "shop_name", NameFa: "نام واحد صنفی", NameEn: "Name of the shop", Source: catalog.FromDeclaration},
			{Code: "lease", NameFa: "اجاره‌نامهٔ محل کسب", NameEn: "Lease of the shop", Source: catalog.FromUpload},
			{Code: "health_card", NameFa: "کارت بهداشت", NameEn: "Health card", Source: catalog.FromPaper},
			{Code: "deed", NameFa: "سند مالکیت", NameEn: "Title deed", Source: catalog.FromPaper}}},
	}
	r.Outputs = []catalog.Output{{NameFa: "پروانهٔ نانوایی", NameEn: "Bakery licence", Kind: "decision"}}
	r.Channels = append(r.Channels, catalog.ChannelPost) // for the paper originals
	r.CostRials = 250_000
	r.ProcessingTime = catalog.Duration{Days: 3, Hours: 4}
	return r
}

// TestSubmitReturnsWhatCaseReads: the case Submit returns, built from what
// it wrote, is the case Case reads back, field for field.
func TestSubmitReturnsWhatCaseReads(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{gateway: true})
		every := mustPublish(t, f.cat, everyRecord())
		forChild := ali
		forChild.ActingFor, forChild.ActingKind, forChild.ActingName = "0499370899", "child", "سارا رضایی"
		for _, tc := range []struct {
			name    string
			who     identity.Principal
			sources int // distinct sources of evidence
			submit  func() (apply.Case, error)
		}{
			{"every source", ali, 4, func() (apply.Case, error) {
				return f.app.Submit(ctx, ali, every, map[string]string{"phone": "۰۹۱۲۱۲۳۴۵۶۷", "decl_shop_name": " نانوایی سنگك ",
					"decl_shopkeeper": "علی رضایی"}, map[string]apply.Upload{"file_lease": {Name: "lease.png", Data: pngBytes(t)}})
			}},
			{"permit", maryam, 3, func() (apply.Case, error) {
				return f.app.Submit(ctx, maryam, f.permit, map[string]string{"phone": "09121234567", "decl_shop_name": "عطاری"},
					map[string]apply.Upload{"file_lease": {Name: "lease.png", Data: pngBytes(t)}})
			}},
			{"plain, acting for a child", forChild, 1, func() (apply.Case, error) {
				return f.app.Submit(ctx, forChild, f.plain, map[string]string{"phone": "09121234567", "decl_story": "کالای معیوب"}, nil)
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f.clock.Add(time.Hour + 1234567*time.Nanosecond) // times with microseconds, and more the store drops
				got, err := tc.submit()
				if err != nil {
					t.Fatalf("submit: %v %+v", err, fieldsOf(err))
				}
				want, err := f.app.Case(ctx, tc.who, got.Tracking)
				if err != nil {
					t.Fatal(err)
				}
				sources := map[string]bool{}
				for _, e := range want.Evidence {
					sources[e.Source] = true
					if e.Source == string(catalog.FromInquiry) && (e.State != apply.EvFetched || len(e.Answer) == 0) {
						t.Errorf("the registry did not answer: %+v", e)
					}
				}
				if len(sources) != tc.sources || len(want.Timeline) != 1 {
					t.Fatalf("Case read evidence from %d sources and %d steps", len(sources), len(want.Timeline))
				}
				// The submission's event gets its id at the commit, so
				// Submit's timeline cannot name it; Case's must.
				if want.Timeline[0].Event == 0 || got.Timeline[0].Event != 0 {
					t.Errorf("event ids: Submit returned %d, Case read %d", got.Timeline[0].Event, want.Timeline[0].Event)
				}
				got.Timeline[0].Event = want.Timeline[0].Event
				for _, d := range diff("Case", reflect.ValueOf(got), reflect.ValueOf(want)) {
					t.Error(d)
				}
			})
		}
	}, sets...)
}

// TestSubmitDrawsAgainWhenTrackingTaken: when another submission took the
// tracking code after the check, Submit draws another and files the case
// once; after maxFilings such draws it gives up, storing nothing.
func TestSubmitDrawsAgainWhenTrackingTaken(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := mustFixture(t, s, fixtureOpts{})
		first := f.mustSubmitPlain(t, ali)
		t.Run("once", func(t *testing.T) {
			picks := apply.TakenTrackingForTest(t, f.app, first.Tracking, 1)
			c := f.mustSubmitPlain(t, maryam)
			if picks() != 2 {
				t.Errorf("%d codes picked, want 2", picks())
			}
			if c.Tracking == first.Tracking || c.Applicant != maryam.NationalCode {
				t.Errorf("filed as %s for %s; the taken code is %s", c.Tracking, c.Applicant, first.Tracking)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM apply_cases`); n != 2 {
				t.Errorf("%d cases, want 2", n)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM apply_cases WHERE tracking = $1 AND applicant = $2`, first.Tracking, ali.NationalCode); n != 1 {
				t.Errorf("the first case changed")
			}
			if n := count(t, s, `SELECT COUNT(*) FROM events WHERE kind = 'apply.case.submitted' AND subject = $1`, maryam.NationalCode); n != 1 {
				t.Errorf("%d submitted events for the second case, want 1", n)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM apply_evidence e JOIN apply_cases c ON c.id = e.case_id WHERE c.applicant = $1`, maryam.NationalCode); n != 1 {
				t.Errorf("%d evidence rows for the second case, want 1", n)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM notify_inbox WHERE recipient = $1`, maryam.NationalCode); n != 1 {
				t.Errorf("%d notices to the second applicant, want 1", n)
			}
		})
		t.Run("always", func(t *testing.T) {
			before := count(t, s, `SELECT COUNT(*) FROM events`)
			picks := apply.TakenTrackingForTest(t, f.app, first.Tracking, 100)
			_, err := f.app.Submit(ctx, maryam, f.plain, map[string]string{"phone": "09121234567", "decl_story": "کالای معیوب"}, nil)
			if !errs.Is(err, errs.Unavailable) {
				t.Fatalf("Submit: %v, want unavailable", err)
			}
			if picks() != 8 {
				t.Errorf("%d codes picked, want 8", picks())
			}
			if n := count(t, s, `SELECT COUNT(*) FROM apply_cases`); n != 2 {
				t.Errorf("%d cases, want 2", n)
			}
			if n := count(t, s, `SELECT COUNT(*) FROM events`); n != before {
				t.Errorf("%d events, want %d", n, before)
			}
		})
	}, sets...)
}

// diff lists where got and want differ, by path; times are compared with
// Equal, in UTC.
func diff(path string, got, want reflect.Value) []string {
	if got.Type() == reflect.TypeFor[time.Time]() {
		g, w := got.Interface().(time.Time), want.Interface().(time.Time)
		if !g.UTC().Equal(w.UTC()) || g.Location() != w.Location() {
			return []string{fmt.Sprintf("%s: Submit returned %v, Case read %v", path, g, w)}
		}
		return nil
	}
	switch got.Kind() {
	case reflect.Struct:
		var out []string
		for i := range got.NumField() {
			out = append(out, diff(path+"."+got.Type().Field(i).Name, got.Field(i), want.Field(i))...)
		}
		return out
	case reflect.Pointer:
		if got.IsNil() != want.IsNil() {
			return []string{fmt.Sprintf("%s: Submit returned %v, Case read %v", path, got, want)}
		}
		if got.IsNil() {
			return nil
		}
		return diff(path, got.Elem(), want.Elem())
	case reflect.Slice:
		if got.IsNil() != want.IsNil() || got.Len() != want.Len() {
			return []string{fmt.Sprintf("%s: Submit returned %#v, Case read %#v", path, got, want)}
		}
		if got.Type().Elem().Kind() == reflect.Uint8 { // json.RawMessage
			if string(got.Bytes()) != string(want.Bytes()) {
				return []string{fmt.Sprintf("%s: Submit returned %s, Case read %s", path, got.Bytes(), want.Bytes())}
			}
			return nil
		}
		var out []string
		for i := range got.Len() {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), got.Index(i), want.Index(i))...)
		}
		return out
	}
	if !reflect.DeepEqual(got.Interface(), want.Interface()) {
		return []string{fmt.Sprintf("%s: Submit returned %#v, Case read %#v", path, got, want)}
	}
	return nil
}
