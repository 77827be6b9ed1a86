package notify

import (
	"bytes"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
)

// def is one notice's texts. Each is a text/template over the notice's Data
// plus "url" (the absolute link, or empty). SMS is Persian only and short: one
// part of 70 characters where the facts allow, never more than three; it
// names the tracking code, not the service, whose title may be long.
type def struct {
	fields           []string // required Data fields
	optional         []string // fields the texts use when given
	titleFa, bodyFa  string   // inbox, Persian
	titleEn, bodyEn  string   // inbox, English
	sms              string
	subject, email   string // email, Persian
	linkRequired     bool
	audienceIsAgency bool // sent to "agency:CODE"
	// mailOnly names a required Data field, a path on the portal, that
	// only the email may show, as the absolute "mail_url": a link that
	// proves the mailbox is the person's must not reach the inbox.
	mailOnly string
}

// emailFooter ends every email.
const emailFooter = "\n\nپنجرهٔ ملی خدمات دولت هوشمند\nاین پیام خودکار است؛ لطفاً به آن پاسخ ندهید."

// defs are the notices of the citizen journey, by template key.
var defs = map[string]def{
	"case.submitted": {
		fields:  []string{"tracking", "service"},
		titleFa: "درخواست شما ثبت شد",
		bodyFa:  "درخواست «{{.service}}» با کد رهگیری {{.tracking}} ثبت شد. وضعیت آن را از «پرونده‌های من» پیگیری کنید.",
		titleEn: "Your application was submitted",
		bodyEn:  "Your application for “{{.service}}” was submitted with tracking code {{.tracking}}. Follow it under “My cases”.",
		sms:     "درخواست شما با کد رهگیری {{.tracking}} ثبت شد.",
		subject: "ثبت درخواست {{.tracking}}",
		email:   "درخواست «{{.service}}» با کد رهگیری {{.tracking}} ثبت شد.{{with .url}}\nپیگیری: {{.}}{{end}}",
	},
	"case.in_review": {
		fields:  []string{"tracking", "service"},
		titleFa: "درخواست شما در دست بررسی است",
		bodyFa:  "درخواست «{{.service}}» (کد رهگیری {{.tracking}}) در دست بررسی دستگاه است.",
		titleEn: "Your application is being reviewed",
		bodyEn:  "Your application for “{{.service}}” (tracking code {{.tracking}}) is being reviewed by the agency.",
		sms:     "درخواست {{.tracking}} در دست بررسی است.",
		subject: "بررسی درخواست {{.tracking}}",
		email:   "درخواست «{{.service}}» (کد رهگیری {{.tracking}}) در دست بررسی دستگاه است.{{with .url}}\nپیگیری: {{.}}{{end}}",
	},
	"case.needs_info": {
		fields:  []string{"tracking", "service", "reason"},
		titleFa: "درخواست شما به اطلاعات بیشتر نیاز دارد",
		bodyFa:  "برای ادامهٔ بررسی درخواست «{{.service}}» (کد رهگیری {{.tracking}}) اطلاعات بیشتری لازم است: {{.reason}}",
		titleEn: "Your application needs more information",
		bodyEn:  "The agency needs more information to continue with your application for “{{.service}}” (tracking code {{.tracking}}): {{.reason}}",
		sms:     "درخواست {{.tracking}} به اطلاعات بیشتر نیاز دارد؛ پنجرهٔ ملی را ببینید.",
		subject: "اطلاعات بیشتر برای درخواست {{.tracking}}",
		email:   "برای ادامهٔ بررسی درخواست «{{.service}}» (کد رهگیری {{.tracking}}) اطلاعات بیشتری لازم است:\n{{.reason}}{{with .url}}\nتکمیل درخواست: {{.}}{{end}}",
	},
	"case.approved": {
		fields:  []string{"tracking", "service"},
		titleFa: "درخواست شما تأیید شد",
		bodyFa:  "درخواست «{{.service}}» (کد رهگیری {{.tracking}}) تأیید شد.",
		titleEn: "Your application was approved",
		bodyEn:  "Your application for “{{.service}}” (tracking code {{.tracking}}) was approved.",
		sms:     "درخواست {{.tracking}} تأیید شد.",
		subject: "تأیید درخواست {{.tracking}}",
		email:   "درخواست «{{.service}}» (کد رهگیری {{.tracking}}) تأیید شد.{{with .url}}\nپیگیری: {{.}}{{end}}",
	},
	"case.rejected": {
		fields:  []string{"tracking", "service", "reason"},
		titleFa: "درخواست شما پذیرفته نشد",
		bodyFa:  "درخواست «{{.service}}» (کد رهگیری {{.tracking}}) پذیرفته نشد. دلیل: {{.reason}}",
		titleEn: "Your application was rejected",
		bodyEn:  "Your application for “{{.service}}” (tracking code {{.tracking}}) was rejected. Reason: {{.reason}}",
		sms:     "درخواست {{.tracking}} پذیرفته نشد؛ دلیل را در پنجرهٔ ملی ببینید.",
		subject: "نتیجهٔ درخواست {{.tracking}}",
		email:   "درخواست «{{.service}}» (کد رهگیری {{.tracking}}) پذیرفته نشد.\nدلیل: {{.reason}}{{with .url}}\nجزئیات: {{.}}{{end}}",
	},
	"case.issued": {
		// A service whose output is not a document (a registration, a
		// decision) is issued without one: the texts then say it is done.
		fields:       []string{"tracking", "service"},
		optional:     []string{"document"},
		linkRequired: true,
		titleFa:      "{{if .document}}مجوز شما صادر شد{{else}}درخواست شما انجام شد{{end}}",
		bodyFa:       "{{if .document}}سند «{{.service}}» برای درخواست {{.tracking}} با شناسهٔ {{.document}} صادر شد و در «اسناد من» است.{{else}}درخواست «{{.service}}» (کد رهگیری {{.tracking}}) انجام شد.{{end}}",
		titleEn:      "{{if .document}}Your permit was issued{{else}}Your application was completed{{end}}",
		bodyEn:       "{{if .document}}The document for “{{.service}}” (application {{.tracking}}) was issued with identifier {{.document}} and is in “My documents”.{{else}}Your application for “{{.service}}” (tracking code {{.tracking}}) was completed.{{end}}",
		sms:          "{{if .document}}سند درخواست {{.tracking}} صادر شد. شناسه: {{.document}}{{else}}درخواست {{.tracking}} انجام شد.{{end}}",
		subject:      "{{if .document}}صدور سند {{.document}}{{else}}انجام درخواست {{.tracking}}{{end}}",
		email:        "{{if .document}}سند «{{.service}}» برای درخواست {{.tracking}} با شناسهٔ {{.document}} صادر شد.\nمشاهده و بارگیری: {{.url}}{{else}}درخواست «{{.service}}» (کد رهگیری {{.tracking}}) انجام شد.\nجزئیات: {{.url}}{{end}}",
	},
	"case.withdrawn": {
		fields:  []string{"tracking", "service"},
		titleFa: "درخواست شما پس گرفته شد",
		bodyFa:  "درخواست «{{.service}}» (کد رهگیری {{.tracking}}) به خواست شما پس گرفته شد.",
		titleEn: "Your application was withdrawn",
		bodyEn:  "Your application for “{{.service}}” (tracking code {{.tracking}}) was withdrawn at your request.",
		sms:     "درخواست {{.tracking}} به خواست شما پس گرفته شد.",
		subject: "پس گرفتن درخواست {{.tracking}}",
		email:   "درخواست «{{.service}}» (کد رهگیری {{.tracking}}) به خواست شما پس گرفته شد.",
	},
	"case.overdue": {
		fields:           []string{"tracking", "service", "deadline"},
		audienceIsAgency: true,
		titleFa:          "مهلت رسیدگی گذشته است",
		bodyFa:           "مهلت رسیدگی به درخواست {{.tracking}} («{{.service}}») {{jdate .deadline}} به پایان رسید. لطفاً هرچه زودتر تصمیم بگیرید.",
		titleEn:          "A case is overdue",
		bodyEn:           "The deadline of application {{.tracking}} (“{{.service}}”) passed on {{date .deadline}}. Please decide it as soon as possible.",
		sms:              "مهلت رسیدگی به درخواست {{.tracking}} گذشته است.",
		subject:          "گذشتن مهلت درخواست {{.tracking}}",
		email:            "مهلت رسیدگی به درخواست {{.tracking}} («{{.service}}») {{jdate .deadline}} به پایان رسید.{{with .url}}\nپرونده: {{.}}{{end}}",
	},
	"case.objected": {
		fields:           []string{"tracking", "service"},
		audienceIsAgency: true,
		titleFa:          "اعتراض به تصمیم خودکار",
		bodyFa:           "متقاضی به رد خودکار درخواست {{.tracking}} («{{.service}}») اعتراض کرده است. کارشناسی که در نوشتن یا تأیید قواعد نقش نداشته است باید به آن رسیدگی کند.",
		titleEn:          "An automatic decision was objected to",
		bodyEn:           "The applicant objected to the automatic refusal of application {{.tracking}} (“{{.service}}”). A clerk who did not write or approve the rules must decide it.",
		sms:              "به رد خودکار درخواست {{.tracking}} اعتراض شد؛ پرونده را ببینید.",
		subject:          "اعتراض به درخواست {{.tracking}}",
		email:            "متقاضی به رد خودکار درخواست {{.tracking}} («{{.service}}») اعتراض کرده است.{{with .url}}\nپرونده: {{.}}{{end}}",
	},
	"case.evidence_failed": {
		fields:           []string{"tracking", "service", "evidence", "holder"},
		audienceIsAgency: true,
		titleFa:          "مدرکی از دستگاه دیگر نرسید",
		bodyFa:           "«{{.evidence}}» برای درخواست {{.tracking}} («{{.service}}») پس از چند بار استعلام از {{.holder}} نرسید و پنجره دیگر استعلام نمی‌کند. پرونده را بررسی کنید و در صورت نیاز آن را از متقاضی بخواهید.",
		titleEn:          "Evidence from another agency did not arrive",
		bodyEn:           "“{{.evidence}}” for application {{.tracking}} (“{{.service}}”) did not arrive from {{.holder}} after repeated inquiries, and the window has stopped asking. Please review the case and, if needed, ask the applicant for it.",
		sms:              "مدرک درخواست {{.tracking}} از دستگاه دیگر نرسید؛ پرونده را ببینید.",
		subject:          "نرسیدن مدرک درخواست {{.tracking}}",
		email:            "«{{.evidence}}» برای درخواست {{.tracking}} («{{.service}}») پس از چند بار استعلام از {{.holder}} نرسید.{{with .url}}\nپرونده: {{.}}{{end}}",
	},
	"payment.confirmed": {
		fields:  []string{"tracking", "amount"},
		titleFa: "پرداخت شما تأیید شد",
		bodyFa:  "پرداخت {{rial .amount}} ریال برای درخواست {{.tracking}} تأیید شد.",
		titleEn: "Your payment was confirmed",
		bodyEn:  "Your payment of {{rialEn .amount}} rials for application {{.tracking}} was confirmed.",
		sms:     "پرداخت {{rial .amount}} ریال برای درخواست {{.tracking}} تأیید شد.",
		subject: "تأیید پرداخت درخواست {{.tracking}}",
		email:   "پرداخت {{rial .amount}} ریال برای درخواست {{.tracking}} تأیید شد.{{with .url}}\nپیگیری: {{.}}{{end}}",
	},
	"complaint.received": {
		fields:  []string{"complaint"},
		titleFa: "شکایت شما ثبت شد",
		bodyFa:  "شکایت شما با کد پیگیری {{.complaint}} ثبت شد و پاسخ آن در همین صندوق می‌آید.",
		titleEn: "Your complaint was received",
		bodyEn:  "Your complaint was registered with code {{.complaint}}; the answer will come to this inbox.",
		sms:     "شکایت شما با کد {{.complaint}} ثبت شد.",
		subject: "ثبت شکایت {{.complaint}}",
		email:   "شکایت شما با کد پیگیری {{.complaint}} ثبت شد و پاسخ آن در صندوق پیام پنجرهٔ ملی می‌آید.",
	},
	"complaint.answered": {
		fields:  []string{"complaint"},
		titleFa: "به شکایت شما پاسخ داده شد",
		bodyFa:  "به شکایت {{.complaint}} پاسخ داده شد. پاسخ را در صفحهٔ شکایت ببینید.",
		titleEn: "Your complaint was answered",
		bodyEn:  "Complaint {{.complaint}} was answered. Read the answer on the complaint's page.",
		sms:     "به شکایت {{.complaint}} پاسخ داده شد؛ پنجرهٔ ملی را ببینید.",
		subject: "پاسخ شکایت {{.complaint}}",
		email:   "به شکایت {{.complaint}} پاسخ داده شد.{{with .url}}\nپاسخ: {{.}}{{end}}",
	},
	"email.confirm": {
		// Sent by email only, to an address the person has just given
		// (Choose); the inbox says a link was sent, never the link.
		fields:   []string{"confirm"},
		mailOnly: "confirm",
		titleFa:  "پیوند تأیید نشانی رایانامه فرستاده شد",
		bodyFa:   "پیوندی برای تأیید نشانی رایانامهٔ تازهٔ شما به همان نشانی فرستاده شد. تا آن را باز نکنید، پیامی به این نشانی فرستاده نمی‌شود.",
		titleEn:  "A link to confirm your email address was sent",
		bodyEn:   "A link to confirm your new email address was sent to it. No notice goes to that address until you open the link.",
		subject:  "تأیید نشانی رایانامه در پنجرهٔ ملی",
		email:    "برای اینکه پیام‌های پنجرهٔ ملی به این نشانی فرستاده شود، پیوند زیر را باز کنید و «تأیید» را بزنید:\n{{.mail_url}}\nاین پیوند ۲۴ ساعت اعتبار دارد. اگر شما این نشانی را وارد نکرده‌اید، این پیام را نادیده بگیرید.",
	},
	"proactive.offer": {
		// A level-4 offer: a life event reached the platform and a service
		// can be started for the person with one click (proactive).
		fields:       []string{"service", "link"},
		linkRequired: true,
		titleFa:      "پیشنهاد خدمت: «{{.service}}»",
		bodyFa:       "می‌توانیم «{{.service}}» را برای شما آغاز کنیم. مدارک لازم را خودمان از دستگاه‌ها استعلام می‌کنیم؛ برای دیدن جزئیات و پذیرفتن یا نپذیرفتن، پیشنهاد را باز کنید.",
		titleEn:      "Offer: “{{.service}}”",
		bodyEn:       "We can start “{{.service}}” for you. We fetch the evidence from the agencies ourselves; open the offer to see the details and accept or decline it.",
		sms:          "پیشنهاد خدمتی برای شما در پنجرهٔ ملی آماده است.",
		subject:      "پیشنهاد خدمت: {{.service}}",
		email:        "می‌توانیم «{{.service}}» را برای شما آغاز کنیم. مدارک لازم را خودمان از دستگاه‌ها استعلام می‌کنیم.\nدیدن و پذیرفتن پیشنهاد: {{.url}}",
	},
	"proactive.nostop": {
		// A level-5 (no-stop) start: the case was filed and decided without
		// the person acting; they are told what was done and what they may
		// do about it.
		fields:       []string{"service", "tracking", "outcome", "link"},
		optional:     []string{"service_en", "outcome_en"},
		linkRequired: true,
		titleFa:      "«{{.service}}» برای شما انجام شد",
		bodyFa:       "در پی رویدادی که دستگاه مسئول اعلام کرد، درخواست «{{.service}}» با کد رهگیری {{.tracking}} بی‌آنکه لازم باشد کاری بکنید ثبت شد. وضعیت کنونی: {{.outcome}}. اگر با نتیجه موافق نیستید، در صفحهٔ پرونده اعتراض کنید؛ اگر نمی‌خواهید این خدمت از این پس خودکار انجام شود، در «خدمات خودکار» حساب خود انصراف دهید.",
		titleEn:      "“{{or .service_en .service}}” was done for you",
		bodyEn:       "Following an event the responsible agency reported, an application for “{{or .service_en .service}}” was filed for you with tracking code {{.tracking}}, without you having to do anything. Current state: {{or .outcome_en .outcome}}. If you disagree with the outcome, object on the case page; to stop this service from starting on its own, opt out under “Automatic services” in your account.",
		sms:          "درخواست {{.tracking}} خودکار برای شما ثبت شد؛ پنجرهٔ ملی را ببینید.",
		subject:      "انجام خودکار درخواست {{.tracking}}",
		email:        "در پی رویدادی که دستگاه مسئول اعلام کرد، درخواست «{{.service}}» با کد رهگیری {{.tracking}} برای شما ثبت شد. وضعیت کنونی: {{.outcome}}.\nبرای دیدن پرونده یا اعتراض: {{.url}}\nبرای انصراف از انجام خودکار این خدمت، بخش «خدمات خودکار» حساب خود را ببینید.",
	},
	"document.revoked": {
		fields:  []string{"document", "service", "reason"},
		titleFa: "سند شما باطل شد",
		bodyFa:  "سند {{.document}} («{{.service}}») باطل شد. دلیل: {{.reason}}",
		titleEn: "Your document was revoked",
		bodyEn:  "Document {{.document}} (“{{.service}}”) was revoked. Reason: {{.reason}}",
		sms:     "سند {{.document}} باطل شد؛ دلیل را در پنجرهٔ ملی ببینید.",
		subject: "ابطال سند {{.document}}",
		email:   "سند {{.document}} («{{.service}}») باطل شد.\nدلیل: {{.reason}}{{with .url}}\nجزئیات: {{.}}{{end}}",
	},
}

