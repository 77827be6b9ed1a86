package web

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
)

// applyPages are the templates of applications (apply.go, cases.go),
// parsed with the layout like pageNames.
var applyPages = []string{"apply_form", "cases", "case", "payment", "agency_cases", "agency_case", "admin_payments"}

// errNoApply is shown when the portal runs without applications.
var errNoApply = errs.E("web.apply", errs.Unavailable, "Applications are not available on this server.", "ثبت درخواست در این سامانه فعال نیست.")

// formField is one field of the application form as the page shows it.
type formField struct {
	apply.Field
	Value string
	Error string // the message for this field, in the page's language
}

// applyFormView is the data of /apply/{id}.
type applyFormView struct {
	Form    apply.Form
	Fields  []formField
	Errors  []formError // every message, listed at the top
	Saved   bool        // the draft was saved
	MaxFile string      // the upload limit, for the hint
	// Provinces are the catalogue's provinces with their cities, for the
	// optional choice of the city the case belongs to; Region is the city
	// chosen (or preselected: the applicant's last), RegionError its message.
	Provinces   []provinceCities
	Region      string
	RegionError string
}

// provinceCities is one province and its cities, a group of the select.
type provinceCities struct {
	Province catalog.Region
	Cities   []catalog.Region
}

// provinces returns the catalogue's regions grouped by province.
func (w *Web) provinces(ctx context.Context) ([]provinceCities, error) {
	regions, err := w.cat.Regions(ctx)
	if err != nil {
		return nil, err
	}
	var out []provinceCities
	for _, r := range regions {
		switch {
		case r.Kind == catalog.Province:
			out = append(out, provinceCities{Province: r})
		case len(out) > 0 && out[len(out)-1].Province.Code == r.Province:
			out[len(out)-1].Cities = append(out[len(out)-1].Cities, r)
		}
	}
	return out, nil
}

// formError is one message of the error summary, linked to its field
// (Field is the input's id) when the form has that field.
type formError struct {
	Field string
	Text  string
}

// applyForm shows the application form of a service, filled from the
// applicant's draft.
func (w *Web) applyForm(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.ap == nil {
		return errNoApply
	}
	f, err := w.ap.Form(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	v := applyFormView{Form: f, Saved: r.URL.Query().Get("saved") == "1"}
	for _, fd := range f.Fields {
		v.Fields = append(v.Fields, formField{Field: fd, Value: f.Draft[fd.Name]})
	}
	if v.Provinces, err = w.provinces(r.Context()); err != nil {
		return err
	}
	if v.Region, err = w.ap.LastRegion(r.Context(), p.Subject()); err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, "apply_form", pickText(langOf(r), f.TitleFa, f.TitleEn), "me", v)
}

// maxFormText bounds the text part of an application form.
const maxFormText = 256 << 10

// readApplication reads a multipart (or plain) form: text values and
// uploads. Each file is read up to one byte over apply.MaxUpload, so that
// an oversized file is refused (413) without being held whole; the body as
// a whole is bounded too.
func readApplication(rw http.ResponseWriter, r *http.Request, files int) (map[string]string, map[string]apply.Upload, error) {
	const op = "web.apply"
	tooLarge := errs.E(op, errs.TooLarge, "an uploaded file is larger than 5 MiB", "حجم پرونده بیش از ۵ مگابایت است")
	r.Body = http.MaxBytesReader(rw, r.Body, int64(files)*(apply.MaxUpload+4096)+maxFormText)
	text := map[string]string{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		if err := r.ParseForm(); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, nil, tooLarge
			}
			return nil, nil, badRequest(op, "apply.bad.form")
		}
		for k, vs := range r.PostForm {
			text[k] = vs[0]
		}
		return text, nil, nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, badRequest(op, "apply.bad.form")
	}
	uploads := map[string]apply.Upload{}
	textBytes := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, nil, tooLarge
			}
			return nil, nil, badRequest(op, "apply.bad.form")
		}
		name := part.FormName()
		if part.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(part, maxFormText+1))
			textBytes += len(b)
			if err != nil || textBytes > maxFormText {
				return nil, nil, tooLarge
			}
			text[name] = string(b)
			continue
		}
		data, err := readPart(part)
		if err != nil {
			return nil, nil, tooLarge
		}
		if len(data) > 0 {
			uploads[name] = apply.Upload{Name: part.FileName(), Data: data}
		}
	}
	return text, uploads, nil
}

