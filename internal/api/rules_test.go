package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/api"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/rules"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

type rulesEnvs struct{}

func (rulesEnvs) Env(ctx context.Context, service string) (rules.Env, error) {
	return rules.Env{
		Form:     json.RawMessage(`{"type":"object","properties":{"reason":{"type":"string"}}}`),
		Evidence: map[string]json.RawMessage{"national_id": json.RawMessage(`{"type":"object","properties":{"alive":{"type":"boolean"},"name":{"type":"string"}}}`)},
	}, nil
}

type rulesAPI struct {
	t   *testing.T
	mux *http.ServeMux
	svc string
	key string // NOCR's API key
}

// call sends a request as p (nil: anonymous) or with the API key, and
// returns the status, content type and body.
func (e *rulesAPI) call(method, path string, p *identity.Principal, key string, body any) (int, string, map[string]any) {
	e.t.Helper()
	var rd *bytes.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	} else {
		rd = bytes.NewReader(nil)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "192.0.2.7:1234"
	req.Header.Set("Content-Type", "application/json")
	if p != nil {
		req = req.WithContext(identity.WithPrincipal(req.Context(), *p))
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	if rec.Code >= 500 && rec.Code != 503 {
		e.t.Errorf("%s %s: %d %s", method, path, rec.Code, rec.Body.String())
	}
	return rec.Code, rec.Header().Get("Content-Type"), out
}

func (e *rulesAPI) problem(method, path string, p *identity.Principal, body any, want int) map[string]any {
	e.t.Helper()
	code, ct, out := e.call(method, path, p, "", body)
	if code != want || !strings.HasPrefix(ct, "application/problem+json") || out["title_fa"] == "" || out["detail_fa"] == nil {
		e.t.Fatalf("%s %s: %d %s %v, want a %d problem in both languages", method, path, code, ct, out, want)
	}
	return out
}

func newRulesAPI(t *testing.T, s *store.Store) *rulesAPI {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.PutAgency(ctx, identity.System, catalog.Agency{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration", Domain: catalog.DomainCivil, Connected: true}); err != nil {
		t.Fatal(err)
	}
	d, err := cat.SaveDraft(ctx, identity.System, 0, passportRecord())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := cat.Publish(ctx, identity.System, d.Key)
	if err != nil {
		t.Fatal(err)
	}
	r, err := rules.New(rules.Config{Store: s, Catalog: cat, Envs: rulesEnvs{}})
	if err != nil {
		t.Fatal(err)
	}
	id := identity.New(s)
	_, key, err := id.IssueKey(ctx, identity.System, "NOCR", "civil registry back office")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.New(api.Config{Catalog: cat, Identity: id, Rules: r, Log: slog.New(slog.DiscardHandler), BaseURL: "http://panjare.test", Version: "test"}).Register(mux)
	return &rulesAPI{t: t, mux: mux, svc: svc.ID, key: key}
}

func TestRulesAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newRulesAPI(t, s)
		admin1 := identity.Principal{Kind: "user", ID: 11, Name: "Admin One", Agency: "NOCR", Roles: []identity.Role{identity.RoleAgencyAdmin}}
		admin2 := identity.Principal{Kind: "user", ID: 12, Name: "Admin Two", Agency: "NOCR", Roles: []identity.Role{identity.RoleAgencyAdmin}}
		stranger := identity.Principal{Kind: "user", ID: 13, Name: "Other", Agency: "INTA", Roles: []identity.Role{identity.RoleAgencyAdmin}}
		citizen := identity.Principal{Kind: "user", ID: 14, Name: "Ali", NationalCode: "0012345679", Roles: []identity.Role{identity.RoleCitizen}}
		base := "/api/v1/agency/services/" + e.svc + "/rules"

		// Without active rules: 404 problems, in both languages.
		e.problem("GET", "/api/v1/services/"+e.svc+"/rules", nil, nil, 404)
		e.problem("POST", "/api/v1/services/"+e.svc+"/eligibility", nil, map[string]any{}, 404)
		e.problem("GET", "/api/v1/services/9999999/rules", nil, nil, 400) // a mistyped identifier

		// Authoring needs a caller of the agency.
		e.problem("GET", base, nil, nil, 401)
		e.problem("GET", base, &stranger, nil, 403)
		e.problem("GET", base, &citizen, nil, 403)

		draft := map[string]any{
			"rules": []map[string]any{
				{"code": "dead", "when": "has(evidence.national_id.alive) && !evidence.national_id.alive", "outcome": "reject", "explain_fa": "متقاضی در قید حیات نیست", "explain_en": "the applicant is not alive"},
				{"code": "adult", "when": "applicant.age >= 18 && evidence.national_id.alive", "outcome": "approve", "explain_fa": "متقاضی {{applicant.age}} ساله است", "explain_en": "the applicant is {{applicant.age}}"},
			},
			"tests": []map[string]any{
				{"name": "adult", "input": map[string]any{"evidence": map[string]any{"national_id": map[string]any{"alive": true}}, "applicant": map[string]any{"age": 30}}, "want": "approve"},
				{"name": "child", "input": map[string]any{"evidence": map[string]any{"national_id": map[string]any{"alive": true}}, "applicant": map[string]any{"age": 9}}, "want": "refer"},
			},
		}
		// A compile error comes back in place.
		bad := map[string]any{"rules": []map[string]any{{"code": "x", "when": "applicant.agee > 1", "outcome": "approve", "explain_fa": "ب", "explain_en": "b"}}, "tests": []any{}}
		out := e.problem("POST", base, &admin1, bad, 400)
		probs, _ := out["problems"].([]any)
		if len(probs) != 1 {
			t.Fatalf("problems: %v", out)
		}
		if p := probs[0].(map[string]any); p["rule"] != "x" || p["field"] != "when" || p["line"] != 1.0 || p["column"] != 10.0 || p["fa"] == "" {
			t.Fatalf("problem: %v", p)
		}
		if fieldsOf(out)["rules.x.when"] != true {
			t.Fatalf("errors: %v", out["errors"])
		}

		// The API key of the agency may write a draft...
		code, _, rs := e.call("POST", base, nil, e.key, draft)
		if code != 201 || rs["version"] != 1.0 || rs["status"] != "draft" {
			t.Fatalf("save with key: %d %v", code, rs)
		}
		code, _, res := e.call("POST", base+"/1/test", &admin1, "", nil)
		if code != 200 || res["pass"] != true {
			t.Fatalf("tests: %d %v", code, res)
		}
		if code, _, rs = e.call("POST", base+"/1/request", &admin1, "", nil); code != 200 || rs["status"] != "pending" {
			t.Fatalf("request: %d %v", code, rs)
		}
		// ...but not approve; the requester may not either.
		if code, _, out = e.call("POST", base+"/1/approve", nil, e.key, nil); code != 403 {
			t.Fatalf("approve with key: %d %v", code, out)
		}
		out = e.problem("POST", base+"/1/approve", &admin1, nil, 403)
		if !strings.Contains(out["detail_fa"].(string), "مدیر دیگری") {
			t.Fatalf("same admin: %v", out)
		}
		if code, _, rs = e.call("POST", base+"/1/approve", &admin2, "", nil); code != 200 || rs["status"] != "active" {
			t.Fatalf("approve: %d %v", code, rs)
		}

		// The public read shows the rules without the staff.
		code, _, pub := e.call("GET", "/api/v1/services/"+e.svc+"/rules", nil, "", nil)
		if code != 200 || pub["version"] != 1.0 || len(pub["rules"].([]any)) != 2 || pub["created_by"] != nil || pub["approved_by"] != nil {
			t.Fatalf("public rules: %d %v", code, pub)
		}
		// An anonymous eligibility check.
		code, _, dec := e.call("POST", "/api/v1/services/"+e.svc+"/eligibility", nil, "", map[string]any{
			"evidence": map[string]any{"national_id": map[string]any{"alive": true}}, "applicant": map[string]any{"age": 40}})
		if code != 200 || dec["outcome"] != "approve" || dec["explain_fa"] != "تأیید شد، زیرا متقاضی ۴۰ ساله است." {
			t.Fatalf("eligibility: %d %v", code, dec)
		}
		code, _, dec = e.call("POST", "/api/v1/services/"+e.svc+"/eligibility", nil, "", map[string]any{"applicant": map[string]any{"age": 40}})
		if code != 200 || dec["outcome"] != "refer" || !strings.Contains(dec["explain_en"].(string), "could not be evaluated") {
			t.Fatalf("eligibility without evidence: %d %v", code, dec)
		}
		// Bad input is a 400 problem; "mine" needs a citizen and, until
		// apply provides the facts, says it is unavailable.
		e.problem("POST", "/api/v1/services/"+e.svc+"/eligibility", nil, map[string]any{"applicant": "old"}, 400)
		e.problem("POST", "/api/v1/services/"+e.svc+"/eligibility", nil, map[string]any{"mine": true}, 401)
		e.problem("POST", "/api/v1/services/"+e.svc+"/eligibility", &citizen, map[string]any{"mine": true}, 503)

		// Versions, rollback conflicts, deactivation.
		code, _, list := e.call("GET", base, &admin2, "", nil)
		if code != 200 || len(list["items"].([]any)) != 1 {
			t.Fatalf("versions: %d %v", code, list)
		}
		e.problem("POST", base+"/1/rollback", &admin1, nil, 409)
		e.problem("POST", base+"/deactivate", &admin1, map[string]any{"reason": ""}, 400)
		if code, _, out = e.call("POST", base+"/deactivate", &admin1, "", map[string]any{"reason": "بازنگری قانون"}); code != 204 {
			t.Fatalf("deactivate: %d %v", code, out)
		}
		e.problem("GET", "/api/v1/services/"+e.svc+"/rules", nil, nil, 404)
	}, identity.Migrations(), catalog.Migrations(), rules.Migrations())
}
