package catalog

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/agencycode"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
)

// Limits of the record's fields.
const (
	MaxTitle                = 200
	MaxDescription          = 4000
	MinDescriptionToPublish = 30 // characters a description needs before publication
	MaxKeywords             = 20
	MaxKeyword              = 50
	MaxName                 = 300
	MaxListItems            = 100
)

var (
	codeRE = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)
	// inquiryServiceRE is the service half of an inquiry "AGENCY/SERVICE";
	// the agency half follows agencycode.
	inquiryServiceRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)
)

// OutputKinds lists the kinds of output a service may produce.
var OutputKinds = []Label{
	{"document", "سند یا گواهی", "Document or certificate"},
	{"decision", "تصمیم", "Decision"},
	{"payment", "پرداخت", "Payment"},
	{"registration", "ثبت", "Registration"},
	{"information", "اطلاعات", "Information"},
}

// cleanRecord returns a copy of rec with its text tidied by persian.Clean,
// codes trimmed and agency codes upper-cased. It never shares slices with rec.
func cleanRecord(rec Record) Record {
	c := persian.Clean
	code := strings.TrimSpace
	agency := func(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }
	r := rec
	r.TitleFa, r.TitleEn = c(rec.TitleFa), c(rec.TitleEn)
	r.DescriptionFa, r.DescriptionEn = c(rec.DescriptionFa), c(rec.DescriptionEn)
	r.Agency = agency(rec.Agency)
	r.URL = strings.TrimSpace(rec.URL)
	r.Keywords = nil
	for _, k := range rec.Keywords {
		if k = c(k); k != "" {
			r.Keywords = append(r.Keywords, k)
		}
	}
	r.Events = nil
	for _, e := range rec.Events {
		r.Events = append(r.Events, code(e))
	}
	r.Requirements = nil
	for _, req := range rec.Requirements {
		nr := Requirement{Code: code(req.Code), NameFa: c(req.NameFa), NameEn: c(req.NameEn)}
		for _, ev := range req.Evidence {
			nr.Evidence = append(nr.Evidence, Evidence{Code: code(ev.Code), NameFa: c(ev.NameFa), NameEn: c(ev.NameEn),
				Source: EvidenceSource(code(string(ev.Source))), HeldBy: agency(ev.HeldBy), Inquiry: code(ev.Inquiry)})
		}
		r.Requirements = append(r.Requirements, nr)
	}
	r.Outputs = nil
	for _, o := range rec.Outputs {
		no := Output{NameFa: c(o.NameFa), NameEn: c(o.NameEn), Kind: code(o.Kind)}
		for _, f := range o.Certifies {
			no.Certifies = append(no.Certifies, Fact{Code: code(f.Code), NameFa: c(f.NameFa), NameEn: c(f.NameEn),
				From: FactSource(code(string(f.From))), Evidence: code(f.Evidence), Key: code(f.Key), DefaultFa: c(f.DefaultFa)})
		}
		r.Outputs = append(r.Outputs, no)
	}
	if rec.Permit != nil {
		p := Permit{ValidityDays: rec.Permit.ValidityDays, RefusalGrounds: []RefusalGround{}}
		for _, g := range rec.Permit.RefusalGrounds {
			p.RefusalGrounds = append(p.RefusalGrounds, RefusalGround{Code: code(g.Code), TextFa: c(g.TextFa), TextEn: c(g.TextEn), LegalFa: c(g.LegalFa)})
		}
		r.Permit = &p
	}
	r.LegalBasis = nil
	for _, lb := range rec.LegalBasis {
		r.LegalBasis = append(r.LegalBasis, LegalBasis{TitleFa: c(lb.TitleFa), TitleEn: c(lb.TitleEn), Article: c(lb.Article), URL: strings.TrimSpace(lb.URL)})
	}
	r.Channels = append([]Channel(nil), rec.Channels...)
	return r
}

// validURL reports whether s is an absolute http or https URL.
func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= 2000
}

// problems collects field errors.
type problems []errs.FieldError

