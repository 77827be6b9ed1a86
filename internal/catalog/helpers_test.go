package catalog

import "testing"

// smartRecord returns a complete record that passes ValidateForPublish and
// reaches L3: every stage online, evidence fetched by inquiry, decided by
// rules on request. Tests change one thing at a time from it.
func smartRecord() Record {
	return Record{
		TitleFa:       "صدور گواهی عدم سوء پیشینهٔ کیفری",
		TitleEn:       "Criminal record certificate",
		DescriptionFa: "متقاضی با ثبت درخواست برخط، گواهی عدم سوء پیشینه را بدون مراجعهٔ حضوری دریافت می‌کند. اطلاعات هویتی با استعلام از ثبت احوال گرفته می‌شود و گواهی به‌صورت الکترونیکی و با امضای دیجیتال صادر می‌شود تا در همهٔ دستگاه‌ها پذیرفته شود.",
		DescriptionEn: "Applicants request the certificate online and receive it signed, without a visit.",
		Keywords:      []string{"سوء پیشینه", "گواهی", "کیفری"},
		Agency:        "JUD",
		Audience:      G2C,
		Nature:        Sovereign,
		Scope:         ScopeNational,
		Events:        []string{"job"},
		Trigger:       OnRequest,
		Decision:      DecideRules,
		Requirements: []Requirement{{
			Code:   "identity",
			NameFa: "احراز هویت متقاضی",
			Evidence: []Evidence{{
				Code: "id_card", NameFa: "اطلاعات کارت ملی", Source: FromInquiry,
				HeldBy: "NOCR", Inquiry: "NOCR/person-identity",
			}},
		}},
		Outputs:        []Output{{NameFa: "گواهی عدم سوء پیشینه", NameEn: "Certificate", Kind: "document"}},
		CostRials:      500000,
		ProcessingTime: Duration{Days: 2},
		Visits:         0,
		Frequency:      AsNeeded,
		AnnualVolume:   1200000,
		LegalBasis:     []LegalBasis{{TitleFa: "قانون آیین دادرسی کیفری", Article: "ماده ۸۸"}},
		Channels:       []Channel{ChannelWeb, ChannelMobile},
		Stages:         Stages{Information: true, Request: true, Processing: true, Delivery: true},
		URL:            "https://adliran.ir/certificate",
	}
}

func mustLevel(t *testing.T, rec Record, want Level) []Reason {
	t.Helper()
	got, why := ComputeLevel(rec)
	if got != want {
		t.Fatalf("level = %s (%v), want %s", got, why, want)
	}
	return why
}
