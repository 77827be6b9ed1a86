package demo

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// exchangeFixture starts the back offices, registers the demo exchange and
// opens a gateway over it.
func exchangeFixture(t *testing.T, s *store.Store) (*exchange.Exchange, *exchange.Gateway, *backoffice.Set) {
	t.Helper()
	ctx := context.Background()
	set, err := backoffice.Start(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { set.Close(context.Background()) })
	x := exchange.New(s, "IR")
	if err := LoadExchange(ctx, x, set); err != nil {
		t.Fatal(err)
	}
	g, err := exchange.NewGateway(ctx, x, exchange.GatewayConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close(context.Background()) })
	return x, g, set
}

var exchangeSets = []store.MigrationSet{identity.Migrations(), exchange.Migrations()}

func TestLoadExchangeIdempotent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		x, _, set := exchangeFixture(t, s)
		count := func() int {
			evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "exchange.", Limit: 10000})
			if err != nil {
				t.Fatal(err)
			}
			return len(evs)
		}
		before := count()
		if err := LoadExchange(ctx, x, set); err != nil {
			t.Fatal(err)
		}
		if after := count(); after != before {
			t.Errorf("a second load wrote %d events", after-before)
		}
		// Every right to the back offices was granted by the provider's own
		// agency, never the platform; the bank's right to tax clearance needs
		// the citizen's consent.
		var consent int
		for _, o := range set.Offices {
			rights, err := x.Rights(ctx, exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: o.Member, Subsystem: o.Subsystem})
			if err != nil {
				t.Fatal(err)
			}
			if len(rights) < len(o.Services) {
				t.Errorf("%s: %d rights for %d services", o.Member, len(rights), len(o.Services))
			}
			for _, r := range rights {
				if r.Service.Provider.Member != o.Member {
					t.Errorf("right %d on %s listed under %s", r.ID, r.Service, o.Member)
				}
				if r.RequiresConsent {
					consent++
					if r.Client.Member != "BANK_MELLI" {
						t.Errorf("right %d: consent for %s", r.ID, r.Client)
					}
				}
			}
		}
		if consent != 2 {
			t.Errorf("%d consent rights, want 2", consent)
		}
		// The back offices moved (a new run, new ports): each service gets a
		// new version pointing at the new address, and nothing else changes.
		set2, err := backoffice.Start(0)
		if err != nil {
			t.Fatal(err)
		}
		defer set2.Close(ctx)
		if err := LoadExchange(ctx, x, set2); err != nil {
			t.Fatal(err)
		}
		svc, err := x.ResolveInquiry(ctx, "NOCR/person-identity")
		if err != nil || svc.BackendURL != set2.Office("NOCR").BackendURL("person-identity") || svc.Version != "2" {
			t.Errorf("after the move: %+v %v", svc, err)
		}
	}, exchangeSets...)
}

