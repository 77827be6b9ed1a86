package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
)

// trafficRow is one client, service or provider of a traffic summary.
type trafficRow struct {
	Key    string
	Count  int
	Errors int
	P50    string // milliseconds, formatted
	P95    string
}

// trafficTable is the data of the traffic-table partial.
type trafficTable struct {
	Caption string
	Rows    []trafficRow
}

// trafficWindow is the summary of one window (the last hour or day): per
// client, per service and per provider.
type trafficWindow struct {
	Title     string
	Count     int
	Errors    int
	P50, P95  string
	Tables    []trafficTable
	Truncated bool
}

// dataServiceRow is one data service in the registry listing.
type dataServiceRow struct {
	Code, Title, Version, Backend string
	Personal                      bool
}

// rightRow is one access right in the registry listing.
type rightRow struct {
	ID      int64
	Service string
	Client  string
	Basis   string // the legal basis; empty when consent is required
	By      string
	Granted string
	State   string // translation key
}

// subsystemRow is one subsystem with its services and the rights to them.
type subsystemRow struct {
	ID       string
	Name     string
	Member   string
	Services []dataServiceRow
	Rights   []rightRow
}

// adminExchangeView is the data of /admin/exchange.
type adminExchangeView struct {
	Windows    []trafficWindow
	Members    []exchange.Member
	Subsystems []subsystemRow

	// Evidence is the once-only evidence of open cases that has not
	// arrived, by inquiry; Awaited and GivenUp are its totals.
	Evidence         []apply.Backlog
	Awaited, GivenUp int

	// Life is the life-events room, when the exchange carries one.
	Life *lifeOverview
}

// lifeOverview is the life-events room as the admin page shows it.
type lifeOverview struct {
	Types []lifeTypeRow
	Subs  []lifeSubRow
}

type lifeTypeRow struct {
	Name, Title, Last string
	Publishers        []string
	Published, Subs   int
}

type lifeSubRow struct {
	ID, Subscriber, EventType, Delivery, Oldest, LastError string
	Pending, Failing, Delivered                            int
}

// lifeOverviewIn turns the room's overview into rows in language l.
func lifeOverviewIn(l lang, o exchange.RoomOverview) *lifeOverview {
	v := &lifeOverview{}
	for _, t := range o.Types {
		row := lifeTypeRow{Name: t.Name, Title: pickText(l, t.TitleFa, t.TitleEn), Publishers: t.Publishers, Published: t.Published,
			Subs: t.Subscriptions, Last: translate(l, "adminx.life.never")}
		if t.LastPublished != nil {
			row.Last = dateTimeIn(l, *t.LastPublished)
		}
		v.Types = append(v.Types, row)
	}
	for _, s := range o.Subscriptions {
		row := lifeSubRow{ID: s.ID, Subscriber: s.Subscriber.String(), EventType: s.EventType, Delivery: s.Delivery,
			Pending: s.Pending, Failing: s.Failing, Delivered: s.Delivered, LastError: s.LastError}
		if s.Oldest != nil {
			row.Oldest = dateTimeIn(l, *s.Oldest)
		}
		v.Subs = append(v.Subs, row)
	}
	return v
}

// ms formats a latency in milliseconds in l.
func ms(l lang, v float64) string {
	return digitsIn(l, strconv.FormatFloat(v, 'f', 1, 64))
}

func trafficRows(l lang, list []exchange.Traffic) []trafficRow {
	out := make([]trafficRow, 0, len(list))
	for _, t := range list {
		out = append(out, trafficRow{Key: t.Key, Count: t.Count, Errors: t.Errors, P50: ms(l, t.P50MS), P95: ms(l, t.P95MS)})
	}
	return out
}

