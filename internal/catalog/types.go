package catalog

import (
	"time"
)

// Domain groups agencies and services by field of government (seed 001).
type Domain string

// The domains. Stored by name: append only.
const (
	DomainJudicial      Domain = "judicial"
	DomainPolice        Domain = "police"
	DomainHealth        Domain = "health"
	DomainCommerce      Domain = "commerce"
	DomainEducation     Domain = "education"
	DomainTransport     Domain = "transport"
	DomainBanking       Domain = "banking"
	DomainCivil         Domain = "civil_registration"
	DomainWelfare       Domain = "welfare"
	DomainTax           Domain = "tax"
	DomainLabour        Domain = "labour"
	DomainHousing       Domain = "housing"
	DomainLand          Domain = "land_registry"
	DomainAgriculture   Domain = "agriculture"
	DomainIndustry      Domain = "industry"
	DomainEnergy        Domain = "energy"
	DomainCommunication Domain = "communications"
	DomainCulture       Domain = "culture"
	DomainEnvironment   Domain = "environment"
	DomainForeign       Domain = "foreign_affairs"
	DomainMunicipal     Domain = "municipal"
)

// Agency is an executive agency (دستگاه اجرایی).
type Agency struct {
	Code        string `json:"code"` // short upper-case code, e.g. "NOCR"
	NameFa      string `json:"name_fa"`
	NameEn      string `json:"name_en"`
	Parent      string `json:"parent,omitempty"` // code of the parent agency (ministry), if any
	Domain      Domain `json:"domain"`
	Connected   bool   `json:"connected"` // its services are offered through the window
	Website     string `json:"website,omitempty"`
	Description string `json:"description_fa,omitempty"`
}

// RegionKind says whether a region is a province or a city.
type RegionKind string

// The region kinds.
const (
	Province RegionKind = "province"
	City     RegionKind = "city"
)

// Region is a province or one of its cities. Pilot cities (شهر هدف, seed 002)
// are where new services roll out first.
type Region struct {
	Code     string     `json:"code"` // province: "THR"; city: "THR-01"
	NameFa   string     `json:"name_fa"`
	NameEn   string     `json:"name_en"`
	Kind     RegionKind `json:"kind"`
	Province string     `json:"province,omitempty"` // for cities: the province code
	Capital  bool       `json:"capital,omitempty"`  // for cities: the provincial capital
	Pilot    bool       `json:"pilot,omitempty"`    // for cities: a pilot (target) city
}

// Audience is who a service is for.
type Audience string

// The audiences.
const (
	G2C Audience = "G2C" // citizens
	G2B Audience = "G2B" // businesses
	G2G Audience = "G2G" // other agencies
)

// Nature says whether a service is a sovereign duty of the state (حاکمیتی) or
// an enterprise activity the state happens to perform (تصدی‌گری).
type Nature string

// The natures.
const (
	Sovereign  Nature = "sovereign"
	Enterprise Nature = "enterprise"
)

// Scope is the administrative level at which a service is delivered. (The
// issue text calls it "level"; we say Scope so that "level" means L0–L5.)
type Scope string

// The scopes.
const (
	ScopeNational   Scope = "national"
	ScopeProvincial Scope = "provincial"
	ScopeCity       Scope = "city"
	ScopeVillage    Scope = "village"
)

// Trigger says how a service starts.
type Trigger string

// The triggers.
const (
	OnRequest   Trigger = "request"   // the applicant asks
	OnDate      Trigger = "date"      // a calendar date (renewal, annual filing)
	OnEvent     Trigger = "event"     // a life or business event (birth, company registered)
	OnDetection Trigger = "detection" // the agency detects the need from its own data
)

// Decision says how applications are decided.
type Decision string

// The decision modes.
const (
	DecideManual Decision = "manual" // an official decides
	DecideRules  Decision = "rules"  // decided automatically by published rules
)

// Channel is a way to reach a service.
type Channel string

// The channels.
const (
	ChannelWeb     Channel = "web"
	ChannelMobile  Channel = "mobile"
	ChannelCounter Channel = "counter" // an office, in person
	ChannelKiosk   Channel = "kiosk"   // a government counter office (دفتر پیشخوان) or kiosk
	ChannelPhone   Channel = "phone"
	ChannelPost    Channel = "post"
	ChannelAPI     Channel = "api" // for businesses and agencies
)

// Frequency is how often one applicant typically uses a service.
type Frequency string

// The frequencies.
const (
	Once     Frequency = "once"     // once in a lifetime
	Periodic Frequency = "periodic" // at fixed intervals (renewals, annual filings)
	AsNeeded Frequency = "as_needed"
)

// EvidenceSource says how a piece of evidence reaches the agency.
type EvidenceSource string

