package identity_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestParseLegalID(t *testing.T) {
	for in, want := range map[string]string{
		"10380284790": "10380284790", "۱۰۳۸۰۲۸۴۷۹۰": "10380284790", "103-8028479-0": "10380284790", " 10380284790 ": "10380284790",
	} {
		if got, err := identity.ParseLegalID(in); err != nil || got != want {
			t.Errorf("ParseLegalID(%q) = %q, %v", in, got, err)
		}
	}
	for in, want := range map[string]string{
		"11111111111": "check digit", "10380284791": "check digit", "1038028479": "11 digits", "103802847900": "11 digits",
		"1038028479x": "11 digits", "": "enter", "10300000007": "not an issued",
	} {
		_, err := identity.ParseLegalID(in)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid || !strings.Contains(e.En, want) || e.Fa == "" || len(e.Fields) != 1 {
			t.Errorf("ParseLegalID(%q) = %v, want Invalid naming %q", in, err, want)
		}
	}
	// Changing one of the first nine digits moves the weighted sum by a
	// non-multiple of 11 (every weight is prime to 11), so the check digit
	// catches it, except for the one change per position that lands on
	// remainder 10, which counts as 0 like the valid id's own remainder.
	valid := "10380284790"
	for i := 0; i < 9; i++ {
		accepted := 0
		for d := byte('0'); d <= '9'; d++ {
			id := valid[:i] + string(d) + valid[i+1:]
			if d == valid[i] || id[3:9] == "000000" {
				continue
			}
			if _, err := identity.ParseLegalID(id); err == nil {
				accepted++
			}
		}
		if accepted > 1 {
			t.Errorf("digit %d: %d single-digit changes pass the check", i+1, accepted)
		}
	}
	if got := identity.LegalIDCheckDigit("1038028479"); got != '0' {
		t.Errorf("LegalIDCheckDigit = %c, want 0", got)
	}
}

// clock is a settable clock for the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// runClock runs fn on both engines with a store whose clock is c.
func runClock(t *testing.T, start time.Time, fn func(t *testing.T, s *store.Store, c *clock)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			c := &clock{t: start}
			ctx := context.Background()
			s, err := store.Open(ctx, storetest.DSN(t, d), store.Options{Now: c.now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if err := s.Migrate(ctx, nil, identity.Migrations()); err != nil {
				t.Fatal(err)
			}
			fn(t, s, c)
		})
	}
}

// familyJSON is a civil registry family record in the NOCR service's shape.
func familyJSON(children ...[4]string) json.RawMessage {
	type rel struct {
		Relation     string            `json:"relation"`
		NationalCode string            `json:"national_code"`
		FirstName    string            `json:"first_name"`
		LastName     string            `json:"last_name"`
		BirthDate    map[string]string `json:"birth_date"`
		Alive        bool              `json:"alive"`
	}
	out := struct {
		NationalCode string `json:"national_code"`
		Relatives    []rel  `json:"relatives"`
	}{NationalCode: mother, Relatives: []rel{{Relation: "spouse", NationalCode: "0067749828", FirstName: "علی", LastName: "رضایی",
		BirthDate: map[string]string{"date": "1981-03-30"}, Alive: true}}}
	for _, c := range children {
		out.Relatives = append(out.Relatives, rel{Relation: "child", NationalCode: c[0], FirstName: c[1], LastName: "کریمی",
			BirthDate: map[string]string{"date": c[2]}, Alive: c[3] == "alive"})
	}
	b, _ := json.Marshal(out)
	return b
}

const (
	mother    = "0499370899"
	minor     = "1873116721" // turns 18 at 00:00 Tehran time on 2026-11-24 (20:30 UTC the day before), half an hour after the test's start
	adult     = "0033005877"
	deadMinor = "3882391413"
	younger   = "0684159414"
)