// adminExchange is the platform admin's view of the exchange,
// /admin/exchange: traffic over the last hour and day (counts, p50 and p95
// latencies, errors per client, service and provider, from the message
// log), the once-only evidence of open cases that has not arrived (which
// the message log misses when an inquiry cannot even be resolved), and the
// registry: members, subsystems, services and rights.
func (w *Web) adminExchange(rw http.ResponseWriter, r *http.Request) error {
	_, err := identity.Require(r.Context(), identity.RolePlatformAdmin)
	switch {
	case errs.Is(err, errs.Unauthorized):
		rw.Header().Set("Cache-Control", "no-store")
		http.Redirect(rw, r, identity.SignInURL(r), http.StatusSeeOther)
		return nil
	case err != nil:
		return errs.E("web.adminExchange", errs.Forbidden, "This page is for the platform's administrators.", "این صفحه ویژهٔ مدیران سامانه است.")
	}
	if w.gw == nil || w.x == nil {
		return errNoExchange
	}
	ctx := r.Context()
	l := langOf(r)
	now := time.Now()
	var v adminExchangeView
	for _, win := range []struct {
		key string
		d   time.Duration
	}{{"adminx.hour", time.Hour}, {"adminx.day", 24 * time.Hour}} {
		s, err := w.gw.Summary(ctx, now.Add(-win.d))
		if err != nil {
			return err
		}
		v.Windows = append(v.Windows, trafficWindow{Title: translate(l, win.key), Count: s.Count, Errors: s.Errors,
			P50: ms(l, s.P50MS), P95: ms(l, s.P95MS), Truncated: s.Truncated, Tables: []trafficTable{
				{translate(l, "adminx.byclient"), trafficRows(l, s.ByClient)},
				{translate(l, "adminx.byservice"), trafficRows(l, s.ByService)},
				{translate(l, "adminx.byprovider"), trafficRows(l, s.ByProvider)},
			}})
	}
	if w.ap != nil {
		if v.Evidence, err = w.ap.EvidenceBacklog(ctx); err != nil {
			return err
		}
		for _, b := range v.Evidence {
			v.Awaited, v.GivenUp = v.Awaited+b.Awaited, v.GivenUp+b.GivenUp
		}
	}
	if ps := w.gw.PubSub(); ps != nil {
		o, err := ps.Overview(ctx)
		if err != nil {
			return err
		}
		v.Life = lifeOverviewIn(l, o)
	}
	if v.Members, err = w.x.Members(ctx); err != nil {
		return err
	}
	subs, err := w.x.Subsystems(ctx)
	if err != nil {
		return err
	}
	for _, s := range subs {
		row := subsystemRow{ID: s.ID.String(), Name: s.NameFa, Member: s.ID.Member}
		svcs, err := w.x.Services(ctx, s.ID)
		if err != nil {
			return err
		}
		for _, svc := range svcs {
			row.Services = append(row.Services, dataServiceRow{Code: svc.ID.Code, Title: pickText(l, svc.TitleFa, svc.TitleEn),
				Version: svc.Version, Backend: svc.BackendURL, Personal: svc.Personal})
		}
		rights, err := w.x.Rights(ctx, s.ID)
		if err != nil {
			return err
		}
		for _, rt := range rights {
			state := "adminx.right.active"
			switch {
			case rt.RevokedAt != nil:
				state = "adminx.right.revoked"
			case rt.ExpiresAt != nil && !rt.ExpiresAt.After(now):
				state = "adminx.right.expired"
			}
			svc := rt.Service.Code
			if rt.Endpoint != nil {
				svc += " (" + rt.Endpoint.String() + ")"
			}
			row.Rights = append(row.Rights, rightRow{ID: rt.ID, Service: svc, Client: rt.Client.String(), Basis: rt.LegalBasis,
				By: rt.GrantedBy, Granted: dateIn(l, rt.GrantedAt), State: state})
		}
		v.Subsystems = append(v.Subsystems, row)
	}
	rw.Header().Set("Cache-Control", "no-store")
	return w.render(rw, r, http.StatusOK, "admin_exchange", translate(l, "adminx.title"), "", v)
}
