package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/api"
	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
	"github.com/panjare/panjare/internal/suggest"
)

// TestMySuggestions: the suggestions need a citizen's session, answer the
// life event's services with why, and a dismissed one stays dismissed.
func TestMySuggestions(t *testing.T) {
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
		if err := cat.PutAgency(ctx, identity.System, catalog.Agency{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration", Domain: catalog.DomainCivil, Connected: true}); err != nil {
			t.Fatal(err)
		}
		rec := passportRecord()
		rec.Events = []string{"birth"}
		d, err := cat.SaveDraft(ctx, identity.System, 0, rec)
		if err != nil {
			t.Fatal(err)
		}
		svc, err := cat.Publish(ctx, identity.System, d.Key)
		if err != nil {
			t.Fatal(err)
		}
		sug, err := suggest.New(suggest.Config{Store: s, Catalog: cat, Log: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		id := identity.New(s)
		mux := http.NewServeMux()
		api.New(api.Config{Catalog: cat, Identity: id, Suggest: sug, Log: slog.New(slog.DiscardHandler), Version: "test"}).Register(mux)
		h := id.Middleware(identity.Cookies{}, nil)(mux)

		const mother = "0013542419"
		if err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.Append(ctx, store.Event{Kind: suggest.LifeEventKind, At: s.Now().Add(-48 * time.Hour), Actor: "system", Subject: mother},
				map[string]any{"eventType": "birth"})
		}); err != nil {
			t.Fatal(err)
		}
		p, err := id.EnsurePerson(ctx, mother, "")
		if err != nil {
			t.Fatal(err)
		}
		token, _, err := id.StartSession(ctx, p, "test")
		if err != nil {
			t.Fatal(err)
		}
		do := func(method, path, token string) (int, http.Header, string) {
			req := httptest.NewRequest(method, path, nil)
			if token != "" {
				req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: token})
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec.Code, rec.Header(), rec.Body.String()
		}

		// Sign-in is required.
		code, hdr, body := do("GET", "/api/v1/me/suggestions", "")
		if code != http.StatusUnauthorized || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") || !strings.Contains(body, "title_fa") {
			t.Fatalf("anonymous: %d %s %s", code, hdr.Get("Content-Type"), body)
		}
		if code, _, _ := do("POST", "/api/v1/me/suggestions/"+svc.ID+"/dismiss", ""); code != http.StatusUnauthorized {
			t.Fatalf("anonymous dismiss: %d", code)
		}

		var list struct {
			Items []suggest.Suggestion `json:"items"`
			K     int                  `json:"k"`
		}
		code, hdr, body = do("GET", "/api/v1/me/suggestions", token)
		if code != http.StatusOK || hdr.Get("Cache-Control") != "no-store" {
			t.Fatalf("signed in: %d %v %s", code, hdr, body)
		}
		if err := json.Unmarshal([]byte(body), &list); err != nil {
			t.Fatal(err)
		}
		if list.K != suggest.DefaultK || len(list.Items) != 1 || list.Items[0].Service != svc.ID || list.Items[0].Source != "life_event" ||
			list.Items[0].WhyFa == "" || list.Items[0].WhyEn == "" {
			t.Fatalf("list = %s", body)
		}
		if strings.Contains(body, mother) {
			t.Fatal("the answer repeats the national code")
		}

		if code, _, body := do("POST", "/api/v1/me/suggestions/"+svc.ID+"/dismiss", token); code != http.StatusNoContent {
			t.Fatalf("dismiss: %d %s", code, body)
		}
		if code, _, body := do("POST", "/api/v1/me/suggestions/1234/dismiss", token); code != http.StatusBadRequest {
			t.Fatalf("dismiss a malformed id: %d %s", code, body)
		}
		_, _, body = do("GET", "/api/v1/me/suggestions", token)
		if err := json.Unmarshal([]byte(body), &list); err != nil || len(list.Items) != 0 {
			t.Fatalf("after dismissal: %s (%v)", body, err)
		}
	}, identity.Migrations(), catalog.Migrations(), permit.Migrations(), exchange.Migrations(), notify.Migrations(), apply.Migrations(), suggest.Migrations())
}
