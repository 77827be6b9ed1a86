package exchange

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/panjare/panjare/internal/agencycode"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// The typed error codes of the exchange. Errors from Authorize and
// ClientFromCertificate are *errs.Error whose Op is one of these, so that
// the gateway maps them to its error responses without parsing messages.
const (
	CodeUnknownClient       = "exchange.unknown_client"       // errs.Unauthorized (or Forbidden for a revoked certificate)
	CodeUnknownService      = "exchange.unknown_service"      // errs.NotFound
	CodeAccessDenied        = "exchange.access_denied"        // errs.Forbidden
	CodeConsentRequired     = "exchange.consent_required"     // errs.Forbidden
	CodeBadRequest          = "exchange.bad_request"          // errs.Invalid
	CodeProviderUnavailable = "exchange.provider_unavailable" // errs.Unavailable
	CodeTimeout             = "exchange.timeout"              // errs.Unavailable (HTTP 504 in the gateway)
	CodeRateLimited         = "exchange.rate_limited"         // errs.RateLimited
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the exchange's migration set.
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return store.MigrationSet{Name: "exchange", FS: sub}
}

// Exchange is the registry of members, subsystems, data services, access
// rights, consents and certificates. It is safe for concurrent use.
type Exchange struct {
	st       *store.Store
	instance string
	clock    func() time.Time // nil: the store's clock

	mu    sync.Mutex
	root  *rootCA                   // loaded or created on first use
	certs map[[32]byte]verifiedCert // client certificates whose signature and name were checked

	// cache holds what Authorize reads (subsystems, services, rights); see
	// cache.go for how it is kept fresh.
	cache *regCache
}

// New returns the exchange of the platform instance (such as "IR") on st.
func New(s *store.Store, instance string) *Exchange {
	return &Exchange{st: s, instance: instance, cache: newRegCache()}
}

// Instance returns the identifier instance of this platform, such as "IR".
func (x *Exchange) Instance() string { return x.instance }

// Member is an organisation taking part in the exchange: for class GOV, an
// agency, whose code is its catalog agency code.
type Member struct {
	Class, Code    string
	NameFa, NameEn string
	CreatedAt      time.Time
}

// Subsystem is one information system of a member.
type Subsystem struct {
	ID          SubsystemID
	NameFa      string
	CallbackURL string // the base URL its asynchronous answers may be POSTed to (SetCallback); empty: none
	CreatedAt   time.Time
}

// Endpoint is one method of a data service: an HTTP method and a path
// template. The path may contain {param} segments, which match one segment,
// and may end in /*, which matches the prefix and anything below it.
type Endpoint struct{ Method, Path string }

// String returns "METHOD PATH".
func (e Endpoint) String() string { return e.Method + " " + e.Path }

// DataService is one version of a service a provider subsystem offers
// through the gateway.
type DataService struct {
	ID         ServiceID
	Version    string
	TitleFa    string
	TitleEn    string
	OpenAPI    string     // the OpenAPI 3 description (JSON), served by getOpenAPI
	BackendURL string     // where the gateway forwards: http(s)://host:port/base
	Personal   bool       // returns personal data: requests must name a subject and need consent or a legal basis
	Endpoints  []Endpoint // the methods it offers (listMethods); derived from the OpenAPI paths when empty
	CreatedAt  time.Time
}

// AccessRight lets a client subsystem call a service, or one endpoint of it.
// Only the provider's agency grants it.
type AccessRight struct {
	ID              int64
	Service         ServiceID
	Endpoint        *Endpoint // nil: the whole service
	Client          SubsystemID
	LegalBasis      string // the law or purpose that allows it; empty means consent is required
	RequiresConsent bool   // true when LegalBasis is empty
	GrantedBy       string // the actor
	GrantedAt       time.Time
	ExpiresAt       *time.Time
	RevokedAt       *time.Time
}

// Consent is a citizen's permission for a client to read a service about
// them, for a purpose, until a time.
type Consent struct {
	ID          int64
	Subject     string // national code; personal data: never logged
	Client      SubsystemID
	Service     ServiceID
	Purpose     string
	GivenAt     time.Time
	Until       time.Time
	WithdrawnAt *time.Time
}

