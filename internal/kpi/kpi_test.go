package kpi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

var sets = []store.MigrationSet{identity.Migrations(), catalog.Migrations(), Migrations()}

// The two Jalali months of the history: Mehr 1404 began on 23 September
// 2025 and Aban 1404 on 23 October 2025, at midnight in Tehran (UTC+3:30).
const (
	mehr = "1404-07"
	aban = "1404-08"
)

// a returns a time in Mehr 1404 (October 2025, UTC); b one in Aban.
func a(day, hour int) time.Time { return time.Date(2025, 10, day, hour, 0, 0, 0, time.UTC) }
func b(day, hour int) time.Time { return time.Date(2025, 10, 24+day, hour, 0, 0, 0, time.UTC) }

// The last half hour of Mehr 30 in Tehran, and the first of Aban 1.
var (
	lastOfMehr  = time.Date(2025, 10, 22, 20, 0, 0, 0, time.UTC) // 23:30 in Tehran
	firstOfAban = time.Date(2025, 10, 22, 21, 0, 0, 0, time.UTC) // 00:30 in Tehran
)

const (
	p1 = "0012345678"
	p2 = "0023456789"
	p3 = "0034567890"
)

type hev struct {
	at                                            time.Time
	kind, actor, agency, service, region, subject string
	payload                                       map[string]any
}

func sub(at time.Time, agency, service, region, subject, tracking string, promised time.Duration, channel string) hev {
	p := map[string]any{"tracking": tracking, "state": "submitted", "deadline": at.Add(promised)}
	if channel != "" {
		p["channel"] = channel
	}
	return hev{at, "apply.case.submitted", "user:1", agency, service, region, subject, p}
}

func move(at time.Time, actor, agency, service, region, subject, tracking, from, to string) hev {
	return hev{at, "apply.case.transition", actor, agency, service, region, subject,
		map[string]any{"tracking": tracking, "from": from, "to": to}}
}

// monthA is the history of Mehr; monthB of Aban (it names cases of Mehr).
var monthA = []hev{
	{a(1, 8), "catalog.service.published", "user:2", "NOCR", "S1", "", "", map[string]any{"key": 1, "level": "L2"}},
	{a(1, 8), "catalog.service.published", "user:2", "NOCR", "S2", "", "", map[string]any{"key": 2, "level": "L1"}},
	{a(1, 9), "catalog.service.published", "user:3", "SSO", "S3", "", "", map[string]any{"key": 3, "level": "L3"}},
	{a(1, 9), "catalog.region.saved", "user:2", "", "", "THR-01", "", nil}, // not a figure
	{a(1, 10), "apply.draft.saved", "user:1", "NOCR", "S1", "", p1, nil},
	{a(1, 11), "apply.draft.saved", "user:1", "NOCR", "S1", "", p1, nil},
	sub(a(2, 10), "NOCR", "S1", "THR-01", p1, "T1", 72*time.Hour, "online"),
	{a(2, 10), "apply.draft.saved", "user:4", "NOCR", "S1", "", p2, nil},
	sub(a(3, 10), "NOCR", "S2", "THR-02", p2, "T2", 48*time.Hour, "counter"),
	sub(a(4, 10), "SSO", "S3", "YZD-01", p3, "T3", 24*time.Hour, ""),
	move(a(2, 10).Add(10*time.Minute), "system", "NOCR", "S1", "THR-01", p1, "T1", "submitted", "in_review"),
	move(a(2, 10).Add(30*time.Minute), "rules:S1@v1", "NOCR", "S1", "THR-01", p1, "T1", "in_review", "approved"),
	move(a(3, 10).Add(50*time.Hour), "user:7", "NOCR", "S2", "THR-02", p2, "T2", "in_review", "rejected"),
	move(a(4, 12), "rules:S3@v2", "SSO", "S3", "YZD-01", p3, "T3", "in_review", "rejected"),
	move(a(4, 13), "user:8", "SSO", "S3", "YZD-01", p3, "T3", "rejected", "objected"),
	{a(5, 9), "apply.feedback.given", "user:4", "NOCR", "S2", "THR-02", p2, map[string]any{"tracking": "T2", "rating": 2, "commented": false}},
	{a(5, 9), "apply.complaint.received", "user:4", "NOCR", "S2", "THR-02", p2, map[string]any{"tracking": "T2", "complaint": "C1"}},
	{a(6, 9), "apply.feedback.given", "user:5", "SSO", "S3", "YZD-01", p3, map[string]any{"tracking": "T3", "rating": 4}},
	{a(6, 9), "exchange.inquiry", "subsystem:IR/GOV/SSO/app", "", "", "", p3, map[string]any{"provider": "IR/GOV/NOCR/identity", "status": 200, "latency_ms": 12.7}},
	{a(6, 9), "exchange.inquiry", "subsystem:IR/GOV/SSO/app", "", "", "", p3, map[string]any{"provider": "IR/GOV/NOCR/other", "status": 200, "latency_ms": 30.2}},
	{a(6, 9), "exchange.inquiry", "subsystem:IR/GOV/SSO/app", "", "", "", p3, map[string]any{"provider": "IR/GOV/NOCR", "status": 500, "latency_ms": 100.9}},
	{a(6, 9), "exchange.inquiry", "subsystem:IR/GOV/NOCR/app", "", "", "", p1, map[string]any{"provider": "IR/GOV/SSO/x", "status": 200, "error": "timeout", "latency_ms": 5}},
	sub(lastOfMehr, "NOCR", "S2", "", p1, "T4", 100*time.Hour, "online"),
}

