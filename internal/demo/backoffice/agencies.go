package backoffice

import (
	"fmt"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/persian"
)

// The back offices of the other agencies the demo catalogue asks: the
// judiciary, conscription, passports, the deeds registry, social security,
// the central bank, the municipality and the rest. Every service answers
// about the citizen in its path, from the same demo people as the civil
// registry, so that the agencies tell one story: a woman has no military
// service, a child has no car, the heirs of the two men who died have an
// estate return. A person the agency holds nothing about gets an answer
// that says so (an empty list, "holds": false), as real inquiries do; only
// a national code outside the population is unknown (404).

// answering builds a service about one person whose JSON Schema is inferred
// from its answers for the whole population.
func answering(ps *People, code, fa, en string, f func(*Person) any) Service {
	all := make([]any, 0, len(ps.list))
	for _, p := range ps.list {
		all = append(all, f(p))
	}
	return personService(ps, code, fa, en, inferSchema(all), f)
}

// moreServices are the services the first six offices offer besides their
// original ones, by member.
func moreServices(ps *People) map[string][]Service {
	return map[string][]Service{
		"NOCR": {answering(ps, "family-consent", "موافقت ولی یا همسر", "Consent of the guardian or spouse", func(p *Person) any { return consentOf(ps, p) })},
		"INTA": {
			answering(ps, "taxpayer", "پروندهٔ مالیاتی و کد اقتصادی", "Tax file and economic code", func(p *Person) any { return taxpayerOf(ps, p) }),
			answering(ps, "e-invoices", "صورتحساب‌های الکترونیکی سامانهٔ مؤدیان", "E-invoices in the taxpayers' system", func(p *Person) any { return invoicesOf(ps, p) }),
			answering(ps, "estate-returns", "اظهارنامه‌های مالیات بر ارث", "Estate tax returns", func(p *Person) any { return estateReturnsOf(ps, p) }),
		},
		"MSRT": {
			answering(ps, "students", "اشتغال به تحصیل دانشجویان", "University enrolment", func(p *Person) any { return enrolmentOf(ps, p) }),
			answering(ps, "free-tuition", "تعهد آموزش رایگان", "Free-tuition obligation", func(p *Person) any { return freeTuitionOf(ps, p) }),
		},
		"FARAJA_RAHVAR": {answering(ps, "driving-schools", "گواهی آموزشگاه رانندگی", "Driving school certificates", func(p *Person) any { return drivingSchoolOf(ps, p) })},
	}
}

