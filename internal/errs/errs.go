// Package errs gives every Panjare error a kind, the operation that failed,
// and a message for people in Persian and English. Handlers map the kind to an
// HTTP status in one place (StatusOf); capabilities never choose statuses.
//
// Kinds are append-only: their numbers may be stored or logged.
package errs

import (
	"errors"
	"fmt"
	"net/http"
)

// Kind classifies an error by what the caller can do about it.
type Kind uint8

// The kinds. Append only.
const (
	Internal     Kind = iota // a bug or an outage of ours: logged, shown as a generic message
	Invalid                  // the input is wrong; Fields may say where
	NotFound                 // no such thing, or not visible to this caller
	Conflict                 // the state does not allow it (already published, duplicate key)
	Forbidden                // authenticated but not allowed
	Unauthorized             // not authenticated
	Unavailable              // a dependency is down; retry later
	TooLarge                 // the body or upload is over the limit
	RateLimited              // too many requests
)

func (k Kind) String() string {
	switch k {
	case Invalid:
		return "invalid"
	case NotFound:
		return "not_found"
	case Conflict:
		return "conflict"
	case Forbidden:
		return "forbidden"
	case Unauthorized:
		return "unauthorized"
	case Unavailable:
		return "unavailable"
	case TooLarge:
		return "too_large"
	case RateLimited:
		return "rate_limited"
	}
	return "internal"
}

// FieldError names one problem with one field of the input.
type FieldError struct {
	Field string `json:"field"`
	Fa    string `json:"fa"`
	En    string `json:"en"`
}

// Error is a Panjare error. Fa and En are safe to show to people; Err is the
// cause and is only logged.
type Error struct {
	Op     string       // the operation, e.g. "catalog.Publish"
	Kind   Kind         // what kind of failure
	Fa, En string       // messages for people
	Fields []FieldError // for Invalid: per-field problems
	Err    error        // the underlying cause, if any
}

func (e *Error) Error() string {
	msg := e.En
	if msg == "" {
		msg = e.Kind.String()
	}
	if e.Op != "" {
		msg = e.Op + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// E returns an error of the given kind with messages in both languages.
func E(op string, kind Kind, en, fa string) *Error {
	return &Error{Op: op, Kind: kind, En: en, Fa: fa}
}

// Wrap returns an Internal error for op caused by err, unless err already
// carries a kind, in which case it only adds op for context.
func Wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return &Error{Op: op, Kind: Internal, Err: err}
}

// KindOf returns the kind of err, or Internal if it has none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err has the given kind.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// NotFoundf is a shorthand for the common "no such X" error.
func NotFoundf(op, what, fa string) *Error {
	return E(op, NotFound, what+" not found", fa+" پیدا نشد")
}

// StatusOf maps a kind to its HTTP status. It is the only such table.
func StatusOf(k Kind) int {
	switch k {
	case Invalid:
		return http.StatusBadRequest
	case NotFound:
		return http.StatusNotFound
	case Conflict:
		return http.StatusConflict
	case Forbidden:
		return http.StatusForbidden
	case Unauthorized:
		return http.StatusUnauthorized
	case Unavailable:
		return http.StatusServiceUnavailable
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case RateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// Messages returns the Persian and English messages for err that are safe to
// show: the error's own for kinded errors, a generic one for internal errors.
func Messages(err error) (fa, en string) {
	if e, ok := As(err); ok && e.Kind != Internal && (e.Fa != "" || e.En != "") {
		return e.Fa, e.En
	}
	switch KindOf(err) {
	case Invalid:
		return "درخواست نامعتبر است.", "The request is invalid."
	case NotFound:
		return "پیدا نشد.", "Not found."
	case Conflict:
		return "این کار در وضعیت کنونی ممکن نیست.", "This is not possible in the current state."
	case Forbidden:
		return "اجازهٔ این کار را ندارید.", "You are not allowed to do this."
	case Unauthorized:
		return "ابتدا وارد شوید.", "Please sign in first."
	case Unavailable:
		return "سرویس موقتاً در دسترس نیست؛ کمی بعد دوباره تلاش کنید.", "The service is temporarily unavailable; please try again shortly."
	case TooLarge:
		return "حجم درخواست بیش از حد مجاز است.", "The request is too large."
	case RateLimited:
		return "تعداد درخواست‌ها بیش از حد مجاز است؛ کمی صبر کنید.", "Too many requests; please wait a little."
	}
	return "خطایی در سامانه رخ داد. موضوع ثبت شد.", "Something went wrong on our side. It has been logged."
}