// readPart reads one file, failing when it is over the limit.
func readPart(part *multipart.Part) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(part, apply.MaxUpload+1))
	if err != nil {
		return nil, err
	}
	if len(data) > apply.MaxUpload {
		return nil, errors.New("too large")
	}
	return data, nil
}

// submitApplication files the application, or saves the draft when the
// applicant asks to. Wrong data shows the form again, as typed, with a
// message by each field (400); nothing is stored.
func (w *Web) submitApplication(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.ap == nil {
		return errNoApply
	}
	f, err := w.ap.Form(r.Context(), r.PathValue("id"), p)
	if err != nil {
		return err
	}
	files := 0
	for _, fd := range f.Fields {
		if fd.Kind == apply.FieldFile {
			files++
		}
	}
	text, uploads, err := readApplication(rw, r, files)
	if err != nil {
		return err
	}
	action, region := text["action"], text["region"]
	delete(text, "action")
	delete(text, "region")
	l := langOf(r)
	if action == "draft" {
		err = w.ap.SaveDraft(r.Context(), p, f.Service, text)
		if err == nil {
			http.Redirect(rw, r, "/apply/"+f.Service+"?saved=1", http.StatusSeeOther)
			return nil
		}
	} else {
		var c apply.Case
		c, err = w.ap.SubmitIn(r.Context(), p, f.Service, region, text, uploads)
		if err == nil {
			http.Redirect(rw, r, "/me/cases/"+c.Tracking+"?new=1", http.StatusSeeOther)
			return nil
		}
	}
	e, ok := errs.As(err)
	if !ok || (e.Kind != errs.Invalid && e.Kind != errs.TooLarge) {
		return err
	}
	v := applyFormView{Form: f, Region: region}
	if v.Provinces, err = w.provinces(r.Context()); err != nil {
		return err
	}
	msgs := map[string]string{}
	for _, fe := range e.Fields {
		msg := fe.Fa
		if l == en {
			msg = fe.En
		}
		msgs[fe.Field] = msg
		item := formError{Text: msg}
		if fe.Field == "region" || slices.ContainsFunc(f.Fields, func(fd apply.Field) bool { return fd.Name == fe.Field }) {
			item.Field = fe.Field
		}
		v.Errors = append(v.Errors, item)
	}
	if len(e.Fields) == 0 {
		fa, en2 := errs.Messages(err)
		v.Errors = append(v.Errors, formError{Text: pickText(l, fa, en2)})
	}
	for _, fd := range f.Fields {
		v.Fields = append(v.Fields, formField{Field: fd, Value: text[fd.Name], Error: msgs[fd.Name]})
	}
	v.RegionError = msgs["region"]
	return w.render(rw, r, errs.StatusOf(e.Kind), "apply_form", pickText(l, f.TitleFa, f.TitleEn), "me", v)
}

// staff returns the signed-in staff member of an agency, or an error that
// makes them sign in (visitors) or says they may not (others).
func staff(r *http.Request) (identity.Principal, error) {
	p, err := identity.Require(r.Context(), identity.RoleOperator, identity.RoleAgencyAdmin)
	if err != nil {
		return p, err
	}
	if p.Agency == "" {
		return p, errs.E("web.staff", errs.Forbidden, "This page is for an agency's staff.", "این صفحه ویژهٔ کارکنان دستگاه است.")
	}
	return p, nil
}

// isStaff reports whether p works for an agency, as staff() requires: the
// header and the account page then link the agency console.
func isStaff(p identity.Principal) bool {
	return p.Agency != "" && (p.Has(identity.RoleOperator) || p.Has(identity.RoleAgencyAdmin))
}

// formValue reads one posted text value, trimmed, from a small form.
func formValue(rw http.ResponseWriter, r *http.Request, key string) (string, error) {
	r.Body = http.MaxBytesReader(rw, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		return "", badRequest("web.form", "apply.bad.form")
	}
	return strings.TrimSpace(r.PostForm.Get(key)), nil
}
