package exchange

import (
	"context"
	"net/http"
	"time"

	"github.com/panjare/panjare/internal/agencycode"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
)

// The data tracker (Estonia's andmejälgija): every inquiry about a citizen,
// read from the message log, with the names of who asked, what, why and on
// which legal basis or consent. The message log is written by the gateway
// for every inquiry, so the tracker covers all of them without any agency's
// help.

// Outcomes of an inquiry, as the tracker shows them.
const (
	OutcomeAnswered = "answered"  // the provider answered
	OutcomeNoRecord = "no_record" // the provider had no record of the subject
	OutcomeRefused  = "refused"   // the gateway refused: no right, no consent, bad request
	OutcomeFailed   = "failed"    // the provider was unavailable or failed
)

// TrackedInquiry is one message log record with the names a person
// understands.
type TrackedInquiry struct {
	ID             int64       `json:"id"`
	MessageID      string      `json:"message_id"`
	At             time.Time   `json:"at"`
	Client         SubsystemID `json:"-"`
	ClientID       string      `json:"client"`
	ClientMemberFa string      `json:"client_member_fa"`
	ClientMemberEn string      `json:"client_member_en,omitempty"`
	ClientSystemFa string      `json:"client_system_fa"`
	Service        ServiceID   `json:"-"`
	ServiceID      string      `json:"service"`
	ServiceFa      string      `json:"service_fa"`
	ServiceEn      string      `json:"service_en,omitempty"`
	ProviderFa     string      `json:"provider_fa"`
	ProviderEn     string      `json:"provider_en,omitempty"`
	Purpose        string      `json:"purpose,omitempty"`
	Issue          string      `json:"issue,omitempty"`
	RightID        int64       `json:"right_id,omitempty"`    // the access right that allowed the inquiry, as logged with it
	LegalBasis     string      `json:"legal_basis,omitempty"` // the right's legal basis, when it allowed the inquiry
	ConsentID      int64       `json:"consent_id,omitempty"`  // the consent that allowed it, as logged with it
	ConsentPurpose string      `json:"consent_purpose,omitempty"`
	Outcome        string      `json:"outcome"`
	Status         int         `json:"status"`
	Error          string      `json:"error,omitempty"`
	Subject        string      `json:"-"` // national code: callers decide whether and how to show it
}

// InquiriesAbout returns the inquiries whose subject is the citizen with
// the national code, newest first: at most limit (default 100), older than
// beforeID when it is set. An invalid code is errs.Invalid, so that an
// empty subject can never list the inquiries that named nobody.
func (g *Gateway) InquiriesAbout(ctx context.Context, nationalCode string, limit int, beforeID int64) ([]TrackedInquiry, error) {
	if persian.CheckNationalCode(nationalCode) != nil {
		return nil, errs.E("exchange.InquiriesAbout", errs.Invalid, "the national code is not valid", "کد ملی معتبر نیست")
	}
	msgs, err := g.Messages(ctx, MessageFilter{Subject: nationalCode, Limit: limit, BeforeID: beforeID})
	if err != nil {
		return nil, err
	}
	return g.Describe(ctx, msgs)
}

// AgencyInquiries returns the inquiries an agency (a member code) made, or
// when served is true the ones it answered as provider, newest first.
func (g *Gateway) AgencyInquiries(ctx context.Context, member string, served bool, limit int, beforeID int64) ([]TrackedInquiry, error) {
	if !agencycode.Valid(member) {
		return nil, errs.E("exchange.AgencyInquiries", errs.Invalid, "the agency code is not valid", "کد دستگاه معتبر نیست")
	}
	f := MessageFilter{ClientMember: member, Limit: limit, BeforeID: beforeID}
	if served {
		f = MessageFilter{ProviderMember: member, Limit: limit, BeforeID: beforeID}
	}
	msgs, err := g.Messages(ctx, f)
	if err != nil {
		return nil, err
	}
	return g.Describe(ctx, msgs)
}