var monthB = []hev{
	move(firstOfAban, "user:9", "NOCR", "S2", "", p1, "T4", "in_review", "approved"),
	{b(1, 8), "catalog.service.level_changed", "system", "NOCR", "S2", "", "", map[string]any{"level": "L3", "was": "L1"}},
	{b(1, 9), "catalog.service.retired", "user:2", "NOCR", "S1", "", "", map[string]any{"key": 1, "reason": "x"}},
	{b(1, 9), "catalog.service.published", "user:3", "SSO", "S4", "", "", map[string]any{"key": 4}},
	{b(1, 10), "apply.objection.decided", "user:6", "SSO", "S3", "YZD-01", p3, map[string]any{"tracking": "T3", "overturned": true, "outcome": "approved"}},
	move(b(1, 10), "user:6", "SSO", "S3", "YZD-01", p3, "T3", "objected", "approved"), // a second decision: not counted
	sub(b(2, 10), "NOCR", "S1", "THR-01", p2, "T5", 10*time.Hour, "online"),
	move(b(2, 13), "rules:S1@v1", "NOCR", "S1", "THR-01", p2, "T5", "in_review", "approved"),
	{b(3, 10), "apply.objection.decided", "user:6", "NOCR", "S1", "THR-01", p2, map[string]any{"tracking": "T5", "overturned": false}},
	{b(3, 11), "apply.objection.decided", "user:6", "NOCR", "S1", "THR-01", p1, map[string]any{"tracking": "T1", "overturned": true}},
	{b(3, 11), "apply.objection.decided", "user:6", "NOCR", "S1", "THR-01", p1, map[string]any{"tracking": "T1", "overturned": true}}, // once only
	{b(4, 9), "apply.feedback.given", "user:1", "NOCR", "S1", "THR-01", p1, map[string]any{"tracking": "T1", "rating": 5}},
	{b(4, 9), "apply.complaint.received", "user:1", "NOCR", "S2", "", p1, map[string]any{"tracking": "T4", "complaint": "C2"}},
	{b(5, 9), "apply.draft.saved", "user:5", "SSO", "S3", "", p3, nil},
	{b(5, 9), "exchange.inquiry", "subsystem:IR/GOV/SSO/app", "", "", "", p3, map[string]any{"provider": "IR/GOV/NOCR/identity", "status": 204, "latency_ms": 7}},
}

