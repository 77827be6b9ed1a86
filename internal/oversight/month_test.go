package oversight_test

import (
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/oversight"
)

// A month ends at midnight in Tehran: Mehr 1404 ended at 00:00 of 1 Aban,
// 20:30 UTC on 22 October 2025.
func TestMonths(t *testing.T) {
	end := time.Date(2025, 10, 22, 20, 30, 0, 0, time.UTC)
	if ok, err := oversight.Ended("1404-07", end.Add(-time.Second)); ok || err != nil {
		t.Errorf("Mehr ended a second before midnight in Tehran: %v %v", ok, err)
	}
	if ok, err := oversight.Ended("1404-07", end); !ok || err != nil {
		t.Errorf("Mehr has not ended at midnight in Tehran: %v %v", ok, err)
	}
	if ok, _ := oversight.Ended("1403-12", time.Date(2025, 3, 20, 20, 30, 0, 0, time.UTC)); !ok {
		t.Error("Esfand 1403 has not ended at Nowruz 1404")
	}
	if got := oversight.LastEnded(end); got != "1404-07" {
		t.Errorf("LastEnded at 1 Aban = %s", got)
	}
	if got := oversight.LastEnded(time.Date(2025, 3, 21, 12, 0, 0, 0, time.UTC)); got != "1403-12" {
		t.Errorf("LastEnded at 1 Farvardin 1404 = %s", got)
	}
	if oversight.MonthName("1404-07") != "مهر ۱۴۰۴" || oversight.MonthNameEn("1404-12") != "Esfand 1404" || oversight.MonthName("x") != "x" {
		t.Error("month names")
	}
	for _, bad := range []string{"", "1404", "1404-00", "1404-13", "04-07", "1404-7", "1404_07", "۱۴۰۴-۰۷"} {
		if _, err := oversight.Ended(bad, end); !errs.Is(err, errs.Invalid) {
			t.Errorf("Ended(%q) = %v, want Invalid", bad, err)
		}
	}
}
