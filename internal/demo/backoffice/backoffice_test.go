package backoffice

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
)

func TestPeopleDeterministicAndValid(t *testing.T) {
	a, b := NewPeople(), NewPeople()
	if len(a.All()) != 50 {
		t.Fatalf("%d people, want 50", len(a.All()))
	}
	if !reflect.DeepEqual(a.All(), b.All()) || !reflect.DeepEqual(a.Companies(), b.Companies()) {
		t.Fatal("two generations from the same seed differ")
	}
	seen := map[string]bool{}
	deceased := 0
	for _, p := range a.All() {
		if err := persian.CheckNationalCode(p.NationalCode); err != nil {
			t.Errorf("%s: %v", p.NationalCode, err)
		}
		if seen[p.NationalCode] {
			t.Errorf("duplicate national code %s", p.NationalCode)
		}
		seen[p.NationalCode] = true
		if p.FirstName == "" || p.LastName == "" || strings.ContainsAny(p.FirstName+p.LastName, "يك") {
			t.Errorf("%s: name %q not in standard Persian letters", p.NationalCode, p.FullName())
		}
		if s := a.Get(p.Spouse); p.Spouse != "" && (s == nil || s.Spouse != p.NationalCode) {
			t.Errorf("%s: spouse link not mutual", p.NationalCode)
		}
		for _, c := range p.Children {
			if k := a.Get(c); k == nil || (k.Father != p.NationalCode && k.Mother != p.NationalCode) {
				t.Errorf("%s: child %s does not name them as a parent", p.NationalCode, c)
			}
		}
		if !p.Alive() {
			deceased++
		}
	}
	for _, c := range []string{CitizenAli, CitizenMaryam} {
		if a.Get(c) == nil {
			t.Errorf("well-known citizen %s missing", c)
		}
	}
	if ali := a.Get(CitizenAli); ali == nil || ali.FirstName != "علی" || len(ali.Children) == 0 {
		t.Errorf("Ali: %+v", ali)
	}
	if deceased != 2 {
		t.Errorf("%d deceased, want 2", deceased)
	}
}

// get calls a running back office as the gateway would.
func get(t *testing.T, url, subject string, gateway bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if gateway {
		req.Header.Set(headerID, "6f1c2a5e-0000-4000-8000-000000000001")
		req.Header.Set(headerClient, "IR/GOV/PANJARE/once-only")
	}
	if subject != "" {
		req.Header.Set(headerSubject, subject)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: not JSON: %s", url, b)
	}
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode >= 400 && !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("%s: error with Content-Type %q", url, ct)
	}
	return resp.StatusCode, v
}

func TestServersAnswerEveryService(t *testing.T) {
	set, err := Start(0)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close(context.Background())
	members := map[string]bool{}
	for _, o := range set.Offices {
		if members[o.Member] {
			t.Errorf("two offices of %s", o.Member)
		}
		members[o.Member] = true
	}
	if len(set.Offices) < 30 {
		t.Fatalf("%d offices", len(set.Offices))
	}
	ali := CitizenAli
	for _, o := range set.Offices {
		for _, s := range o.Services {
			// The OpenAPI description is valid JSON, version 3, and declares
			// exactly the path served.
			var doc struct {
				OpenAPI string                     `json:"openapi"`
				Paths   map[string]json.RawMessage `json:"paths"`
			}
			if err := json.Unmarshal([]byte(o.OpenAPI(s)), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Paths) != 1 {
				t.Errorf("%s/%s: OpenAPI %v %+v", o.Member, s.Code, err, doc)
			}
			if _, ok := doc.Paths[s.Path]; !ok {
				t.Errorf("%s/%s: OpenAPI lacks %s", o.Member, s.Code, s.Path)
			}
			subject, id := ali, ali
			if !s.Personal {
				id = set.People.Companies()[0].NationalID
				subject = ""
			}
			url := o.BackendURL(s.Code) + strings.NewReplacer("{nationalCode}", id, "{nationalId}", id).Replace(s.Path)
			status, body := get(t, url, subject, true)
			if status != http.StatusOK {
				t.Errorf("%s: %d %v", url, status, body)
			}
			// Without the gateway's headers: refused.
			if status, _ := get(t, url, subject, false); status != http.StatusUnauthorized {
				t.Errorf("%s without the gateway: %d, want 401", url, status)
			}
		}
	}
}

