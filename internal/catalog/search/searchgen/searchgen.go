// Package searchgen generates a large, varied and reproducible catalogue of
// published services, for benchmarks and load tests of search. The services
// are plausible (real kinds of agencies, subjects and actions, combined) but
// invented: it must never be used as demo or seed data.
package searchgen

import (
	"fmt"
	"math/rand/v2"

	"github.com/panjare/panjare/internal/catalog"
)

type agency struct {
	code, fa, en string
	domain       catalog.Domain
}

// Agencies are the agencies of the generated catalogue.
var agencies = []agency{
	{"NOCR", "سازمان ثبت احوال کشور", "National Organization for Civil Registration", catalog.DomainCivil},
	{"POLICE_PASS", "پلیس گذرنامهٔ فراجا", "Passport Police", catalog.DomainPolice},
	{"POLICE_TRAFFIC", "پلیس راهور فراجا", "Traffic Police", catalog.DomainTransport},
	{"CONSCRIPTION", "سازمان وظیفهٔ عمومی فراجا", "Conscription Organization", catalog.DomainPolice},
	{"JUDICIARY", "قوهٔ قضاییه", "Judiciary", catalog.DomainJudicial},
	{"SSAA", "سازمان ثبت اسناد و املاک کشور", "Deeds and Real Estate Registration Organization", catalog.DomainLand},
	{"MOH", "وزارت بهداشت، درمان و آموزش پزشکی", "Ministry of Health and Medical Education", catalog.DomainHealth},
	{"SSO", "سازمان تأمین اجتماعی", "Social Security Organization", catalog.DomainWelfare},
	{"IHIO", "سازمان بیمهٔ سلامت ایران", "Iran Health Insurance Organization", catalog.DomainHealth},
	{"MCLS", "وزارت تعاون، کار و رفاه اجتماعی", "Ministry of Cooperatives, Labour and Social Welfare", catalog.DomainLabour},
	{"CSPF", "صندوق بازنشستگی کشوری", "Civil Servants Pension Fund", catalog.DomainWelfare},
	{"INTA", "سازمان امور مالیاتی کشور", "Iranian National Tax Administration", catalog.DomainTax},
	{"IRICA", "گمرک جمهوری اسلامی ایران", "Islamic Republic of Iran Customs Administration", catalog.DomainTax},
	{"MIMT", "وزارت صنعت، معدن و تجارت", "Ministry of Industry, Mine and Trade", catalog.DomainIndustry},
	{"TPO", "سازمان توسعهٔ تجارت ایران", "Trade Promotion Organization", catalog.DomainCommerce},
	{"MOE", "وزارت آموزش و پرورش", "Ministry of Education", catalog.DomainEducation},
	{"MSRT", "وزارت علوم، تحقیقات و فناوری", "Ministry of Science, Research and Technology", catalog.DomainEducation},
	{"MRUD", "وزارت راه و شهرسازی", "Ministry of Roads and Urban Development", catalog.DomainHousing},
	{"TEHRAN_MUN", "شهرداری تهران", "Tehran Municipality", catalog.DomainMunicipal},
	{"MASHHAD_MUN", "شهرداری مشهد", "Mashhad Municipality", catalog.DomainMunicipal},
	{"TAVANIR", "شرکت توانیر", "Tavanir", catalog.DomainEnergy},
	{"NIGC", "شرکت ملی گاز ایران", "National Iranian Gas Company", catalog.DomainEnergy},
	{"ABFA", "شرکت مهندسی آب و فاضلاب کشور", "National Water and Wastewater Engineering Company", catalog.DomainEnergy},
	{"MOJA", "وزارت جهاد کشاورزی", "Ministry of Agriculture Jihad", catalog.DomainAgriculture},
	{"DOE", "سازمان حفاظت محیط زیست", "Department of Environment", catalog.DomainEnvironment},
	{"MICT", "وزارت ارتباطات و فناوری اطلاعات", "Ministry of ICT", catalog.DomainCommunication},
	{"CRA", "سازمان تنظیم مقررات و ارتباطات رادیویی", "Communications Regulatory Authority", catalog.DomainCommunication},
	{"MCIG", "وزارت فرهنگ و ارشاد اسلامی", "Ministry of Culture and Islamic Guidance", catalog.DomainCulture},
	{"MCTH", "وزارت میراث فرهنگی، گردشگری و صنایع دستی", "Ministry of Cultural Heritage and Tourism", catalog.DomainCulture},
	{"MFA", "وزارت امور خارجه", "Ministry of Foreign Affairs", catalog.DomainForeign},
	{"CBI", "بانک مرکزی جمهوری اسلامی ایران", "Central Bank of Iran", catalog.DomainBanking},
	{"SEO", "سازمان بورس و اوراق بهادار", "Securities and Exchange Organization", catalog.DomainBanking},
	{"IIO", "سازمان ملی استاندارد ایران", "Iran National Standards Organization", catalog.DomainIndustry},
	{"FDA", "سازمان غذا و دارو", "Food and Drug Administration", catalog.DomainHealth},
	{"WELFARE", "سازمان بهزیستی کشور", "State Welfare Organization", catalog.DomainWelfare},
	{"IMPASCO", "سازمان نظام مهندسی ساختمان", "Construction Engineering Organization", catalog.DomainHousing},
}

