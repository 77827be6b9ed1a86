package exchange_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// The life-events world: the gateway's test world plus the platform (the
// room manager), the pension funds, the ministry of science and the
// companies registry, and a civil registry that knows a few people.
var (
	psNOCR     = exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: "NOCR", Subsystem: "population"}
	psSSO      = exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: "SSO", Subsystem: "pensions"}
	psManager  = exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: "PANJARE", Subsystem: "admin"}
	psTax      = gwClient // INTA/tax subscribes
	psAudit    = gwOther  // INTA/audit subscribes too
	psChild    = nationalCode("123456781")
	psMother   = gwCitizen
	psFather   = gwCitizen2
	psStranger = nationalCode("314159265") // the civil registry does not know them
)

type psFixture struct {
	*gwFixture
	ps      *exchange.PubSub
	checked []string
	mu      sync.Mutex
}

// known is the test civil registry: a real lookup in a set of people.
func (f *psFixture) known(ctx context.Context, nc string) (bool, error) {
	f.mu.Lock()
	f.checked = append(f.checked, nc)
	f.mu.Unlock()
	switch nc {
	case psChild, psMother, psFather:
		return true, nil
	}
	return false, nil
}

func psSetup(t testing.TB, s *store.Store, cfg exchange.PubSubConfig) *psFixture {
	t.Helper()
	ctx := context.Background()
	f := &psFixture{gwFixture: gwSetup(t, s, exchange.GatewayConfig{})}
	for _, m := range []struct{ code, fa string }{{"PANJARE", "پنجره ملی"}, {"SSO", "تأمین اجتماعی"}} {
		if err := f.x.RegisterMember(ctx, identity.System, exchange.Member{Class: "GOV", Code: m.code, NameFa: m.fa}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []exchange.SubsystemID{psSSO, psManager} {
		if err := f.x.RegisterSubsystem(ctx, identity.System, exchange.Subsystem{ID: id, NameFa: "سامانهٔ " + id.Subsystem}); err != nil {
			t.Fatal(err)
		}
	}
	if cfg.PersonCheck == nil {
		cfg.PersonCheck = f.known
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase = 5 * time.Millisecond
	}
	f.ps = exchange.NewPubSub(f.g, cfg)
	if err := f.ps.SeedLifeEvents(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

func birth(child string) json.RawMessage {
	return json.RawMessage(`{"national_code":"` + child + `","mother_national_code":"` + psMother + `","father_national_code":"` + psFather +
		`","birth_date":"2026-11-30","sex":"female","birth_province":"تهران","birth_city":"تهران"}`)
}

func TestSeedIsIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := psSetup(t, s, exchange.PubSubConfig{})
		ctx := context.Background()
		before := countEvents(t, s, "exchange.pubsub.")
		if err := f.ps.SeedLifeEvents(ctx); err != nil {
			t.Fatal(err)
		}
		if after := countEvents(t, s, "exchange.pubsub."); after != before {
			t.Fatalf("a second seed wrote %d events", after-before)
		}
		types, err := f.ps.EventTypes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{"birth": {"IR/GOV/NOCR/population"}, "retirement": {"IR/GOV/CSPF/pensions", "IR/GOV/SSO/pensions"},
			"graduation": {"IR/GOV/MSRT/degrees"}, "company_registered": {"IR/GOV/SSAA/registry"}}
		if len(types) != 7 {
			t.Fatalf("%d types, want 7", len(types))
		}
		for _, ty := range types {
			if w, ok := want[ty.Name]; ok && !equalStrings(w, ty.Publishers) {
				t.Errorf("%s publishers %v, want %v", ty.Name, ty.Publishers, w)
			}
			var sch map[string]any
			if err := json.Unmarshal(ty.Schema, &sch); err != nil || sch["additionalProperties"] != false {
				t.Errorf("%s schema %s", ty.Name, ty.Schema)
			}
		}
	}, gwSets...)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPublishRefusesBadInput checks every refusal and that none stores
// anything.
func TestPublishRefusesBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := psSetup(t, s, exchange.PubSubConfig{})
		ctx := context.Background()
		if err := f.ps.SubscribeLocal(ctx, "proactive", "birth"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ps.Publish(ctx, psNOCR.String(), "birth", birth(psChild)); err != nil {
			t.Fatal(err)
		}
		events := countEvents(t, s, "")
		rows := psCount(t, s)
		for _, c := range []struct {
			name      string
			publisher string
			typ       string
			body      string
			kind      errs.Kind
			code      string
			fields    []string
		}{
			{"unknown type", psNOCR.String(), "baptism", string(birth(psChild)), errs.NotFound, exchange.CodeUnknownEventType, nil},
			{"publisher not allowed", psSSO.String(), "birth", string(birth(psChild)), errs.Forbidden, exchange.CodePublisherDenied, nil},
			{"replay", psNOCR.String(), "birth", string(birth(psChild)), errs.Conflict, exchange.CodeReplayed, nil},
			{"replay respelled", psNOCR.String(), "birth", `{"sex":"female","birth_city":"تهران","birth_province":"تهران","birth_date":"2026-11-30","father_national_code":"` + psFather + `","mother_national_code":"` + psMother + `",   "national_code":"` + psChild + `"}`, errs.Conflict, exchange.CodeReplayed, nil},
			{"unknown person", psNOCR.String(), "death", `{"national_code":"` + psStranger + `","death_date":"2026-11-01"}`, errs.Invalid, exchange.CodeUnknownPerson, []string{"national_code"}},
			{"missing and extra", psNOCR.String(), "death", `{"national_code":"` + psMother + `","cause":"x"}`, errs.Invalid, exchange.CodeEventInvalid, []string{"death_date", "cause"}},
			{"bad date", psNOCR.String(), "death", `{"national_code":"` + psMother + `","death_date":"2026-13-45"}`, errs.Invalid, exchange.CodeEventInvalid, []string{"death_date"}},
			{"bad date shape", psNOCR.String(), "death", `{"national_code":"` + psMother + `","death_date":"1405/09/10"}`, errs.Invalid, exchange.CodeEventInvalid, []string{"death_date"}},
			{"bad check digit", psNOCR.String(), "death", `{"national_code":"0067749829","death_date":"2026-11-01"}`, errs.Invalid, exchange.CodeEventInvalid, []string{"national_code"}},
			{"bad enum", psNOCR.String(), "birth", `{"national_code":"` + psChild + `","mother_national_code":"` + psMother + `","birth_date":"2026-11-30","sex":"x","birth_province":"a","birth_city":"b"}`, errs.Invalid, exchange.CodeEventInvalid, []string{"sex"}},
			{"not an object", psNOCR.String(), "death", `[1,2]`, errs.Invalid, exchange.CodeEventInvalid, []string{"event"}},
			{"not JSON", psNOCR.String(), "death", `{"national_code":`, errs.Invalid, exchange.CodeEventInvalid, []string{"event"}},
			{"bad publisher", "NOCR", "death", `{"national_code":"` + psMother + `","death_date":"2026-11-01"}`, errs.Invalid, exchange.CodePublisherDenied, nil},
		} {
			_, err := f.ps.Publish(ctx, c.publisher, c.typ, json.RawMessage(c.body))
			wantErr(t, c.name, err, c.kind, "")
			if e, ok := errs.As(err); ok {
				var inner *errs.Error
				for cur := error(e); cur != nil; cur = errors.Unwrap(cur) {
					if x, ok := cur.(*errs.Error); ok {
						inner = x
					}
				}
				if inner.Op != c.code {
					t.Errorf("%s: code %q, want %q", c.name, inner.Op, c.code)
				}
				var got []string
				for _, fe := range inner.Fields {
					got = append(got, fe.Field)
					if fe.Fa == "" || fe.En == "" {
						t.Errorf("%s: field %s without messages", c.name, fe.Field)
					}
				}
				for _, w := range c.fields {
					found := false
					for _, g := range got {
						found = found || g == w
					}
					if !found {
						t.Errorf("%s: fields %v, want %s among them", c.name, got, w)
					}
				}
			}
		}
		if n := countEvents(t, s, ""); n != events {
			t.Errorf("refusals appended %d events", n-events)
		}
		if r := psCount(t, s); r != rows {
			t.Errorf("refusals stored rows: %v, before %v", r, rows)
		}
		// A subscription to an unknown type stores nothing either.
		_, err := f.ps.Subscribe(ctx, psTax, exchange.Subscription{EventType: "baptism", Delivery: "PULL"})
		wantErr(t, "subscribe to unknown type", err, errs.NotFound, "")
		if err := f.ps.SubscribeLocal(ctx, "proactive", "baptism"); !errs.Is(err, errs.NotFound) {
			t.Errorf("local subscription to unknown type: %v", err)
		}
		if n := countEvents(t, s, ""); n != events {
			t.Errorf("refused subscriptions appended %d events", n-events)
		}
	}, gwSets...)
}

