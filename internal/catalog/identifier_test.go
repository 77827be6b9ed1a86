package catalog

import (
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/errs"
)

func TestFormatID(t *testing.T) {
	// 572 → 5724 is the worked example of Damm's algorithm.
	if got := string('0' + damm("572")); got != "4" {
		t.Fatalf("damm(572) = %s, want 4", got)
	}
	// Worked by hand through the table: 1→3, 0→1, 0→7, 0→8, 0→9, 1→5.
	for serial, want := range map[int]string{100001: "1000015", 100002: "1000028", 999999: "9999990"} {
		if got := FormatID(serial); got != want {
			t.Errorf("FormatID(%d) = %s, want %s", serial, got, want)
		}
	}
}

// sampleIDs returns identifiers spread over the whole serial range.
func sampleIDs() []string {
	var ids []string
	for serial := FirstSerial; serial <= LastSerial; serial += 7919 {
		ids = append(ids, FormatID(serial))
	}
	return append(ids, FormatID(LastSerial))
}

func TestParseIDCatchesEverySingleDigitError(t *testing.T) {
	for _, id := range sampleIDs() {
		if got, err := ParseID(id); err != nil || got != id {
			t.Fatalf("ParseID(%s) = %q, %v", id, got, err)
		}
		for i := range len(id) {
			for d := byte('0'); d <= '9'; d++ {
				if d == id[i] {
					continue
				}
				bad := id[:i] + string(d) + id[i+1:]
				if _, err := ParseID(bad); !errs.Is(err, errs.Invalid) {
					t.Fatalf("ParseID(%s), a typo of %s, err = %v", bad, id, err)
				}
			}
		}
	}
}

func TestParseIDCatchesEveryAdjacentTransposition(t *testing.T) {
	n := 0
	for _, id := range sampleIDs() {
		for i := 0; i+1 < len(id); i++ {
			if id[i] == id[i+1] {
				continue
			}
			b := []byte(id)
			b[i], b[i+1] = b[i+1], b[i]
			n++
			if _, err := ParseID(string(b)); !errs.Is(err, errs.Invalid) {
				t.Fatalf("ParseID(%s), %s with digits %d and %d swapped, err = %v", b, id, i, i+1, err)
			}
		}
	}
	if n < 500 {
		t.Fatalf("only %d transpositions tried", n)
	}
}

func TestParseIDNormalises(t *testing.T) {
	for in, want := range map[string]string{
		"۱۰۰۰۰۱۵":             "1000015",
		"١٠٠٠٠١٥":             "1000015",
		" 100-0015 ":          "1000015",
		"۱۰۰ ۰۰۱ ۵":           "1000015",
		"\u2066۱۰۰۰۰۱۵\u2069": "1000015",
		"100–001–5":           "1000015",
	} {
		if got, err := ParseID(in); err != nil || got != want {
			t.Errorf("ParseID(%q) = %q, %v; want %s", in, got, err, want)
		}
	}
}

func TestParseIDMessages(t *testing.T) {
	for in, want := range map[string]string{
		"":         "enter the service identifier",
		"12a4567":  "only digits",
		"100001":   "7 digits; this one has 6",
		"10000133": "7 digits; this one has 8",
		"0000000":  "do not start with 0",
		"1000013":  "check digit",
	} {
		_, err := ParseID(in)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid || !strings.Contains(e.En, want) || e.Fa == "" {
			t.Errorf("ParseID(%q) = %v; want Invalid mentioning %q with a Persian message", in, err, want)
		}
	}
}