// AccessRequest is one call to be authorized.
type AccessRequest struct {
	Client  SubsystemID
	Service ServiceID
	Method  string
	Path    string // the rest after the service code, starting with /
	Subject string // national code, required when the service is Personal
	Purpose string
	At      time.Time
}

// BasisConsent is the basis of a call that a citizen's consent allowed.
const BasisConsent = "consent"

// Decision is what allowed a call.
type Decision struct {
	Service   DataService
	Right     AccessRight
	ConsentID int64  // 0 when the right's legal basis allowed it
	Basis     string // the legal basis, or BasisConsent
}

// Certificate is a subsystem's client certificate issued by the platform CA.
type Certificate struct {
	Serial    string
	Subsystem SubsystemID
	NotBefore time.Time
	NotAfter  time.Time
	RevokedAt *time.Time
	Reason    string
}

// now is the exchange's clock: the store's, unless a test replaced it.
func (x *Exchange) now() time.Time {
	if x.clock != nil {
		return x.clock().UTC().Truncate(time.Microsecond)
	}
	return x.st.Now()
}

// actor is the name recorded in events for p. The operator command line acts
// with database access for an agency and is recorded as "cli".
func actor(p identity.Principal) string {
	if p.Kind == "cli" {
		return "cli"
	}
	return p.Actor()
}

// OperatorFor returns the principal the operator command line acts as: the
// agency that owns member, recorded as "cli" in events. It must only be used
// by processes that already have operator access to the database.
func OperatorFor(member string) identity.Principal {
	return identity.Principal{Kind: "cli", Name: "cli", Agency: member, Roles: []identity.Role{identity.RoleAgencyAdmin}}
}

// isAgency reports whether p acts for the agency whose member code is
// member: its admins and API clients. A platform admin is not the agency.
func isAgency(p identity.Principal, member string) bool {
	return member != "" && p.Agency == member && (p.Has(identity.RoleAgencyAdmin) || p.Kind == "apikey")
}

// forbidden builds a Forbidden error for op.
func forbidden(op, en, fa string) error { return errs.E(op, errs.Forbidden, en, fa) }

// invalid builds an Invalid error for op naming one field.
func invalid(op, field, en, fa string) error {
	e := errs.E(op, errs.Invalid, en, fa)
	e.Fields = []errs.FieldError{{Field: field, En: en, Fa: fa}}
	return e
}

// errRollback rolls back a transaction that turned out to have nothing to do.
var errRollback = errors.New("exchange: nothing to change")

// isUniqueViolation reports whether err is a duplicate key on either engine.
func isUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// cleanText tidies a free text for storage and checks its length in runes.
func cleanText(op, field, s string, max int, required bool) (string, error) {
	s = persian.Clean(s)
	if required && s == "" {
		return "", invalid(op, field, field+" is required", "«"+fieldFa(field)+"» لازم است")
	}
	if utf8.RuneCountInString(s) > max {
		return "", invalid(op, field, fmt.Sprintf("%s is longer than %d characters", field, max),
			fmt.Sprintf("«%s» بیش از %s نویسه است", fieldFa(field), persian.Digits(strconv.Itoa(max))))
	}
	return s, nil
}

func fieldFa(field string) string {
	switch field {
	case "name_fa":
		return "نام فارسی"
	case "name_en":
		return "نام انگلیسی"
	case "title_fa":
		return "عنوان فارسی"
	case "title_en":
		return "عنوان انگلیسی"
	case "legal_basis":
		return "مبنای قانونی"
	case "purpose":
		return "هدف"
	case "reason":
		return "دلیل"
	}
	return field
}

// ---- members and subsystems ----

