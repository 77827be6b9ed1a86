// Package httpx is the HTTP plumbing shared by Panjare's front doors (the
// portal, the API, the operations endpoints): errors rendered as
// application/problem+json, strict JSON decoding, and the middleware every
// request passes through (recovery, security headers, rate limits, metrics
// and request logs by route pattern).
//
// It must never log a raw URL, a query string, a body or a header value:
// those may carry personal data or secrets.
package httpx

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/errs"
)

// Handler is an HTTP handler that returns an error instead of writing it.
// The adapter that runs it decides how the error is shown.
type Handler func(w http.ResponseWriter, r *http.Request) error

// Problem is an RFC 9457 problem document, with messages for people in
// Persian and English.
type Problem struct {
	Type     string            `json:"type"`
	Title    string            `json:"title"`
	Status   int               `json:"status"`
	Detail   string            `json:"detail,omitempty"`
	TitleFa  string            `json:"title_fa"`
	DetailFa string            `json:"detail_fa,omitempty"`
	Kind     string            `json:"kind"`
	Errors   []errs.FieldError `json:"errors,omitempty"`
}

// ProblemOf builds the problem document for err.
func ProblemOf(err error) Problem {
	kind := errs.KindOf(err)
	genFa, genEn := errs.Messages(errs.E("", kind, "", ""))
	fa, en := errs.Messages(err)
	p := Problem{
		Type:    "urn:panjare:problem:" + kind.String(),
		Title:   genEn,
		TitleFa: genFa,
		Status:  errs.StatusOf(kind),
		Kind:    kind.String(),
	}
	if en != genEn {
		p.Detail = en
	}
	if fa != genFa {
		p.DetailFa = fa
	}
	if e, ok := errs.As(err); ok && kind != errs.Internal {
		p.Errors = e.Fields
	}
	return p
}

// WriteProblem writes err as application/problem+json. Internal errors are
// logged (by operation and cause only) and shown with a generic message.
func WriteProblem(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	p := ProblemOf(err)
	if p.Status >= 500 && log != nil {
		log.Error("request failed", "route", r.Pattern, "method", r.Method, "err", err.Error())
	}
	if p.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Content-Language", "fa, en")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// API adapts h to http.Handler, rendering any error as problem+json.
func API(log *slog.Logger, h Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			WriteProblem(w, r, log, err)
		}
	})
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// DecodeJSON reads one JSON value from the request body into v. The body
// must be at most max bytes of valid UTF-8 holding exactly one JSON value
// with no unknown fields. Every failure is a kinded error with a message
// that says what is wrong, in Persian and English.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, max int64) error {
	const op = "httpx.DecodeJSON"
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.HasPrefix(ct, "application/ld+json") {
		return errs.E(op, errs.Invalid, "the body must be application/json", "بدنهٔ درخواست باید از نوع application/json باشد")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errs.E(op, errs.TooLarge, "the body is larger than the limit", "حجم بدنهٔ درخواست بیش از حد مجاز است")
		}
		return errs.E(op, errs.Invalid, "the body could not be read", "بدنهٔ درخواست خوانده نشد")
	}
	if len(body) == 0 {
		return errs.E(op, errs.Invalid, "the body is empty", "بدنهٔ درخواست خالی است")
	}
	if !utf8.Valid(body) {
		return errs.E(op, errs.Invalid, "the body is not valid UTF-8", "بدنهٔ درخواست UTF-8 معتبر نیست")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		e := errs.E(op, errs.Invalid, "the body is not valid JSON for this request: "+jsonProblem(err),
			"بدنهٔ درخواست JSON معتبری برای این درخواست نیست: "+jsonProblem(err))
		return e
	}
	if dec.More() {
		return errs.E(op, errs.Invalid, "the body holds more than one JSON value", "بدنهٔ درخواست بیش از یک مقدار JSON دارد")
	}
	return nil
}

// jsonProblem describes a decoding error without echoing input back.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "syntax error at byte " + itoa(syn.Offset)
	case errors.As(err, &typ):
		return "field " + typ.Field + " has the wrong type"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return strings.TrimPrefix(err.Error(), "json: ")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end"
	}
	return err.Error()
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