// TestEvidenceThroughGateway fetches every catalogue evidence held by the
// back offices for a demo citizen, through the real gateway and real
// HTTP, and finds each inquiry in the message log under that citizen.
func TestEvidenceThroughGateway(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		x, g, set := exchangeFixture(t, s)
		served := map[string]bool{}
		for _, o := range set.Offices {
			for _, sv := range o.Services {
				served[o.Member+"/"+sv.Code] = true
			}
		}
		// Every inquiry the demo catalogue names is held by a back office.
		want := map[string]bool{}
		for _, rec := range Records() {
			for _, rq := range rec.Requirements {
				for _, ev := range rq.Evidence {
					if ev.Source != catalog.FromInquiry {
						continue
					}
					if !served[ev.Inquiry] {
						t.Errorf("%q names %s, which no back office serves", rec.TitleEn, ev.Inquiry)
					}
					want[ev.Inquiry] = true
				}
			}
		}
		for _, must := range []string{"NOCR/person-identity", "FARAJA/criminal-record", "INTA/tax-clearance", "JUDICIARY_IT/exit-ban",
			"FARAJA_NV/service-status", "IHIO/coverage", "MSRT/degrees", "FARAJA_RAHVAR/vehicle-ownership"} {
			if !want[must] {
				t.Errorf("the catalogue names no evidence %s", must)
			}
		}
		ali := backoffice.CitizenAli
		for inq := range want {
			body, rc, err := g.Evidence(ctx, ali, inq, "درخواست خدمت ۱۲۳۴۵")
			if err != nil {
				t.Errorf("%s: %v", inq, err)
				continue
			}
			var v map[string]any
			if err := json.Unmarshal(body, &v); err != nil || v["national_code"] != ali {
				t.Errorf("%s: answer %s", inq, body)
			}
			if err := exchange.VerifyReceipt(g.PublicKey(), rc); err != nil || rc.ResponseDigest != exchange.Digest(body) {
				t.Errorf("%s: receipt %+v: %v", inq, rc, err)
			}
		}
		msgs, err := g.Messages(ctx, exchange.MessageFilter{Subject: ali, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != len(want) {
			t.Fatalf("%d messages about Ali, want %d", len(msgs), len(want))
		}
		for _, m := range msgs {
			if m.Client != x.OnceOnlyClient() || m.Status != http.StatusOK || !want[m.Service.Provider.Member+"/"+m.Service.Code] ||
				strings.Contains(m.Path, ali) || m.Purpose != "درخواست خدمت ۱۲۳۴۵" {
				t.Errorf("message %+v", m)
			}
		}
		// Errors keep their kinds.
		unknown := "0010350829"
		if _, _, err := g.Evidence(ctx, unknown, "NOCR/person-identity", "آزمون"); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown citizen: %v", err)
		}
		if _, _, err := g.Evidence(ctx, "0684159415", "NOCR/person-identity", "آزمون"); !errs.Is(err, errs.Invalid) {
			t.Errorf("invalid code: %v", err)
		}
		for _, bad := range []string{"NOCR", "nocr/person-identity", "NOCR/Person", "NOCR/person-identity/x", ""} {
			if _, _, err := g.Evidence(ctx, ali, bad, "آزمون"); !errs.Is(err, errs.Invalid) {
				t.Errorf("reference %q: %v", bad, err)
			}
		}
		if _, _, err := g.Evidence(ctx, ali, "CRA/roaming", "آزمون"); !errs.Is(err, errs.NotFound) {
			t.Errorf("unregistered service: %v", err)
		}
		if _, _, err := g.Evidence(ctx, ali, "INTA/company-tax-clearance", "آزمون"); !errs.Is(err, errs.Invalid) {
			t.Errorf("a service not about a citizen: %v", err)
		}
	}, exchangeSets...)
}

