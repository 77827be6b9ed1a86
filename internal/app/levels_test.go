package app_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestTrueLevelsOverTheDemo holds the levels shown to the public to what
// the other capabilities have built, over the whole demo, on each engine:
// the demo's rulesets and subscriptions are written by one agency admin and
// approved by a second through the rules and proactive verbs; then every service shown L2 or above has
// every inquiry it names in the exchange, every service shown L3 or above
// has an active ruleset, every L4 an active subscription and every L5 an
// active no-stop one, every service declared decided by rules without
// a ruleset is planned, the public shares (catalogue, agency, API) are the
// counts of true levels, a declared-only change moves no share, and
// deactivating a ruleset takes its service back down at once.
func TestTrueLevelsOverTheDemo(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			if d == store.Postgres {
				storetest.DSN(t, d) // skips without PostgreSQL
			}
			a, ctx := mustDemo(t, d)
			ps := a.BackOffices().People
			r := a.Rules
			// Loading twice changes nothing (idempotent).
			active, err := r.ActiveServices(ctx)
			if err != nil {
				t.Fatal(err)
			}
			subs, err := a.Proactive.ActiveSubscriptions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			all, err := a.Catalog.Published(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var perLevel, plannedAt [6]int
			planned, smart := 0, 0
			for _, svc := range all {
				name := svc.ID + " " + svc.Record.TitleEn
				cur, err := a.Catalog.Service(ctx, svc.ID) // what the pages and the API show
				if err != nil {
					t.Fatal(err)
				}
				if cur.Level != svc.Level || cur.Declared != svc.Declared {
					t.Errorf("%s: shown %s/%s, stored %s/%s", name, cur.Level, cur.Declared, svc.Level, svc.Declared)
				}
				if declared, _ := catalog.ComputeLevel(svc.Record); declared != svc.Declared || svc.Level > svc.Declared {
					t.Errorf("%s: level %s, declared %s, the record declares %s", name, svc.Level, svc.Declared, declared)
				}
				if svc.Level >= catalog.L2 {
					for _, rq := range svc.Record.Requirements {
						for _, ev := range rq.Evidence {
							if ev.Source != catalog.FromInquiry {
								continue
							}
							if ok, err := a.Exchange.HasInquiry(ctx, ev.Inquiry); err != nil || !ok {
								t.Errorf("%s is %s but its inquiry %s is not in the exchange (%v)", name, svc.Level, ev.Inquiry, err)
							}
						}
					}
				}
				if svc.Level >= catalog.L3 && active[svc.ID] == 0 {
					t.Errorf("%s is %s without an active ruleset", name, svc.Level)
				}
				if svc.Level == catalog.L4 && subs[svc.ID] != catalog.TriggerOffer && subs[svc.ID] != catalog.TriggerNoStop {
					t.Errorf("%s is L4 without an active subscription (%q)", name, subs[svc.ID])
				}
				if svc.Level == catalog.L5 && subs[svc.ID] != catalog.TriggerNoStop {
					t.Errorf("%s is L5 without an active no-stop subscription (%q)", name, subs[svc.ID])
				}
				if svc.Record.Decision == catalog.DecideRules && svc.Declared >= catalog.L3 && active[svc.ID] == 0 {
					if !svc.IsPlanned() || svc.Level > catalog.L2 || len(svc.Planned) == 0 {
						t.Errorf("%s declares %s by rules without a ruleset but is shown %s, planned %v", name, svc.Declared, svc.Level, svc.Planned)
					}
				}
				perLevel[svc.Level]++
				if svc.IsPlanned() {
					planned++
					plannedAt[svc.Declared]++
				}
				if svc.Level.Smart() {
					smart++
				}
			}
			if perLevel[3] < 10 {
				t.Errorf("%d services are really L3, want at least 10", perLevel[3])
			}
			t.Logf("true levels %v, planned %d %v", perLevel, planned, plannedAt)
			st, err := a.Catalog.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.PerLevel != perLevel || st.Planned != planned || st.PlannedAt != plannedAt ||
				st.Services != len(all) || st.Smart != float64(smart)/float64(len(all)) {
				t.Fatalf("stats %+v\nbut the services count %v, planned %d %v, smart %d of %d", st, perLevel, planned, plannedAt, smart, len(all))
			}
			// The API answers the same figures.
			rw := httptest.NewRecorder()
			a.Handler.ServeHTTP(rw, httptest.NewRequest(http.MethodGet, "/api/v1/stats", nil))
			var api catalog.AgencyStats
			if rw.Code != http.StatusOK || json.Unmarshal(rw.Body.Bytes(), &api) != nil || !reflect.DeepEqual(api, st) {
				t.Fatalf("GET /api/v1/stats: %d %s, want %+v", rw.Code, rw.Body, st)
			}

			// A declared-only change: an agency admin republishes a manual
			// service saying it is decided by rules. No share moves.
			var manual catalog.Service
			for _, svc := range all {
				if svc.Record.Decision == catalog.DecideManual && svc.Level == catalog.L2 && svc.Record.Permit == nil {
					manual = svc
					break
				}
			}
			agencyAdmin := identity.Principal{Kind: "user", ID: 1 << 40, Agency: manual.Record.Agency, Roles: []identity.Role{identity.RoleAgencyAdmin}}
			claim := manual.Record
			claim.Decision = catalog.DecideRules
			dr, err := a.Catalog.SaveDraft(ctx, agencyAdmin, manual.Key, claim)
			if err != nil {
				t.Fatal(err)
			}
			up, err := a.Catalog.Publish(ctx, agencyAdmin, dr.Key)
			if err != nil {
				t.Fatal(err)
			}
			if up.Level != catalog.L2 || up.Declared != catalog.L3 || !strings.Contains(up.Planned[0].En, "ruleset") {
				t.Fatalf("after the claim: %s declared %s %v", up.Level, up.Declared, up.Planned)
			}
			after, err := a.Catalog.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after.PerLevel != st.PerLevel || after.Smart != st.Smart || after.Electronic != st.Electronic || after.Planned != st.Planned+1 {
				t.Fatalf("a declaration moved the shares: %+v -> %+v", st, after)
			}
			ag, err := a.Catalog.AgencyStats(ctx, manual.Record.Agency)
			if err != nil {
				t.Fatal(err)
			}
			if ag.Planned == 0 || ag.PlannedAt[3] == 0 {
				t.Fatalf("the agency's planned services: %+v", ag)
			}

			// Deactivating a ruleset takes its service down at once.
			var id string
			for _, svc := range all {
				if svc.Level == catalog.L3 {
					id = svc.ID
					break
				}
			}
			svc, _ := a.Catalog.Service(ctx, id)
			admins := demo.RulesAdmins(ps)[svc.Record.Agency]
			person, err := a.Identity.EnsurePerson(ctx, admins[1], "")
			if err != nil {
				t.Fatal(err)
			}
			p, err := a.Identity.PrincipalOf(ctx, person)
			if err != nil {
				t.Fatal(err)
			}
			if err := r.Deactivate(ctx, p, id, "بازبینی قواعد"); err != nil {
				t.Fatal(err)
			}
			if down, _ := a.Catalog.Service(ctx, id); down.Level != catalog.L2 || !down.IsPlanned() {
				t.Fatalf("after deactivation %s is %s (declared %s)", id, down.Level, down.Declared)
			}
		})
	}
}

var _ = app.Defaults