// Templates returns the template keys, sorted.
func Templates() []string {
	keys := make([]string, 0, len(defs))
	for k := range defs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Fields returns the Data fields template key requires, or nil for an
// unknown key. Optional returns those it uses when given.
func Fields(key string) []string {
	d, ok := defs[key]
	if !ok {
		return nil
	}
	f := slices.Clone(d.fields)
	if d.linkRequired {
		f = append(f, "link")
	}
	return f
}

// Optional returns the Data fields template key uses when they are given.
func Optional(key string) []string { return slices.Clone(defs[key].optional) }

// parseDate reads a deadline: RFC 3339 or a plain date.
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.ParseInLocation(time.DateOnly, s, persian.Location())
}

// funcs are the helpers the templates may call. Each fails on a malformed
// value, which SendTx reports as errs.Invalid.
var funcs = template.FuncMap{
	"jdate": func(s string) (string, error) {
		t, err := parseDate(s)
		if err != nil {
			return "", fmt.Errorf("not a date")
		}
		return persian.JalaliDate(t), nil
	},
	"date": func(s string) (string, error) {
		t, err := parseDate(s)
		if err != nil {
			return "", fmt.Errorf("not a date")
		}
		return t.In(persian.Location()).Format("2 January 2006"), nil
	},
	"rial": func(s string) (string, error) {
		g, err := groupAmount(s, "٬")
		return persian.Digits(g), err
	},
	"rialEn": func(s string) (string, error) { return groupAmount(s, ",") },
}

