package exchange_test

import (
	"context"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestAuthorize(t *testing.T) {
	storetest.Run(t, testAuthorize, exchange.Migrations())
}

// testAuthorize covers every access decision. Each client plays one part:
//
//	INTA/tax          a legal basis for GET /persons/{code} of person-identity, and stats
//	FARAJA/police     consent required, the whole of person-identity and person-family
//	SALAMAT/insurance consent required, person-identity
//	EDU/degrees       a revoked right to person-identity
//	SABT/vehicles     a legal basis to person-identity that expires in an hour
//	MCLS/labour       no right at all
func testAuthorize(t *testing.T, s *store.Store) {
	ctx := context.Background()
	x := fixture(t, s)
	nocr := agency("NOCR")
	person := svcID(t, "IR/GOV/NOCR/population/person-identity")
	family := svcID(t, "IR/GOV/NOCR/population/person-family")
	stats := svcID(t, "IR/GOV/NOCR/population/stats")
	tax, police, insurance := sub(t, "IR/GOV/INTA/tax"), sub(t, "IR/GOV/FARAJA/police"), sub(t, "IR/GOV/SALAMAT/insurance")
	degrees, vehicles, labour := sub(t, "IR/GOV/EDU/degrees"), sub(t, "IR/GOV/SABT/vehicles"), sub(t, "IR/GOV/MCLS/labour")
	now := time.Now().UTC()
	inAnHour := now.Add(time.Hour)

	grant := func(r exchange.AccessRight) exchange.AccessRight {
		t.Helper()
		got, err := x.Grant(ctx, nocr, r)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	ep := exchange.Endpoint{Method: "GET", Path: "/persons/{code}"}
	taxRight := grant(exchange.AccessRight{Service: person, Client: tax, Endpoint: &ep, LegalBasis: "قانون مالیات‌های مستقیم"})
	grant(exchange.AccessRight{Service: stats, Client: tax, LegalBasis: "گزارش آماری"})
	policeRight := grant(exchange.AccessRight{Service: person, Client: police})
	grant(exchange.AccessRight{Service: family, Client: police})
	grant(exchange.AccessRight{Service: person, Client: insurance})
	revoked := grant(exchange.AccessRight{Service: person, Client: degrees, LegalBasis: "قانون آموزش"})
	if err := x.RevokeRight(ctx, nocr, revoked.ID); err != nil {
		t.Fatal(err)
	}
	grant(exchange.AccessRight{Service: person, Client: vehicles, LegalBasis: "قانون راهنمایی و رانندگی", ExpiresAt: &inAnHour})

	me, withdrawn, expiring, stranger := "0067749828", nationalCode("123456789"), nationalCode("987654321"), nationalCode("555666777")
	give := func(nc string, client exchange.SubsystemID, svc exchange.ServiceID, until time.Time) exchange.Consent {
		t.Helper()
		c, err := x.GiveConsent(ctx, citizen(nc), exchange.Consent{Client: client, Service: svc, Purpose: "استعلام برای پرونده", Until: until})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	myConsent := give(me, police, person, now.Add(30*24*time.Hour))
	gone := give(withdrawn, police, person, now.Add(30*24*time.Hour))
	if err := x.WithdrawConsent(ctx, citizen(withdrawn), gone.ID); err != nil {
		t.Fatal(err)
	}
	give(expiring, police, person, inAnHour)

	type want struct {
		op      string // "" for allowed
		kind    errs.Kind
		consent int64
		basis   string
		rightID int64
	}
	allowed := func(right int64, basis string, consent int64) want {
		return want{rightID: right, basis: basis, consent: consent}
	}
	denied := func(op string, k errs.Kind) want { return want{op: op, kind: k} }
	req := func(client exchange.SubsystemID, svc exchange.ServiceID, method, path, subject string) exchange.AccessRequest {
		return exchange.AccessRequest{Client: client, Service: svc, Method: method, Path: path, Subject: subject, Purpose: "بررسی پرونده"}
	}
	at := func(r exchange.AccessRequest, t time.Time) exchange.AccessRequest { r.At = t; return r }
	cases := []struct {
		name string
		req  exchange.AccessRequest
		want want
	}{
		{"legal basis", req(tax, person, "GET", "/persons/"+me, me), allowed(taxRight.ID, "قانون مالیات‌های مستقیم", 0)},
		{"legal basis without consent of the subject", req(tax, person, "GET", "/persons/"+stranger, stranger), allowed(taxRight.ID, "قانون مالیات‌های مستقیم", 0)},
		{"data that is not personal", req(tax, stats, "GET", "/stats", ""), allowed(0, "گزارش آماری", 0)},
		{"unknown client", req(sub(t, "IR/GOV/NOPE/x"), person, "GET", "/persons/"+me, me), denied(exchange.CodeUnknownClient, errs.Unauthorized)},
		{"client of another instance", req(sub(t, "EE/GOV/INTA/tax"), person, "GET", "/persons/"+me, me), denied(exchange.CodeUnknownClient, errs.Unauthorized)},
		{"malformed client", req(exchange.SubsystemID{Instance: "IR"}, person, "GET", "/persons/"+me, me), denied(exchange.CodeBadRequest, errs.Invalid)},
		{"unknown service", req(tax, svcID(t, "IR/GOV/NOCR/population/nothing"), "GET", "/persons/"+me, me), denied(exchange.CodeUnknownService, errs.NotFound)},
		{"service of an unknown provider", req(tax, svcID(t, "IR/GOV/NOPE/x/y"), "GET", "/", ""), denied(exchange.CodeUnknownService, errs.NotFound)},
		{"no right", req(labour, person, "GET", "/persons/"+me, me), denied(exchange.CodeAccessDenied, errs.Forbidden)},
		{"right for another endpoint", req(tax, person, "GET", "/persons/"+me+"/family", me), denied(exchange.CodeAccessDenied, errs.Forbidden)},
		{"right for another method", req(tax, person, "DELETE", "/persons/"+me, me), denied(exchange.CodeAccessDenied, errs.Forbidden)},
		{"right for another client", req(labour, stats, "GET", "/stats", ""), denied(exchange.CodeAccessDenied, errs.Forbidden)},
		{"revoked right", req(degrees, person, "GET", "/persons/"+me, me), denied(exchange.CodeAccessDenied, errs.Forbidden)},
		{"right before it expires", req(vehicles, person, "GET", "/persons/"+me, me), allowed(0, "قانون راهنمایی و رانندگی", 0)},
		{"expired right", at(req(vehicles, person, "GET", "/persons/"+me, me), now.Add(2*time.Hour)), denied(exchange.CodeAccessDenied, errs.Forbidden)},
		{"personal data without subject", req(tax, person, "GET", "/persons/"+me, ""), denied(exchange.CodeBadRequest, errs.Invalid)},
		{"invalid national code", req(tax, person, "GET", "/persons/1234567890", "1234567890"), denied(exchange.CodeBadRequest, errs.Invalid)},
		{"national code in Persian digits", req(tax, person, "GET", "/persons/x", "۰۰۶۷۷۴۹۸۲۸"), denied(exchange.CodeBadRequest, errs.Invalid)},
		{"bad path", req(tax, person, "GET", "/persons/../admin", me), denied(exchange.CodeBadRequest, errs.Invalid)},
		{"bad method", req(tax, person, "get", "/persons/"+me, me), denied(exchange.CodeBadRequest, errs.Invalid)},
		{"consent granted", req(police, person, "GET", "/persons/"+me, me), allowed(policeRight.ID, "consent", myConsent.ID)},
		{"consent required but none given", req(insurance, person, "GET", "/persons/"+stranger, stranger), denied(exchange.CodeConsentRequired, errs.Forbidden)},
		{"consent withdrawn", req(police, person, "GET", "/persons/"+withdrawn, withdrawn), denied(exchange.CodeConsentRequired, errs.Forbidden)},
		{"consent before it expires", req(police, person, "GET", "/persons/"+expiring, expiring), allowed(policeRight.ID, "consent", -1)},
		{"consent expired", at(req(police, person, "GET", "/persons/"+expiring, expiring), now.Add(2*time.Hour)), denied(exchange.CodeConsentRequired, errs.Forbidden)},
		{"consent for another client", req(insurance, person, "GET", "/persons/"+me, me), denied(exchange.CodeConsentRequired, errs.Forbidden)},
		{"consent for another service", req(police, family, "GET", "/persons/"+me+"/family", me), denied(exchange.CodeConsentRequired, errs.Forbidden)},
		{"consent of another subject", req(police, person, "GET", "/persons/"+stranger, stranger), denied(exchange.CodeConsentRequired, errs.Forbidden)},
		// The decision is about the subject the request names; the path is
		// the provider's to interpret, and the provider must answer about
		// the subject the gateway passes on, not about a code in the path.
		{"consent of one subject, path of another", req(police, person, "GET", "/persons/"+stranger, me), allowed(policeRight.ID, "consent", myConsent.ID)},
	}
	for _, c := range cases {
		d, err := x.Authorize(ctx, c.req)
		if c.want.op != "" {
			wantErr(t, c.name, err, c.want.kind, c.want.op)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if d.Basis != c.want.basis || (c.want.rightID != 0 && d.Right.ID != c.want.rightID) ||
			(c.want.consent >= 0 && d.ConsentID != c.want.consent) || (c.want.consent < 0 && d.ConsentID == 0) ||
			d.Service.ID != c.req.Service || d.Right.Client != c.req.Client {
			t.Errorf("%s: decision %+v, want %+v", c.name, d, c.want)
		}
	}
}
