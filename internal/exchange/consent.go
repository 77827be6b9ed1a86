package exchange

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// maxConsent bounds how long a consent may last.
const maxConsent = 5 * 365 * 24 * time.Hour

// GiveConsent records a citizen's consent for a client subsystem to read a
// personal-data service about them, for a purpose, until c.Until. Only the
// citizen themself may: p must be a citizen whose national code is
// c.Subject (an empty Subject means p's own).
func (x *Exchange) GiveConsent(ctx context.Context, p identity.Principal, c Consent) (Consent, error) {
	const op = "exchange.GiveConsent"
	if !p.Has(identity.RoleCitizen) || p.NationalCode == "" {
		return Consent{}, forbidden(op, "only the citizen themself gives consent about their data",
			"تنها خود شهروند برای داده‌های خودش رضایت می‌دهد")
	}
	if c.Subject == "" {
		c.Subject = p.NationalCode
	}
	c.Subject = persian.NormalizeNationalCode(c.Subject)
	if c.Subject != p.NationalCode {
		return Consent{}, forbidden(op, "a citizen gives consent only about themself",
			"هر شهروند تنها برای داده‌های خودش رضایت می‌دهد")
	}
	if persian.CheckNationalCode(c.Subject) != nil {
		return Consent{}, invalid(op, "subject", "the national code is not valid", "کد ملی درست نیست")
	}
	if err := c.Client.Validate(); err != nil {
		return Consent{}, err
	}
	if err := c.Service.Validate(); err != nil {
		return Consent{}, err
	}
	var err error
	if c.Purpose, err = cleanText(op, "purpose", c.Purpose, 500, true); err != nil {
		return Consent{}, err
	}
	now := x.now()
	c.Until = c.Until.UTC().Truncate(time.Microsecond)
	if !c.Until.After(now) {
		return Consent{}, invalid(op, "until", "the consent must last until a time in the future", "رضایت باید تا زمانی در آینده معتبر باشد")
	}
	if c.Until.Sub(now) > maxConsent {
		return Consent{}, invalid(op, "until", "a consent may last at most five years", "رضایت حداکثر پنج سال اعتبار دارد")
	}
	svc, err := x.Service(ctx, c.Service)
	if err != nil {
		return Consent{}, err
	}
	if !svc.Personal {
		return Consent{}, invalid(op, "service", "this service returns no personal data, so it needs no consent",
			"این سرویس دادهٔ شخصی برنمی‌گرداند و به رضایت نیازی ندارد")
	}
	if _, err := x.Subsystem(ctx, c.Client); err != nil {
		return Consent{}, err
	}
	c.ID, c.GivenAt, c.WithdrawnAt = 0, now, nil
	err = x.st.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO exchange_consents (subject, client, service, purpose, given_at, until)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			c.Subject, c.Client.String(), c.Service.String(), c.Purpose, c.GivenAt, c.Until).Scan(&c.ID); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "exchange.consent.given", Actor: actor(p), Agency: c.Client.Member,
			Service: c.Service.String(), Subject: c.Subject},
			map[string]any{"consent": c.ID, "client": c.Client.String(), "service": c.Service.String(), "purpose": c.Purpose, "until": c.Until})
		return err
	})
	if err != nil {
		return Consent{}, errs.Wrap(op, err)
	}
	return c, nil
}