// appendAll appends each event in a transaction of its own, in order.
func appendAll(t *testing.T, s *store.Store, evs []hev) {
	t.Helper()
	ctx := context.Background()
	for _, e := range evs {
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.Append(ctx, store.Event{At: e.at, Kind: e.kind, Actor: e.actor, Agency: e.agency, Service: e.service,
				Region: e.region, Subject: e.subject}, e.payload)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func regions(t *testing.T, s *store.Store) *catalog.Catalog {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin := identity.Principal{Kind: "user", ID: 1, Roles: []identity.Role{identity.RolePlatformAdmin}}
	for _, r := range []catalog.Region{
		{Code: "THR", NameFa: "تهران", Kind: catalog.Province},
		{Code: "YZD", NameFa: "یزد", Kind: catalog.Province},
		{Code: "THR-01", NameFa: "تهران", Kind: catalog.City, Province: "THR", Capital: true},
		{Code: "THR-02", NameFa: "شهریار", Kind: catalog.City, Province: "THR"},
		{Code: "YZD-01", NameFa: "یزد", Kind: catalog.City, Province: "YZD", Capital: true, Pilot: true},
	} {
		if err := cat.PutRegion(ctx, admin, r); err != nil {
			t.Fatal(err)
		}
	}
	return cat
}

func mustNew(t *testing.T, s *store.Store, cat *catalog.Catalog, batch int) *KPI {
	t.Helper()
	k, err := New(Config{Store: s, Catalog: cat, Batch: batch})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The figures below are worked out by hand from monthA and monthB.

var mehrCatalogue = Figures{Services: 3, ByLevel: [6]int{0, 1, 1, 1, 0, 0}, FullyElectronic: 2, Smart: 1}
var abanCatalogue = Figures{Services: 3, ByLevel: [6]int{1, 0, 0, 2, 0, 0}, FullyElectronic: 2, Smart: 2}

func with(cat Figures, key Key, f Figures) Figures {
	f.Key = key
	f.Services, f.ByLevel, f.FullyElectronic, f.Smart = cat.Services, cat.ByLevel, cat.FullyElectronic, cat.Smart
	return f
}

func wantFigures() map[string]Figures {
	w := map[string]Figures{}
	put := func(f Figures) { w[keyName(f.Key)] = f }
	// Mehr, national: pairs (p1,S1) (p2,S1) (p2,S2) (p3,S3) (p1,S2), of
	// which four submitted; T1 T2 T3 decided (T4 in Aban); hours 0 50 2,
	// promised 72 48 24.
	put(with(mehrCatalogue, Key{Month: mehr}, Figures{Started: 5, Completed: 4, Funnel: true, Submitted: 4,
		Decided: 3, DecidedAuto: 2, Overturned: 2, OnTime: 2, HoursP50: 2, HoursP90: 50, PromisedP50: 48,
		Ratings: 2, RatingSum: 6, Complaints: 1, Online: 3, Counter: 1}))
	put(with(Figures{Services: 2, ByLevel: [6]int{0, 1, 1}, FullyElectronic: 1}, Key{Month: mehr, Agency: "NOCR"},
		Figures{Started: 4, Completed: 3, Funnel: true, Submitted: 3, Decided: 2, DecidedAuto: 1, Overturned: 1, OnTime: 1,
			HoursP50: 0, HoursP90: 50, PromisedP50: 48, Ratings: 1, RatingSum: 2, Complaints: 1, Online: 2, Counter: 1}))
	put(with(Figures{Services: 1, ByLevel: [6]int{0, 0, 0, 1}, FullyElectronic: 1, Smart: 1}, Key{Month: mehr, Agency: "SSO"},
		Figures{Started: 1, Completed: 1, Funnel: true, Submitted: 1, Decided: 1, DecidedAuto: 1, Overturned: 1, OnTime: 1,
			HoursP50: 2, HoursP90: 2, PromisedP50: 24, Ratings: 1, RatingSum: 4, Online: 1}))
	put(with(Figures{Services: 1, ByLevel: [6]int{0, 0, 1}, FullyElectronic: 1}, Key{Month: mehr, Service: "S1"},
		Figures{Started: 2, Completed: 1, Funnel: true, Submitted: 1, Decided: 1, DecidedAuto: 1, Overturned: 1, OnTime: 1,
			PromisedP50: 72, Online: 1}))
	thr := Figures{Submitted: 2, Decided: 2, DecidedAuto: 1, Overturned: 1, OnTime: 1, HoursP50: 0, HoursP90: 50,
		PromisedP50: 48, Ratings: 1, RatingSum: 2, Complaints: 1, Online: 1, Counter: 1}
	put(with(mehrCatalogue, Key{Month: mehr, Province: "THR"}, thr))
	yzd := Figures{Submitted: 1, Decided: 1, DecidedAuto: 1, Overturned: 1, OnTime: 1, HoursP50: 2, HoursP90: 2,
		PromisedP50: 24, Ratings: 1, RatingSum: 4, Online: 1}
	put(with(mehrCatalogue, Key{Month: mehr, Province: "YZD"}, yzd))
	put(with(mehrCatalogue, Key{Month: mehr, City: "YZD-01"}, yzd))
	put(with(mehrCatalogue, Key{Month: mehr, Province: "YZD", City: "YZD-01"}, yzd))
	put(with(Figures{Services: 2, ByLevel: [6]int{0, 1, 1}, FullyElectronic: 1}, Key{Month: mehr, Agency: "NOCR", City: "THR-02"},
		Figures{Submitted: 1, Decided: 1, HoursP50: 50, HoursP90: 50, PromisedP50: 48, Ratings: 1, RatingSum: 2, Complaints: 1, Counter: 1}))

	// Aban: T4 decided across the month's boundary, T5 submitted and
	// decided; T1's objection counts in Mehr.
	put(with(abanCatalogue, Key{Month: aban}, Figures{Started: 2, Completed: 1, Funnel: true, Submitted: 1, Decided: 2,
		DecidedAuto: 1, OnTime: 2, HoursP50: 1, HoursP90: 3, PromisedP50: 10, Ratings: 1, RatingSum: 5, Complaints: 1, Online: 1}))
	put(with(Figures{Services: 1, ByLevel: [6]int{0, 0, 0, 1}, FullyElectronic: 1, Smart: 1}, Key{Month: aban, Agency: "NOCR"},
		Figures{Started: 1, Completed: 1, Funnel: true, Submitted: 1, Decided: 2, DecidedAuto: 1, OnTime: 2, HoursP50: 1,
			HoursP90: 3, PromisedP50: 10, Ratings: 1, RatingSum: 5, Complaints: 1, Online: 1}))
	put(with(Figures{Services: 2, ByLevel: [6]int{1, 0, 0, 1}, FullyElectronic: 1, Smart: 1}, Key{Month: aban, Agency: "SSO"},
		Figures{Started: 1, Funnel: true}))
	put(with(abanCatalogue, Key{Month: aban, Province: "THR"}, Figures{Submitted: 1, Decided: 1, DecidedAuto: 1, OnTime: 1,
		HoursP50: 3, HoursP90: 3, PromisedP50: 10, Ratings: 1, RatingSum: 5, Online: 1}))
	// A month after the history: the catalogue carries over, nothing else.
	put(with(abanCatalogue, Key{Month: "1404-09"}, Figures{Funnel: true}))
	put(Figures{Key: Key{Month: "1404-09", Agency: "NONE"}, Funnel: true})
	// A city with no event: the catalogue is the same in every region.
	put(with(mehrCatalogue, Key{Month: mehr, City: "NOWHERE-01"}, Figures{}))
	return w
}

func keyName(k Key) string {
	return fmt.Sprintf("%s/%s/%s/%s/%s", k.Month, k.Agency, k.Service, k.Province, k.City)
}

func checkFigures(t *testing.T, k *KPI) {
	t.Helper()
	ctx := context.Background()
	for name, want := range wantFigures() {
		got, err := k.Get(ctx, want.Key)
		if err != nil {
			t.Fatalf("Get %s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Get %s:\n got %+v\nwant %+v", name, got, want)
		}
	}
	w := wantFigures()
	byCases := []struct {
		key  Key
		dim  string
		want []string
	}{
		{Key{Month: mehr}, DimAgency, []string{mehr + "/NOCR///", mehr + "/SSO///"}},
		{Key{Month: mehr}, DimProvince, []string{mehr + "///THR/", mehr + "///YZD/"}},
		{Key{Month: aban}, DimAgency, []string{aban + "/NOCR///", aban + "/SSO///"}},
	}
	for _, c := range byCases {
		got, err := k.By(ctx, c.key, c.dim)
		if err != nil {
			t.Fatalf("By %v %s: %v", c.key, c.dim, err)
		}
		if len(got) != len(c.want) {
			t.Fatalf("By %v %s: %d rows, want %d: %+v", c.key, c.dim, len(got), len(c.want), got)
		}
		for i, name := range c.want {
			if !reflect.DeepEqual(got[i], w[name]) {
				t.Errorf("By %v %s row %d:\n got %+v\nwant %+v", c.key, c.dim, i, got[i], w[name])
			}
		}
	}
	months, err := k.By(ctx, Key{Agency: "SSO"}, DimMonth)
	if err != nil {
		t.Fatal(err)
	}
	if len(months) != 2 || !reflect.DeepEqual(months[0], w[mehr+"/SSO///"]) || !reflect.DeepEqual(months[1], w[aban+"/SSO///"]) {
		t.Errorf("By month of SSO: %+v", months)
	}
	cities, err := k.By(ctx, Key{Month: mehr, Province: "THR"}, DimCity)
	if err != nil {
		t.Fatal(err)
	}
	if len(cities) != 2 || cities[0].City != "THR-01" || cities[1].City != "THR-02" || cities[0].Submitted != 1 || cities[1].Counter != 1 ||
		cities[0].Province != "THR" || cities[0].Funnel {
		t.Errorf("By city in THR: %+v", cities)
	}
	services, err := k.By(ctx, Key{Month: aban, Agency: "SSO"}, DimService)
	if err != nil {
		t.Fatal(err)
	}
	// S3 (a draft in Aban, live at L3) and S4 (live at L0, no event).
	if len(services) != 2 || services[0].Service != "S3" || services[0].Started != 1 || services[0].ByLevel[3] != 1 ||
		services[1].Service != "S4" || services[1].Services != 1 || services[1].ByLevel[0] != 1 {
		t.Errorf("By service of SSO in Aban: %+v", services)
	}
	// By a dimension the key already names: that one row.
	one, err := k.By(ctx, Key{Month: mehr, Agency: "SSO"}, DimAgency)
	if err != nil || len(one) != 1 || !reflect.DeepEqual(one[0], w[mehr+"/SSO///"]) {
		t.Errorf("By agency within SSO: %+v, %v", one, err)
	}
	gotMonths, err := k.Months(ctx)
	if err != nil || !reflect.DeepEqual(gotMonths, []string{mehr, aban}) {
		t.Errorf("Months = %v, %v", gotMonths, err)
	}
	provs, err := k.Providers(ctx, mehr)
	if err != nil {
		t.Fatal(err)
	}
	// IR/GOV/NOCR: latencies 12, 30, 100; two of three succeeded.
	wantProvs := []Provider{{mehr, "IR/GOV/NOCR", 3, 2, 30, 100}, {mehr, "IR/GOV/SSO", 1, 0, 5, 5}}
	if !reflect.DeepEqual(provs, wantProvs) {
		t.Errorf("Providers(mehr) = %+v, want %+v", provs, wantProvs)
	}
	provs, err = k.Providers(ctx, aban)
	if err != nil || !reflect.DeepEqual(provs, []Provider{{aban, "IR/GOV/NOCR", 1, 1, 7, 7}}) {
		t.Errorf("Providers(aban) = %+v, %v", provs, err)
	}
}

func TestFigures(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cat := regions(t, s)
		k := mustNew(t, s, cat, 0)
		// Folded in two steps, as the events come.
		appendAll(t, s, monthA)
		if err := k.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		appendAll(t, s, monthB)
		if err := k.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		checkFigures(t, k)
		last, err := s.LastEventID(ctx)
		if err != nil {
			t.Fatal(err)
		}
		src, err := k.Source(ctx)
		if err != nil || src.Through != last {
			t.Errorf("Source = %+v, %v; want through %d", src, err, last)
		}
		// Nothing in the kpi tables names a person.
		for _, q := range []string{`SELECT COUNT(*) FROM kpi_pairs WHERE pair = $1`, `SELECT COUNT(*) FROM kpi_cases WHERE tracking = $1`} {
			var n int
			if err := s.Read().QueryRowContext(ctx, q, p1).Scan(&n); err != nil || n != 0 {
				t.Errorf("%s: %d, %v", q, n, err)
			}
		}
		var pairs int
		if err := s.Read().QueryRowContext(ctx, `SELECT COUNT(*) FROM kpi_pairs`).Scan(&pairs); err != nil || pairs != 7 {
			t.Errorf("kpi_pairs has %d rows (%v), want 7", pairs, err)
		}
	}, sets...)
}

// TestIncremental folds the same history one event at a time and all at
// once: the same document.
func TestIncremental(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cat := regions(t, s)
		appendAll(t, s, append(append([]hev{}, monthA...), monthB...))
		small := mustNew(t, s, cat, 1)
		if err := small.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		checkFigures(t, small)
		one, err := small.Export(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		reset(t, s)
		big := mustNew(t, s, cat, 10000)
		if err := big.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		all, err := big.Export(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		j1, _ := json.Marshal(one)
		j2, _ := json.Marshal(all)
		if string(j1) != string(j2) {
			t.Errorf("one at a time:\n%s\nall at once:\n%s", j1, j2)
		}
		if len(all.Figures) < 10 || len(all.Providers) != 3 || all.Version != 1 {
			t.Errorf("document: %d figures, %d providers", len(all.Figures), len(all.Providers))
		}
	}, sets...)
}

// reset empties the figures, as if the follower had never run.
func reset(t *testing.T, s *store.Store) {
	t.Helper()
	for _, q := range []string{`DELETE FROM kpi_groups`, `DELETE FROM kpi_cases`, `DELETE FROM kpi_pairs`, `DELETE FROM kpi_service_events`,
		`DELETE FROM kpi_catalog`, `DELETE FROM kpi_providers`, `DELETE FROM kpi_months`, `UPDATE kpi_state SET through = 0`} {
		if _, err := s.DB().ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCrash fails folds just before they commit: neither the cursor nor any
// figure moves, and the next fold counts every event once.
func TestCrash(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cat := regions(t, s)
		appendAll(t, s, monthA)
		k := mustNew(t, s, cat, 4)
		if err := k.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		before, err := k.Export(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		appendAll(t, s, monthB)
		crash := errors.New("the power went out")
		folds := 0
		k.beforeCommit = func() error {
			folds++
			if folds == 2 {
				return crash
			}
			return nil
		}
		if err := k.CatchUp(ctx); !errors.Is(err, crash) {
			t.Fatalf("CatchUp = %v, want the crash", err)
		}
		k.beforeCommit = func() error { return crash }
		if err := k.CatchUp(ctx); !errors.Is(err, crash) {
			t.Fatalf("CatchUp = %v, want the crash", err)
		}
		// One batch of Aban committed before the crash: the document moved
		// by exactly that batch, which is why it differs from before.
		mid, err := k.Export(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if mid.Source.Through <= before.Source.Through {
			t.Errorf("the first batch after the cursor did not commit: %+v", mid.Source)
		}
		k.beforeCommit = nil
		if err := k.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		checkFigures(t, k)
	}, sets...)
}

// TestConcurrent folds with two followers at once (two processes): each
// event is still counted once.
func TestConcurrent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cat := regions(t, s)
		appendAll(t, s, append(append([]hev{}, monthA...), monthB...))
		k1, k2 := mustNew(t, s, cat, 2), mustNew(t, s, cat, 3)
		var wg sync.WaitGroup
		errc := make(chan error, 2)
		for _, k := range []*KPI{k1, k2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errc <- k.CatchUp(ctx)
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			if err != nil {
				t.Fatal(err)
			}
		}
		checkFigures(t, k1)
	}, sets...)
}

