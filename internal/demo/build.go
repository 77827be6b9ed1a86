package demo

import (
	"strings"

	"github.com/panjare/panjare/internal/catalog"
)

// The data files describe services with def, a compact form of
// catalog.Record: the mode says how far the service has come, and build
// derives from it the stages, channels, visits, decision and trigger, so
// that each record is consistent by construction and its computed level is
// the one the mode names.

// mode is how a service is delivered today.
type mode uint8

const (
	// mInfo: information only; the request is made in person (L0).
	mInfo mode = iota
	// mVisit: the request is made online, but a visit or a paper original
	// remains (L1).
	mVisit
	// mOnline: every stage online, decided by an official (L2).
	mOnline
	// mRules: every stage online, decided by published rules (L3).
	mRules
	// mEvent: offered proactively on a life or business event and decided by
	// rules; the applicant only consents (L4).
	mEvent
	// mNoStop: delivered without any request, on a date or when the agency
	// detects the need from its own data (L5).
	mNoStop
)

// def is one service in compact form.
type def struct {
	ag     string // competent agency's code
	fa, en string // titles
	desc   string // description in Persian, 2–4 sentences
	descEn string // description in English, for the most used services
	kw     string // keywords, separated by «،»

	aud    catalog.Audience // default G2C
	mode   mode
	ent    bool          // an enterprise activity (تصدی‌گری) rather than a sovereign one
	scope  catalog.Scope // default national
	ev     []string      // life or business events
	onDate bool          // for mNoStop: started by a date rather than by detection

	reqs   []catalog.Requirement
	out    []catalog.Output
	permit *catalog.Permit

	cost   int64 // rials
	days   int   // processing time in days
	hours  int   // processing time in hours, for same-day services
	visits int   // in-person visits, for mInfo and mVisit; default 1
	post   bool  // the output is sent by post (mVisit)
	freq   catalog.Frequency
	vol    int64 // requests a year
	laws   []catalog.LegalBasis
	url    string
	ch     []catalog.Channel // overrides the channels the mode implies
}

// build turns a def into a record.
func build(d def) catalog.Record {
	r := catalog.Record{
		TitleFa:        d.fa,
		TitleEn:        d.en,
		DescriptionFa:  d.desc,
		DescriptionEn:  d.descEn,
		Keywords:       words(d.kw),
		Agency:         d.ag,
		Audience:       d.aud,
		Nature:         catalog.Sovereign,
		Scope:          d.scope,
		Events:         d.ev,
		Trigger:        catalog.OnRequest,
		Decision:       catalog.DecideManual,
		Requirements:   d.reqs,
		Outputs:        d.out,
		Permit:         d.permit,
		CostRials:      d.cost,
		ProcessingTime: catalog.Duration{Days: d.days, Hours: d.hours},
		Frequency:      d.freq,
		AnnualVolume:   d.vol,
		LegalBasis:     d.laws,
		URL:            d.url,
	}
	if r.Audience == "" {
		r.Audience = catalog.G2C
	}
	if d.ent {
		r.Nature = catalog.Enterprise
	}
	if r.Scope == "" {
		r.Scope = catalog.ScopeNational
	}
	if r.Frequency == "" {
		r.Frequency = catalog.AsNeeded
	}
	if r.ProcessingTime.IsZero() {
		r.ProcessingTime = catalog.Duration{Days: 1}
	}
	visits := d.visits
	if visits == 0 {
		visits = 1
	}
	electronic := []catalog.Channel{catalog.ChannelWeb, catalog.ChannelMobile}
	switch r.Audience {
	case catalog.G2B:
		electronic = append(electronic, catalog.ChannelAPI)
	case catalog.G2G:
		electronic = []catalog.Channel{catalog.ChannelWeb, catalog.ChannelAPI}
	}
	switch d.mode {
	case mInfo:
		r.Stages = catalog.Stages{Information: true}
		r.Visits = visits
		r.Channels = []catalog.Channel{catalog.ChannelCounter, catalog.ChannelPhone}
	case mVisit:
		r.Stages = catalog.Stages{Information: true, Request: true, Processing: true}
		r.Visits = visits
		r.Channels = []catalog.Channel{catalog.ChannelWeb, catalog.ChannelKiosk}
		if d.post {
			r.Channels = append(r.Channels, catalog.ChannelPost)
		}
	default:
		r.Stages = catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true}
		r.Channels = electronic
		if d.mode >= mRules {
			r.Decision = catalog.DecideRules
		}
		switch d.mode {
		case mEvent:
			r.Trigger = catalog.OnEvent
		case mNoStop:
			r.Trigger = catalog.OnDetection
			if d.onDate {
				r.Trigger = catalog.OnDate
			}
		}
	}
	if d.ch != nil {
		r.Channels = d.ch
	}
	return r
}

