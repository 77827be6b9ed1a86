package exchange_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestRegistry(t *testing.T) {
	storetest.Run(t, testRegistry, exchange.Migrations())
}

func testRegistry(t *testing.T, s *store.Store) {
	ctx := context.Background()
	x := fixture(t, s)
	if x.Instance() != "IR" {
		t.Errorf("Instance = %q", x.Instance())
	}

	// Members: only a platform admin registers them.
	wantErr(t, "member by an agency", x.RegisterMember(ctx, agency("NOCR"), exchange.Member{Class: "GOV", Code: "NEW", NameFa: "تازه"}), errs.Forbidden, "")
	wantErr(t, "member bad class", x.RegisterMember(ctx, identity.System, exchange.Member{Class: "gov", Code: "NEW", NameFa: "تازه"}), errs.Invalid, "")
	wantErr(t, "member bad code", x.RegisterMember(ctx, identity.System, exchange.Member{Class: "GOV", Code: "new", NameFa: "تازه"}), errs.Invalid, "")
	wantErr(t, "member no name", x.RegisterMember(ctx, identity.System, exchange.Member{Class: "GOV", Code: "NEW", NameFa: "  "}), errs.Invalid, "")
	wantErr(t, "member twice", x.RegisterMember(ctx, identity.System, exchange.Member{Class: "GOV", Code: "NOCR", NameFa: "ثبت احوال"}), errs.Conflict, "")
	members, err := x.Members(ctx)
	if err != nil || len(members) != 7 || members[0].Code != "EDU" || members[0].NameFa != "دستگاه EDU" || members[0].CreatedAt.IsZero() {
		t.Fatalf("Members = %+v, %v", members, err)
	}
	if n := countEvents(t, s, "exchange.member.registered"); n != 7 {
		t.Errorf("%d member events, want 7", n)
	}

	// Subsystems: the member's agency or a platform admin.
	pop := sub(t, "IR/GOV/NOCR/population")
	wantErr(t, "subsystem by another agency", x.RegisterSubsystem(ctx, agency("INTA"), exchange.Subsystem{ID: sub(t, "IR/GOV/NOCR/other"), NameFa: "دیگر"}), errs.Forbidden, "")
	wantErr(t, "subsystem by a citizen", x.RegisterSubsystem(ctx, citizen("0067749828"), exchange.Subsystem{ID: sub(t, "IR/GOV/NOCR/other"), NameFa: "دیگر"}), errs.Forbidden, "")
	wantErr(t, "subsystem of unknown member", x.RegisterSubsystem(ctx, identity.System, exchange.Subsystem{ID: sub(t, "IR/GOV/NOPE/x"), NameFa: "x"}), errs.NotFound, "")
	wantErr(t, "subsystem of another instance", x.RegisterSubsystem(ctx, identity.System, exchange.Subsystem{ID: sub(t, "EE/GOV/NOCR/x"), NameFa: "x"}), errs.Invalid, "")
	wantErr(t, "subsystem twice", x.RegisterSubsystem(ctx, agency("NOCR"), exchange.Subsystem{ID: pop, NameFa: "x"}), errs.Conflict, "")
	wantErr(t, "subsystem bad id", x.RegisterSubsystem(ctx, identity.System, exchange.Subsystem{ID: exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: "NOCR", Subsystem: "../x"}, NameFa: "x"}), errs.Invalid, "")
	if err := x.RegisterSubsystem(ctx, identity.System, exchange.Subsystem{ID: sub(t, "IR/GOV/NOCR/registry"), NameFa: "ثبت"}); err != nil {
		t.Fatalf("platform admin registers a subsystem: %v", err)
	}
	got, err := x.Subsystem(ctx, pop)
	if err != nil || got.ID != pop || got.NameFa != "سامانهٔ NOCR" {
		t.Fatalf("Subsystem = %+v, %v", got, err)
	}
	_, err = x.Subsystem(ctx, sub(t, "IR/GOV/NOCR/nothing"))
	wantErr(t, "unknown subsystem", err, errs.NotFound, "")
	if list, err := x.Subsystems(ctx); err != nil || len(list) != 8 {
		t.Fatalf("Subsystems = %d, %v", len(list), err)
	}

	// Services: only the provider's own agency, never the platform.
	base := exchange.DataService{ID: svcID(t, "IR/GOV/NOCR/population/birth"), TitleFa: "ولادت", OpenAPI: statsOpenAPI, BackendURL: "http://127.0.0.1:9101/birth"}
	wantErr(t, "service by the platform", x.RegisterService(ctx, identity.System, base), errs.Forbidden, "")
	wantErr(t, "service by another agency", x.RegisterService(ctx, agency("INTA"), base), errs.Forbidden, "")
	for name, mutate := range map[string]func(*exchange.DataService){
		"backend ftp":        func(d *exchange.DataService) { d.BackendURL = "ftp://127.0.0.1/x" },
		"backend relative":   func(d *exchange.DataService) { d.BackendURL = "/x" },
		"backend with user":  func(d *exchange.DataService) { d.BackendURL = "http://u:p@127.0.0.1/x" },
		"backend with query": func(d *exchange.DataService) { d.BackendURL = "http://127.0.0.1/x?a=1" },
		"openapi not json":   func(d *exchange.DataService) { d.OpenAPI = "openapi: 3.0.0" },
		"openapi 2":          func(d *exchange.DataService) { d.OpenAPI = `{"swagger": "2.0", "paths": {}}` },
		"openapi no paths":   func(d *exchange.DataService) { d.OpenAPI = `{"openapi": "3.0.0", "paths": {}}` },
		"openapi bad path":   func(d *exchange.DataService) { d.OpenAPI = `{"openapi": "3.0.0", "paths": {"/a/../b": {"get": {}}}}` },
		"bad endpoint":       func(d *exchange.DataService) { d.Endpoints = []exchange.Endpoint{{Method: "FETCH", Path: "/x"}} },
		"bad version":        func(d *exchange.DataService) { d.Version = "1 0" },
		"no title":           func(d *exchange.DataService) { d.TitleFa = "" },
		"unknown provider":   func(d *exchange.DataService) { d.ID = svcID(t, "IR/GOV/NOCR/nothing/birth") },
	} {
		d := base
		mutate(&d)
		err := x.RegisterService(ctx, agency("NOCR"), d)
		if name == "unknown provider" {
			wantErr(t, name, err, errs.NotFound, "")
		} else {
			wantErr(t, name, err, errs.Invalid, "")
		}
	}
	if err := x.RegisterService(ctx, agency("NOCR"), base); err != nil {
		t.Fatal(err)
	}
	v2 := base
	v2.BackendURL, v2.Personal, v2.TitleEn = "https://birth.nocr.example/v2/", true, "Births"
	if err := x.RegisterService(ctx, agency("NOCR"), v2); err != nil {
		t.Fatal(err)
	}
	v2.Version = "2"
	wantErr(t, "same version again", x.RegisterService(ctx, agency("NOCR"), v2), errs.Conflict, "")
	cur, err := x.Service(ctx, base.ID)
	if err != nil || cur.Version != "2" || cur.BackendURL != "https://birth.nocr.example/v2" || !cur.Personal || cur.TitleEn != "Births" {
		t.Fatalf("current service = %+v, %v", cur, err)
	}
	if len(cur.Endpoints) != 1 || cur.Endpoints[0] != (exchange.Endpoint{Method: "GET", Path: "/stats"}) {
		t.Errorf("endpoints from OpenAPI = %v", cur.Endpoints)
	}
	versions, err := x.ServiceVersions(ctx, base.ID)
	if err != nil || len(versions) != 2 || versions[0].Version != "1" || versions[0].BackendURL != "http://127.0.0.1:9101/birth" || versions[0].Personal {
		t.Fatalf("versions = %+v, %v", versions, err)
	}
	person, err := x.Service(ctx, svcID(t, "IR/GOV/NOCR/population/person-identity"))
	if err != nil || !strings.Contains(person.OpenAPI, "/persons/{code}") || len(person.Endpoints) != 2 ||
		person.Endpoints[0].Path != "/persons/{code}" || person.Endpoints[1].Path != "/persons/{code}/family" {
		t.Fatalf("person-identity = %+v, %v", person.Endpoints, err)
	}
	_, err = x.Service(ctx, svcID(t, "IR/GOV/NOCR/population/nothing"))
	wantErr(t, "unknown service", err, errs.NotFound, "")
	if list, err := x.Services(ctx, pop); err != nil || len(list) != 4 {
		t.Fatalf("Services = %d, %v", len(list), err)
	}
	if n := countEvents(t, s, "exchange.service.registered"); n != 5 {
		t.Errorf("%d service events, want 5", n)
	}

	// Rights: granted by the provider's agency; a platform admin is refused.
	tax := sub(t, "IR/GOV/INTA/tax")
	right := exchange.AccessRight{Service: person.ID, Client: tax, LegalBasis: "قانون مالیات‌های مستقیم، مادهٔ ۱۸۱"}
	_, err = x.Grant(ctx, identity.System, right)
	wantErr(t, "grant by the platform", err, errs.Forbidden, "")
	if _, en := errs.Messages(err); !strings.Contains(en, "never by the platform") {
		t.Errorf("platform refusal says %q", en)
	}
	_, err = x.Grant(ctx, agency("INTA"), right)
	wantErr(t, "grant by the client's agency", err, errs.Forbidden, "")
	_, err = x.Grant(ctx, exchange.OperatorFor("INTA"), right)
	wantErr(t, "grant by the cli for the client", err, errs.Forbidden, "")
	bad := right
	bad.Endpoint = &exchange.Endpoint{Method: "GET", Path: "persons"}
	_, err = x.Grant(ctx, agency("NOCR"), bad)
	wantErr(t, "grant bad endpoint", err, errs.Invalid, "")
	bad = right
	bad.RequiresConsent = true
	_, err = x.Grant(ctx, agency("NOCR"), bad)
	wantErr(t, "grant basis and consent", err, errs.Invalid, "")
	bad = exchange.AccessRight{Service: svcID(t, "IR/GOV/NOCR/population/stats"), Client: tax}
	_, err = x.Grant(ctx, agency("NOCR"), bad)
	wantErr(t, "consent on data that is not personal", err, errs.Invalid, "")
	bad = right
	bad.Client = sub(t, "IR/GOV/INTA/nothing")
	_, err = x.Grant(ctx, agency("NOCR"), bad)
	wantErr(t, "grant to unknown client", err, errs.NotFound, "")
	past := time.Now().Add(-time.Hour)
	bad = right
	bad.ExpiresAt = &past
	_, err = x.Grant(ctx, agency("NOCR"), bad)
	wantErr(t, "grant expired", err, errs.Invalid, "")

	r1, err := x.Grant(ctx, agency("NOCR"), right)
	if err != nil || r1.ID == 0 || r1.RequiresConsent || r1.GrantedBy != "user:5" || r1.GrantedAt.IsZero() {
		t.Fatalf("Grant = %+v, %v", r1, err)
	}
	_, err = x.Grant(ctx, agency("NOCR"), right)
	wantErr(t, "grant twice", err, errs.Conflict, "")
	ep := exchange.Endpoint{Method: "GET", Path: "/persons/{code}/family"}
	r2, err := x.Grant(ctx, exchange.OperatorFor("NOCR"), exchange.AccessRight{Service: person.ID, Client: sub(t, "IR/GOV/FARAJA/police"), Endpoint: &ep})
	if err != nil || !r2.RequiresConsent || r2.Endpoint == nil || *r2.Endpoint != ep || r2.GrantedBy != "cli" {
		t.Fatalf("Grant with consent = %+v, %v", r2, err)
	}
	wantErr(t, "revoke by the platform", x.RevokeRight(ctx, identity.System, r1.ID), errs.Forbidden, "")
	wantErr(t, "revoke by the client", x.RevokeRight(ctx, agency("INTA"), r1.ID), errs.Forbidden, "")
	wantErr(t, "revoke unknown", x.RevokeRight(ctx, agency("NOCR"), 999999), errs.NotFound, "")
	if err := x.RevokeRight(ctx, agency("NOCR"), r1.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "revoke twice", x.RevokeRight(ctx, agency("NOCR"), r1.ID), errs.Conflict, "")
	rights, err := x.Rights(ctx, pop)
	if err != nil || len(rights) != 2 || rights[0].RevokedAt == nil || rights[1].RevokedAt != nil || rights[1].Endpoint == nil {
		t.Fatalf("Rights = %+v, %v", rights, err)
	}
	if _, err := x.Grant(ctx, agency("NOCR"), right); err != nil {
		t.Fatalf("grant again after revoking: %v", err)
	}
	allowed, err := x.AllowedServices(ctx, pop, tax, time.Now())
	if err != nil || len(allowed) != 1 || allowed[0].ID != person.ID {
		t.Fatalf("AllowedServices = %+v, %v", allowed, err)
	}
	if allowed, _ := x.AllowedServices(ctx, pop, sub(t, "IR/GOV/MCLS/labour"), time.Now()); len(allowed) != 0 {
		t.Errorf("AllowedServices without rights = %+v", allowed)
	}
	if g, r := countEvents(t, s, "exchange.right.granted"), countEvents(t, s, "exchange.right.revoked"); g != 3 || r != 1 {
		t.Errorf("%d grant and %d revoke events, want 3 and 1", g, r)
	}
	evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "exchange.right.granted"})
	if evs[0].Agency != "NOCR" || evs[0].Service != person.ID.String() || evs[0].Actor != "user:5" || evs[1].Actor != "cli" {
		t.Errorf("grant event = %+v", evs[0])
	}
}