func TestBadInput(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, sets...)
	ctx := context.Background()
	k := mustNew(t, s, regions(t, s), 0)
	for _, m := range []string{"", "1404-7", "1404-13", "1404-00", "abcd-01", "1404/07", "۱۴۰۴-۰۷", "1404-07x"} {
		_, err := k.Get(ctx, Key{Month: m})
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid || e.Fa == "" || e.En == "" {
			t.Errorf("Get(%q) = %v, want Invalid in Persian and English", m, err)
		}
		if _, err := k.Providers(ctx, m); !errs.Is(err, errs.Invalid) {
			t.Errorf("Providers(%q) = %v", m, err)
		}
		if _, err := k.Export(ctx, []string{m}); !errs.Is(err, errs.Invalid) {
			t.Errorf("Export(%q) = %v", m, err)
		}
	}
	if _, err := k.By(ctx, Key{Month: mehr}, "person"); !errs.Is(err, errs.Invalid) {
		t.Errorf("By person = %v", err)
	}
	f, err := k.Get(ctx, Key{Month: mehr, Agency: "NONE"})
	if err != nil || !reflect.DeepEqual(f, Figures{Key: Key{Month: mehr, Agency: "NONE"}, Funnel: true}) {
		t.Errorf("Get of nothing = %+v, %v", f, err)
	}
}