func (p *problems) add(field, fa, en string) {
	*p = append(*p, errs.FieldError{Field: field, Fa: fa, En: en})
}

func known(list []Label, code string) bool {
	_, ok := LabelOf(list, code)
	return ok
}

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// ValidateDraft checks the shape of a record: known enumeration values,
// lengths, unique well-formed codes, no negative numbers, an agency code.
// It does not require completeness; ValidateForPublish does.
func ValidateDraft(rec Record) []errs.FieldError {
	var p problems
	if rec.Agency == "" {
		p.add("agency", "دستگاه ارائه‌دهنده را مشخص کنید.", "the competent agency is required")
	} else if !agencycode.Valid(rec.Agency) {
		p.add("agency", "کد دستگاه نامعتبر است.", "the agency code is malformed")
	}
	if tooLong(rec.TitleFa, MaxTitle) {
		p.add("title_fa", "عنوان فارسی حداکثر ۲۰۰ نویسه است.", "the Persian title is at most 200 characters")
	}
	if tooLong(rec.TitleEn, MaxTitle) {
		p.add("title_en", "عنوان انگلیسی حداکثر ۲۰۰ نویسه است.", "the English title is at most 200 characters")
	}
	if tooLong(rec.DescriptionFa, MaxDescription) {
		p.add("description_fa", "شرح فارسی حداکثر ۴۰۰۰ نویسه است.", "the Persian description is at most 4000 characters")
	}
	if tooLong(rec.DescriptionEn, MaxDescription) {
		p.add("description_en", "شرح انگلیسی حداکثر ۴۰۰۰ نویسه است.", "the English description is at most 4000 characters")
	}
	if len(rec.Keywords) > MaxKeywords {
		p.add("keywords", "حداکثر ۲۰ کلیدواژه مجاز است.", "at most 20 keywords")
	}
	for i, k := range rec.Keywords {
		if tooLong(k, MaxKeyword) {
			p.add(fmt.Sprintf("keywords[%d]", i), "هر کلیدواژه حداکثر ۵۰ نویسه است.", "a keyword is at most 50 characters")
		}
	}
	enum := func(field string, list []Label, v string) {
		if v != "" && !known(list, v) {
			p.add(field, "مقدار «"+v+"» برای این فیلد شناخته‌شده نیست.", "unknown value "+fmt.Sprintf("%q", v))
		}
	}
	enum("audience", Audiences, string(rec.Audience))
	enum("nature", Natures, string(rec.Nature))
	enum("scope", Scopes, string(rec.Scope))
	enum("trigger", Triggers, string(rec.Trigger))
	enum("decision", Decisions, string(rec.Decision))
	enum("frequency", Frequencies, string(rec.Frequency))
	seenEvent := map[string]bool{}
	for i, e := range rec.Events {
		f := fmt.Sprintf("events[%d]", i)
		switch {
		case !known(LifeEvents, e):
			p.add(f, "رخداد «"+e+"» شناخته‌شده نیست.", "unknown event "+fmt.Sprintf("%q", e))
		case seenEvent[e]:
			p.add(f, "این رخداد تکراری است.", "duplicate event")
		}
		seenEvent[e] = true
	}
	seenChan := map[Channel]bool{}
	for i, ch := range rec.Channels {
		f := fmt.Sprintf("channels[%d]", i)
		switch {
		case !known(Channels, string(ch)):
			p.add(f, "راه دسترسی «"+string(ch)+"» شناخته‌شده نیست.", "unknown channel "+fmt.Sprintf("%q", ch))
		case seenChan[ch]:
			p.add(f, "این راه دسترسی تکراری است.", "duplicate channel")
		}
		seenChan[ch] = true
	}
	if len(rec.Requirements) > MaxListItems || len(rec.Outputs) > MaxListItems || len(rec.LegalBasis) > MaxListItems {
		p.add("record", "تعداد شرایط، خروجی‌ها یا مبانی قانونی بیش از حد است (حداکثر ۱۰۰).", "too many requirements, outputs or legal bases (at most 100)")
	}
	reqCodes, evCodes := map[string]bool{}, map[string]bool{}
	for i, req := range rec.Requirements {
		rf := fmt.Sprintf("requirements[%d]", i)
		checkCode(&p, rf+".code", req.Code, reqCodes)
		if tooLong(req.NameFa, MaxName) || tooLong(req.NameEn, MaxName) {
			p.add(rf+".name_fa", "نام شرط حداکثر ۳۰۰ نویسه است.", "a requirement's name is at most 300 characters")
		}
		for j, ev := range req.Evidence {
			ef := fmt.Sprintf("%s.evidence[%d]", rf, j)
			checkCode(&p, ef+".code", ev.Code, evCodes)
			if tooLong(ev.NameFa, MaxName) || tooLong(ev.NameEn, MaxName) {
				p.add(ef+".name_fa", "نام مدرک حداکثر ۳۰۰ نویسه است.", "an evidence's name is at most 300 characters")
			}
			enum(ef+".source", EvidenceSources, string(ev.Source))
			if ev.HeldBy != "" && !agencycode.Valid(ev.HeldBy) {
				p.add(ef+".held_by", "کد دستگاه دارندهٔ مدرک نامعتبر است.", "the holding agency's code is malformed")
			}
			if ev.Inquiry != "" && !validInquiry(ev.Inquiry) {
				p.add(ef+".inquiry", "سرویس استعلام باید به شکل «عضو/سرویس» باشد، مانند NOCR/person-identity.",
					`the inquiry must look like "MEMBER/SERVICE", e.g. NOCR/person-identity`)
			}
		}
	}
	evidence := map[string]Evidence{}
	for _, req := range rec.Requirements {
		for _, ev := range req.Evidence {
			evidence[ev.Code] = ev
		}
	}
	factCodes := map[string]bool{}
	for i, o := range rec.Outputs {
		of := fmt.Sprintf("outputs[%d]", i)
		enum(of+".kind", OutputKinds, o.Kind)
		if tooLong(o.NameFa, MaxName) || tooLong(o.NameEn, MaxName) {
			p.add(of+".name_fa", "نام خروجی حداکثر ۳۰۰ نویسه است.", "an output's name is at most 300 characters")
		}
		if len(o.Certifies) > 0 && o.Kind != "document" {
			p.add(of+".certifies", "تنها خروجی از نوع سند مواردی را گواهی می‌کند.", "only an output of kind document certifies facts")
		}
		if len(o.Certifies) > MaxFacts {
			p.add(of+".certifies", "یک سند حداکثر ۱۲ مورد را گواهی می‌کند.", "a document certifies at most 12 facts")
		}
		for j, f := range o.Certifies {
			validateFact(&p, fmt.Sprintf("%s.certifies[%d]", of, j), f, evidence, factCodes)
		}
	}
	if rec.Permit != nil {
		if rec.Permit.ValidityDays < 0 {
			p.add("permit.validity_days", "مدت اعتبار مجوز نمی‌تواند منفی باشد.", "the validity cannot be negative")
		}
		codes := map[string]bool{}
		for i, g := range rec.Permit.RefusalGrounds {
			gf := fmt.Sprintf("permit.refusal_grounds[%d]", i)
			checkCode(&p, gf+".code", g.Code, codes)
			if tooLong(g.TextFa, MaxName*3) || tooLong(g.LegalFa, MaxName) {
				p.add(gf+".text_fa", "متن جهت رد بیش از حد طولانی است.", "the refusal ground's text is too long")
			}
		}
	}
	for i, lb := range rec.LegalBasis {
		lf := fmt.Sprintf("legal_basis[%d]", i)
		if tooLong(lb.TitleFa, MaxName) || tooLong(lb.TitleEn, MaxName) || tooLong(lb.Article, MaxKeyword) {
			p.add(lf+".title_fa", "عنوان یا مادهٔ قانون بیش از حد طولانی است.", "the law's title or article is too long")
		}
		if lb.URL != "" && !validURL(lb.URL) {
			p.add(lf+".url", "نشانی قانون باید با http:// یا https:// شروع شود.", "the law's URL must be an http:// or https:// URL")
		}
	}
	if rec.CostRials < 0 {
		p.add("cost_rials", "هزینه نمی‌تواند منفی باشد.", "the cost cannot be negative")
	}
	if rec.Visits < 0 {
		p.add("visits", "تعداد مراجعه نمی‌تواند منفی باشد.", "the number of visits cannot be negative")
	}
	if rec.ObjectionDays < 0 || rec.ObjectionDays > 365 {
		p.add("objection_days", "مهلت اعتراض باید از ۰ تا ۳۶۵ روز باشد (۰ یعنی ۳۰ روز).", "the objection period must be 0 to 365 days (0 means 30)")
	}
	if rec.AnnualVolume < 0 {
		p.add("annual_volume", "حجم سالانه نمی‌تواند منفی باشد.", "the annual volume cannot be negative")
	}
	if rec.ProcessingTime.Days < 0 || rec.ProcessingTime.Hours < 0 {
		p.add("processing_time", "مدت انجام نمی‌تواند منفی باشد.", "the processing time cannot be negative")
	}
	if rec.URL != "" && !validURL(rec.URL) {
		p.add("url", "نشانی خدمت باید با http:// یا https:// شروع شود.", "the service URL must be an http:// or https:// URL")
	}
	return p
}

