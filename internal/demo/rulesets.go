package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/rules"
)

// The demo's request-started smart services: services that the catalogue
// declares decided by rules (L3) and whose decision the rules can honestly
// make from the evidence the record names, each with a ruleset its agency
// writes and a second admin of the agency approves, through the rules
// verbs. Only these are L3 in the demo; every other service declared
// decided by rules has no ruleset and is shown as planned.
//
// The life-event chains' services (chains.go) have their own rulesets.

// demoRuleset is the ruleset of one demo service.
type demoRuleset struct {
	titleEn string // finds the published service by its English title
	rules   []rules.Rule
	tests   []rules.TestCase
}

// rulesDay is the day the rulesets' tests are decided on.
var rulesDay = time.Date(2026, time.January, 10, 0, 0, 0, 0, time.UTC)

// jd is a date as the back offices answer it: Gregorian and Jalali.
func jd(date, jalali string) map[string]any { return ev("date", date, "jalali", jalali) }

// person is the input of a test: evidence answers and the applicant.
func person(age int, sex string, evidence map[string]any) rules.Input {
	birth := rulesDay.AddDate(-age, -2, 0).Format("2006-01-02")
	return rules.Input{Form: map[string]any{}, Evidence: evidence, Today: rulesDay,
		Applicant: rules.Applicant{Age: age, BirthDate: birth, Sex: sex, Alive: true}}
}

const (
	nc = "0067749828" // the national code in the tests' answers
)

var identityOK = ev("national_code", nc, "first_name", "علی", "last_name", "رضایی", "father_name", "حسن", "sex", "male",
	"birth_date", jd("1981-03-30", "1360/01/10"), "birth_place", "تهران", "alive", true)

