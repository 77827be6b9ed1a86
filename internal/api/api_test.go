package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/api"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

type env struct {
	t     *testing.T
	mux   *http.ServeMux
	cat   *catalog.Catalog
	key   string // NOCR's API key
	other string // INTA's API key
}

func newEnv(t *testing.T, s *store.Store) *env {
	t.Helper()
	ctx := context.Background()
	idx, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.New(ctx, s, idx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []catalog.Agency{
		{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration", Domain: catalog.DomainCivil, Connected: true},
		{Code: "INTA", NameFa: "سازمان امور مالیاتی کشور", NameEn: "Iranian National Tax Administration", Domain: catalog.DomainTax, Connected: true},
	} {
		if err := cat.PutAgency(ctx, identity.System, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := cat.PutRegion(ctx, identity.System, catalog.Region{Code: "YZD", NameFa: "یزد", NameEn: "Yazd", Kind: catalog.Province}); err != nil {
		t.Fatal(err)
	}
	id := identity.New(s)
	_, key, err := id.IssueKey(ctx, identity.System, "NOCR", "civil registry back office")
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := id.IssueKey(ctx, identity.System, "INTA", "tax back office")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	api.New(api.Config{Catalog: cat, Identity: id, Log: slog.New(slog.DiscardHandler), BaseURL: "http://panjare.test", Version: "test"}).Register(mux)
	return &env{t: t, mux: mux, cat: cat, key: key, other: other}
}

// do sends a request and returns the status, the content type and the decoded JSON body.
func (e *env) do(method, path, key string, body any) (int, string, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, rd)
	req.RemoteAddr = "192.0.2.1:1234"
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
	}
	if rec.Code >= 500 {
		e.t.Errorf("%s %s: status %d: %s", method, path, rec.Code, rec.Body.String())
	}
	return rec.Code, rec.Header().Get("Content-Type"), out
}

// problem checks that a response is a problem+json with both languages.
func (e *env) problem(method, path, key string, body any, want int) map[string]any {
	e.t.Helper()
	code, ct, out := e.do(method, path, key, body)
	if code != want {
		e.t.Fatalf("%s %s: status %d, want %d (%v)", method, path, code, want, out)
	}
	if !strings.HasPrefix(ct, "application/problem+json") {
		e.t.Fatalf("%s %s: content type %q, want problem+json", method, path, ct)
	}
	if out["title_fa"] == "" || out["title"] == "" || out["status"] != float64(want) {
		e.t.Fatalf("%s %s: problem lacks a Persian or English title: %v", method, path, out)
	}
	return out
}

func passportRecord() catalog.Record {
	return catalog.Record{
		TitleFa:       "صدور شناسنامهٔ المثنی",
		TitleEn:       "Duplicate birth certificate",
		DescriptionFa: "اگر شناسنامهٔ شما گم شده یا فرسوده است، می‌توانید شناسنامهٔ المثنی بگیرید.",
		Keywords:      []string{"شناسنامه", "المثنی", "گم شدن"},
		Agency:        "NOCR",
		Audience:      catalog.G2C, Nature: catalog.Sovereign, Scope: catalog.ScopeNational,
		Events:  []string{"identity"},
		Trigger: catalog.OnRequest, Decision: catalog.DecideManual,
		Requirements: []catalog.Requirement{{Code: "identity", NameFa: "هویت متقاضی",
			Evidence: []catalog.Evidence{{Code: "national_id", NameFa: "اطلاعات هویتی", Source: catalog.FromInquiry, HeldBy: "NOCR", Inquiry: "NOCR/person-identity"}}}},
		Outputs:        []catalog.Output{{NameFa: "شناسنامهٔ المثنی", Kind: "document"}},
		CostRials:      1_500_000,
		ProcessingTime: catalog.Duration{Days: 7},
		Frequency:      catalog.AsNeeded,
		LegalBasis:     []catalog.LegalBasis{{TitleFa: "قانون ثبت احوال", Article: "ماده ۲۱"}},
		Channels:       []catalog.Channel{catalog.ChannelWeb, catalog.ChannelMobile},
		Stages:         catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
	}
}

func TestAgencyPublishingFlow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		rec := passportRecord()

		// Without a key, with a malformed key, with a wrong key: 401.
		e.problem("POST", "/api/v1/agency/drafts", "", rec, 401)
		e.problem("POST", "/api/v1/agency/drafts", "nonsense", rec, 401)
		e.problem("POST", "/api/v1/agency/drafts", "pjk_aaaaaaaa_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", rec, 401)
		// Another agency's key may not create NOCR's service.
		e.problem("POST", "/api/v1/agency/drafts", e.other, rec, 403)

		// An incomplete record is fine as a draft but cannot be published.
		incomplete := rec
		incomplete.LegalBasis = nil
		incomplete.DescriptionFa = ""
		code, _, d := e.do("POST", "/api/v1/agency/drafts", e.key, incomplete)
		if code != 201 {
			t.Fatalf("create draft: %d %v", code, d)
		}
		draft := int64(d["draft"].(float64))
		dpath := "/api/v1/agency/drafts/" + itoa(draft)
		p := e.problem("POST", dpath+"/publish", e.key, nil, 400)
		fields := fieldsOf(p)
		if !fields["legal_basis"] || !fields["description_fa"] {
			t.Fatalf("publish errors = %v, want legal_basis and description_fa", p["errors"])
		}
		// The failed publish lost nothing: the draft is still there, unchanged.
		code, _, got := e.do("GET", dpath, e.key, nil)
		if code != 200 || got["record"].(map[string]any)["title_fa"] != rec.TitleFa {
			t.Fatalf("draft after failed publish: %d %v", code, got)
		}
		// Another agency cannot read it: it does not exist for them.
		e.problem("GET", dpath, e.other, nil, 404)

		// Bad bodies: unknown fields, invalid UTF-8, wrong types, too large, two values.
		e.problem("PUT", dpath, e.key, `{"title_fa": "x", "colour": "blue"}`, 400)
		e.problem("PUT", dpath, e.key, []byte("{\"title_fa\": \"\xff\xfe\"}"), 400)
		e.problem("PUT", dpath, e.key, `{"cost_rials": "free"}`, 400)
		e.problem("PUT", dpath, e.key, `{"processing_time": "ten days"}`, 400)
		e.problem("PUT", dpath, e.key, `{} {}`, 400)
		e.problem("PUT", dpath, e.key, `{"title_fa": "`+strings.Repeat("ب", 200<<10)+`"}`, 413)
		e.problem("PUT", "/api/v1/agency/drafts/abc", e.key, rec, 400)

		// Complete it and publish.
		code, _, _ = e.do("PUT", dpath, e.key, rec)
		if code != 200 {
			t.Fatalf("update draft: %d", code)
		}
		code, _, pub := e.do("POST", dpath+"/publish", e.key, nil)
		if code != 200 {
			t.Fatalf("publish: %d %v", code, pub)
		}
		id, _ := pub["id"].(string)
		if !regexp.MustCompile(`^[0-9]{7}$`).MatchString(id) || pub["status"] != "published" {
			t.Fatalf("published = %v", pub)
		}

		// The public API finds it, by ASCII and by Persian digits.
		code, _, svc := e.do("GET", "/api/v1/services/"+id, "", nil)
		if code != 200 || svc["record"].(map[string]any)["title_fa"] != rec.TitleFa {
			t.Fatalf("get service: %d %v", code, svc)
		}
		if lvl := svc["level"].(float64); lvl != 2 {
			t.Fatalf("level = %v, want 2 (fully electronic, manual decision)", lvl)
		}
		code, _, _ = e.do("GET", "/api/v1/services/"+persianDigits(id), "", nil)
		if code != 200 {
			t.Fatalf("Persian-digit id: %d", code)
		}

		// A second version keeps the identifier.
		code, _, open := e.do("GET", "/api/v1/agency/services/"+id+"/draft", e.key, nil)
		if code != 200 {
			t.Fatalf("draft for service: %d %v", code, open)
		}
		rec.CostRials = 2_000_000
		code, _, _ = e.do("PUT", "/api/v1/agency/drafts/"+itoa(int64(open["draft"].(float64))), e.key, rec)
		if code != 200 {
			t.Fatalf("update published service's draft: %d", code)
		}
		code, _, pub2 := e.do("POST", "/api/v1/agency/drafts/"+itoa(int64(open["draft"].(float64)))+"/publish", e.key, nil)
		if code != 200 || pub2["id"] != id || pub2["version"].(float64) != 2 {
			t.Fatalf("republish: %d %v", code, pub2)
		}
		code, _, hist := e.do("GET", "/api/v1/services/"+id+"/history", "", nil)
		if code != 200 || len(hist["items"].([]any)) != 2 {
			t.Fatalf("history: %d %v", code, hist)
		}

		// Search and facets.
		code, _, res := e.do("GET", "/api/v1/services?q="+urlq("شناسنامه المثني")+"&agency=NOCR", "", nil)
		if code != 200 || res["total"].(float64) != 1 || len(res["items"].([]any)) != 1 {
			t.Fatalf("search: %d %v", code, res)
		}
		if _, ok := res["facets"].(map[string]any)["agency"]; !ok {
			t.Fatalf("search has no agency facet: %v", res["facets"])
		}
		// A word no service has: the services with the other words, all
		// of them partial matches.
		code, _, res = e.do("GET", "/api/v1/services?q="+urlq("شناسنامه مریخی"), "", nil)
		if code != 200 || res["total"] == nil || res["total"].(float64) < 1 || res["partial"] != res["total"] {
			t.Fatalf("search with a word no service has: %d %v", code, res)
		}

		// The open-data export holds the published service.
		req := httptest.NewRequest("GET", "/api/v1/catalog.jsonld", nil)
		rr := httptest.NewRecorder()
		e.mux.ServeHTTP(rr, req)
		if rr.Code != 200 || !strings.Contains(rr.Header().Get("Content-Type"), "ld+json") || !strings.Contains(rr.Body.String(), id) {
			t.Fatalf("jsonld: %d %s", rr.Code, rr.Header().Get("Content-Type"))
		}
		var ld any
		if err := json.Unmarshal(rr.Body.Bytes(), &ld); err != nil {
			t.Fatalf("jsonld is not JSON: %v", err)
		}

		// Retire: reason required, other agency refused, then done.
		e.problem("POST", "/api/v1/agency/services/"+id+"/retire", e.key, map[string]string{"reason": " "}, 400)
		e.problem("POST", "/api/v1/agency/services/"+id+"/retire", e.other, map[string]string{"reason": "x"}, 403)
		code, _, _ = e.do("POST", "/api/v1/agency/services/"+id+"/retire", e.key, map[string]string{"reason": "ادغام با خدمت دیگر"})
		if code != 204 {
			t.Fatalf("retire: %d", code)
		}
		code, _, svc = e.do("GET", "/api/v1/services/"+id, "", nil)
		if code != 200 || svc["status"] != "retired" {
			t.Fatalf("after retire: %d %v", code, svc["status"])
		}
	}, identity.Migrations(), catalog.Migrations())
}

