package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// TestTrackerShowsLifeEvents publishes a life event about Ali through the
// demo exchange, checked against the demo civil registry through the
// gateway, and checks that Ali's tracker says who published it and who
// received it, that Maryam's does not show it, and that the admin page
// shows each subscription's backlog.
func TestTrackerShowsLifeEvents(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			xs := newXSite(t, d)
			ctx := context.Background()
			ps := exchange.NewPubSub(xs.g, exchange.PubSubConfig{
				PersonCheck: exchange.CachedPersonCheck(exchange.RegistryPersonCheck(xs.g), time.Minute, 100)})
			if err := ps.SeedLifeEvents(ctx); err != nil {
				t.Fatal(err)
			}
			tax := exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: "INTA", Subsystem: "tax"}
			if _, err := ps.Subscribe(ctx, tax, exchange.Subscription{EventType: "death", Delivery: exchange.DeliveryPull}); err != nil {
				t.Fatal(err)
			}
			if err := ps.SubscribeLocal(ctx, "proactive", "death"); err != nil {
				t.Fatal(err)
			}
			ps.HandleLocal("proactive", func(context.Context, exchange.LifeEvent) error { return nil })
			ali, maryam := backoffice.CitizenAli, backoffice.CitizenMaryam
			nocr := "IR/GOV/NOCR/population"
			if _, err := ps.Publish(ctx, nocr, "death", json.RawMessage(`{"national_code":"`+ali+`","death_date":"2026-11-20"}`)); err != nil {
				t.Fatal(err)
			}
			// Someone the civil registry does not hold is refused.
			stranger := "314159265"
			sum := 0
			for i := range 9 {
				sum += int(stranger[i]-'0') * (10 - i)
			}
			if r := sum % 11; r < 2 {
				stranger += strconv.Itoa(r)
			} else {
				stranger += strconv.Itoa(11 - r)
			}
			_, err := ps.Publish(ctx, nocr, "death", json.RawMessage(`{"national_code":"`+stranger+`","death_date":"2026-11-20"}`))
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("a stranger's death: %v", err)
			}
			if _, err := ps.DeliverDue(ctx); err != nil {
				t.Fatal(err)
			}

			res := xs.as(t, person(1, ali), http.MethodGet, "/me/data", nil)
			if res.status != 200 {
				t.Fatalf("Ali's tracker: %d", res.status)
			}
			rows := tableRows(res.doc, "table")
			var life string
			for _, r := range rows {
				if strings.Contains(r, "فوت") {
					life = r
				}
			}
			if !strings.Contains(life, "سازمان ثبت احوال کشور") || !strings.Contains(life, "تحویل شد") ||
				!strings.Contains(life, "در انتظار تحویل") || !strings.Contains(life, "سازمان امور مالیاتی") {
				t.Fatalf("Ali's life events: %q", rows)
			}
			if en := xs.send(t, person(1, ali), http.MethodGet, "/me/data", nil, true); !strings.Contains(en.body, "Death") {
				t.Fatal("the English tracker does not name the event")
			}
			res = xs.as(t, person(2, maryam), http.MethodGet, "/me/data", nil)
			if len(byID(res.doc, "no-life-events")) != 1 || strings.Contains(res.body, "سازمان ثبت احوال کشور: ") {
				t.Fatalf("Maryam sees Ali's event")
			}

			admin := &identity.Principal{Kind: "user", ID: 7, Roles: []identity.Role{identity.RolePlatformAdmin}}
			res = xs.as(t, admin, http.MethodGet, "/admin/exchange", nil)
			if res.status != 200 {
				t.Fatalf("admin page: %d", res.status)
			}
			subs := tableRows(res.doc, "table")
			var pull, local bool
			for _, r := range subs {
				pull = pull || (strings.Contains(r, "IR/GOV/INTA/tax") && strings.Contains(r, "PULL") && strings.Contains(r, "۱"))
				local = local || (strings.Contains(r, "IR/GOV/PANJARE/proactive") && strings.Contains(r, "LOCAL"))
			}
			if !pull || !local {
				t.Fatalf("admin subscriptions: %q", subs)
			}
		})
	}
}
