package search

import (
	"testing"

	"github.com/panjare/panjare/internal/catalog"
)

// svc builds a published service for the tests.
type svc struct {
	id, titleFa, titleEn, descFa, agency string
	domain                               catalog.Domain
	keywords, events                     []string
	level                                catalog.Level
	audience                             catalog.Audience
	permit                               bool
	volume                               int64
}

func (s svc) service() catalog.Service {
	r := catalog.Record{
		TitleFa:       s.titleFa,
		TitleEn:       s.titleEn,
		DescriptionFa: s.descFa,
		Keywords:      s.keywords,
		Agency:        s.agency,
		Audience:      s.audience,
		Events:        s.events,
		AnnualVolume:  s.volume,
		Outputs:       []catalog.Output{{NameFa: "نتیجهٔ درخواست", Kind: "decision"}},
	}
	if r.Audience == "" {
		r.Audience = catalog.G2C
	}
	if s.permit {
		r.Permit = &catalog.Permit{ValidityDays: 365}
	}
	return catalog.Service{ID: s.id, Version: 1, Status: catalog.Published, Record: r, Level: s.level, Domain: s.domain}
}

// fixture is a small catalogue in which every service is the one right
// answer to some query of the tests.
var fixture = []svc{
	{id: "1000001", titleFa: "صدور گذرنامه", titleEn: "Passport issuance", agency: "POLICE", domain: catalog.DomainPolice,
		descFa: "صدور گذرنامهٔ عادی برای سفر به خارج از کشور.", events: []string{"travel", "identity"}, level: catalog.L2, volume: 2_000_000},
	{id: "1000002", titleFa: "ثبت درخواست روادید برای اتباع خارجی", titleEn: "Visa application for foreign nationals", agency: "MFA", domain: catalog.DomainForeign,
		descFa: "اتباع خارجی با گذرنامهٔ معتبر درخواست روادید می‌دهند.", events: []string{"travel"}, level: catalog.L1, volume: 300_000},
	{id: "1000003", titleFa: "صدور گواهی‌نامهٔ رانندگی", titleEn: "Driving licence issuance", agency: "POLICE", domain: catalog.DomainTransport,
		descFa: "صدور گواهی‌نامهٔ پایهٔ سوم، دوم و یکم پس از قبولی در آزمون.", events: []string{"driving"}, level: catalog.L1, permit: true, volume: 1_500_000},
	{id: "1000004", titleFa: "تمدید گواهینامه رانندگی", titleEn: "Driving licence renewal", agency: "POLICE", domain: catalog.DomainTransport,
		descFa: "تمدید گواهینامهٔ رانندگی پیش از پایان اعتبار.", events: []string{"driving"}, level: catalog.L2, permit: true, volume: 900_000},
	{id: "1000005", titleFa: "صدور گواهی عدم سوء‌پیشینهٔ کیفری", titleEn: "Criminal record certificate", agency: "JUDICIARY", domain: catalog.DomainJudicial,
		descFa: "گواهی عدم سوء‌پیشینه برای استخدام و مهاجرت.", events: []string{"job"}, level: catalog.L2, volume: 3_000_000},
	// Written with Arabic yeh and kaf, as some agencies' systems still do.
	{id: "1000006", titleFa: "صدور كارت هوشمند ملي", titleEn: "Smart national ID card", agency: "NOCR", domain: catalog.DomainCivil,
		descFa: "صدور كارت ملي براي افراد بالاي پانزده سال.", events: []string{"identity"}, level: catalog.L1, volume: 2_500_000},
	{id: "1000007", titleFa: "نقل و انتقال خودرو", titleEn: "Vehicle ownership transfer", agency: "POLICE", domain: catalog.DomainTransport,
		descFa: "انتقال سند خودرو در دفاتر اسناد رسمی و تعویض پلاک.", events: []string{"vehicle"}, level: catalog.L1, volume: 1_200_000},
	{id: "1000008", titleFa: "صدور پروانهٔ کسب", titleEn: "Business licence", agency: "MIMT", domain: catalog.DomainCommerce, audience: catalog.G2B,
		descFa: "پروانهٔ کسب برای راه‌اندازی واحد صنفی.", events: []string{"start_business"}, level: catalog.L2, permit: true, volume: 400_000},
	{id: "1000009", titleFa: "برقراری مستمری بازنشستگی", titleEn: "Old-age pension", agency: "SSO", domain: catalog.DomainWelfare,
		descFa: "برقراری حقوق بازنشستگی بیمه‌شدگان.", events: []string{"retirement"}, level: catalog.L3, volume: 250_000},
	{id: "1000010", titleFa: "صدور مفاصاحساب مالیاتی", titleEn: "Tax clearance certificate", agency: "INTA", domain: catalog.DomainTax, audience: catalog.G2B,
		descFa: "گواهی پرداخت کامل مالیات برای نقل و انتقال املاک.", events: []string{"run_business"}, level: catalog.L2, volume: 600_000},
	{id: "1000011", titleFa: "ثبت ازدواج", titleEn: "Marriage registration", agency: "NOCR", domain: catalog.DomainCivil,
		descFa: "ثبت واقعهٔ ازدواج در سامانهٔ ثبت احوال.", events: []string{"marriage"}, level: catalog.L1, volume: 500_000},
	{id: "1000012", titleFa: "تأیید مدرک تحصیلی", titleEn: "Degree verification", agency: "MSRT", domain: catalog.DomainEducation,
		descFa: "استعلام و تأیید اصالت مدرک دانشگاهی.", events: []string{"higher_education", "job"}, level: catalog.L3, volume: 350_000},
	{id: "1000013", titleFa: "صدور کارت پایان خدمت", titleEn: "Military service completion card", agency: "NAJA_NV", domain: catalog.DomainPolice,
		descFa: "کارت پایان خدمت وظیفهٔ عمومی.", events: []string{"military_service"}, level: catalog.L1, volume: 450_000},
	{id: "1000014", titleFa: "ارسال گزارش فصلی ماده ۱۶۹", titleEn: "Quarterly report under article 169", agency: "INTA", domain: catalog.DomainTax, audience: catalog.G2B,
		descFa: "گزارش خرید و فروش فصلی مؤدیان.", events: []string{"run_business"}, level: catalog.L4, volume: 800_000},
	{id: "1000015", titleFa: "درخواست معرفی‌نامه برای کارورزی", titleEn: "Internship referral letter", agency: "MSRT", domain: catalog.DomainEducation,
		descFa: "معرفی دانشجو به محل کارورزی.", events: []string{"higher_education"}, level: catalog.L0, volume: 20_000},
	{id: "1000016", titleFa: "ثبت وکالتنامه", titleEn: "Power of attorney registration", agency: "SSAA", domain: catalog.DomainLand,
		descFa: "تنظیم و ثبت وکالت در دفتر اسناد رسمی.", events: []string{"legal_dispute"}, level: catalog.L1, volume: 700_000},
	{id: "1000017", titleFa: "پرداخت یارانهٔ نقدی", titleEn: "Cash subsidy payment", agency: "MCLS", domain: catalog.DomainWelfare,
		descFa: "واریز یارانهٔ ماهانه به حساب سرپرست خانوار.", events: []string{"low_income"}, level: catalog.L5, volume: 5_000_000},
	{id: "1000018", titleFa: "ثبت شرکت سهامی خاص", titleEn: "Private joint-stock company registration", agency: "SSAA", domain: catalog.DomainCommerce, audience: catalog.G2B,
		descFa: "تأسیس شرکت و ثبت اساسنامه.", events: []string{"start_business"}, level: catalog.L2, volume: 150_000},
}

