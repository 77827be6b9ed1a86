package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// TestApplyJourney runs the assembled demo over real HTTP on each engine: a
// citizen applies for a permit of the demo catalogue, its identity evidence
// is fetched from the demo civil registry through the gateway, the citizen
// pays in the sandbox bank, whose server-to-server callback confirms the
// payment, and an operator of the competent agency approves, which issues
// the document.
func TestApplyJourney(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			srv, set := mustServeDemo(t, d)
			ctx, a := srv.Ctx, srv.App

			svc := journeyService(t, ctx, a, set)
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

			ali := session(backoffice.CitizenAli)
			resp, body := get(ali, "/services/"+svc.ID)
			if resp.StatusCode != 200 || !strings.Contains(body, `href="/apply/`+svc.ID+`"`) {
				t.Fatalf("service page %d without the start button to the form", resp.StatusCode)
			}
			resp, body = get(ali, "/apply/"+svc.ID)
			if resp.StatusCode != 200 || !strings.Contains(body, "لازم نیست بیاورید") {
				t.Fatalf("form: %d", resp.StatusCode)
			}
			// Fill every field the form asks.
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			for _, m := range regexp.MustCompile(`name="((?:phone|decl_[a-z0-9_]+|file_[a-z0-9_]+))"`).FindAllStringSubmatch(body, -1) {
				switch name := m[1]; {
				case name == "phone":
					mw.WriteField(name, "۰۹۱۲۱۲۳۴۵۶۷")
				case strings.HasPrefix(name, "decl_"):
					mw.WriteField(name, "اعلام می‌کنم درست است")
				default:
					fw, _ := mw.CreateFormFile(name, "scan.png")
					png.Encode(fw, image.NewGray(image.Rect(0, 0, 2, 2)))
				}
			}
			mw.WriteField("action", "submit")
			mw.Close()
			req, _ := http.NewRequest("POST", srv.Base+"/apply/"+svc.ID, &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			resp, body = send(ali, req)
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("submit: %d\n%s", resp.StatusCode, body)
			}
			casePage := strings.TrimSuffix(resp.Header.Get("Location"), "?new=1")
			tracking := strings.TrimPrefix(casePage, "/me/cases/")
			if _, ok := apply.ParseTracking(tracking); !ok {
				t.Fatalf("tracking code %q", tracking)
			}
			_, body = get(ali, casePage)
			if !strings.Contains(body, `data-code="identity" data-state="fetched"`) {
				t.Errorf("identity was not fetched from the civil registry")
			}
			// The API shows the same case, and not to Maryam.
			resp, body = get(ali, "/api/v1/me/cases/"+tracking)
			var c apply.Case
			if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &c) != nil || c.State != apply.Submitted || c.Paid {
				t.Fatalf("API case: %d %s", resp.StatusCode, body)
			}
			maryam := session(backoffice.CitizenMaryam)
			if resp, _ := get(maryam, casePage); resp.StatusCode != http.StatusNotFound {
				t.Errorf("Maryam reads Ali's case: %d", resp.StatusCode)
			}
			if resp, _ := get(maryam, "/api/v1/me/cases/"+tracking); resp.StatusCode != http.StatusNotFound {
				t.Errorf("Maryam reads Ali's case through the API: %d", resp.StatusCode)
			}

			// Pay in the sandbox bank.
			resp, _ = post(ali, casePage+"/pay", url.Values{})
			bank := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(bank, srv.Base+"/sandbox/pay/") {
				t.Fatalf("pay: %d %q", resp.StatusCode, bank)
			}
			bankPath := strings.TrimPrefix(bank, srv.Base)
			payID := strings.TrimPrefix(bankPath, "/sandbox/pay/")
			// A forged callback is refused by the real endpoint.
			forged, _ := json.Marshal(apply.Callback{ID: "cb_x", Payment: payID, State: apply.PayPaid, Amount: c.FeeRials})
			req, _ = http.NewRequest("POST", srv.Base+apply.SandboxCallbackPath, bytes.NewReader(forged))
			req.Header.Set(apply.SandboxSignature, strings.Repeat("ab", 32))
			if resp, _ := send("", req); resp.StatusCode != http.StatusForbidden {
				t.Errorf("forged callback: %d", resp.StatusCode)
			}
			// The browser comes back without paying: still unpaid.
			if _, body := get(ali, casePage+"/payment?id="+payID); !strings.Contains(body, `data-state="pending"`) {
				t.Error("the return page says paid before the bank did")
			}
			if resp, body := get("", bankPath); resp.StatusCode != 200 || !strings.Contains(body, `id="pay"`) {
				t.Fatalf("bank page: %d", resp.StatusCode)
			}
			resp, _ = post("", bankPath, url.Values{"action": {"pay"}})
			if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/me/cases/"+tracking+"/payment?id="+payID) {
				t.Fatalf("bank: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			if _, body := get(ali, casePage+"/payment?id="+payID); !strings.Contains(body, `data-state="paid"`) {
				t.Error("the bank's callback did not confirm the payment")
			}

			// An operator of the competent agency decides.
			const officerCode = "0013542419"
			officerP, err := a.Identity.EnsurePerson(ctx, officerCode, "کارشناس آزمون")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Identity.AddStaff(ctx, identity.System, officerCode, svc.Record.Agency, identity.RoleOperator); err != nil {
				t.Fatal(err)
			}
			officer, _, err := a.Identity.StartSession(ctx, officerP, "test")
			if err != nil {
				t.Fatal(err)
			}
			if _, body := get(officer, "/agency/cases"); !strings.Contains(body, `href="/agency/cases/`+tracking+`"`) {
				t.Fatal("the case is not in the agency's queue")
			}
			for _, to := range []string{"in_review", "approved"} {
				if resp, body := post(officer, "/agency/cases/"+tracking+"/decide", url.Values{"to": {to}}); resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("%s: %d\n%s", to, resp.StatusCode, body)
				}
			}
			resp, body = get(ali, "/api/v1/me/cases/"+tracking)
			if json.Unmarshal([]byte(body), &c) != nil || c.State != apply.Issued || c.Document == "" {
				t.Fatalf("after approval: %s", body)
			}
		})
	}
}