func TestPercentile(t *testing.T) {
	h := hist{}
	if h.percentile(50) != 0 {
		t.Error("empty")
	}
	// 1..10: p50 is the 5th value, p90 the 9th; one value: itself.
	for v := int64(1); v <= 10; v++ {
		h[v]++
	}
	if h.percentile(50) != 5 || h.percentile(90) != 9 {
		t.Errorf("p50 %d p90 %d", h.percentile(50), h.percentile(90))
	}
	g := hist{}
	decodeInto(g, h.encode())
	if !reflect.DeepEqual(g, h) {
		t.Errorf("round trip: %v", g)
	}
	if (hist{-3: 2}).percentile(90) != -3 || floorHours(-1) != -1 || floorHours(int64(time.Hour/time.Microsecond)) != 1 {
		t.Error("negative values")
	}
}

// TestSealedOnly counts only events in the ledger's latest signed
// checkpoint, and names that checkpoint as the figures' source.
func TestSealedOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cat := regions(t, s)
		led, err := ledger.New(ctx, ledger.Config{Store: s})
		if err != nil {
			t.Fatal(err)
		}
		k, err := New(Config{Store: s, Catalog: cat, Ledger: led, Batch: 5})
		if err != nil {
			t.Fatal(err)
		}
		appendAll(t, s, monthA)
		cp, err := led.SealNow(ctx)
		if err != nil {
			t.Fatal(err)
		}
		appendAll(t, s, monthB) // not sealed yet
		if err := k.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		src, err := k.Source(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if src.LedgerSize != cp.Size || src.LedgerRoot != base64.StdEncoding.EncodeToString(cp.Root[:]) || src.Through == 0 {
			t.Errorf("Source = %+v, checkpoint size %d", src, cp.Size)
		}
		f, err := k.Get(ctx, Key{Month: aban})
		if err != nil || f.Submitted != 0 || f.Decided != 0 || f.Services != mehrCatalogue.Services || f.ByLevel != mehrCatalogue.ByLevel {
			t.Errorf("Aban before sealing = %+v, %v", f, err)
		}
		cp, err = led.SealNow(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		checkFigures(t, k)
		last, _ := s.LastEventID(ctx)
		if src, err = k.Source(ctx); err != nil || src.LedgerSize != cp.Size || src.Through != last {
			t.Errorf("Source = %+v, %v; want size %d through %d", src, err, cp.Size, last)
		}
	}, append(sets, ledger.Migrations())...)
}