// otherOffices are the back offices besides the first six.
func otherOffices(ps *People) []*Office {
	office := func(member, subsystem, fa, en, system string, services ...Service) *Office {
		return &Office{Member: member, Subsystem: subsystem, NameFa: fa, NameEn: en, SystemFa: system, Services: services}
	}
	s := func(code, fa, en string, f func(ps *People, p *Person) any) Service {
		return answering(ps, code, fa, en, func(p *Person) any { return f(ps, p) })
	}
	return []*Office{
		office("JUDICIARY_IT", "judicial", "مرکز آمار و فناوری اطلاعات قوهٔ قضاییه", "Judiciary Statistics and IT Centre", "سامانهٔ استعلام‌های قضایی",
			s("exit-ban", "ممنوع‌الخروجی", "Exit ban", exitBanOf),
			s("judgments", "آرای قطعی دادگاه‌ها", "Final court judgments", judgmentsOf),
			s("sana-account", "حساب کاربری سامانهٔ ثنا", "Sana electronic notice account", sanaOf)),
		office("FARAJA_NV", "conscription", "سازمان وظیفهٔ عمومی فراجا", "General Conscription Organization", "سامانهٔ مشمولان",
			s("service-status", "وضعیت نظام وظیفه", "Military service status", serviceStatusOf),
			s("service-records", "سوابق خدمت در یگان", "Unit service records", serviceRecordOf)),
		office("FARAJA_PASS", "passports", "پلیس مهاجرت و گذرنامهٔ فراجا", "Immigration and Passport Police", "سامانهٔ گذرنامه و تردد",
			s("passports", "گذرنامه", "Passport", passportOf),
			s("border-crossings", "سوابق تردد مرزی", "Border crossings", crossingsOf)),
		office("SSAA", "registry", "سازمان ثبت اسناد و املاک کشور", "Deeds and Property Registration Organization", "سامانهٔ ثبت الکترونیک اسناد",
			s("property-title", "اسناد مالکیت", "Title deeds", titlesOf),
			s("company-registry", "سمت در شرکت‌های ثبت‌شده", "Roles in registered companies", companiesOf),
			s("marriage-registry", "اسناد ازدواج و طلاق", "Marriage and divorce deeds", marriageDeedsOf)),
		office("SSO", "insurance-records", "سازمان تأمین اجتماعی", "Social Security Organization", "سامانهٔ سوابق بیمه‌شدگان",
			s("insurance-record", "سوابق بیمه‌پردازی", "Social insurance record", insuranceRecordOf),
			s("employer-clearance", "مفاصاحساب بیمه‌ای کارفرما", "Employer's social insurance clearance", employerClearanceOf),
			s("pensions", "مستمری‌بگیران", "Pensions", ssoPensionOf),
			s("workshops", "کارگاه‌های ثبت‌شده", "Registered workshops", workshopsOf)),
		office("CSPF", "pensions", "صندوق بازنشستگی کشوری", "Civil Servants Pension Fund", "سامانهٔ بازنشستگان",
			s("pensions", "پروندهٔ بازنشستگی کشوری", "Civil service pension", civilPensionOf)),
		office("AREO", "employees", "سازمان اداری و استخدامی کشور", "Administrative and Recruitment Organization", "سامانهٔ کارمندان دولت",
			s("civil-servants", "سوابق استخدامی", "Employment record", civilServantOf)),
		office("CBI", "banking", "بانک مرکزی جمهوری اسلامی ایران", "Central Bank of the Islamic Republic of Iran", "سامانهٔ استعلام بانکی",
			s("account-owner", "حساب‌های بانکی به نام شخص", "Bank accounts in the person's name", accountsOf),
			s("cheque-history", "سابقهٔ چک برگشتی (صیاد)", "Returned cheques (Sayad)", chequesOf),
			s("currency-provision", "تأمین و پرداخت ارز", "Currency provision", currencyOf),
			s("loan-queue", "نوبت‌های سامانهٔ تسهیلات", "Places in loan queues", loanQueueOf)),
		office("CRA", "telecom", "سازمان تنظیم مقررات و ارتباطات رادیویی", "Communications Regulatory Authority", "سامانهٔ شاهکار و همتا",
			s("shahkar", "خطوط همراه به نام شخص (شاهکار)", "Mobile lines in the person's name (Shahkar)", shahkarOf),
			s("imei-registry", "گوشی‌های ثبت‌شده (همتا)", "Registered handsets (Hamta)", handsetsOf)),
		office("POST", "postcodes", "شرکت ملی پست جمهوری اسلامی ایران", "Iran Post", "سامانهٔ کد پستی",
			s("postcode", "نشانی و کد پستی اقامتگاه", "Address and postcode", postcodeOf)),
		office("MCLS", "welfare", "وزارت تعاون، کار و رفاه اجتماعی", "Ministry of Cooperatives, Labour and Social Welfare", "پایگاه رفاه ایرانیان",
			s("welfare-base", "دهک و خانوار در پایگاه رفاه", "Household and decile in the welfare database", welfareOf)),
		office("TSO", "subsidies", "سازمان هدفمندسازی یارانه‌ها", "Targeted Subsidies Organization", "سامانهٔ یارانه",
			s("households", "خانوار یارانه‌بگیر", "Subsidy household", subsidyHouseholdOf)),
		office("SWO", "disability", "سازمان بهزیستی کشور", "State Welfare Organization", "سامانهٔ جامع توان‌بخشی",
			s("disability", "پروندهٔ معلولیت", "Disability record", disabilityOf)),
		office("MEFA", "shares", "وزارت امور اقتصادی و دارایی", "Ministry of Economic Affairs and Finance", "سامانهٔ سهام عدالت",
			s("justice-shares", "سهام عدالت", "Justice Shares", sharesOf)),
		office("ICCIMA", "trade", "اتاق بازرگانی، صنایع، معادن و کشاورزی ایران", "Iran Chamber of Commerce, Industries, Mines and Agriculture", "سامانهٔ کارت بازرگانی",
			s("trade-card", "کارت بازرگانی", "Trade card", tradeCardOf)),
		office("INSO", "standards", "سازمان ملی استاندارد ایران", "Iranian National Standards Organization", "سامانهٔ ارزیابی انطباق",
			s("import-clearance", "تأییدیه‌های استاندارد کالای وارداتی", "Standards clearances of imports", standardsOf)),
		office("IRICA", "customs", "گمرک جمهوری اسلامی ایران", "Islamic Republic of Iran Customs Administration", "سامانهٔ جامع گمرکی",
			s("export-declarations", "پروانه‌های صادراتی", "Export declarations", exportsOf)),
		office("TPO", "orders", "سازمان توسعهٔ تجارت ایران", "Trade Promotion Organization of Iran", "سامانهٔ جامع تجارت",
			s("order-registration", "ثبت سفارش کالا", "Import order registrations", ordersOf)),
		office("MIMT", "licences", "وزارت صنعت، معدن و تجارت", "Ministry of Industry, Mine and Trade", "سامانهٔ پروانه‌ها",
			s("business-licence", "پروانهٔ کسب", "Business licence", businessLicenceOf),
			s("guild-training", "گواهی آموزش صنفی", "Guild training certificate", guildTrainingOf),
			s("industrial-licences", "جواز تأسیس و پروانهٔ بهره‌برداری", "Establishment and operating licences", industrialOf),
			s("vehicle-sales", "اسناد فروش خودرو", "Vehicle sale documents", vehicleSalesOf)),
		office("MOE", "students", "وزارت آموزش و پرورش", "Ministry of Education", "سامانهٔ سناد",
			s("student-record", "سوابق تحصیلی دانش‌آموز", "School record", schoolRecordOf),
			s("diploma-grades", "سوابق و نمرات دیپلم", "Diploma grades", diplomaOf)),
		office("SANJESH", "exams", "سازمان سنجش آموزش کشور", "National Organization of Educational Testing", "سامانهٔ آزمون‌ها",
			s("quotas", "سهمیهٔ داوطلب", "Candidate's quota", quotaOf),
			s("results", "نتایج آزمون‌ها", "Exam results", examResultsOf)),
		office("MOHME", "health", "وزارت بهداشت، درمان و آموزش پزشکی", "Ministry of Health and Medical Education", "سامانهٔ سیب و پروانه‌ها",
			s("birth-notice", "گواهی ولادت بیمارستان", "Hospital birth notices", birthNoticesOf),
			s("death-notice", "گواهی فوت پزشک", "Physician's death notices", deathNoticesOf),
			s("health-record", "پروندهٔ الکترونیک سلامت", "Electronic health record", healthRecordOf),
			s("medical-degrees", "مدارک پزشکی و داروسازی", "Medical and pharmacy degrees", medicalDegreesOf),
			s("practitioners", "پروانهٔ نظام پزشکی", "Medical council licence", practitionerOf),
			s("premarital-screening", "آزمایش و مشاورهٔ پیش از ازدواج", "Premarital screening and counselling", premaritalOf),
			s("public-service", "طرح نیروی انسانی", "Public-service period", publicServiceOf)),
		office("MRUD", "housing", "وزارت راه و شهرسازی", "Ministry of Roads and Urban Development", "سامانهٔ مسکن و نظام مهندسی",
			s("engineers", "پروانهٔ اشتغال مهندسی", "Engineering licence", engineerOf),
			s("engineering-exams", "آزمون ورود به حرفه", "Licensing exams", engineeringExamsOf),
			s("housing-history", "سابقهٔ مسکن و تسهیلات دولتی", "Home ownership and state housing history", housingHistoryOf)),
		office("RMTO", "fleet", "سازمان راهداری و حمل‌ونقل جاده‌ای", "Road Maintenance and Transportation Organization", "سامانهٔ ناوگان هوشمند",
			s("fleet-cards", "کارت هوشمند ناوگان و راننده", "Fleet and driver smart cards", fleetCardsOf)),
		office("TAVANIR", "power", "شرکت مادرتخصصی توانیر", "Tavanir", "سامانهٔ مشترکان برق",
			s("subscriptions", "اشتراک‌های برق", "Electricity subscriptions", subscriptionsOf),
			s("capacity", "ظرفیت برق محل", "Site power capacity", capacityOf)),
		office("TEHRAN_MUN", "urban", "شهرداری تهران", "Tehran Municipality", "سامانهٔ شهرسازی و عوارض",
			s("building-permits", "پروانه‌های ساختمانی", "Building permits", buildingPermitsOf),
			s("property-clearance", "مفاصاحساب عوارض ملک", "Property dues clearance", municipalClearanceOf),
			s("urban-plan", "ضوابط طرح تفصیلی پلاک", "Detailed plan rules for the plot", urbanPlanOf),
			s("vehicle-duty", "عوارض سالانهٔ خودرو", "Annual vehicle duty", vehicleDutyOf)),
		office("MAJ", "farming", "وزارت جهاد کشاورزی", "Ministry of Agriculture Jihad", "سامانهٔ بهره‌برداران",
			s("farmers", "کارت بهره‌برداری کشاورزی", "Farm holder card", farmerOf),
			s("land-use", "کاربری اراضی", "Land use", landUseOf)),
		office("IVO", "veterinary", "سازمان دامپزشکی کشور", "Iran Veterinary Organization", "سامانهٔ دام و دامپزشکان",
			s("herd-health", "وضعیت بهداشتی گله", "Herd health", herdsOf),
			s("vets", "پروانهٔ دامپزشکی", "Veterinary licence", vetOf)),
		office("DOE", "environment", "سازمان حفاظت محیط زیست", "Department of Environment", "سامانهٔ مجوزهای محیط زیست",
			s("hunting-licences", "پروانهٔ شکار", "Hunting licence", huntingOf),
			s("site-clearance", "استعلام‌های محیط زیستی", "Environmental clearances", siteClearancesOf)),
		office("MCIG", "publishing", "وزارت فرهنگ و ارشاد اسلامی", "Ministry of Culture and Islamic Guidance", "سامانهٔ خانهٔ کتاب",
			s("publishers", "پروانهٔ نشر", "Publisher's licence", publisherOf)),
	}
}

