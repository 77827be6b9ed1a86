package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/api"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// permitEnv is the API with the permit capability and one certificate
// NOCR issued to holder.
type permitEnv struct {
	*env
	p   *permit.Permits
	doc permit.Document
}

const (
	holder = "0067749828"
	other  = "0499370899"
)

func newPermitEnv(t *testing.T, s *store.Store) *permitEnv {
	t.Helper()
	ctx := context.Background()
	e := newEnv(t, s)
	d, err := e.cat.SaveDraft(ctx, identity.System, 0, passportRecord())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := e.cat.Publish(ctx, identity.System, d.Key)
	if err != nil {
		t.Fatal(err)
	}
	p, err := permit.New(ctx, s, e.cat, "http://panjare.test")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := p.Issue(ctx, identity.System, permit.IssueRequest{Service: svc.ID, Holder: holder, HolderName: "زهرا کریمی",
		Fields: map[string]string{"شمارهٔ شناسنامه": "۱۲۳۴۵"}})
	if err != nil {
		t.Fatal(err)
	}
	// The same API, now with documents.
	e.mux = http.NewServeMux()
	api.New(api.Config{Catalog: e.cat, Identity: identity.New(s), Permits: p, Log: slog.New(slog.DiscardHandler),
		BaseURL: "http://panjare.test", Version: "test"}).Register(e.mux)
	return &permitEnv{env: e, p: p, doc: doc}
}

func permitSets() []store.MigrationSet {
	return []store.MigrationSet{identity.Migrations(), catalog.Migrations(), permit.Migrations()}
}

func TestVerifyAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newPermitEnv(t, s)

		// The published keys verify the QR payload offline.
		req := httptest.NewRequest("GET", "/.well-known/jwks.json", nil)
		rec := httptest.NewRecorder()
		e.mux.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/jwk-set+json" {
			t.Fatalf("jwks: %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
		if c, err := permit.VerifyOffline(e.doc.JWS, rec.Body.Bytes()); err != nil || c.ID != e.doc.ID {
			t.Fatalf("VerifyOffline with the served JWKS = %+v, %v", c, err)
		}
		var set map[string][]map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &set)
		if k := set["keys"]; len(k) != 1 || k[0]["agency"] != "NOCR" || k[0]["alg"] != "EdDSA" || k[0]["use"] != "sig" || k[0]["d"] != nil {
			t.Errorf("jwks = %s", rec.Body.String())
		}

		canon, _ := permit.ParseDocumentID(e.doc.ID)
		for _, in := range []string{e.doc.ID, strings.ToLower(canon), persian.Digits(e.doc.ID), e.doc.JWS} {
			code, _, out := e.do("POST", "/api/v1/verify", "", map[string]string{"document": in})
			if code != 200 || out["status"] != "valid" {
				t.Fatalf("verify %.20q: %d %v", in, code, out)
			}
			iss, _ := out["issuer"].(map[string]any)
			doc, _ := out["document"].(map[string]any)
			if iss["agency"] != "NOCR" || iss["name_fa"] != "سازمان ثبت احوال کشور" || doc["holder_name"] != "زهرا کریمی" ||
				doc["holder_masked"] != "******9828" || doc["id"] != e.doc.ID {
				t.Fatalf("verify answer %v", out)
			}
			body, _ := json.Marshal(out)
			if bytes.Contains(body, []byte(holder)) || bytes.Contains(body, []byte(`"jws"`)) {
				t.Fatalf("the public answer shows the national code or the JWS: %s", body)
			}
		}
		parts := strings.Split(e.doc.JWS, ".")
		tampered := parts[0] + "." + parts[1][:10] + "A" + parts[1][11:] + "." + parts[2]
		if parts[1][10] == 'A' {
			tampered = parts[0] + "." + parts[1][:10] + "B" + parts[1][11:] + "." + parts[2]
		}
		for in, want := range map[string]string{tampered: "forged", "ABCD-EFGH-JKM": "unknown", permit.FormatDocumentID("0000000000" + "0"): "unknown"} {
			code, _, out := e.do("POST", "/api/v1/verify", "", map[string]string{"document": in})
			if code != 200 || out["status"] != want || out["issuer"] != nil || out["document"] != nil {
				t.Errorf("verify %.20q: %d %v, want %s", in, code, out, want)
			}
		}
		// Bad input: a clear 4xx.
		e.problem("POST", "/api/v1/verify", "", map[string]string{"document": " "}, 400)
		e.problem("POST", "/api/v1/verify", "", `{"document": 5}`, 400)
		e.problem("POST", "/api/v1/verify", "", `{"doc": "x"}`, 400)
		e.problem("POST", "/api/v1/verify", "", "", 400)
		e.problem("POST", "/api/v1/verify", "", `{"document": "`+strings.Repeat("a", 20000)+`"}`, 413)
		// One address guessing ids is slowed down.
		limited := 0
		for range 80 {
			if code, _, _ := e.do("POST", "/api/v1/verify", "", map[string]string{"document": "ABCD-EFGH-JKM"}); code == 429 {
				limited++
			}
		}
		if limited == 0 {
			t.Error("80 quick verifications from one address were all answered")
		}
	}, permitSets()...)
}

func TestRevokeAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newPermitEnv(t, s)
		path := "/api/v1/agency/documents/" + e.doc.ID + "/revoke"
		reason := map[string]string{"reason": "صدور نسخهٔ تازه"}
		e.problem("POST", path, "", reason, 401)
		e.problem("POST", path, "not-a-key", reason, 401)
		e.problem("POST", path, e.other, reason, 403) // INTA did not issue it
		e.problem("POST", path, e.key, map[string]string{"reason": ""}, 400)
		e.problem("POST", path, e.key, `{"reason": "x", "extra": 1}`, 400)
		e.problem("POST", "/api/v1/agency/documents/ABCD-EFGH-JKM/revoke", e.key, reason, 404)
		if _, _, out := e.do("POST", "/api/v1/verify", "", map[string]string{"document": e.doc.ID}); out["status"] != "valid" {
			t.Fatalf("refused revocations changed the document: %v", out)
		}
		if code, _, out := e.do("POST", path, e.key, reason); code != 204 {
			t.Fatalf("revoke: %d %v", code, out)
		}
		e.problem("POST", path, e.key, reason, 409)
		_, _, out := e.do("POST", "/api/v1/verify", "", map[string]string{"document": e.doc.JWS})
		doc, _ := out["document"].(map[string]any)
		if out["status"] != "revoked" || doc["revoked_at"] == nil {
			t.Fatalf("verify after revocation: %v", out)
		}
		// Anyone may verify: the answer says when, never why.
		if _, ok := doc["revoke_reason"]; ok {
			t.Errorf("public verification tells the revocation's reason: %v", doc)
		}
	}, permitSets()...)
}

func TestRotateSigningKeyAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newPermitEnv(t, s)
		e.problem("POST", "/api/v1/agency/signing-key/rotate", "", nil, 401)
		code, _, out := e.do("POST", "/api/v1/agency/signing-key/rotate", e.key, nil)
		if code != 200 || out["kid"] == e.doc.Kid || !strings.HasPrefix(out["kid"].(string), "NOCR-") {
			t.Fatalf("rotate: %d %v", code, out)
		}
		// The document signed with the retired key still verifies, online
		// and offline; INTA's rotation touches only INTA's keys.
		if code, _, _ := e.do("POST", "/api/v1/agency/signing-key/rotate", e.other, nil); code != 200 {
			t.Fatalf("INTA rotates: %d", code)
		}
		if _, _, out := e.do("POST", "/api/v1/verify", "", map[string]string{"document": e.doc.JWS}); out["status"] != "valid" {
			t.Fatalf("after rotation: %v", out)
		}
		set, err := e.p.PublicKeys(context.Background())
		if err != nil || len(set.Keys) != 3 {
			t.Fatalf("keys after two rotations: %+v, %v", set.Keys, err)
		}
		jwks, _ := e.p.JWKSJSON(context.Background())
		if _, err := permit.VerifyOffline(e.doc.JWS, jwks); err != nil {
			t.Errorf("offline after rotation: %v", err)
		}
	}, permitSets()...)
}

func TestMyDocumentsAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newPermitEnv(t, s)
		get := func(p *identity.Principal) (int, map[string]any) {
			req := httptest.NewRequest("GET", "/api/v1/me/documents", nil)
			req.RemoteAddr = "192.0.2.1:1234"
			if p != nil {
				req = req.WithContext(identity.WithPrincipal(req.Context(), *p))
			}
			rec := httptest.NewRecorder()
			e.mux.ServeHTTP(rec, req)
			var out map[string]any
			b, _ := io.ReadAll(rec.Body)
			_ = json.Unmarshal(b, &out)
			return rec.Code, out
		}
		if code, _ := get(nil); code != 401 {
			t.Errorf("without a session: %d", code)
		}
		staff := &identity.Principal{Kind: "user", ID: 9, Agency: "NOCR", Roles: []identity.Role{identity.RoleOperator}}
		if code, _ := get(staff); code != 403 {
			t.Errorf("staff without a national code: %d", code)
		}
		code, out := get(&identity.Principal{Kind: "user", ID: 1, NationalCode: holder, Roles: []identity.Role{identity.RoleCitizen}})
		items, _ := out["items"].([]any)
		if code != 200 || len(items) != 1 || items[0].(map[string]any)["id"] != e.doc.ID || items[0].(map[string]any)["status"] != "valid" {
			t.Fatalf("holder's wallet: %d %v", code, out)
		}
		code, out = get(&identity.Principal{Kind: "user", ID: 2, NationalCode: other, Roles: []identity.Role{identity.RoleCitizen}})
		if items, _ := out["items"].([]any); code != 200 || items == nil || len(items) != 0 {
			t.Fatalf("another citizen's wallet: %d %v", code, out)
		}
	}, permitSets()...)
}