// psCount counts the rows of the Pub/Sub tables.
func psCount(t *testing.T, s *store.Store) [3]int {
	t.Helper()
	var out [3]int
	for i, tbl := range []string{"exchange_pubsub_events", "exchange_pubsub_subs", "exchange_pubsub_deliveries"} {
		if err := s.DB().QueryRow("SELECT count(*) FROM " + tbl).Scan(&out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestLocalDelivery checks a local handler that fails and then succeeds:
// the events are retried, and the later event about the same person waits
// for the earlier one, while another person's event goes ahead.
func TestLocalDelivery(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := psSetup(t, s, exchange.PubSubConfig{})
		ctx := context.Background()
		if err := f.ps.SubscribeLocal(ctx, "proactive", "birth"); err != nil {
			t.Fatal(err)
		}
		if err := f.ps.SubscribeLocal(ctx, "proactive", "birth"); err != nil {
			t.Fatalf("SubscribeLocal is not idempotent: %v", err)
		}
		if err := f.ps.SubscribeLocal(ctx, "IR/GOV/PANJARE/proactive", "death"); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var got []string
		failures := 2
		f.ps.HandleLocal("proactive", func(ctx context.Context, ev exchange.LifeEvent) error {
			mu.Lock()
			defer mu.Unlock()
			if ev.Person == psChild && failures > 0 {
				failures--
				return errors.New("the offers service is down")
			}
			var facts struct {
				Date string `json:"death_date"`
			}
			json.Unmarshal(ev.Facts, &facts)
			got = append(got, ev.Type+":"+ev.Person+":"+facts.Date)
			return nil
		})
		death := func(nc, date string) json.RawMessage {
			return json.RawMessage(`{"national_code":"` + nc + `","death_date":"` + date + `"}`)
		}
		b, err := f.ps.Publish(ctx, psNOCR.String(), "death", death(psChild, "2026-12-01"))
		if err != nil {
			t.Fatal(err)
		}
		if b.ID == "" || b.Sequence == 0 || b.Person != psChild || b.Publisher != psNOCR.String() || b.Type != "death" {
			t.Fatalf("published %+v", b)
		}
		// A correction about the same person, then another person.
		if _, err := f.ps.Publish(ctx, psNOCR.String(), "death", death(psChild, "2026-12-02")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.ps.Publish(ctx, psNOCR.String(), "death", death(psFather, "2026-12-01")); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			if _, err := f.ps.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n == 3 || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		want := []string{"death:" + psFather + ":2026-12-01", "death:" + psChild + ":2026-12-01", "death:" + psChild + ":2026-12-02"}
		if !equalStrings(got, want) {
			t.Fatalf("delivered %v, want %v", got, want)
		}
		if n := countEvents(t, s, "exchange.pubsub.delivered"); n != 3 {
			t.Errorf("%d delivered events, want 3", n)
		}
		if n := countEvents(t, s, "exchange.pubsub.delivery_failed"); n != 2 {
			t.Errorf("%d failure events, want 2", n)
		}
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "exchange.pubsub.published", Subject: psChild})
		if err != nil || len(evs) != 2 {
			t.Fatalf("published events about the child: %d %v", len(evs), err)
		}
	}, gwSets...)
}