// The evidence sources.
const (
	// FromInquiry: another agency holds it and the platform asks that agency
	// (once-only: the applicant is not asked). Evidence.HeldBy and
	// Evidence.Inquiry name the agency and its data service.
	FromInquiry EvidenceSource = "inquiry"
	// FromUpload: the applicant uploads it (no agency holds it).
	FromUpload EvidenceSource = "upload"
	// FromDeclaration: the applicant states it in the form.
	FromDeclaration EvidenceSource = "declaration"
	// FromPaper: the applicant must bring a paper original or visit.
	FromPaper EvidenceSource = "paper"
)

// Evidence is a document or fact that proves a requirement is met.
type Evidence struct {
	Code   string         `json:"code"` // unique within the record, [a-z0-9_]
	NameFa string         `json:"name_fa"`
	NameEn string         `json:"name_en,omitempty"`
	Source EvidenceSource `json:"source"`
	// HeldBy is the code of the agency that holds this evidence, if any. When
	// set and Source is not FromInquiry, the applicant is being asked for
	// something the state already has: the record cannot reach L2.
	HeldBy string `json:"held_by,omitempty"`
	// Inquiry names the data service that replaces the evidence, as
	// "MEMBER/SERVICE" in the exchange (e.g. "NOCR/person-identity").
	Inquiry string `json:"inquiry,omitempty"`
}

// Requirement is a condition the applicant must meet (CPSV-AP Requirement).
type Requirement struct {
	Code     string     `json:"code"` // unique within the record
	NameFa   string     `json:"name_fa"`
	NameEn   string     `json:"name_en,omitempty"`
	Evidence []Evidence `json:"evidence,omitempty"`
}

// Output is what the service produces (CPSV-AP Output).
type Output struct {
	NameFa string `json:"name_fa"`
	NameEn string `json:"name_en,omitempty"`
	// Kind: "document" (a certificate or licence), "decision", "payment",
	// "registration" or "information".
	Kind string `json:"kind"`
	// Certifies is what a document output states, in the order printed:
	// the facts the agency decided (a certificate's status, a permit's
	// subject and conditions). Each is signed into the document and shown
	// on it. Only outputs of kind "document" have them.
	Certifies []Fact `json:"certifies,omitempty"`
}

// FactSource says where the value of a document's fact comes from. Whatever
// the source, the official approving the case sees the value proposed and
// may correct it; what they confirm is what the document says.
type FactSource string

// The fact sources.
const (
	// FactFromForm: the applicant's answer to a declared evidence of the
	// form (Fact.Evidence, of source FromDeclaration).
	FactFromForm FactSource = "form"
	// FactFromEvidence: a field (Fact.Key) of the answer an agency gave
	// through the exchange for an inquiry evidence (Fact.Evidence).
	FactFromEvidence FactSource = "evidence"
	// FactFromDecision: the official enters it on approval (the weapon's
	// serial number, read off the weapon); Fact.DefaultFa may propose it.
	FactFromDecision FactSource = "decision"
)

// FactSources lists the fact sources.
var FactSources = []Label{
	{string(FactFromForm), "از فرم متقاضی", "From the applicant's form"},
	{string(FactFromEvidence), "از پاسخ استعلام", "From an inquiry's answer"},
	{string(FactFromDecision), "با تصمیم کارشناس", "Entered by the official on approval"},
}

// Fact is one thing a document certifies: a labelled line printed on it.
type Fact struct {
	Code   string     `json:"code"` // unique within the record, [a-z0-9_]
	NameFa string     `json:"name_fa"`
	NameEn string     `json:"name_en,omitempty"`
	From   FactSource `json:"from"`
	// Evidence is the code of the evidence the value comes from (for
	// FactFromForm and FactFromEvidence).
	Evidence string `json:"evidence,omitempty"`
	// Key is the field of the inquiry's JSON answer that holds the value
	// (for FactFromEvidence), e.g. "status_fa".
	Key string `json:"key,omitempty"`
	// DefaultFa is the value proposed to the official when no other source
	// gives one, e.g. a permit's standard conditions.
	DefaultFa string `json:"default_fa,omitempty"`
}

// Certifies returns the facts the record's document states: those of its
// outputs of kind "document", in order.
func (r *Record) Certifies() []Fact {
	var out []Fact
	for _, o := range r.Outputs {
		if o.Kind == "document" {
			out = append(out, o.Certifies...)
		}
	}
	return out
}

// LegalBasis is a law or regulation the service rests on (CPSV-AP hasLegalResource).
type LegalBasis struct {
	TitleFa string `json:"title_fa"`
	TitleEn string `json:"title_en,omitempty"`
	Article string `json:"article,omitempty"` // e.g. "ماده ۱۴"
	URL     string `json:"url,omitempty"`
}

