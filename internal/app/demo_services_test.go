package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// mustDemo assembles the demo on engine d as `panjare demo` does (the
// catalogue loaded, the back offices running behind the exchange) without
// serving HTTP or running jobs: tests call the capabilities' verbs.
func mustDemo(t *testing.T, d store.Dialect) (*app.App, context.Context) {
	t.Helper()
	cfg := app.Defaults()
	cfg.DemoIdP, cfg.Demo, cfg.Jobs = true, true, false
	cfg.Addr, cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "127.0.0.1:0", "", ""
	cfg.BaseURL = "http://127.0.0.1:1"
	cfg.DataDir = t.TempDir()
	cfg.DB = storetest.DSN(t, d)
	cfg.Version = "test"
	ctx := context.Background()
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.LoadDemo(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := a.StartDemoExchange(ctx, 0); err != nil {
		t.Fatal(err)
	}
	return a, ctx
}

// publishedInquiries returns, for every inquiry a published demo record
// names, the titles of the services that name it.
func publishedInquiries(t *testing.T, ctx context.Context, a *app.App) map[string][]string {
	t.Helper()
	all, err := a.Catalog.Published(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, svc := range all {
		for _, rq := range svc.Record.Requirements {
			for _, ev := range rq.Evidence {
				if ev.Source == catalog.FromInquiry {
					out[ev.Inquiry] = append(out[ev.Inquiry], svc.Record.TitleEn)
				}
			}
		}
	}
	return out
}

// TestDemoInquiriesExist holds the catalogue and the exchange to one
// invariant: every inquiry a published demo record names is a data service
// of the demo exchange that answers about one citizen.
func TestDemoInquiriesExist(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			if d == store.Postgres {
				storetest.DSN(t, d) // skips without PostgreSQL
			}
			a, ctx := mustDemo(t, d)
			named := publishedInquiries(t, ctx, a)
			if len(named) < 80 {
				t.Fatalf("the demo names %d inquiries", len(named))
			}
			for inq, by := range named {
				ok, err := a.Exchange.HasInquiry(ctx, inq)
				if err != nil {
					t.Fatal(err)
				}
				if !ok {
					t.Errorf("%s, named by %d services (such as %q), is not in the exchange", inq, len(by), by[0])
				}
			}
		})
	}
}