// journeyService picks a published permit of the demo catalogue that issues
// a document for a fee, can be requested online, and whose once-only
// evidence the demo back offices all hold.
func journeyService(t *testing.T, ctx context.Context, a *app.App, set *backoffice.Set) catalog.Service {
	t.Helper()
	served := map[string]bool{}
	for _, o := range set.Offices {
		for _, s := range o.Services {
			served[o.Member+"/"+s.Code] = true
		}
	}
	all, err := a.Catalog.Published(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range all {
		rec := svc.Record
		if !rec.IsPermit() || !rec.Stages.Request || rec.CostRials == 0 {
			continue
		}
		// The journeys approve straight from the console: a service that
		// needs a visit, papers seen in person, or a fact only the clerk
		// can type is walked by TestEveryDemoServiceFinishes instead.
		doc, ok, identityEv := false, rec.Visits == 0, false
		for _, o := range rec.Outputs {
			doc = doc || o.Kind == "document"
			for _, f := range o.Certifies {
				ok = ok && (f.From != catalog.FactFromDecision || f.DefaultFa != "")
			}
		}
		for _, rq := range rec.Requirements {
			for _, ev := range rq.Evidence {
				ok = ok && ev.Source != catalog.FromPaper
				if ev.Source == catalog.FromInquiry {
					ok = ok && served[ev.Inquiry]
					identityEv = identityEv || (ev.Code == "identity" && ev.Inquiry == "NOCR/person-identity")
				}
			}
		}
		if doc && ok && identityEv {
			return svc
		}
	}
	t.Fatal("the demo catalogue has no permit for this journey")
	return catalog.Service{}
}
