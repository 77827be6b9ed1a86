package kpiverify

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/store"
)

// Options says what to check the recomputation against.
type Options struct {
	Store *store.Store
	// KPI is the dashboards' figures; nil leaves them unchecked.
	KPI *kpi.KPI
	// Truth is a figures document (a truth file) whose every figure must
	// equal the recomputed one; nil: none.
	Truth []byte
	// Verifier checks the signatures of archived reports and of
	// Checkpoint (the ledger's key, ledger.(*Ledger).Verifier); nil leaves
	// report signatures unchecked, which is a discrepancy of each report.
	Verifier note.Verifier
	// Checkpoint is a checkpoint an auditor kept, handed to the ledger's
	// verification; nil: none.
	Checkpoint []byte
	// Attempts bounds how often the dashboards are caught up to the
	// verified tree's last event (and, at most 3 times, how often the
	// ledger is verified again when they are ahead of it); zero means 20.
	Attempts int
}

// Result is the outcome of a verification.
type Result struct {
	Source        Source
	Document      Document // every recomputed figure
	Checked       int      // figures compared
	Discrepancies []Discrepancy
	// DashboardThrough is the last event of the recomputation the
	// dashboards were compared with: Source.Through, unless they still
	// lagged behind the verified tree after every attempt.
	DashboardThrough int64
}

// LedgerError is returned when the ledger's own verification finds the
// events changed: nothing is computed from them.
type LedgerError struct{ Findings []ledger.Finding }

func (e *LedgerError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "kpiverify: the ledger does not verify (%d findings); no figure is computed from events that may have been changed", len(e.Findings))
	for _, f := range e.Findings {
		fmt.Fprintf(&b, "\n  ledger %s", f)
	}
	return b.String()
}

