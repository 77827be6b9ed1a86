package suggest

// ProfileRule says which services a person's profile makes worth
// suggesting: everyone in the age band (and of the sex, and living in one of
// the provinces, when those are set) is suggested the published services
// whose record names one of Events (catalog.LifeEvents codes, the record's
// Events field), limited to services used once in a life when Once is set.
// The why-line says which part of the profile matched, never the person's
// exact age or address.
type ProfileRule struct {
	Code      string   // stable name, in the API's answer
	MinAge    int      // inclusive
	MaxAge    int      // inclusive; 0: no upper bound
	Sex       string   // "male" or "female" as the civil registry says; "": anyone
	Provinces []string // province codes (catalog regions); empty: anywhere
	Events    []string // catalog.LifeEvents codes
	Once      bool     // only services of frequency "once" (a first licence, not its renewal)
	WhyFa     string
	WhyEn     string
}

// ProfileRules is the table of profile-based suggestions. It is the whole of
// the mapping from age band and region to services: a service enters it by
// the life events its record names, so an agency steers suggestions by
// writing its record, and this table changes only when the law does
// (conscription age, retirement age).
var ProfileRules = []ProfileRule{
	// Conscription: men are called up in the year they turn 18.
	{Code: "conscription_age", MinAge: 17, MaxAge: 21, Sex: "male", Events: []string{"military_service"},
		WhyFa: "شما در سن مشمولیت خدمت وظیفهٔ عمومی (۱۷ تا ۲۱ سال) هستید.",
		WhyEn: "You are of conscription age (17 to 21)."},
	// A first driving licence from 18 (the licence's own requirement).
	{Code: "driving_age", MinAge: 18, MaxAge: 25, Events: []string{"driving"}, Once: true,
		WhyFa: "شما در گروه سنی ۱۸ تا ۲۵ سال هستید و می‌توانید گواهینامه بگیرید.",
		WhyEn: "You are aged 18 to 25 and may get a driving licence."},
	// University entrance and student services.
	{Code: "student_age", MinAge: 18, MaxAge: 24, Events: []string{"higher_education"},
		WhyFa: "شما در گروه سنی ۱۸ تا ۲۴ سال، سن تحصیلات دانشگاهی، هستید.",
		WhyEn: "You are aged 18 to 24, the age of university studies."},
	// Looking for a first job.
	{Code: "first_job_age", MinAge: 22, MaxAge: 30, Events: []string{"job"},
		WhyFa: "شما در گروه سنی ۲۲ تا ۳۰ سال هستید که بیشتر مردم نخستین شغل خود را می‌یابند.",
		WhyEn: "You are aged 22 to 30, when most people find their first job."},
	// Retirement: the social security law's ages, 60 for men and 55 for women.
	{Code: "retirement_age_men", MinAge: 60, Sex: "male", Events: []string{"retirement"},
		WhyFa: "شما به سن بازنشستگی (۶۰ سال برای مردان) رسیده‌اید.",
		WhyEn: "You have reached retirement age (60 for men)."},
	{Code: "retirement_age_women", MinAge: 55, Sex: "female", Events: []string{"retirement"},
		WhyFa: "شما به سن بازنشستگی (۵۵ سال برای زنان) رسیده‌اید.",
		WhyEn: "You have reached retirement age (55 for women)."},
	// Health services for older people.
	{Code: "older_health", MinAge: 65, Events: []string{"health", "disability"},
		WhyFa: "شما ۶۵ سال یا بیشتر دارید و این خدمت سلامت برای شماست.",
		WhyEn: "You are 65 or older, and this health service is for you."},
	// Border provinces: border trade and crossing services for residents.
	{Code: "border_province", MinAge: 18, Provinces: []string{"SIB", "KRD", "AZW", "KSH", "ILM", "KHZ", "BSH", "HRM", "KHS", "KHR", "ARD", "GLS", "AZE"},
		Events: []string{"trade", "travel"},
		WhyFa:  "نشانی اقامت شما در یکی از استان‌های مرزی است.",
		WhyEn:  "You live in a border province."},
}

// LifeEventCodes maps the types of life events published on the exchange
// (the Pub/Sub room IR/GOV/PANJARE/life-events) to the catalogue's life
// event codes that records name: a life event about a person suggests the
// services linked to these codes.
var LifeEventCodes = map[string][]string{
	"birth":              {"birth"},
	"death":              {"death"},
	"marriage":           {"marriage"},
	"divorce":            {"divorce"},
	"retirement":         {"retirement"},
	"graduation":         {"higher_education", "job"},
	"company_registered": {"start_business", "run_business"},
}

// lifeEventNames names the published event types in the why-line.
var lifeEventNames = map[string][2]string{
	"birth":              {"تولد", "a birth"},
	"death":              {"فوت", "a death"},
	"marriage":           {"ازدواج", "a marriage"},
	"divorce":            {"طلاق", "a divorce"},
	"retirement":         {"بازنشستگی", "a retirement"},
	"graduation":         {"دانش‌آموختگی", "a graduation"},
	"company_registered": {"ثبت شرکت", "a company registration"},
}

// matches reports whether rule r applies to profile pr.
func (r ProfileRule) matches(pr Profile) bool {
	if pr.Age < r.MinAge || (r.MaxAge > 0 && pr.Age > r.MaxAge) {
		return false
	}
	if r.Sex != "" && r.Sex != pr.Sex {
		return false
	}
	if len(r.Provinces) > 0 {
		for _, p := range r.Provinces {
			if p == pr.Province {
				return true
			}
		}
		return false
	}
	return true
}
