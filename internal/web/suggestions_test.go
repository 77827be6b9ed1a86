package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
	"github.com/panjare/panjare/internal/suggest"
)

// TestSuggestionsSection: the signed-in citizen's home page shows «پیشنهاد
// برای شما» right to left, each suggestion with its why-line in Persian
// digits; a visitor sees no such section; dismissing takes a same-origin
// POST and the suggestion does not come back.
func TestSuggestionsSection(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
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
		sug, err := suggest.New(suggest.Config{Store: s, Catalog: cat})
		if err != nil {
			t.Fatal(err)
		}
		log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
		w, err := New(Config{Catalog: cat, Log: log, Version: "test", Suggest: sug})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		w.Register(mux)
		h := httpx.Observe(httpx.SecureHeaders(http.NewCrossOriginProtection().Handler(mux)), httpx.NewMetrics(prometheus.NewRegistry()), log)

		const code = "0013542419"
		me := identity.Principal{Kind: "user", ID: 7, Name: "مریم", NationalCode: code, Roles: []identity.Role{identity.RoleCitizen}}
		// A graduation a month ago: the job-related certificate is for it.
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.Append(ctx, store.Event{Kind: suggest.LifeEventKind, At: s.Now().AddDate(0, -1, 0), Actor: "system", Subject: code},
				map[string]any{"eventType": "graduation"})
		}); err != nil {
			t.Fatal(err)
		}
		send := func(method, path string, p *identity.Principal, en bool, crossSite bool) response {
			t.Helper()
			req := httptest.NewRequest(method, path, nil)
			if en {
				req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
			}
			if crossSite {
				req.Header.Set("Sec-Fetch-Site", "cross-site")
			}
			if p != nil {
				req = req.WithContext(identity.WithPrincipal(req.Context(), *p))
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			res := response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
			if strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
				res.doc, _ = html.Parse(strings.NewReader(res.body))
			}
			return res
		}
		section := func(res response) *html.Node {
			for _, n := range withClass(res.doc, "suggestions") {
				return n
			}
			return nil
		}

		res := send("GET", "/", &me, false, false)
		if res.status != http.StatusOK {
			t.Fatalf("home: %d", res.status)
		}
		checkPage(t, "/", res.doc, "fa", "rtl")
		sec := section(res)
		if sec == nil {
			t.Fatalf("no suggestions section:\n%s", res.body)
		}
		if hs := tags(sec, "h2"); len(hs) != 1 || textOf(hs[0]) != "پیشنهاد برای شما" {
			t.Fatalf("heading: %v", hs)
		}
		cards := withClass(sec, "suggestion")
		if len(cards) != 1 || !hasLink(cards[0], "/services/"+st.certificate) {
			t.Fatalf("cards: %d, want the certificate", len(cards))
		}
		why := withClass(cards[0], "suggestion__why")
		if len(why) != 1 {
			t.Fatal("no why-line")
		}
		line := textOf(why[0])
		if !strings.Contains(line, "چرا این را می‌بینید") || !strings.Contains(line, "دانش‌آموختگی") {
			t.Fatalf("why-line = %q", line)
		}
		if strings.ContainsAny(line, "0123456789") || !strings.ContainsAny(line, "۰۱۲۳۴۵۶۷۸۹") {
			t.Fatalf("why-line not in Persian digits: %q", line)
		}
		if res.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("Cache-Control = %q for a page with personal suggestions", res.header.Get("Cache-Control"))
		}
		if strings.Contains(res.body, code) {
			t.Fatal("the page shows the national code")
		}

		// In English, left to right, with the English why-line.
		res = send("GET", "/", &me, true, false)
		checkPage(t, "/", res.doc, "en", "ltr")
		if sec := section(res); sec == nil || !strings.Contains(textOf(sec), "Why you see this:") || !strings.Contains(textOf(sec), "a graduation") {
			t.Fatal("no English why-line")
		}

		// A visitor sees no section.
		if res := send("GET", "/", nil, false, false); section(res) != nil {
			t.Fatal("a visitor sees suggestions")
		}

		dismiss := "/me/suggestions/" + st.certificate + "/dismiss"
		// Cross-site, or without signing in: refused, nothing stored.
		if res := send("POST", dismiss, &me, false, true); res.status != http.StatusForbidden {
			t.Fatalf("cross-site dismiss: %d", res.status)
		}
		if res := send("POST", dismiss, nil, false, false); res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/signin") {
			t.Fatalf("anonymous dismiss: %d %s", res.status, res.header.Get("Location"))
		}
		if section(send("GET", "/", &me, false, false)) == nil {
			t.Fatal("a refused dismissal was stored")
		}
		res = send("POST", dismiss, &me, false, false)
		if res.status != http.StatusSeeOther || res.header.Get("Location") != "/?done=dismissed#suggestions-h" {
			t.Fatalf("dismiss: %d %s", res.status, res.header.Get("Location"))
		}
		res = send("GET", "/?done=dismissed", &me, false, false)
		if section(res) != nil {
			t.Fatal("a dismissed suggestion came back")
		}
		if !strings.Contains(res.body, "دیگر به شما نشان داده نمی‌شود") {
			t.Fatal("no notice of the dismissal")
		}
	}, identity.Migrations(), catalog.Migrations(), permit.Migrations(), exchange.Migrations(), notify.Migrations(), apply.Migrations(), suggest.Migrations())
}