// TestPublishChecksTheExchange: outside the demo, the assembled node
// refuses to publish a record naming an inquiry its exchange does not have,
// and keeps the draft; in the demo the same holds once the back offices
// are registered.
func TestPublishChecksTheExchange(t *testing.T) {
	rec := testRecord
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			cfg := app.Defaults()
			cfg.Addr, cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "127.0.0.1:0", "", ""
			cfg.DataDir = t.TempDir()
			cfg.DB = storetest.DSN(t, d)
			ctx := context.Background()
			a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if err := a.Catalog.PutAgency(ctx, identity.System, catalog.Agency{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور",
				Domain: catalog.DomainCivil, Connected: true}); err != nil {
				t.Fatal(err)
			}
			draft, err := a.Catalog.SaveDraft(ctx, identity.System, 0, rec("NOCR/exit-ban"))
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.Catalog.Publish(ctx, identity.System, draft.Key)
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.Invalid || !strings.Contains(e.En, "NOCR/exit-ban") || !strings.Contains(e.Fa, "NOCR/exit-ban") {
				t.Fatalf("publish naming an unknown inquiry: %v", err)
			}
			if len(e.Fields) != 1 || e.Fields[0].Field != "requirements[0].evidence[0].inquiry" {
				t.Errorf("problems: %+v", e.Fields)
			}
			if again, err := a.Catalog.Draft(ctx, draft.Key); err != nil || again.Record.Requirements[0].Evidence[0].Inquiry != "NOCR/exit-ban" || again.ID != "" {
				t.Fatalf("the draft after the refusal: %+v %v", again, err)
			}
		})
	}
	t.Run("demo", func(t *testing.T) {
		a, ctx := mustDemo(t, store.SQLite)
		draft, err := a.Catalog.SaveDraft(ctx, identity.System, 0, rec("NOCR/exit-ban"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.Publish(ctx, identity.System, draft.Key); !errs.Is(err, errs.Invalid) {
			t.Fatalf("the demo published a record naming an inquiry no back office serves: %v", err)
		}
		good := rec("NOCR/person-identity")
		good.TitleFa += " دوم"
		if draft, err = a.Catalog.SaveDraft(ctx, identity.System, 0, good); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Catalog.Publish(ctx, identity.System, draft.Key); err != nil {
			e, _ := errs.As(err)
			t.Fatalf("publishing a served inquiry: %v %+v", err, e.Fields)
		}
	})
}

// TestPublishRefusedOverTheAPI: an agency's back office publishing, through
// the real HTTP API of a node outside the demo, a record whose evidence
// names an inquiry the exchange does not have gets a 400
// application/problem+json naming the inquiry in Persian and English, and
// the draft it saved is still there, unchanged.
func TestPublishRefusedOverTheAPI(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			srv := mustServe(t, d, func(c *app.Config) { c.Demo = false }, nil)
			a, ctx := srv.App, srv.Ctx
			if err := a.Catalog.PutAgency(ctx, identity.System, catalog.Agency{Code: "NOCR", NameFa: "سازمان ثبت احوال کشور",
				Domain: catalog.DomainCivil, Connected: true}); err != nil {
				t.Fatal(err)
			}
			_, key, err := a.Identity.IssueKey(ctx, identity.System, "NOCR", "back office")
			if err != nil {
				t.Fatal(err)
			}
			call := func(method, path string, body any) (int, string, []byte) {
				t.Helper()
				var rd io.Reader
				if body != nil {
					b, _ := json.Marshal(body)
					rd = bytes.NewReader(b)
				}
				req, _ := http.NewRequest(method, srv.Base+path, rd)
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header.Get("Content-Type"), b
			}
			rec := testRecord("NOCR/exit-ban")
			code, _, body := call("POST", "/api/v1/agency/drafts", rec)
			var d struct{ Draft int64 }
			if code != 201 || json.Unmarshal(body, &d) != nil {
				t.Fatalf("create draft: %d %s", code, body)
			}
			path := "/api/v1/agency/drafts/" + strconv.FormatInt(d.Draft, 10)
			code, ct, body := call("POST", path+"/publish", nil)
			var raw map[string]any
			if code != 400 || !strings.HasPrefix(ct, "application/problem+json") || json.Unmarshal(body, &raw) != nil {
				t.Fatalf("publish: %d %s %s", code, ct, body)
			}
			if en, fa := fmt.Sprint(raw["detail"]), fmt.Sprint(raw["detail_fa"]); !strings.Contains(en, "NOCR/exit-ban") || !strings.Contains(fa, "NOCR/exit-ban") ||
				!strings.Contains(fa, "درگاه تبادل") || !strings.Contains(string(body), "requirements[0].evidence[0].inquiry") {
				t.Errorf("the problem does not name the inquiry: %s", body)
			}
			if code, _, body := call("GET", path, nil); code != 200 || !strings.Contains(string(body), "NOCR/exit-ban") {
				t.Errorf("the draft after the refusal: %d %s", code, body)
			}
			if list, err := a.Catalog.Published(ctx); err != nil || len(list) != 0 {
				t.Errorf("published after the refusal: %d %v", len(list), err)
			}
		})
	}
}

