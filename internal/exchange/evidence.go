package exchange

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/panjare/panjare/internal/agencycode"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
)

// The platform's own member and the subsystem that fetches evidence for
// citizens' applications (once-only: the citizen never brings what an agency
// already holds). Providers grant this subsystem access like any other.
const (
	PlatformMember     = "PANJARE"
	OnceOnlySubsystem  = "once-only"
	platformClass      = "GOV"
	maxEvidenceRefRune = 100
)

// OnceOnlyClient returns the identifier of the platform's once-only client
// subsystem in this instance, such as IR/GOV/PANJARE/once-only.
func (x *Exchange) OnceOnlyClient() SubsystemID {
	return SubsystemID{Instance: x.instance, Class: platformClass, Member: PlatformMember, Subsystem: OnceOnlySubsystem}
}

// ResolveInquiry maps a catalogue evidence reference "MEMBER/SERVICE" (such
// as "NOCR/person-identity") to the registered data service: the service
// with that code offered by a GOV subsystem of that member in this instance.
// It fails with errs.NotFound when no such service is registered, and with
// errs.Invalid for a malformed reference.
func (x *Exchange) ResolveInquiry(ctx context.Context, inquiry string) (DataService, error) {
	const op = "exchange.ResolveInquiry"
	member, code, ok := strings.Cut(inquiry, "/")
	if !ok || len(inquiry) > maxEvidenceRefRune || !agencycode.Valid(member) || !validCode(code) {
		return DataService{}, errs.E(op, errs.Invalid, `the inquiry must be written "MEMBER/SERVICE", such as NOCR/person-identity`,
			`استعلام باید به شکل «MEMBER/SERVICE» نوشته شود، مانند NOCR/person-identity`)
	}
	subs, err := x.subsystems(ctx, op, `SELECT id, name_fa, callback_url, created_at FROM exchange_subsystems
		WHERE instance = $1 AND class = $2 AND member = $3 ORDER BY id`, x.instance, platformClass, member)
	if err != nil {
		return DataService{}, err
	}
	for _, s := range subs {
		svc, err := x.Service(ctx, ServiceID{Provider: s.ID, Code: code})
		if err == nil {
			return svc, nil
		}
		if !errs.Is(err, errs.NotFound) {
			return DataService{}, err
		}
	}
	return DataService{}, errs.NotFoundf(op, "data service "+inquiry, "سرویس دادهٔ "+inquiry)
}

// HasInquiry reports whether a data service in this instance answers the
// catalogue's inquiry "MEMBER/SERVICE" about one citizen, as Evidence needs.
// A malformed reference is not an inquiry the exchange has. The catalogue
// asks it before publishing a record (catalog.Inquiries).
func (x *Exchange) HasInquiry(ctx context.Context, inquiry string) (bool, error) {
	svc, err := x.ResolveInquiry(ctx, inquiry)
	switch {
	case errs.Is(err, errs.NotFound) || errs.Is(err, errs.Invalid):
		return false, nil
	case err != nil:
		return false, err
	}
	_, ok := subjectPath(svc, "0000000000") // any code: only the path's shape matters
	return svc.Personal && ok, nil
}

// subjectPath returns the path that asks svc about subject: its GET
// endpoint with exactly one {parameter}, filled with the national code.
func subjectPath(svc DataService, subject string) (string, bool) {
	for _, e := range svc.Endpoints {
		if e.Method != http.MethodGet || strings.HasSuffix(e.Path, "/*") {
			continue
		}
		segs := strings.Split(e.Path, "/")
		n := -1
		for i, s := range segs {
			if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
				if n >= 0 {
					n = -2
					break
				}
				n = i
			}
		}
		if n >= 0 {
			segs[n] = url.PathEscape(subject)
			return strings.Join(segs, "/"), true
		}
	}
	return "", false
}

// Evidence fetches one piece of once-only evidence about a citizen: the
// catalogue's inquiry "MEMBER/SERVICE" is resolved to the data service, and
// the platform's once-only client asks it through Inquire, with the same
// authorization, consent or legal basis, logging and signing as any other
// inquiry, so the citizen sees it in their data tracker. It returns the
// provider's JSON answer and the signed receipt.
//
// Errors: errs.Invalid for a malformed subject or reference, errs.NotFound
// when the service is not registered or the provider has no record of the
// subject, the gateway's typed errors (access denied, consent required,
// provider unavailable, timeout) otherwise.
func (g *Gateway) Evidence(ctx context.Context, subject, inquiry, purpose string) (json.RawMessage, Receipt, error) {
	const op = "exchange.Evidence"
	subject = persian.NormalizeNationalCode(subject)
	if persian.CheckNationalCode(subject) != nil {
		return nil, Receipt{}, errs.E(op, errs.Invalid, "the national code is not valid", "کد ملی معتبر نیست")
	}
	svc, err := g.x.ResolveInquiry(ctx, inquiry)
	if err != nil {
		return nil, Receipt{}, err
	}
	path, ok := subjectPath(svc, subject)
	if !svc.Personal || !ok {
		return nil, Receipt{}, errs.E(op, errs.Invalid, "the data service "+inquiry+" does not answer about one citizen",
			"سرویس دادهٔ "+inquiry+" دربارهٔ یک شهروند پاسخ نمی‌دهد")
	}
	reply, err := g.Inquire(ctx, Inquiry{Client: g.x.OnceOnlyClient(), Service: svc.ID, Method: http.MethodGet, Path: path,
		Subject: subject, Purpose: purpose, Header: http.Header{"Accept": {"application/json"}}})
	if err != nil {
		return nil, Receipt{}, err
	}
	switch {
	case reply.Status == http.StatusNotFound:
		return nil, reply.Receipt, errs.E(op, errs.NotFound, "the agency has no record of this citizen in "+inquiry,
			"دستگاه در "+inquiry+" سابقه‌ای از این شهروند ندارد")
	case reply.Status >= 400 && reply.Status < 500:
		return nil, reply.Receipt, errs.E(op, errs.Invalid, "the agency refused the inquiry "+inquiry,
			"دستگاه استعلام "+inquiry+" را نپذیرفت")
	case reply.Status != http.StatusOK:
		return nil, reply.Receipt, errs.E(CodeProviderUnavailable, errs.Unavailable, "the agency could not answer "+inquiry,
			"دستگاه به استعلام "+inquiry+" پاسخ نداد")
	case !json.Valid(reply.Body):
		return nil, reply.Receipt, errs.E(CodeProviderUnavailable, errs.Unavailable, "the agency's answer to "+inquiry+" is not JSON",
			"پاسخ دستگاه به "+inquiry+" JSON نیست")
	}
	return json.RawMessage(reply.Body), reply.Receipt, nil
}
