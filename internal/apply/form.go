package apply

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/persian"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// FieldKind says how a form field is filled.
type FieldKind string

// The field kinds.
const (
	FieldText FieldKind = "text" // typed by the applicant
	FieldFile FieldKind = "file" // an upload (PDF, JPEG or PNG)
)

// Field is one field of an application form.
type Field struct {
	Name     string    `json:"name"` // the form's key: "phone", "decl_CODE", "file_CODE"
	Kind     FieldKind `json:"kind"`
	LabelFa  string    `json:"label_fa"`
	LabelEn  string    `json:"label_en"`
	HelpFa   string    `json:"help_fa,omitempty"`
	HelpEn   string    `json:"help_en,omitempty"`
	Required bool      `json:"required"`
	Pattern  string    `json:"pattern,omitempty"`
	Max      int       `json:"max_length,omitempty"`
	Evidence string    `json:"evidence,omitempty"` // the evidence code it proves, if any
}

// Fetched is evidence the applicant is not asked for: the platform asks the
// agency that holds it (once-only).
type Fetched struct {
	Code         string `json:"code"`
	NameFa       string `json:"name_fa"`
	NameEn       string `json:"name_en"`
	Agency       string `json:"agency"` // the code of the agency that holds it
	AgencyNameFa string `json:"agency_name_fa"`
	AgencyNameEn string `json:"agency_name_en"`
	Inquiry      string `json:"inquiry"`
}

// NoteFa is what the form says of fetched evidence, in Persian.
func (f Fetched) NoteFa() string {
	return "این مدرک را لازم نیست بیاورید؛ از " + f.AgencyNameFa + " استعلام می‌شود"
}

// NoteEn is what the form says of fetched evidence, in English.
func (f Fetched) NoteEn() string {
	return "You need not bring this: it is requested from " + f.AgencyNameEn
}

// Form is the application form of one service for one applicant.
type Form struct {
	Service      string             `json:"service"`
	TitleFa      string             `json:"title_fa"`
	TitleEn      string             `json:"title_en"`
	Agency       string             `json:"agency"`
	FeeRials     int64              `json:"fee_rials"`
	Fields       []Field            `json:"fields"`
	Fetched      []Fetched          `json:"fetched"`         // once-only evidence, not asked for
	Paper        []catalog.Evidence `json:"paper,omitempty"` // originals the applicant still has to bring
	Schema       json.RawMessage    `json:"schema"`          // the JSON Schema (draft 2020-12) of the text fields
	Draft        map[string]string  `json:"draft,omitempty"` // the applicant's saved draft, if any
	ProcessingFa string             `json:"-"`
	compiled     *jsonschema.Schema
	record       catalog.Record
	agencyNameFa string
	agencyNameEn string
}

// Limits of what an application may hold.
const (
	MaxUpload    = 5 << 20 // bytes per uploaded file
	maxText      = 2000    // runes per text field
	phonePattern = "^09[0-9]{9}$"
)

// fieldName returns the form key of evidence code for kind k.
func fieldName(k FieldKind, code string) string {
	if k == FieldFile {
		return "file_" + code
	}
	return "decl_" + code
}

// Form returns the application form of service id: a phone number, a field
// for each fact the applicant declares, an upload for each document only
// the applicant has, and the evidence other agencies hold, which is not
// asked. p's saved draft, if any, is included.
func (a *Applications) Form(ctx context.Context, serviceID string, p identity.Principal) (Form, error) {
	f, err := a.form(ctx, serviceID)
	if err != nil {
		return Form{}, err
	}
	if p.NationalCode != "" {
		if f.Draft, err = a.draft(ctx, p.Subject(), f.Service); err != nil {
			return Form{}, err
		}
	}
	return f, nil
}

// form builds the form of a published service.
func (a *Applications) form(ctx context.Context, serviceID string) (Form, error) {
	const op = "apply.Form"
	id, err := catalog.ParseID(serviceID)
	if err != nil {
		return Form{}, errs.NotFoundf(op, "service "+serviceID, "خدمت")
	}
	svc, err := a.cat.Service(ctx, id)
	if err != nil {
		return Form{}, err
	}
	rec := svc.Record
	if svc.Status != catalog.Published || !rec.Stages.Request {
		return Form{}, errs.E(op, errs.Conflict, "this service cannot be requested online", "این خدمت به‌صورت برخط درخواست‌پذیر نیست")
	}
	key := svc.ID + "@" + strconv.Itoa(svc.Version)
	a.formsMu.Lock()
	c, ok := a.forms[key]
	a.formsMu.Unlock()
	if ok && time.Since(c.built) < formTTL {
		return c.form, nil
	}
	f, err := a.buildForm(ctx, svc)
	if err != nil {
		return Form{}, err
	}
	a.formsMu.Lock()
	if len(a.forms) >= maxForms {
		clear(a.forms)
	}
	a.forms[key] = cachedForm{form: f, built: time.Now()}
	a.formsMu.Unlock()
	return f, nil
}

