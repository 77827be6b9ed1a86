package app_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestDemoActingAndAgencyAdmin assembles the demo as `panjare demo` does and
// checks, through the app's whole handler (sessions, cross-origin
// protection), that Maryam can act for a child the civil registry's family
// service named, that the header says so, and that the demo NOCR admin
// reaches the staff and keys pages while the operator does not.
func TestDemoActingAndAgencyAdmin(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			cfg := app.Defaults()
			cfg.DemoIdP, cfg.Demo = true, true
			cfg.Addr, cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "127.0.0.1:0", "", ""
			cfg.DataDir = t.TempDir()
			cfg.DB = storetest.DSN(t, d)
			cfg.Version = "test"
			ctx := context.Background()
			a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { a.Close() })
			if _, err := a.LoadDemo(ctx); err != nil {
				t.Fatal(err)
			}
			set, err := a.StartDemoExchange(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			session := func(code string) string {
				p, err := a.Identity.PersonByNationalCode(ctx, code)
				if err != nil {
					t.Fatal(err)
				}
				tok, _, err := a.Identity.StartSession(ctx, p, "test")
				if err != nil {
					t.Fatal(err)
				}
				return tok
			}
			send := func(token, method, path string, form url.Values) *httptest.ResponseRecorder {
				var req *http.Request
				if form != nil {
					req = httptest.NewRequest(method, "http://localhost"+path, strings.NewReader(form.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					req.Header.Set("Sec-Fetch-Site", "same-origin")
				} else {
					req = httptest.NewRequest(method, "http://localhost"+path, nil)
				}
				req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: token})
				rec := httptest.NewRecorder()
				a.Handler.ServeHTTP(rec, req)
				return rec
			}

			maryam := set.People.Get(backoffice.CitizenMaryam)
			tok := session(maryam.NationalCode)
			p, _ := a.Identity.PersonByNationalCode(ctx, maryam.NationalCode)
			rels, err := a.Identity.UsableRelations(ctx, p.ID)
			if err != nil || len(rels) == 0 {
				t.Fatalf("Maryam's relations: %+v, %v", rels, err)
			}
			child := set.People.Get(rels[0].Other)
			if child == nil || child.Mother != maryam.NationalCode {
				t.Fatalf("not her child: %+v", rels[0])
			}
			if rec := send(tok, "POST", "/me/acting", url.Values{"party": {strconv.FormatInt(rels[0].ID, 10)}}); rec.Code != http.StatusSeeOther {
				t.Fatalf("choose: %d %s", rec.Code, rec.Body)
			}
			if rec := send(tok, "GET", "/me", nil); !strings.Contains(rec.Body.String(), "در حال اقدام برای: "+child.FullName()) {
				t.Fatalf("the header does not name %s", child.FullName())
			}

			admin, operator := demo.NOCRStaff(set.People)
			for _, path := range []string{"/agency/staff", "/agency/keys"} {
				if rec := send(session(admin), "GET", path, nil); rec.Code != 200 {
					t.Errorf("admin %s: %d", path, rec.Code)
				}
				if rec := send(session(operator), "GET", path, nil); rec.Code != http.StatusForbidden {
					t.Errorf("operator %s: %d", path, rec.Code)
				}
			}
		})
	}
}