// ---- helpers ----

// adult reports whether p is 18 or over on asOf.
func adult(p *Person) bool { return p.Age(asOf) >= 18 }

// digitsOf returns n decimal digits derived from seed, the same every run.
func digitsOf(seed, n int) string {
	out := make([]byte, n)
	x := uint64(seed)*2654435761 + 97
	for i := range out {
		x = x*6364136223846793005 + 1442695040888963407
		out[i] = byte('0' + (x>>33)%10)
	}
	if out[0] == '0' {
		out[0] = '1'
	}
	return string(out)
}

// plate is the registered plate of a property in the deeds registry.
func plate(i, k int) string {
	return persian.Digits(fmt.Sprintf("%d فرعی از %d اصلی", 100+(i*37+k*11)%900, 10+(i*13+k)%190))
}

// ownsHome reports whether p owns the home the deeds registry records.
func ownsHome(ps *People, p *Person) bool {
	i := ps.index(p)
	return adult(p) && p.Alive() && p.Father == "" && i%4 != 3
}

var banks = []string{"بانک ملی ایران", "بانک ملت", "بانک صادرات ایران", "بانک تجارت", "بانک مسکن", "بانک سپه", "بانک کشاورزی", "پست بانک ایران"}

// iban returns a valid Iranian IBAN (ISO 13616, mod 97) for account k of
// person i at bank b.
func iban(i, k, b int) string {
	bban := fmt.Sprintf("0%02d", 10+b*7%80) + "0" + digitsOf(i*31+k*7+b, 18)
	// IR is 18 27; the check digits make the whole number ≡ 1 mod 97.
	num := bban + "1827" + "00"
	rem := 0
	for _, c := range num {
		rem = (rem*10 + int(c-'0')) % 97
	}
	return fmt.Sprintf("IR%02d%s", 98-rem, bban)
}

// ---- NOCR ----

func consentOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "needed": false, "scope_fa": "خروج از کشور"}
	by := ""
	switch {
	case !adult(p):
		by, r["relation"] = p.Father, "father"
	case p.Sex == "female" && ps.Get(p.Spouse) != nil && ps.Get(p.Spouse).Alive():
		by, r["relation"] = p.Spouse, "spouse"
	}
	if g := ps.Get(by); g != nil {
		r["needed"], r["given"], r["by_national_code"], r["by_name"] = true, true, g.NationalCode, g.FullName()
		r["given_at"] = dateOf(asOf.AddDate(0, -(1 + ps.index(p)%8), 0))
	}
	return r
}

// ---- INTA ----

func taxpayerOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "registered": false}
	if adult(p) && i%3 != 2 {
		r["registered"], r["economic_code"], r["file_number"] = true, digitsOf(i, 12), persian.Digits(strconv.Itoa(20000+i*113))
		r["office_fa"] = "ادارهٔ کل امور مالیاتی " + p.BirthPlace
		r["activity_fa"] = []string{"خرده‌فروشی", "خدمات فنی", "حقوق‌بگیر", "پیمانکاری"}[i%4]
	}
	return r
}

func invoicesOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "year_fa": "۱۴۰۳", "count": 0, "total_rials": 0}
	if adult(p) && i%3 == 0 {
		n := 12 + i*7%90
		r["count"], r["total_rials"], r["memory_id"] = n, int64(n)*35_000_000, fmt.Sprintf("A%05X", 0x1A2B3+i*97)
	}
	return r
}

func estateReturnsOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "returns": []m{}}
	for _, d := range []string{p.Father, p.Spouse} {
		if dp := ps.Get(d); dp != nil && !dp.Alive() {
			r["returns"] = append(r["returns"].([]m), m{"deceased_national_code": dp.NationalCode, "deceased_name": dp.FullName(),
				"filed": true, "filed_at": dateOf(dp.Deceased.AddDate(0, 4, 0)), "file_number": persian.Digits(fmt.Sprintf("۱۴۰/%d", 5000+ps.index(dp)))})
		}
	}
	return r
}

// ---- MSRT ----

func enrolmentOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "enrolled": false}
	if a := p.Age(asOf); a >= 18 && a <= 30 && i%3 != 1 {
		r["enrolled"], r["university"], r["field"] = true, universities[i%len(universities)], fields[i%len(fields)]
		r["level_fa"], r["student_number"] = []string{"کارشناسی", "کارشناسی ارشد"}[i%2], fmt.Sprintf("40%d%05d", i%3, 1000+i*37)
		r["until"] = dateOf(day(asOf.Year()+1+i%3, time.July, 1))
	}
	return r
}

func freeTuitionOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "obligation": false}
	if degs := degreesOf(ps, p).Degrees; len(degs) > 0 && ps.index(p)%2 == 0 {
		r["obligation"], r["settled"], r["university"] = true, true, degs[0].University
		r["settled_at"] = dateOf(asOf.AddDate(0, -3, 0))
	}
	return r
}

// ---- FARAJA_RAHVAR ----

func drivingSchoolOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "certificates": []m{}}
	if p.Age(asOf) >= 17 {
		r["certificates"] = []m{{"school_fa": "آموزشگاه رانندگی " + cities[i%len(cities)], "class_fa": "پایه ۳",
			"theory_passed": true, "practice_hours": 10 + i%6, "number": fmt.Sprintf("DS-%06d", 3000+i*41), "date": dateOf(asOf.AddDate(0, -(2 + i%20), 0))}}
	}
	return r
}

