package apply

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
)

// Upload is a file the applicant sends as evidence. Its type is what its
// bytes are, never what its name or header claim.
type Upload struct {
	Name        string // as the browser sent it; only shown back, never trusted
	Data        []byte
	ContentType string // set by the check: application/pdf, image/jpeg or image/png
	SHA256      string // set by the check: lowercase hex
}

// allowedTypes are the upload types accepted, by sniffed content type.
var allowedTypes = map[string]bool{"application/pdf": true, "image/jpeg": true, "image/png": true}

// Sniff returns the content type of data by its first bytes, and whether it
// is one that uploads accept.
func Sniff(data []byte) (string, bool) {
	ct := http.DetectContentType(data)
	return ct, allowedTypes[ct]
}

// checkFiles checks the uploads against the form's file fields: every
// required one present, none unknown, none over MaxUpload (errs.TooLarge,
// returned alone), each a PDF, JPEG or PNG by its bytes. It returns the
// uploads with their type and digest filled in.
func (f *Form) checkFiles(files map[string]Upload) (map[string]Upload, []errs.FieldError, error) {
	out := map[string]Upload{}
	var fields []errs.FieldError
	for name, u := range files {
		fd, ok := f.field(name)
		if !ok || fd.Kind != FieldFile {
			fields = append(fields, errs.FieldError{Field: name, Fa: "این فرم پرونده‌ای به نام «" + name + "» نمی‌خواهد.", En: "The form asks for no file “" + name + "”."})
			continue
		}
		if len(u.Data) > MaxUpload {
			return nil, nil, &errs.Error{Op: "apply.Submit", Kind: errs.TooLarge, En: "an uploaded file is larger than 5 MiB",
				Fa: "حجم پرونده بیش از ۵ مگابایت است", Fields: []errs.FieldError{{Field: name,
					Fa: "حجم «" + fd.LabelFa + "» بیش از ۵ مگابایت است.", En: "“" + fd.LabelEn + "” is larger than 5 MiB."}}}
		}
		if len(u.Data) == 0 {
			continue // an empty file input is a missing file
		}
		ct, ok := Sniff(u.Data)
		if !ok {
			fields = append(fields, errs.FieldError{Field: name, Fa: "«" + fd.LabelFa + "» باید پرونده‌ای از نوع PDF، JPEG یا PNG باشد.",
				En: "“" + fd.LabelEn + "” must be a PDF, JPEG or PNG file."})
			continue
		}
		sum := sha256.Sum256(u.Data)
		u.ContentType, u.SHA256 = ct, hex.EncodeToString(sum[:])
		out[name] = u
	}
	for _, fd := range f.Fields {
		if fd.Kind != FieldFile || !fd.Required {
			continue
		}
		if _, ok := out[fd.Name]; !ok && !hasField(fields, fd.Name) {
			fields = append(fields, errs.FieldError{Field: fd.Name, Fa: "«" + fd.LabelFa + "» را بارگذاری کنید.", En: "Upload “" + fd.LabelEn + "”."})
		}
	}
	return out, fields, nil
}

func hasField(list []errs.FieldError, name string) bool {
	for _, f := range list {
		if f.Field == name {
			return true
		}
	}
	return false
}

// StoredUpload is an upload as stored with its case.
type StoredUpload struct {
	ID          int64
	Code        string
	ContentType string
	SHA256      string
	Data        []byte
}

// Upload returns upload id of the case with tracking code tracking, to its
// applicant and its competent agency only (errs.NotFound for anyone else).
func (a *Applications) Upload(ctx context.Context, p identity.Principal, tracking string, id int64) (StoredUpload, error) {
	const op = "apply.Upload"
	c, err := a.loadCase(ctx, a.s.Read(), op, p, tracking, false)
	if err != nil {
		return StoredUpload{}, err
	}
	u := StoredUpload{ID: id}
	err = a.s.Read().QueryRowContext(ctx, `SELECT code, content_type, sha256, data FROM apply_uploads WHERE id = $1 AND case_id = $2`, id, c.ID).
		Scan(&u.Code, &u.ContentType, &u.SHA256, &u.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return StoredUpload{}, errs.NotFoundf(op, "upload "+strconv.FormatInt(id, 10), "پرونده")
	}
	if err != nil {
		return StoredUpload{}, errs.Wrap(op, err)
	}
	return u, nil
}