// groupAmount groups the digits of a whole amount of rials in threes.
func groupAmount(s, sep string) (string, error) {
	s = persian.ASCIIDigits(strings.TrimSpace(s))
	if v, err := strconv.ParseUint(s, 10, 64); err != nil || v == 0 && s != "0" {
		return "", fmt.Errorf("not an amount")
	}
	s = strings.TrimLeft(s, "0")
	if s == "" {
		s = "0"
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String(), nil
}

// parsed holds one def's templates, parsed once.
type parsed struct {
	def
	titleFa, bodyFa, titleEn, bodyEn, sms, subject, email *template.Template
}

// templates are the defs, parsed once; a def that does not parse is a bug
// caught by the tests the moment it is written.
var templates = func() map[string]parsed {
	out := make(map[string]parsed, len(defs))
	for k, d := range defs {
		p := parsed{def: d}
		for _, t := range []struct {
			dst  **template.Template
			text string
		}{{&p.titleFa, d.titleFa}, {&p.bodyFa, d.bodyFa}, {&p.titleEn, d.titleEn}, {&p.bodyEn, d.bodyEn},
			{&p.sms, d.sms}, {&p.subject, d.subject}, {&p.email, d.email + emailFooter}} {
			*t.dst = template.Must(template.New(k).Option("missingkey=error").Funcs(funcs).Parse(t.text))
		}
		out[k] = p
	}
	return out
}()

// rendered is one notice's texts.
type rendered struct {
	TitleFa, BodyFa, TitleEn, BodyEn string
	SMS, Subject, Email              string
	Link                             string // as given: a path or an absolute https URL
}

// render renders template key with data. baseURL, when set, makes a link
// given as a path absolute in the email. Errors are errs.Invalid.
func render(key string, data map[string]string, baseURL string) (rendered, error) {
	const op = "notify.render"
	p, ok := templates[key]
	if !ok {
		return rendered{}, &errs.Error{Op: op, Kind: errs.Invalid, En: fmt.Sprintf("unknown notice template %q", key),
			Fa: fmt.Sprintf("الگوی پیام «%s» ناشناخته است", key), Fields: []errs.FieldError{{Field: "template", En: "unknown", Fa: "ناشناخته"}}}
	}
	var missing []string
	for _, f := range Fields(key) {
		if strings.TrimSpace(data[f]) == "" {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		fe := make([]errs.FieldError, len(missing))
		for i, f := range missing {
			fe[i] = errs.FieldError{Field: "data." + f, En: "required", Fa: "لازم است"}
		}
		return rendered{}, &errs.Error{Op: op, Kind: errs.Invalid,
			En: fmt.Sprintf("notice %s lacks the fields %s", key, strings.Join(missing, ", ")),
			Fa: fmt.Sprintf("پیام «%s» این داده‌ها را کم دارد: %s", key, strings.Join(missing, "، ")), Fields: fe}
	}
	link := strings.TrimSpace(data["link"])
	abs, err := absoluteLink(link, baseURL)
	if err != nil {
		return rendered{}, &errs.Error{Op: op, Kind: errs.Invalid, En: "the link of the notice must be a path or an https URL",
			Fa: "پیوند پیام باید مسیری در پنجره یا نشانی https باشد", Fields: []errs.FieldError{{Field: "data.link", En: "invalid", Fa: "نادرست"}}}
	}
	d := make(map[string]string, len(data)+len(p.optional)+1)
	for _, f := range p.optional {
		d[f] = ""
	}
	for k, v := range data {
		d[k] = strings.TrimSpace(v)
	}
	d["url"] = abs
	// The inbox and the SMS are rendered without the mail-only field.
	pub := d
	if p.mailOnly != "" {
		mail, err := absoluteLink(d[p.mailOnly], baseURL)
		if err != nil || !strings.HasPrefix(d[p.mailOnly], "/") {
			return rendered{}, &errs.Error{Op: op, Kind: errs.Invalid, En: "the link of the email must be a path",
				Fa: "پیوند رایانامه باید مسیری در پنجره باشد", Fields: []errs.FieldError{{Field: "data." + p.mailOnly, En: "invalid", Fa: "نادرست"}}}
		}
		pub = maps.Clone(d)
		delete(pub, p.mailOnly)
		d["mail_url"] = mail
	}
	var r rendered
	r.Link = link
	for _, t := range []struct {
		dst  *string
		t    *template.Template
		data map[string]string
	}{{&r.TitleFa, p.titleFa, pub}, {&r.BodyFa, p.bodyFa, pub}, {&r.TitleEn, p.titleEn, pub}, {&r.BodyEn, p.bodyEn, pub},
		{&r.SMS, p.sms, pub}, {&r.Subject, p.subject, d}, {&r.Email, p.email, d}} {
		var b bytes.Buffer
		if err := t.t.Execute(&b, t.data); err != nil {
			return rendered{}, &errs.Error{Op: op, Kind: errs.Invalid, En: fmt.Sprintf("notice %s: a field is missing or malformed", key),
				Fa: fmt.Sprintf("یکی از داده‌های پیام «%s» نیست یا نادرست است", key), Err: err}
		}
		*t.dst = b.String()
	}
	return r, nil
}

// absoluteLink checks link (empty, a path on the portal, or an https URL)
// and returns it absolute, against baseURL when it is a path.
func absoluteLink(link, baseURL string) (string, error) {
	if link == "" {
		return "", nil
	}
	u, err := url.Parse(link)
	if err != nil {
		return "", err
	}
	switch {
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(link, "/") && !strings.HasPrefix(link, "//"):
		return strings.TrimRight(baseURL, "/") + link, nil
	case (u.Scheme == "https" || u.Scheme == "http") && u.Host != "":
		return link, nil
	}
	return "", fmt.Errorf("not a path or URL")
}