// Stages says, for each stage of the service, whether it is done
// electronically end to end.
type Stages struct {
	Information bool `json:"information"` // the applicant can learn about it online
	Request     bool `json:"request"`     // the request can be made online
	Processing  bool `json:"processing"`  // the agency processes it electronically, inquiries included
	Delivery    bool `json:"delivery"`    // the output is delivered electronically
}

// RefusalGround is a published condition on which a permit application may
// be refused. An official refusing a permit must cite one (the rule of the
// national permits portal).
type RefusalGround struct {
	Code    string `json:"code"`
	TextFa  string `json:"text_fa"`
	TextEn  string `json:"text_en,omitempty"`
	LegalFa string `json:"legal_fa,omitempty"` // the article that allows it
}

// Permit holds what only permits have.
type Permit struct {
	// ValidityDays is how long an issued permit is valid; 0 means it does not expire.
	ValidityDays   int             `json:"validity_days,omitempty"`
	RefusalGrounds []RefusalGround `json:"refusal_grounds"`
}

// Record is the standard service record. Agencies write it; the platform
// assigns ID on first publication and computes Level and Quality.
type Record struct {
	// Identity.
	TitleFa       string   `json:"title_fa"`
	TitleEn       string   `json:"title_en,omitempty"`
	DescriptionFa string   `json:"description_fa"`
	DescriptionEn string   `json:"description_en,omitempty"`
	Keywords      []string `json:"keywords,omitempty"`
	Agency        string   `json:"agency"` // the competent agency's code

	// Audience.
	Audience Audience `json:"audience"`
	Nature   Nature   `json:"nature"`
	Scope    Scope    `json:"scope"`

	// Events and how the service starts.
	Events   []string `json:"events,omitempty"` // life or business event codes (see LifeEvents)
	Trigger  Trigger  `json:"trigger"`
	Decision Decision `json:"decision"`

	// What the applicant needs, and what they get.
	Requirements []Requirement `json:"requirements,omitempty"`
	Outputs      []Output      `json:"outputs"`
	Permit       *Permit       `json:"permit,omitempty"` // set for permits only

	// Cost and time.
	CostRials      int64     `json:"cost_rials"`
	ProcessingTime Duration  `json:"processing_time"` // also the SLA
	Visits         int       `json:"visits"`          // in-person visits needed
	Frequency      Frequency `json:"frequency"`
	AnnualVolume   int64     `json:"annual_volume,omitempty"` // the agency's estimate of requests a year
	// ObjectionDays is how many days an applicant has to object to an
	// automatic decision of the service's rules; 0 means the default, 30.
	ObjectionDays int `json:"objection_days,omitempty"`

	// Legal basis, channels and stages.
	LegalBasis []LegalBasis `json:"legal_basis"`
	Channels   []Channel    `json:"channels"`
	Stages     Stages       `json:"stages"`

	// Where to go for the service (a URL on the agency's site, if it has one).
	URL string `json:"url,omitempty"`
}

// DefaultObjectionDays is the objection period of a record that states none.
const DefaultObjectionDays = 30

// ObjectionPeriod returns how many days an applicant has to object to an
// automatic decision: ObjectionDays, or DefaultObjectionDays when 0.
func (r *Record) ObjectionPeriod() int {
	if r.ObjectionDays <= 0 {
		return DefaultObjectionDays
	}
	return r.ObjectionDays
}

// IsPermit reports whether the record describes a permit.
func (r *Record) IsPermit() bool { return r.Permit != nil }

// Status is where a record version is in its life.
type Status string

// The statuses. A service moves draft → published → retired; each publication
// of a new version supersedes the one before, which stays in the history.
const (
	Draft      Status = "draft"
	Published  Status = "published"
	Superseded Status = "superseded"
	Retired    Status = "retired"
)

// Service is one service as the registry knows it: its identity, the record
// of the version shown, and what the platform computed from it.
type Service struct {
	Key     int64   `json:"-"`            // internal key, stable from the first draft
	ID      string  `json:"id,omitempty"` // the service identifier, from first publication
	Version int     `json:"version"`
	Status  Status  `json:"status"`
	Record  Record  `json:"record"`
	Level   Level   `json:"level"`
	Quality Quality `json:"quality"`
	Domain  Domain  `json:"domain"` // the competent agency's domain

	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	RetiredAt   *time.Time `json:"retired_at,omitempty"`
}

// Version is one entry in a service's history.
type Version struct {
	Version     int        `json:"version"`
	Status      Status     `json:"status"`
	Actor       string     `json:"actor"`
	CreatedAt   time.Time  `json:"created_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	Note        string     `json:"note,omitempty"`
}
