package apply

import (
	"crypto/rand"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/persian"
)

// A tracking code is twelve digits people can read aloud, written in three
// groups: the Jalali year of submission, seven random digits and a Damm
// check digit over the eleven before it, such as 1405-0932-8471. The check
// digit catches every single wrong digit and every swap of neighbours, so a
// code misheard on the phone is refused, not matched to someone else's case.

// dammTable is the quasigroup of order 10 of the Damm algorithm.
var dammTable = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// damm returns the check digit of the ASCII digits s.
func damm(s string) byte {
	var i byte
	for _, c := range []byte(s) {
		i = dammTable[i][c-'0']
	}
	return i
}

// newTracking returns a fresh tracking code for a case submitted at t.
func newTracking(t time.Time) string {
	year, _ := persian.JalaliMonth(t)
	n, err := rand.Int(rand.Reader, big.NewInt(10_000_000))
	if err != nil {
		panic("apply: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	body := strconv.Itoa(year%10000) + leftPad(n.String(), 7)
	body += string('0' + damm(body))
	return body[:4] + "-" + body[4:8] + "-" + body[8:]
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// ParseTracking reads a tracking code as people type it: Persian or ASCII
// digits, with or without dashes or spaces. It returns the canonical form
// and whether the code is well formed with a correct check digit.
func ParseTracking(s string) (string, bool) {
	s = persian.ASCIIDigits(s)
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == ' ' || r == '\u200c':
		default:
			return "", false
		}
	}
	d := b.String()
	if len(d) != 12 || damm(d) != 0 {
		return "", false
	}
	return d[:4] + "-" + d[4:8] + "-" + d[8:], true
}
