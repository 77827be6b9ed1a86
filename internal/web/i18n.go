package web

import (
	"net/http"
	"strconv"
	"strings"
)

// lang is a language the portal speaks. Persian is the default; English is
// the second language.
type lang string

const (
	fa lang = "fa"
	en lang = "en"
)

// langCookie holds the visitor's choice of language.
const langCookie = "lang"

// dir returns the writing direction of l.
func (l lang) dir() string {
	if l == en {
		return "ltr"
	}
	return "rtl"
}

// other returns the language the switch in the header offers.
func (l lang) other() lang {
	if l == en {
		return fa
	}
	return en
}

// parseLang returns the language named by s, and whether it is one we speak.
func parseLang(s string) (lang, bool) {
	switch s {
	case "fa":
		return fa, true
	case "en":
		return en, true
	}
	return fa, false
}

// langOf returns the language of r: the cookie if set, Persian otherwise.
func langOf(r *http.Request) lang {
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := parseLang(c.Value); ok {
			return l
		}
	}
	return fa
}

// text is one entry of the translation table.
type text struct{ fa, en string }

// translate returns the text for key in l, with {1}, {2}, … replaced by args.
// A missing key shows itself in brackets so it is noticed (and a test fails).
func translate(l lang, key string, args ...string) string {
	tx, ok := texts[key]
	if !ok {
		return "[" + key + "]"
	}
	s := tx.fa
	if l == en {
		s = tx.en
	}
	for i, a := range args {
		s = strings.ReplaceAll(s, "{"+strconv.Itoa(i+1)+"}", a)
	}
	return s
}

