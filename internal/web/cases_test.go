package web

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/html"
)

// caseSite is the portal with applications: one permit service of MIMT
// with a fee, a declaration, an upload and identity fetched from NOCR.
type caseSite struct {
	xsite
	s       *store.Store
	service string
	ap      *apply.Applications
	sb      *apply.Sandbox
}

var (
	caseAli     = person(1, "0067749828")
	caseMaryam  = person(2, "0499370899")
	caseOfficer = &identity.Principal{Kind: "user", ID: 3, Name: "کارشناس", Agency: "MIMT", Roles: []identity.Role{identity.RoleOperator}}
	caseOther   = &identity.Principal{Kind: "user", ID: 4, Name: "کارشناس", Agency: "NOCR", Roles: []identity.Role{identity.RoleOperator}}
)

func newCaseSite(t *testing.T, s *store.Store) *caseSite {
	t.Helper()
	return newCaseSiteWith(t, s, nil)
}

// newCaseSiteWith is newCaseSite with the service's record changed by
// adjust before it is published.
func newCaseSiteWith(t *testing.T, s *store.Store, adjust func(*catalog.Record)) *caseSite {
	t.Helper()
	return newCaseSiteConf(t, s, adjust, nil)
}

// newCaseSiteConf is newCaseSiteWith with the portal's configuration
// changed by conf, when set, before the portal is built.
func newCaseSiteConf(t *testing.T, s *store.Store, adjust func(*catalog.Record), conf func(*Config)) *caseSite {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []catalog.Agency{
		{Code: "MIMT", NameFa: "وزارت صنعت، معدن و تجارت", NameEn: "Ministry of Industry, Mine and Trade", Domain: catalog.DomainIndustry, Connected: true},
		{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration", Domain: catalog.DomainCivil, Connected: true},
	} {
		if err := cat.PutAgency(ctx, identity.System, a); err != nil {
			t.Fatal(err)
		}
	}
	rec := catalog.Record{
		TitleFa: "پروانهٔ کسب", TitleEn: "Business licence",
		DescriptionFa: "متقاضی درخواست را برخط ثبت می‌کند و دستگاه پس از بررسی مدارک و استعلام‌ها نتیجه را به‌صورت الکترونیکی اعلام می‌کند.",
		Agency:        "MIMT", Audience: catalog.G2C, Nature: catalog.Sovereign, Scope: catalog.ScopeNational, Trigger: catalog.OnRequest,
		Decision: catalog.DecideManual, Frequency: catalog.AsNeeded,
		LegalBasis: []catalog.LegalBasis{{TitleFa: "قانون نظام صنفی", Article: "ماده ۱۲"}}, Channels: []catalog.Channel{catalog.ChannelWeb},
		Stages: catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
		Requirements: []catalog.Requirement{
			{Code: "identity", NameFa: "هویت", Evidence: []catalog.Evidence{{Code: "identity", NameFa: "اطلاعات هویتی", Source: catalog.FromInquiry, HeldBy: "NOCR", Inquiry: "NOCR/person-identity"}}},
			{Code: "shop", NameFa: "محل کسب", Evidence: []catalog.Evidence{
				{Code: "shop_name", NameFa: "نام واحد صنفی", NameEn: "Name of the shop", Source: catalog.FromDeclaration},
				{Code: "lease", NameFa: "اجاره‌نامه", NameEn: "Lease", Source: catalog.FromUpload}}},
		},
		Outputs:        []catalog.Output{{NameFa: "پروانهٔ کسب", Kind: "document"}},
		Permit:         &catalog.Permit{ValidityDays: 365, RefusalGrounds: []catalog.RefusalGround{{Code: "zoning", TextFa: "محل کسب در طرح تفصیلی مجاز نیست", TextEn: "Not zoned"}}},
		CostRials:      1_500_000,
		ProcessingTime: catalog.Duration{Days: 5},
	}
	if adjust != nil {
		adjust(&rec)
	}
	d, err := cat.SaveDraft(ctx, identity.System, 0, rec)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := cat.Publish(ctx, identity.System, d.Key)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := permit.New(ctx, s, cat, "https://panjare.example")
	if err != nil {
		t.Fatal(err)
	}
	sb, err := apply.NewSandbox(s, "https://panjare.example", bytes.Repeat([]byte("s"), 32))
	if err != nil {
		t.Fatal(err)
	}
	nt := notify.New(s, nil, nil)
	ap, err := apply.New(apply.Config{Store: s, Catalog: cat, Permits: pm, Notifier: nt, Payments: sb, BaseURL: "https://panjare.example"})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := Config{Catalog: cat, Log: log, Version: "test", Apply: ap, Notifier: nt}
	if conf != nil {
		conf(&cfg)
	}
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	w.Register(mux)
	cs := &caseSite{s: s, service: svc.ID, ap: ap, sb: sb}
	cs.handler = httpx.Observe(httpx.SecureHeaders(http.NewCrossOriginProtection().Handler(mux)), httpx.NewMetrics(prometheus.NewRegistry()), log)
	return cs
}

func casePNG(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 3))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// submit posts the application form as multipart, as a browser does.
func (cs *caseSite) submit(t *testing.T, p *identity.Principal, fields map[string]string, file []byte) response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if file != nil {
		fw, _ := mw.CreateFormFile("file_lease", "lease.pdf")
		fw.Write(file)
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/apply/"+cs.service, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req = req.WithContext(identity.WithPrincipal(req.Context(), *p))
	rec := httptest.NewRecorder()
	cs.handler.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	if strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		res.doc, _ = html.Parse(strings.NewReader(res.body))
		if res.status != http.StatusSeeOther {
			checkPage(t, "/apply", res.doc, "fa", "rtl")
		}
	}
	return res
}

