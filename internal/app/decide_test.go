package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// TestObjectionAPI: over real HTTP on each engine, a citizen's application
// is refused by the service's rules as it is submitted, the case JSON
// explains the decision, and the citizen objects through the API: an empty
// reason is 400, a reason makes the case objected, a second objection is
// 409, and another citizen's objection is 404.
func TestObjectionAPI(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			srv, _ := mustServeDemo(t, d)
			ctx, a := srv.Ctx, srv.App
			service := rulesService(t, ctx, a)
			session := func(code string) string {
				p, err := a.Identity.EnsurePerson(ctx, code, "")
				if err != nil {
					t.Fatal(err)
				}
				tok, _, err := a.Identity.StartSession(ctx, p, "test")
				if err != nil {
					t.Fatal(err)
				}
				return tok
			}
			call := func(token, method, path string, body any) (int, []byte) {
				t.Helper()
				b, _ := json.Marshal(body)
				req, _ := http.NewRequest(method, srv.Base+path, bytes.NewReader(b))
				req.Header.Set("Content-Type", "application/json")
				req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: token})
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				out, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, out
			}
			ali, maryam := session(backoffice.CitizenAli), session(backoffice.CitizenMaryam)
			status, body := call(ali, "POST", "/api/v1/services/"+service+"/applications",
				map[string]any{"data": map[string]string{"phone": "09121234567", "decl_shop_name": "قمارخانه"}})
			var c apply.Case
			if status != http.StatusCreated || json.Unmarshal(body, &c) != nil {
				t.Fatalf("submit: %d %s", status, body)
			}
			if c.State != apply.Rejected || c.Decision == nil || c.Decision.Outcome != "reject" || c.Decision.Ground != "zoning" ||
				c.Decision.ExplainFa == "" || c.Decision.ObjectionUntil == nil || len(c.Decision.Inputs) == 0 {
				t.Fatalf("refused case %s %+v", c.State, c.Decision)
			}
			path := "/api/v1/cases/" + c.Tracking + "/objection"
			if status, body := call(ali, "POST", path, map[string]string{"reason": ""}); status != http.StatusBadRequest {
				t.Errorf("empty reason: %d %s", status, body)
			}
			if status, body := call(maryam, "POST", path, map[string]string{"reason": "اعتراض"}); status != http.StatusNotFound {
				t.Errorf("another citizen objects: %d %s", status, body)
			}
			status, body = call(ali, "POST", path, map[string]string{"reason": "«قمارخانه» نام تجاری یک کافه است"})
			if status != http.StatusOK || json.Unmarshal(body, &c) != nil || c.State != apply.Objected || c.Decision.Objection == nil {
				t.Fatalf("objection: %d %s", status, body)
			}
			if status, body := call(ali, "POST", path, map[string]string{"reason": "دوباره"}); status != http.StatusConflict {
				t.Errorf("a second objection: %d %s", status, body)
			}
		})
	}
}
