package app_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/suggest"
)

// TestDemoSuggestionsThroughTheExchange signs in as a demo citizen whose age
// puts them in a band of the profile table, and checks that the profile is
// read through the exchange (the inquiry shows in their data tracker), that
// the home page and the API show suggestions with why, and that the logs
// never hold the national code.
func TestDemoSuggestionsThroughTheExchange(t *testing.T) {
	srv, set := mustServeDemo(t, store.SQLite)
	now := time.Now().UTC()
	var code, rule string
	for _, p := range set.People.All() {
		age := suggest.AgeOn(p.BirthDate, now)
		switch {
		case p.Alive() && p.Sex == "male" && age >= 17 && age <= 21:
			code, rule = p.NationalCode, "conscription_age"
		case p.Alive() && age >= 18 && age <= 24 && code == "":
			code, rule = p.NationalCode, "student_age"
		}
		if rule == "conscription_age" {
			break
		}
	}
	if code == "" {
		t.Skip("the demo population has no one aged 17 to 24 today")
	}
	b := newBrowser(t, srv.Base)
	if status, _, body := b.signIn("/me", code); status != 200 {
		t.Fatalf("sign in: %d %s", status, body)
	}
	status, _, body := b.do("GET", "/api/v1/me/suggestions", nil)
	if status != 200 {
		t.Fatalf("GET /api/v1/me/suggestions: %d %s", status, body)
	}
	var list struct {
		Items []suggest.Suggestion `json:"items"`
		K     int                  `json:"k"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, sg := range list.Items {
		if sg.Rule == rule && sg.WhyFa != "" && sg.WhyEn != "" {
			found = true
		}
	}
	if !found || len(list.Items) > suggest.DefaultMax {
		t.Fatalf("no %s suggestion (or too many): %s", rule, body)
	}
	status, _, page := b.do("GET", "/", nil)
	if status != 200 || !strings.Contains(page, "پیشنهاد برای شما") || !strings.Contains(page, "چرا این را می‌بینید") {
		t.Fatalf("home page: %d, no suggestions section", status)
	}
	// The civil registry was asked through the exchange, for this citizen,
	// and they can see it in their data tracker.
	status, _, tracker := b.do("GET", "/api/v1/me/inquiries", nil)
	if status != 200 || !strings.Contains(tracker, "person-identity") {
		t.Fatalf("the data tracker does not show the profile inquiry: %d %s", status, tracker)
	}
	if strings.Contains(srv.Logs(), code) {
		t.Fatal("the national code reached the log")
	}
}

// TestSuggestionsSwitchedOff: with --no-suggestions the API answers 503
// and the home page has no section.
func TestSuggestionsSwitchedOff(t *testing.T) {
	srv := mustServe(t, store.SQLite, func(c *app.Config) { c.NoSuggestions = true }, nil)
	if srv.Suggest != nil {
		t.Fatal("suggestions built while switched off")
	}
	b := newBrowser(t, srv.Base)
	if status, _, body := b.signIn("/me", "0067749828"); status != 200 {
		t.Fatalf("sign in: %d %s", status, body)
	}
	if status, _, body := b.do("GET", "/api/v1/me/suggestions", nil); status != 503 || !strings.Contains(body, "title_fa") {
		t.Fatalf("switched off: %d %s", status, body)
	}
}

// TestLifeEventSuggestionThroughPubSub publishes a marriage through the
// life-events room, as the civil registry does, and checks that the person
// it is about is suggested the marriage services, with the event named in
// the why-line.
func TestLifeEventSuggestionThroughPubSub(t *testing.T) {
	srv, _ := mustServeDemo(t, store.SQLite)
	body := `{"national_code":"` + backoffice.CitizenMaryam + `","spouse_national_code":"` + backoffice.CitizenAli + `","marriage_date":"` + time.Now().UTC().Format(time.DateOnly) + `"}`
	if _, err := srv.PubSub.Publish(srv.Ctx, "IR/GOV/NOCR/population", "marriage", json.RawMessage(body)); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, srv.Base)
	if status, _, body := b.signIn("/me", backoffice.CitizenMaryam); status != 200 {
		t.Fatalf("sign in: %d %s", status, body)
	}
	status, _, out := b.do("GET", "/api/v1/me/suggestions", nil)
	var list struct {
		Items []suggest.Suggestion `json:"items"`
	}
	if status != 200 || json.Unmarshal([]byte(out), &list) != nil {
		t.Fatalf("GET /api/v1/me/suggestions: %d %s", status, out)
	}
	if len(list.Items) == 0 || list.Items[0].Source != suggest.SourceLifeEvent || list.Items[0].Event != "marriage" ||
		!strings.Contains(list.Items[0].WhyFa, "ازدواج") {
		t.Fatalf("the marriage suggests nothing first: %s", out)
	}
	for _, sg := range list.Items {
		svc, err := srv.Catalog.Service(srv.Ctx, sg.Service)
		if err != nil {
			t.Fatal(err)
		}
		if sg.Source == suggest.SourceLifeEvent && !slices.Contains(svc.Record.Events, "marriage") {
			t.Fatalf("%s suggested for the marriage but its record names %v", sg.Service, svc.Record.Events)
		}
	}
	if strings.Contains(srv.Logs(), backoffice.CitizenMaryam) {
		t.Fatal("the national code reached the log")
	}
}