// WithdrawConsent withdraws one of p's consents at once. A consent of
// someone else is reported as not found.
func (x *Exchange) WithdrawConsent(ctx context.Context, p identity.Principal, id int64) error {
	const op = "exchange.WithdrawConsent"
	notFound := errs.NotFoundf(op, "consent", "رضایت")
	if !p.Has(identity.RoleCitizen) || p.NationalCode == "" {
		return forbidden(op, "only the citizen themself withdraws their consent", "تنها خود شهروند رضایتش را پس می‌گیرد")
	}
	list, err := queryConsents(ctx, x.st.Read(), `WHERE id = $1`, id)
	if err != nil {
		return errs.Wrap(op, err)
	}
	if len(list) == 0 || list[0].Subject != p.NationalCode {
		return notFound
	}
	c := list[0]
	err = x.st.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE exchange_consents SET withdrawn_at = $1 WHERE id = $2 AND withdrawn_at IS NULL`, x.now(), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errs.E(op, errs.Conflict, "this consent is already withdrawn", "این رضایت پیش‌تر پس گرفته شده است")
		}
		err = tx.Append(ctx, store.Event{Kind: "exchange.consent.withdrawn", Actor: actor(p), Agency: c.Client.Member,
			Service: c.Service.String(), Subject: c.Subject},
			map[string]any{"consent": id, "client": c.Client.String(), "service": c.Service.String()})
		return err
	})
	return errs.Wrap(op, err)
}

// Consents lists the consents of a subject (a national code), newest first.
func (x *Exchange) Consents(ctx context.Context, subject string) ([]Consent, error) {
	list, err := queryConsents(ctx, x.st.Read(), `WHERE subject = $1 ORDER BY id DESC`, subject)
	return list, errs.Wrap("exchange.Consents", err)
}

func queryConsents(ctx context.Context, q querier, where string, args ...any) ([]Consent, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, subject, client, service, purpose, given_at, until, withdrawn_at
		FROM exchange_consents `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Consent
	for rows.Next() {
		var c Consent
		var client, service string
		var withdrawn sql.NullTime
		if err := rows.Scan(&c.ID, &c.Subject, &client, &service, &c.Purpose, &c.GivenAt, &c.Until, &withdrawn); err != nil {
			return nil, err
		}
		if c.Client, err = ParseSubsystemID(client); err != nil {
			return nil, err
		}
		if c.Service, err = ParseServiceID(service); err != nil {
			return nil, err
		}
		c.GivenAt, c.Until, c.WithdrawnAt = c.GivenAt.UTC(), c.Until.UTC(), timePtr(withdrawn)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Valid reports whether the consent is in force at t.
func (c Consent) Valid(t time.Time) bool {
	return !c.GivenAt.After(t) && c.Until.After(t) && (c.WithdrawnAt == nil || c.WithdrawnAt.After(t))
}

// ---- authorization ----

// deny builds an Authorize error: Op is the typed code the gateway returns.
func deny(code string, kind errs.Kind, en, fa string) error { return errs.E(code, kind, en, fa) }

// asBadRequest re-labels an identifier or path error as CodeBadRequest.
func asBadRequest(err error) error {
	if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
		c := *e
		c.Op = CodeBadRequest
		return &c
	}
	return err
}

// Authorize decides whether a call may go through: the client is a
// registered subsystem of this instance, the service exists, an unexpired,
// unrevoked right of this client covers the method and path, and, for a
// service with personal data, the request names a valid national code and
// either the right cites a legal basis or the citizen's consent to this
// client for this service is in force at r.At. Errors are *errs.Error whose
// Op is a Code* constant. The service and right are read from the registry
// cache (cache.go) and the Decision shares their memory: treat it as
// read-only.
func (x *Exchange) Authorize(ctx context.Context, r AccessRequest) (Decision, error) {
	if r.At.IsZero() {
		r.At = x.now()
	}
	if err := r.Client.Validate(); err != nil {
		return Decision{}, asBadRequest(err)
	}
	if r.Client.Instance != x.instance {
		return Decision{}, deny(CodeUnknownClient, errs.Unauthorized, "the client "+r.Client.String()+" belongs to another instance",
			"سامانهٔ درخواست‌کننده "+r.Client.String()+" از نمونهٔ دیگری است")
	}
	if _, err := x.cachedSubsystem(ctx, r.Client); err != nil {
		if errs.Is(err, errs.NotFound) {
			return Decision{}, deny(CodeUnknownClient, errs.Unauthorized, "the client "+r.Client.String()+" is not a registered subsystem",
				"سامانهٔ درخواست‌کننده "+r.Client.String()+" زیرسامانهٔ ثبت‌شده‌ای نیست")
		}
		return Decision{}, err
	}
	if err := r.Service.Validate(); err != nil {
		return Decision{}, asBadRequest(err)
	}
	if !httpMethods[r.Method] {
		return Decision{}, deny(CodeBadRequest, errs.Invalid, "the method "+r.Method+" is not an HTTP method the exchange carries",
			"روش "+r.Method+" از روش‌های HTTP پذیرفته در تبادل نیست")
	}
	if err := CheckRestPath(r.Path); err != nil {
		return Decision{}, asBadRequest(err)
	}
	if len(r.Purpose) > 2000 {
		return Decision{}, deny(CodeBadRequest, errs.Invalid, "the purpose is too long", "هدف درخواست بیش از حد طولانی است")
	}
	svc, err := x.cachedService(ctx, r.Service)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return Decision{}, deny(CodeUnknownService, errs.NotFound, "the service "+r.Service.String()+" is not registered",
				"سرویس "+r.Service.String()+" ثبت نشده است")
		}
		return Decision{}, err
	}
	rights, err := x.cachedRights(ctx, r.Service, r.Client)
	if err != nil {
		return Decision{}, err
	}
	var matching []AccessRight
	anyActive := false
	for _, a := range rights {
		if !a.active(r.At) {
			continue
		}
		anyActive = true
		if a.Endpoint == nil || a.Endpoint.Matches(r.Method, r.Path) {
			matching = append(matching, a)
		}
	}
	if len(matching) == 0 {
		if anyActive {
			return Decision{}, deny(CodeAccessDenied, errs.Forbidden, "the client's access rights to this service do not cover "+r.Method+" on this path",
				"مجوزهای این سامانه برای این سرویس، روش "+r.Method+" را روی این مسیر دربر نمی‌گیرد")
		}
		return Decision{}, deny(CodeAccessDenied, errs.Forbidden, "the provider has not granted this client access to this service",
			"دستگاه فراهم‌کننده به این سامانه مجوز دسترسی به این سرویس نداده است")
	}
	if r.Subject != "" && persian.CheckNationalCode(r.Subject) != nil {
		return Decision{}, deny(CodeBadRequest, errs.Invalid, "the subject is not a valid national code (10 ASCII digits with a correct check digit)",
			"شناسهٔ شخص موضوع درخواست کد ملی درستی نیست (۱۰ رقم لاتین با رقم کنترل درست)")
	}
	if !svc.Personal {
		return Decision{Service: svc, Right: pickRight(matching), Basis: pickRight(matching).LegalBasis}, nil
	}
	if r.Subject == "" {
		return Decision{}, deny(CodeBadRequest, errs.Invalid, "this service returns personal data: name the person the request is about (their national code)",
			"این سرویس دادهٔ شخصی برمی‌گرداند: کد ملی شخصی را که درخواست دربارهٔ اوست بفرستید")
	}
	if best := pickRight(matching); best.LegalBasis != "" {
		return Decision{Service: svc, Right: best, Basis: best.LegalBasis}, nil
	}
	consents, err := queryConsents(ctx, x.st.Read(), `WHERE subject = $1 AND client = $2 AND service = $3 ORDER BY id DESC`,
		r.Subject, r.Client.String(), r.Service.String())
	if err != nil {
		return Decision{}, errs.Wrap("exchange.Authorize", err)
	}
	for _, c := range consents {
		if c.Valid(r.At) {
			return Decision{Service: svc, Right: matching[0], ConsentID: c.ID, Basis: BasisConsent}, nil
		}
	}
	return Decision{}, deny(CodeConsentRequired, errs.Forbidden, "this access needs the citizen's consent, and no consent of theirs to this client for this service is in force",
		"این دسترسی به رضایت شهروند نیاز دارد و رضایت معتبری از او برای این سامانه و این سرویس وجود ندارد")
}

