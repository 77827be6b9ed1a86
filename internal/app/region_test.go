package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// TestApplicationRegionAPI: POST /api/v1/services/{id}/applications takes
// the city the case belongs to; an unknown one is a 400 problem naming the
// field, in Persian and English, and stores nothing.
func TestApplicationRegionAPI(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			srv, _ := mustServeDemo(t, d)
			ctx, a := srv.Ctx, srv.App
			service := rulesService(t, ctx, a)
			p, err := a.Identity.EnsurePerson(ctx, backoffice.CitizenAli, "")
			if err != nil {
				t.Fatal(err)
			}
			tok, _, err := a.Identity.StartSession(ctx, p, "test")
			if err != nil {
				t.Fatal(err)
			}
			submit := func(region string) (int, string, []byte) {
				t.Helper()
				b, _ := json.Marshal(map[string]any{"region": region, "data": map[string]string{"phone": "09121234567", "decl_shop_name": "عطاری"}})
				req, _ := http.NewRequest("POST", srv.Base+"/api/v1/services/"+service+"/applications", bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: tok})
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				out, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header.Get("Content-Type"), out
			}
			status, ct, body := submit("ZZZ-42")
			if status != http.StatusBadRequest || !strings.HasPrefix(ct, "application/problem+json") ||
				!strings.Contains(string(body), `"region"`) || !strings.Contains(string(body), "شهری از فهرست انتخاب کنید") {
				t.Fatalf("unknown city: %d %s %s", status, ct, body)
			}
			var n int
			if err := a.Store.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM apply_cases`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("%d cases after a refused submission (%v)", n, err)
			}
			status, _, body = submit("YZD-01")
			var c apply.Case
			if status != http.StatusCreated || json.Unmarshal(body, &c) != nil || c.Region != "YZD-01" {
				t.Fatalf("submit with a city: %d %s", status, body)
			}
		})
	}
}
