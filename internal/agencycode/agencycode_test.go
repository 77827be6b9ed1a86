package agencycode_test

import (
	"regexp"
	"testing"

	"github.com/panjare/panjare/internal/agencycode"
)

func TestValidMatchesPattern(t *testing.T) {
	re := regexp.MustCompile(agencycode.Pattern)
	for _, s := range []string{"NOCR", "FARAJA_PASS", "FARAJA_NV", "FARAJA_RAHVAR", "JUDICIARY_IT", "TEHRAN_MUN", "A1",
		"ABCDEFGHIJKLMNOPQRST", "ABCDEFGHIJKLMNOPQRSTU", "", "N", "nocr", "1NOCR", "_NOCR", "NO-CR", "NOCR ", "نوکر", "NÖCR"} {
		if got, want := agencycode.Valid(s), re.MatchString(s); got != want {
			t.Errorf("Valid(%q) = %v, the pattern says %v", s, got, want)
		}
	}
	for _, s := range []string{"FARAJA_PASS", "TEHRAN_MUN", "NOCR"} {
		if !agencycode.Valid(s) {
			t.Errorf("%s refused", s)
		}
	}
}
