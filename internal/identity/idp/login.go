package idp

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// The one-time code's rules: six digits, valid for five minutes, at most
// five tries for one sign-in (new codes do not give new tries).
const (
	otpTTL      = 5 * time.Minute
	otpAttempts = 5
)

// texts holds every word the login pages show, in Persian and English.
var texts = map[string][2]string{
	"title":          {"ورود به پنجره ملی خدمات دولت هوشمند", "Sign in to the National Window of Smart Government Services"},
	"provider":       {"سامانهٔ احراز هویت نمایشی", "Demo identity provider"},
	"demo.note":      {"این سامانهٔ نمایشی به جای سامانهٔ ملی احراز هویت است و کد یکبارمصرف را به جای پیامک روی صفحه نشان می‌دهد.", "This demo provider stands in for the national identity provider and shows the one-time code on screen instead of sending an SMS."},
	"nc.label":       {"کد ملی", "National code"},
	"nc.hint":        {"۱۰ رقم، بدون خط تیره", "10 digits, without dashes"},
	"continue":       {"ادامه", "Continue"},
	"otp.shown":      {"کد یکبارمصرف (به جای پیامک):", "One-time code (instead of an SMS):"},
	"otp.label":      {"کد یکبارمصرف", "One-time code"},
	"otp.hint":       {"کد ۶ رقمی بالا را وارد کنید. این کد ۵ دقیقه اعتبار دارد.", "Type the 6-digit code shown above. It is valid for 5 minutes."},
	"otp.submit":     {"ورود", "Sign in"},
	"otp.new":        {"دریافت کد تازه", "Get a new code"},
	"error.title":    {"خطا", "There is a problem"},
	"otp.wrong":      {"کد یکبارمصرف درست نیست. {1} بار دیگر می‌توانید تلاش کنید.", "The one-time code is not correct. You have {1} tries left."},
	"otp.expired":    {"کد یکبارمصرف منقضی شده است؛ کد تازه بگیرید.", "The one-time code has expired; get a new code."},
	"otp.too_many":   {"تعداد تلاش‌های نادرست بیش از حد مجاز است. از پنجره ملی دوباره وارد شوید.", "Too many wrong tries. Start signing in again from the portal."},
	"otp.none":       {"ابتدا کد ملی را وارد کنید.", "Enter your national code first."},
	"request.gone":   {"این درخواست ورود منقضی شده یا وجود ندارد. از پنجره ملی دوباره وارد شوید.", "This sign-in request has expired or does not exist. Start signing in again from the portal."},
	"lang.switch":    {"English", "فارسی"},
	"otp.field_name": {"کد یکبارمصرف", "one-time code"},
}

// view is what the login template receives.
type view struct {
	Lang, Dir, OtherLang string
	CSS, Action, Self    string
	Step                 string // "code", "otp" or "error"
	ID                   string
	Error                string
	OTP                  string // shown once, in Persian digits on Persian pages
	t                    func(string, ...string) string
}

// T translates key for the page.
func (v view) T(key string, args ...string) string { return v.t(key, args...) }

var funcs = template.FuncMap{}

func langOf(r *http.Request) string {
	if r.FormValue("lang") == "en" {
		return "en"
	}
	return "fa"
}

func translator(lang string) func(string, ...string) string {
	i := 0
	if lang == "en" {
		i = 1
	}
	return func(key string, args ...string) string {
		s, ok := texts[key]
		if !ok {
			return "[" + key + "]"
		}
		out := s[i]
		for n, a := range args {
			if i == 0 {
				a = persian.Digits(a)
			}
			out = strings.ReplaceAll(out, "{"+strconv.Itoa(n+1)+"}", a)
		}
		return out
	}
}