func TestServersRefuseBadAndUnknownSubjects(t *testing.T) {
	set, err := Start(0)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close(context.Background())
	nocr := set.Office("NOCR").BackendURL("person-identity") + "/persons/"
	unknown := "0010350829" // valid, but not in the demo population
	if persian.CheckNationalCode(unknown) != nil || set.People.Get(unknown) != nil {
		t.Fatal("test code must be valid and unknown")
	}
	for _, c := range []struct {
		code, subject string
		want          int
	}{
		{CitizenAli, CitizenAli, 200},
		{unknown, unknown, 404},
		{"0684159415", "0684159415", 400}, // wrong check digit
		{"1111111111", "1111111111", 400}, // one digit repeated
		{"12345", "12345", 400},
		{CitizenAli, CitizenMaryam, 400}, // the subject header names someone else
		{CitizenAli, "", 400},
	} {
		status, body := get(t, nocr+c.code, c.subject, true)
		if status != c.want {
			t.Errorf("%s (subject %q): %d %v, want %d", c.code, c.subject, status, body, c.want)
		}
		if status >= 400 && (body["title_fa"] == "" || body["detail"] == "") {
			t.Errorf("%s: problem without messages: %v", c.code, body)
		}
	}
	tax := set.Office("INTA").BackendURL("company-tax-clearance") + "/companies/"
	if status, _ := get(t, tax+"123", "", true); status != 400 {
		t.Errorf("short company id: %d", status)
	}
	if status, _ := get(t, tax+"99999999999", "", true); status != 404 {
		t.Errorf("unknown company: %d", status)
	}
	if status, _ := get(t, set.Office("INTA").URL+"/nothing", "", true); status != 404 {
		t.Errorf("unknown path: %d", status)
	}
}

func TestRecordsTellOneStory(t *testing.T) {
	ps := NewPeople()
	ali := ps.Get(CitizenAli)
	fam := familyOf(ps, ali)
	var children, spouse int
	for _, r := range fam.Relatives {
		switch r.Relation {
		case "child":
			children++
		case "spouse":
			spouse++
		}
	}
	if children != len(ali.Children) || spouse != 1 {
		t.Errorf("Ali's family: %+v", fam)
	}
	if m := maritalOf(ps, ali); m.Status != "married" {
		t.Errorf("Ali marital: %+v", m)
	}
	var dead, widowed, records, uncleared, insuredDependants int
	for _, p := range ps.All() {
		if !p.Alive() {
			dead++
			if a := identityOf(p); a.Alive || a.DeathDate == nil {
				t.Errorf("%s: identity does not show the death", p.NationalCode)
			}
			if c := coverageOf(ps, p); c.Covered {
				t.Errorf("%s: dead but insured", p.NationalCode)
			}
		}
		if maritalOf(ps, p).Status == "widowed" {
			widowed++
		}
		if !criminalOf(ps, p).Clean {
			records++
		}
		if !taxOfPerson(ps, p).Cleared {
			uncleared++
		}
		if c := coverageOf(ps, p); c.Role == "dependant" && ps.Get(c.MainInsured) == nil {
			t.Errorf("%s: dependant of an unknown main insured", p.NationalCode)
		} else if c.Role == "dependant" {
			insuredDependants++
		}
		for _, v := range vehiclesOf(ps, p).Vehicles {
			if p.Age(asOf) < 18 || v.Plate == "" {
				t.Errorf("%s: vehicle %+v", p.NationalCode, v)
			}
		}
		if lic := licenceOf(ps, p); lic.Holds && lic.Expires != nil {
			exp, _ := time.Parse(time.DateOnly, lic.Expires.Date)
			if exp.Before(asOf) {
				t.Errorf("%s: licence expired %v", p.NationalCode, exp)
			}
		}
	}
	if dead != 2 || widowed != 2 || records == 0 || records > 5 || uncleared == 0 || insuredDependants == 0 {
		t.Errorf("dead %d widowed %d records %d uncleared %d dependants %d", dead, widowed, records, uncleared, insuredDependants)
	}
}