// agencies names the fixture's agencies.
var agencies = []catalog.Agency{
	{Code: "POLICE", NameFa: "پلیس راهور و گذرنامهٔ فراجا", NameEn: "Traffic and Passport Police"},
	{Code: "MFA", NameFa: "وزارت امور خارجه", NameEn: "Ministry of Foreign Affairs"},
	{Code: "JUDICIARY", NameFa: "قوهٔ قضاییه", NameEn: "Judiciary"},
	{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", NameEn: "National Organization for Civil Registration"},
	{Code: "MIMT", NameFa: "وزارت صنعت، معدن و تجارت", NameEn: "Ministry of Industry, Mine and Trade"},
	{Code: "SSO", NameFa: "سازمان تأمین اجتماعی", NameEn: "Social Security Organization"},
	{Code: "INTA", NameFa: "سازمان امور مالیاتی کشور", NameEn: "Iranian National Tax Administration"},
	{Code: "MSRT", NameFa: "وزارت علوم، تحقیقات و فناوری", NameEn: "Ministry of Science, Research and Technology"},
	{Code: "NAJA_NV", NameFa: "سازمان وظیفهٔ عمومی فراجا", NameEn: "Conscription Organization"},
	{Code: "SSAA", NameFa: "سازمان ثبت اسناد و املاک کشور", NameEn: "Deeds and Real Estate Registration Organization"},
	{Code: "MCLS", NameFa: "وزارت تعاون، کار و رفاه اجتماعی", NameEn: "Ministry of Cooperatives, Labour and Social Welfare"},
}

// MustFixture returns an index holding the fixture.
func MustFixture(tb testing.TB) *Index {
	tb.Helper()
	x, err := New()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { x.Close() })
	if err := x.SetAgencies(agencies); err != nil {
		tb.Fatal(err)
	}
	for _, s := range fixture {
		if err := x.Put(s.service()); err != nil {
			tb.Fatal(err)
		}
	}
	return x
}

// ids returns the identifiers of the results, in order.
func ids(r catalog.Results) []string {
	out := make([]string, len(r.Items))
	for i, s := range r.Items {
		out[i] = s.ID
	}
	return out
}

// full returns the identifiers of the results on the page that match every
// word of the query (those before the partial matches).
func full(r catalog.Results) []string {
	n := max(0, min(len(r.Items), r.Total-r.Partial-(r.Page-1)*len(r.Items)))
	return ids(r)[:n]
}
