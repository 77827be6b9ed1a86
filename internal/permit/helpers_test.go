package permit_test

import (
	"context"
	"testing"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
)

// Valid national codes for tests (DESIGN.md).
const (
	holderA = "0067749828"
	holderB = "0499370899"
)

// fixture is a permit capability over a real store and catalogue with two
// agencies and three published services.
type fixture struct {
	s       *store.Store
	cat     *catalog.Catalog
	p       *permit.Permits
	licence string // MIMT's business licence: a permit valid 1825 days
	cert    string // JUD's criminal record certificate: a document, not a permit
	info    string // MIMT's information service: issues nothing
}

// sets are the migrations permit's tests need.
func sets() []store.MigrationSet {
	return []store.MigrationSet{identity.Migrations(), catalog.Migrations(), permit.Migrations()}
}

// Principals of the tests.
var (
	mimtOperator = identity.Principal{Kind: "user", ID: 11, Agency: "MIMT", Roles: []identity.Role{identity.RoleOperator}}
	mimtKey      = identity.Principal{Kind: "apikey", ID: 12, Agency: "MIMT"}
	judOperator  = identity.Principal{Kind: "user", ID: 21, Agency: "JUD", Roles: []identity.Role{identity.RoleOperator}}
	citizenA     = identity.Principal{Kind: "user", ID: 31, Roles: []identity.Role{identity.RoleCitizen}, NationalCode: holderA}
	platformUser = identity.Principal{Kind: "user", ID: 41, Roles: []identity.Role{identity.RolePlatformAdmin}}
)

// mustFixture builds the fixture on s.
func mustFixture(tb testing.TB, s *store.Store) *fixture {
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
	f := &fixture{s: s, cat: cat}
	for _, a := range []catalog.Agency{
		{Code: "JUD", NameFa: "قوه قضاییه", NameEn: "Judiciary", Domain: catalog.DomainJudicial, Connected: true},
		{Code: "MIMT", NameFa: "وزارت صنعت، معدن و تجارت", NameEn: "Ministry of Industry, Mine and Trade", Domain: catalog.DomainIndustry, Connected: true},
	} {
		if err := cat.PutAgency(ctx, identity.System, a); err != nil {
			tb.Fatalf("agency %s: %v", a.Code, err)
		}
	}
	publish := func(rec catalog.Record) string {
		tb.Helper()
		d, err := cat.SaveDraft(ctx, identity.System, 0, rec)
		if err != nil {
			tb.Fatalf("draft %s: %v", rec.TitleFa, err)
		}
		svc, err := cat.Publish(ctx, identity.System, d.Key)
		if err != nil {
			tb.Fatalf("publish %s: %v", rec.TitleFa, err)
		}
		return svc.ID
	}
	base := func(title, agency string, out catalog.Output) catalog.Record {
		return catalog.Record{
			TitleFa:       title,
			DescriptionFa: "متن آزمایشی برای شرح خدمت که به اندازهٔ کافی بلند است تا اعتبارسنجی فهرست خدمات را بگذراند و خوانا باشد.",
			Agency:        agency, Audience: catalog.G2C, Nature: catalog.Sovereign, Scope: catalog.ScopeNational,
			Trigger: catalog.OnRequest, Decision: catalog.DecideManual,
			Outputs:        []catalog.Output{out},
			ProcessingTime: catalog.Duration{Days: 2}, Frequency: catalog.AsNeeded,
			LegalBasis: []catalog.LegalBasis{{TitleFa: "قانون آزمایشی"}},
			Channels:   []catalog.Channel{catalog.ChannelWeb},
			Stages:     catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
		}
	}
	lic := base("صدور پروانهٔ کسب", "MIMT", catalog.Output{NameFa: "پروانهٔ کسب", Kind: "document"})
	lic.Permit = &catalog.Permit{ValidityDays: 1825, RefusalGrounds: []catalog.RefusalGround{
		{Code: "zoning", TextFa: "محل کسب با کاربری مجاز منطقه سازگار نیست."}}}
	f.licence = publish(lic)
	f.cert = publish(base("صدور گواهی عدم سوء پیشینهٔ کیفری", "JUD", catalog.Output{NameFa: "گواهی", Kind: "document"}))
	f.info = publish(base("اطلاع از فهرست صنوف مجاز", "MIMT", catalog.Output{NameFa: "فهرست صنوف", Kind: "information"}))
	if f.p, err = permit.New(ctx, s, cat, "https://panjare.example"); err != nil {
		tb.Fatal(err)
	}
	return f
}

// licenceRequest is a valid request for MIMT's licence to holder.
func (f *fixture) licenceRequest(holder string) permit.IssueRequest {
	return permit.IssueRequest{
		Service: f.licence, Holder: holder, HolderName: "زهرا کریمی", CaseRef: "۱۴۰۳-ABCD-7K",
		Facts: []permit.Fact{
			{Code: "trade", LabelFa: "رستهٔ صنفی", LabelEn: "Trade", Value: "نانوایی سنگک"},
			{Code: "licence_no", LabelFa: "شمارهٔ پروانه", LabelEn: "Licence number", Value: "BK-1405-7731"},
		},
		Fields: map[string]string{"نام واحد صنفی": "نانوایی سنگک برکت", "نشانی": "تهران، خیابان ولیعصر، پلاک ۱۲"},
	}
}

// mustIssue issues r as pr or fails the test.
func (f *fixture) mustIssue(tb testing.TB, pr identity.Principal, r permit.IssueRequest) permit.Document {
	tb.Helper()
	d, err := f.p.Issue(context.Background(), pr, r)
	if err != nil {
		tb.Fatalf("Issue: %v", err)
	}
	return d
}

// unpublished returns a well-formed service identifier that no service has.
func unpublished(tb testing.TB, f *fixture) string {
	tb.Helper()
	id := catalog.FormatID(987654)
	if _, err := f.cat.Service(context.Background(), id); err == nil {
		tb.Fatalf("service %s exists", id)
	}
	return id
}
