package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// docSite is the portal with signed documents: the fixture services, and a
// business licence MIMT issued to citizen A.
type docSite struct {
	xsite
	p   *permit.Permits
	doc permit.Document
}

const (
	codeA = "0067749828"
	codeB = "0499370899"
)

var (
	mimtStaff = &identity.Principal{Kind: "user", ID: 50, Name: "کارشناس", Agency: "MIMT", Roles: []identity.Role{identity.RoleOperator}}
	judStaff  = &identity.Principal{Kind: "user", ID: 51, Name: "کارشناس", Agency: "JUD", Roles: []identity.Role{identity.RoleOperator, identity.RoleAgencyAdmin}}
)

func newDocSite(t *testing.T, s *store.Store) *docSite {
	t.Helper()
	ctx := context.Background()
	idx, err := search.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	cat, err := catalog.New(ctx, s, idx)
	if err != nil {
		t.Fatal(err)
	}
	st := &site{cat: cat}
	loadFixtures(t, ctx, cat, st)
	p, err := permit.New(ctx, s, cat, "https://panjare.test")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := p.Issue(ctx, identity.System, permit.IssueRequest{Service: st.permit, Holder: codeA, HolderName: "زهرا کریمی",
		CaseRef: "K7QX-3M9D", Fields: map[string]string{"نام واحد صنفی": "نانوایی برکت"}})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := New(Config{Catalog: cat, Log: log, Version: "test", Permits: p})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.Register(mux)
	ds := &docSite{p: p, doc: doc}
	ds.handler = httpx.Observe(httpx.SecureHeaders(http.NewCrossOriginProtection().Handler(mux)),
		httpx.NewMetrics(prometheus.NewRegistry()), log)
	return ds
}

func permitSets() []store.MigrationSet {
	return []store.MigrationSet{identity.Migrations(), catalog.Migrations(), permit.Migrations()}
}

// elemByID returns the element with the given id, or nil.
func elemByID(doc *html.Node, id string) *html.Node {
	if n := all(doc, func(e *html.Node) bool { return attr(e, "id") == id }); len(n) > 0 {
		return n[0]
	}
	return nil
}

// verdict returns the status the verify page shows, and its colour class.
func verdict(t *testing.T, res response) (status string, good bool) {
	t.Helper()
	v := elemByID(res.doc, "verdict")
	if v == nil {
		t.Fatalf("no verdict on the page: %d", res.status)
	}
	return attr(v, "data-status"), strings.Contains(attr(v, "class"), "verdict--good")
}

func TestVerifyPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ds := newDocSite(t, s)
		if res := ds.as(t, nil, "GET", "/verify", nil); res.status != 200 || elemByID(res.doc, "document") == nil || elemByID(res.doc, "verdict") != nil {
			t.Fatalf("the empty verify page: %d", res.status)
		}
		// By id in the address (what a phone opens), by the JWS in the
		// form, in both languages; the holder's code is masked.
		for _, res := range []response{
			ds.as(t, nil, "GET", "/verify?document="+url.QueryEscape(strings.ToLower(ds.doc.ID)), nil),
			ds.as(t, nil, "POST", "/verify", url.Values{"document": {ds.doc.JWS}}),
			ds.send(t, nil, "GET", "/verify?document="+ds.doc.ID, nil, true),
		} {
			if st, good := verdict(t, res); res.status != 200 || st != "valid" || !good {
				t.Fatalf("verify: %d %s", res.status, st)
			}
			if strings.Contains(res.body, codeA) || strings.Contains(res.body, "۰۰۶۷۷۴۹۸۲۸") {
				t.Fatal("the public verify page shows the national code")
			}
			if got := textOf(elemByID(res.doc, "holder-code")); !strings.HasSuffix(got, "۹۸۲۸") && !strings.HasSuffix(got, "9828") || strings.Contains(got, "۰۰۶۷") {
				t.Errorf("holder code shown as %q", got)
			}
			if !strings.Contains(textOf(elemByID(res.doc, "issuer")), "MIMT") || !strings.Contains(res.body, "زهرا کریمی") {
				t.Errorf("verify page lacks the issuer or the holder's name")
			}
		}
		// Forged, unknown, and empty input.
		parts := strings.Split(ds.doc.JWS, ".")
		forged := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
		if st, good := verdict(t, ds.as(t, nil, "POST", "/verify", url.Values{"document": {forged}})); st != "forged" || good {
			t.Errorf("forged: %s", st)
		}
		if st, good := verdict(t, ds.as(t, nil, "GET", "/verify?document=ABCD-EFGH-JKM", nil)); st != "unknown" || good {
			t.Errorf("unknown: %s", st)
		}
		if res := ds.as(t, nil, "POST", "/verify", url.Values{"document": {" "}}); res.status != 400 || elemByID(res.doc, "verify-error") == nil {
			t.Errorf("empty input: %d", res.status)
		}
		if res := ds.as(t, nil, "POST", "/verify", url.Values{"document": {strings.Repeat("x", 40000)}}); res.status != 413 {
			t.Errorf("huge input: %d", res.status)
		}
		// Guessing ids is slowed down: one address gets a 429 page soon.
		limited := 0
		for range 40 {
			if res := ds.as(t, nil, "GET", "/verify?document=ABCD-EFGH-JKM", nil); res.status == 429 {
				limited++
			}
		}
		if limited == 0 {
			t.Error("40 quick verifications from one address were all answered")
		}
		req := httptest.NewRequest("POST", "/verify", strings.NewReader("document=%zz"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		ds.handler.ServeHTTP(rec, req)
		if rec.Code != 400 {
			t.Errorf("a malformed form: %d, want 400", rec.Code)
		}
	}, permitSets()...)
}