func TestPublicBadInput(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		e.problem("GET", "/api/v1/services/1000014", "", nil, 400) // wrong check digit
		e.problem("GET", "/api/v1/services/12", "", nil, 400)
		e.problem("GET", "/api/v1/services/"+validUnknownID(t), "", nil, 404)
		e.problem("GET", "/api/v1/services?page=abc", "", nil, 400)
		e.problem("GET", "/api/v1/services?page=0", "", nil, 400)
		e.problem("GET", "/api/v1/services?per_page=1000", "", nil, 400)
		e.problem("GET", "/api/v1/services?q="+strings.Repeat("a", 201), "", nil, 400)
		e.problem("GET", "/api/v1/services?q=%ff%fe", "", nil, 400)
		e.problem("GET", "/api/v1/agencies/NOPE", "", nil, 404)
		e.problem("GET", "/api/v1/nothing-here", "", nil, 404)
		code, _, res := e.do("GET", "/api/v1/services?q="+urlq("هیچ‌چیز ناموجود"), "", nil)
		if code != 200 || res["total"].(float64) != 0 || res["items"] == nil {
			t.Fatalf("empty search: %d %v", code, res)
		}
		code, _, ag := e.do("GET", "/api/v1/agencies", "", nil)
		if code != 200 || ag["total"].(float64) != 2 {
			t.Fatalf("agencies: %d %v", code, ag)
		}
		code, _, rg := e.do("GET", "/api/v1/regions", "", nil)
		if code != 200 || rg["total"].(float64) != 1 {
			t.Fatalf("regions: %d %v", code, rg)
		}
		code, _, one := e.do("GET", "/api/v1/agencies/NOCR", "", nil)
		if code != 200 || one["agency"] == nil || one["stats"] == nil {
			t.Fatalf("agency: %d %v", code, one)
		}
	}, identity.Migrations(), catalog.Migrations())
}