// render writes the login page with status.
func (p *Provider) render(w http.ResponseWriter, r *http.Request, status int, v view) {
	v.Lang = langOf(r)
	v.Dir, v.OtherLang = "rtl", "en"
	if v.Lang == "en" {
		v.Dir, v.OtherLang = "ltr", "fa"
	}
	v.t = translator(v.Lang)
	v.CSS = p.css
	v.Action = p.prefix + "/login"
	q := url.Values{"lang": {v.OtherLang}}
	if v.ID != "" {
		q.Set("authRequestID", v.ID)
	}
	v.Self = p.prefix + "/login?" + q.Encode()
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", v.Lang)
	h.Set("Cache-Control", "no-store")
	var buf strings.Builder
	if err := p.pages.ExecuteTemplate(&buf, "login.html", v); err != nil {
		p.log.Error("idp: login page failed", "err", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

func (p *Provider) fail(w http.ResponseWriter, r *http.Request, status int, id, step, key string, args ...string) {
	p.render(w, r, status, view{Step: step, ID: id, Error: translator(langOf(r))(key, args...)})
}

// loginPage asks for the national code.
func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request) {
	id := r.FormValue("authRequestID")
	a, err := p.st.authRequest(r.Context(), id)
	if err != nil {
		p.fail(w, r, http.StatusBadRequest, "", "error", "request.gone")
		return
	}
	if r.Form.Get("lang") == "" && a.UILocale == "en" {
		r.Form.Set("lang", "en") // the client asked for English (ui_locales)
	}
	p.render(w, r, http.StatusOK, view{Step: "code", ID: id})
}

// loginCode checks the national code and shows a new one-time code.
func (p *Provider) loginCode(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PostFormValue("authRequestID")
	a, err := p.st.authRequest(ctx, id)
	if err != nil {
		p.fail(w, r, http.StatusBadRequest, "", "error", "request.gone")
		return
	}
	code, err := identity.ParseNationalCode(r.PostFormValue("national_code"))
	if err != nil {
		fa, en := errs.Messages(err)
		msg := fa
		if langOf(r) == "en" {
			msg = en
		}
		p.render(w, r, http.StatusBadRequest, view{Step: "code", ID: a.ID, Error: msg})
		return
	}
	if a.OTPAttempts >= otpAttempts {
		p.fail(w, r, http.StatusTooManyRequests, "", "error", "otp.too_many")
		return
	}
	otp := newOTP()
	now := p.st.s.Now()
	err = p.st.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE identity_idp_auth_requests SET national_code = $1, otp_hash = $2, otp_expires_at = $3
			WHERE id = $4 AND done = FALSE AND expires_at > $5`, code, digest(a.ID+"\x00"+otp), now.Add(otpTTL), a.ID, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errNotFound
		}
		err = tx.Append(ctx, store.Event{Kind: "identity.idp.otp.issued", Actor: "system", Subject: code}, nil)
		return err
	})
	if errors.Is(err, errNotFound) {
		p.fail(w, r, http.StatusBadRequest, "", "error", "request.gone")
		return
	}
	if err != nil {
		p.log.Error("idp: issuing a one-time code failed", "err", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	shown := otp
	if langOf(r) == "fa" {
		shown = persian.Digits(otp)
	}
	p.render(w, r, http.StatusOK, view{Step: "otp", ID: a.ID, OTP: shown})
}

func newOTP() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

// loginOTP checks the one-time code. Each try is counted before the code is
// compared, in one statement, so that parallel tries cannot exceed the limit.
func (p *Provider) loginOTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PostFormValue("authRequestID")
	typed := strings.TrimSpace(persian.ASCIIDigits(r.PostFormValue("otp")))
	a, err := p.st.authRequest(ctx, id)
	if err != nil {
		p.fail(w, r, http.StatusBadRequest, "", "error", "request.gone")
		return
	}
	if a.IsDone {
		http.Redirect(w, r, p.callbackURL(ctx, a.ID), http.StatusSeeOther)
		return
	}
	if a.OTPHash == "" {
		p.fail(w, r, http.StatusBadRequest, a.ID, "code", "otp.none")
		return
	}
	now := p.st.s.Now()
	var outcome string
	err = p.st.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE identity_idp_auth_requests SET otp_attempts = otp_attempts + 1
			WHERE id = $1 AND done = FALSE AND otp_attempts < $2`, a.ID, otpAttempts)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			outcome = "otp.too_many"
			err = tx.Append(ctx, store.Event{Kind: "identity.idp.otp.refused", Actor: "system", Subject: a.NationalCode}, map[string]any{"reason": "too_many"})
			return err
		}
		a.OTPAttempts++
		switch {
		case !now.Before(a.OTPExpiresAt):
			outcome = "otp.expired"
		case subtle.ConstantTimeCompare([]byte(digest(a.ID+"\x00"+typed)), []byte(a.OTPHash)) != 1:
			outcome = "otp.wrong"
		}
		if outcome != "" {
			err = tx.Append(ctx, store.Event{Kind: "identity.idp.otp.refused", Actor: "system", Subject: a.NationalCode},
				map[string]any{"reason": strings.TrimPrefix(outcome, "otp."), "attempt": a.OTPAttempts})
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE identity_idp_auth_requests SET done = TRUE, auth_time = $1, otp_hash = '' WHERE id = $2`, now, a.ID); err != nil {
			return err
		}
		err = tx.Append(ctx, store.Event{Kind: "identity.idp.login.completed", Actor: "system", Subject: a.NationalCode}, map[string]any{"client": a.ClientID})
		return err
	})
	if err != nil {
		p.log.Error("idp: checking a one-time code failed", "err", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	left := otpAttempts - a.OTPAttempts
	switch {
	case outcome == "otp.too_many" || (outcome != "" && left <= 0):
		p.fail(w, r, http.StatusTooManyRequests, "", "error", "otp.too_many")
	case outcome == "otp.expired":
		p.fail(w, r, http.StatusBadRequest, a.ID, "code", "otp.expired")
	case outcome == "otp.wrong":
		p.fail(w, r, http.StatusBadRequest, a.ID, "otp", "otp.wrong", strconv.Itoa(left))
	default:
		http.Redirect(w, r, p.callbackURL(ctx, a.ID), http.StatusSeeOther)
	}
}

// callbackURL is op's endpoint that turns a completed request into a code
// and sends the browser back to the client.
func (p *Provider) callbackURL(ctx context.Context, id string) string {
	return op.AuthCallbackURL(p.op)(op.ContextWithIssuer(ctx, p.issuer), id)
}