// Verify verifies the ledger, recomputes every figure from the events it
// sealed, and compares them with the dashboards, every archived monthly
// report and the truth file that opt names.
func Verify(ctx context.Context, opt Options) (Result, error) {
	var res Result
	if opt.Store == nil {
		return res, errors.New("kpiverify: no store")
	}
	var truthFigures, truthProviders []row
	if opt.Truth != nil {
		var err error
		if truthFigures, truthProviders, err = docRows(opt.Truth); err != nil {
			return res, fmt.Errorf("kpiverify: truth file: %w", err)
		}
	}
	attempts := opt.Attempts
	if attempts <= 0 {
		attempts = 20
	}

	// The dashboards and the recomputation must count the same events.
	// Package kpi counts every event up to the latest signed checkpoint;
	// the recomputation counts the leaves of the tree the ledger's
	// verification checked. When the ledger grew after the verification
	// (a sealer running elsewhere), it is verified again; while the
	// dashboards lag behind the tree (its checkpoint not signed yet), they
	// are caught up again; if they still lag, they are compared with the
	// recomputation from the same events as theirs, no more.
	if opt.KPI != nil {
		if err := opt.KPI.CatchUp(ctx); err != nil {
			return res, fmt.Errorf("kpiverify: catching up the dashboards: %w", err)
		}
	}
	size, err := verifyLedger(ctx, opt, &res.Source)
	if err != nil {
		return res, err
	}
	h, err := build(ctx, opt.Store, size, 0)
	if err != nil {
		return res, err
	}
	for i := 1; opt.KPI != nil; i++ {
		src, err := opt.KPI.Source(ctx)
		if err != nil {
			return res, fmt.Errorf("kpiverify: the dashboards' source: %w", err)
		}
		switch {
		case src.Through == res.Source.Through:
			res.compareDashboards(ctx, opt.KPI, h)
		case src.Through > res.Source.Through && i < min(attempts, 3): // each try verifies the whole ledger again
			if size, err = verifyLedger(ctx, opt, &res.Source); err != nil {
				return res, err
			}
			if h, err = build(ctx, opt.Store, size, 0); err != nil {
				return res, err
			}
			continue
		case src.Through < res.Source.Through && i < attempts:
			select {
			case <-ctx.Done():
				return res, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
			if err := opt.KPI.CatchUp(ctx); err != nil {
				return res, fmt.Errorf("kpiverify: catching up the dashboards: %w", err)
			}
			continue
		case src.Through < res.Source.Through:
			hk, err := build(ctx, opt.Store, size, src.Through)
			if err != nil {
				return res, err
			}
			res.DashboardThrough = src.Through
			res.compareDashboards(ctx, opt.KPI, hk)
		default:
			res.add(1, []Discrepancy{{Source: "dashboard", Key: "source", Field: "through",
				Expected: fmt.Sprintf("at most %d (the last event of the verified tree)", res.Source.Through), Got: fmt.Sprint(src.Through)}})
		}
		break
	}
	if res.DashboardThrough == 0 {
		res.DashboardThrough = res.Source.Through
	}
	if err := res.compareReports(ctx, opt, h); err != nil {
		return res, err
	}
	if opt.Truth != nil {
		for _, r := range truthFigures {
			res.add(compareRows("truth", mustRow(h.Figures(r.k), false), r, true))
		}
		for _, r := range truthProviders {
			res.add(compareRows("truth", mustRow(h.Provider(r.k.Month, r.provider), true), r, true))
		}
	}
	res.Document = h.Document(nil)
	res.Document.Source = res.Source
	return res, nil
}

// verifyLedger runs the ledger's own verification and refuses any
// finding. It fills src with the verified tree and the last event it seals,
// and returns the tree's size.
func verifyLedger(ctx context.Context, opt Options, src *Source) (uint64, error) {
	rep, err := ledger.Verify(ctx, opt.Store, ledger.VerifyOptions{Checkpoint: opt.Checkpoint, Verifier: opt.Verifier})
	if err != nil {
		return 0, fmt.Errorf("kpiverify: verifying the ledger: %w", err)
	}
	if len(rep.Findings) > 0 {
		return 0, &LedgerError{Findings: rep.Findings}
	}
	*src = Source{LedgerSize: rep.Size, LedgerRoot: base64.StdEncoding.EncodeToString(rep.Root[:])}
	if src.Through, err = lastSealed(ctx, opt.Store, rep.Size); err != nil {
		return 0, err
	}
	return rep.Size, nil
}

// build returns the history of the events among the ledger's first size
// leaves (a tree already verified), up to event id through when that is
// not 0.
func build(ctx context.Context, s *store.Store, size uint64, through int64) (*History, error) {
	regions, err := cityProvinces(ctx, s)
	if err != nil {
		return nil, err
	}
	h := NewHistory(regions)
	if err := loadSealed(ctx, s, h, size, through); err != nil {
		return nil, err
	}
	return h, nil
}

// add counts n compared figures and their discrepancies.
func (r *Result) add(n int, ds []Discrepancy) {
	r.Checked += n
	r.Discrepancies = append(r.Discrepancies, ds...)
}

// compareDashboards compares every recomputed group with kpi's Get, the
// breakdowns of kpi's By that the agency and province pages show, every
// provider row both ways, and every row of kpi's Export (which must hold
// every recomputed group) with the recomputation.
func (r *Result) compareDashboards(ctx context.Context, k *kpi.KPI, h *History) {
	months := h.Months()
	failed := func(what string, err error) {
		r.add(1, []Discrepancy{{Source: "dashboard", Key: what, Field: "error", Expected: "figures", Got: fmt.Sprintf("%q", err.Error())}})
	}
	for _, m := range months {
		for _, key := range h.Keys(m) {
			got, err := k.Get(ctx, kpi.Key{Month: key.Month, Agency: key.Agency, Service: key.Service, Province: key.Province, City: key.City})
			if err != nil {
				failed(key.String(), err)
				continue
			}
			r.add(compareRows("dashboard", mustRow(h.Figures(key), false), mustRow(got, false), false))
		}
		// The breakdowns the agency and province pages read: each agency's
		// services, provinces and cities, and each province's cities.
		for _, key := range h.Keys(m) {
			var dims []string
			switch {
			case key.Agency != "":
				dims = []string{kpi.DimService, kpi.DimProvince, kpi.DimCity}
			case key.Province != "":
				dims = []string{kpi.DimCity}
			}
			for _, dim := range dims {
				rows, err := k.By(ctx, kpi.Key{Month: key.Month, Agency: key.Agency, Province: key.Province}, dim)
				if err != nil {
					failed(key.String()+"/by:"+dim, err)
					continue
				}
				for _, f := range rows {
					got := mustRow(f, false)
					r.add(compareRows("dashboard", mustRow(h.Figures(got.k), false), got, false))
				}
			}
		}
		got, err := k.Providers(ctx, m)
		if err != nil {
			failed(m+"/providers", err)
			continue
		}
		seen := map[string]bool{}
		for _, p := range got {
			seen[p.Provider] = true
			r.add(compareRows("dashboard", mustRow(h.Provider(m, p.Provider), true), mustRow(p, true), false))
		}
		for _, name := range h.ProviderNames(m) {
			if !seen[name] {
				r.add(1, []Discrepancy{{Source: "dashboard", Key: providerKey(m, name), Field: "row", Expected: "present", Got: absent}})
			}
		}
	}
	// The export covers every month either side has figures for, so that a
	// month only the dashboards count is compared too.
	theirs, err := k.Months(ctx)
	if err != nil {
		failed("months", err)
		return
	}
	all := map[string]bool{}
	for _, m := range append(append([]string(nil), months...), theirs...) {
		all[m] = true
	}
	doc, err := k.Export(ctx, sorted(all))
	if err != nil {
		failed("export", err)
		return
	}
	exported := map[string]bool{}
	for _, f := range doc.Figures {
		got := mustRow(f, false)
		exported[got.key] = true
		r.add(compareRows("export", mustRow(h.Figures(got.k), false), got, false))
	}
	for _, p := range doc.Providers {
		got := mustRow(p, true)
		exported[got.key] = true
		r.add(compareRows("export", mustRow(h.Provider(got.k.Month, got.provider), true), got, false))
	}
	// Every recomputed group is in the open data too.
	for _, m := range months {
		for _, key := range h.Keys(m) {
			if !exported[key.String()] {
				r.add(1, []Discrepancy{{Source: "export", Key: key.String(), Field: "row", Expected: "present", Got: absent}})
			}
		}
		for _, name := range h.ProviderNames(m) {
			if !exported[providerKey(m, name)] {
				r.add(1, []Discrepancy{{Source: "export", Key: providerKey(m, name), Field: "row", Expected: "present", Got: absent}})
			}
		}
	}
}

// mustRow flattens one of the row types, whose JSON always reads back.
func mustRow(v any, provider bool) row {
	r, err := rowOf(v, provider)
	if err != nil {
		panic(fmt.Sprintf("kpiverify: a row that does not read back: %v", err))
	}
	return r
}
