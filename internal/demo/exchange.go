package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
)

// The demo exchange: the back offices as members with one subsystem each,
// their data services at the addresses where the back offices run, the
// platform's once-only client, a few other agencies' systems and a bank,
// and the access rights each provider grants them.

// clientMember is a member that only asks: it offers no data service.
type clientMember struct {
	class, code, nameFa, nameEn string
	subsystem, systemFa         string
}

var clientMembers = []clientMember{
	{"GOV", exchange.PlatformMember, "پنجره ملی خدمات دولت هوشمند", "National Window of Smart Government Services",
		exchange.OnceOnlySubsystem, "دریافت یک‌بارهٔ مدارک از دستگاه‌ها"},
	{"GOV", "SSO", "سازمان تأمین اجتماعی", "Social Security Organization", "pensions", "سامانهٔ مستمری‌ها"},
	{"COM", "BANK_MELLI", "بانک ملی ایران", "Bank Melli Iran", "loans", "سامانهٔ تسهیلات"},
}

// grant is one access right a provider gives: a legal basis, or consent
// when basis is empty.
type grant struct {
	service string // MEMBER/SERVICE
	client  string // MEMBER/SUBSYSTEM in class GOV, or COM/MEMBER/SUBSYSTEM
	basis   string
}

// onceOnlyBasis is the legal basis on which the platform fetches evidence
// for a citizen's own application.
const onceOnlyBasis = "قانون مدیریت داده‌ها و اطلاعات ملی: دستگاه‌ها اطلاعات موجود در دستگاه دیگر را از مردم مطالبه نمی‌کنند؛ استعلام برای درخواست خود شهروند"

// grants are the rights besides the once-only client's, which has every
// service of every back office.
var grants = []grant{
	{"NOCR/person-identity", "INTA/tax", "قانون مالیات‌های مستقیم: شناسایی مؤدیان و وراث"},
	{"NOCR/family", "INTA/tax", "قانون مالیات‌های مستقیم: تعیین وراث در مالیات بر ارث"},
	{"NOCR/person-alive", "SSO/pensions", "قانون تأمین اجتماعی: پرداخت مستمری تنها به بازنشستهٔ در قید حیات"},
	{"NOCR/death-record", "SSO/pensions", "قانون تأمین اجتماعی: برقراری مستمری بازماندگان"},
	{"NOCR/person-identity", "IHIO/insurance", "قانون بیمهٔ همگانی خدمات درمانی کشور: احراز هویت بیمه‌شدگان"},
	{"NOCR/person-alive", "IHIO/insurance", "قانون بیمهٔ همگانی خدمات درمانی کشور: قطع پوشش پس از فوت"},
	{"NOCR/person-identity", "COM/BANK_MELLI/loans", "قانون مبارزه با پول‌شویی: شناسایی مشتری"},
	{"INTA/tax-clearance", "COM/BANK_MELLI/loans", ""},              // the citizen decides
	{"FARAJA_RAHVAR/vehicle-ownership", "COM/BANK_MELLI/loans", ""}, // the citizen decides
}