func TestActingForAChild(t *testing.T) {
	start := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC) // 23:30 in Tehran
	runClock(t, start, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		id := identity.New(s)
		p0, err := id.EnsurePerson(ctx, mother, "مریم احمدی")
		if err != nil {
			t.Fatal(err)
		}
		p, _ := id.PrincipalOf(ctx, p0)
		if _, err := id.RecordChildren(ctx, p); !errs.Is(err, errs.Unavailable) {
			t.Fatalf("without a registry: %v", err)
		}
		var asked []string
		answer := familyJSON([4]string{minor, "هانیه", "2008-11-24", "alive"}, [4]string{adult, "آرش", "1991-02-27", "alive"},
			[4]string{deadMinor, "پریسا", "2011-12-09", "dead"}, [4]string{younger, "سارا", "2015-06-01", "alive"})
		id.UseFamilyRegistry(identity.FamilyFromEvidence(func(ctx context.Context, subject, inquiry, purpose string) (json.RawMessage, error) {
			asked = append(asked, subject+" "+inquiry)
			if purpose == "" {
				t.Error("the family inquiry states no purpose")
			}
			return answer, nil
		}))
		rels, err := id.RecordChildren(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if len(asked) != 1 || asked[0] != mother+" NOCR/family" {
			t.Fatalf("asked %v", asked)
		}
		if len(rels) != 2 || rels[0].Other != minor || rels[1].Other != younger || rels[0].Kind != identity.RelGuardian ||
			rels[0].Source != "NOCR/family" || rels[0].OtherName != "هانیه کریمی" || !rels[0].Usable(c.now()) {
			t.Fatalf("relations = %+v", rels)
		}
		// Asking again records nothing new.
		if again, err := id.RecordChildren(ctx, p); err != nil || len(again) != 2 || again[0].ID != rels[0].ID {
			t.Fatalf("again: %+v, %v", again, err)
		}

		token, sess, err := id.StartSession(ctx, p0, "Firefox")
		if err != nil {
			t.Fatal(err)
		}
		// Someone else cannot act under her relation, nor she under an unknown one.
		other, _ := id.EnsurePerson(ctx, "0067749828", "")
		op, _ := id.PrincipalOf(ctx, other)
		_, osess, _ := id.StartSession(ctx, other, "")
		if _, err := id.StartActing(ctx, op, osess.ID, rels[0].ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("acting under another's relation: %v", err)
		}
		if _, err := id.StartActing(ctx, op, sess.ID, 0); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("changing another's session: %v", err)
		}
		acting, err := id.StartActing(ctx, p, sess.ID, rels[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if acting.ActingFor != minor || acting.Subject() != minor || acting.Actor() != p.Actor() || acting.ActingKind != identity.RelGuardian {
			t.Fatalf("acting = %+v", acting)
		}
		got, gs, err := id.SessionPrincipal(ctx, token)
		if err != nil || got.ActingFor != minor || got.ActingName != "هانیه کریمی" || got.Subject() != minor || gs.ActingRelation != rels[0].ID {
			t.Fatalf("SessionPrincipal = %+v, %+v, %v", got, gs, err)
		}
		if p.Subject() != mother {
			t.Fatalf("Subject of the person herself = %q", p.Subject())
		}

		// At midnight in Tehran the child turns eighteen: the very next
		// request acts for the mother herself.
		c.advance(29 * time.Minute)
		if got, _, err := id.SessionPrincipal(ctx, token); err != nil || got.ActingFor != minor {
			t.Fatalf("a minute before: %+v, %v", got, err)
		}
		c.advance(time.Minute)
		got, gs, err = id.SessionPrincipal(ctx, token)
		if err != nil || got.ActingFor != "" || got.Subject() != mother || gs.ActingRelation != 0 {
			t.Fatalf("after the eighteenth birthday: %+v, %+v, %v", got, gs, err)
		}
		if _, err := id.StartActing(ctx, p, sess.ID, rels[0].ID); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("acting for an adult: %v", err)
		}
		evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "identity.acting."})
		if len(evs) != 2 || evs[0].Kind != "identity.acting.started" || evs[1].Kind != "identity.acting.ended" {
			t.Fatalf("acting events = %+v", evs)
		}
		for _, ev := range evs {
			var pl map[string]any
			_ = json.Unmarshal(ev.Payload, &pl)
			if ev.Actor != p.Actor() || ev.Subject != minor || pl["acting_for"] != minor {
				t.Errorf("event %s: actor %s, subject %s, payload %s", ev.Kind, ev.Actor, ev.Subject, ev.Payload)
			}
		}
		var ended struct{ Reason string }
		if err := json.Unmarshal(evs[1].Payload, &ended); err != nil || ended.Reason != "adult" {
			t.Errorf("ended without the reason: %s", evs[1].Payload)
		}

		// The registry no longer lists the younger child: her relation is
		// revoked at the next look-up.
		answer = familyJSON([4]string{minor, "هانیه", "2008-11-24", "alive"})
		rels, err = id.RecordChildren(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rels {
			if r.Usable(c.now()) {
				t.Errorf("still usable: %+v", r)
			}
		}
		// A registry that fails is an error, not an empty family.
		id.UseFamilyRegistry(identity.FamilyFromEvidence(func(context.Context, string, string, string) (json.RawMessage, error) {
			return json.RawMessage(`{"relatives": [{"relation": "child", "national_code": "123"}]}`), nil
		}))
		if _, err := id.RecordChildren(ctx, p); !errs.Is(err, errs.Unavailable) {
			t.Fatalf("malformed record: %v", err)
		}
	})
}