// TestCatalogueOutOfOrder folds a service's publication in Aban before an
// earlier one in Mehr that commits later: each month still ends in the
// state its own events leave.
func TestCatalogueOutOfOrder(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		k := mustNew(t, s, regions(t, s), 0)
		appendAll(t, s, []hev{{b(2, 8), "catalog.service.published", "user:2", "NOCR", "S9", "", "", map[string]any{"level": "L1"}}})
		if err := k.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		appendAll(t, s, []hev{
			{a(3, 8), "catalog.service.published", "user:2", "NOCR", "S9", "", "", map[string]any{"level": "L2"}},
			{a(4, 8), "catalog.service.retired", "user:2", "NOCR", "S9", "", "", nil},
			{a(5, 8), "catalog.service.published", "user:2", "NOCR", "S9", "", "", map[string]any{"level": "L4"}},
		})
		if err := k.CatchUp(ctx); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			key   Key
			level [6]int
		}{
			{Key{Month: "1404-06"}, [6]int{}},
			{Key{Month: mehr}, [6]int{0, 0, 0, 0, 1}},
			{Key{Month: mehr, Agency: "NOCR"}, [6]int{0, 0, 0, 0, 1}},
			{Key{Month: aban, Service: "S9"}, [6]int{0, 1}},
			{Key{Month: "1405-01", Agency: "NOCR"}, [6]int{0, 1}},
		} {
			f, err := k.Get(ctx, c.key)
			n := 0
			for _, x := range c.level {
				n += x
			}
			if err != nil || f.ByLevel != c.level || f.Services != n {
				t.Errorf("Get %+v = %+v, %v; want by level %v", c.key, f, err, c.level)
			}
		}
	}, sets...)
}