// pickRight prefers a right with a legal basis over one that needs consent.
func pickRight(rs []AccessRight) AccessRight {
	for _, r := range rs {
		if r.LegalBasis != "" {
			return r
		}
	}
	return rs[0]
}

// ---- endpoints ----

// checkEndpoint validates an endpoint: a known method, and a path template
// that starts with /, whose segments are literal (by the gateway path rules),
// {param} or, last only, *.
func checkEndpoint(op string, e Endpoint) error {
	if !httpMethods[e.Method] {
		return invalid(op, "endpoint", "the endpoint method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, TRACE",
			"روش نقطهٔ دسترسی باید یکی از GET، HEAD، POST، PUT، PATCH، DELETE، OPTIONS یا TRACE باشد")
	}
	bad := invalid(op, "endpoint", fmt.Sprintf("the endpoint path %q must start with / and hold only literal, {param} or, last, * segments", e.Path),
		fmt.Sprintf("مسیر نقطهٔ دسترسی ‎%q‎ باید با / آغاز شود و تنها بخش‌های ثابت، {param} یا در پایان * داشته باشد", e.Path))
	if len(e.Path) > 1000 || !strings.HasPrefix(e.Path, "/") {
		return bad
	}
	if e.Path == "/" {
		return nil
	}
	seg := strings.Split(e.Path[1:], "/")
	plain := make([]string, len(seg))
	for i, s := range seg {
		switch {
		case s == "*" && i == len(seg)-1:
			plain[i] = "x"
		case len(s) > 2 && s[0] == '{' && s[len(s)-1] == '}':
			for _, c := range []byte(s[1 : len(s)-1]) {
				if !isUpper(c) && !isLower(c) && !isDigit(c) && c != '_' && c != '-' {
					return bad
				}
			}
			plain[i] = "x"
		case strings.ContainsAny(s, "{}*"):
			return bad
		default:
			plain[i] = s
		}
	}
	if CheckRestPath("/"+strings.Join(plain, "/")) != nil {
		return bad
	}
	return nil
}

// Matches reports whether a call of method on path (the rest after the
// service code) falls under the endpoint: the method is equal, and the path
// matches the template segment by segment, where {param} matches one
// non-empty segment and a final * matches zero or more further segments.
func (e Endpoint) Matches(method, path string) bool {
	if method != e.Method || !strings.HasPrefix(path, "/") {
		return false
	}
	tmpl := strings.Split(e.Path[1:], "/")
	got := strings.Split(path[1:], "/")
	wild := len(tmpl) > 0 && tmpl[len(tmpl)-1] == "*"
	if wild {
		tmpl = tmpl[:len(tmpl)-1]
		if len(got) < len(tmpl) {
			return false
		}
	} else if len(got) != len(tmpl) {
		return false
	}
	for i, t := range tmpl {
		if len(t) > 2 && t[0] == '{' && t[len(t)-1] == '}' {
			if got[i] == "" {
				return false
			}
		} else if got[i] != t {
			return false
		}
	}
	return true
}