func TestConsent(t *testing.T) {
	storetest.Run(t, testConsent, exchange.Migrations())
}

func testConsent(t *testing.T, s *store.Store) {
	ctx := context.Background()
	x := fixture(t, s)
	me := "0067749828"
	other := nationalCode("123456789")
	police := sub(t, "IR/GOV/FARAJA/police")
	person := svcID(t, "IR/GOV/NOCR/population/person-identity")
	c := exchange.Consent{Client: police, Service: person, Purpose: "بررسی سوءپیشینه برای گواهی‌نامه", Until: time.Now().Add(30 * 24 * time.Hour)}

	_, err := x.GiveConsent(ctx, agency("NOCR"), c)
	wantErr(t, "consent by an agency", err, errs.Forbidden, "")
	_, err = x.GiveConsent(ctx, identity.System, c)
	wantErr(t, "consent by the platform", err, errs.Forbidden, "")
	c2 := c
	c2.Subject = other
	_, err = x.GiveConsent(ctx, citizen(me), c2)
	wantErr(t, "consent about someone else", err, errs.Forbidden, "")
	c2 = c
	c2.Until = time.Now().Add(-time.Minute)
	_, err = x.GiveConsent(ctx, citizen(me), c2)
	wantErr(t, "consent in the past", err, errs.Invalid, "")
	c2.Until = time.Now().Add(10 * 365 * 24 * time.Hour)
	_, err = x.GiveConsent(ctx, citizen(me), c2)
	wantErr(t, "consent for ten years", err, errs.Invalid, "")
	c2 = c
	c2.Purpose = ""
	_, err = x.GiveConsent(ctx, citizen(me), c2)
	wantErr(t, "consent without purpose", err, errs.Invalid, "")
	c2 = c
	c2.Service = svcID(t, "IR/GOV/NOCR/population/stats")
	_, err = x.GiveConsent(ctx, citizen(me), c2)
	wantErr(t, "consent for data that is not personal", err, errs.Invalid, "")
	c2 = c
	c2.Client = sub(t, "IR/GOV/FARAJA/nothing")
	_, err = x.GiveConsent(ctx, citizen(me), c2)
	wantErr(t, "consent for unknown client", err, errs.NotFound, "")
	_, err = x.GiveConsent(ctx, citizen("1234567890"), c)
	wantErr(t, "consent with an invalid national code", err, errs.Invalid, "")

	given, err := x.GiveConsent(ctx, citizen(me), c)
	if err != nil || given.ID == 0 || given.Subject != me || given.GivenAt.IsZero() || given.WithdrawnAt != nil {
		t.Fatalf("GiveConsent = %+v, %v", given, err)
	}
	list, err := x.Consents(ctx, me)
	if err != nil || len(list) != 1 || list[0].ID != given.ID || list[0].Purpose != c.Purpose || list[0].Client != police || !list[0].Valid(time.Now()) {
		t.Fatalf("Consents = %+v, %v", list, err)
	}
	if list, _ := x.Consents(ctx, other); len(list) != 0 {
		t.Errorf("another subject sees %+v", list)
	}
	wantErr(t, "withdraw by another citizen", x.WithdrawConsent(ctx, citizen(other), given.ID), errs.NotFound, "")
	wantErr(t, "withdraw by an agency", x.WithdrawConsent(ctx, agency("FARAJA"), given.ID), errs.Forbidden, "")
	if err := x.WithdrawConsent(ctx, citizen(me), given.ID); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "withdraw twice", x.WithdrawConsent(ctx, citizen(me), given.ID), errs.Conflict, "")
	list, _ = x.Consents(ctx, me)
	if len(list) != 1 || list[0].WithdrawnAt == nil || list[0].Valid(time.Now().Add(time.Second)) {
		t.Fatalf("withdrawn consent = %+v", list)
	}
	evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "exchange.consent.", Subject: me})
	if err != nil || len(evs) != 2 || evs[0].Kind != "exchange.consent.given" || evs[1].Kind != "exchange.consent.withdrawn" ||
		evs[0].Agency != "FARAJA" || evs[0].Service != person.String() || evs[0].Actor != "user:10" {
		t.Fatalf("consent events = %+v, %v", evs, err)
	}
	for _, ev := range evs {
		if strings.Contains(string(ev.Payload), me) {
			t.Errorf("event payload repeats the national code: %s", ev.Payload)
		}
	}
}