// ruleDefs returns the demo rulesets, in the order they are activated.
func ruleDefs() []demoRuleset {
	conviction := func(effective bool) map[string]any {
		return ev("court", "دادگاه کیفری ۲ تهران", "date", jd("2019-05-04", "1398/02/14"), "effective", effective,
			"offence_fa", "کلاهبرداری", "offence_en", "Fraud", "sentence", "حبس تعزیری")
	}
	criminal := func(clean bool, convictions ...any) map[string]any {
		if convictions == nil {
			convictions = []any{}
		}
		return ev("national_code", nc, "clean", clean, "convictions", convictions, "issued_at", jd("2025-11-01", "1404/08/10"))
	}
	judgments := func(final ...bool) map[string]any {
		js := []any{}
		for i, f := range final {
			js = append(js, ev("court_fa", "دادگاه عمومی حقوقی تهران", "date", jd("2024-06-01", "1403/03/12"), "final", f,
				"number", fmt.Sprintf("140309980000%d", i), "subject_fa", "مطالبهٔ وجه"))
		}
		return ev("national_code", nc, "judgments", js)
	}
	degree := func(levels ...string) map[string]any {
		ds := []any{}
		for _, l := range levels {
			ds = append(ds, ev("level", l, "level_fa", "کارشناسی", "field", "مهندسی کامپیوتر", "university", "دانشگاه تهران",
				"graduated", jd("2015-09-04", "1394/06/13"), "gpa", "16.20", "certificate_number", "MSRT-2015-004291"))
		}
		return ev("national_code", nc, "degrees", ds)
	}
	notEnrolled := ev("national_code", nc, "enrolled", false)
	enrolled := func(levelFa, until, untilJalali string) map[string]any {
		return ev("national_code", nc, "enrolled", true, "university", "دانشگاه شیراز", "field", "حقوق", "level_fa", levelFa,
			"student_number", "40100137", "until", jd(until, untilJalali))
	}
	military := func(status, fa string) map[string]any {
		return ev("national_code", nc, "status", status, "status_fa", fa)
	}
	passport := func(holds, valid bool, expires string) map[string]any {
		if !holds {
			return ev("national_code", nc, "holds", false)
		}
		return ev("national_code", nc, "holds", true, "valid", valid, "number", "E50974977",
			"issued", jd("2021-11-01", "1400/08/10"), "expires", jd(expires, "—"))
	}
	exitBan := func(banned bool) map[string]any {
		if banned {
			return ev("national_code", nc, "banned", true, "authority_fa", "دادسرای عمومی و انقلاب تهران",
				"since", jd("2025-02-01", "1403/11/13"), "as_of", jd("2025-11-01", "1404/08/10"))
		}
		return ev("national_code", nc, "banned", false, "as_of", jd("2025-11-01", "1404/08/10"))
	}
	accounts := func(n int) map[string]any {
		as := []any{}
		for range n {
			as = append(as, ev("bank_fa", "بانک ملی ایران", "iban", "IR350100863940873883209439", "kind_fa", "سپردهٔ کوتاه‌مدت",
				"opened", jd("2005-01-02", "1383/10/13")))
		}
		return ev("national_code", nc, "accounts", as)
	}
	family := func(relations ...string) map[string]any {
		rs := []any{}
		for _, r := range relations {
			rs = append(rs, ev("relation", r, "national_code", "0033005877", "first_name", "آرش", "last_name", "رضایی",
				"birth_date", jd("2012-02-27", "1390/12/08"), "alive", true))
		}
		return ev("national_code", nc, "relatives", rs)
	}
	marital := func(status, fa string) map[string]any {
		return ev("national_code", nc, "status", status, "status_fa", fa)
	}
	homes := func(owns, state bool) map[string]any {
		return ev("national_code", nc, "owns_home", owns, "state_housing", state)
	}
	titles := func(n int) map[string]any {
		ts := []any{}
		for range n {
			ts = append(ts, ev("area_m2", 70, "deed_number", "۱۳۹۶۷۷۰۵۸۰۹۰", "electronic", true, "kind_fa", "آپارتمان مسکونی",
				"plate_fa", "۱۰۰ فرعی از ۱۰ اصلی", "registered", jd("2005-01-03", "1383/10/14"), "section_fa", "بخش ۱ تهران", "share_fa", "شش دانگ"))
		}
		return ev("national_code", nc, "titles", ts)
	}
	address := func(verified bool) map[string]any {
		return ev("national_code", nc, "address_fa", "تهران، خیابان آزادی، کوچهٔ ۲، پلاک ۵", "city_fa", "تهران", "postcode", "3864404946", "verified", verified)
	}
	welfare := func(decile int, head string) map[string]any {
		return ev("national_code", nc, "head_national_code", head, "household_size", 4, "decile", decile, "as_of", jd("2025-11-01", "1404/08/10"))
	}

	return []demoRuleset{
		{
			titleEn: "Certificate of no criminal record",
			rules: []rules.Rule{
				{Code: "clean_record", Outcome: rules.Approve,
					When:      `evidence.criminal_record.clean && !evidence.criminal_record.convictions.exists(c, c.effective) && !evidence.judgment.judgments.exists(j, j.final)`,
					ExplainFa: "پایگاه سوابق کیفری فراجا هیچ محکومیت مؤثری برای متقاضی ثبت نکرده است و رأی قطعی تازه‌ای هم در قوهٔ قضاییه نیست",
					ExplainEn: "FARAJA's criminal records hold no effective conviction of the applicant and the judiciary has no recent final judgment"},
				{Code: "effective_conviction", Outcome: rules.Refer,
					When:      `evidence.criminal_record.convictions.exists(c, c.effective)`,
					ExplainFa: "برای متقاضی {{size(evidence.criminal_record.convictions.filter(c, c.effective))}} محکومیت مؤثر ثبت شده است؛ کارشناس گواهی را با درج سوابق صادر می‌کند",
					ExplainEn: "{{size(evidence.criminal_record.convictions.filter(c, c.effective))}} effective conviction(s) are on record; an officer issues the certificate stating them"},
				{Code: "final_judgment", Outcome: rules.Refer,
					When:      `evidence.judgment.judgments.exists(j, j.final)`,
					ExplainFa: "قوهٔ قضاییه رأی قطعی‌ای برای متقاضی ثبت کرده است که باید با سوابق کیفری تطبیق داده شود؛ کارشناس بررسی می‌کند",
					ExplainEn: "the judiciary has a final judgment about the applicant that must be matched with the criminal record; an officer checks"},
			},
			tests: []rules.TestCase{
				{Name: "clean record", Want: rules.Approve, Input: person(45, "male", ev("identity", identityOK, "criminal_record", criminal(true), "judgment", judgments()))},
				{Name: "a spent conviction does not count", Want: rules.Approve, Input: person(45, "male", ev("identity", identityOK, "criminal_record", criminal(true, conviction(false)), "judgment", judgments()))},
				{Name: "effective conviction", Want: rules.Refer, Input: person(45, "male", ev("identity", identityOK, "criminal_record", criminal(false, conviction(true)), "judgment", judgments()))},
				{Name: "final judgment not yet on the record", Want: rules.Refer, Input: person(45, "male", ev("identity", identityOK, "criminal_record", criminal(true), "judgment", judgments(true)))},
				{Name: "a judgment under appeal does not count", Want: rules.Approve, Input: person(45, "male", ev("identity", identityOK, "criminal_record", criminal(true), "judgment", judgments(false)))},
			},
		},
		{
			titleEn: "Employer's social insurance clearance",
			rules: []rules.Rule{
				{Code: "no_debt", Outcome: rules.Approve,
					When:      `evidence.sso_clearance.employer && evidence.sso_clearance.cleared && evidence.sso_clearance.debt_rials == 0`,
					ExplainFa: "کارگاه متقاضی نزد سازمان تأمین اجتماعی هیچ بدهی بیمه‌ای ندارد",
					ExplainEn: "the applicant's workshop owes the Social Security Organization no contributions"},
				{Code: "not_employer", Outcome: rules.Reject,
					When:      `!evidence.sso_clearance.employer`,
					ExplainFa: "سازمان تأمین اجتماعی کارگاهی به نام متقاضی ثبت نکرده است؛ مفاصاحساب کارفرمایی فقط برای کارفرمایان صادر می‌شود",
					ExplainEn: "the Social Security Organization has no workshop registered to the applicant; an employer's clearance is only for employers"},
				{Code: "debt", Outcome: rules.Reject,
					When:      `evidence.sso_clearance.employer && evidence.sso_clearance.debt_rials > 0`,
					ExplainFa: "کارگاه {{evidence.sso_clearance.debt_rials}} ریال بدهی بیمه‌ای دارد؛ پس از پرداخت یا تقسیط بدهی دوباره درخواست دهید",
					ExplainEn: "the workshop owes {{evidence.sso_clearance.debt_rials}} rials in contributions; apply again once the debt is paid or rescheduled"},
			},
			tests: []rules.TestCase{
				{Name: "cleared employer", Want: rules.Approve, Input: person(45, "male", ev("sso_clearance", ev("national_code", nc, "employer", true, "cleared", true, "debt_rials", 0, "certificate_number", "SSO-2025-00800")))},
				{Name: "not an employer", Want: rules.Reject, Input: person(30, "female", ev("sso_clearance", ev("national_code", nc, "employer", false)))},
				{Name: "in debt", Want: rules.Reject, Input: person(50, "male", ev("sso_clearance", ev("national_code", nc, "employer", true, "cleared", false, "debt_rials", 420_000_000)))},
			},
		},
		{
			titleEn: "Checking for an exit ban",
			rules: []rules.Rule{
				{Code: "sana_account", Outcome: rules.Approve,
					When:      `evidence.sana.registered`,
					ExplainFa: "متقاضی حساب ثنا دارد و نتیجهٔ استعلام ممنوع‌الخروجی به حساب ثنای او ابلاغ می‌شود",
					ExplainEn: "the applicant has a Sana account, to which the exit-ban result is delivered"},
				{Code: "no_sana", Outcome: rules.Reject,
					When:      `!evidence.sana.registered`,
					ExplainFa: "متقاضی در سامانهٔ ثنا ثبت‌نام نکرده است؛ نتیجه فقط به حساب ثنا ابلاغ می‌شود، پس ابتدا در ثنا ثبت‌نام کنید",
					ExplainEn: "the applicant is not registered in Sana; the result is only delivered there, so register in Sana first"},
			},
			tests: []rules.TestCase{
				{Name: "registered in Sana", Want: rules.Approve, Input: person(45, "male", ev("sana", ev("national_code", nc, "registered", true, "sana_code", "5565951830644658", "registered_at", jd("2024-11-01", "1403/08/11"))))},
				{Name: "no Sana account", Want: rules.Reject, Input: person(22, "female", ev("sana", ev("national_code", nc, "registered", false)))},
			},
		},
		{
			titleEn: "Master's entrance exam registration",
			rules: []rules.Rule{
				{Code: "graduate", Outcome: rules.Approve,
					When:      `evidence.degree.degrees.exists(d, d.level in ["bachelor", "master", "doctorate"])`,
					ExplainFa: "وزارت علوم مدرک کارشناسی یا بالاتر متقاضی را تأیید کرده است",
					ExplainEn: "the science ministry confirms the applicant's bachelor's degree or higher"},
				{Code: "final_year", Outcome: rules.Approve,
					When:      `evidence.enrolment.enrolled && evidence.enrolment.level_fa == "کارشناسی" && days_between(today, date(evidence.enrolment.until.date)) <= 365`,
					ExplainFa: "متقاضی دانشجوی سال آخر کارشناسی است و تا {{evidence.enrolment.until.jalali}} دانش‌آموخته می‌شود",
					ExplainEn: "the applicant is a final-year bachelor's student graduating by {{evidence.enrolment.until.date}}"},
				{Code: "not_final_year", Outcome: rules.Reject,
					When:      `!evidence.degree.degrees.exists(d, d.level in ["bachelor", "master", "doctorate"]) && evidence.enrolment.enrolled && evidence.enrolment.level_fa == "کارشناسی" && days_between(today, date(evidence.enrolment.until.date)) > 365`,
					ExplainFa: "متقاضی دانشجوی کارشناسی است ولی تا {{evidence.enrolment.until.jalali}} دانش‌آموخته نمی‌شود؛ فقط دانشجویان سال آخر می‌توانند ثبت‌نام کنند",
					ExplainEn: "the applicant is a bachelor's student graduating only on {{evidence.enrolment.until.date}}; only final-year students may register"},
				{Code: "no_bachelor", Outcome: rules.Reject,
					When:      `!evidence.degree.degrees.exists(d, d.level in ["bachelor", "master", "doctorate"]) && !(evidence.enrolment.enrolled && evidence.enrolment.level_fa == "کارشناسی")`,
					ExplainFa: "وزارت علوم نه مدرک کارشناسی برای متقاضی ثبت کرده است و نه اشتغال به تحصیل در کارشناسی",
					ExplainEn: "the science ministry holds neither a bachelor's degree nor a bachelor's enrolment of the applicant"},
			},
			tests: []rules.TestCase{
				{Name: "graduate", Want: rules.Approve, Input: person(32, "female", ev("degree", degree("bachelor"), "enrolment", notEnrolled))},
				{Name: "final-year student", Want: rules.Approve, Input: person(22, "male", ev("degree", degree(), "enrolment", enrolled("کارشناسی", "2026-07-01", "1405/04/10")))},
				{Name: "second-year student", Want: rules.Reject, Input: person(20, "male", ev("degree", degree(), "enrolment", enrolled("کارشناسی", "2028-07-01", "1407/04/10")))},
				{Name: "neither", Want: rules.Reject, Input: person(19, "male", ev("degree", degree(), "enrolment", notEnrolled))},
			},
		},
		{
			titleEn: "Civil service recruitment exam registration",
			rules: []rules.Rule{
				{Code: "eligible", Outcome: rules.Approve,
					When: `applicant.age >= 18 && applicant.age <= 40 && size(evidence.degree.degrees) > 0 && ` +
						`(applicant.sex == "female" || evidence.military_status.status in ["completed", "exempt", "not_subject"])`,
					ExplainFa: "متقاضی {{applicant.age}} ساله است، مدرک دانشگاهی دارد و وضعیت نظام وظیفهٔ او مانعی ندارد",
					ExplainEn: "the applicant is {{applicant.age}}, holds a university degree and their military service status is no bar"},
				{Code: "under_age", Outcome: rules.Reject, When: `applicant.age < 18`,
					ExplainFa: "سن متقاضی {{applicant.age}} سال است؛ حداقل سن استخدام ۱۸ سال است",
					ExplainEn: "the applicant is {{applicant.age}}; the minimum age for employment is 18"},
				{Code: "over_age", Outcome: rules.Refer, When: `applicant.age > 40`,
					ExplainFa: "سن متقاضی {{applicant.age}} سال است؛ سقف ۴۰ سال برای ایثارگران و سوابق خدمت افزایش می‌یابد و کارشناس آن را بررسی می‌کند",
					ExplainEn: "the applicant is {{applicant.age}}; the 40-year limit is raised for veterans and past service, which an officer checks"},
				{Code: "no_degree", Outcome: rules.Reject, When: `size(evidence.degree.degrees) == 0`,
					ExplainFa: "وزارت علوم مدرک دانشگاهی‌ای برای متقاضی ثبت نکرده است؛ این آزمون فقط برای دارندگان مدرک دانشگاهی است",
					ExplainEn: "the science ministry holds no university degree of the applicant; this exam is for graduates only"},
				{Code: "military_service", Outcome: rules.Reject,
					When:      `applicant.sex == "male" && !(evidence.military_status.status in ["completed", "exempt", "not_subject"])`,
					ExplainFa: "وضعیت نظام وظیفهٔ متقاضی «{{evidence.military_status.status_fa}}» است؛ استخدام پایان خدمت یا معافیت دائم می‌خواهد",
					ExplainEn: "the applicant's military service status is {{evidence.military_status.status}}; employment needs completed service or a permanent exemption"},
			},
			tests: []rules.TestCase{
				{Name: "young graduate after service", Want: rules.Approve, Input: person(29, "male", ev("identity", identityOK, "degree", degree("bachelor"), "military_status", military("completed", "پایان خدمت")))},
				{Name: "woman graduate", Want: rules.Approve, Input: person(26, "female", ev("identity", identityOK, "degree", degree("master"), "military_status", military("not_subject", "غیرمشمول (بانوان)")))},
				{Name: "student deferral", Want: rules.Reject, Input: person(24, "male", ev("identity", identityOK, "degree", degree("bachelor"), "military_status", military("student_deferral", "معافیت تحصیلی")))},
				{Name: "no degree", Want: rules.Reject, Input: person(30, "female", ev("identity", identityOK, "degree", degree(), "military_status", military("not_subject", "غیرمشمول (بانوان)")))},
				{Name: "over forty goes to an officer", Want: rules.Refer, Input: person(45, "male", ev("identity", identityOK, "degree", degree("bachelor"), "military_status", military("completed", "پایان خدمت")))},
			},
		},
		{
			titleEn: "Arbaeen and Iraq pilgrimage registration",
			rules: []rules.Rule{
				{Code: "ready_to_travel", Outcome: rules.Approve,
					When:      `evidence.passport.holds && evidence.passport.valid && days_between(today, date(evidence.passport.expires.date)) >= 180 && !evidence.exit_ban.banned`,
					ExplainFa: "گذرنامهٔ متقاضی تا {{evidence.passport.expires.date}} معتبر است و ممنوع‌الخروج نیست",
					ExplainEn: "the applicant's passport is valid until {{evidence.passport.expires.date}} and there is no exit ban"},
				{Code: "exit_ban", Outcome: rules.Reject, When: `evidence.exit_ban.banned`,
					ExplainFa: "قوهٔ قضاییه برای متقاضی ممنوع‌الخروجی ثبت کرده است",
					ExplainEn: "the judiciary has an exit ban on the applicant"},
				{Code: "no_passport", Outcome: rules.Reject, When: `!evidence.passport.holds || !evidence.passport.valid`,
					ExplainFa: "متقاضی گذرنامهٔ معتبر ندارد؛ ابتدا گذرنامه بگیرید یا تمدید کنید",
					ExplainEn: "the applicant has no valid passport; get or renew one first"},
				{Code: "passport_expiring", Outcome: rules.Reject,
					When:      `evidence.passport.holds && evidence.passport.valid && days_between(today, date(evidence.passport.expires.date)) < 180`,
					ExplainFa: "گذرنامه تا {{evidence.passport.expires.date}} اعتبار دارد؛ برای سفر دست‌کم شش ماه اعتبار لازم است",
					ExplainEn: "the passport expires on {{evidence.passport.expires.date}}; travel needs at least six months' validity"},
			},
			tests: []rules.TestCase{
				{Name: "valid passport, no ban", Want: rules.Approve, Input: person(45, "male", ev("passport", passport(true, true, "2032-11-01"), "exit_ban", exitBan(false)))},
				{Name: "banned", Want: rules.Reject, Input: person(45, "male", ev("passport", passport(true, true, "2032-11-01"), "exit_ban", exitBan(true)))},
				{Name: "no passport", Want: rules.Reject, Input: person(35, "male", ev("passport", passport(false, false, ""), "exit_ban", exitBan(false)))},
				{Name: "passport expires in three months", Want: rules.Reject, Input: person(45, "female", ev("passport", passport(true, true, "2026-04-10"), "exit_ban", exitBan(false)))},
			},
		},
		{
			titleEn: "Penalty points on a driving licence",
			rules: []rules.Rule{
				{Code: "licence_holder", Outcome: rules.Approve, When: `evidence.driving_licence.holds`,
					ExplainFa: "پلیس راهور گواهینامهٔ شمارهٔ {{evidence.driving_licence.number}} را به نام متقاضی ثبت کرده است",
					ExplainEn: "the traffic police hold licence number {{evidence.driving_licence.number}} in the applicant's name"},
				{Code: "no_licence", Outcome: rules.Reject, When: `!evidence.driving_licence.holds`,
					ExplainFa: "پلیس راهور گواهینامه‌ای به نام متقاضی ثبت نکرده است، پس نمرهٔ منفی‌ای هم ندارد",
					ExplainEn: "the traffic police hold no licence in the applicant's name, so there are no penalty points"},
			},
			tests: []rules.TestCase{
				{Name: "holder", Want: rules.Approve, Input: person(45, "male", ev("driving_licence", ev("national_code", nc, "holds", true, "class", "پایه ۳", "number", "9000000000",
					"issued", jd("2000-03-30", "1379/01/11"), "expires", jd("2030-03-30", "1409/01/10"), "suspended", false)))},
				{Name: "no licence", Want: rules.Reject, Input: person(17, "female", ev("driving_licence", ev("national_code", nc, "holds", false)))},
			},
		},
		{
			titleEn: "National Housing Movement registration",
			rules: []rules.Rule{
				{Code: "eligible", Outcome: rules.Approve,
					When: `(evidence.marital_status.status == "married" || evidence.family.relatives.exists(r, r.relation == "child")) && ` +
						`!evidence.home_history.owns_home && !evidence.home_history.state_housing && size(evidence.title_deed.titles) == 0 && evidence.address.verified`,
					ExplainFa: "متقاضی سرپرست خانوار است، مسکن و سابقهٔ دریافت مسکن دولتی ندارد و نشانی سکونتش در {{evidence.address.city_fa}} تأیید شده است",
					ExplainEn: "the applicant heads a household, owns no home, has had no state housing and lives at a verified address in {{evidence.address.city_fa}}"},
				{Code: "owns_home", Outcome: rules.Reject,
					When:      `evidence.home_history.owns_home || size(evidence.title_deed.titles) > 0`,
					ExplainFa: "متقاضی مالک مسکن است ({{size(evidence.title_deed.titles)}} سند مالکیت در سازمان ثبت)؛ طرح برای خانوارهای فاقد مسکن است",
					ExplainEn: "the applicant owns a home ({{size(evidence.title_deed.titles)}} title deed(s) at the deeds registry); the scheme is for households without one"},
				{Code: "state_housing", Outcome: rules.Reject, When: `evidence.home_history.state_housing`,
					ExplainFa: "متقاضی پیش‌تر از مسکن یا تسهیلات مسکن دولتی استفاده کرده است",
					ExplainEn: "the applicant has already had state housing or a state housing loan"},
				{Code: "not_head", Outcome: rules.Reject,
					When:      `evidence.marital_status.status != "married" && !evidence.family.relatives.exists(r, r.relation == "child")`,
					ExplainFa: "متقاضی «{{evidence.marital_status.status_fa}}» است و فرزندی ندارد؛ طرح برای سرپرستان خانوار است",
					ExplainEn: "the applicant is {{evidence.marital_status.status}} without children; the scheme is for heads of household"},
				{Code: "address_unverified", Outcome: rules.Refer, When: `!evidence.address.verified`,
					ExplainFa: "نشانی سکونت متقاضی در پایگاه کد پستی تأیید نشده است؛ کارشناس سابقهٔ سکونت را بررسی می‌کند",
					ExplainEn: "the applicant's address is not verified in the postcode register; an officer checks the residence"},
			},
			tests: []rules.TestCase{
				{Name: "married tenant", Want: rules.Approve, Input: person(33, "male", ev("marital_status", marital("married", "متأهل"), "family", family("spouse"),
					"home_history", homes(false, false), "title_deed", titles(0), "address", address(true)))},
				{Name: "single parent", Want: rules.Approve, Input: person(38, "female", ev("marital_status", marital("divorced", "مطلقه"), "family", family("child"),
					"home_history", homes(false, false), "title_deed", titles(0), "address", address(true)))},
				{Name: "owner with state housing", Want: rules.Reject, Input: person(45, "male", ev("marital_status", marital("married", "متأهل"), "family", family("spouse", "child"),
					"home_history", homes(true, true), "title_deed", titles(1), "address", address(true)))},
				{Name: "single without children", Want: rules.Reject, Input: person(26, "male", ev("marital_status", marital("single", "مجرد"), "family", family("father", "mother"),
					"home_history", homes(false, false), "title_deed", titles(0), "address", address(true)))},
				{Name: "unverified address", Want: rules.Refer, Input: person(33, "male", ev("marital_status", marital("married", "متأهل"), "family", family("spouse"),
					"home_history", homes(false, false), "title_deed", titles(0), "address", address(false)))},
			},
		},
		{
			titleEn: "Registering for the cash subsidy",
			rules: []rules.Rule{
				{Code: "eligible", Outcome: rules.Approve,
					When:      `evidence.welfare_base.decile <= 7 && evidence.welfare_base.head_national_code == evidence.family.national_code && size(evidence.bank_account.accounts) > 0`,
					ExplainFa: "خانوار متقاضی در دهک {{evidence.welfare_base.decile}} است، متقاضی سرپرست خانوار است و حساب بانکی به نام خود دارد",
					ExplainEn: "the applicant's household is in decile {{evidence.welfare_base.decile}}, the applicant heads it and has a bank account in their name"},
				{Code: "high_decile", Outcome: rules.Reject, When: `evidence.welfare_base.decile >= 8`,
					ExplainFa: "پایگاه رفاه ایرانیان خانوار را در دهک {{evidence.welfare_base.decile}} قرار داده است؛ سه دهک بالا یارانهٔ نقدی نمی‌گیرند",
					ExplainEn: "the welfare database puts the household in decile {{evidence.welfare_base.decile}}; the top three deciles receive no cash subsidy"},
				{Code: "not_head", Outcome: rules.Reject, When: `evidence.welfare_base.head_national_code != evidence.family.national_code`,
					ExplainFa: "سرپرست خانوار متقاضی کس دیگری است؛ ثبت‌نام یارانه را سرپرست خانوار انجام می‌دهد",
					ExplainEn: "someone else heads the applicant's household; the head of household registers for the subsidy"},
				{Code: "no_account", Outcome: rules.Refer, When: `size(evidence.bank_account.accounts) == 0`,
					ExplainFa: "حساب بانکی‌ای به نام متقاضی پیدا نشد؛ کارشناس برای معرفی حساب با متقاضی تماس می‌گیرد",
					ExplainEn: "no bank account in the applicant's name was found; an officer will contact the applicant about an account"},
			},
			tests: []rules.TestCase{
				{Name: "head in decile four", Want: rules.Approve, Input: person(45, "male", ev("family", family("spouse", "child"), "welfare_base", welfare(4, nc), "bank_account", accounts(1)))},
				{Name: "decile nine", Want: rules.Reject, Input: person(45, "male", ev("family", family("spouse"), "welfare_base", welfare(9, nc), "bank_account", accounts(2)))},
				{Name: "not the head", Want: rules.Reject, Input: person(20, "female", ev("family", family("father", "mother"), "welfare_base", welfare(3, "8069789603"), "bank_account", accounts(1)))},
				{Name: "no account", Want: rules.Refer, Input: person(45, "male", ev("family", family("spouse"), "welfare_base", welfare(2, nc), "bank_account", accounts(0)))},
			},
		},
		{
			titleEn: "Viewing one's contribution record",
			rules: []rules.Rule{
				{Code: "insured", Outcome: rules.Approve, When: `evidence.insurance_record.insured`,
					ExplainFa: "متقاضی بیمه‌شدهٔ تأمین اجتماعی است و {{evidence.insurance_record.months}} ماه سابقهٔ پرداخت دارد",
					ExplainEn: "the applicant is insured with Social Security and has {{evidence.insurance_record.months}} months of contributions"},
				{Code: "never_insured", Outcome: rules.Reject, When: `!evidence.insurance_record.insured`,
					ExplainFa: "سازمان تأمین اجتماعی سابقهٔ بیمه‌پردازی‌ای برای متقاضی ثبت نکرده است",
					ExplainEn: "the Social Security Organization holds no contributions of the applicant"},
			},
			tests: []rules.TestCase{
				{Name: "insured", Want: rules.Approve, Input: person(45, "male", ev("insurance_record", ev("national_code", nc, "insured", true, "months", 288,
					"insurance_number", "0000001200", "last_employer_fa", "خویش‌فرما", "last_paid", jd("2025-10-01", "1404/07/09"))))},
				{Name: "never insured", Want: rules.Reject, Input: person(19, "female", ev("insurance_record", ev("national_code", nc, "insured", false, "months", 0)))},
			},
		},
		{
			titleEn: "Registering in Sana, the judiciary's e-notice system",
			rules: []rules.Rule{
				{Code: "own_mobile", Outcome: rules.Approve, When: `evidence.identity.alive && size(evidence.mobile_owner.lines) > 0`,
					ExplainFa: "سامانهٔ شاهکار {{size(evidence.mobile_owner.lines)}} خط همراه به نام متقاضی ثبت کرده است و کد فعال‌سازی ثنا به آن فرستاده می‌شود",
					ExplainEn: "the Shahkar register has {{size(evidence.mobile_owner.lines)}} mobile line(s) in the applicant's name, to which the Sana activation code is sent"},
				{Code: "no_mobile", Outcome: rules.Reject, When: `size(evidence.mobile_owner.lines) == 0`,
					ExplainFa: "هیچ خط همراهی به نام متقاضی ثبت نیست؛ ثبت‌نام ثنا خط همراهی به نام خود متقاضی می‌خواهد",
					ExplainEn: "no mobile line is registered in the applicant's name; Sana registration needs a line in the applicant's own name"},
			},
			tests: []rules.TestCase{
				{Name: "own line", Want: rules.Approve, Input: person(45, "male", ev("identity", identityOK, "mobile_owner", ev("national_code", nc, "lines",
					[]any{ev("number", "09125593735", "operator_fa", "همراه اول", "since", jd("2024-11-01", "1403/08/11"))})))},
				{Name: "no line", Want: rules.Reject, Input: person(45, "male", ev("identity", identityOK, "mobile_owner", ev("national_code", nc, "lines", []any{})))},
			},
		},
	}
}