// TestConsentThroughGateway: the bank needs the citizen's consent for tax
// clearance, and has identity on a legal basis, through the loopback
// listener with the Information-Mediator-Client header.
func TestConsentThroughGateway(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, exchangeSets...)
	ctx := context.Background()
	x, g, _ := exchangeFixture(t, s)
	srv := httptest.NewServer(g.Handler(exchange.ByHeader))
	defer srv.Close()
	maryam := backoffice.CitizenMaryam
	call := func(service string) int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/r1/IR/"+service+"/persons/"+maryam, nil)
		req.Header.Set(exchange.HeaderIMClient, "IR/COM/BANK_MELLI/loans")
		req.Header.Set(exchange.HeaderSubject, maryam)
		req.Header.Set(exchange.HeaderPurpose, "بررسی درخواست وام")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := call("GOV/NOCR/population/person-identity"); got != 200 {
		t.Errorf("identity on a legal basis: %d", got)
	}
	if got := call("GOV/INTA/tax/tax-clearance"); got != 403 {
		t.Errorf("tax clearance without consent: %d", got)
	}
	citizen := identity.Principal{Kind: "user", ID: 2, NationalCode: maryam, Roles: []identity.Role{identity.RoleCitizen}}
	svc, err := x.ResolveInquiry(ctx, "INTA/tax-clearance")
	if err != nil {
		t.Fatal(err)
	}
	c, err := x.GiveConsent(ctx, citizen, exchange.Consent{Client: exchange.SubsystemID{Instance: "IR", Class: "COM", Member: "BANK_MELLI", Subsystem: "loans"},
		Service: svc.ID, Purpose: "وام مسکن", Until: time.Now().Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := call("GOV/INTA/tax/tax-clearance"); got != 200 {
		t.Errorf("tax clearance with consent: %d", got)
	}
	if err := x.WithdrawConsent(ctx, citizen, c.ID); err != nil {
		t.Fatal(err)
	}
	if got := call("GOV/INTA/tax/tax-clearance"); got != 403 {
		t.Errorf("tax clearance after withdrawal: %d", got)
	}
	// The bank holds no right to criminal records at all.
	if got := call("GOV/FARAJA/police-records/criminal-record"); got != 403 {
		t.Errorf("criminal record: %d", got)
	}
	// Maryam's tracker names what allowed each inquiry, newest first:
	// refused (no right), refused (consent withdrawn), her consent, refused
	// (no consent yet), the anti-money-laundering law.
	list, err := g.InquiriesAbout(ctx, maryam, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 5 {
		t.Fatalf("%d inquiries about Maryam", len(list))
	}
	want := []struct {
		outcome string
		consent bool
		basis   bool
	}{{exchange.OutcomeRefused, false, false}, {exchange.OutcomeRefused, false, false}, {exchange.OutcomeAnswered, true, false},
		{exchange.OutcomeRefused, false, false}, {exchange.OutcomeAnswered, false, true}}
	for i, w := range want {
		it := list[i]
		if it.Outcome != w.outcome || (it.ConsentID == c.ID) != w.consent || (it.LegalBasis != "") != w.basis ||
			it.ClientMemberFa != "بانک ملی ایران" || it.Purpose != "بررسی درخواست وام" {
			t.Errorf("inquiry %d: %+v", i, it)
		}
		if w.consent && it.ConsentPurpose != "وام مسکن" {
			t.Errorf("inquiry %d: consent purpose %q", i, it.ConsentPurpose)
		}
	}
}

// TestDemoLifeEvents checks that every publisher the room allows is a
// subsystem of the demo exchange, that each demo publisher can publish its
// type about a demo person (checked with the demo civil registry through
// the gateway), and that the demo subscriptions are made once.
func TestDemoLifeEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		x, g, _ := exchangeFixture(t, s)
		ps := exchange.NewPubSub(g, exchange.PubSubConfig{PersonCheck: exchange.RegistryPersonCheck(g)})
		if err := ps.SeedLifeEvents(ctx); err != nil {
			t.Fatal(err)
		}
		types, err := ps.EventTypes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ty := range types {
			for _, p := range ty.Publishers {
				id, err := exchange.ParseSubsystemID(p)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := x.Subsystem(ctx, id); err != nil {
					t.Errorf("%s: publisher %s is not in the demo exchange: %v", ty.Name, p, err)
				}
			}
		}
		for i := range 2 {
			if err := LoadLifeEvents(ctx, x, ps); err != nil {
				t.Fatalf("load %d: %v", i, err)
			}
		}
		subs, err := ps.AllSubscriptions(ctx)
		if err != nil || len(subs) != len(lifeSubscriptions) {
			t.Fatalf("%d subscriptions (%v), want %d", len(subs), err, len(lifeSubscriptions))
		}
		ali := backoffice.CitizenAli
		for typ, body := range map[string]string{
			exchange.EventRetirement:        `{"national_code":"` + ali + `","fund":"CSPF","retired_on":"2026-11-01"}`,
			exchange.EventGraduation:        `{"national_code":"` + ali + `","university":"دانشگاه تهران","degree":"master","field":"حقوق","graduated_on":"2026-07-01"}`,
			exchange.EventCompanyRegistered: `{"national_code":"` + ali + `","company_national_id":"14000123456","name":"شرکت نمونه","registered_on":"2026-10-10"}`,
		} {
			pub := map[string]string{exchange.EventRetirement: "IR/GOV/CSPF/pensions", exchange.EventGraduation: "IR/GOV/MSRT/degrees",
				exchange.EventCompanyRegistered: "IR/GOV/SSAA/registry"}[typ]
			if _, err := ps.Publish(ctx, pub, typ, json.RawMessage(body)); err != nil {
				t.Errorf("%s by %s: %v", typ, pub, err)
			}
		}
	}, exchangeSets...)
}
