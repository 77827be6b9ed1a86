package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// titleOf returns the text of the page's <title>.
func titleOf(doc *html.Node) string {
	for _, n := range tags(doc, "title") {
		return textOf(n)
	}
	return ""
}

// codesIn returns the text of every <bdi class="code"> under n.
func codesIn(n *html.Node) []string {
	var out []string
	for _, b := range all(n, func(e *html.Node) bool {
		return e.Data == "bdi" && attr(e, "class") == "code" && attr(e, "dir") == "ltr"
	}) {
		out = append(out, textOf(b))
	}
	return out
}

// TestStaffFindWayToConsole: the header of every page and the account page
// link the agency console for its staff, and for nobody else.
func TestStaffFindWayToConsole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		cs := newConsoleSite(t, s)
		for _, who := range []struct {
			name string
			p    *identity.Principal
			want bool
		}{{"officer", cs.officer, true}, {"admin", cs.admin, true}, {"citizen", caseAli, false}} {
			res := cs.as(t, who.p, "GET", "/services", nil)
			link := elemByID(res.doc, "header-console")
			if (link != nil) != who.want || (link != nil && attr(link, "href") != "/agency/console") {
				t.Errorf("%s: header console link %v, want %v", who.name, link != nil, who.want)
			}
			me := cs.as(t, who.p, "GET", "/me", nil)
			if me.status != http.StatusOK {
				t.Fatalf("%s: /me %d", who.name, me.status)
			}
			if got := elemByID(me.doc, "me-console") != nil; got != who.want {
				t.Errorf("%s: /me links the console %v, want %v", who.name, got, who.want)
			}
		}
		// The console's own pages mark the link as the current section.
		res := cs.as(t, cs.officer, "GET", "/agency/console", nil)
		if link := elemByID(res.doc, "header-console"); link == nil || attr(link, "aria-current") != "page" {
			t.Error("on the console the header link is not aria-current")
		}
	}, identity.Migrations(), catalog.Migrations(), notify.Migrations(), apply.Migrations())
}

// TestConsoleCountsComplaints: a complaint on an issued case is work for
// the agency; the console counts it and lists the case when asked.
func TestConsoleCountsComplaints(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cs := newConsoleSite(t, s)
		c := cs.submit(t, caseAli)
		for _, to := range []apply.State{apply.InReview, apply.Approved, apply.Issued} {
			if _, err := cs.ap.Transition(ctx, *cs.officer, c.Tracking, to, "", ""); err != nil {
				t.Fatalf("to %s: %v", to, err)
			}
		}
		res := cs.as(t, cs.officer, "GET", "/agency/console", nil)
		if got := count(res.doc, "complaints"); got != "۰" {
			t.Errorf("complaints before any: %q", got)
		}
		if _, err := cs.ap.Complain(ctx, *caseAli, c.Tracking, "مدرک را دریافت نکردم"); err != nil {
			t.Fatal(err)
		}
		res = cs.as(t, cs.officer, "GET", "/agency/console", nil)
		noConsoleKey(t, res)
		if got := count(res.doc, "complaints"); got != "۱" {
			t.Errorf("complaints count = %q, want ۱", got)
		}
		if got := count(res.doc, "open"); got != "۰" {
			t.Errorf("open = %q: an issued case is not open", got)
		}
		link := elemByID(res.doc, "complaints-link")
		if link == nil || attr(link, "href") != "/agency/console?complaints=1" {
			t.Fatal("no link to the cases with complaints")
		}
		res = cs.as(t, cs.officer, "GET", "/agency/console?complaints=1", nil)
		if rows := queueRows(res.doc); len(rows) != 1 || rows[0] != c.Tracking {
			t.Errorf("cases with complaints = %v, want [%s]", rows, c.Tracking)
		}
		if tags := all(res.doc, func(n *html.Node) bool { return attr(n, "data-complaints") == "1" }); len(tags) != 1 {
			t.Error("the row does not say it has a complaint to answer")
		}
		// Another agency's staff see none of it.
		res = cs.as(t, cs.outsider, "GET", "/agency/console?complaints=1", nil)
		if rows := queueRows(res.doc); len(rows) != 0 || count(res.doc, "complaints") != "۰" {
			t.Errorf("NOCR's console shows %v", rows)
		}
	}, identity.Migrations(), catalog.Migrations(), notify.Migrations(), apply.Migrations())
}