// ruleAgencies are the agencies of the demo rulesets' services.
var ruleAgencies = []string{"FARAJA", "SSO", "JUDICIARY_IT", "SANJESH", "AREO", "HAJJ", "FARAJA_RAHVAR", "MRUD", "TSO"}

// RulesAdmins returns two admins for each agency of the demo rulesets: the
// chains' admins where the agency has them (ChainAdmins), otherwise
// living adults (21 or over) of the registry taken from the end of the
// population after those, so that they are none of the other demo people.
func RulesAdmins(ps *backoffice.People) map[string][2]string {
	chain := ChainAdmins(ps)
	nocrAdmin, nocrOperator := NOCRStaff(ps)
	platformAdmin, overseer := PlatformStaff(ps)
	taken := []string{backoffice.CitizenAli, backoffice.CitizenMaryam, nocrAdmin, nocrOperator, platformAdmin, overseer}
	for _, p := range demoEventPeople(ps) {
		taken = append(taken, p.NationalCode, p.Spouse)
		taken = append(taken, p.Children...)
	}
	for _, pair := range chain {
		taken = append(taken, pair[0], pair[1])
	}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	all := ps.All()
	var free []string
	for i := len(all) - 1; i >= 0; i-- {
		p := all[i]
		if p.Alive() && p.Age(at) >= 21 && !slices.Contains(taken, p.NationalCode) {
			free = append(free, p.NationalCode)
		}
	}
	out := map[string][2]string{}
	for _, ag := range ruleAgencies {
		if pair, ok := chain[ag]; ok && pair[0] != "" && pair[1] != "" {
			out[ag] = pair
			continue
		}
		var pair [2]string
		for k := range pair {
			if len(free) > 0 {
				pair[k], free = free[0], free[1:]
			}
		}
		out[ag] = pair
	}
	return out
}

