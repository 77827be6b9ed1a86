package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestMyDocumentsPages: a wallet longer than a page is walked to the end
// through next_url, each document once, the Link header naming the same
// page; a forged cursor is a 400.
func TestMyDocumentsPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newPermitEnv(t, s)
		for i := 0; i < 6; i++ {
			if _, err := e.p.Issue(context.Background(), identity.System, permit.IssueRequest{Service: e.doc.Service, Holder: holder,
				HolderName: "زهرا کریمی", Fields: map[string]string{"شمارهٔ شناسنامه": "۱۲۳۴۵"}}); err != nil {
				t.Fatal(err)
			}
		}
		citizen := identity.Principal{Kind: "user", ID: 1, NationalCode: holder, Roles: []identity.Role{identity.RoleCitizen}}
		get := func(u string) *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", u, nil).WithContext(identity.WithPrincipal(context.Background(), citizen))
			req.RemoteAddr = "192.0.2.1:1234"
			rec := httptest.NewRecorder()
			e.mux.ServeHTTP(rec, req)
			return rec
		}
		seen := map[string]bool{}
		next, pages := "/api/v1/me/documents?limit=3", 0
		for next != "" {
			rec := get(next)
			var page struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
				NextURL string `json:"next_url"`
			}
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &page) != nil {
				t.Fatalf("page %s: %d %s", next, rec.Code, rec.Body.String())
			}
			if page.NextURL != "" && rec.Header().Get("Link") != "<"+page.NextURL+`>; rel="next"` {
				t.Errorf("Link header %q", rec.Header().Get("Link"))
			}
			for _, d := range page.Items {
				if seen[d.ID] {
					t.Errorf("document %s twice", d.ID)
				}
				seen[d.ID] = true
			}
			next, pages = page.NextURL, pages+1
			if pages > 10 {
				t.Fatal("the pages never end")
			}
		}
		if len(seen) != 7 || pages != 3 {
			t.Errorf("%d documents in %d pages, want 7 in 3", len(seen), pages)
		}
		for _, u := range []string{"/api/v1/me/documents?cursor=forged", "/api/v1/me/documents?limit=0", "/api/v1/me/documents?limit=501"} {
			if rec := get(u); rec.Code != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", u, rec.Code)
			}
		}
	}, permitSets()...)
}
