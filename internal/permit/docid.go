package permit

import (
	"crypto/rand"
	"strings"

	"github.com/panjare/panjare/internal/persian"
)

// Document identifiers are ten random symbols of Crockford's base32 alphabet
// (0-9 and A-Z without I, L, O and U, so that no two symbols look alike),
// 50 bits, followed by one check symbol, shown in groups of four:
// "D7K3-9QXM-4RA". The check symbol is the Luhn mod N algorithm over the
// same alphabet (N = 32): it catches every single wrong symbol and every
// swap of two neighbouring symbols, and unlike Crockford's mod-37 check it
// needs no extra symbols (*~$=U) that are awkward to read aloud or put in a
// URL. People may type the id in any case, with or without dashes or spaces,
// with Persian digits, and with O for 0 or I and L for 1.
const (
	alphabet  = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
	idSymbols = 10 // random symbols, before the check symbol
	idLen     = idSymbols + 1
)

// newDocumentID returns a fresh canonical id (no dashes).
func newDocumentID() string {
	var b [idSymbols]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("permit: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
	}
	out := make([]byte, 0, idLen)
	for _, x := range b {
		out = append(out, alphabet[int(x)&31])
	}
	return string(append(out, checkSymbol(string(out))))
}

// symbolValue returns the value of one canonical symbol, or -1.
func symbolValue(c byte) int { return strings.IndexByte(alphabet, c) }

// checkSymbol computes the Luhn mod 32 check symbol of s (canonical symbols).
func checkSymbol(s string) byte {
	const n = 32
	factor, sum := 2, 0
	for i := len(s) - 1; i >= 0; i-- {
		addend := factor * symbolValue(s[i])
		addend = addend/n + addend%n
		sum += addend
		if factor == 2 {
			factor = 1
		} else {
			factor = 2
		}
	}
	return alphabet[(n-sum%n)%n]
}

// ParseDocumentID returns the canonical form of a typed document id (upper
// case, no separators), and whether it is well formed with a matching check
// symbol.
func ParseDocumentID(s string) (string, bool) {
	s = persian.ASCIIDigits(strings.TrimSpace(s))
	out := make([]byte, 0, idLen)
	for _, r := range s {
		switch {
		case r == '-' || r == ' ' || r == '\u200c' || r == '\u2010' || r == '\u2011' || r == '\u2013' || r == '\u2212':
			continue
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 127 || symbolValue(byte(r)) < 0 {
			return "", false
		}
		out = append(out, byte(r))
		if len(out) > idLen {
			return "", false
		}
	}
	if len(out) != idLen || checkSymbol(string(out[:idSymbols])) != out[idSymbols] {
		return "", false
	}
	return string(out), true
}

// FormatDocumentID groups a canonical id for people: "D7K3-9QXM-4RA".
func FormatDocumentID(id string) string {
	if len(id) != idLen {
		return id
	}
	return id[:4] + "-" + id[4:8] + "-" + id[8:]
}
