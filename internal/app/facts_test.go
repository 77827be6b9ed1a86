package app_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// TestDemoCertificateStatesTheStatus runs the demo's single-status
// certificate end to end: Ali applies and pays, the civil registry answers
// his marital status through the exchange, the registry's operator sees
// it proposed in the approval form and approves, and the document Ali
// holds states the status; the public verify page shows it too.
func TestDemoCertificateStatesTheStatus(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			srv, _ := mustServeDemo(t, d)
			ctx, a := srv.Ctx, srv.App
			var svc catalog.Service
			all, err := a.Catalog.Published(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range all {
				if s.Record.TitleEn == "Certificate of single status" {
					svc = s
				}
			}
			if svc.ID == "" {
				t.Fatal("the demo has no single-status certificate")
			}
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
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			send := func(token string, req *http.Request) (*http.Response, string) {
				t.Helper()
				if token != "" {
					req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: token})
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp, string(b)
			}
			get := func(token, path string) (*http.Response, string) {
				req, _ := http.NewRequest("GET", srv.Base+path, nil)
				return send(token, req)
			}
			post := func(token, path string, form url.Values) (*http.Response, string) {
				req, _ := http.NewRequest("POST", srv.Base+path, strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				return send(token, req)
			}

			// Ali applies (the form asks only for a phone: the registry
			// holds the rest) and pays in the sandbox bank.
			ali := session(backoffice.CitizenAli)
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("phone", "09121234567")
			mw.WriteField("action", "submit")
			mw.Close()
			req, _ := http.NewRequest("POST", srv.Base+"/apply/"+svc.ID, &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, body := send(ali, req)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("submit: %d\n%s", resp.StatusCode, body)
			}
			casePage := strings.TrimSuffix(resp.Header.Get("Location"), "?new=1")
			tracking := strings.TrimPrefix(casePage, "/me/cases/")
			resp, _ = post(ali, casePage+"/pay", url.Values{})
			bankPath := strings.TrimPrefix(resp.Header.Get("Location"), srv.Base)
			if resp, _ := post("", bankPath, url.Values{"action": {"pay"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("bank: %d", resp.StatusCode)
			}

			// The registry's operator is shown the status the registry
			// answered, and approves it as it stands.
			const officerCode = "0013542419"
			if _, err := a.Identity.EnsurePerson(ctx, officerCode, "کارشناس ثبت احوال"); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Identity.AddStaff(ctx, identity.System, officerCode, "NOCR", identity.RoleOperator); err != nil {
				t.Fatal(err)
			}
			officer := session(officerCode)
			if resp, body := post(officer, "/agency/cases/"+tracking+"/decide", url.Values{"to": {"in_review"}}); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("in review: %d\n%s", resp.StatusCode, body)
			}
			_, page := get(officer, "/agency/cases/"+tracking)
			m := regexp.MustCompile(`id="fact-marital_status" name="fact_marital_status" value="([^"]*)"`).FindStringSubmatch(page)
			if m == nil || m[1] == "" {
				t.Fatalf("the approval form does not propose the marital status:\n%s", page)
			}
			status := m[1]
			form := url.Values{"to": {"approved"}}
			for _, f := range regexp.MustCompile(`name="(fact_[a-z_]+)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
				form.Set(f[1], f[2])
			}
			if resp, body := post(officer, "/agency/cases/"+tracking+"/decide", form); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("approve: %d\n%s", resp.StatusCode, body)
			}

			// Ali's document, and anyone verifying it, read the status.
			var docID string
			if err := a.Store.Read().QueryRow(`SELECT id FROM permit_documents WHERE case_ref = $1`, tracking).Scan(&docID); err != nil {
				t.Fatalf("no document: %v", err)
			}
			doc, err := a.Permits.Document(ctx, docID)
			if err != nil {
				t.Fatal(err)
			}
			if len(doc.Facts) != 2 || doc.Facts[0].Code != "marital_status" || doc.Facts[0].Value != status || doc.Facts[1].Value != "ندارد" {
				t.Fatalf("the certificate states %+v, want the status %q", doc.Facts, status)
			}
			for name, r := range map[string]string{"the holder's page": "/documents/" + doc.ID, "the verify page": "/verify?document=" + doc.ID} {
				token := ali
				if strings.HasPrefix(r, "/verify") {
					token = ""
				}
				if _, body := get(token, r); !strings.Contains(body, "وضعیت تأهل") || !strings.Contains(body, status) {
					t.Errorf("%s does not state the marital status", name)
				}
			}
		})
	}
}