// words splits a keyword list written with Persian or Latin commas.
func words(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == '،' || r == ',' }) {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// Evidence helpers.

// inq is evidence the platform fetches from the agency that holds it, through
// its data service in the exchange (once-only).
func inq(code, fa, en, heldBy, service string) catalog.Evidence {
	return catalog.Evidence{Code: code, NameFa: fa, NameEn: en, Source: catalog.FromInquiry,
		HeldBy: heldBy, Inquiry: heldBy + "/" + service}
}

// upload is a document only the applicant has.
func upload(code, fa, en string) catalog.Evidence {
	return catalog.Evidence{Code: code, NameFa: fa, NameEn: en, Source: catalog.FromUpload}
}

// declared is a fact the applicant states in the form.
func declared(code, fa, en string) catalog.Evidence {
	return catalog.Evidence{Code: code, NameFa: fa, NameEn: en, Source: catalog.FromDeclaration}
}

// paper is an original the applicant must bring.
func paper(code, fa, en string) catalog.Evidence {
	return catalog.Evidence{Code: code, NameFa: fa, NameEn: en, Source: catalog.FromPaper}
}

// rq is a requirement and the evidence that proves it.
func rq(code, fa, en string, ev ...catalog.Evidence) catalog.Requirement {
	return catalog.Requirement{Code: code, NameFa: fa, NameEn: en, Evidence: ev}
}

// The evidence most services ask for, fetched from the agencies that hold it.
var (
	eIdentity       = inq("identity", "اطلاعات هویتی از ثبت احوال", "Identity data from the civil registry", "NOCR", "person-identity")
	eAlive          = inq("alive", "استعلام حیات", "Proof of life", "NOCR", "person-alive")
	eMarital        = inq("marital_status", "وضعیت تأهل", "Marital status", "NOCR", "marital-status")
	eFamily         = inq("family", "اطلاعات خانوار و فرزندان", "Household and children", "NOCR", "family")
	eDeath          = inq("death_record", "ثبت واقعهٔ فوت", "Registered death", "NOCR", "death-record")
	eMobile         = inq("mobile_owner", "تطابق شمارهٔ همراه با کد ملی (شاهکار)", "Mobile number matches the national code (Shahkar)", "CRA", "shahkar")
	eAddress        = inq("address", "نشانی و کد پستی", "Address and postcode", "POST", "postcode")
	eCriminal       = inq("criminal_record", "سابقهٔ کیفری", "Criminal record", "FARAJA", "criminal-record")
	eMilitary       = inq("military_status", "وضعیت نظام وظیفه", "Military service status", "FARAJA_NV", "service-status")
	eExitBan        = inq("exit_ban", "ممنوع‌الخروجی", "Exit ban", "JUDICIARY_IT", "exit-ban")
	eJudgment       = inq("judgment", "رأی قطعی دادگاه", "Final court judgment", "JUDICIARY_IT", "judgments")
	eTaxClear       = inq("tax_clearance", "مفاصاحساب مالیاتی", "Tax clearance", "INTA", "tax-clearance")
	eTaxpayer       = inq("taxpayer", "پروندهٔ مالیاتی و کد اقتصادی", "Tax file and economic code", "INTA", "taxpayer")
	eInsurance      = inq("insurance_record", "سوابق بیمه‌پردازی", "Social insurance record", "SSO", "insurance-record")
	eSSODebt        = inq("sso_clearance", "مفاصاحساب بیمه‌ای", "Social insurance clearance", "SSO", "employer-clearance")
	eCoverage       = inq("health_coverage", "پوشش بیمهٔ درمانی", "Health insurance coverage", "IHIO", "coverage")
	eDegree         = inq("degree", "مدرک تحصیلی دانشگاهی", "University degree", "MSRT", "degrees")
	eSchool         = inq("school_record", "سوابق تحصیلی دانش‌آموز", "School record", "MOE", "student-record")
	eVehicle        = inq("vehicle_ownership", "مالکیت خودرو", "Vehicle ownership", "FARAJA_RAHVAR", "vehicle-ownership")
	eFines          = inq("traffic_fines", "خلافی خودرو", "Unpaid traffic fines", "FARAJA_RAHVAR", "traffic-fines")
	eLicence        = inq("driving_licence", "گواهینامهٔ رانندگی", "Driving licence", "FARAJA_RAHVAR", "driving-licence")
	eCompany        = inq("company", "اطلاعات ثبتی شرکت", "Company registry data", "SSAA", "company-registry")
	eDeed           = inq("title_deed", "سند مالکیت", "Title deed", "SSAA", "property-title")
	eWelfare        = inq("welfare_base", "اطلاعات پایگاه رفاه ایرانیان", "Iranian welfare database", "MCLS", "welfare-base")
	eDisability     = inq("disability", "پروندهٔ معلولیت", "Disability record", "SWO", "disability")
	eTrade          = inq("trade_card", "کارت بازرگانی", "Trade card", "ICCIMA", "trade-card")
	eBizLicence     = inq("business_licence", "پروانهٔ کسب", "Business licence", "MIMT", "business-licence")
	eMedCouncil     = inq("medical_licence", "پروانهٔ نظام پزشکی", "Medical council licence", "MOHME", "practitioners")
	eCheque         = inq("cheque_history", "سابقهٔ چک برگشتی", "Returned cheques", "CBI", "cheque-history")
	eFarm           = inq("farm", "اطلاعات بهره‌بردار کشاورزی", "Farm holder data", "MAJ", "farmers")
	eBuildingPermit = inq("building_permit", "پروانهٔ ساختمانی", "Building permit", "TEHRAN_MUN", "building-permits")
)

// Output helpers.
func document(fa, en string) catalog.Output {
	return catalog.Output{NameFa: fa, NameEn: en, Kind: "document"}
}
func decision(fa, en string) catalog.Output {
	return catalog.Output{NameFa: fa, NameEn: en, Kind: "decision"}
}
func payment(fa, en string) catalog.Output {
	return catalog.Output{NameFa: fa, NameEn: en, Kind: "payment"}
}
func registration(fa, en string) catalog.Output {
	return catalog.Output{NameFa: fa, NameEn: en, Kind: "registration"}
}
func information(fa, en string) catalog.Output {
	return catalog.Output{NameFa: fa, NameEn: en, Kind: "information"}
}

func outs(o ...catalog.Output) []catalog.Output { return o }

// Fact helpers: what a document output certifies (catalog.Output.Certifies).

// certifies returns document output o stating facts.
func certifies(o catalog.Output, facts ...catalog.Fact) catalog.Output {
	o.Certifies = facts
	return o
}

// fromInquiry is a fact read from field key of the answer to inquiry
// evidence ev, which the official confirms.
func fromInquiry(code, fa, en, ev, key string) catalog.Fact {
	return catalog.Fact{Code: code, NameFa: fa, NameEn: en, From: catalog.FactFromEvidence, Evidence: ev, Key: key}
}

// byOfficial is a fact the official enters on approval; def, if not
// empty, is proposed (a permit's standard conditions).
func byOfficial(code, fa, en, def string) catalog.Fact {
	return catalog.Fact{Code: code, NameFa: fa, NameEn: en, From: catalog.FactFromDecision, DefaultFa: def}
}

// Permit helpers.

// permit returns the permit part of a record: validity in days (0 for no
// expiry) and its published refusal grounds.
func permit(validityDays int, grounds ...catalog.RefusalGround) *catalog.Permit {
	return &catalog.Permit{ValidityDays: validityDays, RefusalGrounds: grounds}
}

// refuse is one refusal ground, with the article that allows it.
func refuse(code, fa, en string, legal catalog.LegalBasis) catalog.RefusalGround {
	l := legal.TitleFa
	if legal.Article != "" {
		l = legal.Article + " " + legal.TitleFa
	}
	return catalog.RefusalGround{Code: code, TextFa: fa, TextEn: en, LegalFa: l}
}

// year is a year in days, for permit validity.
const year = 365

// act is a law or regulation.
type act struct{ fa, en string }

// at cites the given article of the act.
func (a act) at(article string) catalog.LegalBasis {
	return catalog.LegalBasis{TitleFa: a.fa, TitleEn: a.en, Article: article}
}

// whole cites the act as a whole.
func (a act) whole() catalog.LegalBasis {
	return catalog.LegalBasis{TitleFa: a.fa, TitleEn: a.en}
}

func laws(l ...catalog.LegalBasis) []catalog.LegalBasis   { return l }
func reqs(r ...catalog.Requirement) []catalog.Requirement { return r }
func events(e ...string) []string                         { return e }