func TestDocumentPagesAndRevocation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ds := newDocSite(t, s)
		page := "/documents/" + ds.doc.ID
		a, b := person(1, codeA), person(2, codeB)

		// Visitors sign in first; others' documents do not exist for them.
		if res := ds.as(t, nil, "GET", page, nil); res.status != 303 || !strings.HasPrefix(res.header.Get("Location"), "/signin") {
			t.Errorf("visitor: %d %s", res.status, res.header.Get("Location"))
		}
		for _, p := range []*identity.Principal{b, judStaff} {
			for _, path := range []string{page, page + ".pdf", page + "/qr.png"} {
				if res := ds.as(t, p, "GET", path, nil); res.status != 404 {
					t.Errorf("%s as %s: %d, want 404", path, p.Actor(), res.status)
				}
			}
		}

		// The holder sees every field, the QR code and the PDF link, and
		// no revocation form.
		res := ds.as(t, a, "GET", page, nil)
		if res.status != 200 || elemByID(res.doc, "revoke-h") != nil {
			t.Fatalf("holder: %d", res.status)
		}
		fields := textOf(elemByID(res.doc, "document-fields"))
		for _, want := range []string{"زهرا کریمی", "نانوایی برکت", "صدور پروانهٔ کسب", "وزارت صنعت، معدن و تجارت", ds.doc.ID, "۰۰۶۷۷۴۹۸۲۸", "K7QX-3M9D"} {
			if !strings.Contains(fields, want) {
				t.Errorf("the document page lacks %q: %s", want, fields)
			}
		}
		if !jalaliRE.MatchString(fields) {
			t.Errorf("no Jalali date on the document: %s", fields)
		}
		ids := all(res.doc, func(e *html.Node) bool { return e.Data == "bdi" && textOf(e) == ds.doc.ID })
		if len(ids) == 0 {
			t.Error("the id is not in a <bdi>")
		}
		imgs := all(res.doc, func(e *html.Node) bool { return e.Data == "img" && attr(e, "src") == page+"/qr.png" })
		if len(imgs) != 1 || !hasLink(res.doc, page+".pdf") {
			t.Fatal("no QR code image or PDF link")
		}
		if jws := elemByID(res.doc, "jws"); jws == nil || textOf(jws) != ds.doc.JWS {
			t.Error("the document page does not offer the signed text to copy")
		}
		if q := ds.as(t, a, "GET", page+"/qr.png", nil); q.status != 200 || q.header.Get("Content-Type") != "image/png" || !strings.HasPrefix(q.body, "\x89PNG") {
			t.Errorf("QR: %d %s", q.status, q.header.Get("Content-Type"))
		}
		pdf := ds.as(t, a, "GET", page+".pdf", nil)
		switch {
		case pdf.status == 503 && !fontAvailable():
			t.Log("no font with Persian letters: the PDF answers 503, as it should")
		case pdf.status != 200 || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF-"):
			t.Errorf("PDF: %d %s", pdf.status, pdf.header.Get("Content-Type"))
		}
		if en := ds.send(t, a, "GET", page, nil, true); en.status != 200 {
			t.Errorf("English document page: %d", en.status)
		}

		// The holder's wallet lists it; another citizen's does not.
		if w := ds.as(t, a, "GET", "/me/documents", nil); w.status != 200 || elemByID(w.doc, "doc-"+ds.doc.ID) == nil {
			t.Fatalf("holder's wallet: %d", w.status)
		}
		if w := ds.as(t, b, "GET", "/me/documents", nil); w.status != 200 || elemByID(w.doc, "doc-"+ds.doc.ID) != nil || elemByID(w.doc, "no-documents") == nil {
			t.Fatalf("another citizen's wallet shows the document: %d", w.status)
		}
		if w := ds.as(t, nil, "GET", "/me/documents", nil); w.status != 303 {
			t.Errorf("visitor's wallet: %d", w.status)
		}

		// Only the issuing agency's staff get the form and may revoke.
		revoke := page + "/revoke"
		for _, p := range []*identity.Principal{judStaff, b} {
			if res := ds.as(t, p, "POST", revoke, url.Values{"reason": {"x"}}); res.status != 404 {
				t.Errorf("revoke as %s: %d, want 404", p.Actor(), res.status)
			}
		}
		if res := ds.as(t, a, "POST", revoke, url.Values{"reason": {"x"}}); res.status != 403 {
			t.Errorf("revoke by the holder: %d, want 403", res.status)
		}
		staffPage := ds.as(t, mimtStaff, "GET", page, nil)
		if staffPage.status != 200 || elemByID(staffPage.doc, "reason") == nil {
			t.Fatalf("the issuing agency's staff see no revocation form: %d", staffPage.status)
		}
		if res := ds.as(t, mimtStaff, "POST", revoke, url.Values{"reason": {"  "}}); res.status != 400 || elemByID(res.doc, "revoke-error") == nil {
			t.Errorf("revoke without a reason: %d", res.status)
		}
		// A cross-origin form post is refused (CSRF).
		req := url.Values{"reason": {"جعل"}}
		if res := ds.crossSite(t, mimtStaff, revoke, req); res != 403 {
			t.Errorf("cross-origin revoke: %d, want 403", res)
		}
		if v, _ := ds.p.Verify(context.Background(), ds.doc.ID); v.Status != permit.StatusValid {
			t.Fatalf("refused revocations changed the document: %s", v.Status)
		}
		res = ds.as(t, mimtStaff, "POST", revoke, url.Values{"reason": {"واحد صنفی تعطیل شد"}})
		if res.status != 303 || res.header.Get("Location") != page+"?done=revoked" {
			t.Fatalf("revoke: %d %s", res.status, res.header.Get("Location"))
		}
		if res := ds.as(t, mimtStaff, "GET", page+"?done=revoked", nil); elemByID(res.doc, "revoked-banner") == nil || elemByID(res.doc, "revoke-done") == nil || elemByID(res.doc, "reason") != nil {
			t.Errorf("after revocation the page shows no banner, or still the form")
		}

		// Revocation is visible on verify, with its date in the Jalali
		// calendar and Persian digits but not its reason, which only the
		// holder (and the agency) read on the document page and in the wallet.
		for _, lang := range []bool{false, true} {
			v := ds.send(t, nil, "GET", "/verify?document="+ds.doc.ID, nil, lang)
			if st, good := verdict(t, v); st != "revoked" || good {
				t.Errorf("verify after revocation: %s", st)
			}
			on := textOf(elemByID(v.doc, "revoked-on"))
			if !lang && (on == "" || !strings.ContainsAny(on, "۰۱۲۳۴۵۶۷۸۹") || strings.ContainsAny(on, "0123456789")) {
				t.Errorf("verify after revocation says %q, want the date in Persian digits", on)
			}
			if lang && on == "" {
				t.Errorf("the English verify page does not say when the document was revoked")
			}
			if strings.Contains(v.body, "واحد صنفی تعطیل شد") {
				t.Errorf("the public verify page tells why the document was revoked")
			}
		}
		if held := ds.as(t, a, "GET", page, nil); !strings.Contains(textOf(elemByID(held.doc, "revoked-banner")), "واحد صنفی تعطیل شد") {
			t.Errorf("the holder's document page does not say why it was revoked")
		}
		w := ds.as(t, a, "GET", "/me/documents", nil)
		if row := elemByID(w.doc, "doc-"+ds.doc.ID); row == nil || attr(row, "data-status") != "revoked" || !strings.Contains(textOf(row), "واحد صنفی تعطیل شد") {
			t.Errorf("the wallet does not show the revocation")
		}
	}, permitSets()...)
}

// crossSite posts a form as p from another site, as a browser would mark
// it, and returns the status.
func (xs *xsite) crossSite(t *testing.T, p *identity.Principal, path string, form url.Values) int {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://panjare.test"+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	req = req.WithContext(identity.WithPrincipal(req.Context(), *p))
	rec := httptest.NewRecorder()
	xs.handler.ServeHTTP(rec, req)
	return rec.Code
}

// fontAvailable reports whether a PDF font can be loaded here.
func fontAvailable() bool {
	_, err := permit.LoadFonts(nil)
	return err == nil
}
