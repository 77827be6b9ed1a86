package app_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// ledgerClient sends requests to a served process with a session.
type ledgerClient struct {
	t   *testing.T
	srv *served
	c   *http.Client
}

func newLedgerClient(t *testing.T, srv *served) *ledgerClient {
	return &ledgerClient{t: t, srv: srv, c: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// session starts a session of the person with the national code.
func (lc *ledgerClient) session(code string) string {
	lc.t.Helper()
	a := lc.srv.App
	p, err := a.Identity.EnsurePerson(lc.srv.Ctx, code, "")
	if err != nil {
		lc.t.Fatal(err)
	}
	tok, _, err := a.Identity.StartSession(lc.srv.Ctx, p, "test")
	if err != nil {
		lc.t.Fatal(err)
	}
	return tok
}

func (lc *ledgerClient) do(token, method, path string, body io.Reader, ctype string) (*http.Response, string) {
	lc.t.Helper()
	req, _ := http.NewRequest(method, lc.srv.Base+path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: token})
	}
	resp, err := lc.c.Do(req)
	if err != nil {
		lc.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// applyFor has the citizen whose session is token submit the service's
// form through the portal, and returns the tracking code.
func (lc *ledgerClient) applyFor(token, service string) string {
	lc.t.Helper()
	_, form := lc.do(token, "GET", "/apply/"+service, nil, "")
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, m := range regexp.MustCompile(`name="((?:phone|decl_[a-z0-9_]+|file_[a-z0-9_]+))"`).FindAllStringSubmatch(form, -1) {
		switch name := m[1]; {
		case name == "phone":
			mw.WriteField(name, "09121234567")
		case strings.HasPrefix(name, "decl_"):
			mw.WriteField(name, "اعلام می‌کنم درست است")
		default:
			fw, _ := mw.CreateFormFile(name, "scan.png")
			png.Encode(fw, image.NewGray(image.Rect(0, 0, 2, 2)))
		}
	}
	mw.WriteField("action", "submit")
	mw.Close()
	resp, body := lc.do(token, "POST", "/apply/"+service, &buf, mw.FormDataContentType())
	if resp.StatusCode != http.StatusSeeOther {
		lc.t.Fatalf("submit: %d\n%s", resp.StatusCode, body)
	}
	return strings.TrimPrefix(strings.TrimSuffix(resp.Header.Get("Location"), "?new=1"), "/me/cases/")
}

// waitSealed waits, at most five seconds, until the process's own sealer
// has sealed every event written so far, and returns the last one's id.
func waitSealed(t *testing.T, srv *served) int64 {
	t.Helper()
	last, err := srv.App.Store.LastEventID(srv.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		through, err := srv.App.Ledger.SealedThrough(srv.Ctx)
		if err != nil {
			t.Fatal(err)
		}
		if through >= last {
			return last
		}
		if time.Now().After(deadline) {
			t.Fatalf("events through %d are not sealed after 5 s: sealed through %d", last, through)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// marks returns the ledger indexes the page's marks name, "" for a mark
// that says "not yet sealed"; within the element with the given id when
// it is not "".
func marks(body, id string) []string {
	if id != "" {
		_, after, _ := strings.Cut(body, `id="`+id+`"`)
		tag := map[string]string{"timeline": "</ol>", "evidence": "</table>", "document-ledger": "</div>"}[id]
		body, _, _ = strings.Cut(after, tag)
	}
	var out []string
	for _, m := range regexp.MustCompile(`class="tag tag--(?:green|grey) ledger-mark" data-ledger-index="([0-9]*)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestLedgerMarks runs the assembled demo on each engine: once the
// running sealer has caught up, a citizen's case (page and JSON), the
// data tracker (page and JSON) and the verification of the issued
// document each name the ledger index of their own events.
func TestLedgerMarks(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			srv, set := mustServeDemo(t, d)
			ctx, a := srv.Ctx, srv.App
			lc := newLedgerClient(t, srv)
			svc := journeyService(t, ctx, a, set)
			ali := lc.session(backoffice.CitizenAli)
			tracking := lc.applyFor(ali, svc.ID)

			// Pay in the sandbox bank, and the agency approves: the
			// document is issued.
			resp, _ := lc.do(ali, "POST", "/me/cases/"+tracking+"/pay", strings.NewReader(""), "application/x-www-form-urlencoded")
			bank := strings.TrimPrefix(resp.Header.Get("Location"), srv.Base)
			if resp, _ := lc.do("", "POST", bank, strings.NewReader(url.Values{"action": {"pay"}}.Encode()), "application/x-www-form-urlencoded"); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("bank: %d", resp.StatusCode)
			}
			const officerCode = "0013542419"
			if _, err := a.Identity.AddStaff(ctx, identity.System, officerCode, svc.Record.Agency, identity.RoleOperator); err != nil {
				t.Fatal(err)
			}
			officer, err := a.Identity.EnsurePerson(ctx, officerCode, "")
			if err != nil {
				t.Fatal(err)
			}
			op, err := a.Identity.PrincipalOf(ctx, officer)
			if err != nil {
				t.Fatal(err)
			}
			for _, to := range []apply.State{apply.InReview, apply.Approved} {
				if _, err := a.Apply.Transition(ctx, op, tracking, to, "", ""); err != nil {
					t.Fatalf("%s: %v", to, err)
				}
			}
			waitSealed(t, srv)

			// The case as JSON: every step has its event's index.
			resp, body := lc.do(ali, "GET", "/api/v1/me/cases/"+tracking, nil, "")
			var c apply.Case
			if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &c) != nil || len(c.Timeline) < 3 || c.Document == "" {
				t.Fatalf("case: %d %s", resp.StatusCode, body)
			}
			var want []string
			for _, st := range c.Timeline {
				idx, ok, err := a.Ledger.IndexOf(ctx, st.Event)
				if err != nil || !ok || st.LedgerIndex == nil || *st.LedgerIndex != idx {
					t.Fatalf("step %s (event %d): ledger_index %v, sealed at %d %v (%v)", st.Kind, st.Event, st.LedgerIndex, idx, ok, err)
				}
				want = append(want, strconv.FormatUint(idx, 10))
			}
			// The citizen's page and the agency's show the same indexes.
			officerTok := lc.session(officerCode)
			for _, view := range []struct{ token, path string }{{ali, "/me/cases/" + tracking}, {officerTok, "/agency/cases/" + tracking}} {
				resp, body := lc.do(view.token, "GET", view.path, nil, "")
				if got := marks(body, "timeline"); resp.StatusCode != http.StatusOK || strings.Join(got, ",") != strings.Join(want, ",") {
					t.Errorf("%s: %d, marks %q, want %q", view.path, resp.StatusCode, got, want)
				}
				// Each evidence's exchange receipt names its inquiry's
				// index too.
				var receipts []string
				for _, ev := range c.Evidence {
					if ev.MessageID != "" {
						receipts = append(receipts, ev.MessageID)
					}
				}
				events, err := a.Gateway.InquiryEvents(ctx, backoffice.CitizenAli, receipts)
				if err != nil || len(receipts) == 0 || len(events) != len(receipts) {
					t.Fatalf("receipts %q: events %v (%v)", receipts, events, err)
				}
				var wantReceipts []string
				for _, ev := range c.Evidence {
					if ev.MessageID != "" {
						idx, _, _ := a.Ledger.IndexOf(ctx, events[ev.MessageID])
						wantReceipts = append(wantReceipts, strconv.FormatUint(idx, 10))
					}
				}
				if got := marks(body, "evidence"); strings.Join(got, ",") != strings.Join(wantReceipts, ",") {
					t.Errorf("%s: receipt marks %q, want %q", view.path, got, wantReceipts)
				}
				var gotJSON []string
				for _, ev := range c.Evidence {
					if ev.LedgerIndex != nil {
						gotJSON = append(gotJSON, strconv.FormatUint(*ev.LedgerIndex, 10))
					}
				}
				if strings.Join(gotJSON, ",") != strings.Join(wantReceipts, ",") {
					t.Errorf("the case's JSON names the receipts' indexes %q, want %q", gotJSON, wantReceipts)
				}
			}

			// The agency's back office reads the same indexes through the
			// API with its key.
			_, key, err := a.Identity.IssueKey(ctx, identity.System, svc.Record.Agency, "ledger test")
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("GET", srv.Base+"/api/v1/agency/cases/"+tracking, nil)
			req.Header.Set("Authorization", "Bearer "+key)
			kresp, err := lc.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var ac apply.Case
			err = json.NewDecoder(kresp.Body).Decode(&ac)
			kresp.Body.Close()
			var gotAgency []string
			for _, st := range ac.Timeline {
				if st.LedgerIndex != nil {
					gotAgency = append(gotAgency, strconv.FormatUint(*st.LedgerIndex, 10))
				}
			}
			if kresp.StatusCode != http.StatusOK || err != nil || strings.Join(gotAgency, ",") != strings.Join(want, ",") {
				t.Errorf("the agency's API: %d, indexes %q, want %q (%v)", kresp.StatusCode, gotAgency, want, err)
			}

			// The data tracker: each inquiry names its exchange.inquiry
			// event's index.
			resp, body = lc.do(ali, "GET", "/api/v1/me/inquiries", nil, "")
			var inq struct {
				Items []struct {
					MessageID   string  `json:"message_id"`
					LedgerIndex *uint64 `json:"ledger_index"`
				}
			}
			if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &inq) != nil || len(inq.Items) == 0 {
				t.Fatalf("inquiries: %d %s", resp.StatusCode, body)
			}
			var ids []string
			for _, it := range inq.Items {
				ids = append(ids, it.MessageID)
			}
			events, err := a.Gateway.InquiryEvents(ctx, backoffice.CitizenAli, ids)
			if err != nil {
				t.Fatal(err)
			}
			var trackerWant []string
			for _, it := range inq.Items {
				id, ok := events[it.MessageID]
				if !ok {
					t.Fatalf("no exchange.inquiry event for message %s", it.MessageID)
				}
				if it.LedgerIndex == nil {
					t.Fatalf("inquiry %s has no ledger_index", it.MessageID)
				}
				entries, err := a.Ledger.Entries(ctx, *it.LedgerIndex, *it.LedgerIndex+1)
				if err != nil || len(entries) != 1 || entries[0].EventID != id || entries[0].Event.Kind != "exchange.inquiry" {
					t.Errorf("inquiry %s: ledger_index %v does not seal event %d (%v)", it.MessageID, it.LedgerIndex, id, err)
				}
				trackerWant = append(trackerWant, strconv.FormatUint(*it.LedgerIndex, 10))
			}
			_, body = lc.do(ali, "GET", "/me/data", nil, "")
			if got := marks(body, ""); strings.Join(got, ",") != strings.Join(trackerWant, ",") {
				t.Errorf("/me/data marks %q, want %q", got, trackerWant)
			}

			// The issued document, verified by anyone, names its issuing
			// event's index.
			doc, err := a.Permits.Document(ctx, c.Document)
			if err != nil {
				t.Fatal(err)
			}
			issued, ok, err := a.Permits.IssuedEvent(ctx, doc)
			if err != nil || !ok {
				t.Fatalf("issued event: %v %v", ok, err)
			}
			docIdx, ok, err := a.Ledger.IndexOf(ctx, issued)
			if err != nil || !ok {
				t.Fatalf("the document's event is not sealed: %v", err)
			}
			resp, body = lc.do("", "POST", "/api/v1/verify", strings.NewReader(`{"document":"`+c.Document+`"}`), "application/json")
			var ver struct {
				Status      string
				LedgerIndex *uint64 `json:"ledger_index"`
			}
			if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &ver) != nil || ver.LedgerIndex == nil || *ver.LedgerIndex != docIdx {
				t.Errorf("verify: %d %s, want ledger_index %d", resp.StatusCode, body, docIdx)
			}
			_, body = lc.do("", "GET", "/verify?document="+url.QueryEscape(c.Document), nil, "")
			if got := marks(body, "document-ledger"); len(got) != 1 || got[0] != strconv.FormatUint(docIdx, 10) {
				t.Errorf("/verify marks %q, want [%d]", got, docIdx)
			}
		})
	}
}

// TestBrowserLedger: in Chromium, a citizen signs in, opens their case and
// sees each step marked as sealed in the ledger once the running sealer
// has caught up (within a second or so), follows a mark to /ledger, and
// sees the inclusion proof checked against the signed checkpoint shown
// there.
func TestBrowserLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s is missing", chromiumPath)
	}
	srv, set := mustServeDemo(t, store.SQLite)
	lc := newLedgerClient(t, srv)
	svc := journeyService(t, srv.Ctx, srv.App, set)
	code := backoffice.CitizenAli
	tracking := lc.applyFor(lc.session(code), svc.ID)

	ctx := mustChromium(t, 1280, 900, 90*time.Second)
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	step("case, signing in", chromedp.Navigate(srv.Base+"/me/cases/"+tracking), chromedp.WaitVisible(chromedp.CSS("#national_code")),
		chromedp.SendKeys(chromedp.CSS("#national_code"), code),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#otp-shown")))
	otp, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#otp-shown")))
	if err != nil {
		t.Fatal(err)
	}
	step("one-time code", chromedp.SendKeys(chromedp.CSS("#otp"), persian.ASCIIDigits(strings.TrimSpace(otp))),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#timeline")))
	// The sealer runs beside the portal; the page shows the mark once it
	// has passed the case's events.
	waitSealed(t, srv)
	step("sealed", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#timeline a.ledger-mark")), chromedp.ScrollIntoView(chromedp.CSS("#timeline")))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#timeline a.ledger-mark")))
	if err != nil || !strings.Contains(text, "ثبت در دفتر، شمارهٔ") {
		t.Errorf("the mark reads %q (%v)", text, err)
	}
	idx, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#timeline a.ledger-mark").dataset.ledgerIndex`))
	if err != nil || idx == "" {
		t.Fatalf("mark index %q (%v)", idx, err)
	}
	shootApp(t, ctx, "ledger-case.png")

	step("to the ledger", chromedp.Click(chromedp.CSS("#timeline a.ledger-mark")), chromedp.WaitVisible(chromedp.CSS("#proof")))
	verified, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#proof").dataset.index + " " + document.querySelector("#proof").dataset.verified`))
	if err != nil || verified != idx+" true" {
		t.Errorf("proof: %q, want %q (%v)", verified, idx+" true", err)
	}
	shootApp(t, ctx, "ledger-proof.png")
	step("the checkpoint", chromedp.ScrollIntoView(chromedp.CSS("#checkpoint")))
	size, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#ledger-size")))
	if err != nil || strings.TrimSpace(size) == "" {
		t.Errorf("tree size %q (%v)", size, err)
	}
	shootApp(t, ctx, "ledger.png")

	// On a phone, the ledger's page (with a proof), the case and the data
	// tracker with their marks fit the width, and axe-core, when `make
	// assets` has installed it, finds no serious or critical violation.
	axe, axeErr := os.ReadFile(axePath)
	step("phone", chromedp.EmulateViewport(phoneWidth, 844))
	for _, path := range []string{"/ledger?index=" + idx, "/ledger?index=x", "/me/cases/" + tracking, "/me/data", "/ledger?lang=en", "/ledger?index=" + idx} {
		step(path, chromedp.Navigate(srv.Base+path), chromedp.WaitReady(chromedp.CSS("body")))
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.scrollWidth > innerWidth ? Array.from(document.querySelectorAll("body *")).filter(e => !e.parentElement.closest(".table-wrap") && e.getBoundingClientRect().right > innerWidth + 1).slice(0, 3).map(e => e.tagName + "#" + e.id + "." + e.className).join(", ") || "wide" : ""`))
		if err != nil || wide != "" {
			t.Errorf("%s scrolls sideways at %d px: %s (%v)", path, phoneWidth, wide, err)
		}
		if axeErr != nil {
			continue
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
			t.Fatalf("loading axe-core: %v", err)
		}
		out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations
			.filter(v => v.impact === "serious" || v.impact === "critical").map(v => v.id + ": " + v.help + " at " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join("; "))))`, chromedp.EvalAwaitPromise))
		if err != nil || out != "[]" {
			t.Errorf("%s: axe %s (%v)", path, out, err)
		}
	}
	if axeErr != nil {
		t.Logf("axe-core is not installed at %s (make assets): only the width was checked", axePath)
	}
	shootApp(t, ctx, "ledger-phone.png")
}