// TestEveryDemoServiceFinishes walks every published demo service that can
// be requested online, on each engine, through the capabilities' verbs: Ali
// fills the form, the once-only evidence is fetched from the back offices
// through the gateway, the fee is paid in the sandbox bank, and an operator
// of the competent agency reviews and approves (which issues the document
// of a service that has one). A service whose form cannot be filled, whose
// evidence does not arrive or that cannot be decided fails the test.
func TestEveryDemoServiceFinishes(t *testing.T) {
	var scan bytes.Buffer
	png.Encode(&scan, image.NewGray(image.Rect(0, 0, 2, 2)))
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			if d == store.Postgres {
				storetest.DSN(t, d) // skips without PostgreSQL
			}
			start := time.Now()
			a, ctx := mustDemo(t, d)
			person, err := a.Identity.EnsurePerson(ctx, backoffice.CitizenAli, "علی رضایی")
			if err != nil {
				t.Fatal(err)
			}
			ali, err := a.Identity.PrincipalOf(ctx, person)
			if err != nil {
				t.Fatal(err)
			}
			// Each agency's operator is staff added through identity, as an
			// agency admin would: an agency whose staff cannot be added can
			// never decide.
			officers := map[string]identity.Principal{}
			officerOf := func(agency string) (identity.Principal, error) {
				if p, ok := officers[agency]; ok {
					return p, nil
				}
				code := staffCode(len(officers))
				if _, err := a.Identity.AddStaff(ctx, identity.System, code, agency, identity.RoleOperator); err != nil {
					return identity.Principal{}, err
				}
				staff, err := a.Identity.EnsurePerson(ctx, code, "کارشناس "+agency)
				if err != nil {
					return identity.Principal{}, err
				}
				p, err := a.Identity.PrincipalOf(ctx, staff)
				officers[agency] = p
				return p, err
			}
			all, err := a.Catalog.Published(ctx)
			if err != nil {
				t.Fatal(err)
			}
			walked, fetched, byRules := 0, 0, 0
			finished := map[string]bool{}
			for _, svc := range all {
				if !svc.Record.Stages.Request {
					continue // information only: nothing to apply for
				}
				name := svc.ID + " " + svc.Record.TitleEn
				form, err := a.Apply.Form(ctx, svc.ID, ali)
				if err != nil {
					t.Errorf("%s: form: %v", name, err)
					continue
				}
				data, files := map[string]string{}, map[string]apply.Upload{}
				for _, f := range form.Fields {
					switch {
					case f.Name == "phone":
						data[f.Name] = "09121234567"
					case f.Kind == apply.FieldFile:
						files[f.Name] = apply.Upload{Name: "scan.png", Data: scan.Bytes()}
					default:
						data[f.Name] = "اعلام می‌کنم درست است"
					}
				}
				c, err := a.Apply.Submit(ctx, ali, svc.ID, data, files)
				if err != nil {
					t.Errorf("%s: submit: %v", name, err)
					continue
				}
				for _, e := range c.Evidence {
					if e.Source != string(catalog.FromInquiry) {
						continue
					}
					if e.State != apply.EvFetched {
						t.Errorf("%s: evidence %s from %s is %s", name, e.Code, e.Inquiry, e.State)
					}
					fetched++
				}
				if c.FeeRials > 0 {
					u, err := a.Apply.StartPayment(ctx, ali, c.Tracking)
					if err != nil {
						t.Errorf("%s: pay: %v", name, err)
						continue
					}
					body, err := a.Sandbox.Settle(ctx, u[strings.LastIndex(u, "/")+1:], apply.PayPaid)
					if err != nil {
						t.Errorf("%s: the bank: %v", name, err)
						continue
					}
					if err := a.Apply.PaymentCallback(ctx, http.Header{apply.SandboxSignature: {a.Sandbox.Sign(body)}}, body); err != nil {
						t.Errorf("%s: the bank's callback: %v", name, err)
						continue
					}
				}
				officer, err := officerOf(c.Agency)
				if err != nil {
					t.Errorf("%s: the operator of %s: %v", name, c.Agency, err)
					continue
				}
				// A service an active ruleset decides is decided once its
				// evidence is in: approved (and issued) or refused for good,
				// or referred to the clerk, who then takes it from review.
				cur, err := a.Apply.Case(ctx, ali, c.Tracking)
				if err != nil {
					t.Errorf("%s: the case: %v", name, err)
					continue
				}
				switch cur.State {
				case apply.Approved, apply.Issued, apply.Rejected:
					if _, ok, _ := a.Rules.Active(ctx, svc.ID); !ok {
						t.Errorf("%s: %s without a clerk or an active ruleset", name, cur.State)
					}
					walked++
					byRules++
					finished[svc.ID] = true
					continue
				case apply.InReview:
				default:
					if _, err := a.Apply.Transition(ctx, officer, c.Tracking, apply.InReview, "", ""); err != nil {
						t.Errorf("%s: review: %v", name, err)
						continue
					}
				}
				// A service that needs a visit, or papers seen in person,
				// has the visit recorded as its clerk would, ticking off
				// what was seen; the guard refuses approval until then.
				checks, err := a.Apply.CaseChecks(ctx, officer, c.Tracking)
				for tries := 0; err == nil && !checks.Done() && tries < 4; tries++ {
					var seen []string
					for _, k := range checks.CanSee {
						seen = append(seen, k.Code)
					}
					checks, err = a.Apply.RecordVisit(ctx, officer, c.Tracking, "متقاضی حضوری مراجعه کرد و اصل مدارک دیده شد", seen)
				}
				if err != nil || !checks.Done() {
					t.Errorf("%s: checks still open after the visits: %v %+v", name, err, checks.Open)
					continue
				}
				// What the document certifies: the value each source
				// proposes, and what the clerk types for the rest.
				facts := map[string]string{}
				if full, err := a.Apply.Case(ctx, officer, c.Tracking); err == nil {
					for _, f := range apply.ProposeFacts(full, svc.Record) {
						facts[f.Code] = f.Value
						if strings.TrimSpace(f.Value) == "" {
							facts[f.Code] = "مطابق بررسی کارشناس"
						}
					}
				}
				done, err := a.Apply.Decide(ctx, officer, c.Tracking, apply.Decision{To: apply.Approved, Facts: facts})
				if err != nil {
					t.Errorf("%s: approve: %v", name, err)
					continue
				}
				if done.State != apply.Approved && done.State != apply.Issued {
					t.Errorf("%s: ends %s", name, done.State)
				}
				walked++
				finished[svc.ID] = true
			}
			// The passport application waited for ever for the judiciary's
			// exit-ban inquiry and conscription's service status.
			if !finished["1000165"] {
				t.Error("the passport application (1000165) did not finish")
			}
			if walked < 200 || fetched < 350 {
				t.Errorf("walked %d services with %d fetched evidence", walked, fetched)
			}
			if byRules < 10 {
				t.Errorf("the rules decided %d services, want at least the demo's ten request-started ones", byRules)
			}
			t.Logf("%d services (%d decided by rules), %d pieces of evidence fetched, in %v", walked, byRules, fetched, time.Since(start).Round(time.Millisecond))
		})
	}
}

