package kpiverify

import (
	"context"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// at parses a UTC time written RFC 3339.
func at(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// mustAppend appends each event in its own transaction, in order, so that
// ids follow the order written.
func mustAppend(tb testing.TB, s *store.Store, evs ...event) {
	tb.Helper()
	for _, e := range evs {
		err := s.InTx(context.Background(), func(tx *store.Tx) error {
			return tx.Append(context.Background(), e.ev, e.payload)
		})
		if err != nil {
			tb.Fatalf("append %s: %v", e.ev.Kind, err)
		}
	}
}

type event struct {
	ev      store.Event
	payload any
}

// mustRegions registers two provinces and three cities, the way the
// catalogue stores them.
func mustRegions(tb testing.TB, s *store.Store) {
	tb.Helper()
	ctx := context.Background()
	err := s.InTx(ctx, func(tx *store.Tx) error {
		for _, r := range []struct{ code, kind, province string }{
			{"YZD", "province", ""}, {"THR", "province", ""},
			{"YZD-01", "city", "YZD"}, {"YZD-02", "city", "YZD"}, {"THR-01", "city", "THR"},
		} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_regions (code, name_fa, name_en, kind, province, capital, pilot, updated_at)
				VALUES ($1, $2, $3, $4, $5, FALSE, FALSE, $6)`, r.code, r.code, r.code, r.kind, r.province, s.Now()); err != nil {
				return err
			}
			if err := tx.Append(ctx, store.Event{Kind: "catalog.region.saved", Actor: "system", Region: r.code}, map[string]any{"kind": r.kind}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// mustHistory writes a small history across the Jalali months 1404-05,
// 1404-06 and 1404-07 (Mordad, Shahrivar, Mehr 1404) whose figures are
// worked out by hand in TestRecompute. Agency A1 offers S1 and S2, agency
// A2 offers S3.
func mustHistory(tb testing.TB, s *store.Store) {
	tb.Helper()
	mustRegions(tb, s)
	ev := func(when, kind, actor, agency, service, region, subject string, payload any) event {
		return event{store.Event{At: at(tb, when), Kind: kind, Actor: actor, Agency: agency, Service: service, Region: region, Subject: subject}, payload}
	}
	sub := func(when, service, region, subject, tracking string, promised time.Duration, channel string) event {
		p := map[string]any{"tracking": tracking, "state": "submitted", "deadline": at(tb, when).Add(promised)}
		if channel != "" {
			p["channel"] = channel
		}
		agency := "A1"
		return ev(when, kindSubmitted, "user:1", agency, service, region, subject, p)
	}
	tr := func(when, actor, service, region, subject, tracking, from, to string) event {
		return ev(when, kindTransition, actor, "A1", service, region, subject, map[string]any{"tracking": tracking, "from": from, "to": to})
	}
	inq := func(when, provider string, status int, errText string, latency float64) event {
		p := map[string]any{"provider": provider, "status": status, "latency_ms": latency, "client": "IR/GOV/A1/portal"}
		if errText != "" {
			p["error"] = errText
		}
		return ev(when, kindInquiry, "subsystem:IR/GOV/A1/portal", "A1", "IR/GOV/NOCR/population/person", "", "0000000000", p)
	}
	mustAppend(tb, s,
		// 1404-05: three services published; S3 states no level.
		ev("2025-07-25T08:00:00Z", kindPublished, "user:2", "A1", "S1", "", "", map[string]any{"version": 1, "level": "L1"}),
		ev("2025-07-25T08:10:00Z", kindPublished, "user:2", "A1", "S2", "", "", map[string]any{"version": 1, "level": "L3"}),
		ev("2025-07-25T08:20:00Z", kindPublished, "user:3", "A2", "S3", "", "", map[string]any{"version": 1}),

		// 1404-06: S1 becomes L2 and S3 is retired.
		ev("2025-08-30T09:00:00Z", kindLevelChanged, "system", "A1", "S1", "", "", map[string]any{"level": "L2", "was": "L1"}),
		ev("2025-08-30T09:30:00Z", kindRetired, "user:3", "A2", "S3", "", "", map[string]any{"version": 1}),

		// T2 is submitted at 00:15 on 1 Shahrivar in Tehran, which is
		// still 31 Mordad in UTC: it counts in 1404-06.
		sub("2025-08-22T20:45:00Z", "S1", "YZD-02", "P3", "T2", 48*time.Hour, "counter"),
		// Drafts: P1 twice (one pair), P2 never submits.
		ev("2025-08-25T07:00:00Z", kindDraft, "user:11", "A1", "S1", "", "P1", nil),
		ev("2025-08-25T08:00:00Z", kindDraft, "user:12", "A1", "S1", "", "P2", nil),
		ev("2025-08-26T05:00:00Z", kindDraft, "user:11", "A1", "S1", "", "P1", nil),
		sub("2025-08-26T06:00:00Z", "S1", "YZD-01", "P1", "T1", 72*time.Hour, "online"),
		sub("2025-08-27T10:00:00Z", "S2", "THR-01", "P4", "T3", 24*time.Hour, ""), // no channel: online
		// T2 decided by rules 5h30m after submission: 5 hours, on time.
		tr("2025-08-23T02:15:00Z", "rules:S1@v1", "S1", "YZD-02", "P3", "T2", "submitted", "rejected"),
		// T1 goes into review, then is approved 80 hours after submission,
		// past its 72-hour deadline.
		tr("2025-08-27T06:00:00Z", "user:7", "S1", "YZD-01", "P1", "T1", "submitted", "in_review"),
		tr("2025-08-29T14:00:00Z", "user:7", "S1", "YZD-01", "P1", "T1", "in_review", "approved"),
		// T3 approved by rules after 2 hours.
		tr("2025-08-27T12:00:00Z", "rules:S2@v2", "S2", "THR-01", "P4", "T3", "submitted", "approved"),
		ev("2025-08-30T10:00:00Z", kindFeedback, "user:11", "A1", "S1", "YZD-01", "P1", map[string]any{"tracking": "T1", "rating": 4}),
		ev("2025-08-31T10:00:00Z", kindComplaint, "user:13", "A1", "S1", "YZD-02", "P3", map[string]any{"tracking": "T2", "complaint": "C1"}),
		inq("2025-08-28T10:00:00Z", "IR/GOV/NOCR/population", 200, "", 12.7),
		inq("2025-08-28T10:01:00Z", "IR/GOV/NOCR/population", 200, "timeout", 300.2),
		inq("2025-08-28T10:02:00Z", "IR/GOV/NOCR/population", 404, "", 40.9),
		inq("2025-08-28T10:03:00Z", "IR/GOV/INTA/tax", 204, "", 5),

		// 1404-07: S2 becomes L4. T3's objection is upheld against the
		// rules (overturned, counted in T3's decision month 1404-06) and
		// its second decision does not count; T2's objection is not.
		ev("2025-09-24T09:00:00Z", kindLevelChanged, "system", "A1", "S2", "", "", map[string]any{"level": "L4", "was": "L3"}),
		tr("2025-09-24T10:00:00Z", "user:14", "S2", "THR-01", "P4", "T3", "approved", "objected"),
		ev("2025-09-25T08:00:00Z", kindObjection, "user:7", "A1", "S2", "THR-01", "P4", map[string]any{"tracking": "T3", "overturned": true, "outcome": "rejected"}),
		tr("2025-09-25T08:00:01Z", "user:7", "S2", "THR-01", "P4", "T3", "objected", "rejected"),
		ev("2025-09-25T09:00:00Z", kindObjection, "user:7", "A1", "S1", "YZD-02", "P3", map[string]any{"tracking": "T2", "overturned": false, "outcome": "rejected"}),
		ev("2025-09-26T10:00:00Z", kindFeedback, "user:13", "A1", "S1", "YZD-02", "P3", map[string]any{"tracking": "T2", "rating": 1}),
		sub("2025-09-30T08:00:00Z", "S1", "YZD-01", "P5", "T4", 96*time.Hour, "online"),
		tr("2025-10-01T14:00:00Z", "user:9", "S1", "YZD-01", "P5", "T4", "submitted", "approved"),
		ev("2025-10-02T10:00:00Z", kindDraft, "user:16", "A1", "S2", "", "P6", nil),
	)
}

// handFigures are the figures of mustHistory, worked out by hand.
func handFigures() []Figures {
	return []Figures{
		// 1404-05: the catalogue only. S1 L1, S2 L3, S3 L0 (no level).
		{Key: Key{Month: "1404-05"}, Services: 3, ByLevel: [6]int{1, 1, 0, 1, 0, 0}, FullyElectronic: 1, Smart: 1, Funnel: true},
		{Key: Key{Month: "1404-05", Agency: "A2"}, Services: 1, ByLevel: [6]int{1, 0, 0, 0, 0, 0}, Funnel: true},

		// 1404-06: S1 L2, S2 L3, S3 retired. Pairs started: P1/S1, P2/S1,
		// P3/S1, P4/S2; completed: all but P2. Decided: T1 (80h, promised
		// 72, late), T2 (rules, 5h, promised 48), T3 (rules, 2h, promised
		// 24, overturned later). Hours sorted 2, 5, 80: p50 the 2nd, p90
		// the 3rd; promised 24, 48, 72: p50 48.
		{Key: Key{Month: "1404-06"}, Services: 2, ByLevel: [6]int{0, 0, 1, 1, 0, 0}, FullyElectronic: 2, Smart: 1,
			Started: 4, Completed: 3, Funnel: true, Submitted: 3, Decided: 3, DecidedAuto: 2, Overturned: 1, OnTime: 2,
			HoursP50: 5, HoursP90: 80, PromisedP50: 48, Ratings: 1, RatingSum: 4, Complaints: 1, Online: 2, Counter: 1},
		{Key: Key{Month: "1404-06", Agency: "A2"}, Funnel: true},
		{Key: Key{Month: "1404-06", Service: "S2"}, Services: 1, ByLevel: [6]int{0, 0, 0, 1, 0, 0}, FullyElectronic: 1, Smart: 1,
			Started: 1, Completed: 1, Funnel: true, Submitted: 1, Decided: 1, DecidedAuto: 1, Overturned: 1, OnTime: 1,
			HoursP50: 2, HoursP90: 2, PromisedP50: 24, Online: 1},
		// The province of Yazd: T1 in YZD-01 and T2 in YZD-02. Hours 5, 80:
		// p50 the 1st, p90 the 2nd. No funnel by region; the catalogue is
		// the nation's.
		{Key: Key{Month: "1404-06", Province: "YZD"}, Services: 2, ByLevel: [6]int{0, 0, 1, 1, 0, 0}, FullyElectronic: 2, Smart: 1,
			Submitted: 2, Decided: 2, DecidedAuto: 1, OnTime: 1, HoursP50: 5, HoursP90: 80, PromisedP50: 48,
			Ratings: 1, RatingSum: 4, Complaints: 1, Online: 1, Counter: 1},
		{Key: Key{Month: "1404-06", City: "THR-01"}, Services: 2, ByLevel: [6]int{0, 0, 1, 1, 0, 0}, FullyElectronic: 2, Smart: 1,
			Submitted: 1, Decided: 1, DecidedAuto: 1, Overturned: 1, OnTime: 1, HoursP50: 2, HoursP90: 2, PromisedP50: 24, Online: 1},
		{Key: Key{Month: "1404-06", City: "YZD-02"}, Services: 2, ByLevel: [6]int{0, 0, 1, 1, 0, 0}, FullyElectronic: 2, Smart: 1,
			Submitted: 1, Decided: 1, DecidedAuto: 1, OnTime: 1, HoursP50: 5, HoursP90: 5, PromisedP50: 48, Complaints: 1, Counter: 1},

		// 1404-07: S1 L2, S2 L4 (one smart). Started P5/S1, P6/S2; T4 decided in 30h of
		// 96; T3's second decision does not count; T2 rated 1.
		{Key: Key{Month: "1404-07"}, Services: 2, ByLevel: [6]int{0, 0, 1, 0, 1, 0}, FullyElectronic: 2, Smart: 1,
			Started: 2, Completed: 1, Funnel: true, Submitted: 1, Decided: 1, OnTime: 1,
			HoursP50: 30, HoursP90: 30, PromisedP50: 96, Ratings: 1, RatingSum: 1, Online: 1},
		{Key: Key{Month: "1404-07", Province: "YZD"}, Services: 2, ByLevel: [6]int{0, 0, 1, 0, 1, 0}, FullyElectronic: 2, Smart: 1,
			Submitted: 1, Decided: 1, OnTime: 1, HoursP50: 30, HoursP90: 30, PromisedP50: 96, Ratings: 1, RatingSum: 1, Online: 1},
	}
}

// handProviders are the inquiry figures of mustHistory: NOCR's latencies
// 12, 40, 300 (floored) give p50 40 and p90 300; one of three succeeded
// (the timeout has status 200 but an error).
func handProviders() []Provider {
	return []Provider{
		{Month: "1404-06", Provider: "IR/GOV/INTA", Inquiries: 1, Succeeded: 1, LatencyP50: 5, LatencyP90: 5},
		{Month: "1404-06", Provider: "IR/GOV/NOCR", Inquiries: 3, Succeeded: 1, LatencyP50: 40, LatencyP90: 300},
	}
}

var _ = catalog.Province // the regions above follow catalog's kinds

func TestRecomputeByHand(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustHistory(t, s)
		regions, err := cityProvinces(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		h := NewHistory(regions)
		evs, err := s.Events(ctx, store.EventFilter{Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if err := h.Add(ev); err != nil {
				t.Fatal(err)
			}
		}
		for _, want := range handFigures() {
			if got := h.Figures(want.Key); got != want {
				for _, d := range mustDiff(t, want, got, false) {
					t.Error(d)
				}
			}
		}
		for _, want := range handProviders() {
			if got := h.Provider(want.Month, want.Provider); got != want {
				t.Errorf("%s %s:\n got %+v\nwant %+v", want.Month, want.Provider, got, want)
			}
		}
		if got, want := h.Months(), []string{"1404-05", "1404-06", "1404-07"}; !equal(got, want) {
			t.Errorf("months %v, want %v", got, want)
		}
		var keys []string
		for _, k := range h.Keys("1404-06") {
			keys = append(keys, k.String())
		}
		want := []string{"1404-06", "1404-06/agency:A1", "1404-06/service:S1", "1404-06/service:S2",
			"1404-06/province:THR", "1404-06/province:YZD", "1404-06/city:THR-01", "1404-06/city:YZD-01", "1404-06/city:YZD-02"}
		if !equal(keys, want) {
			t.Errorf("keys of 1404-06:\n got %v\nwant %v", keys, want)
		}
	}, catalog.Migrations())
}

// mustDiff lists the fields in which got differs from want.
func mustDiff(tb testing.TB, want, got any, provider bool) []Discrepancy {
	tb.Helper()
	w, err := rowOf(want, provider)
	if err != nil {
		tb.Fatal(err)
	}
	g, err := rowOf(got, provider)
	if err != nil {
		tb.Fatal(err)
	}
	_, ds := compareRows("test", w, g, false)
	if len(ds) == 0 {
		tb.Fatalf("%v and %v differ but compare the same", want, got)
	}
	return ds
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
