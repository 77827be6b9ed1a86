package api_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/api"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestAgencyAdminAPI: an agency admin, with the portal's session cookie,
// manages their own agency's staff and keys; an operator gets 403, another
// agency's admin 404, a cross-site POST is refused, and a rotated key works
// until the overlap ends by the store's clock.
func TestAgencyAdminAPI(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			var mu sync.Mutex
			now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
			s, err := store.Open(ctx, storetest.DSN(t, d), store.Options{Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if err := s.Migrate(ctx, nil, identity.Migrations(), catalog.Migrations()); err != nil {
				t.Fatal(err)
			}
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

			session := func(code string, agency string, role identity.Role) string {
				t.Helper()
				if role != "" {
					if _, err := id.AddStaff(ctx, identity.System, code, agency, role); err != nil {
						t.Fatal(err)
					}
				}
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
			admin := session("4188558164", "NOCR", identity.RoleAgencyAdmin)
			operator := session("0067749828", "NOCR", identity.RoleOperator)
			inta := session("0033005877", "INTA", identity.RoleAgencyAdmin)
			call := func(token, method, path, body string, crossSite bool) (int, string) {
				t.Helper()
				var req *http.Request
				if body != "" {
					req = httptest.NewRequest(method, path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
				} else {
					req = httptest.NewRequest(method, path, nil)
				}
				if token != "" {
					req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: token})
				}
				if crossSite {
					req.Header.Set("Sec-Fetch-Site", "cross-site")
				}
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec.Code, rec.Body.String()
			}
			const base = "/api/v1/admin/agencies/NOCR"
			for _, c := range []struct {
				token, method, path string
				want                int
			}{
				{"", "GET", base + "/staff", 401},
				{operator, "GET", base + "/staff", 403},
				{operator, "GET", base + "/keys", 403},
				{inta, "GET", base + "/staff", 404},
				{inta, "GET", base + "/keys", 404},
				{admin, "GET", base + "/staff", 200},
				{admin, "GET", base + "/keys", 200},
				{admin, "GET", "/api/v1/admin/agencies/INTA/staff", 404},
			} {
				if code, body := call(c.token, c.method, c.path, "", false); code != c.want {
					t.Errorf("%s %s: %d, want %d: %s", c.method, c.path, code, c.want, body)
				}
			}
			staffCount := func(agency string) int {
				list, _ := id.StaffList(ctx, agency)
				return len(list)
			}
			add := `{"national_code": "۰۶۸۴۱۵۹۴۱۴", "role": "agency_operator"}`
			// An admin of another agency cannot add staff to this one, nor
			// can a forged cross-site request.
			if code, _ := call(inta, "POST", base+"/staff", add, false); code != 404 || staffCount("NOCR") != 2 {
				t.Fatalf("INTA admin adding to NOCR: %d", code)
			}
			if code, _ := call(admin, "POST", base+"/staff", add, true); code != 403 || staffCount("NOCR") != 2 {
				t.Fatalf("cross-site add: %d", code)
			}
			for _, bad := range []string{`{"national_code": "0684159415", "role": "agency_operator"}`, `{"national_code": "0684159414", "role": "platform_admin"}`,
				`{"national_code": 5}`, `not json`} {
				if code, body := call(admin, "POST", base+"/staff", bad, false); code != 400 && code != 403 {
					t.Errorf("bad staff %s: %d %s", bad, code, body)
				}
			}
			if staffCount("NOCR") != 2 {
				t.Fatal("bad input stored something")
			}
			if code, body := call(admin, "POST", base+"/staff", add, false); code != 201 || !strings.Contains(body, `"role":"agency_operator"`) {
				t.Fatalf("add: %d %s", code, body)
			}
			if code, _ := call(admin, "POST", base+"/staff/remove", `{"national_code": "0684159414", "role": "agency_operator"}`, false); code != 204 || staffCount("NOCR") != 2 {
				t.Fatalf("remove: %d", code)
			}

			// Keys.
			code, body := call(admin, "POST", base+"/keys", `{"name": "سامانهٔ جمعیت"}`, false)
			var issued struct {
				Client identity.APIClient `json:"client"`
				Key    string             `json:"key"`
			}
			if code != 201 || json.Unmarshal([]byte(body), &issued) != nil || issued.Key == "" {
				t.Fatalf("issue: %d %s", code, body)
			}
			if _, body := call(admin, "GET", base+"/keys", "", false); strings.Contains(body, issued.Key) || !strings.Contains(body, issued.Client.Prefix) {
				t.Fatalf("list: %s", body)
			}
			keyPath := base + "/keys/" + itoa(issued.Client.ID)
			if code, _ := call(inta, "POST", keyPath+"/rotate", "", false); code != 404 {
				t.Fatalf("INTA admin rotating: %d", code)
			}
			if code, _ := call(admin, "POST", "/api/v1/admin/agencies/INTA/keys/"+itoa(issued.Client.ID)+"/revoke", "", false); code != 404 {
				t.Fatalf("under another agency: %d", code)
			}
			if code, _ := call(operator, "POST", keyPath+"/revoke", "", false); code != 403 {
				t.Fatalf("operator revoking: %d", code)
			}
			if code, _ := call(admin, "POST", keyPath+"/rotate", `{"overlap_hours": 721}`, false); code != 400 {
				t.Fatalf("overlap too long: %d", code)
			}
			if code, _ := call(admin, "POST", keyPath+"/rotate", `{"overlap_hours": 3}`, true); code != 403 {
				t.Fatalf("cross-site rotate: %d", code)
			}
			code, body = call(admin, "POST", keyPath+"/rotate", `{"overlap_hours": 3}`, false)
			var rotated struct {
				Client        identity.APIClient `json:"client"`
				Key           string             `json:"key"`
				OldValidUntil time.Time          `json:"old_valid_until"`
			}
			if code != 201 || json.Unmarshal([]byte(body), &rotated) != nil || !rotated.OldValidUntil.Equal(clock().Add(3*time.Hour)) {
				t.Fatalf("rotate: %d %s", code, body)
			}
			advance(3*time.Hour - time.Second)
			if _, err := id.Authenticate(ctx, issued.Key); err != nil {
				t.Fatalf("old key in the overlap: %v", err)
			}
			advance(time.Second)
			if _, err := id.Authenticate(ctx, issued.Key); err == nil {
				t.Fatal("old key after the overlap")
			}
			if _, err := id.Authenticate(ctx, rotated.Key); err != nil {
				t.Fatalf("new key: %v", err)
			}
			// The default overlap is 24 hours.
			admin = session("4188558164", "", "")
			code, body = call(admin, "POST", base+"/keys/"+itoa(rotated.Client.ID)+"/rotate", "", false)
			if code != 201 || json.Unmarshal([]byte(body), &rotated) != nil || !rotated.OldValidUntil.Equal(clock().Add(24*time.Hour)) {
				t.Fatalf("default rotation: %d %s", code, body)
			}
			evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "identity.", Agency: "NOCR"})
			var kinds []string
			for _, ev := range evs {
				kinds = append(kinds, ev.Kind)
			}
			if got := strings.Join(kinds, " "); !strings.HasSuffix(got, "identity.staff.added identity.staff.removed identity.apikey.issued identity.apikey.rotated identity.apikey.rotated") {
				t.Fatalf("events: %s", got)
			}
		})
	}
}