// subject is a thing a service is about.
type subject struct {
	fa, en   string
	keywords []string
	agencies []string // codes of the agencies that offer services about it
	events   []string
	audience catalog.Audience
	permit   bool // issuing or renewing it is a permit
	reqs     []string
}

var subjects = []subject{
	{"گذرنامه", "passport", []string{"پاسپورت"}, []string{"POLICE_PASS"}, []string{"travel", "identity"}, catalog.G2C, false, []string{"کارت ملی", "شناسنامه", "عکس"}},
	{"گواهی‌نامهٔ رانندگی", "driving licence", []string{"لایسنس", "گواهینامه"}, []string{"POLICE_TRAFFIC"}, []string{"driving"}, catalog.G2C, true, []string{"کارت ملی", "گواهی سلامت", "عکس"}},
	{"پلاک خودرو", "vehicle plate", []string{"شماره‌گذاری"}, []string{"POLICE_TRAFFIC"}, []string{"vehicle"}, catalog.G2C, false, []string{"سند خودرو", "کارت ملی"}},
	{"سند خودرو", "vehicle ownership document", []string{"سند ماشین", "نقل و انتقال"}, []string{"POLICE_TRAFFIC", "SSAA"}, []string{"vehicle"}, catalog.G2C, false, []string{"کارت ملی", "بیمه‌نامهٔ شخص ثالث"}},
	{"کارت هوشمند ملی", "smart national ID card", []string{"کارت ملی"}, []string{"NOCR"}, []string{"identity"}, catalog.G2C, false, []string{"شناسنامه", "عکس"}},
	{"شناسنامه", "birth certificate", []string{"سجل"}, []string{"NOCR"}, []string{"birth", "identity"}, catalog.G2C, false, []string{"گواهی ولادت", "کارت ملی والدین"}},
	{"واقعهٔ ازدواج", "marriage", []string{"عقد", "ازدواج"}, []string{"NOCR", "SSAA"}, []string{"marriage"}, catalog.G2C, false, []string{"کارت ملی زوجین", "گواهی سلامت پیش از ازدواج"}},
	{"واقعهٔ طلاق", "divorce", []string{"طلاق"}, []string{"NOCR", "JUDICIARY"}, []string{"divorce"}, catalog.G2C, false, []string{"حکم دادگاه", "کارت ملی"}},
	{"گواهی فوت", "death certificate", []string{"جواز دفن"}, []string{"NOCR", "MOH"}, []string{"death"}, catalog.G2C, false, []string{"گواهی پزشک", "شناسنامهٔ متوفی"}},
	{"گواهی انحصار وراثت", "certificate of inheritance", []string{"وراثت", "ارث"}, []string{"JUDICIARY"}, []string{"death"}, catalog.G2C, false, []string{"گواهی فوت", "شناسنامهٔ وراث"}},
	{"گواهی عدم سوء‌پیشینه", "criminal record certificate", []string{"سوپیشینه"}, []string{"JUDICIARY"}, []string{"job", "travel"}, catalog.G2C, false, []string{"کارت ملی"}},
	{"دادخواست", "lawsuit", []string{"شکایت", "دعوا"}, []string{"JUDICIARY"}, []string{"legal_dispute"}, catalog.G2C, false, []string{"کارت ملی", "مدارک دعوا"}},
	{"ابلاغیهٔ الکترونیک", "electronic judicial notice", []string{"ثنا"}, []string{"JUDICIARY"}, []string{"legal_dispute"}, catalog.G2C, false, []string{"کد ثنا"}},
	{"سند مالکیت", "title deed", []string{"سند تک‌برگ", "سند ملک"}, []string{"SSAA"}, []string{"housing"}, catalog.G2C, false, []string{"سند قبلی", "کارت ملی"}},
	{"وکالت‌نامه", "power of attorney", []string{"وکالت"}, []string{"SSAA"}, []string{"housing", "vehicle"}, catalog.G2C, false, []string{"کارت ملی موکل"}},
	{"اجاره‌نامه", "rental agreement", []string{"قرارداد اجاره"}, []string{"SSAA", "MRUD"}, []string{"housing"}, catalog.G2C, false, []string{"سند ملک", "کارت ملی"}},
	{"پروانهٔ ساخت", "building permit", []string{"جواز ساخت"}, []string{"TEHRAN_MUN", "MASHHAD_MUN"}, []string{"building"}, catalog.G2C, true, []string{"سند مالکیت", "نقشهٔ ساختمان"}},
	{"گواهی پایان کار", "building completion certificate", []string{"پایان کار"}, []string{"TEHRAN_MUN", "MASHHAD_MUN"}, []string{"building"}, catalog.G2C, false, []string{"پروانهٔ ساخت", "گواهی ناظر"}},
	{"پروانهٔ اشتغال مهندسی", "engineering practice licence", []string{"پروانهٔ نظام مهندسی"}, []string{"IMPASCO"}, []string{"job"}, catalog.G2C, true, []string{"مدرک تحصیلی", "گواهی آزمون"}},
	{"پروانهٔ کسب", "business licence", []string{"جواز کسب"}, []string{"MIMT"}, []string{"start_business"}, catalog.G2B, true, []string{"کارت ملی", "اجاره‌نامه", "گواهی عدم سوء‌پیشینه"}},
	{"کارت بازرگانی", "commercial card", []string{"واردات", "صادرات"}, []string{"TPO", "MIMT"}, []string{"trade"}, catalog.G2B, true, []string{"اساسنامهٔ شرکت", "گواهی مالیاتی"}},
	{"ثبت سفارش کالا", "import order registration", []string{"واردات"}, []string{"TPO"}, []string{"trade"}, catalog.G2B, false, []string{"کارت بازرگانی", "پیش‌فاکتور"}},
	{"ترخیص کالا", "customs clearance", []string{"گمرک"}, []string{"IRICA"}, []string{"trade"}, catalog.G2B, false, []string{"اظهارنامهٔ گمرکی", "بارنامه"}},
	{"اظهارنامهٔ مالیاتی", "tax return", []string{"مالیات"}, []string{"INTA"}, []string{"run_business"}, catalog.G2B, false, []string{"دفاتر قانونی", "صورت‌های مالی"}},
	{"مفاصاحساب مالیاتی", "tax clearance", []string{"مفاصا حساب"}, []string{"INTA"}, []string{"housing", "run_business"}, catalog.G2B, false, []string{"کد اقتصادی"}},
	{"کد اقتصادی", "economic code", []string{"شناسهٔ مالیاتی"}, []string{"INTA"}, []string{"start_business"}, catalog.G2B, false, []string{"اساسنامهٔ شرکت"}},
	{"شرکت سهامی خاص", "private joint-stock company", []string{"ثبت شرکت"}, []string{"SSAA"}, []string{"start_business"}, catalog.G2B, false, []string{"اساسنامه", "صورت‌جلسهٔ مجمع"}},
	{"علامت تجاری", "trademark", []string{"برند"}, []string{"SSAA"}, []string{"run_business"}, catalog.G2B, false, []string{"نمونهٔ علامت"}},
	{"بیمهٔ تأمین اجتماعی", "social security insurance", []string{"بیمه", "سابقهٔ بیمه"}, []string{"SSO"}, []string{"job", "hire"}, catalog.G2C, false, []string{"کارت ملی", "قرارداد کار"}},
	{"دفترچهٔ بیمهٔ درمانی", "health insurance booklet", []string{"دفترچه بیمه"}, []string{"SSO", "IHIO"}, []string{"health"}, catalog.G2C, false, []string{"کارت ملی"}},
	{"مستمری بازنشستگی", "old-age pension", []string{"حقوق بازنشستگی"}, []string{"SSO", "CSPF"}, []string{"retirement"}, catalog.G2C, false, []string{"سابقهٔ بیمه", "حکم کارگزینی"}},
	{"بیمهٔ بیکاری", "unemployment benefit", []string{"مقرری بیکاری"}, []string{"MCLS", "SSO"}, []string{"unemployment"}, catalog.G2C, false, []string{"قرارداد کار", "گواهی ترک کار"}},
	{"یارانهٔ نقدی", "cash subsidy", []string{"یارانه", "کالابرگ"}, []string{"MCLS"}, []string{"low_income"}, catalog.G2C, false, []string{"کارت ملی سرپرست خانوار"}},
	{"مستمری معلولان", "disability allowance", []string{"معلولیت"}, []string{"WELFARE"}, []string{"disability"}, catalog.G2C, false, []string{"کمیسیون پزشکی"}},
	{"کارت پایان خدمت", "military service completion card", []string{"سربازی", "نظام وظیفه"}, []string{"CONSCRIPTION"}, []string{"military_service"}, catalog.G2C, false, []string{"کارت ملی", "گواهی پایان دوره"}},
	{"معافیت تحصیلی", "student deferment", []string{"معافیت"}, []string{"CONSCRIPTION"}, []string{"military_service", "higher_education"}, catalog.G2C, false, []string{"گواهی اشتغال به تحصیل"}},
	{"مدرک تحصیلی", "academic degree", []string{"دانشنامه"}, []string{"MSRT", "MOE"}, []string{"higher_education", "job"}, catalog.G2C, false, []string{"کارت ملی"}},
	{"ثبت‌نام مدرسه", "school enrolment", []string{"پیش‌ثبت‌نام"}, []string{"MOE"}, []string{"schooling"}, catalog.G2C, false, []string{"شناسنامهٔ دانش‌آموز", "کارنامه"}},
	{"کارنامهٔ تحصیلی", "school report card", []string{"نمرات"}, []string{"MOE"}, []string{"schooling"}, catalog.G2C, false, []string{"کد دانش‌آموزی"}},
	{"پروانهٔ مطب", "medical practice licence", []string{"مطب"}, []string{"MOH"}, []string{"job"}, catalog.G2C, true, []string{"مدرک پزشکی", "پروانهٔ نظام پزشکی"}},
	{"پروانهٔ ساخت دارو", "drug manufacturing licence", []string{"دارو"}, []string{"FDA"}, []string{"run_business"}, catalog.G2B, true, []string{"گواهی GMP"}},
	{"کارت سلامت", "health card", []string{"کارت بهداشت"}, []string{"MOH"}, []string{"job", "health"}, catalog.G2C, false, []string{"آزمایش پزشکی"}},
	{"انشعاب برق", "electricity connection", []string{"برق", "کنتور برق"}, []string{"TAVANIR"}, []string{"building", "housing"}, catalog.G2C, false, []string{"سند ملک", "پایان کار"}},
	{"انشعاب گاز", "gas connection", []string{"گاز", "کنتور گاز"}, []string{"NIGC"}, []string{"building", "housing"}, catalog.G2C, false, []string{"سند ملک"}},
	{"انشعاب آب و فاضلاب", "water and sewer connection", []string{"آب", "کنتور آب"}, []string{"ABFA"}, []string{"building", "housing"}, catalog.G2C, false, []string{"سند ملک"}},
	{"پروانهٔ بهره‌برداری کشاورزی", "agricultural operating licence", []string{"کشاورزی"}, []string{"MOJA"}, []string{"start_business"}, catalog.G2B, true, []string{"سند زمین"}},
	{"مجوز زیست‌محیطی", "environmental permit", []string{"محیط زیست"}, []string{"DOE"}, []string{"run_business"}, catalog.G2B, true, []string{"گزارش ارزیابی"}},
	{"پروانهٔ شکار", "hunting licence", []string{"شکار"}, []string{"DOE"}, nil, catalog.G2C, true, []string{"گواهی دورهٔ آموزشی"}},
	{"پروانهٔ نشر", "publishing licence", []string{"نشر", "کتاب"}, []string{"MCIG"}, []string{"start_business"}, catalog.G2B, true, []string{"مدرک تحصیلی"}},
	{"مجوز دفتر خدمات مسافرتی", "travel agency licence", []string{"آژانس"}, []string{"MCTH"}, []string{"start_business"}, catalog.G2B, true, []string{"گواهی دورهٔ آموزشی"}},
	{"روادید", "visa", []string{"ویزا"}, []string{"MFA"}, []string{"travel"}, catalog.G2C, false, []string{"گذرنامه"}},
	{"تأیید اسناد کنسولی", "consular legalisation", []string{"ترجمه"}, []string{"MFA"}, []string{"travel"}, catalog.G2C, false, []string{"اصل سند"}},
	{"چک صیادی", "Sayad cheque", []string{"چک"}, []string{"CBI"}, []string{"run_business"}, catalog.G2C, false, []string{"کارت ملی"}},
	{"کد بورسی", "stock exchange code", []string{"سجام", "بورس"}, []string{"SEO"}, nil, catalog.G2C, false, []string{"کارت ملی"}},
	{"پروانهٔ کاربرد علامت استاندارد", "standard mark licence", []string{"استاندارد"}, []string{"IIO"}, []string{"run_business"}, catalog.G2B, true, []string{"گزارش آزمون"}},
	{"مجوز ارائهٔ خدمات اینترنتی", "internet service licence", []string{"اینترنت"}, []string{"CRA", "MICT"}, []string{"start_business"}, catalog.G2B, true, []string{"اساسنامهٔ شرکت"}},
	{"پروانهٔ تأسیس واحد صنعتی", "industrial unit establishment licence", []string{"جواز تأسیس"}, []string{"MIMT"}, []string{"start_business"}, catalog.G2B, true, []string{"طرح توجیهی"}},
	{"خلافی خودرو", "traffic fines", []string{"جریمهٔ رانندگی"}, []string{"POLICE_TRAFFIC"}, []string{"driving", "vehicle"}, catalog.G2C, false, []string{"شمارهٔ پلاک"}},
	{"معاینهٔ فنی خودرو", "vehicle inspection", []string{"معاینه فنی"}, []string{"POLICE_TRAFFIC", "TEHRAN_MUN"}, []string{"vehicle"}, catalog.G2C, false, []string{"سند خودرو"}},
	{"عوارض نوسازی", "property renewal levy", []string{"عوارض"}, []string{"TEHRAN_MUN", "MASHHAD_MUN"}, []string{"housing"}, catalog.G2C, false, []string{"کد نوسازی"}},
	{"کارت اقامت اتباع خارجی", "residence card for foreign nationals", []string{"اقامت"}, []string{"POLICE_PASS"}, []string{"identity"}, catalog.G2C, false, []string{"گذرنامه"}},
	{"دفترچهٔ حساب ارزی", "foreign currency account", []string{"ارز"}, []string{"CBI"}, []string{"trade"}, catalog.G2B, false, []string{"کد اقتصادی"}},
}

