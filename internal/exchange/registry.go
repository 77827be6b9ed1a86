package exchange

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"embed"
	"io/fs"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
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

	mu   sync.Mutex
	root *rootCA // loaded or created on first use
}

// New returns the exchange of the platform instance (such as "IR") on st.
func New(s *store.Store, instance string) *Exchange {
	return &Exchange{st: s, instance: instance}
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
	ID        SubsystemID
	NameFa    string
	CreatedAt time.Time
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

// Decision is what allowed a call.
type Decision struct {
	Service   DataService
	Right     AccessRight
	ConsentID int64  // 0 when the right's legal basis allowed it
	Basis     string // the legal basis, or "consent"
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

var errTODO = errs.E("exchange", errs.Unavailable, "not built yet", "هنوز ساخته نشده است")

// RegisterMember registers a member. Only a platform admin may.
func (x *Exchange) RegisterMember(ctx context.Context, p identity.Principal, m Member) error {
	return errTODO
}

// RegisterSubsystem registers a subsystem of an existing member: the
// member's agency or a platform admin may.
func (x *Exchange) RegisterSubsystem(ctx context.Context, p identity.Principal, s Subsystem) error {
	return errTODO
}

// RegisterService registers a data service, or a new version of it. Only
// the provider's agency may.
func (x *Exchange) RegisterService(ctx context.Context, p identity.Principal, svc DataService) error {
	return errTODO
}

// Grant gives a client subsystem access to a service. Only the provider's
// agency may: a platform admin is refused.
func (x *Exchange) Grant(ctx context.Context, p identity.Principal, r AccessRight) (AccessRight, error) {
	return AccessRight{}, errTODO
}

// RevokeRight revokes an access right. Only the provider's agency may.
func (x *Exchange) RevokeRight(ctx context.Context, p identity.Principal, id int64) error {
	return errTODO
}

// Rights lists the access rights to the services of provider.
func (x *Exchange) Rights(ctx context.Context, provider SubsystemID) ([]AccessRight, error) {
	return nil, errTODO
}

// Members lists the members.
func (x *Exchange) Members(ctx context.Context) ([]Member, error) { return nil, errTODO }

// Subsystems lists the subsystems.
func (x *Exchange) Subsystems(ctx context.Context) ([]Subsystem, error) { return nil, errTODO }

// Subsystem returns one subsystem, or errs.NotFound.
func (x *Exchange) Subsystem(ctx context.Context, id SubsystemID) (Subsystem, error) {
	return Subsystem{}, errTODO
}

// Services lists the current version of each service of provider.
func (x *Exchange) Services(ctx context.Context, provider SubsystemID) ([]DataService, error) {
	return nil, errTODO
}

// Service returns the current version of a service, or errs.NotFound.
func (x *Exchange) Service(ctx context.Context, id ServiceID) (DataService, error) {
	return DataService{}, errTODO
}

// AllowedServices lists the services of provider that client may call at at.
func (x *Exchange) AllowedServices(ctx context.Context, provider, client SubsystemID, at time.Time) ([]DataService, error) {
	return nil, errTODO
}

// Authorize decides whether a call may go through.
func (x *Exchange) Authorize(ctx context.Context, r AccessRequest) (Decision, error) {
	return Decision{}, errTODO
}

// GiveConsent records a citizen's consent. p must be the citizen.
func (x *Exchange) GiveConsent(ctx context.Context, p identity.Principal, c Consent) (Consent, error) {
	return Consent{}, errTODO
}

// WithdrawConsent withdraws one of p's consents.
func (x *Exchange) WithdrawConsent(ctx context.Context, p identity.Principal, id int64) error {
	return errTODO
}

// Consents lists the consents of a subject.
func (x *Exchange) Consents(ctx context.Context, subject string) ([]Consent, error) {
	return nil, errTODO
}

type rootCA struct{}

// IssueCertificate issues a client certificate for a subsystem.
func (x *Exchange) IssueCertificate(ctx context.Context, p identity.Principal, sub SubsystemID, validity time.Duration) (cert Certificate, certPEM, keyPEM []byte, err error) {
	return Certificate{}, nil, nil, errTODO
}

// RotateCertificate issues a new certificate and revokes the old one.
func (x *Exchange) RotateCertificate(ctx context.Context, p identity.Principal, serial string) (Certificate, []byte, []byte, error) {
	return Certificate{}, nil, nil, errTODO
}

// RevokeCertificate revokes a certificate.
func (x *Exchange) RevokeCertificate(ctx context.Context, p identity.Principal, serial, reason string) error {
	return errTODO
}

// Certificates lists a subsystem's certificates.
func (x *Exchange) Certificates(ctx context.Context, sub SubsystemID) ([]Certificate, error) {
	return nil, errTODO
}

// RootPool returns a pool holding the platform root, and its PEM.
func (x *Exchange) RootPool(ctx context.Context) (*x509.CertPool, []byte, error) {
	return nil, nil, errTODO
}

// ServerCertificate issues a server certificate for the mTLS listener.
func (x *Exchange) ServerCertificate(ctx context.Context, hosts []string) (tls.Certificate, error) {
	return tls.Certificate{}, errTODO
}

// ClientFromCertificate maps a verified peer certificate to its subsystem.
func (x *Exchange) ClientFromCertificate(ctx context.Context, cert *x509.Certificate) (SubsystemID, error) {
	return SubsystemID{}, errTODO
}
