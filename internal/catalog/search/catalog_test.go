package search_test

import (
	"context"
	"testing"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestWithCatalog wires the index into the registry as the application
// does, and checks that published services and their agencies' names reach
// it, at start-up and when an agency is renamed.
func TestWithCatalog(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		admin := identity.System
		setup, err := catalog.New(ctx, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []catalog.Agency{
			{Code: "JUD", NameFa: "قوهٔ قضاییه", NameEn: "Judiciary", Domain: catalog.DomainJudicial, Connected: true},
			{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration", Domain: catalog.DomainCivil, Connected: true},
		} {
			if err := setup.PutAgency(ctx, admin, a); err != nil {
				t.Fatal(err)
			}
		}
		d, err := setup.SaveDraft(ctx, admin, 0, record())
		if err != nil {
			t.Fatal(err)
		}
		svc, err := setup.Publish(ctx, admin, d.Key)
		if err != nil {
			t.Fatal(err)
		}

		idx, err := search.New()
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		c, err := catalog.New(ctx, s, idx)
		if err != nil {
			t.Fatal(err)
		}
		find := func(text string) bool {
			t.Helper()
			r, err := idx.Search(catalog.Query{Text: text})
			if err != nil {
				t.Fatal(err)
			}
			return len(r.Items) == 1 && r.Items[0].ID == svc.ID
		}
		for _, q := range []string{"سوپیشینه", "قوه قضاییه", "judiciary", svc.ID} {
			if !find(q) {
				t.Errorf("Search(%q) did not find the published service", q)
			}
		}
		if err := c.PutAgency(ctx, admin, catalog.Agency{Code: "JUD", NameFa: "دادگستری", NameEn: "Justice", Domain: catalog.DomainJudicial, Connected: true}); err != nil {
			t.Fatal(err)
		}
		if !find("دادگستری") || find("قوه قضاییه") {
			t.Error("the agency's new name does not find its service, or the old one still does")
		}
	}, catalog.Migrations())
}

// record is a complete record that passes the registry's checks.
func record() catalog.Record {
	return catalog.Record{
		TitleFa:       "صدور گواهی عدم سوء پیشینهٔ کیفری",
		TitleEn:       "Criminal record certificate",
		DescriptionFa: "متقاضی با ثبت درخواست برخط، گواهی عدم سوء پیشینه را بدون مراجعهٔ حضوری دریافت می‌کند. اطلاعات هویتی با استعلام از ثبت احوال گرفته می‌شود و گواهی به‌صورت الکترونیکی و با امضای دیجیتال صادر می‌شود تا در همهٔ دستگاه‌ها پذیرفته شود.",
		DescriptionEn: "Applicants request the certificate online and receive it signed, without a visit.",
		Keywords:      []string{"سوء پیشینه", "گواهی", "کیفری"},
		Agency:        "JUD",
		Audience:      catalog.G2C,
		Nature:        catalog.Sovereign,
		Scope:         catalog.ScopeNational,
		Events:        []string{"job"},
		Trigger:       catalog.OnRequest,
		Decision:      catalog.DecideRules,
		Requirements: []catalog.Requirement{{
			Code:   "identity",
			NameFa: "احراز هویت متقاضی",
			Evidence: []catalog.Evidence{{
				Code: "id_card", NameFa: "اطلاعات کارت ملی", Source: catalog.FromInquiry,
				HeldBy: "NOCR", Inquiry: "NOCR/person-identity",
			}},
		}},
		Outputs:        []catalog.Output{{NameFa: "گواهی عدم سوء پیشینه", NameEn: "Certificate", Kind: "document"}},
		CostRials:      500000,
		ProcessingTime: catalog.Duration{Days: 2},
		Frequency:      catalog.AsNeeded,
		AnnualVolume:   1200000,
		LegalBasis:     []catalog.LegalBasis{{TitleFa: "قانون آیین دادرسی کیفری", Article: "ماده ۸۸"}},
		Channels:       []catalog.Channel{catalog.ChannelWeb, catalog.ChannelMobile},
		Stages:         catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
	}
}
