package apply_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
)

// sets are the migrations the tests need, in app's order.
var sets = []store.MigrationSet{identity.Migrations(), catalog.Migrations(), exchange.Migrations(),
	permit.Migrations(), notify.Migrations(), apply.Migrations()}

// The people of the tests.
var (
	ali    = identity.Principal{Kind: "user", ID: 1, Name: "علی رضایی", NationalCode: backoffice.CitizenAli, Roles: []identity.Role{identity.RoleCitizen}}
	maryam = identity.Principal{Kind: "user", ID: 2, Name: "مریم احمدی", NationalCode: backoffice.CitizenMaryam, Roles: []identity.Role{identity.RoleCitizen}}
	// officer works for MIMT, the agency of both test services.
	officer = identity.Principal{Kind: "user", ID: 3, Name: "کارشناس", Agency: "MIMT", Roles: []identity.Role{identity.RoleOperator}}
	// stranger works for another agency.
	stranger = identity.Principal{Kind: "user", ID: 4, Name: "کارشناس دیگر", Agency: "NOCR", Roles: []identity.Role{identity.RoleOperator}}
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is one test's world.
type fixture struct {
	s       *store.Store
	cat     *catalog.Catalog
	app     *apply.Applications
	clock   *clock
	permit  string // the permit service's id: a document, a fee, a declaration, an upload, once-only identity
	plain   string // the plain service's id: a decision, no fee, one declaration
	sandbox *apply.Sandbox
	notes   *notify.Notifier
	offices *backoffice.Set
	x       *exchange.Exchange
}

type fixtureOpts struct {
	// rules, when set, gives apply its rules engine (decide_test.go).
	rules   func(f *fixture) apply.Rules
	gateway bool            // fetch evidence through the real gateway from the demo back offices
	sms     bool            // give the notifier the demo outbox as its SMS provider
	email   notify.Provider // and this email provider (with sms)
}

func mustFixture(t *testing.T, s *store.Store, o fixtureOpts) *fixture {
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
	f := &fixture{s: s, cat: cat, clock: &clock{t: time.Date(2026, 3, 25, 8, 0, 0, 0, time.UTC)}}
	f.permit = mustPublish(t, cat, permitRecord())
	f.plain = mustPublish(t, cat, plainRecord())
	pm, err := permit.New(ctx, s, cat, "https://panjare.example")
	if err != nil {
		t.Fatal(err)
	}
	f.notes = notify.New(s, nil, nil)
	if o.sms {
		f.notes = notify.New(s, notify.NewOutbox(s), o.email).WithBaseURL("https://panjare.example")
	}
	f.sandbox, err = apply.NewSandbox(s, "http://127.0.0.1:1", bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	cfg := apply.Config{Store: s, Catalog: cat, Permits: pm, Notifier: f.notes, Payments: f.sandbox, BaseURL: "https://panjare.example", Now: f.clock.Now}
	if o.gateway {
		set, err := backoffice.Start(0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { set.Close(context.Background()) })
		x := exchange.New(s, "IR")
		if err := demo.LoadExchange(ctx, x, set); err != nil {
			t.Fatal(err)
		}
		g, err := exchange.NewGateway(ctx, x, exchange.GatewayConfig{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { g.Close(context.Background()) })
		cfg.Gateway, f.offices, f.x = g, set, x
	}
	if o.rules != nil {
		cfg.Rules = o.rules(f)
	}
	if f.app, err = apply.New(cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

func mustPublish(t *testing.T, cat *catalog.Catalog, rec catalog.Record) string {
	t.Helper()
	ctx := context.Background()
	d, err := cat.SaveDraft(ctx, identity.System, 0, rec)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := cat.Publish(ctx, identity.System, d.Key)
	if err != nil {
		t.Fatalf("publish: %v %+v", err, fieldsOf(err))
	}
	return svc.ID
}

func fieldsOf(err error) []errs.FieldError {
	if e, ok := errs.As(err); ok {
		return e.Fields
	}
	return nil
}

func baseRecord() catalog.Record {
	return catalog.Record{
		DescriptionFa: "متقاضی درخواست را برخط ثبت می‌کند و دستگاه پس از بررسی مدارک و استعلام‌ها نتیجه را به‌صورت الکترونیکی اعلام می‌کند.",
		Keywords:      []string{"آزمون"},
		Agency:        "MIMT",
		Audience:      catalog.G2C,
		Nature:        catalog.Sovereign,
		Scope:         catalog.ScopeNational,
		Trigger:       catalog.OnRequest,
		Decision:      catalog.DecideManual,
		Frequency:     catalog.AsNeeded,
		LegalBasis:    []catalog.LegalBasis{{TitleFa: "قانون نظام صنفی", Article: "ماده ۱۲"}},
		Channels:      []catalog.Channel{catalog.ChannelWeb},
		Stages:        catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
	}
}

// permitRecord is a permit with a fee, a document, a declaration, an
// upload and identity fetched from the civil registry.
func permitRecord() catalog.Record {
	r := baseRecord()
	r.TitleFa, r.TitleEn = "پروانهٔ کسب", "Business licence"
	r.Requirements = []catalog.Requirement{
		{Code: "identity", NameFa: "هویت متقاضی", Evidence: []catalog.Evidence{{Code: "identity", NameFa: "اطلاعات هویتی از ثبت احوال",
			NameEn: "Identity data", Source: catalog.FromInquiry, HeldBy: "NOCR", Inquiry: "NOCR/person-identity"}}},
		{Code: "shop", NameFa: "محل کسب", Evidence: []catalog.Evidence{
			{Code: "shop_name", NameFa: "نام واحد صنفی", NameEn: "Name of the shop", Source: catalog.FromDeclaration},
			{Code: "lease", NameFa: "اجاره‌نامهٔ محل کسب", NameEn: "Lease of the shop", Source: catalog.FromUpload}}},
	}
	r.Outputs = []catalog.Output{{NameFa: "پروانهٔ کسب", NameEn: "Business licence", Kind: "document"}}
	r.Permit = &catalog.Permit{ValidityDays: 365, RefusalGrounds: []catalog.RefusalGround{
		{Code: "zoning", TextFa: "محل کسب در طرح تفصیلی شهر برای این صنف مجاز نیست", TextEn: "The place is not zoned for this trade"},
		{Code: "record", TextFa: "متقاضی محکومیت مؤثر کیفری دارد", TextEn: "The applicant has a relevant criminal conviction"}}}
	r.CostRials = 1_500_000
	r.ProcessingTime = catalog.Duration{Days: 5}
	return r
}

// plainRecord is a service decided without a document or fee.
func plainRecord() catalog.Record {
	r := baseRecord()
	r.TitleFa, r.TitleEn = "ثبت شکایت صنفی", "Trade complaint"
	r.Requirements = []catalog.Requirement{{Code: "facts", NameFa: "شرح ماجرا", Evidence: []catalog.Evidence{
		{Code: "story", NameFa: "شرح ماجرا", NameEn: "What happened", Source: catalog.FromDeclaration}}}}
	r.Outputs = []catalog.Output{{NameFa: "رأی", NameEn: "Decision", Kind: "decision"}}
	r.ProcessingTime = catalog.Duration{Days: 10}
	return r
}

// pngBytes is a real PNG image.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mustSubmitPermit files Ali's permit application.
func (f *fixture) mustSubmitPermit(t *testing.T, who identity.Principal) apply.Case {
	t.Helper()
	c, err := f.app.Submit(context.Background(), who, f.permit, map[string]string{"phone": "۰۹۱۲۱۲۳۴۵۶۷", "decl_shop_name": "نانوایی سنگک"},
		map[string]apply.Upload{"file_lease": {Name: "lease.png", Data: pngBytes(t)}})
	if err != nil {
		t.Fatalf("submit: %v %+v", err, fieldsOf(err))
	}
	return c
}

// mustSubmitPlain files an application for the plain service.
func (f *fixture) mustSubmitPlain(t *testing.T, who identity.Principal) apply.Case {
	t.Helper()
	c, err := f.app.Submit(context.Background(), who, f.plain, map[string]string{"phone": "09121234567", "decl_story": "فروشنده کالای معیوب داد"}, nil)
	if err != nil {
		t.Fatalf("submit: %v %+v", err, fieldsOf(err))
	}
	return c
}

func count(t *testing.T, s *store.Store, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Read().QueryRowContext(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