func TestActingForACompany(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	runClock(t, start, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		id := identity.New(s)
		admin := identity.Principal{Kind: "user", ID: 77, Agency: "NOCR", Roles: []identity.Role{identity.RoleCitizen, identity.RoleAgencyAdmin}}
		operator := identity.Principal{Kind: "user", ID: 78, Agency: "NOCR", Roles: []identity.Role{identity.RoleCitizen, identity.RoleOperator}}
		if _, err := id.RegisterRepresentative(ctx, operator, "0067749828", "10380284790", "شرکت نمونه", time.Time{}); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("operator: %v", err)
		}
		if _, err := id.RegisterRepresentative(ctx, admin, "0067749828", "10380284791", "شرکت نمونه", time.Time{}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("bad check digit: %v", err)
		}
		if _, err := id.RegisterRepresentative(ctx, admin, "0067749828", "10380284790", "شرکت نمونه", start.Add(-time.Hour)); !errs.Is(err, errs.Invalid) {
			t.Fatalf("ended in the past: %v", err)
		}
		r, err := id.RegisterRepresentative(ctx, admin, "۰۰۶۷۷۴۹۸۲۸", "10380284790", "شرکت نمونه", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Source != "agency_admin:NOCR" || r.Kind != identity.RelRepresentative {
			t.Fatalf("relation = %+v", r)
		}
		if _, err := id.RegisterRepresentative(ctx, admin, "0067749828", "10380284790", "شرکت نمونه", time.Time{}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("twice: %v", err)
		}
		person, _ := id.PersonByNationalCode(ctx, "0067749828")
		p, _ := id.PrincipalOf(ctx, person)
		token, sess, _ := id.StartSession(ctx, person, "")
		if _, err := id.StartActing(ctx, p, sess.ID, r.ID); err != nil {
			t.Fatal(err)
		}
		if got, _, err := id.SessionPrincipal(ctx, token); err != nil || got.Subject() != "10380284790" || got.ActingKind != identity.RelRepresentative {
			t.Fatalf("acting: %+v, %v", got, err)
		}
		if list, _, err := id.RepresentationsBy(ctx, "NOCR", "", 0); err != nil || len(list) != 1 || list[0].NationalCode != "0067749828" || list[0].ID != r.ID {
			t.Fatalf("RepresentationsBy(NOCR) = %+v, %v", list, err)
		}
		if list, _, err := id.RepresentationsBy(ctx, "INTA", "", 0); err != nil || len(list) != 0 {
			t.Fatalf("RepresentationsBy(INTA) = %+v, %v", list, err)
		}
		// Another agency's admin cannot revoke it; its registrar can, and
		// the acting stops at the next request.
		inta := identity.Principal{Kind: "user", ID: 79, Agency: "INTA", Roles: []identity.Role{identity.RoleAgencyAdmin}}
		if err := id.RevokeRelation(ctx, inta, r.ID, ""); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other agency revoking: %v", err)
		}
		if err := id.RevokeRelation(ctx, admin, r.ID, "تغییر مدیرعامل"); err != nil {
			t.Fatal(err)
		}
		if got, _, err := id.SessionPrincipal(ctx, token); err != nil || got.ActingFor != "" || got.Subject() != "0067749828" {
			t.Fatalf("after revocation: %+v, %v", got, err)
		}

		// A representation that ends: valid until 20 minutes from now.
		r2, err := id.RegisterRepresentative(ctx, admin, "0067749828", "10380284790", "شرکت نمونه", c.now().Add(20*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := id.StartActing(ctx, p, sess.ID, r2.ID); err != nil {
			t.Fatal(err)
		}
		c.advance(19 * time.Minute)
		if got, _, _ := id.SessionPrincipal(ctx, token); got.ActingFor == "" {
			t.Fatal("stopped acting before the end")
		}
		c.advance(time.Minute)
		if got, _, _ := id.SessionPrincipal(ctx, token); got.ActingFor != "" {
			t.Fatal("still acting after the representation ended")
		}
		evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "identity.acting.ended"})
		if len(evs) != 2 || !strings.Contains(string(evs[0].Payload), `"revoked"`) || !strings.Contains(string(evs[1].Payload), `"expired"`) {
			t.Fatalf("ended events: %+v", evs)
		}
		// A new term after the old one ended is recorded; the old one is
		// closed for good.
		r3, err := id.RegisterRepresentative(ctx, admin, "0067749828", "10380284790", "شرکت نمونه", time.Time{})
		if err != nil || r3.ID == r2.ID {
			t.Fatalf("a new term: %+v, %v", r3, err)
		}
		if rels, _ := id.Relations(ctx, person.ID); len(rels) != 3 || rels[1].RevokedAt == nil || !rels[2].Usable(c.now()) {
			t.Fatalf("relations after a new term: %+v", rels)
		}
		// Choosing oneself again, and back, is recorded too.
		if _, err := id.StartActing(ctx, p, sess.ID, 0); err != nil {
			t.Fatal(err)
		}
	})
}

