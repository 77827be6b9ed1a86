package web

import (
	"context"
	"log/slog"
	"net/http"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// site is a portal over a real store, catalog and search index, with a few
// published services, behind the same middleware the app uses.
type site struct {
	cat     *catalog.Catalog
	web     *Web
	handler http.Handler
	// Identifiers of the fixture services.
	passport, certificate, permit, retired string
}

// mustSite builds the portal on s with the fixture agencies and services.
func mustSite(tb testing.TB, s *store.Store) *site {
	tb.Helper()
	return newSite(tb, s, loadFixtures)
}

// newSite builds the portal on s with the data that load publishes.
func newSite(tb testing.TB, s *store.Store, load func(testing.TB, context.Context, *catalog.Catalog, *site)) *site {
	tb.Helper()
	ctx := context.Background()
	idx, err := search.New()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { idx.Close() })
	cat, err := catalog.New(ctx, s, idx)
	if err != nil {
		tb.Fatal(err)
	}
	st := &site{cat: cat}
	load(tb, ctx, cat, st)

	log := slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	w, err := New(Config{Catalog: cat, Log: log, Version: "test"})
	if err != nil {
		tb.Fatal(err)
	}
	st.web = w
	mux := http.NewServeMux()
	w.Register(mux)
	st.handler = httpx.Observe(httpx.SecureHeaders(httpx.Compress(http.NewCrossOriginProtection().Handler(mux))),
		httpx.NewMetrics(prometheus.NewRegistry()), log)
	return st
}

// testWriter sends log lines to the test's log.
type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Helper()
	w.tb.Log(string(p))
	return len(p), nil
}