// ---- judiciary ----

func exitBanOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "banned": false, "as_of": dateOf(asOf)}
	if c, ok := convicted[ps.index(p)]; ok && c.Effective && adult(p) {
		r["banned"], r["authority_fa"], r["since"] = true, "اجرای احکام کیفری "+c.Court, c.Date
	}
	return r
}

func judgmentsOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "judgments": []m{}}
	if c, ok := convicted[i]; ok && adult(p) {
		r["judgments"] = []m{{"number": persian.Digits(fmt.Sprintf("۹۸۰۹۹۷%010d", 22000+i*7)), "court_fa": c.Court, "subject_fa": c.OffenceFa, "date": c.Date, "final": true}}
	} else if adult(p) && i%8 == 6 {
		r["judgments"] = []m{{"number": persian.Digits(fmt.Sprintf("۱۴۰۲۰۹%010d", 51000+i*13)), "court_fa": "شورای حل اختلاف " + p.BirthPlace,
			"subject_fa": "مطالبهٔ وجه", "date": dateOf(asOf.AddDate(-1, -i%12, 0)), "final": true}}
	}
	return r
}

func sanaOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "registered": false}
	if adult(p) && p.Alive() && i%7 != 5 {
		r["registered"], r["sana_code"], r["registered_at"] = true, digitsOf(i+500, 16), dateOf(asOf.AddDate(-1-i%5, -i%12, 0))
	}
	return r
}

// ---- conscription ----

func serviceStatusOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode}
	switch {
	case p.Sex == "female":
		r["status"], r["status_fa"] = "not_subject", "غیرمشمول (بانوان)"
	case p.Age(asOf) < 18:
		r["status"], r["status_fa"] = "under_age", "هنوز به سن مشمولیت نرسیده"
	case i%4 == 1:
		r["status"], r["status_fa"], r["exemption_fa"] = "exempt", "معاف دائم", []string{"کفالت والدین", "پزشکی", "فرزند شهید"}[i%3]
		r["card_number"] = digitsOf(i+900, 10)
	case i%4 == 3 && p.Age(asOf) < 30:
		r["status"], r["status_fa"], r["until"] = "student_deferral", "معافیت تحصیلی", dateOf(day(asOf.Year()+2, time.September, 22))
	default:
		r["status"], r["status_fa"] = "completed", "پایان خدمت"
		r["card_number"], r["completed"] = digitsOf(i+900, 10), dateOf(p.BirthDate.AddDate(21+i%3, 0, 0))
	}
	return r
}

func serviceRecordOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "served": false}
	if st := serviceStatusOf(ps, p).(m); st["status"] == "completed" {
		i := ps.index(p)
		from := p.BirthDate.AddDate(19+i%3, 0, 0)
		r["served"], r["unit_fa"], r["from"], r["until"], r["months"], r["end_recorded"] = true,
			[]string{"پادگان آموزشی ۰۱ تهران", "تیپ ۲۳ نیروی مخصوص", "قرارگاه مرزبانی شمال‌غرب"}[i%3], dateOf(from), dateOf(from.AddDate(0, 21, 0)), 21, true
	}
	return r
}

// ---- passports ----

func passportOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "holds": false}
	if p.Alive() && i%3 != 2 {
		issued := asOf.AddDate(-(i % 7), -(i % 12), 0)
		exp := issued.AddDate(7, 0, 0)
		if p.Age(asOf) < 18 {
			exp = issued.AddDate(5, 0, 0)
		}
		r["holds"], r["number"], r["issued"], r["expires"], r["valid"] = true, "E"+digitsOf(i+77, 8), dateOf(issued), dateOf(exp), exp.After(asOf)
	}
	return r
}

func crossingsOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "crossings": []m{}}
	if pp := passportOf(ps, p).(m); pp["holds"] == true && i%2 == 0 {
		out := asOf.AddDate(0, -(2 + i%9), -i%20)
		port := []string{"فرودگاه بین‌المللی امام خمینی", "مرز بازرگان", "فرودگاه شهید هاشمی‌نژاد مشهد"}[i%3]
		r["crossings"] = []m{{"direction": "exit", "direction_fa": "خروج", "border_fa": port, "date": dateOf(out)},
			{"direction": "entry", "direction_fa": "ورود", "border_fa": port, "date": dateOf(out.AddDate(0, 0, 8+i%20))}}
	}
	return r
}

// ---- deeds registry ----

func titlesOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "titles": []m{}}
	if !ownsHome(ps, p) {
		return r
	}
	r["titles"] = []m{{"plate_fa": plate(i, 0), "section_fa": "بخش " + persian.Digits(strconv.Itoa(1+i%12)) + " " + p.BirthPlace,
		"kind_fa": "آپارتمان مسکونی", "area_m2": 70 + i*7%110, "share_fa": "شش دانگ",
		"deed_number": persian.Digits(fmt.Sprintf("%d%s", 139, digitsOf(i+300, 9))), "electronic": true, "registered": dateOf(day(2005+i%18, time.Month(1+i%12), 3+i%25))}}
	return r
}

var roles = []string{"مدیرعامل", "رئیس هیئت‌مدیره", "عضو هیئت‌مدیره"}

func companiesOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "companies": []m{}}
	cs := ps.Companies()
	if adult(p) && p.Alive() && i%4 == 0 {
		c := cs[(i/4)%len(cs)]
		r["companies"] = []m{{"national_id": c.NationalID, "name": c.Name, "role_fa": roles[i%len(roles)],
			"registered": dateOf(c.Registered), "signatory": i%8 == 0}}
	}
	return r
}

func marriageDeedsOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "deeds": []m{}}
	if s := ps.Get(p.Spouse); s != nil {
		h, w := p, s
		if p.Sex == "female" {
			h, w = s, p
		}
		i := ps.index(h)
		r["deeds"] = []m{{"kind": "marriage", "kind_fa": "ازدواج دائم", "number": persian.Digits(strconv.Itoa(12000 + i*37)),
			"notary_fa":             "دفتر ازدواج شمارهٔ " + persian.Digits(strconv.Itoa(10+i%90)) + " " + h.BirthPlace,
			"husband_national_code": h.NationalCode, "wife_national_code": w.NationalCode,
			"date": dateOf(day(max(h.BirthDate.Year(), w.BirthDate.Year())+24, time.Month(1+i%12), 10)), "mahr_fa": persian.Digits(strconv.Itoa(110+i%300)) + " سکهٔ تمام بهار آزادی"}}
	}
	return r
}

// ---- social security and pensions ----

func insuranceRecordOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "insured": false, "months": 0}
	if a := p.Age(asOf); a >= 20 && i%5 != 2 {
		months := min((a-20)*12, 360) - i%24
		r["insured"], r["months"], r["insurance_number"] = true, max(months, 6), digitsOf(i+1200, 10)
		r["last_employer_fa"] = []string{"شرکت صنایع غذایی سپیدان", "شرکت فناوری اطلاعات پارس‌داده", "کارگاه خیاطی نوین", "خویش‌فرما"}[i%4]
		r["last_paid"] = dateOf(asOf.AddDate(0, -1, 0))
	}
	return r
}

func employerClearanceOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "employer": false}
	if ws := workshopsOf(ps, p).(m)["workshops"].([]m); len(ws) > 0 {
		r["employer"], r["cleared"], r["debt_rials"] = true, i%6 != 4, 0
		if i%6 == 4 {
			r["debt_rials"] = int64(48_000_000 + i*1_000_000)
		} else {
			r["certificate_number"] = fmt.Sprintf("SSO-%d-%05d", asOf.Year(), 800+i*19)
		}
	}
	return r
}

func ssoPensionOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "pensioner": false}
	i := ps.index(p)
	switch {
	case p.Alive() && p.Age(asOf) >= 60 && i%2 == 0:
		r["pensioner"], r["kind"], r["kind_fa"], r["since"] = true, "retirement", "بازنشستگی", dateOf(p.BirthDate.AddDate(60, 1, 0))
		r["monthly_rials"], r["pension_number"] = int64(120_000_000+i*1_500_000), digitsOf(i+1500, 9)
	case p.Alive() && ps.Get(p.Spouse) != nil && !ps.Get(p.Spouse).Alive():
		d := ps.Get(p.Spouse)
		r["pensioner"], r["kind"], r["kind_fa"], r["since"] = true, "survivor", "مستمری بازماندگان", dateOf(d.Deceased.AddDate(0, 2, 0))
		r["monthly_rials"], r["pension_number"] = int64(85_000_000+i*1_000_000), digitsOf(i+1500, 9)
	}
	return r
}

func workshopsOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "workshops": []m{}}
	if adult(p) && p.Alive() && p.Age(asOf) >= 25 && i%5 == 0 {
		r["workshops"] = []m{{"code": digitsOf(i+2100, 10), "name_fa": []string{"نانوایی سنگک", "تعمیرگاه خودرو", "کارگاه خیاطی", "فروشگاه لوازم خانگی"}[i%4] + " " + p.LastName,
			"employees": 2 + i%9, "since": dateOf(day(2010+i%13, time.Month(1+i%12), 1))}}
	}
	return r
}

func civilPensionOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "member": false}
	if cs := civilServantOf(ps, p).(m); cs["employed"] == true {
		r["member"], r["retired"], r["file_number"] = true, false, digitsOf(i+1800, 8)
		if p.Age(asOf) >= 60 {
			r["retired"], r["since"], r["monthly_rials"] = true, dateOf(p.BirthDate.AddDate(60, 0, 1)), int64(150_000_000+i*2_000_000)
		}
	}
	return r
}

func civilServantOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "employed": false}
	if p.Alive() && p.Age(asOf) >= 24 && i%4 == 2 {
		r["employed"], r["agency_fa"] = true, []string{"وزارت آموزش و پرورش", "سازمان امور مالیاتی کشور", "وزارت بهداشت، درمان و آموزش پزشکی", "شهرداری تهران"}[i%4]
		r["employment_fa"], r["personnel_number"] = []string{"رسمی قطعی", "پیمانی"}[i%2], digitsOf(i+2400, 8)
		r["since"] = dateOf(p.BirthDate.AddDate(24+i%4, 6, 0))
	}
	return r
}

// ---- central bank ----

func accountsOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "accounts": []m{}}
	if !p.Alive() {
		return r
	}
	n := 1 + i%2
	if !adult(p) {
		n = i % 2
	}
	for k := 0; k < n; k++ {
		b := (i + k*3) % len(banks)
		r["accounts"] = append(r["accounts"].([]m), m{"bank_fa": banks[b], "iban": iban(i, k, b), "kind_fa": []string{"سپردهٔ کوتاه‌مدت", "قرض‌الحسنهٔ جاری"}[k%2],
			"opened": dateOf(day(max(p.BirthDate.Year()+18, 2005)+i%10, time.Month(1+(i+k)%12), 2+k))})
	}
	return r
}

var chequeColours = [][2]string{{"white", "سفید"}, {"yellow", "زرد"}, {"orange", "نارنجی"}}

func chequesOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "returned": 0, "returned_rials": 0, "colour": "white", "colour_fa": "سفید"}
	if adult(p) && i%11 == 7 {
		c := chequeColours[1+i%2]
		r["returned"], r["returned_rials"], r["colour"], r["colour_fa"] = 1+i%3, int64(350_000_000*(1+i%3)), c[0], c[1]
	}
	return r
}

func currencyOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "provisions": []m{}}
	if cs := companiesOf(ps, p).(m)["companies"].([]m); len(cs) > 0 {
		r["provisions"] = []m{{"order_number": digitsOf(i+3100, 8), "currency": []string{"EUR", "AED", "CNY"}[i%3], "amount": 25_000 + i*1_300,
			"status_fa": "تأمین و پرداخت‌شده", "provided": dateOf(asOf.AddDate(0, -(1 + i%6), 0))}}
	}
	return r
}

func loanQueueOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "queues": []m{}}
	if adult(p) && p.Alive() && i%3 == 0 {
		product := "وام قرض‌الحسنهٔ ازدواج"
		if len(p.Children) > 0 {
			product = "وام قرض‌الحسنهٔ فرزندآوری"
		}
		r["queues"] = []m{{"bank_fa": banks[i%len(banks)], "product_fa": product, "registered": dateOf(asOf.AddDate(0, -(1 + i%5), -i%20)),
			"position": 100 + i*53%4000, "tracking": digitsOf(i+3300, 12)}}
	}
	return r
}

// ---- telecommunications ----

var operators = []struct{ prefix, fa string }{{"0912", "همراه اول"}, {"0935", "ایرانسل"}, {"0921", "رایتل"}, {"0919", "همراه اول"}}

func shahkarOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "lines": []m{}}
	if p.Alive() && p.Age(asOf) >= 12 {
		o := operators[i%len(operators)]
		r["lines"] = []m{{"number": o.prefix + digitsOf(i+4000, 7), "operator_fa": o.fa, "since": dateOf(asOf.AddDate(-(1 + i%9), 0, 0))}}
	}
	return r
}