// Describe names the parties of each message and what allowed it: the
// legal basis or the consent recorded in the message log when the inquiry
// was made.
func (g *Gateway) Describe(ctx context.Context, msgs []Message) ([]TrackedInquiry, error) {
	const op = "exchange.Describe"
	x := g.x
	members, err := x.Members(ctx)
	if err != nil {
		return nil, err
	}
	memberNames := map[string]Member{}
	for _, m := range members {
		memberNames[m.Class+"/"+m.Code] = m
	}
	subs, err := x.Subsystems(ctx)
	if err != nil {
		return nil, err
	}
	subNames := map[SubsystemID]string{}
	for _, s := range subs {
		subNames[s.ID] = s.NameFa
	}
	services := map[ServiceID]DataService{}
	consents := map[string][]Consent{}
	out := make([]TrackedInquiry, 0, len(msgs))
	for _, m := range msgs {
		t := TrackedInquiry{ID: m.ID, MessageID: m.MessageID, At: m.At, Client: m.Client, ClientID: subsystemString(m.Client),
			Service: m.Service, ServiceID: serviceString(m.Service), Purpose: m.Purpose, Issue: m.Issue, Status: m.Status,
			Error: m.Error, Subject: m.Subject}
		cm := memberNames[m.Client.Class+"/"+m.Client.Member]
		t.ClientMemberFa, t.ClientMemberEn, t.ClientSystemFa = cm.NameFa, cm.NameEn, subNames[m.Client]
		if t.ClientMemberFa == "" {
			t.ClientMemberFa = m.Client.Member
		}
		pm := memberNames[m.Service.Provider.Class+"/"+m.Service.Provider.Member]
		t.ProviderFa, t.ProviderEn = pm.NameFa, pm.NameEn
		if t.ProviderFa == "" {
			t.ProviderFa = m.Service.Provider.Member
		}
		svc, ok := services[m.Service]
		if !ok && !m.Service.Provider.IsZero() {
			svc, err = x.Service(ctx, m.Service)
			if err != nil && !errs.Is(err, errs.NotFound) {
				return nil, errs.Wrap(op, err)
			}
			services[m.Service] = svc
		}
		t.ServiceFa, t.ServiceEn = svc.TitleFa, svc.TitleEn
		if t.ServiceFa == "" {
			t.ServiceFa = m.Service.Code
		}
		switch {
		case m.Error != "" && m.Error != CodeProviderUnavailable && m.Error != CodeTimeout:
			t.Outcome = OutcomeRefused
		case m.Error != "" || m.Status >= 500:
			t.Outcome = OutcomeFailed
		case m.Status == http.StatusNotFound:
			t.Outcome = OutcomeNoRecord
		case m.Status >= 400:
			t.Outcome = OutcomeRefused
		default:
			t.Outcome = OutcomeAnswered
		}
		// What allowed it was recorded with the inquiry, so the tracker
		// shows the basis in force then, even if the right was revoked or
		// changed since.
		t.RightID, t.ConsentID = m.RightID, m.ConsentID
		if m.ConsentID == 0 {
			t.LegalBasis = m.Basis
		}
		if m.ConsentID != 0 && m.Subject != "" {
			cs, ok := consents[m.Subject]
			if !ok {
				if cs, err = x.Consents(ctx, m.Subject); err != nil {
					return nil, err
				}
				consents[m.Subject] = cs
			}
			for _, c := range cs {
				if c.ID == m.ConsentID {
					t.ConsentPurpose = c.Purpose
					break
				}
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// ConsentableRight is an access right that needs the citizen's consent:
// a client that may ask a citizen for it.
type ConsentableRight struct {
	AccessRight
	ClientMemberFa string
	ClientSystemFa string
	ServiceFa      string
	ProviderFa     string
}

// ConsentableRights lists the rights in force that require consent, with
// names, ordered by client and service: the clients a citizen may consent to.
func (x *Exchange) ConsentableRights(ctx context.Context, at time.Time) ([]ConsentableRight, error) {
	members, err := x.Members(ctx)
	if err != nil {
		return nil, err
	}
	memberNames := map[string]string{}
	for _, m := range members {
		memberNames[m.Class+"/"+m.Code] = m.NameFa
	}
	subs, err := x.Subsystems(ctx)
	if err != nil {
		return nil, err
	}
	subNames := map[SubsystemID]string{}
	for _, s := range subs {
		subNames[s.ID] = s.NameFa
	}
	var out []ConsentableRight
	for _, s := range subs {
		rights, err := x.Rights(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		titles := map[ServiceID]string{}
		for _, r := range rights {
			if !r.RequiresConsent || !r.active(at) {
				continue
			}
			title, ok := titles[r.Service]
			if !ok {
				svc, err := x.Service(ctx, r.Service)
				if err != nil {
					return nil, err
				}
				title = svc.TitleFa
				titles[r.Service] = title
			}
			out = append(out, ConsentableRight{AccessRight: r, ClientMemberFa: memberNames[r.Client.Class+"/"+r.Client.Member],
				ClientSystemFa: subNames[r.Client], ServiceFa: title, ProviderFa: memberNames[r.Service.Provider.Class+"/"+r.Service.Provider.Member]})
		}
	}
	return out, nil
}

// InquiryEvents returns the id of the exchange.inquiry event of each of the
// inquiries about subject named by messageIDs (as the data tracker lists
// them), so that a receipt can name its place in the ledger. An inquiry
// whose event is not found is left out. It reads only the subject's own
// inquiry events.
func (g *Gateway) InquiryEvents(ctx context.Context, subject string, messageIDs []string) (map[string]int64, error) {
	ids, err := g.s.EventIDsBy(ctx, EventInquiry, subject, "message_id", messageIDs)
	if err != nil {
		return nil, errs.Wrap("exchange.InquiryEvents", err)
	}
	return ids, nil
}
