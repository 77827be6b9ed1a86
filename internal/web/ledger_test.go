package web

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// ledgerSets are the migrations of the ledger's pages: a case site's and
// the ledger's.
func ledgerSets() []store.MigrationSet {
	return []store.MigrationSet{identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(),
		notify.Migrations(), apply.Migrations(), ledger.Migrations()}
}

// ledgerMarks returns the ledger marks inside the element with id: the
// index each names, "" for "not yet sealed".
func ledgerMarks(doc *html.Node, id string) []string {
	root := elemByID(doc, id)
	if root == nil {
		return nil
	}
	var out []string
	for _, n := range withClass(root, "ledger-mark") {
		out = append(out, attr(n, "data-ledger-index"))
	}
	return out
}

// TestLedgerPages: the public page shows the latest signed checkpoint and
// the verifier key, the plain-text checkpoint is the signed note exactly,
// the look-up proves an event's inclusion against that checkpoint and
// refuses bad input with 400 (or 404 for an event not sealed), and a
// case's timeline and a document say where they are sealed once they are,
// and "not yet" before.
func TestLedgerPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var (
			lg  *ledger.Ledger
			pm  *permit.Permits
			err error
		)
		cs := newCaseSiteConf(t, s, nil, func(c *Config) {
			if lg, err = ledger.New(ctx, ledger.Config{Store: s}); err != nil {
				t.Fatal(err)
			}
			if pm, err = permit.New(ctx, s, c.Catalog, "https://panjare.example"); err != nil {
				t.Fatal(err)
			}
			c.Ledger, c.Permits = lg, pm
		})
		good := map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی سنگک", "action": "submit"}
		res := cs.submit(t, caseAli, good, casePNG(t))
		if res.status != http.StatusSeeOther {
			t.Fatalf("submit: %d", res.status)
		}
		page := strings.SplitN(res.header.Get("Location"), "?", 2)[0]
		tracking := strings.TrimPrefix(page, "/me/cases/")

		// Before the sealer has run, every step says it is not sealed yet.
		before := cs.as(t, caseAli, "GET", page, nil)
		if marks := ledgerMarks(before.doc, "timeline"); len(marks) == 0 || marks[0] != "" {
			t.Fatalf("before sealing, the timeline's marks are %q, want not yet sealed", marks)
		}
		if _, err := cs.ap.Transition(ctx, *caseOfficer, tracking, apply.InReview, "", ""); err != nil {
			t.Fatal(err)
		}
		doc, err := pm.Issue(ctx, identity.System, permit.IssueRequest{Service: cs.service, Holder: caseAli.NationalCode,
			HolderName: "زهرا کریمی", Fields: map[string]string{"نام واحد صنفی": "نانوایی سنگک"}})
		if err != nil {
			t.Fatal(err)
		}
		cp, err := lg.SealNow(ctx)
		if err != nil {
			t.Fatal(err)
		}

		// Sealed: each step names its own event's index, on the citizen's
		// page and the agency's, in both languages.
		c, err := cs.ap.Case(ctx, *caseAli, tracking)
		if err != nil || len(c.Timeline) != 2 {
			t.Fatalf("case: %d steps (%v)", len(c.Timeline), err)
		}
		var want []string
		for _, st := range c.Timeline {
			idx, ok, err := lg.IndexOf(ctx, st.Event)
			if err != nil || !ok {
				t.Fatalf("step %s (event %d) is not sealed: %v", st.Kind, st.Event, err)
			}
			want = append(want, strconv.FormatUint(idx, 10))
		}
		for _, view := range []struct {
			p    *identity.Principal
			path string
		}{{caseAli, page}, {caseOfficer, "/agency/cases/" + tracking}} {
			for _, en := range []bool{false, true} {
				got := cs.send(t, view.p, "GET", view.path, nil, en)
				if got.status != http.StatusOK {
					t.Fatalf("%s: %d", view.path, got.status)
				}
				if marks := ledgerMarks(got.doc, "timeline"); strings.Join(marks, ",") != strings.Join(want, ",") {
					t.Errorf("%s (en %v): marks %q, want %q", view.path, en, marks, want)
				}
				if !en && !strings.Contains(got.body, "ثبت در دفتر، شمارهٔ") {
					t.Errorf("%s: the Persian mark is missing", view.path)
				}
			}
		}

		// The document names its issuing event's index, on its page and
		// on the public verify page.
		issued, ok, err := pm.IssuedEvent(ctx, doc)
		if err != nil || !ok {
			t.Fatalf("issued event: %v %v", ok, err)
		}
		docIdx, ok, err := lg.IndexOf(ctx, issued)
		if err != nil || !ok {
			t.Fatalf("the document's event is not sealed: %v", err)
		}
		for _, path := range []string{"/documents/" + doc.ID, "/verify?document=" + url.QueryEscape(doc.ID)} {
			got := cs.as(t, caseAli, "GET", path, nil)
			if marks := ledgerMarks(got.doc, "document-ledger"); len(marks) != 1 || marks[0] != strconv.FormatUint(docIdx, 10) {
				t.Errorf("%s: %d, marks %q, want [%d]", path, got.status, marks, docIdx)
			}
		}

		// The checkpoint as text is the signed note, exactly, and opens
		// with the key the key endpoint serves.
		text := cs.as(t, nil, "GET", "/ledger/checkpoint", nil)
		if text.status != http.StatusOK || text.header.Get("Content-Type") != "text/plain; charset=utf-8" || text.body != string(cp.Note) {
			t.Fatalf("/ledger/checkpoint: %d %q\n%s", text.status, text.header.Get("Content-Type"), text.body)
		}
		key := cs.as(t, nil, "GET", "/ledger/key", nil)
		v, err := note.NewVerifier(strings.TrimSpace(key.body))
		if key.status != http.StatusOK || err != nil {
			t.Fatalf("/ledger/key: %d %q (%v)", key.status, key.body, err)
		}
		if _, err := ledger.ParseCheckpoint([]byte(text.body), v); err != nil {
			t.Errorf("the served checkpoint does not open with the served key: %v", err)
		}

		// The page shows the same checkpoint and key, in both languages.
		for _, en := range []bool{false, true} {
			got := cs.send(t, nil, "GET", "/ledger", nil, en)
			if got.status != http.StatusOK {
				t.Fatalf("/ledger: %d", got.status)
			}
			info := elemByID(got.doc, "ledger-checkpoint")
			if info == nil || attr(info, "data-size") != strconv.FormatUint(cp.Size, 10) ||
				attr(info, "data-root") != base64.StdEncoding.EncodeToString(cp.Root[:]) {
				t.Errorf("/ledger does not show the checkpoint of size %d", cp.Size)
			}
			if n := elemByID(got.doc, "ledger-note"); n == nil || n.FirstChild == nil || n.FirstChild.Data != string(cp.Note) {
				t.Errorf("/ledger's note differs from the checkpoint")
			}
			if n := elemByID(got.doc, "ledger-key"); n == nil || strings.TrimSpace(textOf(n)) != lg.VerifierKey() {
				t.Errorf("/ledger's key differs from the verifier key")
			}
			if !strings.Contains(got.body, "panjare ledger verify --checkpoint") {
				t.Error("/ledger does not say how to check a checkpoint")
			}
		}
		if home := cs.as(t, nil, "GET", "/services/"+cs.service, nil); !hasLink(home.doc, "/ledger") {
			t.Error("the footer does not link the ledger")
		}

		// The look-up, by index and by event id: the same proof, checked
		// against the page's checkpoint, with no personal data on it.
		stepIdx := want[len(want)-1]
		byIndex := cs.as(t, nil, "GET", "/ledger?index="+stepIdx, nil)
		byEvent := cs.as(t, nil, "GET", "/ledger?event="+strconv.FormatInt(c.Timeline[len(c.Timeline)-1].Event, 10), nil)
		for name, got := range map[string]response{"index": byIndex, "event": byEvent} {
			p := elemByID(got.doc, "proof")
			if got.status != http.StatusOK || p == nil || attr(p, "data-index") != stepIdx || attr(p, "data-verified") != "true" {
				t.Fatalf("look-up by %s: %d, proof %v", name, got.status, p != nil)
			}
			if strings.Contains(got.body, caseAli.NationalCode) {
				t.Errorf("look-up by %s shows the applicant's national code", name)
			}
		}
		if k := elemByID(byIndex.doc, "proof-kind"); k == nil || textOf(k) != c.Timeline[len(c.Timeline)-1].Kind {
			t.Error("the proof does not name the event's kind")
		}
		// Persian digits are read too.
		if got := cs.as(t, nil, "GET", "/ledger?index="+url.QueryEscape(persian.Digits(stepIdx)), nil); got.status != http.StatusOK {
			t.Errorf("index in Persian digits: %d", got.status)
		}

		// Bad input: a clear error on the page, in place.
		for _, tc := range []struct {
			q    string
			want int
		}{
			{"index=abc", http.StatusBadRequest},
			{"index=-1", http.StatusBadRequest},
			{"index=" + strconv.FormatUint(cp.Size, 10), http.StatusBadRequest},
			{"index=18446744073709551616", http.StatusBadRequest},
			{"event=0", http.StatusBadRequest},
			{"event=x", http.StatusBadRequest},
			{"event=999999999", http.StatusNotFound},
		} {
			for _, en := range []bool{false, true} {
				got := cs.send(t, nil, "GET", "/ledger?"+tc.q, nil, en)
				if got.status != tc.want || elemByID(got.doc, "ledger-error") == nil || elemByID(got.doc, "proof") != nil {
					t.Errorf("/ledger?%s (en %v): %d, want %d with the error on the page", tc.q, en, got.status, tc.want)
				}
			}
		}
	}, ledgerSets()...)
}

// TestLedgerPagesWithoutLedger: a portal built without the ledger answers
// 503 on its pages and leaves the marks out.
func TestLedgerPagesWithoutLedger(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		cs := newCaseSite(t, s)
		for _, path := range []string{"/ledger", "/ledger/checkpoint", "/ledger/key"} {
			if got := cs.as(t, nil, "GET", path, nil); got.status != http.StatusServiceUnavailable {
				t.Errorf("%s: %d, want 503", path, got.status)
			}
		}
		good := map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی سنگک", "action": "submit"}
		res := cs.submit(t, caseAli, good, casePNG(t))
		page := strings.SplitN(res.header.Get("Location"), "?", 2)[0]
		if got := cs.as(t, caseAli, "GET", page, nil); got.status != http.StatusOK || len(ledgerMarks(got.doc, "timeline")) != 0 {
			t.Errorf("without a ledger the case page has marks: %d", got.status)
		}
	}, ledgerSets()...)
}
