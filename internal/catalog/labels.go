package catalog

// Label is a name in both languages.
type Label struct {
	Code string `json:"code"`
	Fa   string `json:"fa"`
	En   string `json:"en"`
}

// Domains lists every domain with its names, in display order.
var Domains = []Label{
	{string(DomainCivil), "ثبت احوال و هویت", "Civil registration and identity"},
	{string(DomainJudicial), "قضایی و حقوقی", "Judicial and legal"},
	{string(DomainPolice), "انتظامی و گذرنامه", "Police and passports"},
	{string(DomainHealth), "سلامت و درمان", "Health"},
	{string(DomainWelfare), "رفاه و تأمین اجتماعی", "Welfare and social security"},
	{string(DomainEducation), "آموزش و پژوهش", "Education and research"},
	{string(DomainCommerce), "بازرگانی و کسب‌وکار", "Commerce and business"},
	{string(DomainTax), "مالیات و گمرک", "Tax and customs"},
	{string(DomainBanking), "بانکی و پولی", "Banking and money"},
	{string(DomainTransport), "حمل‌ونقل و رانندگی", "Transport and driving"},
	{string(DomainHousing), "مسکن و شهرسازی", "Housing and building"},
	{string(DomainLand), "ثبت اسناد و املاک", "Deeds and land registry"},
	{string(DomainLabour), "کار و اشتغال", "Labour and employment"},
	{string(DomainIndustry), "صنعت، معدن و تجارت", "Industry and mining"},
	{string(DomainAgriculture), "کشاورزی", "Agriculture"},
	{string(DomainEnergy), "آب، برق و گاز", "Water, power and gas"},
	{string(DomainCommunication), "ارتباطات و فناوری اطلاعات", "Communications and IT"},
	{string(DomainCulture), "فرهنگ، رسانه و گردشگری", "Culture, media and tourism"},
	{string(DomainEnvironment), "محیط زیست", "Environment"},
	{string(DomainForeign), "امور خارجه و کنسولی", "Foreign affairs and consular"},
	{string(DomainMunicipal), "شهرداری و امور محلی", "Municipal services"},
}

// LifeEvents lists the life events (for citizens) and business events (for
// businesses) that services are grouped by, as in CPSV-AP's event model.
var LifeEvents = []Label{
	{"birth", "تولد فرزند", "Having a child"},
	{"schooling", "تحصیل در مدرسه", "Going to school"},
	{"higher_education", "تحصیلات دانشگاهی", "Higher education"},
	{"military_service", "خدمت وظیفه عمومی", "Military service"},
	{"job", "اشتغال و کار", "Getting a job"},
	{"marriage", "ازدواج", "Getting married"},
	{"divorce", "طلاق", "Divorce"},
	{"housing", "خرید یا اجارهٔ مسکن", "Buying or renting a home"},
	{"building", "ساخت‌وساز", "Building a home"},
	{"vehicle", "خرید و فروش خودرو", "Buying or selling a vehicle"},
	{"driving", "رانندگی", "Driving"},
	{"travel", "سفر به خارج", "Travelling abroad"},
	{"health", "بیماری و درمان", "Illness and treatment"},
	{"disability", "معلولیت", "Disability"},
	{"unemployment", "از دست دادن شغل", "Losing a job"},
	{"retirement", "بازنشستگی", "Retirement"},
	{"death", "فوت و وراثت", "Death and inheritance"},
	{"legal_dispute", "دعاوی و امور قضایی", "Legal disputes"},
	{"identity", "مدارک هویتی", "Identity documents"},
	{"low_income", "حمایت معیشتی", "Income support"},
	{"start_business", "راه‌اندازی کسب‌وکار", "Starting a business"},
	{"run_business", "ادارهٔ کسب‌وکار", "Running a business"},
	{"hire", "استخدام کارکنان", "Hiring staff"},
	{"trade", "واردات و صادرات", "Importing and exporting"},
	{"close_business", "تعطیلی کسب‌وکار", "Closing a business"},
}

// Audiences lists the audiences with their names.
var Audiences = []Label{
	{string(G2C), "شهروندان", "Citizens"},
	{string(G2B), "کسب‌وکارها", "Businesses"},
	{string(G2G), "دستگاه‌های دولتی", "Government agencies"},
}

// Levels lists the levels with their names.
var Levels = []Label{
	{"L0", "اطلاع‌رسانی", "Information only"},
	{"L1", "درخواست برخط", "Online request"},
	{"L2", "تمام‌الکترونیک", "Fully electronic"},
	{"L3", "هوشمند: تصمیم خودکار", "Smart: decided by rules"},
	{"L4", "هوشمند: پیشنهاد فعالانه", "Smart: proactive"},
	{"L5", "هوشمند: بدون توقف", "Smart: no-stop"},
}

// Scopes, Natures, Triggers, Channels and Frequencies name the record's
// remaining enumerations.
var (
	Scopes = []Label{
		{string(ScopeNational), "ملی", "National"},
		{string(ScopeProvincial), "استانی", "Provincial"},
		{string(ScopeCity), "شهری", "City"},
		{string(ScopeVillage), "روستایی", "Village"},
	}
	Natures = []Label{
		{string(Sovereign), "حاکمیتی", "Sovereign"},
		{string(Enterprise), "تصدی‌گری", "Enterprise"},
	}
	Triggers = []Label{
		{string(OnRequest), "به درخواست متقاضی", "On request"},
		{string(OnDate), "در تاریخ معین", "On a date"},
		{string(OnEvent), "با رخداد زندگی یا کسب‌وکار", "On a life or business event"},
		{string(OnDetection), "با تشخیص دستگاه", "On the agency's detection"},
	}
	Decisions = []Label{
		{string(DecideManual), "بررسی کارشناس", "Decided by an official"},
		{string(DecideRules), "تصمیم خودکار بر پایهٔ قواعد", "Decided automatically by rules"},
	}
	Channels = []Label{
		{string(ChannelWeb), "وب", "Web"},
		{string(ChannelMobile), "تلفن همراه", "Mobile"},
		{string(ChannelCounter), "حضوری در دستگاه", "In person at the agency"},
		{string(ChannelKiosk), "دفتر پیشخوان", "Government counter office"},
		{string(ChannelPhone), "تلفن", "Telephone"},
		{string(ChannelPost), "پست", "Post"},
		{string(ChannelAPI), "واسط برنامه‌نویسی", "API"},
	}
	Frequencies = []Label{
		{string(Once), "یک بار در عمر", "Once in a lifetime"},
		{string(Periodic), "دوره‌ای", "Periodic"},
		{string(AsNeeded), "در صورت نیاز", "As needed"},
	}
	EvidenceSources = []Label{
		{string(FromInquiry), "استعلام الکترونیکی از دستگاه دارندهٔ داده", "Electronic inquiry to the agency that holds it"},
		{string(FromUpload), "بارگذاری توسط متقاضی", "Uploaded by the applicant"},
		{string(FromDeclaration), "اظهار متقاضی در فرم", "Declared by the applicant"},
		{string(FromPaper), "ارائهٔ اصل مدرک یا مراجعهٔ حضوری", "Paper original or in-person visit"},
	}
)

// LabelOf returns the label with the given code from list, and whether it was found.
func LabelOf(list []Label, code string) (Label, bool) {
	for _, l := range list {
		if l.Code == code {
			return l, true
		}
	}
	return Label{Code: code, Fa: code, En: code}, false
}