// texts is the one translation table: every word the portal shows people
// (except the records' own text and the catalogue's labels) is here.
var texts = map[string]text{
	// The frame of every page.
	"site.name":        {"پنجره ملی خدمات دولت هوشمند", "National Window of Smart Government Services"},
	"site.short":       {"پنجره ملی خدمات", "National Services Window"},
	"skip":             {"رفتن به محتوای اصلی", "Skip to main content"},
	"nav.label":        {"پیوندهای اصلی", "Main links"},
	"nav.services":     {"خدمات", "Services"},
	"nav.agencies":     {"دستگاه‌های اجرایی", "Agencies"},
	"nav.about":        {"سطح خدمات", "Service levels"},
	"lang.switch":      {"English", "فارسی"},
	"lang.switch.hint": {"Read this page in English", "این صفحه را به فارسی بخوانید"},
	"phase":            {"آزمایشی", "Pilot"},
	"phase.text":       {"این سامانه در مرحلهٔ آزمایشی است؛ اطلاعات خدمات را دستگاه‌ها ثبت می‌کنند.", "This is a pilot; agencies record the information about their services."},
	"footer.label":     {"پیوندهای پانویس", "Footer links"},
	"footer.about":     {"دربارهٔ سطح خدمات", "About service levels"},
	"footer.opendata":  {"دادهٔ باز فهرست خدمات (JSON-LD)", "Open data: the service catalogue (JSON-LD)"},
	"footer.api":       {"راهنمای واسط برنامه‌نویسی", "API documentation"},
	"footer.note":      {"فهرست خدمات، سطح هر خدمت و آمار دستگاه‌ها از شناسنامهٔ ثبت‌شدهٔ خدمات محاسبه می‌شود.", "The catalogue, each service's level and the agencies' figures are computed from the published service records."},
	"footer.version":   {"نسخهٔ نرم‌افزار:", "Software version:"},

	// Signing in and the profile (account.go).
	"account.signin":       {"ورود", "Sign in"},
	"account.signout":      {"خروج", "Sign out"},
	"account.signedin":     {"واردشده با نام", "Signed in as"},
	"account.me":           {"حساب من", "My account"},
	"me.title":             {"حساب من", "My account"},
	"me.name":              {"نام", "Name"},
	"me.noname":            {"ثبت نشده", "Not recorded"},
	"me.code":              {"کد ملی", "National code"},
	"me.roles":             {"نقش‌ها", "Roles"},
	"me.roles.sep":         {"، ", ", "},
	"me.agency":            {"دستگاه اجرایی", "Agency"},
	"me.sessions":          {"نشست‌های باز", "Open sessions"},
	"me.data":              {"داده‌های من", "My data"},
	"me.data.tracker":      {"ببینید کدام دستگاه‌ها، کی و چرا دربارهٔ شما استعلام کرده‌اند.", "see which agencies asked about you, when and why."},
	"me.data.consents":     {"اجازه‌هایی که به دستگاه‌ها داده‌اید را ببینید، بدهید یا پس بگیرید.", "see, give or withdraw the permissions you have given agencies."},
	"me.sessions.hint":     {"این‌ها مرورگرهایی هستند که با حساب شما وارد شده‌اند. اگر یکی را نمی‌شناسید، از همهٔ آن‌ها خارج شوید.", "These are the browsers signed in to your account. If you do not recognise one, sign out everywhere."},
	"me.session.device":    {"مرورگر", "Browser"},
	"me.session.started":   {"ورود", "Signed in"},
	"me.session.seen":      {"آخرین فعالیت", "Last active"},
	"me.session.current":   {"همین مرورگر", "This browser"},
	"me.signout.all":       {"خروج از همهٔ نشست‌ها", "Sign out everywhere"},
	"role.citizen":         {"شهروند", "Citizen"},
	"role.agency_operator": {"کارشناس دستگاه", "Agency operator"},
	"role.agency_admin":    {"مدیر دستگاه", "Agency administrator"},
	"role.overseer":        {"ناظر", "Overseer"},
	"role.platform_admin":  {"مدیر سامانه", "Platform administrator"},

	// The data tracker, consents and the exchange pages (tracker.go,
	// consent.go, exchange_admin.go).
	"tracker.title":             {"ردپای داده‌های من", "Who looked at my data"},
	"tracker.lead":              {"هر بار که دستگاهی از راه درگاه تبادل اطلاعات دربارهٔ شما استعلام می‌کند، این‌جا می‌بینید: چه زمانی، کدام دستگاه و سامانه، کدام داده، به چه منظور و با چه مجوزی.", "Every time an agency asks about you through the exchange, you see it here: when, which agency and system, which data, why, and on what grounds."},
	"tracker.consents":          {"رضایت‌های من", "My consents"},
	"tracker.json":              {"همین فهرست به صورت JSON", "This list as JSON"},
	"tracker.when":              {"زمان", "When"},
	"tracker.who":               {"دستگاه پرسنده", "Who asked"},
	"tracker.what":              {"داده", "Data"},
	"tracker.subject":           {"شهروند", "Citizen"},
	"tracker.why":               {"منظور", "Purpose"},
	"tracker.basis":             {"مجوز", "Grounds"},
	"tracker.outcome":           {"نتیجه", "Outcome"},
	"tracker.nopurpose":         {"اعلام نشده", "Not stated"},
	"tracker.consent":           {"رضایت شما", "Your consent"},
	"tracker.none":              {"تاکنون هیچ دستگاهی از راه درگاه تبادل دربارهٔ شما استعلام نکرده است.", "No agency has asked about you through the exchange yet."},
	"tracker.older":             {"استعلام‌های قدیمی‌تر", "Older inquiries"},
	"tracker.bad.before":        {"شمارهٔ صفحه درست نیست.", "The page reference is not valid."},
	"tracker.outcome.answered":  {"پاسخ داده شد", "Answered"},
	"tracker.outcome.no_record": {"سابقه‌ای نبود", "No record"},
	"tracker.outcome.refused":   {"رد شد", "Refused"},
	"tracker.outcome.failed":    {"ناموفق", "Failed"},
	"consent.title":             {"رضایت‌های من", "My consents"},
	"consent.lead":              {"برخی دستگاه‌ها و بانک‌ها تنها با رضایت شما می‌توانند داده‌ای دربارهٔ شما بپرسند. این‌جا رضایت می‌دهید و هر زمان بخواهید آن را پس می‌گیرید.", "Some agencies and banks may ask about you only with your consent. Here you give it, and take it back whenever you wish."},
	"consent.tracker":           {"ردپای داده‌های من", "Who looked at my data"},
	"consent.mine":              {"رضایت‌هایی که داده‌اید", "Consents you have given"},
	"consent.client":            {"دستگاه", "Organisation"},
	"consent.service":           {"داده", "Data"},
	"consent.purpose":           {"منظور", "Purpose"},
	"consent.given":             {"تاریخ رضایت", "Given"},
	"consent.until":             {"معتبر تا", "Valid until"},
	"consent.state":             {"وضعیت", "State"},
	"consent.actions":           {"کارها", "Actions"},
	"consent.state.active":      {"معتبر", "In force"},
	"consent.state.expired":     {"منقضی‌شده", "Expired"},
	"consent.state.withdrawn":   {"پس‌گرفته", "Withdrawn"},
	"consent.withdraw":          {"پس گرفتن رضایت", "Withdraw consent"},
	"consent.none":              {"هنوز رضایتی نداده‌اید.", "You have not given any consent."},
	"consent.grant":             {"دادن رضایت تازه", "Give a new consent"},
	"consent.nooptions":         {"اکنون هیچ دستگاهی برای دسترسی به داده‌ها به رضایت شما نیاز ندارد.", "No organisation currently needs your consent for any data."},
	"consent.option":            {"{1}: {2} (از {3})", "{1}: {2} (from {3})"},
	"consent.form.right":        {"چه کسی، به کدام داده", "Who, and which data"},
	"consent.form.right.hint":   {"تنها دستگاه‌هایی که دستگاه دارندهٔ داده به شرط رضایت شما به آن‌ها اجازه داده است.", "Only organisations that the agency holding the data allows on condition of your consent."},
	"consent.form.purpose":      {"به چه منظور", "For what purpose"},
	"consent.form.purpose.hint": {"مثلاً «بررسی درخواست وام مسکن».", "For example “assessing my mortgage application”."},
	"consent.form.until":        {"تا چه تاریخی", "Until when"},
	"consent.form.until.hint":   {"تاریخ خورشیدی مانند ۱۴۰۵/۰۳/۳۱ یا میلادی مانند ۲۰۲۶-۰۶-۲۱؛ حداکثر پنج سال.", "A Jalali date such as 1405/03/31 or a Gregorian one such as 2026-06-21; at most five years."},
	"consent.form.submit":       {"ثبت رضایت", "Give consent"},
	"consent.bad.form":          {"فرم درست فرستاده نشد.", "The form was not sent correctly."},
	"consent.bad.right":         {"دستگاه و داده را از فهرست انتخاب کنید.", "Choose the organisation and the data from the list."},
	"consent.bad.until":         {"تاریخ را مانند ۱۴۰۵/۰۳/۳۱ یا ۲۰۲۶-۰۶-۲۱ بنویسید.", "Write the date like 1405/03/31 or 2026-06-21."},
	"consent.done.granted":      {"رضایت شما ثبت شد.", "Your consent is recorded."},
	"consent.done.withdrawn":    {"رضایت پس گرفته شد؛ از همین لحظه آن دستگاه دیگر نمی‌تواند این داده را بپرسد.", "Consent withdrawn: from now on that organisation can no longer ask for this data."},
	"agencyx.title":             {"استعلام‌های دستگاه", "The agency's inquiries"},
	"agencyx.lead":              {"استعلام‌هایی که دستگاه شما از دیگران کرده و آن‌هایی که به آن‌ها پاسخ داده است. کد ملی شهروندان جز چهار رقم آخر پوشیده است.", "The inquiries your agency made and the ones it answered. Citizens' national codes are hidden but for the last four digits."},
	"agencyx.made":              {"استعلام‌های دستگاه از دیگران", "Inquiries made"},
	"agencyx.served":            {"استعلام‌های پاسخ‌داده", "Inquiries answered"},
	"agencyx.none":              {"استعلامی نیست.", "No inquiries."},
	"adminx.title":              {"درگاه تبادل اطلاعات", "The exchange"},
	"adminx.lead":               {"ترافیک درگاه از دفتر پیام‌ها، و اعضا، زیرسامانه‌ها، سرویس‌ها و مجوزهای دسترسی که دستگاه‌های فراهم‌کننده داده‌اند.", "The gateway's traffic from the message log, and the members, subsystems, services and the access rights the providers granted."},
	"adminx.hour":               {"یک ساعت گذشته", "The last hour"},
	"adminx.day":                {"یک روز گذشته", "The last day"},
	"adminx.quiet":              {"در این بازه استعلامی نبود.", "No inquiries in this period."},
	"adminx.truncated":          {"استعلام‌ها بیش از حد خلاصه‌سازی بود؛ تنها تازه‌ترین‌ها شمرده شده‌اند.", "More inquiries than a summary reads: only the newest were counted."},
	"adminx.byclient":           {"به تفکیک سامانهٔ پرسنده", "By client"},
	"adminx.byservice":          {"به تفکیک سرویس", "By service"},
	"adminx.byprovider":         {"به تفکیک سامانهٔ فراهم‌کننده", "By provider"},
	"adminx.key":                {"شناسه", "Identifier"},
	"adminx.count":              {"تعداد", "Count"},
	"adminx.errors":             {"خطا", "Errors"},
	"adminx.p50":                {"میانهٔ زمان پاسخ (میلی‌ثانیه)", "p50 latency (ms)"},
	"adminx.p95":                {"صدک ۹۵ زمان پاسخ (میلی‌ثانیه)", "p95 latency (ms)"},
	"adminx.members":            {"اعضا", "Members"},
	"adminx.class":              {"رده", "Class"},
	"adminx.code":               {"کد", "Code"},
	"adminx.name":               {"نام", "Name"},
	"adminx.subsystems":         {"زیرسامانه‌ها، سرویس‌ها و مجوزها", "Subsystems, services and rights"},
	"adminx.services":           {"سرویس‌های داده", "Data services"},
	"adminx.version":            {"نسخه", "Version"},
	"adminx.personal":           {"دادهٔ شخصی", "Personal data"},
	"adminx.backend":            {"سامانهٔ پشتیبان", "Back end"},
	"adminx.yes":                {"بله", "Yes"},
	"adminx.no":                 {"خیر", "No"},
	"adminx.rights":             {"مجوزهای دسترسی", "Access rights"},
	"adminx.service":            {"سرویس", "Service"},
	"adminx.client":             {"سامانهٔ پرسنده", "Client"},
	"adminx.basis":              {"مبنای قانونی", "Legal basis"},
	"adminx.consent":            {"با رضایت شهروند", "With the citizen's consent"},
	"adminx.grantedby":          {"صادرکننده", "Granted by"},
	"adminx.state":              {"وضعیت", "State"},
	"adminx.right.active":       {"معتبر", "In force"},
	"adminx.right.revoked":      {"لغوشده", "Revoked"},
	"adminx.right.expired":      {"منقضی‌شده", "Expired"},

	// Search box and results.
	"search.label":         {"جست‌وجوی خدمات", "Search for a service"},
	"search.hint":          {"نام خدمت یا کار مورد نظرتان را بنویسید، مثلاً «گذرنامه» یا «پروانهٔ کسب».", "Type the name of a service or what you want to do, for example “passport” or “business licence”."},
	"search.button":        {"جست‌وجو", "Search"},
	"search.title":         {"خدمات", "Services"},
	"search.title.q":       {"نتایج جست‌وجو برای «{1}»", "Results for “{1}”"},
	"search.count":         {"{1} خدمت", "{1} services"},
	"search.count.one":     {"۱ خدمت", "1 service"},
	"search.filters":       {"پالایش نتایج", "Filter the results"},
	"search.selected":      {"پالایه‌های انتخاب‌شده", "Selected filters"},
	"search.remove":        {"حذف پالایهٔ {1}", "Remove filter {1}"},
	"search.clear":         {"حذف همهٔ پالایه‌ها", "Clear all filters"},
	"search.jump":          {"رفتن به نتایج ({1} خدمت)", "Skip to the results ({1} services)"},
	"search.results":       {"نتایج", "Results"},
	"search.none":          {"خدمتی پیدا نشد", "No services found"},
	"search.none.text":     {"پیشنهادها:", "You could:"},
	"search.none.spelling": {"املای واژه‌ها را بررسی کنید یا واژهٔ دیگری به کار ببرید.", "check the spelling or use other words"},
	"search.none.fewer":    {"واژه‌های کمتری بنویسید.", "use fewer words"},
	"search.none.filters":  {"پالایه‌ها را حذف کنید.", "remove the filters"},
	"search.none.browse":   {"خدمات را بر پایهٔ حوزه یا رویداد زندگی مرور کنید.", "browse services by area or life event"},
	"search.permit":        {"مجوز", "Permit"},
	"search.permit.yes":    {"فقط مجوزها", "Permits only"},
	"search.permit.no":     {"بدون مجوزها", "Not permits"},
	"search.cost":          {"هزینه", "Cost"},
	"search.time":          {"زمان", "Time"},
	"search.agency":        {"دستگاه", "Agency"},

	"facet.agency":   {"دستگاه اجرایی", "Agency"},
	"facet.domain":   {"حوزه", "Area"},
	"facet.event":    {"رویداد زندگی یا کسب‌وکار", "Life or business event"},
	"facet.level":    {"سطح خدمت", "Service level"},
	"facet.audience": {"گیرندهٔ خدمت", "Who it is for"},
	"facet.permit":   {"نوع", "Kind"},

	"pager.label":    {"صفحه‌بندی", "Pages"},
	"pager.prev":     {"صفحهٔ قبل", "Previous page"},
	"pager.next":     {"صفحهٔ بعد", "Next page"},
	"pager.of":       {"صفحهٔ {1} از {2}", "Page {1} of {2}"},
	"pager.page":     {"صفحهٔ {1}", "Page {1}"},
	"pager.current":  {"صفحهٔ کنونی، {1}", "Current page, {1}"},
	"bad.page":       {"شمارهٔ صفحه باید عددی مثبت باشد.", "The page number must be a positive whole number."},
	"bad.pagefar":    {"شمارهٔ صفحه بیش از اندازه بزرگ است.", "The page number is too large."},
	"bad.pagebeyond": {"این نتایج فقط {1} صفحه دارد.", "These results have only {1} pages."},
	"bad.utf8":       {"نشانی صفحه نویسه‌های نامعتبر دارد.", "The address holds characters that are not valid text."},
	"bad.long":       {"متن جست‌وجو بیش از {1} نویسه است؛ کوتاه‌ترش کنید.", "The search text is longer than {1} characters; please shorten it."},
	"bad.param":      {"مقدار «{1}» در نشانی معتبر نیست.", "The value of “{1}” in the address is not valid."},
	"bad.repeat":     {"پارامتر «{1}» بیش از یک بار آمده است.", "The parameter “{1}” appears more than once."},
	"bad.serviceid":  {"شناسهٔ خدمت باید عددی هفت‌رقمی باشد.", "A service identifier is a seven-digit number."},
	"bad.agencycode": {"کد دستگاه معتبر نیست.", "That is not a valid agency code."},

	// Home.
	"home.title":      {"خدمات دولت، در یک پنجره", "Government services, in one window"},
	"home.lead":       {"خدمت مورد نیازتان را پیدا کنید، ببینید چه مدارکی لازم است، چقدر هزینه و زمان می‌برد و از کجا آغاز می‌شود.", "Find the service you need, see what you need for it, what it costs, how long it takes and where to start."},
	"home.figures":    {"{1} خدمت از {2} دستگاه اجرایی؛ {3} از خدمات تمام‌الکترونیک است.", "{1} services from {2} agencies; {3} of services are fully electronic."},
	"home.domains":    {"خدمات بر پایهٔ حوزه", "Services by area"},
	"home.events":     {"خدمات بر پایهٔ رویداد زندگی", "Services by life event"},
	"home.popular":    {"خدمات پرکاربرد", "Most used services"},
	"home.allagency":  {"همهٔ دستگاه‌های اجرایی", "All agencies"},
	"home.allservice": {"همهٔ خدمات", "All services"},
	"count.services":  {"{1} خدمت", "{1} services"},

	// Service page.
	"service.id":              {"شناسهٔ خدمت", "Service identifier"},
	"service.agency":          {"دستگاه ارائه‌دهنده", "Provided by"},
	"service.audience":        {"برای چه کسانی است", "Who it is for"},
	"service.cost":            {"هزینه", "Cost"},
	"service.time":            {"زمان رسیدگی", "Processing time"},
	"service.time.sla":        {"دستگاه متعهد است در این مدت پاسخ دهد.", "The agency is committed to answer within this time."},
	"service.visits":          {"مراجعهٔ حضوری", "In-person visits"},
	"service.visits.none":     {"لازم نیست", "None needed"},
	"service.visits.n":        {"{1} بار", "{1}"},
	"service.trigger":         {"چگونه آغاز می‌شود", "How it starts"},
	"service.decision":        {"چگونه تصمیم گرفته می‌شود", "How it is decided"},
	"service.channels":        {"راه‌های دریافت خدمت", "Ways to use it"},
	"service.scope":           {"گسترهٔ ارائه", "Where it is offered"},
	"service.nature":          {"نوع خدمت", "Kind of service"},
	"service.frequency":       {"دفعات استفاده", "How often people use it"},
	"service.volume":          {"برآورد درخواست‌های سالانه", "Estimated requests a year"},
	"service.summary":         {"خلاصهٔ خدمت", "Summary of the service"},
	"service.start":           {"آغاز درخواست", "Start now"},
	"service.start.note":      {"به درگاه {1} می‌روید.", "You will go to the site of {1}."},
	"service.retired":         {"این خدمت دیگر ارائه نمی‌شود.", "This service is no longer offered."},
	"service.retired.since":   {"این خدمت از {1} دیگر ارائه نمی‌شود. اطلاعات زیر فقط برای آگاهی است.", "This service has not been offered since {1}. The information below is for reference only."},
	"service.need":            {"آنچه لازم دارید", "What you need"},
	"service.need.none":       {"برای این خدمت شرط یا مدرکی ثبت نشده است.", "No conditions or documents are recorded for this service."},
	"service.evidence":        {"مدارک", "Documents"},
	"service.ev.inquiry":      {"لازم نیست ارائه کنید؛ از {1} استعلام می‌شود.", "You do not need to provide this; it is checked with {1}."},
	"service.ev.inquiry.any":  {"لازم نیست ارائه کنید؛ به‌صورت الکترونیکی استعلام می‌شود.", "You do not need to provide this; it is checked electronically."},
	"service.ev.upload":       {"تصویر آن را بارگذاری می‌کنید.", "You upload a copy."},
	"service.ev.declaration":  {"در فرم درخواست اعلام می‌کنید.", "You state it in the application form."},
	"service.ev.paper":        {"باید اصل مدرک را ارائه کنید یا حضوری مراجعه کنید.", "You must show the paper original or visit in person."},
	"service.ev.heldby":       {"این مدرک نزد {1} هست، اما هنوز استعلام الکترونیکی نمی‌شود.", "{1} already holds this, but it is not yet checked electronically."},
	"service.get":             {"آنچه دریافت می‌کنید", "What you get"},
	"service.stages":          {"مراحل خدمت", "Stages of the service"},
	"service.stages.intro":    {"کدام مرحله‌ها به‌طور کامل برخط انجام می‌شود:", "Which stages are done fully online:"},
	"service.stage.info":      {"آگاهی از خدمت", "Finding out about it"},
	"service.stage.request":   {"ثبت درخواست", "Making the request"},
	"service.stage.process":   {"رسیدگی و استعلام‌ها", "Processing and inquiries"},
	"service.stage.delivery":  {"تحویل نتیجه", "Receiving the result"},
	"service.stage.online":    {"برخط", "Online"},
	"service.stage.offline":   {"غیربرخط", "Not online"},
	"service.level":           {"سطح خدمت", "Service level"},
	"service.level.more":      {"دربارهٔ سطح خدمات بیشتر بخوانید", "Read more about service levels"},
	"service.level.computed":  {"این سطح از شناسنامهٔ خدمت محاسبه شده است، نه اعلام دستگاه.", "This level is computed from the service record, not stated by the agency."},
	"service.permit":          {"این خدمت یک مجوز است", "This service is a permit"},
	"service.permit.validity": {"اعتبار مجوز: {1}", "The permit is valid for {1}."},
	"service.permit.noexpiry": {"این مجوز تاریخ انقضا ندارد.", "This permit does not expire."},
	"service.refusal":         {"دلایل مجاز برای رد درخواست", "Published grounds for refusal"},
	"service.refusal.intro":   {"درخواست شما فقط به یکی از این دلایل می‌تواند رد شود و کارشناس باید دلیل را اعلام کند:", "Your application can only be refused on one of these grounds, and the official must say which:"},
	"service.refusal.none":    {"دلیلی برای رد منتشر نشده است.", "No grounds for refusal have been published."},
	"service.legal":           {"پایهٔ قانونی", "Legal basis"},
	"service.events":          {"رویدادهای مرتبط", "Related life events"},
	"service.keywords":        {"نام‌های دیگر", "Also known as"},
	"service.meta":            {"نسخهٔ {1}، منتشرشده در {2}", "Version {1}, published {2}"},
	"service.meta.draft":      {"نسخهٔ {1}", "Version {1}"},
	"service.quality":         {"کامل بودن شناسنامهٔ این خدمت: {1} از ۱۰۰", "Completeness of this service record: {1} out of 100"},
	"service.link":            {"پیوند", "Link"},

	"output.document":     {"سند یا گواهی", "Document or certificate"},
	"output.decision":     {"تصمیم", "Decision"},
	"output.payment":      {"پرداخت", "Payment"},
	"output.registration": {"ثبت", "Registration"},
	"output.information":  {"اطلاعات", "Information"},

	"money.free":    {"رایگان", "Free"},
	"money.rials":   {"{1} ریال", "{1} rials"},
	"dur.none":      {"بی‌درنگ", "Immediate"},
	"dur.days":      {"{1} روز", "{1} days"},
	"dur.day":       {"{1} روز", "{1} day"},
	"dur.hours":     {"{1} ساعت", "{1} hours"},
	"dur.hour":      {"{1} ساعت", "{1} hour"},
	"period.years":  {"{1} سال", "{1} years"},
	"period.year":   {"{1} سال", "{1} year"},
	"period.months": {"{1} ماه", "{1} months"},
	"period.month":  {"{1} ماه", "{1} month"},
	"dur.and":       {"{1} و {2}", "{1} and {2}"},
	"list.sep":      {"، ", ", "},
	"yes":           {"بله", "Yes"},
	"no":            {"خیر", "No"},
	"level.code":    {"سطح {1}", "Level {1}"},
	"level.of":      {"{1}: {2}", "{1}: {2}"},
	"level.intro":   {"هر خدمت سطحی از ۰ تا ۵ دارد که نشان می‌دهد تا کجا برخط و هوشمند شده است.", "Every service has a level from 0 to 5 that shows how far it has gone online and become smart."},
	"level.L0.means": {
		"فقط اطلاعات خدمت برخط است؛ برای درخواست باید حضوری مراجعه کنید.",
		"Only the information is online; you must go in person to apply."},
	"level.L1.means": {
		"می‌توانید برخط درخواست دهید، اما دست‌کم یک مرحله هنوز مراجعهٔ حضوری یا کاغذ لازم دارد.",
		"You can apply online, but at least one stage still needs a visit or paper."},
	"level.L2.means": {
		"همهٔ مراحل برخط است: بی‌مراجعه، بی‌کاغذ، و مدارکی که نزد دستگاه‌های دیگر است از خودشان استعلام می‌شود.",
		"Every stage is online: no visit, no paper, and documents other agencies hold are checked with them directly."},
	"level.L3.means": {
		"افزون بر تمام‌الکترونیک بودن، درخواست بر پایهٔ قواعد منتشرشده به‌طور خودکار و فوری بررسی و تصمیم‌گیری می‌شود.",
		"Fully electronic, and the application is decided automatically and at once by published rules."},
	"level.L4.means": {
		"خدمت پیش از آنکه درخواست دهید، با رخدادی در زندگی‌تان به شما پیشنهاد می‌شود و با یک تأیید انجام می‌شود.",
		"The service is offered to you when something happens in your life, before you ask, and done with one confirmation."},
	"level.L5.means": {
		"خدمت بی‌آنکه درخواستی لازم باشد انجام می‌شود و نتیجه به شما اطلاع داده می‌شود.",
		"The service is delivered without any request, and you are told the result."},

	// Agencies.
	"agencies.title":      {"دستگاه‌های اجرایی", "Agencies"},
	"agencies.lead":       {"دستگاه‌هایی که خدمات خود را در پنجرهٔ ملی ارائه می‌کنند، بر پایهٔ حوزه.", "The agencies that offer their services through the national window, by area."},
	"agencies.none":       {"هنوز دستگاهی ثبت نشده است.", "No agencies have been registered yet."},
	"agency.connected":    {"متصل به پنجرهٔ ملی", "Connected to the window"},
	"agency.notconnected": {"هنوز متصل نیست", "Not connected yet"},
	"agency.parent":       {"زیرمجموعهٔ {1}", "Part of {1}"},
	"agency.parentof":     {"دستگاه بالادستی", "Parent body"},
	"agency.website":      {"وبگاه دستگاه", "Agency website"},
	"agency.code":         {"کد دستگاه", "Agency code"},
	"agency.domain":       {"حوزه", "Area"},
	"agency.status":       {"وضعیت اتصال", "Connection"},
	"agency.figures":      {"وضعیت خدمات", "How its services are offered"},
	"agency.total":        {"شمار خدمات منتشرشده", "Published services"},
	"agency.electronic":   {"تمام‌الکترونیک (سطح ۲ و بالاتر)", "Fully electronic (level 2 and up)"},
	"agency.smart":        {"هوشمند (سطح ۳ و بالاتر)", "Smart (level 3 and up)"},
	"agency.share":        {"{1} ({2} خدمت)", "{1} ({2} services)"},
	"agency.perlevel":     {"شمار خدمات در هر سطح", "Services at each level"},
	"agency.level":        {"سطح", "Level"},
	"agency.sharecol":     {"سهم از خدمات دستگاه", "Share of the agency's services"},
	"pct":                 {"{1}٪", "{1}%"},
	"agency.count":        {"شمار", "Count"},
	"agency.services":     {"خدمات این دستگاه", "This agency's services"},
	"agency.noservices":   {"این دستگاه هنوز خدمتی منتشر نکرده است.", "This agency has not published any services yet."},
	"agency.all":          {"جست‌وجو در خدمات این دستگاه", "Search this agency's services"},

	// About.
	"about.title":     {"سطح خدمات", "Service levels"},
	"about.lead":      {"سطح هر خدمت نشان می‌دهد که برای دریافت آن چه کاری باید بکنید: از مراجعهٔ حضوری تا خدمتی که بی‌درخواست به شما می‌رسد.", "A service's level tells you what you have to do to get it: from going in person to a service that reaches you without asking."},
	"about.levels":    {"شش سطح خدمت", "The six levels"},
	"about.forYou":    {"برای شما یعنی", "For you this means"},
	"about.computed":  {"سطح چگونه تعیین می‌شود", "How the level is set"},
	"about.computed1": {"هیچ‌کس سطح خدمت را دستی وارد نمی‌کند. سامانه آن را از شناسنامهٔ منتشرشدهٔ خدمت محاسبه می‌کند: از اینکه کدام مراحل برخط است، چند بار مراجعهٔ حضوری لازم است، مدارک چگونه فراهم می‌شود و تصمیم را چه کسی می‌گیرد.", "Nobody types a service's level in. The platform computes it from the published service record: which stages are online, how many visits are needed, how documents are obtained and who decides."},
	"about.computed2": {"اگر حتی یک مدرک را که دستگاه دیگری در اختیار دارد از شما بخواهند، خدمت تمام‌الکترونیک شمرده نمی‌شود؛ باید از همان دستگاه استعلام شود.", "If you are asked for even one document that another agency already holds, the service does not count as fully electronic: it must be checked with that agency instead."},
	"about.fully":     {"«تمام‌الکترونیک» یعنی چه", "What “fully electronic” means"},
	"about.fully1":    {"خدمتی تمام‌الکترونیک است که سطح آن ۲ یا بالاتر باشد: همهٔ مراحل آن برخط است، مراجعهٔ حضوری و کاغذ لازم ندارد و همهٔ استعلام‌ها میان دستگاه‌ها الکترونیکی است. قانون هدف را تمام‌الکترونیک شدن همهٔ خدمات گذاشته است.", "A service is fully electronic when its level is 2 or higher: every stage is online, it needs no visit and no paper, and every inquiry between agencies is electronic. The law's target is for every service to be fully electronic."},
	"about.smart":     {"«هوشمند» یعنی چه", "What “smart” means"},
	"about.smart1":    {"خدمتی هوشمند است که سطح آن ۳ یا بالاتر باشد: تصمیم را قواعد منتشرشده به‌طور خودکار می‌گیرند، یا خدمت با رخدادهای زندگی به شما پیشنهاد یا بی‌درخواست انجام می‌شود. خدمتی فقط وقتی هوشمند شمرده می‌شود که تصمیم‌ها واقعاً با قواعد گرفته شود. هدف قانون، هوشمند شدن ۲۰ درصد خدمات در هر سال است.", "A service is smart when its level is 3 or higher: decisions are made automatically by published rules, or the service is offered on a life event or delivered without a request. It only counts as smart when decisions really are made by rules. The law's target is for 20% more services to become smart each year."},

	// The inbox and the demo outbox (inbox.go, outbox.go).
	"inbox.nav":            {"صندوق پیام", "Inbox"},
	"inbox.nav.count":      {"صندوق پیام ({1})", "Inbox ({1})"},
	"inbox.title":          {"صندوق پیام", "Inbox"},
	"inbox.lead":           {"پیام‌های پنجرهٔ ملی و دستگاه‌ها دربارهٔ درخواست‌ها، پرداخت‌ها و اسناد شما. تازه‌ترین پیام بالاتر است.", "Messages from the national window and the agencies about your applications, payments and documents, newest first."},
	"inbox.unread":         {"{1} پیام خوانده‌نشده دارید.", "Unread messages: {1}."},
	"inbox.allread":        {"همهٔ پیام‌ها را خوانده‌اید.", "You have read every message."},
	"inbox.new":            {"تازه", "New"},
	"inbox.open":           {"دیدن جزئیات", "See the details"},
	"inbox.markread":       {"خواندم", "Mark as read"},
	"inbox.done.read":      {"پیام به‌عنوان خوانده‌شده علامت خورد.", "The message was marked as read."},
	"inbox.none":           {"هنوز پیامی ندارید.", "You have no messages yet."},
	"outbox.title":         {"صندوق ارسال نمایشی", "Demo outbox"},
	"outbox.warning":       {"این سامانه نمایشی است: هیچ پیامک یا رایانامه‌ای واقعاً فرستاده نشده است. آنچه این‌جا می‌بینید فقط نشان می‌دهد چه چیزی فرستاده می‌شد.", "This is a demo: no SMS or email was really sent. What you see here only shows what would have been sent."},
	"outbox.lead":          {"پیامک‌ها و رایانامه‌هایی که سرویس نمایشی به‌جای ارسال ثبت کرده است، تازه‌ترین بالاتر.", "The SMS and email the demo provider recorded instead of sending them, newest first."},
	"outbox.when":          {"زمان", "When"},
	"outbox.channel":       {"کانال", "Channel"},
	"outbox.channel.sms":   {"پیامک", "SMS"},
	"outbox.channel.email": {"رایانامه", "Email"},
	"outbox.to":            {"گیرنده", "To"},
	"outbox.message":       {"متن", "Message"},
	"outbox.none":          {"هنوز چیزی در صندوق ارسال نیست.", "Nothing has been sent yet."},

	// Acting for another (acting.go).
	"me.data.acting":                {"برای فرزند زیر ۱۸ سال یا شرکتی که نمایندهٔ آن هستید اقدام کنید.", "act for a child under 18 or a company you represent."},
	"acting.header":                 {"در حال اقدام برای: {1}", "Acting for: {1}"},
	"acting.title":                  {"اقدام از طرف دیگری", "Acting for someone else"},
	"acting.lead":                   {"ولیِ فرزند زیر ۱۸ سال و نمایندهٔ قانونی شرکت می‌توانند از طرف او درخواست دهند. هرچه انجام دهید به نام شما و از طرف کسی که انتخاب کرده‌اید ثبت می‌شود.", "A guardian of a child under 18 and a company's legal representative can apply on their behalf. Everything you do is recorded under your name, on behalf of the party you choose."},
	"acting.choose":                 {"از طرف چه کسی اقدام می‌کنید؟", "Who are you acting for?"},
	"acting.submit":                 {"انتخاب", "Choose"},
	"acting.current":                {"انتخاب فعلی", "Current"},
	"acting.until":                  {"معتبر تا", "valid until"},
	"acting.kind.self":              {"خودم", "Myself"},
	"acting.kind.guardian_of":       {"فرزند زیر ۱۸ سال", "Child under 18"},
	"acting.kind.representative_of": {"شرکت (نمایندهٔ قانونی)", "Company (legal representative)"},
	"acting.self.noname":            {"خودم", "Myself"},
	"acting.bad":                    {"گزینهٔ انتخاب‌شده معتبر نیست.", "The choice is not valid."},
	"acting.children":               {"فرزندان زیر ۱۸ سال", "Children under 18"},
	"acting.children.hint":          {"فهرست فرزندان شما از سامانهٔ ثبت احوال استعلام می‌شود؛ این استعلام در ردپای داده‌های شما دیده می‌شود.", "Your children are looked up in the civil registry; the inquiry shows in your data tracker."},
	"acting.children.find":          {"استعلام فرزندان از ثبت احوال", "Look up my children in the civil registry"},
	"acting.children.off":           {"استعلام از ثبت احوال در این سامانه فعال نیست.", "The civil registry cannot be asked on this server."},
	"acting.companies":              {"شرکت‌ها", "Companies"},
	"acting.companies.hint":         {"نمایندگی قانونی شرکت را دستگاه ثبت‌کننده بر پایهٔ آگهی رسمی ثبت می‌کند؛ اگر شرکتی که نمایندهٔ آن هستید در فهرست نیست، با آن دستگاه تماس بگیرید.", "A company's legal representative is registered by an agency from the official notice; if a company you represent is missing, contact that agency."},

	// The agency admin's pages (agency_admin.go).
	"agencyadmin.actions":            {"کارها", "Actions"},
	"agencyadmin.staff.title":        {"کارکنان دستگاه", "Agency staff"},
	"agencyadmin.staff.lead":         {"کارشناسان و مدیران {1} را در پنجرهٔ ملی ببینید، بیفزایید یا بردارید.", "See, add or remove the operators and administrators of {1} in the window."},
	"agencyadmin.staff.list":         {"کارکنان کنونی", "Current staff"},
	"agencyadmin.staff.none":         {"هنوز کسی برای این دستگاه ثبت نشده است.", "No staff are recorded for this agency yet."},
	"agencyadmin.staff.role":         {"نقش", "Role"},
	"agencyadmin.staff.since":        {"از تاریخ", "Since"},
	"agencyadmin.staff.you":          {"خودتان", "You"},
	"agencyadmin.staff.remove":       {"برداشتن نقش", "Remove role"},
	"agencyadmin.staff.add":          {"افزودن کارمند", "Add a staff member"},
	"agencyadmin.staff.code.hint":    {"کد ملی ۱۰ رقمی کارمند؛ او پس از ورود با همین کد ملی نقش را خواهد داشت.", "The staff member's 10-digit national code; they hold the role once they sign in with it."},
	"agencyadmin.staff.submit":       {"افزودن", "Add"},
	"agencyadmin.staff.added":        {"نقش داده شد.", "The role was given."},
	"agencyadmin.staff.removed":      {"نقش برداشته شد و نشست‌های آن شخص پایان یافت.", "The role was removed and that person's sessions were ended."},
	"agencyadmin.staff.badrole":      {"نقش باید کارشناس یا مدیر دستگاه باشد.", "The role must be agency operator or agency administrator."},
	"agencyadmin.keys.title":         {"کلیدهای API دستگاه", "Agency API keys"},
	"agencyadmin.keys.lead":          {"سامانه‌های پشتیبان {1} با این کلیدها به واسط برنامه‌نویسی پنجرهٔ ملی وصل می‌شوند.", "The back-office systems of {1} connect to the window's API with these keys."},
	"agencyadmin.keys.list":          {"کلیدها", "Keys"},
	"agencyadmin.keys.none":          {"هنوز کلیدی صادر نشده است.", "No keys have been issued yet."},
	"agencyadmin.keys.name":          {"نام سامانه", "System name"},
	"agencyadmin.keys.name.hint":     {"نامی که سامانهٔ پشتیبان را از دیگران جدا کند.", "A name that tells this back-office system apart."},
	"agencyadmin.keys.prefix":        {"شناسهٔ کلید", "Key id"},
	"agencyadmin.keys.created":       {"صدور", "Issued"},
	"agencyadmin.keys.state":         {"وضعیت", "State"},
	"agencyadmin.keys.state.active":  {"فعال", "Active"},
	"agencyadmin.keys.state.overlap": {"در حال جایگزینی", "Being replaced"},
	"agencyadmin.keys.state.revoked": {"باطل‌شده", "Revoked"},
	"agencyadmin.keys.until":         {"تا {1} کار می‌کند", "works until {1}"},
	"agencyadmin.keys.rotate":        {"جایگزینی کلید", "Rotate key"},
	"agencyadmin.keys.overlap.label": {"کلید قبلی چند ساعت دیگر کار کند", "Hours the old key keeps working"},
	"agencyadmin.keys.revoke":        {"ابطال فوری", "Revoke now"},
	"agencyadmin.keys.revoked":       {"کلید باطل شد.", "The key was revoked."},
	"agencyadmin.keys.issue":         {"صدور کلید تازه", "Issue a new key"},
	"agencyadmin.keys.submit":        {"صدور کلید", "Issue key"},
	"agencyadmin.keys.new":           {"کلید تازهٔ «{1}»:", "The new key for “{1}”:"},
	"agencyadmin.keys.once":          {"این کلید فقط همین یک بار نمایش داده می‌شود؛ آن را هم‌اکنون در سامانهٔ پشتیبان ذخیره کنید.", "This key is shown only this once; store it in the back-office system now."},
	"agencyadmin.keys.overlap":       {"کلید قبلی تا {1} همچنان کار می‌کند.", "The old key keeps working until {1}."},
	"agencyadmin.keys.badoverlap":    {"مدت هم‌پوشانی باید عددی صحیح از ساعت‌ها باشد.", "The overlap must be a whole number of hours."},

	// Errors.
	"error.title.400": {"درخواست نادرست است", "There is a problem with the request"},
	"error.title.404": {"صفحه پیدا نشد", "Page not found"},
	"error.title.500": {"متأسفیم، خطایی در سامانه رخ داد", "Sorry, there is a problem with the service"},
	"error.title":     {"خطا", "Error"},
	"error.notfound":  {"اگر نشانی را تایپ کرده‌اید، درستی آن را بررسی کنید.", "If you typed the address, check it is correct."},
	"error.back":      {"بازگشت به صفحهٔ نخست", "Go to the home page"},
	"error.search":    {"جست‌وجو در خدمات", "Search for a service"},
	"error.later":     {"کمی بعد دوباره تلاش کنید.", "Please try again later."},
}