// TestClerkCasePage: the agency's case page names the form's answers by
// their labels, shows the applicant's national code and links the issued
// document; English pages name evidence in English.
func TestClerkCasePage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cs := newCaseSite(t, s)
		res := cs.submit(t, caseAli, map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی برکت", "action": "submit"}, casePNG(t))
		if res.status != http.StatusSeeOther {
			t.Fatalf("submit: %d", res.status)
		}
		loc, _ := url.Parse(res.header.Get("Location"))
		tracking := strings.TrimPrefix(loc.Path, "/me/cases/")
		page := "/agency/cases/" + tracking

		ag := cs.as(t, caseOfficer, "GET", page, nil)
		noMissingKey(t, ag)
		data := elemByID(ag.doc, "form-data")
		if data == nil {
			t.Fatal("no form data on the agency's page")
		}
		text := textOf(data)
		for _, want := range []string{"شمارهٔ همراه", "۰۹۱۲۱۲۳۴۵۶۷", "نام واحد صنفی", "نانوایی برکت"} {
			if !strings.Contains(text, want) {
				t.Errorf("form data lacks %q: %s", want, text)
			}
		}
		for _, raw := range []string{"phone", "decl_shop_name"} {
			if strings.Contains(text, raw) {
				t.Errorf("form data shows the raw key %q", raw)
			}
		}
		if code := elemByID(ag.doc, "applicant-code"); code == nil || textOf(code) != persian.Digits(caseAli.NationalCode) {
			t.Errorf("the applicant's national code is not shown")
		}
		// In English, evidence and labels are English.
		en := cs.send(t, caseOfficer, "GET", page, nil, true)
		ev := textOf(elemByID(en.doc, "evidence"))
		if !strings.Contains(ev, "Name of the shop") || !strings.Contains(ev, "Lease") || strings.Contains(ev, "اجاره‌نامه") {
			t.Errorf("English evidence names: %s", ev)
		}
		if !strings.Contains(textOf(elemByID(en.doc, "form-data")), "Mobile number") {
			t.Error("English form labels are missing")
		}

		// Paid, approved: the document is issued and linked.
		u, err := cs.ap.StartPayment(ctx, *caseAli, tracking)
		if err != nil {
			t.Fatal(err)
		}
		body, err := cs.sb.Settle(ctx, u[strings.LastIndex(u, "/")+1:], apply.PayPaid)
		if err != nil {
			t.Fatal(err)
		}
		if err := cs.ap.PaymentCallback(ctx, http.Header{apply.SandboxSignature: {cs.sb.Sign(body)}}, body); err != nil {
			t.Fatal(err)
		}
		if _, err := cs.ap.Transition(ctx, *caseOfficer, tracking, apply.InReview, "", ""); err != nil {
			t.Fatalf("to in review: %v", err)
		}
		// This site has no exchange, so the identity inquiry stays
		// pending: the agency admin approves over it, with a reason.
		if _, err := cs.ap.Override(ctx, *caseAdmin, tracking, apply.Decision{To: apply.Approved}, "ثبت احوال پاسخ نمی‌دهد؛ کارت ملی اصل دیده شد"); err != nil {
			t.Fatalf("approve over the open checks: %v", err)
		}
		c, err := cs.ap.Case(ctx, *caseOfficer, tracking)
		if err != nil || c.Document == "" {
			t.Fatalf("no document issued: %v", err)
		}
		ag = cs.as(t, caseOfficer, "GET", page, nil)
		doc := elemByID(ag.doc, "document")
		if doc == nil || !hasLink(doc, "/documents/"+c.Document) {
			t.Error("the agency's case page does not link the issued document")
		}
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

// TestTrackingCodeReadsOneWay: wherever a tracking code is shown, in a
// heading, a banner, the title, a list or the inbox, it is the same: Persian
// digits, isolated left to right, so its groups never swap.
func TestTrackingCodeReadsOneWay(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		cs := newCaseSite(t, s)
		res := cs.submit(t, caseAli, map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی", "action": "submit"}, casePNG(t))
		loc, _ := url.Parse(res.header.Get("Location"))
		tracking := strings.TrimPrefix(loc.Path, "/me/cases/")
		want := persian.Digits(tracking)

		page := cs.as(t, caseAli, "GET", loc.Path+"?new=1", nil)
		banner := elemByID(page.doc, "submitted")
		if banner == nil {
			t.Fatal("no banner after submitting")
		}
		if got := codesIn(banner); len(got) != 1 || got[0] != want {
			t.Errorf("banner codes = %q, want [%s] isolated", got, want)
		}
		if got := codesIn(elemByID(page.doc, "main")); len(got) < 2 {
			t.Errorf("the heading's code is not isolated like the banner's: %q", got)
		}
		if title := titleOf(page.doc); !strings.Contains(title, lri+want+pdi) {
			t.Errorf("title %q lacks %q isolated", title, want)
		}
		list := cs.as(t, caseAli, "GET", "/me/cases", nil)
		if got := codesIn(elemByID(list.doc, "cases")); len(got) != 1 || got[0] != want {
			t.Errorf("my cases list = %q", got)
		}
		inbox := cs.as(t, caseAli, "GET", "/me/inbox", nil)
		if inbox.status != http.StatusOK {
			t.Errorf("inbox: %d", inbox.status)
		} else {
			items := withClass(inbox.doc, "inbox__item")
			if len(items) == 0 {
				t.Fatal("no notice in the inbox")
			}
			if got := codesIn(items[0]); len(got) == 0 || got[0] != want {
				t.Errorf("inbox notice codes = %q, want %s", got, want)
			}
			if strings.Contains(textOf(items[0]), tracking) {
				t.Errorf("the inbox shows the code in Latin digits")
			}
		}
		// English keeps ASCII digits, still isolated.
		en := cs.send(t, caseAli, "GET", loc.Path+"?new=1", nil, true)
		if got := codesIn(elemByID(en.doc, "submitted")); len(got) != 1 || got[0] != tracking {
			t.Errorf("English banner codes = %q", got)
		}
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

// TestTextIn checks running text from elsewhere: codes isolated and in the
// page's digits, purposes sent as codes shown by name.
func TestTextIn(t *testing.T) {
	got := string(textIn(fa, "درخواست «پروانه» با کد رهگیری 1405-0932-8471 و شکایت C1234-5678 <b>"))
	want := `درخواست «پروانه» با کد رهگیری <bdi dir="ltr" class="code">۱۴۰۵-۰۹۳۲-۸۴۷۱</bdi> و شکایت <bdi dir="ltr" class="code">C1234-5678</bdi> &lt;b&gt;`
	if got != want {
		t.Errorf("textIn(fa) =\n%s\nwant\n%s", got, want)
	}
	if got := string(textIn(en, "tracking code ۱۴۰۵-۰۹۳۲-۸۴۷۱")); got != `tracking code <bdi dir="ltr" class="code">1405-0932-8471</bdi>` {
		t.Errorf("textIn(en) = %s", got)
	}
	if got := string(purposeIn(fa, "tax-file-review")); got != "بررسی پروندهٔ مالیاتی" {
		t.Errorf("known purpose = %q", got)
	}
	if got := string(purposeIn(en, "tax-file-review")); got != "Review of a tax file" {
		t.Errorf("known purpose in English = %q", got)
	}
	if got := string(purposeIn(fa, "grant-review")); !strings.Contains(got, `<span lang="en" dir="ltr">grant review</span>`) || strings.Contains(got, "grant-review") {
		t.Errorf("unknown purpose code = %q", got)
	}
	if got := string(purposeIn(fa, "وام مسکن ۱۲")); got != "وام مسکن ۱۲" {
		t.Errorf("free-text purpose = %q", got)
	}
}

// TestAnswerFacts flattens an identity answer as the clerk reads it:
// labelled facts, dates in Jalali, yes and no, lists numbered.
func TestAnswerFacts(t *testing.T) {
	answer := json.RawMessage(`{"national_code":"0067749828","first_name":"علی","alive":true,
		"birth_date":{"date":"1990-03-21","jalali":"1369/01/01"},"relatives":[{"relation":"father","first_name":"رضا"}],"shoe_size":42}`)
	c := apply.Case{Evidence: []apply.Evidence{{Code: "identity", NameFa: "اطلاعات هویتی", HeldBy: "NOCR", MessageID: "m-1", Answer: answer},
		{Code: "lease", NameFa: "اجاره‌نامه"}}}
	views := answerViews(fa, c, map[string]string{"identity": "Identity"}, map[string]string{"identity": "ثبت احوال"})
	if len(views) != 1 || views[0].Source != "ثبت احوال" || views[0].Receipt != "m-1" || views[0].NameEn != "Identity" {
		t.Fatalf("views = %+v", views)
	}
	rows := map[string]answerRow{}
	for _, r := range views[0].Rows {
		if _, seen := rows[r.Label]; !seen {
			rows[r.Label] = r
		}
	}
	for label, want := range map[string]string{"کد ملی": "۰۰۶۷۷۴۹۸۲۸", "نام": "علی", "در قید حیات": "بله", "تاریخ تولد": "۱۳۶۹/۰۱/۰۱", "shoe_size": "۴۲"} {
		if rows[label].Value != want {
			t.Errorf("%s = %q, want %q", label, rows[label].Value, want)
		}
	}
	if !rows["shoe_size"].Raw || rows["کد ملی"].Raw {
		t.Error("only keys without a name are marked raw")
	}
	if r := rows["مورد ۱"]; r.Depth != 1 {
		t.Errorf("the first relative is at depth %d", r.Depth)
	}
	if r := rows["نسبت"]; r.Value != "father" || r.Depth != 2 {
		t.Errorf("relation = %+v", r)
	}
}

// TestErrorPagesSayWhat: a refusal says the person may not see the page,
// not that the request was bad; a server without sign-in says so, not
// that the system failed; a form sent back with mistakes links each
// message to its field and its title begins with «خطا:».
func TestErrorPagesSayWhat(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		cs := newCaseSite(t, s)
		res := cs.as(t, caseAli, "GET", "/agency/cases", nil)
		if res.status != http.StatusForbidden {
			t.Fatalf("a citizen on the agency's cases: %d", res.status)
		}
		h1 := textOf(tags(res.doc, "h1")[0])
		if h1 != translate(fa, "error.title.403") || strings.Contains(res.body, translate(fa, "error.title.400")) {
			t.Errorf("403 heading = %q", h1)
		}
		if title := titleOf(res.doc); !strings.HasPrefix(title, translate(fa, "error.title.403")) {
			t.Errorf("403 title = %q", title)
		}

		res = cs.as(t, nil, "GET", "/signin", nil)
		if res.status != http.StatusServiceUnavailable {
			t.Fatalf("/signin without a provider: %d", res.status)
		}
		body := textOf(elemByID(res.doc, "main"))
		if strings.Contains(body, translate(fa, "error.title.500")) || strings.Contains(body, translate(fa, "error.later")) ||
			!strings.Contains(body, "ورود در این سامانه فعال نیست") {
			t.Errorf("/signin without a provider says: %s", body)
		}

		res = cs.submit(t, caseAli, map[string]string{"phone": "12", "action": "submit"}, nil)
		if res.status != http.StatusBadRequest {
			t.Fatalf("a bad form: %d", res.status)
		}
		if title := titleOf(res.doc); !strings.HasPrefix(title, "خطا: ") {
			t.Errorf("title of the form with mistakes = %q", title)
		}
		list := elemByID(res.doc, "error-list")
		if list == nil {
			t.Fatal("no error summary")
		}
		links := tags(list, "a")
		if len(links) == 0 {
			t.Fatal("the error summary links to no field")
		}
		for _, a := range links {
			id := strings.TrimPrefix(attr(a, "href"), "#")
			if f := elemByID(res.doc, id); f == nil || (f.Data != "input" && f.Data != "textarea") {
				t.Errorf("summary link %q leads to no field", attr(a, "href"))
			}
		}
		// The page that is fine has no «خطا:».
		if title := titleOf(cs.as(t, caseAli, "GET", "/apply/"+cs.service, nil).doc); strings.HasPrefix(title, "خطا") {
			t.Errorf("the plain form's title = %q", title)
		}
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

// TestHomeMostUsedNoG2G: the home page lists the most used services for
// people and businesses; one that agencies offer one another is left out,
// however large its volume, but is still found by search.
func TestHomeMostUsedNoG2G(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		st := mustSite(t, s)
		ctx := context.Background()
		d, err := st.cat.SaveDraft(ctx, identity.System, 0, catalog.Record{
			TitleFa:       "استعلام برخط هویت برای دستگاه‌ها",
			TitleEn:       "Online identity inquiry for agencies",
			DescriptionFa: "دستگاه‌های اجرایی هویت متقاضیان خود را از سامانهٔ ثبت احوال برخط استعلام می‌کنند و پاسخ را در همان لحظه می‌گیرند.",
			Agency:        "NOCR", Audience: catalog.G2G, Nature: catalog.Sovereign, Scope: catalog.ScopeNational,
			Trigger: catalog.OnRequest, Decision: catalog.DecideRules, Frequency: catalog.AsNeeded, AnnualVolume: 900_000_000, ProcessingTime: catalog.Duration{Hours: 1},
			Outputs:    []catalog.Output{{NameFa: "پاسخ استعلام", Kind: "information"}},
			LegalBasis: []catalog.LegalBasis{{TitleFa: "قانون ثبت احوال"}}, Channels: []catalog.Channel{catalog.ChannelWeb},
			Stages: catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
		})
		if err != nil {
			t.Fatal(err)
		}
		g2g, err := st.cat.Publish(ctx, identity.System, d.Key)
		if err != nil {
			t.Fatal(err)
		}
		st.web.overview.expire()
		home := getPage(t, st.handler, "/", false, http.StatusOK)
		if hasLink(home.doc, "/services/"+g2g.ID) {
			t.Error("the home page's most used lists a government-to-government service")
		}
		if !hasLink(home.doc, "/services/"+st.passport) {
			t.Error("the home page's most used lost the passport")
		}
		res := getPage(t, st.handler, "/services?q="+url.QueryEscape("استعلام هویت"), false, http.StatusOK)
		if !hasLink(res.doc, "/services/"+g2g.ID) {
			t.Error("search does not find the G2G service")
		}
	}, catalogMigrations()...)
}