func TestSortedMatchesHist(t *testing.T) {
	h1, h2 := hist{1: 2, 5: 1, -2: 1}, hist{5: 3, 9: 1, 0: 4}
	all := hist{}
	all.add(h1)
	all.add(h2)
	for _, p := range []int{1, 50, 90, 99, 100} {
		got := mergeBlobs([][]byte{h1.encode(), h2.encode()}).percentile(p)
		one := mergeBlobs([][]byte{all.encode()}).percentile(p)
		if got != all.percentile(p) || one != all.percentile(p) {
			t.Errorf("p%d: merged %d, one blob %d, map %d", p, got, one, all.percentile(p))
		}
	}
	if mergeBlobs(nil).percentile(50) != 0 {
		t.Error("empty")
	}
}

// add and percentile are the map's own, the tests' reference for sorted.

func (h hist) add(o hist) {
	for v, n := range o {
		h[v] += n
	}
}

// percentile returns the nearest-rank p-th percentile of h: with the values
// sorted ascending v[0..n-1], v[ceil(p/100·n)−1]; 0 when h is empty.
func (h hist) percentile(p int) int {
	var n int64
	vals := make([]int64, 0, len(h))
	for v, c := range h {
		if c > 0 {
			n += c
			vals = append(vals, v)
		}
	}
	if n == 0 {
		return 0
	}
	slices.Sort(vals)
	rank := (int64(p)*n + 99) / 100 // ceil(p·n/100), 1-based
	if rank < 1 {
		rank = 1
	}
	var seen int64
	for _, v := range vals {
		seen += h[v]
		if seen >= rank {
			return int(v)
		}
	}
	return int(vals[len(vals)-1])
}
