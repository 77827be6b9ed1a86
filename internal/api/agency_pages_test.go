package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/panjare/panjare/internal/api"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestAgencyKeysAndStaffPages: an agency's API clients and staff, more
// than a page each, are walked to the end through next_url, each once and
// only the agency's; a forged cursor is a 400.
func TestAgencyKeysAndStaffPages(t *testing.T) {
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
		mux := http.NewServeMux()
		api.New(api.Config{Catalog: cat, Identity: id, Log: slog.New(slog.DiscardHandler), Version: "test"}).Register(mux)
		h := http.NewCrossOriginProtection().Handler(id.Middleware(identity.Cookies{}, nil)(mux))
		if _, err := id.AddStaff(ctx, identity.System, "4188558164", "NOCR", identity.RoleAgencyAdmin); err != nil {
			t.Fatal(err)
		}
		p, err := id.EnsurePerson(ctx, "4188558164", "")
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := id.StartSession(ctx, p, "test")
		if err != nil {
			t.Fatal(err)
		}
		const n = 7
		for i := 0; i < n; i++ {
			if _, _, err := id.IssueKey(ctx, identity.System, "NOCR", fmt.Sprintf("back office %d", i)); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := id.IssueKey(ctx, identity.System, "INTA", "another agency's"); err != nil {
			t.Fatal(err)
		}
		get := func(u string) *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", u, nil)
			req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: tok})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec
		}
		seen, last := map[int64]bool{}, int64(1<<62)
		next, pages := "/api/v1/admin/agencies/NOCR/keys?limit=3", 0
		for next != "" {
			rec := get(next)
			var page struct {
				Items []struct {
					ID     int64  `json:"id"`
					Agency string `json:"agency"`
				} `json:"items"`
				NextURL string `json:"next_url"`
			}
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &page) != nil {
				t.Fatalf("page %s: %d %s", next, rec.Code, rec.Body.String())
			}
			if page.NextURL != "" && rec.Header().Get("Link") != "<"+page.NextURL+`>; rel="next"` {
				t.Errorf("Link header %q", rec.Header().Get("Link"))
			}
			for _, c := range page.Items {
				if seen[c.ID] || c.Agency != "NOCR" || c.ID > last {
					t.Errorf("client %d of %s twice, another agency's or out of order", c.ID, c.Agency)
				}
				seen[c.ID], last = true, c.ID
			}
			next, pages = page.NextURL, pages+1
			if pages > 10 {
				t.Fatal("the pages never end")
			}
		}
		if len(seen) != n || pages != 3 {
			t.Errorf("%d clients in %d pages, want %d in 3", len(seen), pages, n)
		}
		if rec := get("/api/v1/admin/agencies/NOCR/keys?cursor=forged"); rec.Code != http.StatusBadRequest {
			t.Errorf("a forged cursor: %d, want 400", rec.Code)
		}

		// The staff: the admin and four operators, by national code.
		for _, code := range []string{"0067749828", "0499370899", "0033005877", "1873116721"} {
			if _, err := id.AddStaff(ctx, identity.System, code, "NOCR", identity.RoleOperator); err != nil {
				t.Fatal(err)
			}
		}
		var codes []string
		next, pages = "/api/v1/admin/agencies/NOCR/staff?limit=2", 0
		for next != "" {
			rec := get(next)
			var page struct {
				Items []struct {
					NationalCode string `json:"national_code"`
				} `json:"items"`
				NextURL string `json:"next_url"`
			}
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &page) != nil {
				t.Fatalf("page %s: %d %s", next, rec.Code, rec.Body.String())
			}
			for _, st := range page.Items {
				if len(codes) > 0 && st.NationalCode <= codes[len(codes)-1] {
					t.Errorf("%s after %s", st.NationalCode, codes[len(codes)-1])
				}
				codes = append(codes, st.NationalCode)
			}
			next, pages = page.NextURL, pages+1
			if pages > 10 {
				t.Fatal("the pages never end")
			}
		}
		if len(codes) != 5 || pages != 3 {
			t.Errorf("%d staff in %d pages, want 5 in 3", len(codes), pages)
		}
	}, identity.Migrations(), catalog.Migrations())
}
