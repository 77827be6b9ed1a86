package exchange_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// agency returns an agency admin of code.
func agency(code string) identity.Principal {
	return identity.Principal{Kind: "user", ID: 5, Name: "admin of " + code, Agency: code, Roles: []identity.Role{identity.RoleAgencyAdmin}}
}

// citizen returns a signed-in citizen with national code nc.
func citizen(nc string) identity.Principal {
	return identity.Principal{Kind: "user", ID: 10, NationalCode: nc, Roles: []identity.Role{identity.RoleCitizen}}
}

// nationalCode completes nine digits with their check digit.
func nationalCode(nine string) string {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * (10 - i)
	}
	r := sum % 11
	if r >= 2 {
		r = 11 - r
	}
	return nine + strconv.Itoa(r)
}

func sub(t testing.TB, s string) exchange.SubsystemID {
	t.Helper()
	id, err := exchange.ParseSubsystemID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func svcID(t testing.TB, s string) exchange.ServiceID {
	t.Helper()
	id, err := exchange.ParseServiceID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

const personOpenAPI = `{"openapi": "3.0.3", "info": {"title": "person identity", "version": "1"},
 "paths": {"/persons/{code}": {"parameters": [], "get": {"responses": {"200": {"description": "ok"}}}},
           "/persons/{code}/family": {"get": {"responses": {"200": {"description": "ok"}}}}}}`

const statsOpenAPI = `{"openapi": "3.1.0", "info": {"title": "stats", "version": "1"},
 "paths": {"/stats": {"get": {"responses": {"200": {"description": "ok"}}}}}}`

// fixture registers members NOCR, INTA, FARAJA, SALAMAT, EDU, SABT and MCLS,
// one subsystem each, and NOCR's services person-identity and person-family
// (personal) and stats (not personal).
func fixture(t testing.TB, s *store.Store) *exchange.Exchange {
	t.Helper()
	ctx := context.Background()
	x := exchange.New(s, "IR")
	subs := map[string]string{"NOCR": "population", "INTA": "tax", "FARAJA": "police", "SALAMAT": "insurance",
		"EDU": "degrees", "SABT": "vehicles", "MCLS": "labour"}
	for _, m := range []string{"NOCR", "INTA", "FARAJA", "SALAMAT", "EDU", "SABT", "MCLS"} {
		if err := x.RegisterMember(ctx, identity.System, exchange.Member{Class: "GOV", Code: m, NameFa: "دستگاه " + m}); err != nil {
			t.Fatal(err)
		}
		if err := x.RegisterSubsystem(ctx, agency(m), exchange.Subsystem{ID: sub(t, "IR/GOV/"+m+"/"+subs[m]), NameFa: "سامانهٔ " + m}); err != nil {
			t.Fatal(err)
		}
	}
	for _, svc := range []exchange.DataService{
		{ID: svcID(t, "IR/GOV/NOCR/population/person-identity"), TitleFa: "هویت اشخاص", OpenAPI: personOpenAPI,
			BackendURL: "http://127.0.0.1:9101/identity", Personal: true},
		{ID: svcID(t, "IR/GOV/NOCR/population/person-family"), TitleFa: "روابط خانوادگی", OpenAPI: personOpenAPI,
			BackendURL: "http://127.0.0.1:9101/family", Personal: true},
		{ID: svcID(t, "IR/GOV/NOCR/population/stats"), TitleFa: "آمار جمعیت", OpenAPI: statsOpenAPI,
			BackendURL: "http://127.0.0.1:9101/stats"},
	} {
		if err := x.RegisterService(ctx, agency("NOCR"), svc); err != nil {
			t.Fatal(err)
		}
	}
	return x
}

// wantErr fails unless err has kind k (and, when op is set, Op op).
func wantErr(t *testing.T, what string, err error, k errs.Kind, op string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, k)
		return
	}
	e, ok := errs.As(err)
	if !ok || e.Kind != k {
		t.Errorf("%s: %v (kind %v), want kind %v", what, err, errs.KindOf(err), k)
		return
	}
	if op != "" && e.Op != op {
		t.Errorf("%s: Op %q, want %q (%v)", what, e.Op, op, err)
	}
	if fa, en := errs.Messages(err); fa == "" || en == "" {
		t.Errorf("%s: missing message fa=%q en=%q", what, fa, en)
	}
}

func countEvents(t *testing.T, s *store.Store, kind string) int {
	t.Helper()
	evs, err := s.Events(context.Background(), store.EventFilter{KindPrefix: kind, Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}