func TestRotateKey(t *testing.T) {
	start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	runClock(t, start, func(t *testing.T, s *store.Store, c *clock) {
		ctx := context.Background()
		id := identity.New(s)
		admin := identity.Principal{Kind: "user", ID: 77, Agency: "NOCR", Roles: []identity.Role{identity.RoleCitizen, identity.RoleAgencyAdmin}}
		operator := identity.Principal{Kind: "user", ID: 78, Agency: "NOCR", Roles: []identity.Role{identity.RoleCitizen, identity.RoleOperator}}
		inta := identity.Principal{Kind: "user", ID: 79, Agency: "INTA", Roles: []identity.Role{identity.RoleCitizen, identity.RoleAgencyAdmin}}
		if _, _, err := id.IssueKey(ctx, operator, "NOCR", "x"); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("operator issuing: %v", err)
		}
		if _, _, err := id.IssueKey(ctx, inta, "NOCR", "x"); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("other agency issuing: %v", err)
		}
		old, oldKey, err := id.IssueKey(ctx, admin, "NOCR", "سامانهٔ جمعیت")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := id.RotateKey(ctx, operator, old.ID, time.Hour); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("operator rotating: %v", err)
		}
		if _, _, err := id.RotateKey(ctx, inta, old.ID, time.Hour); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other agency rotating: %v", err)
		}
		if _, _, err := id.RotateKey(ctx, admin, old.ID, 31*24*time.Hour); !errs.Is(err, errs.Invalid) {
			t.Fatalf("overlap too long: %v", err)
		}
		next, newKey, err := id.RotateKey(ctx, admin, old.ID, 2*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if next.Agency != "NOCR" || next.Name != old.Name || newKey == oldKey {
			t.Fatalf("new = %+v", next)
		}
		if _, _, err := id.RotateKey(ctx, admin, old.ID, time.Hour); !errs.Is(err, errs.Conflict) {
			t.Fatalf("rotating twice: %v", err)
		}
		for _, k := range []string{oldKey, newKey} {
			if _, err := id.Authenticate(ctx, k); err != nil {
				t.Fatalf("during the overlap: %v", err)
			}
		}
		c.advance(2*time.Hour - time.Second)
		if _, err := id.Authenticate(ctx, oldKey); err != nil {
			t.Fatalf("a second before the end: %v", err)
		}
		c.advance(time.Second)
		if _, err := id.Authenticate(ctx, oldKey); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("old key after the overlap: %v", err)
		}
		if p, err := id.Authenticate(ctx, newKey); err != nil || p.ID != next.ID {
			t.Fatalf("new key: %+v, %v", p, err)
		}
		list, _ := id.APIClients(ctx, "NOCR")
		if len(list) != 2 || list[0].ReplacedBy != next.ID || list[0].RevokedAt == nil {
			t.Fatalf("clients = %+v", list)
		}

		// Revoking during an overlap ends the old key at once.
		third, thirdKey, err := id.RotateKey(ctx, admin, next.ID, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if err := id.RevokeKey(ctx, inta, next.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("other agency revoking: %v", err)
		}
		if err := id.RevokeKey(ctx, operator, next.ID); !errs.Is(err, errs.Forbidden) {
			t.Fatalf("operator revoking: %v", err)
		}
		if err := id.RevokeKey(ctx, admin, next.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := id.Authenticate(ctx, newKey); !errs.Is(err, errs.Unauthorized) {
			t.Fatalf("revoked during the overlap: %v", err)
		}
		if _, err := id.Authenticate(ctx, thirdKey); err != nil || third.ID == 0 {
			t.Fatal(err)
		}
		evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "identity.apikey."})
		kinds := []string{}
		for _, ev := range evs {
			kinds = append(kinds, ev.Kind)
			for _, k := range []string{oldKey, newKey, thirdKey} {
				if strings.Contains(string(ev.Payload), k[13:]) {
					t.Fatal("an event holds a key's secret")
				}
			}
		}
		if strings.Join(kinds, " ") != "identity.apikey.issued identity.apikey.rotated identity.apikey.rotated identity.apikey.revoked" {
			t.Fatalf("events = %v", kinds)
		}
	})
}

func TestSubjectAndAnnotate(t *testing.T) {
	p := identity.Principal{Kind: "user", ID: 4, NationalCode: mother}
	if p.Subject() != mother || p.Annotate(map[string]any{"a": 1})["acting_for"] != nil {
		t.Fatalf("for herself: %q %v", p.Subject(), p.Annotate(nil))
	}
	p.ActingFor, p.ActingKind = "10380284790", identity.RelRepresentative
	pl := p.Annotate(nil)
	if p.Subject() != "10380284790" || pl["acting_for"] != "10380284790" || pl["acting_kind"] != identity.RelRepresentative || p.Actor() != "user:4" {
		t.Fatalf("acting: %q %v %s", p.Subject(), pl, p.Actor())
	}
}

func TestAdultOn(t *testing.T) {
	// Born on a summer day of 2008, when Iran kept daylight saving time
	// (+04:30): the eighteenth birthday starts at midnight in Tehran in 2026
	// (+03:30), 20:30 UTC the day before.
	born := time.Date(2008, 7, 1, 0, 0, 0, 0, time.FixedZone("IRDT", 4*3600+1800))
	if got, want := identity.AdultOn(born), time.Date(2026, 6, 30, 20, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("AdultOn = %v, want %v", got, want)
	}
}