// imei completes 14 digits with their Luhn check digit.
func imei(fourteen string) string {
	sum := 0
	for k, c := range fourteen {
		d := int(c - '0')
		if k%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return fourteen + strconv.Itoa((10-sum%10)%10)
}

func handsetsOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "handsets": []m{}}
	if p.Alive() && p.Age(asOf) >= 12 {
		r["handsets"] = []m{{"imei": imei("35" + digitsOf(i+4200, 12)), "brand": []string{"Samsung", "Xiaomi", "Apple", "Nokia"}[i%4],
			"status_fa": "فعال", "registered": dateOf(asOf.AddDate(0, -(3 + i%30), 0))}}
	}
	return r
}

func postcodeOf(ps *People, p *Person) any {
	city := p.BirthPlace
	if f := ps.Get(p.Father); f != nil {
		city = f.BirthPlace
	}
	h := p.Household
	streets := []string{"خیابان آزادی", "خیابان انقلاب", "بلوار کشاورز", "خیابان ولیعصر", "خیابان امام", "بلوار جمهوری"}
	return m{"national_code": p.NationalCode, "postcode": digitsOf(h+4400, 10), "city_fa": city, "verified": true,
		"address_fa": persian.Digits(fmt.Sprintf("%s، %s، کوچهٔ %d، پلاک %d، واحد %d", city, streets[h%len(streets)], 2+h*3%30, 5+h*7%80, 1+h%6))}
}

// ---- welfare ----

func welfareOf(ps *People, p *Person) any {
	head := householdHead(ps, p)
	return m{"national_code": p.NationalCode, "head_national_code": head.NationalCode, "household_size": len(householdOf(ps, head)),
		"decile": 1 + (p.Household*7+3)%10, "as_of": dateOf(asOf)}
}

// householdHead is the head of p's household: the father, or the mother
// when the father has died.
func householdHead(ps *People, p *Person) *Person {
	for _, q := range ps.list {
		if q.Household == p.Household && q.Father == "" && q.Alive() && (q.Sex == "male" || ps.Get(q.Spouse) == nil || !ps.Get(q.Spouse).Alive()) {
			return q
		}
	}
	return p
}

// householdOf is the living members of the household head heads.
func householdOf(ps *People, head *Person) []*Person {
	var out []*Person
	for _, q := range ps.list {
		if q.Household == head.Household && q.Alive() {
			out = append(out, q)
		}
	}
	return out
}

func subsidyHouseholdOf(ps *People, p *Person) any {
	head := householdHead(ps, p)
	members := []m{}
	for _, q := range householdOf(ps, head) {
		rel := "عضو"
		switch {
		case q == head:
			rel = "سرپرست"
		case q.NationalCode == head.Spouse:
			rel = "همسر"
		case q.Father != "":
			rel = "فرزند"
		}
		members = append(members, m{"national_code": q.NationalCode, "name": q.FullName(), "relation_fa": rel})
	}
	return m{"national_code": p.NationalCode, "head_national_code": head.NationalCode, "members": members,
		"monthly_rials": int64(len(members)) * 3_000_000}
}

func disabilityOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "registered": false}
	if i%17 == 9 {
		r["registered"], r["severity_fa"], r["kind_fa"], r["file_number"] = true, "متوسط", "جسمی‌حرکتی", digitsOf(i+4600, 9)
	}
	return r
}

func sharesOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "holder": false}
	if p.BirthDate.Before(day(2006, time.January, 1)) && p.Household%3 != 1 {
		r["holder"], r["value_rials"], r["management_fa"] = true, int64(145_000_000+i%5*10_000_000), []string{"مستقیم", "غیرمستقیم"}[i%2]
	}
	return r
}

// ---- trade and industry ----

func tradeCardOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "holds": false}
	if cs := companiesOf(ps, p).(m)["companies"].([]m); len(cs) > 0 || (adult(p) && i%9 == 5) {
		r["holds"], r["card_number"], r["kind_fa"], r["valid_until"] = true, digitsOf(i+5000, 11), "حقیقی", dateOf(asOf.AddDate(1, i%12, 0))
	}
	return r
}

func standardsOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "clearances": []m{}}
	if tc := tradeCardOf(ps, p).(m); tc["holds"] == true {
		r["clearances"] = []m{{"number": persian.Digits(fmt.Sprintf("۱۴۰۳-%06d", 2000+i*17)), "goods_fa": []string{"لوازم خانگی برقی", "قطعات خودرو", "اسباب‌بازی"}[i%3],
			"decision_fa": "منطبق با استاندارد ملی", "date": dateOf(asOf.AddDate(0, -(1 + i%4), 0))}}
	}
	return r
}

func exportsOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "declarations": []m{}}
	if tc := tradeCardOf(ps, p).(m); tc["holds"] == true {
		r["declarations"] = []m{{"number": digitsOf(i+5200, 12), "goods_fa": []string{"زعفران", "فرش دستباف", "پسته"}[i%3],
			"value_usd": 18_000 + i*900, "destination_fa": []string{"امارات متحده عربی", "چین", "ترکیه"}[i%3], "date": dateOf(asOf.AddDate(0, -(2 + i%8), 0))}}
	}
	return r
}

func ordersOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "orders": []m{}}
	if tc := tradeCardOf(ps, p).(m); tc["holds"] == true {
		r["orders"] = []m{{"number": digitsOf(i+5400, 8), "goods_fa": []string{"لوازم خانگی برقی", "قطعات خودرو", "اسباب‌بازی"}[i%3],
			"status_fa": "ثبت‌شده و معتبر", "registered": dateOf(asOf.AddDate(0, -(1 + i%5), 0))}}
	}
	return r
}

var guilds = []string{"فروشندگان مواد غذایی", "تعمیرکاران خودرو", "خیاطان", "فروشندگان لوازم خانگی", "نانوایان"}

func businessLicenceOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "holds": false}
	if adult(p) && p.Alive() && i%5 == 0 {
		r["holds"], r["number"], r["guild_fa"], r["valid_until"] = true, digitsOf(i+5600, 10), "اتحادیهٔ "+guilds[i%len(guilds)], dateOf(asOf.AddDate(2, 0, 0))
	}
	return r
}

func guildTrainingOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "completed": false}
	if adult(p) && i%2 == 0 {
		r["completed"], r["course_fa"], r["certificate_number"], r["date"] = true, "آموزش عمومی اصناف (۱۶ ساعت)", fmt.Sprintf("GT-%06d", 7000+i*23), dateOf(asOf.AddDate(0, -(1+i%14), 0))
	}
	return r
}

func industrialOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "licences": []m{}}
	if cs := companiesOf(ps, p).(m)["companies"].([]m); len(cs) > 0 {
		product := []string{"بسته‌بندی مواد غذایی", "قطعات پلاستیکی", "مصالح ساختمانی"}[i%3]
		r["licences"] = []m{
			{"kind": "establishment", "kind_fa": "جواز تأسیس", "number": digitsOf(i+5800, 9), "product_fa": product, "issued": dateOf(day(2016+i%6, time.April, 10))},
			{"kind": "operation", "kind_fa": "پروانهٔ بهره‌برداری", "number": digitsOf(i+5900, 9), "product_fa": product, "issued": dateOf(day(2019+i%4, time.May, 12))},
		}
	}
	return r
}

func vehicleSalesOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "sales": []m{}}
	for k, v := range vehiclesOf(ps, p).Vehicles {
		r["sales"] = append(r["sales"].([]m), m{"invoice_number": fmt.Sprintf("INV-%d-%06d", v.Year, 40000+ps.index(p)*17+k), "make": v.Make, "model": v.Model,
			"vin": v.VIN, "date": v.Registered})
	}
	return r
}

// ---- education ----

func schoolRecordOf(ps *People, p *Person) any {
	i := ps.index(p)
	a := p.Age(asOf)
	r := m{"national_code": p.NationalCode, "enrolled": false}
	if a >= 6 && a <= 18 {
		r["enrolled"], r["grade"], r["school_fa"] = true, min(a-5, 12), "دبستان و دبیرستان "+[]string{"فردوسی", "سعدی", "حافظ", "خوارزمی"}[i%4]+" "+p.BirthPlace
		r["year_fa"] = "۱۴۰۴-۱۴۰۳"
	}
	return r
}

func diplomaOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "has_diploma": false}
	if p.Age(asOf) >= 19 {
		r["has_diploma"], r["field_fa"] = true, []string{"ریاضی و فیزیک", "علوم تجربی", "علوم انسانی"}[i%3]
		r["gpa"], r["year"] = fmt.Sprintf("%d.%02d", 14+i%6, i*37%100), p.BirthDate.Year()+18
	}
	return r
}

var quotas = [][2]string{{"region1", "منطقهٔ ۱"}, {"region2", "منطقهٔ ۲"}, {"region3", "منطقهٔ ۳"}, {"veterans", "سهمیهٔ ایثارگران"}}

func quotaOf(ps *People, p *Person) any {
	q := quotas[p.Household%len(quotas)]
	return m{"national_code": p.NationalCode, "quota": q[0], "quota_fa": q[1]}
}

func examResultsOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "exams": []m{}}
	if a := p.Age(asOf); a >= 18 && a <= 40 {
		y := persian.Digits(strconv.Itoa(1382 + (p.BirthDate.Year() - 2003) + 18))
		r["exams"] = []m{{"exam_fa": "آزمون سراسری " + y, "group_fa": []string{"ریاضی و فنی", "علوم تجربی", "علوم انسانی"}[i%3],
			"rank": 200 + i*977%60000, "year_fa": y}}
	}
	return r
}

// ---- health ----

var hospitals = []string{"بیمارستان امام خمینی", "بیمارستان شریعتی", "بیمارستان میلاد", "بیمارستان قائم", "بیمارستان نمازی"}

func birthNoticesOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "notices": []m{}}
	if p.Sex != "female" {
		return r
	}
	for _, c := range p.Children {
		k := ps.Get(c)
		r["notices"] = append(r["notices"].([]m), m{"notice_number": digitsOf(ps.index(k)+6000, 10), "hospital_fa": hospitals[ps.index(k)%len(hospitals)],
			"child_sex": k.Sex, "birth_date": dateOf(k.BirthDate), "registered": true})
	}
	return r
}

func deathNoticesOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "notices": []m{}}
	for _, code := range append([]string{p.Father, p.Mother, p.Spouse}, p.Children...) {
		if d := ps.Get(code); d != nil && !d.Alive() {
			r["notices"] = append(r["notices"].([]m), m{"deceased_national_code": d.NationalCode, "deceased_name": d.FullName(),
				"notice_number": digitsOf(ps.index(d)+6200, 10), "cause_fa": "ایست قلبی", "date": dateOf(*d.Deceased),
				"physician_fa": "دکتر " + surnames[ps.index(d)%len(surnames)]})
		}
	}
	return r
}

func healthRecordOf(ps *People, p *Person) any {
	i := ps.index(p)
	return m{"national_code": p.NationalCode, "record_number": digitsOf(i+6400, 12), "health_centre_fa": "مرکز خدمات جامع سلامت " + p.BirthPlace,
		"vaccinations_complete": true, "blood_group": []string{"O+", "A+", "B+", "AB+", "O-"}[i%5]}
}

// isDoctor reports whether p has a medical degree in MSRT's records.
func isDoctor(ps *People, p *Person) bool {
	for _, d := range degreesOf(ps, p).Degrees {
		if d.Field == "پزشکی" {
			return true
		}
	}
	return false
}

func medicalDegreesOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "degrees": []m{}}
	for _, d := range degreesOf(ps, p).Degrees {
		if d.Field == "پزشکی" {
			r["degrees"] = append(r["degrees"].([]m), m{"degree_fa": "دکترای حرفه‌ای پزشکی", "university": d.University, "graduated": d.Graduated, "number": d.Number})
		}
	}
	return r
}

func practitionerOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "licensed": false}
	if isDoctor(ps, p) {
		r["licensed"], r["council_number"], r["specialty_fa"], r["valid_until"] = true, persian.Digits(strconv.Itoa(90000+i*131)), "پزشک عمومی", dateOf(asOf.AddDate(3, 0, 0))
	}
	return r
}

func premaritalOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "screened": false}
	if adult(p) && p.Spouse == "" {
		r["screened"], r["counselling"], r["centre_fa"], r["date"] = true, true, "مرکز مشاورهٔ ازدواج "+p.BirthPlace, dateOf(asOf.AddDate(0, -(1+i%3), 0))
	}
	return r
}

func publicServiceOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "required": false}
	if isDoctor(ps, p) {
		r["required"], r["completed"], r["place_fa"], r["until"] = true, true, "شبکهٔ بهداشت و درمان "+p.BirthPlace, dateOf(asOf.AddDate(-1, 0, 0))
	}
	return r
}

// ---- housing and roads ----

var disciplines = []string{"عمران", "معماری", "تأسیسات مکانیکی", "تأسیسات برقی"}

func engineerOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "licensed": false}
	for _, d := range degreesOf(ps, p).Degrees {
		if d.Field == "مهندسی عمران" || d.Field == "معماری" {
			r["licensed"], r["licence_number"], r["discipline_fa"], r["grade_fa"] = true, persian.Digits(fmt.Sprintf("۱-۰۱-%05d", 1000+i*71)), disciplines[i%2], []string{"پایهٔ ۳", "پایهٔ ۲", "پایهٔ ۱"}[i%3]
			r["valid_until"] = dateOf(asOf.AddDate(2, 0, 0))
		}
	}
	return r
}

func engineeringExamsOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "exams": []m{}}
	if e := engineerOf(ps, p).(m); e["licensed"] == true {
		r["exams"] = []m{{"discipline_fa": e["discipline_fa"], "field_fa": "نظارت", "passed": true, "date": dateOf(asOf.AddDate(-3, 0, 0))}}
	}
	return r
}

func housingHistoryOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "owns_home": ownsHome(ps, p), "state_housing": false}
	if ownsHome(ps, p) && i%3 == 0 {
		r["state_housing"], r["programme_fa"] = true, "مسکن مهر"
	}
	return r
}

func fleetCardsOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "driver_card": "", "vehicle_cards": []m{}}
	if l := licenceOf(ps, p); l.Holds && l.Class == "پایه ۱" {
		r["driver_card"] = digitsOf(i+7000, 7)
		for _, v := range vehiclesOf(ps, p).Vehicles {
			r["vehicle_cards"] = append(r["vehicle_cards"].([]m), m{"plate": v.Plate, "card_number": digitsOf(i+7100, 7), "valid_until": dateOf(asOf.AddDate(1, 0, 0))})
		}
	}
	return r
}

// ---- power ----

func subscriptionsOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "subscriptions": []m{}}
	if ownsHome(ps, p) {
		r["subscriptions"] = []m{{"bill_id": digitsOf(i+7200, 13), "meter_number": digitsOf(i+7300, 11), "tariff_fa": "خانگی",
			"address_fa": postcodeOf(ps, p).(m)["address_fa"], "since": dateOf(day(2005+i%18, time.Month(1+i%12), 3+i%25))}}
	}
	return r
}

func capacityOf(ps *People, p *Person) any {
	r := m{"national_code": p.NationalCode, "sites": []m{}}
	for k, s := range subscriptionsOf(ps, p).(m)["subscriptions"].([]m) {
		i := ps.index(p)
		r["sites"] = append(r["sites"].([]m), m{"bill_id": s["bill_id"], "contracted_kw": 5 + (i+k)%20, "available_kw": 40 + i*7%200})
	}
	return r
}

// ---- municipality ----

func buildingPermitsOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "permits": []m{}}
	if ownsHome(ps, p) && i%2 == 0 {
		r["permits"] = []m{{"number": persian.Digits(fmt.Sprintf("%d/%05d", 1390+i%12, 1000+i*43)), "plate_fa": plate(i, 0),
			"floors": 3 + i%4, "units": 4 + i%8, "issued": dateOf(day(2011+i%12, time.June, 1)), "completed": true}}
	}
	return r
}

func municipalClearanceOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "properties": []m{}}
	if ownsHome(ps, p) {
		cleared := i%7 != 3
		e := m{"plate_fa": plate(i, 0), "cleared": cleared, "debt_rials": 0}
		if !cleared {
			e["debt_rials"] = int64(9_600_000 + i*100_000)
		}
		r["properties"] = []m{e}
	}
	return r
}

var zones = [][2]string{{"R121", "مسکونی با تراکم کم"}, {"R122", "مسکونی با تراکم متوسط"}, {"M211", "مختلط مسکونی و تجاری"}}

func urbanPlanOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "plots": []m{}}
	if ownsHome(ps, p) {
		z := zones[i%len(zones)]
		r["plots"] = []m{{"plate_fa": plate(i, 0), "zone": z[0], "zone_fa": z[1], "max_floors": 4 + i%3, "density_pct": 180 + i%4*30, "occupancy_pct": 60}}
	}
	return r
}

func vehicleDutyOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "vehicles": []m{}}
	for k, v := range vehiclesOf(ps, p).Vehicles {
		paid := asOf.Year() - (i+k)%2
		e := m{"plate": v.Plate, "paid_through_year": paid, "debt_rials": 0}
		if paid < asOf.Year() {
			e["debt_rials"] = int64(2_400_000)
		}
		r["vehicles"] = append(r["vehicles"].([]m), e)
	}
	return r
}

// ---- agriculture and environment ----

// farms reports whether p holds a farm: the households outside the big cities.
func farms(ps *People, p *Person) bool {
	return adult(p) && p.Father == "" && p.Household%4 == 2
}

func farmerOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "holder": false}
	if farms(ps, p) {
		r["holder"], r["card_number"], r["land_ha"], r["crops_fa"] = true, digitsOf(i+7600, 10), 2+i%15, []string{"گندم", "جو", "پسته", "زعفران"}[i%4:i%4+1]
	}
	return r
}

func landUseOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "parcels": []m{}}
	if farms(ps, p) {
		r["parcels"] = []m{{"plate_fa": plate(i, 1), "use_fa": "زراعی و باغی", "area_ha": 2 + i%15, "change_allowed": false}}
	}
	return r
}

func herdsOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "herds": []m{}}
	if farms(ps, p) && i%2 == 0 {
		r["herds"] = []m{{"code": digitsOf(i+7800, 12), "species_fa": []string{"گوسفند", "گاو شیری", "بز"}[i%3], "head": 20 + i*3%200,
			"healthy": true, "vaccinated": dateOf(asOf.AddDate(0, -(1 + i%5), 0))}}
	}
	return r
}

func vetOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "licensed": false}
	if adult(p) && i%13 == 8 {
		r["licensed"], r["licence_number"], r["valid_until"] = true, digitsOf(i+8000, 7), dateOf(asOf.AddDate(2, 0, 0))
	}
	return r
}

func huntingOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "holds": false}
	if adult(p) && p.Sex == "male" && i%6 == 1 {
		r["holds"], r["number"], r["kind_fa"], r["valid_until"] = true, digitsOf(i+8200, 8), "پروانهٔ شکار پرندگان", dateOf(asOf.AddDate(0, 6, 0))
	}
	return r
}

func siteClearancesOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "clearances": []m{}}
	if ls := industrialOf(ps, p).(m)["licences"].([]m); len(ls) > 0 {
		r["clearances"] = []m{{"number": persian.Digits(fmt.Sprintf("۱۴۰۲/%05d", 300+i*7)), "site_fa": "شهرک صنعتی " + p.BirthPlace,
			"decision_fa": "بلامانع با رعایت ضوابط", "date": dateOf(asOf.AddDate(-1, 0, 0))}}
	}
	return r
}

func publisherOf(ps *People, p *Person) any {
	i := ps.index(p)
	r := m{"national_code": p.NationalCode, "licensed": false}
	if adult(p) && i%10 == 3 {
		r["licensed"], r["publisher_fa"], r["licence_number"] = true, "نشر "+p.LastName, digitsOf(i+8400, 6)
	}
	return r
}