// LoadExchange registers the demo exchange against the running back
// offices. It is idempotent: members, subsystems and rights already present
// are kept; a service whose back-end address or description changed gets a
// new version. Members are registered by the platform admin (joining the
// exchange is the platform's decision); everything a provider shares is
// registered and granted by that provider's own agency.
func LoadExchange(ctx context.Context, x *exchange.Exchange, offices *backoffice.Set) error {
	const op = "demo.LoadExchange"
	members, err := x.Members(ctx)
	if err != nil {
		return errs.Wrap(op, err)
	}
	have := map[string]bool{}
	for _, m := range members {
		have[m.Class+"/"+m.Code] = true
	}
	ensure := func(class, code, fa, en, subsystem, systemFa string) (exchange.SubsystemID, error) {
		if !have[class+"/"+code] {
			if err := x.RegisterMember(ctx, identity.System, exchange.Member{Class: class, Code: code, NameFa: fa, NameEn: en}); err != nil {
				return exchange.SubsystemID{}, err
			}
			have[class+"/"+code] = true // SSO both offers services and asks
		}
		id := exchange.SubsystemID{Instance: x.Instance(), Class: class, Member: code, Subsystem: subsystem}
		if _, err := x.Subsystem(ctx, id); errs.Is(err, errs.NotFound) {
			err = x.RegisterSubsystem(ctx, exchange.OperatorFor(code), exchange.Subsystem{ID: id, NameFa: systemFa})
			if err != nil {
				return id, err
			}
		} else if err != nil {
			return id, err
		}
		return id, nil
	}
	var services []exchange.ServiceID
	for _, o := range offices.Offices {
		provider, err := ensure("GOV", o.Member, o.NameFa, o.NameEn, o.Subsystem, o.SystemFa)
		if err != nil {
			return errs.Wrap(op, err)
		}
		for _, s := range o.Services {
			svc := exchange.DataService{ID: exchange.ServiceID{Provider: provider, Code: s.Code}, TitleFa: s.TitleFa, TitleEn: s.TitleEn,
				OpenAPI: o.OpenAPI(s), BackendURL: o.BackendURL(s.Code), Personal: s.Personal}
			cur, err := x.Service(ctx, svc.ID)
			switch {
			case errs.Is(err, errs.NotFound) || (err == nil && (cur.BackendURL != svc.BackendURL || cur.OpenAPI != svc.OpenAPI ||
				cur.Personal != svc.Personal || cur.TitleFa != svc.TitleFa || cur.TitleEn != svc.TitleEn)):
				if err := x.RegisterService(ctx, exchange.OperatorFor(o.Member), svc); err != nil {
					return errs.Wrap(op, err)
				}
			case err != nil:
				return errs.Wrap(op, err)
			}
			services = append(services, svc.ID)
		}
	}
	clients := map[string]exchange.SubsystemID{}
	for _, c := range clientMembers {
		id, err := ensure(c.class, c.code, c.nameFa, c.nameEn, c.subsystem, c.systemFa)
		if err != nil {
			return errs.Wrap(op, err)
		}
		clients[c.class+"/"+c.code+"/"+c.subsystem] = id
	}
	subsystemOf := func(ref string) (exchange.SubsystemID, error) {
		if id, ok := clients[ref]; ok {
			return id, nil
		}
		if id, ok := clients["GOV/"+ref]; ok {
			return id, nil
		}
		for _, o := range offices.Offices {
			if o.Member+"/"+o.Subsystem == ref {
				return exchange.SubsystemID{Instance: x.Instance(), Class: "GOV", Member: o.Member, Subsystem: o.Subsystem}, nil
			}
		}
		return exchange.SubsystemID{}, fmt.Errorf("%s: no demo subsystem %s", op, ref)
	}
	serviceOf := func(ref string) (exchange.ServiceID, error) {
		for _, s := range services {
			if s.Provider.Member+"/"+s.Code == ref {
				return s, nil
			}
		}
		return exchange.ServiceID{}, fmt.Errorf("%s: no demo service %s", op, ref)
	}
	all := make([]grant, 0, len(services)+len(grants))
	for _, s := range services {
		all = append(all, grant{service: s.Provider.Member + "/" + s.Code, client: "GOV/" + exchange.PlatformMember + "/" + exchange.OnceOnlySubsystem, basis: onceOnlyBasis})
	}
	all = append(all, grants...)
	rights := map[exchange.SubsystemID][]exchange.AccessRight{}
	now := time.Now()
	for _, g := range all {
		svc, err := serviceOf(g.service)
		if err != nil {
			return err
		}
		client, err := subsystemOf(g.client)
		if err != nil {
			return err
		}
		list, ok := rights[svc.Provider]
		if !ok {
			if list, err = x.Rights(ctx, svc.Provider); err != nil {
				return errs.Wrap(op, err)
			}
			rights[svc.Provider] = list
		}
		held := false
		for _, r := range list {
			if r.Service == svc && r.Client == client && r.Endpoint == nil && r.RevokedAt == nil && (r.ExpiresAt == nil || r.ExpiresAt.After(now)) {
				held = true
				break
			}
		}
		if held {
			continue
		}
		if _, err := x.Grant(ctx, exchange.OperatorFor(svc.Provider.Member), exchange.AccessRight{Service: svc, Client: client,
			LegalBasis: g.basis, RequiresConsent: g.basis == ""}); err != nil {
			return errs.Wrap(fmt.Sprintf("%s %s → %s", op, g.service, g.client), err)
		}
	}
	return nil
}

// lifeSubscriptions are the demo's subscribers to life events besides the
// platform's own applications: the pension funds stop a pension at a
// death, and the tax administration opens a file for a new company. They
// pull, so that the exchange admin page shows their backlog.
var lifeSubscriptions = []struct{ subscriber, eventType string }{
	{"GOV/SSO/pensions", exchange.EventDeath},
	{"GOV/CSPF/pensions", exchange.EventDeath},
	{"GOV/INTA/tax", exchange.EventCompanyRegistered},
}

// LoadLifeEvents subscribes the demo's agencies to the life events they
// act on. It is idempotent.
func LoadLifeEvents(ctx context.Context, x *exchange.Exchange, ps *exchange.PubSub) error {
	for _, s := range lifeSubscriptions {
		id, err := exchange.ParseSubsystemID(x.Instance() + "/" + s.subscriber)
		if err != nil {
			return err
		}
		_, err = ps.Subscribe(ctx, id, exchange.Subscription{EventType: s.eventType, Delivery: exchange.DeliveryPull})
		if err != nil && !errs.Is(err, errs.Conflict) {
			return errs.Wrap("demo.LoadLifeEvents "+s.subscriber, err)
		}
	}
	return nil
}