// staffCode returns the i-th valid national code of a range no demo person
// has, for staff made up by tests.
func staffCode(i int) string {
	for n := 100 * i; ; n++ {
		nine := fmt.Sprintf("0098%05d", n)
		sum := 0
		for k := 0; k < 9; k++ {
			sum += int(nine[k]-'0') * (10 - k)
		}
		r := sum % 11
		if r >= 2 {
			r = 11 - r
		}
		if code := nine + strconv.Itoa(r); persian.CheckNationalCode(code) == nil {
			return code
		}
	}
}

// testRecord is a complete record of NOCR whose one evidence is the
// inquiry given.
func testRecord(inquiry string) catalog.Record {
	r := catalog.Record{TitleFa: "گواهی آزمایشی عدم منع خروج", TitleEn: "Test exit certificate",
		DescriptionFa: "متقاضی برخط درخواست می‌دهد و نبود منع خروج او از مرجع قضایی استعلام می‌شود تا گواهی بی‌نیاز از مراجعه صادر شود؛ این شرح برای آزمون نوشته شده است.",
		Agency:        "NOCR", Audience: catalog.G2C, Nature: catalog.Sovereign, Scope: catalog.ScopeNational, Trigger: catalog.OnRequest,
		Decision: catalog.DecideManual, Frequency: catalog.AsNeeded, ProcessingTime: catalog.Duration{Days: 5}, Channels: []catalog.Channel{catalog.ChannelWeb},
		Stages:     catalog.Stages{Information: true, Request: true, Processing: true, Delivery: true},
		Outputs:    []catalog.Output{{NameFa: "گواهی", NameEn: "Certificate", Kind: "decision"}},
		LegalBasis: []catalog.LegalBasis{{TitleFa: "قانون گذرنامه"}},
		Requirements: []catalog.Requirement{{Code: "travel", NameFa: "نبود منع خروج", Evidence: []catalog.Evidence{{Code: "exit_ban", NameFa: "ممنوع‌الخروجی",
			Source: catalog.FromInquiry, HeldBy: "NOCR", Inquiry: inquiry}}}}}
	return r
}