func (cs *caseSite) cases(t *testing.T) int {
	t.Helper()
	var n int
	if err := cs.s.Read().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM apply_cases`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func noMissingKey(t *testing.T, res response) {
	t.Helper()
	for _, p := range []string{"[apply.", "[case.", "[cases.", "[payment.", "[agencycases.", "[complaint."} {
		if strings.Contains(res.body, p) {
			t.Errorf("a translation is missing: %s…", p)
		}
	}
}

func TestApplicationPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		cs := newCaseSite(t, s)
		// The service page starts the application here.
		svc := cs.as(t, nil, "GET", "/services/"+cs.service, nil)
		if svc.status != 200 || !hasLink(svc.doc, "/apply/"+cs.service) {
			t.Fatalf("service page %d without a link to the form", svc.status)
		}
		// Visitors are sent to sign in.
		if res := cs.as(t, nil, "GET", "/apply/"+cs.service, nil); res.status != http.StatusSeeOther {
			t.Errorf("visitor: %d", res.status)
		}
		for _, en := range []bool{false, true} {
			form := cs.send(t, caseAli, "GET", "/apply/"+cs.service, nil, en)
			noMissingKey(t, form)
			if form.status != 200 {
				t.Fatalf("form: %d", form.status)
			}
		}
		form := cs.as(t, caseAli, "GET", "/apply/"+cs.service, nil)
		if !strings.Contains(form.body, "این مدرک را لازم نیست بیاورید؛ از سازمان ثبت احوال کشور استعلام می‌شود") {
			t.Error("the form does not say the civil registry provides the identity evidence")
		}
		for _, id := range []string{"phone", "decl_shop_name", "file_lease"} {
			if len(all(form.doc, func(n *html.Node) bool { return attr(n, "id") == id })) != 1 {
				t.Errorf("no field %s", id)
			}
		}
		// +98 912 123 4567 and 0098 912 123 4567 can be typed; the server
		// normalises them to 11 digits.
		if phone := all(form.doc, func(n *html.Node) bool { return attr(n, "id") == "phone" }); len(phone) == 1 {
			if m, _ := strconv.Atoi(attr(phone[0], "maxlength")); m < len("0098 912 123 4567") {
				t.Errorf("the phone field's maxlength %q is too short for +98 and 0098 forms", attr(phone[0], "maxlength"))
			}
		}

		// Wrong data: 400, a Persian message by each field, what was typed kept, nothing stored.
		bad := cs.submit(t, caseAli, map[string]string{"phone": "۱۲۳", "decl_shop_name": "نانوایی سنگک", "action": "submit"}, nil)
		if bad.status != http.StatusBadRequest {
			t.Fatalf("bad form: %d", bad.status)
		}
		for _, want := range []string{"شمارهٔ همراه باید ۱۱ رقم باشد", "«اجاره‌نامه» را بارگذاری کنید", ">نانوایی سنگک</textarea>"} {
			if !strings.Contains(bad.body, want) {
				t.Errorf("the refused form lacks %q", want)
			}
		}
		good := map[string]string{"phone": "۰۹۱۲۱۲۳۴۵۶۷", "decl_shop_name": "نانوایی سنگک", "action": "submit"}
		if res := cs.submit(t, caseAli, good, append(casePNG(t), make([]byte, apply.MaxUpload)...)); res.status != http.StatusRequestEntityTooLarge {
			t.Errorf("too large: %d", res.status)
		}
		if res := cs.submit(t, caseAli, good, []byte("%!PS-Adobe-3.0 not a pdf")); res.status != http.StatusBadRequest ||
			!strings.Contains(res.body, "PDF، JPEG یا PNG") {
			t.Errorf("wrong type: %d", res.status)
		}
		if n := cs.cases(t); n != 0 {
			t.Fatalf("%d cases stored from refused forms", n)
		}
		// A draft is kept and shown again.
		if res := cs.submit(t, caseAli, map[string]string{"decl_shop_name": "قنادی", "action": "draft"}, nil); res.status != http.StatusSeeOther {
			t.Errorf("draft: %d", res.status)
		}
		if res := cs.as(t, caseAli, "GET", "/apply/"+cs.service+"?saved=1", nil); !strings.Contains(res.body, ">قنادی</textarea>") {
			t.Error("the draft is not in the form")
		}

		// Submitted.
		res := cs.submit(t, caseAli, good, casePNG(t))
		if res.status != http.StatusSeeOther || !strings.HasPrefix(res.header.Get("Location"), "/me/cases/") {
			t.Fatalf("submit: %d %s", res.status, res.body)
		}
		loc, _ := url.Parse(res.header.Get("Location"))
		page := loc.Path
		tracking := strings.TrimPrefix(page, "/me/cases/")
		for _, en := range []bool{false, true} {
			mine := cs.send(t, caseAli, "GET", page+"?new=1", nil, en)
			noMissingKey(t, mine)
			if mine.status != 200 {
				t.Fatalf("case page: %d", mine.status)
			}
		}
		mine := cs.as(t, caseAli, "GET", page, nil)
		if !strings.Contains(mine.body, `data-state="submitted"`) || !strings.Contains(mine.body, "بارگذاری شد") {
			t.Error("the case page lacks the state or the evidence")
		}
		list := cs.as(t, caseAli, "GET", "/me/cases", nil)
		noMissingKey(t, list)
		if !hasLink(list.doc, page) {
			t.Error("my cases does not link the case")
		}
		// Nobody else sees it; unknown codes are 404.
		if res := cs.as(t, caseMaryam, "GET", page, nil); res.status != http.StatusNotFound {
			t.Errorf("Maryam reads Ali's case: %d", res.status)
		}
		if res := cs.as(t, caseMaryam, "GET", "/agency/cases/"+tracking, nil); res.status != http.StatusForbidden {
			t.Errorf("Maryam reads the agency's page: %d", res.status)
		}
		if res := cs.as(t, caseOther, "GET", "/agency/cases/"+tracking, nil); res.status != http.StatusNotFound {
			t.Errorf("another agency: %d", res.status)
		}
		if res := cs.as(t, caseAli, "GET", "/me/cases/1405-0000-0000", nil); res.status != http.StatusNotFound {
			t.Errorf("unknown code: %d", res.status)
		}
		// The upload is served to Ali, not to Maryam.
		var uploadLink string
		for _, a := range tags(mine.doc, "a") {
			if strings.Contains(attr(a, "href"), "/uploads/") {
				uploadLink = attr(a, "href")
			}
		}
		if res := cs.as(t, caseAli, "GET", uploadLink, nil); res.status != 200 || res.header.Get("Content-Type") != "image/png" {
			t.Errorf("download %q: %d %s", uploadLink, res.status, res.header.Get("Content-Type"))
		}
		if res := cs.as(t, caseMaryam, "GET", uploadLink, nil); res.status != http.StatusNotFound {
			t.Errorf("Maryam downloads: %d", res.status)
		}

		// Paying goes to the bank; coming back without its callback is still unpaid.
		pay := cs.as(t, caseAli, "POST", page+"/pay", url.Values{})
		if pay.status != http.StatusSeeOther || !strings.Contains(pay.header.Get("Location"), "/sandbox/pay/pay_") {
			t.Fatalf("pay: %d %s", pay.status, pay.header.Get("Location"))
		}
		id := pay.header.Get("Location")[strings.LastIndex(pay.header.Get("Location"), "/")+1:]
		back := cs.as(t, caseAli, "GET", page+"/payment?id="+id, nil)
		noMissingKey(t, back)
		if back.status != 200 || !strings.Contains(back.body, `data-state="pending"`) {
			t.Errorf("return page: %d", back.status)
		}
		if res := cs.as(t, caseAli, "GET", page, nil); !strings.Contains(res.body, `id="unpaid"`) {
			t.Error("paid by the browser's return")
		}

		// The agency's queue and decisions.
		for _, en := range []bool{false, true} {
			q := cs.send(t, caseOfficer, "GET", "/agency/cases", nil, en)
			noMissingKey(t, q)
			if q.status != 200 || !hasLink(q.doc, "/agency/cases/"+tracking) {
				t.Fatalf("queue: %d", q.status)
			}
			c := cs.send(t, caseOfficer, "GET", "/agency/cases/"+tracking, nil, en)
			noMissingKey(t, c)
			if c.status != 200 {
				t.Fatalf("agency case: %d", c.status)
			}
		}
		if q := cs.as(t, caseOther, "GET", "/agency/cases", nil); q.status != 200 || hasLink(q.doc, "/agency/cases/"+tracking) {
			t.Errorf("another agency's queue shows the case")
		}
		if res := cs.as(t, caseAli, "GET", "/agency/cases", nil); res.status != http.StatusForbidden {
			t.Errorf("a citizen's queue: %d", res.status)
		}
		if res := cs.as(t, caseOfficer, "GET", "/agency/cases?state=bogus", nil); res.status != http.StatusBadRequest {
			t.Errorf("bad filter: %d", res.status)
		}
		if res := cs.as(t, caseOfficer, "POST", "/agency/cases/"+tracking+"/decide", url.Values{"to": {"in_review"}}); res.status != http.StatusSeeOther {
			t.Fatalf("in_review: %d %s", res.status, res.body)
		}
		if res := cs.as(t, caseOther, "POST", "/agency/cases/"+tracking+"/decide", url.Values{"to": {"needs_info"}, "reason": {"x"}}); res.status != http.StatusNotFound {
			t.Errorf("another agency decides: %d", res.status)
		}
		if res := cs.as(t, caseOfficer, "POST", "/agency/cases/"+tracking+"/decide", url.Values{"to": {"rejected"}, "ground": {"made-up"}}); res.status != http.StatusBadRequest {
			t.Errorf("reject on an unknown ground: %d", res.status)
		}
		if res := cs.as(t, caseOfficer, "POST", "/agency/cases/"+tracking+"/decide", url.Values{"to": {"submitted"}}); res.status != http.StatusConflict {
			t.Errorf("illegal transition: %d", res.status)
		}
		if res := cs.as(t, caseOfficer, "POST", "/agency/cases/"+tracking+"/decide", url.Values{"to": {"rejected"}, "ground": {"zoning"}}); res.status != http.StatusSeeOther {
			t.Fatalf("reject: %d", res.status)
		}
		done := cs.as(t, caseAli, "GET", page, nil)
		if !strings.Contains(done.body, "محل کسب در طرح تفصیلی مجاز نیست") || !strings.Contains(done.body, `id="feedback-form"`) {
			t.Error("the applicant does not see the ground, or cannot rate")
		}
		if res := cs.as(t, caseAli, "POST", page+"/feedback", url.Values{"rating": {"۴"}, "comment": {"خوب"}}); res.status != http.StatusSeeOther {
			t.Errorf("feedback: %d", res.status)
		}
		if res := cs.as(t, caseAli, "POST", page+"/feedback", url.Values{"rating": {"5"}}); res.status != http.StatusConflict {
			t.Errorf("second feedback: %d", res.status)
		}
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}

// TestCaseConversation: the agency asks for information and the applicant
// answers, a complaint is answered and closed, and the applicant withdraws,
// all through the pages.
func TestCaseConversation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		cs := newCaseSite(t, s)
		res := cs.submit(t, caseAli, map[string]string{"phone": "09121234567", "decl_shop_name": "نانوایی", "action": "submit"}, casePNG(t))
		if res.status != http.StatusSeeOther {
			t.Fatalf("submit: %d", res.status)
		}
		loc, _ := url.Parse(res.header.Get("Location"))
		page := loc.Path
		tracking := strings.TrimPrefix(page, "/me/cases/")
		decide := func(form url.Values, want int) {
			t.Helper()
			if res := cs.as(t, caseOfficer, "POST", "/agency/cases/"+tracking+"/decide", form); res.status != want {
				t.Fatalf("decide %v: %d, want %d", form, res.status, want)
			}
		}
		decide(url.Values{"to": {"in_review"}}, http.StatusSeeOther)
		decide(url.Values{"to": {"needs_info"}}, http.StatusBadRequest) // a reason is needed
		decide(url.Values{"to": {"needs_info"}, "reason": {"تصویر سند مالکیت را هم بفرستید"}}, http.StatusSeeOther)
		mine := cs.as(t, caseAli, "GET", page, nil)
		if !strings.Contains(mine.body, "تصویر سند مالکیت را هم بفرستید") || len(all(mine.doc, func(n *html.Node) bool { return attr(n, "id") == "answer" })) != 1 {
			t.Fatal("the applicant is not asked for the information")
		}
		if res := cs.as(t, caseMaryam, "POST", page+"/answer", url.Values{"answer": {"x"}}); res.status != http.StatusNotFound {
			t.Errorf("Maryam answers: %d", res.status)
		}
		if res := cs.as(t, caseAli, "POST", page+"/answer", url.Values{"answer": {"سند پیوست شد"}}); res.status != http.StatusSeeOther {
			t.Fatalf("answer: %d", res.status)
		}
		if res := cs.as(t, caseAli, "GET", page+"?done=answered", nil); !strings.Contains(res.body, `data-state="in_review"`) || !strings.Contains(res.body, "سند پیوست شد") {
			t.Error("the answer did not move the case back to review")
		}
		// A complaint, answered by the agency, closed by the applicant.
		if res := cs.as(t, caseAli, "POST", page+"/complain", url.Values{"text": {"پاسخ دیر آمد"}}); res.status != http.StatusSeeOther {
			t.Fatalf("complain: %d", res.status)
		}
		ag := cs.as(t, caseOfficer, "GET", "/agency/cases/"+tracking, nil)
		noMissingKey(t, ag)
		var code string
		for _, n := range all(ag.doc, func(n *html.Node) bool { return strings.HasPrefix(attr(n, "id"), "complaint-C") }) {
			code = strings.TrimPrefix(attr(n, "id"), "complaint-")
		}
		if code == "" {
			t.Fatal("the agency does not see the complaint")
		}
		decide(url.Values{"complaint": {code}, "answer": {"پوزش؛ بررسی شتاب گرفت"}}, http.StatusSeeOther)
		if res := cs.as(t, caseAli, "POST", page+"/close", url.Values{"complaint": {code}}); res.status != http.StatusSeeOther {
			t.Errorf("close: %d", res.status)
		}
		mine = cs.as(t, caseAli, "GET", page, nil)
		noMissingKey(t, mine)
		if !strings.Contains(mine.body, "پوزش؛ بررسی شتاب گرفت") || !strings.Contains(mine.body, `data-state="closed"`) {
			t.Error("the complaint's answer or state is not shown")
		}
		// Withdrawing; unknown actions are 404.
		if res := cs.as(t, caseAli, "POST", page+"/explode", url.Values{}); res.status != http.StatusNotFound {
			t.Errorf("unknown action: %d", res.status)
		}
		if res := cs.as(t, caseAli, "POST", page+"/withdraw", url.Values{}); res.status != http.StatusSeeOther {
			t.Fatalf("withdraw: %d", res.status)
		}
		if res := cs.as(t, caseAli, "GET", page, nil); !strings.Contains(res.body, `id="state" data-state="withdrawn"`) {
			t.Error("not withdrawn")
		}
		decide(url.Values{"to": {"approved"}}, http.StatusConflict)
	}, identity.Migrations(), catalog.Migrations(), exchange.Migrations(), permit.Migrations(), notify.Migrations(), apply.Migrations())
}