// loadFixtures registers four agencies and publishes four services: a
// passport (L1, evidence held by another agency), a criminal record
// certificate (L3), a business permit (with refusal grounds) and a retired
// service.
func loadFixtures(tb testing.TB, ctx context.Context, c *catalog.Catalog, st *site) {
	tb.Helper()
	admin := identity.System
	for _, a := range []catalog.Agency{
		{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration", Domain: catalog.DomainCivil, Connected: true},
		{Code: "POLICE", NameFa: "پلیس مهاجرت و گذرنامه", NameEn: "Immigration and Passport Police", Domain: catalog.DomainPolice, Connected: true, Website: "https://epolice.ir"},
		{Code: "JUD", NameFa: "قوه قضاییه", NameEn: "Judiciary", Domain: catalog.DomainJudicial, Connected: true},
		{Code: "MIMT", NameFa: "وزارت صنعت، معدن و تجارت", NameEn: "Ministry of Industry, Mine and Trade", Domain: catalog.DomainIndustry},
	} {
		if err := c.PutAgency(ctx, admin, a); err != nil {
			tb.Fatalf("agency %s: %v", a.Code, err)
		}
	}
	publish := func(rec catalog.Record) string {
		tb.Helper()
		d, err := c.SaveDraft(ctx, admin, 0, rec)
		if err != nil {
			tb.Fatalf("draft %s: %v", rec.TitleFa, err)
		}
		svc, err := c.Publish(ctx, admin, d.Key)
		if err != nil {
			tb.Fatalf("publish %s: %v", rec.TitleFa, err)
		}
		return svc.ID
	}
	identityEv := catalog.Evidence{Code: "identity", NameFa: "اطلاعات هویتی و کارت ملی", NameEn: "Identity card details",
		Source: catalog.FromInquiry, HeldBy: "NOCR", Inquiry: "NOCR/person-identity"}

	st.passport = publish(catalog.Record{
		TitleFa:       "صدور گذرنامهٔ عادی",
		TitleEn:       "Issuing an ordinary passport",
		DescriptionFa: "شهروندان ایرانی برای سفر به خارج از کشور گذرنامه دریافت می‌کنند. درخواست برخط ثبت می‌شود و برای انگشت‌نگاری یک بار به دفتر پلیس +۱۰ مراجعه می‌کنید.",
		DescriptionEn: "Iranian citizens get a passport to travel abroad. You apply online and visit a police +10 office once for fingerprints.",
		Keywords:      []string{"پاسپورت", "گذرنامه"},
		Agency:        "POLICE",
		Audience:      catalog.G2C, Nature: catalog.Sovereign, Scope: catalog.ScopeNational,
		Events:  []string{"travel", "identity"},
		Trigger: catalog.OnRequest, Decision: catalog.DecideManual,
		Requirements: []catalog.Requirement{
			{Code: "identity", NameFa: "احراز هویت متقاضی", NameEn: "Proof of identity", Evidence: []catalog.Evidence{identityEv}},
			{Code: "photo", NameFa: "عکس رنگی", NameEn: "A colour photo", Evidence: []catalog.Evidence{
				{Code: "photo", NameFa: "عکس رنگی ۳×۴ با زمینهٔ سفید", NameEn: "A 3×4 colour photo on white", Source: catalog.FromUpload}}},
			{Code: "fingerprint", NameFa: "ثبت اثر انگشت", NameEn: "Fingerprints", Evidence: []catalog.Evidence{
				{Code: "fingerprint", NameFa: "انگشت‌نگاری در دفتر پلیس +۱۰", NameEn: "Fingerprinting at a police +10 office", Source: catalog.FromPaper}}},
		},
		Outputs:        []catalog.Output{{NameFa: "گذرنامه", NameEn: "Passport", Kind: "document"}},
		CostRials:      1200000,
		ProcessingTime: catalog.Duration{Days: 10},
		Visits:         1,
		Frequency:      catalog.Periodic,
		AnnualVolume:   3000000,
		LegalBasis:     []catalog.LegalBasis{{TitleFa: "قانون گذرنامه", TitleEn: "Passport Act", Article: "ماده ۱۴"}},
		Channels:       []catalog.Channel{catalog.ChannelWeb, catalog.ChannelKiosk},
		Stages:         catalog.Stages{Information: true, Request: true, Processing: true, Delivery: false},
		URL:            "https://epolice.ir/passport",
	})
	st.certificate = publish(catalog.Record{
		TitleFa:       "صدور گواهی عدم سوء پیشینهٔ کیفری",
		TitleEn:       "Criminal record certificate",
		DescriptionFa: "متقاضی با ثبت درخواست برخط، گواهی عدم سوء پیشینه را بدون مراجعهٔ حضوری دریافت می‌کند و گواهی با امضای دیجیتال صادر می‌شود.",
		DescriptionEn: "Applicants request the certificate online and receive it signed, without a visit.",
		Keywords:      []string{"سوء پیشینه"},
		Agency:        "JUD",
		Audience:      catalog.G2C, Nature: catalog.Sovereign, Scope: catalog.ScopeNational,
		Events:  []string{"job"},
		Trigger: catalog.OnRequest, Decision: catalog.DecideRules,
		Requirements:   []catalog.Requirement{{Code: "identity", NameFa: "احراز هویت متقاضی", Evidence: []catalog.Evidence{identityEv}}},
		Outputs:        []catalog.Output{{NameFa: "گواهی عدم سوء پیشینه", NameEn: "Certificate", Kind: "document"}},
		CostRials:      500000,
		ProcessingTime: catalog.Duration{Days: 1, Hours: 12},
		Frequency:      catalog.AsNeeded,
		AnnualVolume:   1200000,
		LegalBasis:     []catalog.LegalBasis{{TitleFa: "قانون آیین دادرسی کیفری", Article: "ماده ۸۸"}},
		Channels:       []catalog.Channel{catalog.ChannelWeb, catalog.ChannelMobile},
		Stages:         catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
	})
	st.permit = publish(catalog.Record{
		TitleFa:       "صدور پروانهٔ کسب",
		TitleEn:       "Business licence",
		DescriptionFa: "صاحبان کسب‌وکار برای آغاز فعالیت در یک واحد صنفی پروانهٔ کسب دریافت می‌کنند؛ درخواست و رسیدگی به‌طور کامل برخط است.",
		Agency:        "MIMT",
		Audience:      catalog.G2B, Nature: catalog.Sovereign, Scope: catalog.ScopeCity,
		Events:  []string{"start_business"},
		Trigger: catalog.OnRequest, Decision: catalog.DecideManual,
		Requirements: []catalog.Requirement{{Code: "identity", NameFa: "احراز هویت متقاضی", Evidence: []catalog.Evidence{identityEv}}},
		Outputs:      []catalog.Output{{NameFa: "پروانهٔ کسب", Kind: "document"}},
		Permit: &catalog.Permit{ValidityDays: 1825, RefusalGrounds: []catalog.RefusalGround{
			{Code: "zoning", TextFa: "محل کسب با کاربری مجاز منطقه سازگار نیست.", TextEn: "The premises are not zoned for this trade.", LegalFa: "قانون نظام صنفی، ماده ۱۲"},
		}},
		CostRials:      2500000,
		ProcessingTime: catalog.Duration{Hours: 4},
		Frequency:      catalog.Once,
		LegalBasis:     []catalog.LegalBasis{{TitleFa: "قانون نظام صنفی کشور"}},
		Channels:       []catalog.Channel{catalog.ChannelWeb},
		Stages:         catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
	})
	st.retired = publish(catalog.Record{
		TitleFa:       "صدور المثنای شناسنامهٔ کاغذی",
		DescriptionFa: "صدور نسخهٔ کاغذی دوم شناسنامه برای کسانی که شناسنامهٔ خود را گم کرده‌اند؛ با کارت هوشمند ملی دیگر لازم نیست.",
		Agency:        "NOCR",
		Audience:      catalog.G2C, Nature: catalog.Sovereign, Scope: catalog.ScopeProvincial,
		Trigger: catalog.OnRequest, Decision: catalog.DecideManual,
		Outputs:        []catalog.Output{{NameFa: "شناسنامه", Kind: "document"}},
		CostRials:      300000,
		ProcessingTime: catalog.Duration{Days: 7},
		Visits:         2,
		Frequency:      catalog.AsNeeded,
		LegalBasis:     []catalog.LegalBasis{{TitleFa: "قانون ثبت احوال"}},
		Channels:       []catalog.Channel{catalog.ChannelCounter},
		Stages:         catalog.Stages{Information: true},
	})
	if err := c.Retire(ctx, admin, st.retired, "replaced by the national smart card"); err != nil {
		tb.Fatalf("retire: %v", err)
	}
	// The certificate is decided by an active ruleset, as the rules engine
	// would tell the catalogue: it is L3 for real. (Levels are true: what a
	// record declares and nothing builds is only planned.)
	c.UseMachinery(fixtureMachinery{catalog.Built{Rules: map[string]bool{st.certificate: true}}})
	if err := c.Recompute(ctx); err != nil {
		tb.Fatal(err)
	}
}

// fixtureMachinery is what the fixtures have built.
type fixtureMachinery struct{ b catalog.Built }

func (m fixtureMachinery) Built(context.Context) (catalog.Built, error) { return m.b, nil }