// RegisterMember registers a member. Only a platform admin may: joining the
// exchange is the platform's decision, what a member shares is not.
func (x *Exchange) RegisterMember(ctx context.Context, p identity.Principal, m Member) error {
	const op = "exchange.RegisterMember"
	if !p.Has(identity.RolePlatformAdmin) {
		return forbidden(op, "only a platform admin registers members of the exchange",
			"تنها مدیر سامانه عضو تازهٔ تبادل را ثبت می‌کند")
	}
	if !validClass(m.Class) {
		return invalid(op, "class", "the member class must be 2 to 8 capital Latin letters, such as GOV",
			"ردهٔ عضو باید ۲ تا ۸ حرف بزرگ لاتین باشد، مانند GOV")
	}
	if !validMember(m.Code) {
		return invalid(op, "code", "the member code must be 2 to 24 capital Latin letters, digits or _, starting with a letter, such as NOCR",
			"کد عضو باید ۲ تا ۲۴ حرف بزرگ لاتین، رقم یا _ باشد و با حرف آغاز شود، مانند NOCR")
	}
	// A government member is an agency, and its code is the agency's code
	// in the catalogue, in staff roles and in evidence inquiries.
	if m.Class == platformClass && !agencycode.Valid(m.Code) {
		return invalid(op, "code", "a government member's code is its agency code: "+agencycode.RuleEn,
			"کد عضو دولتی همان کد دستگاه است: "+agencycode.RuleFa)
	}
	var err error
	if m.NameFa, err = cleanText(op, "name_fa", m.NameFa, 200, true); err != nil {
		return err
	}
	if m.NameEn, err = cleanText(op, "name_en", m.NameEn, 200, false); err != nil {
		return err
	}
	err = x.st.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exchange_members WHERE class = $1 AND code = $2`,
			m.Class, m.Code).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(op, errs.Conflict, "this member is already registered", "این عضو پیش‌تر ثبت شده است")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_members (class, code, name_fa, name_en, created_at)
			VALUES ($1, $2, $3, $4, $5)`, m.Class, m.Code, m.NameFa, m.NameEn, x.now()); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "exchange.member.registered", Actor: actor(p), Agency: m.Code},
			map[string]string{"class": m.Class, "code": m.Code, "name_fa": m.NameFa})
		return err
	})
	return x.writeErr(op, err, "this member is already registered", "این عضو پیش‌تر ثبت شده است")
}

// writeErr turns a duplicate key from a race into a Conflict and anything
// else unkinded into an Internal error.
func (x *Exchange) writeErr(op string, err error, en, fa string) error {
	if err == nil {
		return nil
	}
	if isUniqueViolation(err) {
		return errs.E(op, errs.Conflict, en, fa)
	}
	return errs.Wrap(op, err)
}

// RegisterSubsystem registers a subsystem of an existing member of this
// instance: the member's agency or a platform admin may.
func (x *Exchange) RegisterSubsystem(ctx context.Context, p identity.Principal, s Subsystem) error {
	const op = "exchange.RegisterSubsystem"
	if err := s.ID.Validate(); err != nil {
		return err
	}
	if !p.CanManageAgency(s.ID.Member) {
		return forbidden(op, "only the member's agency or a platform admin registers its subsystems",
			"تنها خود دستگاه عضو یا مدیر سامانه زیرسامانه‌های آن را ثبت می‌کند")
	}
	if s.ID.Instance != x.instance {
		return invalid(op, "subsystem", "the subsystem belongs to another instance than "+x.instance,
			"این زیرسامانه به نمونه‌ای جز "+x.instance+" تعلق دارد")
	}
	var err error
	if s.NameFa, err = cleanText(op, "name_fa", s.NameFa, 200, true); err != nil {
		return err
	}
	err = x.st.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exchange_members WHERE class = $1 AND code = $2`,
			s.ID.Class, s.ID.Member).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFoundf(op, "member "+s.ID.Class+"/"+s.ID.Member, "عضو "+s.ID.Class+"/"+s.ID.Member)
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exchange_subsystems WHERE id = $1`, s.ID.String()).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(op, errs.Conflict, "this subsystem is already registered", "این زیرسامانه پیش‌تر ثبت شده است")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_subsystems (id, instance, class, member, code, name_fa, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.ID.String(), s.ID.Instance, s.ID.Class, s.ID.Member, s.ID.Subsystem,
			s.NameFa, x.now()); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "exchange.subsystem.registered", Actor: actor(p), Agency: s.ID.Member},
			map[string]string{"subsystem": s.ID.String(), "name_fa": s.NameFa})
		return err
	})
	if err == nil {
		x.invalidate()
	}
	return x.writeErr(op, err, "this subsystem is already registered", "این زیرسامانه پیش‌تر ثبت شده است")
}