// TestOpenAPIMatchesRoutes holds the OpenAPI document and the real routes
// together: every documented operation is routed by the mux to exactly the
// documented pattern, and every routed API pattern is documented.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, identity.Migrations(), catalog.Migrations())
	e := newEnv(t, s)
	code, ct, doc := e.do("GET", "/api/v1/openapi.json", "", nil)
	if code != 200 || !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("openapi: %d %s", code, ct)
	}
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi version = %v", doc["openapi"])
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	documented := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, opAny := range item.(map[string]any) {
			op := opAny.(map[string]any)
			documented[strings.ToUpper(method)+" "+path] = true
			// Fill the path's parameters and ask the mux which pattern serves it.
			concrete := regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(path, "1")
			req := httptest.NewRequest(strings.ToUpper(method), concrete, nil)
			_, pattern := e.mux.Handler(req)
			if pattern != strings.ToUpper(method)+" "+path {
				t.Errorf("%s %s is documented but the mux routes it to %q", method, path, pattern)
			}
			// Every path parameter is declared, and every $ref resolves.
			declared := map[string]bool{}
			if ps, ok := op["parameters"].([]any); ok {
				for _, p := range ps {
					pm := p.(map[string]any)
					if pm["in"] == "path" {
						declared[pm["name"].(string)] = true
					}
				}
			}
			for _, m := range regexp.MustCompile(`\{([a-z_]+)\}`).FindAllStringSubmatch(path, -1) {
				if !declared[m[1]] {
					t.Errorf("%s %s: path parameter %s is not declared", method, path, m[1])
				}
			}
			if len(op["responses"].(map[string]any)) == 0 {
				t.Errorf("%s %s: no responses documented", method, path)
			}
		}
	}
	raw, _ := json.Marshal(doc)
	for _, m := range regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if _, ok := schemas[m[1]]; !ok {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
	// Every API route the mux knows is documented: probe the patterns the
	// mux serves under /api/v1/ through a request for each documented one
	// and for likely undocumented neighbours.
	for _, probe := range []string{"GET /api/v1/services/1/draft", "DELETE /api/v1/services/1", "POST /api/v1/services", "PUT /api/v1/agency/services/1"} {
		method, path, _ := strings.Cut(probe, " ")
		_, pattern := e.mux.Handler(httptest.NewRequest(method, path, nil))
		if pattern != "/api/" && !documented[pattern] {
			t.Errorf("%s is routed to %q, which is not documented", probe, pattern)
		}
	}
	if len(documented) < 14 {
		t.Errorf("only %d operations documented", len(documented))
	}
}

func fieldsOf(p map[string]any) map[string]bool {
	out := map[string]bool{}
	list, _ := p["errors"].([]any)
	for _, f := range list {
		out[f.(map[string]any)["field"].(string)] = true
	}
	return out
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func urlq(s string) string {
	return strings.NewReplacer(" ", "+").Replace(urlEscape(s))
}

func urlEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(hex2(c)))
		}
	}
	return b.String()
}

func hex2(c byte) string {
	const d = "0123456789abcdef"
	return string([]byte{d[c>>4], d[c&15]})
}

func persianDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			r = '۰' + (r - '0')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// validUnknownID returns an identifier with a correct check digit that no
// service has.
func validUnknownID(t *testing.T) string {
	id := catalog.FormatID(987654)
	if _, err := catalog.ParseID(id); err != nil {
		t.Fatalf("FormatID(987654) = %s does not parse: %v", id, err)
	}
	return id
}
