package persian

import (
	"testing"
	"time"
)

func TestFold(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"گذرنامه", "گذرنامه"},
		{"علي", "علی"},                           // Arabic yeh
		{"كارت", "کارت"},                         // Arabic kaf
		{"مي‌خواهم", "می خواهم"},                 // ZWNJ and Arabic yeh
		{"می خواهم", "می خواهم"},                 // plain space
		{"می‍خواهم", "می خواهم"},                 // ZWJ
		{"۱۲۳", "123"},                           // Persian digits
		{"١٢٣", "123"},                           // Arabic-Indic digits
		{"مُحَمَّد", "محمد"},                     // diacritics
		{"کـــارت", "کارت"},                      // tatweel
		{"  گواهی   عدم\tسوء ", "گواهی عدم سوء"}, // spaces
		{"Passport", "passport"},
		{"خانۀ", "خانه"},
		{"آب", "اب"},
		{"\u200fکد", "کد"}, // bidi mark
		{"a\xffb", "ab"},   // invalid UTF-8 is dropped
	} {
		if got := Fold(c.in); got != c.want {
			t.Errorf("Fold(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestClean(t *testing.T) {
	if got := Clean("  علي‌رضا  كريمي "); got != "علی‌رضا کریمی" {
		t.Errorf("Clean = %q", got)
	}
}

func TestDigits(t *testing.T) {
	if got := Digits("1405/09/02 ٣"); got != "۱۴۰۵/۰۹/۰۲ ۳" {
		t.Errorf("Digits = %q", got)
	}
	if got := ASCIIDigits("۱۴۰۵ ٣"); got != "1405 3" {
		t.Errorf("ASCIIDigits = %q", got)
	}
}

func TestNationalCode(t *testing.T) {
	for _, c := range []struct {
		in   string
		want error
	}{
		{"0067749828", nil},
		{"0499370899", nil},
		{"۰۰۶۷۷۴۹۸۲۸", nil},
		{"006-774982-8", nil},
		{"0684159415", ErrNationalCodeCheck},
		{"1111111111", ErrNationalCodeRepeated},
		{"0000000000", ErrNationalCodeRepeated},
		{"123", ErrNationalCodeLength},
		{"12345678901", ErrNationalCodeLength},
		{"00677498a8", ErrNationalCodeLength},
		{"", ErrNationalCodeLength},
	} {
		if got := CheckNationalCode(NormalizeNationalCode(c.in)); got != c.want {
			t.Errorf("CheckNationalCode(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestJalali(t *testing.T) {
	// 2026-11-23 is 2 Azar 1405.
	d := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	if got := JalaliDate(d); got != "۲ آذر ۱۴۰۵" {
		t.Errorf("JalaliDate = %q", got)
	}
	if got := JalaliNumeric(d); got != "1405/09/02" {
		t.Errorf("JalaliNumeric = %q", got)
	}
	// Nowruz 1405 began on 2026-03-21 (Tehran).
	y, m := JalaliMonth(time.Date(2026, 3, 21, 1, 0, 0, 0, Location()))
	if y != 1405 || m != 1 {
		t.Errorf("JalaliMonth = %d/%d", y, m)
	}
}

func TestMonthKey(t *testing.T) {
	// 1 Mehr 1404 starts at 00:00 Tehran time on 23 September 2025.
	start := time.Date(2025, 9, 23, 0, 0, 0, 0, Location())
	if got := MonthKey(start); got != "1404-07" {
		t.Errorf("MonthKey(1 Mehr) = %q, want 1404-07", got)
	}
	if got := MonthKey(start.Add(-time.Second)); got != "1404-06" {
		t.Errorf("MonthKey(the second before) = %q, want 1404-06", got)
	}
	if MonthNameEn(7) != "Mehr" || MonthNameEn(0) != "" || MonthNameEn(13) != "" {
		t.Errorf("MonthNameEn: %q %q %q", MonthNameEn(7), MonthNameEn(0), MonthNameEn(13))
	}
}
