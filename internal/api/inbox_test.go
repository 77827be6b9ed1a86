package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/api"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestMyInbox: each citizen, signed in with a real session cookie, gets
// exactly their own messages, newest first; without a session, a 401.
func TestMyInbox(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		idx, err := search.New()
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		cat, err := catalog.New(ctx, s, idx)
		if err != nil {
			t.Fatal(err)
		}
		id := identity.New(s)
		n := notify.New(s, nil, nil)
		mux := http.NewServeMux()
		api.New(api.Config{Catalog: cat, Identity: id, Notifier: n, Log: slog.New(slog.DiscardHandler), Version: "test"}).Register(mux)
		h := id.Middleware(identity.Cookies{}, nil)(mux)

		const a, b = "0013542419", "0067749828"
		send := func(to, key string, data map[string]string) {
			err := s.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.Append(ctx, store.Event{Kind: "test.caller", Actor: "system"}, nil); err != nil {
					return err
				}
				return n.SendTx(ctx, tx, notify.Notice{To: to, Template: key, Data: data})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		send(a, "case.submitted", map[string]string{"tracking": "1405-AB12", "service": "پروانهٔ کسب"})
		send(a, "case.approved", map[string]string{"tracking": "1405-AB12", "service": "پروانهٔ کسب"})
		send(b, "complaint.received", map[string]string{"complaint": "C-ONLY-B"})

		session := func(code string) string {
			p, err := id.EnsurePerson(ctx, code, "")
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := id.StartSession(ctx, p, "test")
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
		get := func(token string) (int, http.Header, string) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/me/inbox", nil)
			if token != "" {
				req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: token})
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec.Code, rec.Header(), rec.Body.String()
		}
		var l struct {
			Items []struct {
				ID       int64  `json:"id"`
				Template string `json:"template"`
				BodyFa   string `json:"body_fa"`
				ReadAt   any    `json:"read_at"`
			} `json:"items"`
			Unread int `json:"unread"`
		}
		code, hdr, body := get(session(a))
		if code != 200 || hdr.Get("Cache-Control") != "no-store" {
			t.Fatalf("A: %d %s", code, body)
		}
		if err := json.Unmarshal([]byte(body), &l); err != nil {
			t.Fatal(err)
		}
		if len(l.Items) != 2 || l.Unread != 2 || l.Items[0].Template != "case.approved" || l.Items[1].Template != "case.submitted" ||
			l.Items[0].ReadAt != nil || strings.Contains(body, "C-ONLY-B") {
			t.Fatalf("A's inbox: %s", body)
		}
		if err := n.MarkRead(ctx, a, l.Items[0].ID); err != nil {
			t.Fatal(err)
		}
		_, _, body = get(session(a))
		if !strings.Contains(body, `"unread":1`) || !strings.Contains(body, `"read_at":`) {
			t.Errorf("after reading: %s", body)
		}
		_, _, body = get(session(b))
		if !strings.Contains(body, "C-ONLY-B") || strings.Contains(body, "1405-AB12") {
			t.Errorf("B's inbox: %s", body)
		}
		if code, hdr, body := get(""); code != http.StatusUnauthorized || !strings.Contains(hdr.Get("Content-Type"), "problem+json") {
			t.Errorf("without a session: %d %s", code, body)
		}

		// More than a page: walked to the end through next_url, each
		// message once, with the unread count of them all on every page.
		for i := 0; i < 7; i++ {
			send(a, "case.submitted", map[string]string{"tracking": "1405-CD34", "service": "پروانهٔ کسب"})
		}
		tok := session(a)
		seen := map[int64]bool{}
		next, pages := "/api/v1/me/inbox?limit=4", 0
		for next != "" {
			req := httptest.NewRequest(http.MethodGet, next, nil)
			req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: tok})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			var page struct {
				Items []struct {
					ID int64 `json:"id"`
				} `json:"items"`
				Unread  int    `json:"unread"`
				NextURL string `json:"next_url"`
			}
			if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &page) != nil || page.Unread != 8 {
				t.Fatalf("page %s: %d %s", next, rec.Code, rec.Body.String())
			}
			if page.NextURL != "" && rec.Header().Get("Link") != "<"+page.NextURL+`>; rel="next"` {
				t.Errorf("Link header %q", rec.Header().Get("Link"))
			}
			for _, m := range page.Items {
				if seen[m.ID] {
					t.Errorf("message %d twice", m.ID)
				}
				seen[m.ID] = true
			}
			next, pages = page.NextURL, pages+1
			if pages > 10 {
				t.Fatal("the pages never end")
			}
		}
		if len(seen) != 9 || pages != 3 {
			t.Errorf("%d messages in %d pages, want 9 in 3", len(seen), pages)
		}
	}, identity.Migrations(), catalog.Migrations(), notify.Migrations())
}