// Members lists the members, by class and code.
func (x *Exchange) Members(ctx context.Context) ([]Member, error) {
	rows, err := x.st.Read().QueryContext(ctx, `SELECT class, code, name_fa, name_en, created_at FROM exchange_members ORDER BY class, code`)
	if err != nil {
		return nil, errs.Wrap("exchange.Members", err)
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		if err := rows.Scan(&m.Class, &m.Code, &m.NameFa, &m.NameEn, &m.CreatedAt); err != nil {
			return nil, errs.Wrap("exchange.Members", err)
		}
		m.CreatedAt = m.CreatedAt.UTC()
		out = append(out, m)
	}
	return out, errs.Wrap("exchange.Members", rows.Err())
}

// Subsystems lists the subsystems, by identifier.
func (x *Exchange) Subsystems(ctx context.Context) ([]Subsystem, error) {
	return x.subsystems(ctx, "exchange.Subsystems", `SELECT id, name_fa, callback_url, created_at FROM exchange_subsystems ORDER BY id`)
}

// Subsystem returns one subsystem, or errs.NotFound.
func (x *Exchange) Subsystem(ctx context.Context, id SubsystemID) (Subsystem, error) {
	const op = "exchange.Subsystem"
	list, err := x.subsystems(ctx, op, `SELECT id, name_fa, callback_url, created_at FROM exchange_subsystems WHERE id = $1`, id.String())
	if err != nil {
		return Subsystem{}, err
	}
	if len(list) == 0 {
		return Subsystem{}, errs.NotFoundf(op, "subsystem "+id.String(), "زیرسامانهٔ "+id.String())
	}
	return list[0], nil
}

func (x *Exchange) subsystems(ctx context.Context, op, q string, args ...any) ([]Subsystem, error) {
	rows, err := x.st.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []Subsystem
	for rows.Next() {
		var s Subsystem
		var id string
		if err := rows.Scan(&id, &s.NameFa, &s.CallbackURL, &s.CreatedAt); err != nil {
			return nil, errs.Wrap(op, err)
		}
		if s.ID, err = ParseSubsystemID(id); err != nil {
			return nil, errs.Wrap(op, err)
		}
		s.CreatedAt = s.CreatedAt.UTC()
		out = append(out, s)
	}
	return out, errs.Wrap(op, rows.Err())
}

// ---- data services ----

// maxOpenAPI bounds a service's OpenAPI description.
const maxOpenAPI = 1 << 20

// httpMethods are the methods an endpoint may name.
var httpMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true, "TRACE": true}

// validVersion: ^[0-9A-Za-z][0-9A-Za-z.+-]{0,31}$
func validVersion(v string) bool {
	if v == "" || len(v) > 32 || !(isUpper(v[0]) || isLower(v[0]) || isDigit(v[0])) {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isUpper(c) && !isLower(c) && !isDigit(c) && c != '.' && c != '-' && c != '+' {
			return false
		}
	}
	return true
}

// checkBackendURL accepts an absolute http(s) URL with a host and no user
// information, query or fragment.
func checkBackendURL(op, s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", invalid(op, "backend_url", "the back end must be an absolute http or https URL without user, query or fragment, such as http://127.0.0.1:9101/api",
			"نشانی سامانهٔ پشتی باید یک نشانی کامل http یا https بدون نام کاربری، پرس‌وجو یا قطعه باشد، مانند http://127.0.0.1:9101/api")
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// parseOpenAPI checks that doc is an OpenAPI 3 description in JSON and
// returns the endpoints its paths declare, sorted by path and method.
func parseOpenAPI(op, doc string) ([]Endpoint, error) {
	bad := func(en, fa string) error { return invalid(op, "openapi", en, fa) }
	if len(doc) > maxOpenAPI {
		return nil, bad("the OpenAPI description is larger than 1 MiB", "توصیف OpenAPI بیش از ۱ مگابایت است")
	}
	var d struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return nil, bad("the OpenAPI description is not valid JSON with a paths object: "+err.Error(),
			"توصیف OpenAPI یک JSON درست با بخش paths نیست")
	}
	if !strings.HasPrefix(d.OpenAPI, "3.") {
		return nil, bad(`the OpenAPI description must declare "openapi": "3.x"`, `توصیف OpenAPI باید نسخهٔ ‎"openapi": "3.x"‎ را اعلام کند`)
	}
	var eps []Endpoint
	for path, item := range d.Paths {
		for m := range item {
			method := strings.ToUpper(m)
			if !httpMethods[method] {
				continue // parameters, summary, servers, extensions
			}
			e := Endpoint{Method: method, Path: path}
			if err := checkEndpoint(op, e); err != nil {
				return nil, err
			}
			eps = append(eps, e)
		}
	}
	sortEndpoints(eps)
	return eps, nil
}

