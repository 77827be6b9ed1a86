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

// TestMyNotifications: a citizen reads and sets their channels and address
// with the session cookie; a malformed address is a problem+json 400 on the
// field email, in Persian and English, and changes nothing.
func TestMyNotifications(t *testing.T) {
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
		outbox := notify.NewOutbox(s)
		n := notify.New(s, outbox, outbox)
		mux := http.NewServeMux()
		api.New(api.Config{Catalog: cat, Identity: id, Notifier: n, Log: slog.New(slog.DiscardHandler), Version: "test"}).Register(mux)
		h := id.Middleware(identity.Cookies{}, nil)(mux)
		p, err := id.EnsurePerson(ctx, "0013542419", "")
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := id.StartSession(ctx, p, "test")
		if err != nil {
			t.Fatal(err)
		}
		do := func(method, body, session string) (int, http.Header, string) {
			req := httptest.NewRequest(method, "/api/v1/me/notifications", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if session != "" {
				req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: session})
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec.Code, rec.Header(), rec.Body.String()
		}
		var c notify.Choice
		code, hdr, body := do("GET", "", token)
		if code != 200 || hdr.Get("Cache-Control") != "no-store" || json.Unmarshal([]byte(body), &c) != nil || c.Chosen || !c.SMS || c.Email {
			t.Fatalf("before choosing: %d %s", code, body)
		}
		code, hdr, body = do("PUT", `{"sms":false,"email":true,"address":"not an address"}`, token)
		var prob struct {
			DetailFa string `json:"detail_fa"`
			Detail   string `json:"detail"`
			Errors   []struct{ Field string }
		}
		if code != http.StatusBadRequest || !strings.Contains(hdr.Get("Content-Type"), "problem+json") ||
			json.Unmarshal([]byte(body), &prob) != nil || len(prob.Errors) != 1 || prob.Errors[0].Field != "email" ||
			!strings.Contains(prob.DetailFa+body, "رایانامه") || !strings.Contains(body, "email address is not valid") {
			t.Errorf("bad address: %d %s", code, body)
		}
		if _, _, body := do("GET", "", token); !strings.Contains(body, `"chosen":false`) {
			t.Errorf("a refused PUT was stored: %s", body)
		}
		code, _, body = do("PUT", `{"sms":false,"email":true,"address":"sara@example.ir"}`, token)
		if code != 200 || json.Unmarshal([]byte(body), &c) != nil || !c.Chosen || c.SMS || !c.Email || c.Address != "" ||
			c.Pending != "sara@example.ir" || c.PendingExpiresAt == nil {
			t.Errorf("set: %d %s", code, body)
		}
		if code, hdr, _ := do("PUT", `{"sms":true}`, ""); code != http.StatusUnauthorized || !strings.Contains(hdr.Get("Content-Type"), "problem+json") {
			t.Errorf("without a session: %d", code)
		}
	}, identity.Migrations(), catalog.Migrations(), notify.Migrations())
}