// RulesConfig is what LoadRulesets writes through.
type RulesConfig struct {
	Catalog  *catalog.Catalog
	Identity *identity.Identity
	Rules    *rules.Rules
}

// LoadRulesets makes the rulesets' admins, and has the first admin of each
// service's agency write its ruleset with its tests and ask for activation,
// and the second approve it, through the rules verbs. It is idempotent: a
// service whose ruleset is active is left as it is.
func LoadRulesets(ctx context.Context, cfg RulesConfig, ps *backoffice.People) error {
	const op = "demo.LoadRulesets"
	admins, err := agencyAdmins(ctx, cfg.Identity, ps, RulesAdmins(ps))
	if err != nil {
		return errs.Wrap(op, err)
	}
	byTitle, err := publishedByTitle(ctx, cfg.Catalog)
	if err != nil {
		return errs.Wrap(op, err)
	}
	for _, d := range ruleDefs() {
		svc, ok := byTitle[d.titleEn]
		if !ok {
			return errs.E(op, errs.Internal, "the demo catalogue has no service "+d.titleEn, "")
		}
		pair, ok := admins[svc.Record.Agency]
		if !ok {
			return errs.E(op, errs.Internal, "no rules admins for "+svc.Record.Agency, "")
		}
		l := chainLink{titleEn: d.titleEn, rules: d.rules, tests: d.tests}
		if err := chainRules(ctx, cfg.Rules, pair, svc.ID, l); err != nil {
			return errs.Wrap(op, fmt.Errorf("rules of %s: %w", d.titleEn, err))
		}
	}
	return nil
}