// checkCode checks that code is well formed and not in seen, then adds it.
func checkCode(p *problems, field, code string, seen map[string]bool) {
	switch {
	case code == "":
		p.add(field, "کد لازم است.", "the code is required")
	case !codeRE.MatchString(code):
		p.add(field, "کد فقط از حروف کوچک لاتین، رقم و _ تشکیل می‌شود (حداکثر ۴۰ نویسه).",
			"a code has only lower-case Latin letters, digits and _ (at most 40)")
	case seen[code]:
		p.add(field, "کد «"+code+"» تکراری است.", "duplicate code "+fmt.Sprintf("%q", code))
	}
	seen[code] = true
}

// MaxFacts bounds what one document certifies: every fact travels in its
// QR code.
const MaxFacts = 12

// validateFact checks one fact of a document output: a unique code, a
// Persian name, a known source, and the evidence it names present in the
// record with a source that can give a value.
func validateFact(p *problems, field string, f Fact, evidence map[string]Evidence, codes map[string]bool) {
	checkCode(p, field+".code", f.Code, codes)
	if f.NameFa == "" || tooLong(f.NameFa, 80) || tooLong(f.NameEn, 80) {
		p.add(field+".name_fa", "هر مورد سند نامی فارسی تا ۸۰ نویسه لازم دارد.", "each fact needs a Persian name of at most 80 characters")
	}
	if tooLong(f.DefaultFa, 300) {
		p.add(field+".default_fa", "مقدار پیش‌فرض حداکثر ۳۰۰ نویسه است.", "the default value is at most 300 characters")
	}
	if !known(FactSources, string(f.From)) {
		p.add(field+".from", "منبع مقدار این مورد شناخته‌شده نیست.", "unknown fact source "+fmt.Sprintf("%q", f.From))
		return
	}
	ev, ok := evidence[f.Evidence]
	switch f.From {
	case FactFromForm:
		if !ok || ev.Source != FromDeclaration {
			p.add(field+".evidence", "موردی که از فرم می‌آید باید به اظهاری از همین شناسنامه اشاره کند.", "a fact from the form must name a declared evidence of this record")
		}
	case FactFromEvidence:
		if !ok || ev.Source != FromInquiry || f.Key == "" {
			p.add(field+".evidence", "موردی که از استعلام می‌آید باید به استعلامی از همین شناسنامه و فیلدی از پاسخ آن اشاره کند.",
				"a fact from evidence must name an inquiry evidence of this record and a key of its answer")
		}
	}
}