func sortEndpoints(eps []Endpoint) {
	sort.Slice(eps, func(i, j int) bool {
		if eps[i].Path != eps[j].Path {
			return eps[i].Path < eps[j].Path
		}
		return eps[i].Method < eps[j].Method
	})
}

// RegisterService registers a data service of one of the provider's
// subsystems, or a new version of it; every version is kept and the newest
// becomes current. Only the provider's agency may: what an agency exposes
// is its own decision. An empty Version becomes the next whole number.
func (x *Exchange) RegisterService(ctx context.Context, p identity.Principal, svc DataService) error {
	const op = "exchange.RegisterService"
	if err := svc.ID.Validate(); err != nil {
		return err
	}
	if !isAgency(p, svc.ID.Provider.Member) {
		return forbidden(op, "only the provider's own agency registers its data services",
			"تنها خود دستگاه فراهم‌کننده سرویس‌های داده‌اش را ثبت می‌کند")
	}
	var err error
	if svc.TitleFa, err = cleanText(op, "title_fa", svc.TitleFa, 200, true); err != nil {
		return err
	}
	if svc.TitleEn, err = cleanText(op, "title_en", svc.TitleEn, 200, false); err != nil {
		return err
	}
	if svc.BackendURL, err = checkBackendURL(op, svc.BackendURL); err != nil {
		return err
	}
	declared, err := parseOpenAPI(op, svc.OpenAPI)
	if err != nil {
		return err
	}
	if len(svc.Endpoints) == 0 {
		svc.Endpoints = declared
	}
	if len(svc.Endpoints) == 0 {
		return invalid(op, "endpoints", "the service declares no endpoints: list them or describe them in the OpenAPI paths",
			"سرویس هیچ نقطهٔ دسترسی‌ای اعلام نکرده است: آن‌ها را فهرست کنید یا در بخش paths توصیف OpenAPI بیاورید")
	}
	eps := slices.Clone(svc.Endpoints)
	for _, e := range eps {
		if err := checkEndpoint(op, e); err != nil {
			return err
		}
	}
	sortEndpoints(eps)
	eps = slices.Compact(eps)
	epsJSON, _ := json.Marshal(eps)
	if svc.Version != "" && !validVersion(svc.Version) {
		return invalid(op, "version", "the version must be up to 32 Latin letters, digits, dots, + or -, such as 1.2",
			"نسخه باید حداکثر ۳۲ حرف لاتین، رقم، نقطه، + یا - باشد، مانند 1.2")
	}
	id := svc.ID.String()
	err = x.st.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exchange_subsystems WHERE id = $1`, svc.ID.Provider.String()).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errs.NotFoundf(op, "subsystem "+svc.ID.Provider.String(), "زیرسامانهٔ "+svc.ID.Provider.String())
		}
		var versions int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exchange_service_versions WHERE service = $1`, id).Scan(&versions); err != nil {
			return err
		}
		if svc.Version == "" {
			svc.Version = strconv.Itoa(versions + 1)
		}
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exchange_service_versions WHERE service = $1 AND version = $2`,
			id, svc.Version).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(op, errs.Conflict, "version "+svc.Version+" of this service is already registered; versions never change, register a new one",
				"نسخهٔ "+svc.Version+" این سرویس پیش‌تر ثبت شده است؛ نسخه‌ها تغییر نمی‌کنند، نسخهٔ تازه‌ای ثبت کنید")
		}
		now := x.now()
		if versions == 0 {
			_, err = tx.ExecContext(ctx, `INSERT INTO exchange_services (id, provider, code, current, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $5)`, id, svc.ID.Provider.String(), svc.ID.Code, svc.Version, now)
		} else {
			_, err = tx.ExecContext(ctx, `UPDATE exchange_services SET current = $1, updated_at = $2 WHERE id = $3`, svc.Version, now, id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_service_versions
			(service, version, title_fa, title_en, openapi, backend_url, personal, endpoints, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			id, svc.Version, svc.TitleFa, svc.TitleEn, svc.OpenAPI, svc.BackendURL, svc.Personal, string(epsJSON), now); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "exchange.service.registered", Actor: actor(p), Agency: svc.ID.Provider.Member, Service: id},
			map[string]any{"service": id, "version": svc.Version, "personal": svc.Personal, "backend_url": svc.BackendURL, "endpoints": eps})
		return err
	})
	if err == nil {
		x.invalidate()
	}
	return x.writeErr(op, err, "this version of the service is already registered", "این نسخهٔ سرویس پیش‌تر ثبت شده است")
}

const serviceColumns = `s.id, v.version, v.title_fa, v.title_en, v.openapi, v.backend_url, v.personal, v.endpoints, v.created_at`

// Services lists the current version of each service of provider.
func (x *Exchange) Services(ctx context.Context, provider SubsystemID) ([]DataService, error) {
	return x.services(ctx, "exchange.Services", `SELECT `+serviceColumns+` FROM exchange_services s
		JOIN exchange_service_versions v ON v.service = s.id AND v.version = s.current
		WHERE s.provider = $1 ORDER BY s.id`, provider.String())
}

// Service returns the current version of a service, or errs.NotFound.
func (x *Exchange) Service(ctx context.Context, id ServiceID) (DataService, error) {
	const op = "exchange.Service"
	list, err := x.services(ctx, op, `SELECT `+serviceColumns+` FROM exchange_services s
		JOIN exchange_service_versions v ON v.service = s.id AND v.version = s.current
		WHERE s.id = $1`, id.String())
	if err != nil {
		return DataService{}, err
	}
	if len(list) == 0 {
		return DataService{}, errs.NotFoundf(op, "service "+id.String(), "سرویس "+id.String())
	}
	return list[0], nil
}

// ServiceVersions returns every registered version of a service, oldest
// first.
func (x *Exchange) ServiceVersions(ctx context.Context, id ServiceID) ([]DataService, error) {
	return x.services(ctx, "exchange.ServiceVersions", `SELECT `+serviceColumns+` FROM exchange_services s
		JOIN exchange_service_versions v ON v.service = s.id
		WHERE s.id = $1 ORDER BY v.created_at, v.version`, id.String())
}

func (x *Exchange) services(ctx context.Context, op, q string, args ...any) ([]DataService, error) {
	rows, err := x.st.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []DataService
	for rows.Next() {
		var s DataService
		var id, eps string
		if err := rows.Scan(&id, &s.Version, &s.TitleFa, &s.TitleEn, &s.OpenAPI, &s.BackendURL, &s.Personal, &eps, &s.CreatedAt); err != nil {
			return nil, errs.Wrap(op, err)
		}
		if s.ID, err = ParseServiceID(id); err != nil {
			return nil, errs.Wrap(op, err)
		}
		if err := json.Unmarshal([]byte(eps), &s.Endpoints); err != nil {
			return nil, errs.Wrap(op, err)
		}
		s.CreatedAt = s.CreatedAt.UTC()
		out = append(out, s)
	}
	return out, errs.Wrap(op, rows.Err())
}

// ---- access rights ----

// Grant gives a client subsystem access to a service, or to one endpoint of
// it, with a legal basis or, for personal data, on condition of the
// citizen's consent. Only the provider's agency may: a platform admin is
// refused, because the data and the decision to share it stay with the
// agency that holds it.
func (x *Exchange) Grant(ctx context.Context, p identity.Principal, r AccessRight) (AccessRight, error) {
	const op = "exchange.Grant"
	if err := r.Service.Validate(); err != nil {
		return AccessRight{}, err
	}
	if err := r.Client.Validate(); err != nil {
		return AccessRight{}, err
	}
	if !isAgency(p, r.Service.Provider.Member) {
		if p.Has(identity.RolePlatformAdmin) {
			return AccessRight{}, forbidden(op, "access rights are granted by the provider's agency, never by the platform: ask "+r.Service.Provider.Member+" to grant it",
				"مجوز دسترسی را تنها دستگاه فراهم‌کنندهٔ داده می‌دهد، نه سامانه: از "+r.Service.Provider.Member+" بخواهید آن را صادر کند")
		}
		return AccessRight{}, forbidden(op, "only the provider's own agency grants access to its services",
			"تنها خود دستگاه فراهم‌کننده به سرویس‌هایش مجوز دسترسی می‌دهد")
	}
	var err error
	if r.LegalBasis, err = cleanText(op, "legal_basis", r.LegalBasis, 500, false); err != nil {
		return AccessRight{}, err
	}
	if r.LegalBasis != "" && r.RequiresConsent {
		return AccessRight{}, invalid(op, "legal_basis", "a right either cites a legal basis or requires consent, not both",
			"مجوز یا مبنای قانونی دارد یا به رضایت شهروند نیاز دارد، نه هر دو")
	}
	r.RequiresConsent = r.LegalBasis == ""
	if r.Endpoint != nil {
		e := *r.Endpoint
		if err := checkEndpoint(op, e); err != nil {
			return AccessRight{}, err
		}
		r.Endpoint = &e
	}
	now := x.now()
	if r.ExpiresAt != nil {
		if !r.ExpiresAt.After(now) {
			return AccessRight{}, invalid(op, "expires_at", "the expiry must be in the future", "تاریخ پایان باید در آینده باشد")
		}
		t := r.ExpiresAt.UTC().Truncate(time.Microsecond)
		r.ExpiresAt = &t
	}
	svc, err := x.Service(ctx, r.Service)
	if err != nil {
		return AccessRight{}, err
	}
	if r.RequiresConsent && !svc.Personal {
		return AccessRight{}, invalid(op, "legal_basis", "this service returns no personal data, so consent does not apply: cite the legal basis or purpose",
			"این سرویس دادهٔ شخصی برنمی‌گرداند و رضایت شهروند در آن معنا ندارد: مبنای قانونی یا هدف را بنویسید")
	}
	if _, err := x.Subsystem(ctx, r.Client); err != nil {
		return AccessRight{}, err
	}
	r.ID, r.GrantedBy, r.GrantedAt, r.RevokedAt = 0, actor(p), now, nil
	method, path := "", ""
	if r.Endpoint != nil {
		method, path = r.Endpoint.Method, r.Endpoint.Path
	}
	err = x.st.InTx(ctx, func(tx *store.Tx) error {
		existing, err := queryRights(ctx, tx, `WHERE service = $1 AND client = $2 AND method = $3 AND path = $4 AND revoked_at IS NULL`,
			r.Service.String(), r.Client.String(), method, path)
		if err != nil {
			return err
		}
		for _, e := range existing {
			if e.ExpiresAt == nil || e.ExpiresAt.After(now) {
				return errs.E(op, errs.Conflict, fmt.Sprintf("right %d already gives this client this access; revoke it first to change it", e.ID),
					fmt.Sprintf("مجوز %s همین دسترسی را به این سامانه داده است؛ برای تغییر، نخست آن را لغو کنید", persian.Digits(strconv.FormatInt(e.ID, 10))))
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO exchange_rights
			(service, provider, method, path, client, legal_basis, granted_by, granted_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			r.Service.String(), r.Service.Provider.String(), method, path, r.Client.String(), r.LegalBasis, r.GrantedBy, now,
			nullTime(r.ExpiresAt)).Scan(&r.ID); err != nil {
			return err
		}
		err = tx.Append(ctx, store.Event{Kind: "exchange.right.granted", Actor: r.GrantedBy, Agency: r.Service.Provider.Member, Service: r.Service.String()},
			map[string]any{"right": r.ID, "client": r.Client.String(), "endpoint": endpointString(r.Endpoint),
				"legal_basis": r.LegalBasis, "requires_consent": r.RequiresConsent, "expires_at": r.ExpiresAt})
		return err
	})
	if err != nil {
		return AccessRight{}, errs.Wrap(op, err)
	}
	x.invalidate()
	return r, nil
}

func endpointString(e *Endpoint) string {
	if e == nil {
		return ""
	}
	return e.String()
}

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: t.UTC(), Valid: true}
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// querier is a *sql.DB or a *store.Tx.
type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func queryRights(ctx context.Context, q querier, where string, args ...any) ([]AccessRight, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, service, method, path, client, legal_basis, granted_by, granted_at, expires_at, revoked_at
		FROM exchange_rights `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AccessRight
	for rows.Next() {
		var r AccessRight
		var svc, method, path, client string
		var exp, rev sql.NullTime
		if err := rows.Scan(&r.ID, &svc, &method, &path, &client, &r.LegalBasis, &r.GrantedBy, &r.GrantedAt, &exp, &rev); err != nil {
			return nil, err
		}
		if r.Service, err = ParseServiceID(svc); err != nil {
			return nil, err
		}
		if r.Client, err = ParseSubsystemID(client); err != nil {
			return nil, err
		}
		if method != "" {
			r.Endpoint = &Endpoint{Method: method, Path: path}
		}
		r.RequiresConsent = r.LegalBasis == ""
		r.GrantedAt = r.GrantedAt.UTC()
		r.ExpiresAt, r.RevokedAt = timePtr(exp), timePtr(rev)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RevokeRight revokes an access right at once. Only the provider's agency
// may.
func (x *Exchange) RevokeRight(ctx context.Context, p identity.Principal, id int64) error {
	const op = "exchange.RevokeRight"
	r, err := x.Right(ctx, id)
	if err != nil {
		return err
	}
	if !isAgency(p, r.Service.Provider.Member) {
		if p.Has(identity.RolePlatformAdmin) {
			return forbidden(op, "access rights are revoked by the provider's agency, never by the platform",
				"مجوز دسترسی را تنها دستگاه فراهم‌کنندهٔ داده لغو می‌کند، نه سامانه")
		}
		return forbidden(op, "only the provider's own agency revokes access to its services",
			"تنها خود دستگاه فراهم‌کننده مجوز دسترسی به سرویس‌هایش را لغو می‌کند")
	}
	err = x.st.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE exchange_rights SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL`,
			x.now(), actor(p), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errs.E(op, errs.Conflict, "this access right is already revoked", "این مجوز دسترسی پیش‌تر لغو شده است")
		}
		err = tx.Append(ctx, store.Event{Kind: "exchange.right.revoked", Actor: actor(p), Agency: r.Service.Provider.Member, Service: r.Service.String()},
			map[string]any{"right": id, "client": r.Client.String()})
		return err
	})
	if err == nil {
		// Before returning: on this node the right is never honoured again.
		x.invalidate()
	}
	return errs.Wrap(op, err)
}

// Right returns one access right, or errs.NotFound.
func (x *Exchange) Right(ctx context.Context, id int64) (AccessRight, error) {
	const op = "exchange.Right"
	list, err := queryRights(ctx, x.st.Read(), `WHERE id = $1`, id)
	if err != nil {
		return AccessRight{}, errs.Wrap(op, err)
	}
	if len(list) == 0 {
		return AccessRight{}, errs.NotFoundf(op, "access right", "مجوز دسترسی")
	}
	return list[0], nil
}

// Rights lists the access rights, current and past, to the services of
// provider, oldest first.
func (x *Exchange) Rights(ctx context.Context, provider SubsystemID) ([]AccessRight, error) {
	list, err := queryRights(ctx, x.st.Read(), `WHERE provider = $1`, provider.String())
	return list, errs.Wrap("exchange.Rights", err)
}

// active reports whether r is in force at t.
func (r AccessRight) active(t time.Time) bool {
	return (r.RevokedAt == nil || r.RevokedAt.After(t)) && (r.ExpiresAt == nil || r.ExpiresAt.After(t)) && !r.GrantedAt.After(t)
}

// AllowedServices lists the current services of provider that client holds
// a right to at time at (allowedMethods in the directory).
func (x *Exchange) AllowedServices(ctx context.Context, provider, client SubsystemID, at time.Time) ([]DataService, error) {
	const op = "exchange.AllowedServices"
	rights, err := queryRights(ctx, x.st.Read(), `WHERE provider = $1 AND client = $2`, provider.String(), client.String())
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	allowed := map[string]bool{}
	for _, r := range rights {
		if r.active(at) {
			allowed[r.Service.String()] = true
		}
	}
	all, err := x.Services(ctx, provider)
	if err != nil {
		return nil, err
	}
	var out []DataService
	for _, s := range all {
		if allowed[s.ID.String()] {
			out = append(out, s)
		}
	}
	return out, nil
}
