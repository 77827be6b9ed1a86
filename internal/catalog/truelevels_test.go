package catalog

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// fakeMachinery is a Machinery whose answer tests change, as activating a
// ruleset or a subscription would.
type fakeMachinery struct {
	mu  sync.Mutex
	b   Built
	err error
}

func (m *fakeMachinery) Built(context.Context) (Built, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.b, m.err
}

func (m *fakeMachinery) set(b Built) {
	m.mu.Lock()
	m.b = b
	m.mu.Unlock()
}

func TestTrueLevel(t *testing.T) {
	const id = "1000018"
	inq := map[string]bool{"NOCR/person-identity": true}
	tests := []struct {
		name   string
		change func(r *Record)
		b      Built
		want   Level
		decl   Level
		why    []string // substrings of the English reasons, in order
	}{
		{"declared L3, nothing built", func(r *Record) {}, Built{Inquiries: inq}, L2, L3, []string{"no active ruleset"}},
		{"declared L3, ruleset active", func(r *Record) {}, Built{Inquiries: inq, Rules: map[string]bool{id: true}}, L3, L3, nil},
		{"another service's ruleset", func(r *Record) {}, Built{Inquiries: inq, Rules: map[string]bool{"1000026": true}}, L2, L3, []string{"ruleset"}},
		{"inquiry missing", func(r *Record) {}, Built{Inquiries: map[string]bool{}, Rules: map[string]bool{id: true}}, L1, L3,
			[]string{"inquiry NOCR/person-identity does not exist"}},
		{"inquiry missing and no ruleset", func(r *Record) {}, Built{Inquiries: map[string]bool{"NOCR/person-identity": false}}, L1, L3,
			[]string{"does not exist", "ruleset"}},
		{"inquiries not known are not checked", func(r *Record) {}, Built{Rules: map[string]bool{id: true}}, L3, L3, nil},
		{"declared L2 stays L2 whatever is built", func(r *Record) { r.Decision = DecideManual },
			Built{Inquiries: inq, Rules: map[string]bool{id: true}, Triggers: map[string]string{id: TriggerNoStop}}, L2, L2, nil},
		{"declared L2 with a missing inquiry", func(r *Record) { r.Decision = DecideManual }, Built{Inquiries: map[string]bool{}}, L1, L2, []string{"does not exist"}},
		{"declared L1 is not lowered", func(r *Record) { r.Visits = 1 }, Built{Inquiries: map[string]bool{}}, L1, L1, nil},
		{"declared L4, ruleset, no subscription", func(r *Record) { r.Trigger = OnEvent }, Built{Inquiries: inq, Rules: map[string]bool{id: true}}, L3, L4,
			[]string{"no active subscription offers"}},
		{"declared L4, offer", func(r *Record) { r.Trigger = OnEvent },
			Built{Inquiries: inq, Rules: map[string]bool{id: true}, Triggers: map[string]string{id: TriggerOffer}}, L4, L4, nil},
		{"declared L4, no-stop is at least an offer", func(r *Record) { r.Trigger = OnEvent },
			Built{Inquiries: inq, Rules: map[string]bool{id: true}, Triggers: map[string]string{id: TriggerNoStop}}, L4, L4, nil},
		{"declared L4, subscription without ruleset", func(r *Record) { r.Trigger = OnEvent },
			Built{Inquiries: inq, Triggers: map[string]string{id: TriggerOffer}}, L2, L4, []string{"ruleset"}},
		{"declared L5, offer only", func(r *Record) { r.Trigger = OnDetection },
			Built{Inquiries: inq, Rules: map[string]bool{id: true}, Triggers: map[string]string{id: TriggerOffer}}, L4, L5, []string{"only offers"}},
		{"declared L5, no-stop", func(r *Record) { r.Trigger = OnDate },
			Built{Inquiries: inq, Rules: map[string]bool{id: true}, Triggers: map[string]string{id: TriggerNoStop}}, L5, L5, nil},
		{"declared L5, nothing", func(r *Record) { r.Trigger = OnDate }, Built{Inquiries: inq}, L2, L5,
			[]string{"ruleset", "no active no-stop subscription"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := smartRecord()
			tt.change(&rec)
			got, decl, why := TrueLevel(id, rec, tt.b)
			if got != tt.want || decl != tt.decl {
				t.Fatalf("level, declared = %s, %s (%v), want %s, %s", got, decl, why, tt.want, tt.decl)
			}
			if got > decl {
				t.Fatal("true level above the declared one")
			}
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

// TestRecompute: a published record that declares L3 is L2 and planned
// until a ruleset decides it; Recompute stores the true level with an event,
// refreshes this node's copy and the search index, and another node follows
// it from the event. Taking the ruleset away, or an inquiry leaving the
// exchange, lowers it again, with the reason.
func TestRecompute(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		idx := newIndex()
		c := mustCatalog(t, ctx, s, idx)
		for _, a := range []Agency{
			{Code: "JUD", NameFa: "قوه قضاییه", NameEn: "Judiciary", Domain: DomainJudicial, Connected: true},
			{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", Domain: DomainCivil, Connected: true},
		} {
			if err := c.PutAgency(ctx, admin, a); err != nil {
				t.Fatal(err)
			}
		}
		m := &fakeMachinery{}
		c.UseMachinery(m)
		svc := mustPublish(t, ctx, c, jud, smartRecord())
		if svc.Level != L2 || svc.Declared != L3 || len(svc.Planned) != 1 || !strings.Contains(svc.Planned[0].En, "ruleset") {
			t.Fatalf("published = %s declared %s %+v", svc.Level, svc.Declared, svc.Planned)
		}
		other := mustCatalog(t, ctx, s, nil) // another node
		check := func(want Level, planned bool) {
			t.Helper()
			got, err := c.Service(ctx, svc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Level != want || got.IsPlanned() != planned || (len(got.Planned) > 0) != planned {
				t.Fatalf("service = %s declared %s %+v, want %s planned %v", got.Level, got.Declared, got.Planned, want, planned)
			}
			if in, _ := idx.has(svc.ID); in.Level != want {
				t.Fatalf("index has %s, want %s", in.Level, want)
			}
			if err := other.catchUp(ctx); err != nil {
				t.Fatal(err)
			}
			if o, err := other.Service(ctx, svc.ID); err != nil || o.Level != want {
				t.Fatalf("the other node has %s (%v), want %s", o.Level, err, want)
			}
		}
		check(L2, true)

		m.set(Built{Rules: map[string]bool{svc.ID: true}})
		if err := c.Recompute(ctx, svc.ID, "not an id"); err != nil {
			t.Fatal(err)
		}
		check(L3, false)
		evs := events(t, ctx, s, evLevelChanged)
		var payload struct{ Level, Was, Declared string }
		if len(evs) != 1 || evs[0].Service != svc.ID || json.Unmarshal(evs[0].Payload, &payload) != nil ||
			payload != (struct{ Level, Was, Declared string }{"L3", "L2", "L3"}) {
			t.Fatalf("events = %+v", evs)
		}
		// Nothing changed: nothing written.
		if err := c.Recompute(ctx); err != nil {
			t.Fatal(err)
		}
		if n := len(events(t, ctx, s, evLevelChanged)); n != 1 {
			t.Fatalf("%d level events after an idle recompute", n)
		}

		// The ruleset is retired.
		m.set(Built{})
		if err := c.Recompute(ctx); err != nil {
			t.Fatal(err)
		}
		check(L2, true)

		// The exchange loses the inquiry the record names.
		x := exchange.New(s, "IR")
		c.CheckInquiries(x)
		m.set(Built{Rules: map[string]bool{svc.ID: true}})
		if err := c.Recompute(ctx); err != nil {
			t.Fatal(err)
		}
		check(L1, true)
		got, _ := c.Service(ctx, svc.ID)
		if !strings.Contains(got.Planned[0].En, "inquiry NOCR/person-identity does not exist") {
			t.Fatalf("reasons = %+v", got.Planned)
		}
		registerInquiry(t, ctx, x, "NOCR", "person-identity")
		if err := c.Recompute(ctx); err != nil {
			t.Fatal(err)
		}
		check(L3, false)

		// A machinery that fails changes nothing.
		m.mu.Lock()
		m.err = context.DeadlineExceeded
		m.mu.Unlock()
		if err := c.Recompute(ctx); err == nil {
			t.Fatal("recompute with a failing machinery succeeded")
		}
		check(L3, false)
	}, Migrations(), exchange.Migrations())
}

// TestDeclaredChangeChangesNoShare: an agency that republishes a manual
// record saying decision=rules and trigger=event changes nothing in any
// share; the record is planned at L4 with its reasons.
func TestDeclaredChangeChangesNoShare(t *testing.T) {
	run(t, func(t *testing.T, ctx context.Context, s *store.Store, c *Catalog, _ *recordingIndex) {
		c.UseMachinery(&fakeMachinery{})
		manual := smartRecord()
		manual.Decision = DecideManual
		svc := mustPublish(t, ctx, c, jud, manual)
		mustPublish(t, ctx, c, nocr, nocrRecord())
		before, err := c.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		claim := manual
		claim.Decision, claim.Trigger = DecideRules, OnEvent
		d, err := c.SaveDraft(ctx, jud, svc.Key, claim)
		if err != nil {
			t.Fatal(err)
		}
		if d.Level != L2 || d.Declared != L4 || len(d.Planned) != 2 {
			t.Fatalf("draft = %s declared %s %+v", d.Level, d.Declared, d.Planned)
		}
		up, err := c.Publish(ctx, jud, svc.Key)
		if err != nil {
			t.Fatal(err)
		}
		if up.Level != L2 || up.Declared != L4 {
			t.Fatalf("republished = %s declared %s", up.Level, up.Declared)
		}
		after, err := c.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if after.PerLevel != before.PerLevel || after.Smart != before.Smart || after.Electronic != before.Electronic {
			t.Fatalf("a declaration changed the shares: %+v -> %+v", before, after)
		}
		if after.Planned != before.Planned+1 || after.PlannedAt[L4] != 1 {
			t.Fatalf("planned = %+v", after)
		}
	})
}