// ValidateForPublish returns every problem that keeps rec from publication:
// its shape (ValidateDraft), the mandatory fields of CPSV-AP and of the
// Iranian service card, and the consistency of the record with itself.
// agencyExists reports whether an agency code is registered.
func ValidateForPublish(rec Record, agencyExists func(string) bool) []errs.FieldError {
	p := problems(ValidateDraft(rec))

	// Mandatory fields.
	if rec.TitleFa == "" {
		p.add("title_fa", "عنوان فارسی خدمت لازم است.", "the Persian title is required")
	}
	if utf8.RuneCountInString(rec.DescriptionFa) < MinDescriptionToPublish {
		p.add("description_fa", "شرح فارسی خدمت لازم است و باید دست‌کم ۳۰ نویسه باشد.",
			"the Persian description is required and must have at least 30 characters")
	}
	if rec.Agency != "" && agencycode.Valid(rec.Agency) && !agencyExists(rec.Agency) {
		p.add("agency", "این دستگاه ثبت نشده است.", "the agency is not registered")
	}
	required := func(field, v, fa, en string) {
		if v == "" {
			p.add(field, fa, en)
		}
	}
	required("audience", string(rec.Audience), "مخاطب خدمت را مشخص کنید.", "the audience is required")
	required("nature", string(rec.Nature), "ماهیت خدمت (حاکمیتی یا تصدی‌گری) را مشخص کنید.", "the nature (sovereign or enterprise) is required")
	required("scope", string(rec.Scope), "سطح ارائهٔ خدمت (ملی، استانی، …) را مشخص کنید.", "the scope is required")
	required("trigger", string(rec.Trigger), "نحوهٔ آغاز خدمت را مشخص کنید.", "the trigger is required")
	required("decision", string(rec.Decision), "نحوهٔ تصمیم‌گیری را مشخص کنید.", "the decision mode is required")
	required("frequency", string(rec.Frequency), "دفعات استفاده از خدمت را مشخص کنید.", "the frequency is required")
	if len(rec.Outputs) == 0 {
		p.add("outputs", "دست‌کم یک خروجی برای خدمت لازم است.", "at least one output is required")
	}
	for i, o := range rec.Outputs {
		if o.NameFa == "" {
			p.add(fmt.Sprintf("outputs[%d].name_fa", i), "نام فارسی خروجی لازم است.", "the output's Persian name is required")
		}
		if o.Kind == "" {
			p.add(fmt.Sprintf("outputs[%d].kind", i), "نوع خروجی لازم است.", "the output's kind is required")
		}
	}
	if rec.ProcessingTime.Std() <= 0 {
		p.add("processing_time", "مدت انجام خدمت باید بیشتر از صفر باشد.", "the processing time must be more than zero")
	}
	if len(rec.LegalBasis) == 0 {
		p.add("legal_basis", "دست‌کم یک مبنای قانونی لازم است.", "at least one legal basis is required")
	}
	for i, lb := range rec.LegalBasis {
		if lb.TitleFa == "" {
			p.add(fmt.Sprintf("legal_basis[%d].title_fa", i), "عنوان فارسی قانون لازم است.", "the law's Persian title is required")
		}
	}
	if len(rec.Channels) == 0 {
		p.add("channels", "دست‌کم یک راه دسترسی به خدمت لازم است.", "at least one channel is required")
	}
	for i, req := range rec.Requirements {
		if req.NameFa == "" {
			p.add(fmt.Sprintf("requirements[%d].name_fa", i), "نام فارسی شرط لازم است.", "the requirement's Persian name is required")
		}
	}

	// Consistency.
	has := func(chs ...Channel) bool {
		for _, want := range chs {
			for _, ch := range rec.Channels {
				if ch == want {
					return true
				}
			}
		}
		return false
	}
	st := rec.Stages
	allElectronic := st.Information && st.Request && st.Processing && st.Delivery
	if rec.Visits > 0 {
		if !has(ChannelCounter, ChannelKiosk) {
			p.add("channels", "خدمتی که مراجعهٔ حضوری دارد باید راه دسترسی حضوری یا دفتر پیشخوان داشته باشد.",
				"a service that needs a visit must list a counter or kiosk channel")
		}
		if allElectronic {
			p.add("visits", "همهٔ مراحل الکترونیکی اعلام شده‌اند، پس تعداد مراجعهٔ حضوری باید صفر باشد.",
				"every stage is declared electronic, so the number of visits must be zero")
		}
	}
	if st.Request && !has(ChannelWeb, ChannelMobile, ChannelAPI) {
		p.add("channels", "درخواست الکترونیکی اعلام شده است، پس راه دسترسی وب، تلفن همراه یا واسط برنامه‌نویسی لازم است.",
			"the request stage is electronic, so a web, mobile or API channel is required")
	}
	if rec.Decision == DecideRules && !st.Processing {
		p.add("decision", "تصمیم خودکار بر پایهٔ قواعد با پردازش غیرالکترونیکی سازگار نیست.",
			"a decision by rules is inconsistent with processing that is not electronic")
	}
	for i, req := range rec.Requirements {
		for j, ev := range req.Evidence {
			ef := fmt.Sprintf("requirements[%d].evidence[%d]", i, j)
			if ev.NameFa == "" {
				p.add(ef+".name_fa", "نام فارسی مدرک لازم است.", "the evidence's Persian name is required")
			}
			if ev.Source == "" {
				p.add(ef+".source", "منبع مدرک را مشخص کنید.", "the evidence's source is required")
			}
			if ev.Source == FromPaper && rec.Visits == 0 && !has(ChannelPost) {
				p.add(ef+".source", "مدرک کاغذی بدون مراجعهٔ حضوری یا ارسال پستی قابل ارائه نیست.",
					"paper evidence needs a visit or a post channel")
			}
			if ev.Source == FromInquiry {
				switch {
				case ev.HeldBy == "":
					p.add(ef+".held_by", "برای استعلام، دستگاه دارندهٔ مدرک را مشخص کنید.", "an inquiry needs the agency that holds the evidence")
				case agencycode.Valid(ev.HeldBy) && !agencyExists(ev.HeldBy):
					p.add(ef+".held_by", "دستگاه دارندهٔ مدرک ثبت نشده است.", "the holding agency is not registered")
				}
				if ev.Inquiry == "" {
					p.add(ef+".inquiry", "سرویس استعلام را به شکل «عضو/سرویس» بنویسید.", `name the inquiry as "MEMBER/SERVICE"`)
				}
			} else if ev.Inquiry != "" {
				p.add(ef+".inquiry", "سرویس استعلام فقط برای مدرکی معنا دارد که منبعش استعلام است.",
					"an inquiry is set but the evidence's source is not inquiry")
			}
		}
	}
	if rec.Permit != nil && len(rec.Permit.RefusalGrounds) == 0 {
		p.add("permit.refusal_grounds", "مجوز باید دست‌کم یک جهت رد منتشرشده داشته باشد.",
			"a permit needs at least one published ground for refusal")
	}
	if rec.Permit != nil {
		for i, g := range rec.Permit.RefusalGrounds {
			if g.TextFa == "" {
				p.add(fmt.Sprintf("permit.refusal_grounds[%d].text_fa", i), "متن فارسی جهت رد لازم است.", "the ground's Persian text is required")
			}
		}
	}
	if rec.Trigger == OnEvent && len(rec.Events) == 0 {
		p.add("events", "خدمتی که با رخداد آغاز می‌شود باید دست‌کم یک رخداد داشته باشد.",
			"a service triggered by an event needs at least one event")
	}
	return p
}

// validInquiry reports whether s names a data service as "AGENCY/SERVICE",
// such as NOCR/person-identity.
func validInquiry(s string) bool {
	member, svc, ok := strings.Cut(s, "/")
	return ok && agencycode.Valid(member) && inquiryServiceRE.MatchString(svc)
}