// action is what a service does to its subject.
type action struct {
	fa, en string
	permit bool // with a permit subject, the service is a permit
}

var actions = []action{
	{"صدور", "Issuance of", true},
	{"تمدید", "Renewal of", true},
	{"صدور المثنای", "Replacement of", true},
	{"ابطال", "Cancellation of", false},
	{"استعلام", "Inquiry about", false},
	{"اصلاح مشخصات", "Correction of", false},
	{"ثبت", "Registration of", false},
	{"انتقال", "Transfer of", false},
	{"پیگیری درخواست", "Tracking the request for", false},
	{"اعتراض به", "Appeal concerning", false},
	{"تعلیق", "Suspension of", false},
	{"ارتقای", "Upgrade of", true},
}

// qualifier narrows a service to some applicants or places.
var qualifiers = []struct{ fa, en string }{
	{"", ""},
	{"", ""},
	{"برای اتباع خارجی", "for foreign nationals"},
	{"ویژهٔ ایثارگران", "for veterans' families"},
	{"برای اشخاص حقوقی", "for legal entities"},
	{"به‌صورت فوری", "express"},
	{"در مناطق آزاد", "in free zones"},
	{"برای ایرانیان خارج از کشور", "for Iranians abroad"},
	{"برای افراد زیر هجده سال", "for minors"},
	{"در استان تهران", "in Tehran province"},
	{"در استان خراسان رضوی", "in Razavi Khorasan province"},
	{"در استان فارس", "in Fars province"},
	{"در استان اصفهان", "in Isfahan province"},
	{"در استان خوزستان", "in Khuzestan province"},
	{"در استان آذربایجان شرقی", "in East Azerbaijan province"},
	{"از طریق دفاتر پیشخوان", "through counter offices"},
}

