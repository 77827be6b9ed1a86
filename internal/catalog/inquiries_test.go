package catalog

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// personOpenAPI describes a data service answering about one citizen.
const personOpenAPI = `{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
	"paths": {"/persons/{nationalCode}": {"get": {"responses": {"200": {"description": "ok"}}}}}}`

// registerInquiry registers member's data service code in x, as the
// agency's operator would.
func registerInquiry(t *testing.T, ctx context.Context, x *exchange.Exchange, member, code string) {
	t.Helper()
	id := exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: member, Subsystem: "records"}
	if _, err := x.Subsystem(ctx, id); errs.Is(err, errs.NotFound) {
		if err := x.RegisterMember(ctx, identity.System, exchange.Member{Class: "GOV", Code: member, NameFa: "دستگاه " + member}); err != nil {
			t.Fatal(err)
		}
		if err := x.RegisterSubsystem(ctx, exchange.OperatorFor(member), exchange.Subsystem{ID: id, NameFa: "سامانهٔ " + member}); err != nil {
			t.Fatal(err)
		}
	}
	if err := x.RegisterService(ctx, exchange.OperatorFor(member), exchange.DataService{ID: exchange.ServiceID{Provider: id, Code: code},
		TitleFa: code, OpenAPI: personOpenAPI, BackendURL: "http://127.0.0.1:1/" + code, Personal: true}); err != nil {
		t.Fatal(err)
	}
}

// TestPublishRefusesUnknownInquiry: with the exchange wired in, a record
// whose evidence names an inquiry no data service answers is refused with a
// Persian and English message naming it; the draft is kept as it was and
// nothing is published. Once the holding agency registers the service, the
// same draft publishes.
func TestPublishRefusesUnknownInquiry(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := mustCatalog(t, ctx, s, nil)
		for _, a := range []Agency{
			{Code: "JUD", NameFa: "قوه قضاییه", NameEn: "Judiciary", Domain: DomainJudicial, Connected: true},
			{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور", Domain: DomainCivil, Connected: true},
			{Code: "JUDICIARY_IT", NameFa: "مرکز آمار و فناوری اطلاعات قوه قضاییه", Domain: DomainJudicial, Connected: true},
		} {
			if err := c.PutAgency(ctx, admin, a); err != nil {
				t.Fatal(err)
			}
		}
		x := exchange.New(s, "IR")
		registerInquiry(t, ctx, x, "NOCR", "person-identity")
		c.CheckInquiries(x)

		rec := smartRecord()
		rec.Requirements = append(rec.Requirements, Requirement{Code: "travel", NameFa: "نبود منع خروج", Evidence: []Evidence{
			{Code: "exit_ban", NameFa: "ممنوع‌الخروجی", Source: FromInquiry, HeldBy: "JUDICIARY_IT", Inquiry: "JUDICIARY_IT/exit-ban"}}})
		d, err := c.SaveDraft(ctx, jud, 0, rec)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Publish(ctx, jud, d.Key)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid {
			t.Fatalf("err = %v, want Invalid", err)
		}
		if !strings.Contains(e.En, "JUDICIARY_IT/exit-ban") || !strings.Contains(e.Fa, "JUDICIARY_IT/exit-ban") || !strings.Contains(e.Fa, "درگاه تبادل") {
			t.Errorf("the message does not name the inquiry: %q / %q", e.En, e.Fa)
		}
		if got := fields(e.Fields); !reflect.DeepEqual(got, []string{"requirements[1].evidence[0].inquiry"}) {
			t.Errorf("fields = %q", got)
		}
		// Nothing stored is lost, nothing is published.
		again, err := c.Draft(ctx, d.Key)
		if err != nil || !reflect.DeepEqual(again.Record, d.Record) || again.Version != d.Version || again.ID != "" {
			t.Fatalf("draft after the refusal = %+v, %v", again, err)
		}
		if n := len(events(t, ctx, s, evPublished)); n != 0 {
			t.Fatalf("%d published events after a refusal", n)
		}
		if list, err := c.Published(ctx); err != nil || len(list) != 0 {
			t.Fatalf("published after a refusal: %d %v", len(list), err)
		}
		// The judiciary registers its service: the same draft publishes.
		registerInquiry(t, ctx, x, "JUDICIARY_IT", "exit-ban")
		svc, err := c.Publish(ctx, jud, d.Key)
		if err != nil || svc.ID == "" {
			t.Fatalf("publish after registration = %+v, %v", svc, err)
		}
		// Without the exchange wired in, the catalogue alone does not check.
		c.CheckInquiries(nil)
		other := smartRecord()
		other.TitleFa += " دوم"
		other.Requirements[0].Evidence[0].Inquiry = "NOCR/no-such-service"
		mustPublish(t, ctx, c, jud, other)
	}, identity.Migrations(), Migrations(), exchange.Migrations())
}