// buildForm builds the form of a published service and compiles its schema.
func (a *Applications) buildForm(ctx context.Context, svc catalog.Service) (Form, error) {
	const op = "apply.Form"
	rec := svc.Record
	ag, err := a.cat.Agency(ctx, rec.Agency)
	if err != nil {
		return Form{}, err
	}
	f := Form{Service: svc.ID, TitleFa: rec.TitleFa, TitleEn: rec.TitleEn, Agency: rec.Agency, FeeRials: rec.CostRials,
		record: rec, agencyNameFa: ag.NameFa, agencyNameEn: ag.NameEn}
	f.Fields = append(f.Fields, Field{Name: "phone", Kind: FieldText, LabelFa: "شمارهٔ همراه", LabelEn: "Mobile number",
		HelpFa: "برای پیامک‌های پیگیری؛ مانند ۰۹۱۲۱۲۳۴۵۶۷", HelpEn: "For tracking text messages, such as 09121234567",
		Required: true, Pattern: phonePattern, Max: 11})
	seen := map[string]bool{}
	for _, rq := range rec.Requirements {
		for _, ev := range rq.Evidence {
			if seen[ev.Code] {
				continue
			}
			seen[ev.Code] = true
			switch ev.Source {
			case catalog.FromInquiry:
				fe := Fetched{Code: ev.Code, NameFa: ev.NameFa, NameEn: ev.NameEn, Agency: ev.HeldBy, Inquiry: ev.Inquiry}
				if h, err := a.cat.Agency(ctx, ev.HeldBy); err == nil {
					fe.AgencyNameFa, fe.AgencyNameEn = h.NameFa, h.NameEn
				} else {
					fe.AgencyNameFa, fe.AgencyNameEn = ev.HeldBy, ev.HeldBy
				}
				f.Fetched = append(f.Fetched, fe)
			case catalog.FromUpload:
				f.Fields = append(f.Fields, Field{Name: fieldName(FieldFile, ev.Code), Kind: FieldFile, LabelFa: ev.NameFa, LabelEn: ev.NameEn,
					HelpFa: "پرونده‌ای از نوع PDF، JPEG یا PNG تا ۵ مگابایت", HelpEn: "A PDF, JPEG or PNG file of at most 5 MiB",
					Required: true, Evidence: ev.Code})
			case catalog.FromDeclaration:
				f.Fields = append(f.Fields, Field{Name: fieldName(FieldText, ev.Code), Kind: FieldText, LabelFa: ev.NameFa, LabelEn: ev.NameEn,
					HelpFa: "آنچه را در این باره اعلام می‌کنید بنویسید", HelpEn: "Write what you declare about this",
					Required: true, Max: maxText, Evidence: ev.Code})
			case catalog.FromPaper:
				f.Paper = append(f.Paper, ev)
			}
		}
	}
	schema := f.jsonSchema()
	if f.Schema, err = json.Marshal(schema); err != nil {
		return Form{}, errs.Wrap(op, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("form.json", schema); err != nil {
		return Form{}, errs.Wrap(op, err)
	}
	if f.compiled, err = c.Compile("form.json"); err != nil {
		return Form{}, errs.Wrap(op, err)
	}
	return f, nil
}

// jsonSchema returns the JSON Schema of the text fields as a generic value,
// titled in Persian, with the English in x-title-en and x-description-en.
func (f *Form) jsonSchema() map[string]any {
	props := map[string]any{}
	var required []any
	for _, fd := range f.Fields {
		if fd.Kind != FieldText {
			continue
		}
		p := map[string]any{"type": "string", "title": fd.LabelFa, "x-title-en": fd.LabelEn}
		if fd.HelpFa != "" {
			p["description"], p["x-description-en"] = fd.HelpFa, fd.HelpEn
		}
		if fd.Pattern != "" {
			p["pattern"] = fd.Pattern
		}
		if fd.Max > 0 {
			p["maxLength"] = fd.Max
		}
		if fd.Required {
			p["minLength"] = 1
			required = append(required, fd.Name)
		}
		props[fd.Name] = p
	}
	return map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"title":                f.TitleFa,
		"x-title-en":           f.TitleEn,
		"type":                 "object",
		"properties":           props,
		"required":             required,
		"additionalProperties": false,
	}
}

// field returns the form's field called name.
func (f *Form) field(name string) (Field, bool) {
	for _, fd := range f.Fields {
		if fd.Name == name {
			return fd, true
		}
	}
	return Field{}, false
}

// clean normalises the text values of data: Persian and Arabic digits
// become ASCII (so patterns see "09…"), Arabic letters become Persian,
// spaces are trimmed. Unknown keys are kept so the schema can refuse them.
func clean(data map[string]string) map[string]string {
	out := make(map[string]string, len(data))
	for k, v := range data {
		out[k] = strings.TrimSpace(persian.ASCIIDigits(strings.NewReplacer("ي", "ی", "ك", "ک").Replace(v)))
	}
	// A mobile number in any form people write it (+98 912 …, 0098…,
	// 0912-…) is kept as 09xxxxxxxxx, which the form's pattern checks and
	// the SMS gateway takes.
	if p, err := notify.ParseMobile(out["phone"]); err == nil {
		out["phone"] = p
	}
	return out
}

// Validate checks the text values of data (already cleaned) against the
// form's schema and returns one Persian and English message per field that
// is wrong, or nil.
func (f *Form) Validate(data map[string]string) []errs.FieldError {
	inst := make(map[string]any, len(data))
	for k, v := range data {
		if fd, ok := f.field(k); ok && fd.Kind == FieldFile {
			continue // files are checked by checkFiles
		}
		if v == "" {
			continue // an empty field is a missing one
		}
		inst[k] = v
	}
	err := f.compiled.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []errs.FieldError{{Field: "", Fa: "فرم نامعتبر است.", En: "The form is not valid."}}
	}
	var out []errs.FieldError
	seen := map[string]bool{}
	add := func(fe errs.FieldError) {
		if !seen[fe.Field] {
			seen[fe.Field] = true
			out = append(out, fe)
		}
	}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		name := ""
		if len(e.InstanceLocation) > 0 {
			name = e.InstanceLocation[0]
		}
		fd, _ := f.field(name)
		switch k := e.ErrorKind.(type) {
		case *kind.Required:
			for _, m := range k.Missing {
				fd, _ := f.field(m)
				add(errs.FieldError{Field: m, Fa: "«" + fd.LabelFa + "» را پر کنید.", En: "Fill in “" + fd.LabelEn + "”."})
			}
		case *kind.Pattern:
			if name == "phone" {
				add(errs.FieldError{Field: name, Fa: "شمارهٔ همراه باید ۱۱ رقم باشد و با ۰۹ شروع شود.", En: "The mobile number must be 11 digits starting with 09."})
			} else {
				add(errs.FieldError{Field: name, Fa: "قالب «" + fd.LabelFa + "» درست نیست.", En: "“" + fd.LabelEn + "” is not in the right form."})
			}
		case *kind.MaxLength:
			add(errs.FieldError{Field: name, Fa: fmt.Sprintf("«%s» حداکثر %s نویسه می‌تواند باشد.", fd.LabelFa, persian.Digits(fmt.Sprint(k.Want))),
				En: fmt.Sprintf("“%s” may be at most %d characters.", fd.LabelEn, k.Want)})
		case *kind.MinLength:
			add(errs.FieldError{Field: name, Fa: "«" + fd.LabelFa + "» را پر کنید.", En: "Fill in “" + fd.LabelEn + "”."})
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				add(errs.FieldError{Field: p, Fa: "این فرم خانه‌ای به نام «" + p + "» ندارد.", En: "The form has no field “" + p + "”."})
			}
		default:
			add(errs.FieldError{Field: name, Fa: "مقدار «" + fd.LabelFa + "» درست نیست.", En: "The value of “" + fd.LabelEn + "” is not valid."})
		}
	}
	walk(ve)
	return out
}

// checkDraft refuses draft values that could never be stored sensibly:
// keys the form does not have, and text over the limit. A draft may be
// incomplete.
func (f *Form) checkDraft(data map[string]string) []errs.FieldError {
	var out []errs.FieldError
	for k, v := range data {
		fd, ok := f.field(k)
		if !ok || fd.Kind != FieldText {
			out = append(out, errs.FieldError{Field: k, Fa: "این فرم خانه‌ای به نام «" + k + "» ندارد.", En: "The form has no field “" + k + "”."})
			continue
		}
		if utf8.RuneCountInString(v) > maxText {
			out = append(out, errs.FieldError{Field: k, Fa: "«" + fd.LabelFa + "» بیش از اندازه بلند است.", En: "“" + fd.LabelEn + "” is too long."})
		}
	}
	return out
}