// Agencies returns the generated catalogue's agencies.
func Agencies() []catalog.Agency {
	out := make([]catalog.Agency, len(agencies))
	for i, a := range agencies {
		out[i] = catalog.Agency{Code: a.code, NameFa: a.fa, NameEn: a.en, Domain: a.domain, Connected: true}
	}
	return out
}

// Services returns n published services, the same for the same n and seed.
// Their identifiers are the seven-digit numbers from 1000001 on.
func Services(n int, seed uint64) []catalog.Service {
	rnd := rand.New(rand.NewPCG(seed, seed^0x5eed))
	domain := map[string]catalog.Domain{}
	for _, a := range agencies {
		domain[a.code] = a.domain
	}
	levels := []catalog.Level{catalog.L0, catalog.L1, catalog.L1, catalog.L1, catalog.L2, catalog.L2, catalog.L3, catalog.L4, catalog.L5}
	out := make([]catalog.Service, 0, n)
	for i := range n {
		s := subjects[rnd.IntN(len(subjects))]
		act := actions[rnd.IntN(len(actions))]
		q := qualifiers[rnd.IntN(len(qualifiers))]
		ag := s.agencies[rnd.IntN(len(s.agencies))]
		title := act.fa + " " + s.fa
		titleEn := act.en + " " + s.en
		if q.fa != "" {
			title += " " + q.fa
			titleEn += " " + q.en
		}
		var reqs []catalog.Requirement
		for j, r := range s.reqs {
			if rnd.IntN(4) > 0 {
				reqs = append(reqs, catalog.Requirement{Code: fmt.Sprintf("r%d", j), NameFa: r})
			}
		}
		r := catalog.Record{
			TitleFa: title,
			TitleEn: titleEn,
			DescriptionFa: fmt.Sprintf("این خدمت %s %s را برای متقاضیان %s انجام می‌دهد. متقاضی درخواست را ثبت می‌کند و نتیجه را در کارتابل خود می‌بیند.",
				act.fa, s.fa, []string{"سراسر کشور", "همهٔ استان‌ها", "واجد شرایط"}[rnd.IntN(3)]),
			DescriptionEn: fmt.Sprintf("%s %s, requested online and answered in the applicant's inbox.", act.en, s.en),
			Keywords:      s.keywords,
			Agency:        ag,
			Audience:      s.audience,
			Nature:        catalog.Sovereign,
			Scope:         catalog.ScopeNational,
			Events:        s.events,
			Trigger:       catalog.OnRequest,
			Decision:      catalog.DecideManual,
			Requirements:  reqs,
			Outputs:       []catalog.Output{{NameFa: "نتیجهٔ " + act.fa + " " + s.fa, NameEn: act.en + " " + s.en, Kind: "document"}},
			CostRials:     int64(rnd.IntN(50)) * 100_000,
			Visits:        rnd.IntN(3),
			Frequency:     catalog.AsNeeded,
			// Volumes spread over five orders of magnitude, as real ones do.
			AnnualVolume: int64(rnd.ExpFloat64() * float64([]int{1_000, 10_000, 100_000, 1_000_000}[rnd.IntN(4)])),
			Channels:     []catalog.Channel{catalog.ChannelWeb},
		}
		if s.permit && act.permit {
			r.Permit = &catalog.Permit{ValidityDays: 365 * (1 + rnd.IntN(5))}
		}
		out = append(out, catalog.Service{
			ID:      fmt.Sprintf("%07d", 1_000_001+i),
			Version: 1,
			Status:  catalog.Published,
			Record:  r,
			Level:   levels[rnd.IntN(len(levels))],
			Domain:  domain[ag],
		})
	}
	return out
}
