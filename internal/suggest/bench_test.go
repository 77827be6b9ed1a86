package suggest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// BenchmarkRebuild recounts co-usage over 100,000 cases (20,000 applicants
// with five cases each among the fixture services) on SQLite, and reports
// the time next to the baseline of reading the same rows in the same order
// without counting, measured in the same run.
func BenchmarkRebuild(b *testing.B) {
	s := storetest.MustOpen(b, store.SQLite, sets...)
	w := mustWorldTB(b, s)
	ctx := context.Background()
	names := []string{"licence", "insurance", "first_licence", "renewal", "conscription", "pension", "birth_cert", "child_allowance"}
	const applicants, each = 20000, 5
	err := s.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < applicants; i++ {
			for j := 0; j < each; j++ {
				at := now.AddDate(0, 0, -300+j*30+i%7)
				tx.InsertLater("apply_cases", []string{"tracking", "service", "agency", "applicant", "state", "data", "submitted_at", "deadline", "updated_at"},
					fmt.Sprintf("B%09d", i*each+j), w.ids[names[(i+j*j)%len(names)]], "MIMT", nationalCode(i+1000), "issued", "{}", at, at, at)
			}
		}
		return tx.Append(ctx, store.Event{Kind: "test.cases", Actor: "system"}, nil)
	})
	if err != nil {
		b.Fatal(err)
	}
	scan := func() time.Duration {
		start := time.Now()
		rows, err := s.Read().QueryContext(ctx, `SELECT applicant, service, submitted_at FROM apply_cases WHERE state <> 'withdrawn' ORDER BY applicant, submitted_at, id`)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var a, sv string
			var at time.Time
			if err := rows.Scan(&a, &sv, &at); err != nil {
				b.Fatal(err)
			}
			n++
		}
		rows.Close()
		if n != applicants*each {
			b.Fatalf("scanned %d rows", n)
		}
		return time.Since(start)
	}
	base := scan() // the first read warms the cache; the baseline is the best of three
	for i := 0; i < 2; i++ {
		base = min(base, scan())
	}
	b.ResetTimer()
	var pairs int
	for i := 0; i < b.N; i++ {
		if pairs, err = w.x.Rebuild(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(per.Milliseconds()), "ms/rebuild")
	b.ReportMetric(float64(base.Milliseconds()), "ms/scan-baseline")
	b.ReportMetric(float64(per)/float64(base), "x-baseline")
	b.ReportMetric(float64(pairs), "pairs")
}