// TestCompanyIDsValid checks that every demo company's national id passes
// the legal-entity check digit, as real ones do.
func TestCompanyIDsValid(t *testing.T) {
	for _, c := range NewPeople().Companies() {
		if _, err := identity.ParseLegalID(c.NationalID); err != nil {
			t.Errorf("%s: %s: %v", c.Name, c.NationalID, err)
		}
	}
}

// TestEveryServiceAnswersEveryone: each personal service answers each demo
// person with a JSON object about that person, the same twice, and every
// property of the answer is in the service's published schema.
func TestEveryServiceAnswersEveryone(t *testing.T) {
	ps := NewPeople()
	for _, o := range Offices(ps) {
		for _, s := range o.Services {
			if !s.Personal {
				continue
			}
			props, _ := s.Schema["properties"].(map[string]any)
			for _, p := range ps.All() {
				v, err := s.get(p.NationalCode)
				if err != nil {
					t.Fatalf("%s/%s for %s: %v", o.Member, s.Code, p.NationalCode, err)
				}
				again, _ := s.get(p.NationalCode)
				a, _ := json.Marshal(v)
				b, _ := json.Marshal(again)
				if string(a) != string(b) {
					t.Errorf("%s/%s: two answers differ for the same person", o.Member, s.Code)
				}
				var got map[string]any
				if err := json.Unmarshal(a, &got); err != nil {
					t.Fatalf("%s/%s: not an object: %s", o.Member, s.Code, a)
				}
				if got["national_code"] != p.NationalCode {
					t.Errorf("%s/%s: answer about %v, asked about %s", o.Member, s.Code, got["national_code"], p.NationalCode)
				}
				for k := range got {
					if _, ok := props[k]; !ok {
						t.Errorf("%s/%s: %q is not in the schema", o.Member, s.Code, k)
					}
				}
			}
		}
	}
}

// TestOtherAgenciesTellTheSameStory: the new agencies agree with the civil
// registry and the police: women have no military service, children no
// passport consent of their own, the one effective conviction bars exit,
// the heirs of the dead have estate returns, and bank and phone identifiers
// carry valid check digits.
func TestOtherAgenciesTellTheSameStory(t *testing.T) {
	ps := NewPeople()
	var banned, heirs, consents int
	for _, p := range ps.All() {
		st := serviceStatusOf(ps, p).(m)
		if p.Sex == "female" && st["status"] != "not_subject" {
			t.Errorf("%s: a woman with military status %v", p.NationalCode, st["status"])
		}
		if p.Sex == "male" && adult(p) && st["status"] == "not_subject" {
			t.Errorf("%s: an adult man not subject to service", p.NationalCode)
		}
		if exitBanOf(ps, p).(m)["banned"] == true {
			banned++
			if c, ok := convicted[ps.index(p)]; !ok || !c.Effective {
				t.Errorf("%s: banned without an effective conviction", p.NationalCode)
			}
		}
		heirs += len(estateReturnsOf(ps, p).(m)["returns"].([]m))
		if c := consentOf(ps, p).(m); c["needed"] == true {
			consents++
			if !adult(p) && c["by_national_code"] != p.Father {
				t.Errorf("%s: a child's consent not by the father", p.NationalCode)
			}
		}
		for _, a := range accountsOf(ps, p).(m)["accounts"].([]m) {
			ib := a["iban"].(string)
			num := ib[4:] + "1827" + ib[2:4]
			rem := 0
			for _, c := range num {
				rem = (rem*10 + int(c-'0')) % 97
			}
			if len(ib) != 26 || rem != 1 {
				t.Errorf("%s: IBAN %s fails its check", p.NationalCode, ib)
			}
		}
		for _, h := range handsetsOf(ps, p).(m)["handsets"].([]m) {
			if s := h["imei"].(string); len(s) != 15 || imei(s[:14]) != s {
				t.Errorf("%s: IMEI %s fails its check", p.NationalCode, s)
			}
		}
	}
	if banned != 1 || heirs == 0 || consents == 0 {
		t.Errorf("banned %d, estate returns %d, consents %d", banned, heirs, consents)
	}
}
