package simulate

import (
	"context"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
)

// TestMonthStarts: the year's months start at midnight in Tehran on the
// first of each Jalali month, and the thirteenth start is the next year's.
func TestMonthStarts(t *testing.T) {
	s := monthStarts(1404)
	if len(s) != 13 {
		t.Fatalf("%d starts, want 13", len(s))
	}
	tehran := persian.Location()
	if want := time.Date(2025, time.March, 21, 0, 0, 0, 0, tehran); !s[0].Equal(want) {
		t.Errorf("1 Farvardin 1404 = %s, want %s", s[0], want)
	}
	if want := time.Date(2026, time.March, 21, 0, 0, 0, 0, tehran); !s[12].Equal(want) {
		t.Errorf("1 Farvardin 1405 = %s, want %s", s[12], want)
	}
	for i, st := range s[:12] {
		if got := persian.MonthKey(st); got != "1404-"+pad(i+1) {
			t.Errorf("start %d is in %s", i, got)
		}
		if got := persian.MonthKey(st.Add(-time.Second)); i > 0 && got != "1404-"+pad(i) {
			t.Errorf("a second before start %d is in %s", i, got)
		}
	}
}

func pad(m int) string { return time.Date(2000, time.Month(m), 1, 0, 0, 0, 0, time.UTC).Format("01") }

// TestRunRefusesBadOptions: a year out of range or a scale that makes no
// sense is refused before any database is touched.
func TestRunRefusesBadOptions(t *testing.T) {
	for _, o := range []Options{{Year: 99, DB: "sqlite:/nonexistent/x.db"}, {Year: 1404, Scale: -1, DB: "sqlite:/nonexistent/x.db"}, {Year: 1404, Scale: 1000, DB: "sqlite:/nonexistent/x.db"}} {
		if _, err := Run(context.Background(), o); !errs.Is(err, errs.Invalid) {
			t.Errorf("%+v: %v, want invalid", o, err)
		}
	}
}
