package permit

import (
	"crypto/rand"
	"strings"

	"github.com/panjare/panjare/internal/persian"
)

// Document identifiers are ten random symbols followed by one check symbol,
// shown in groups of four: "D7K3-9QXM-4RA". The symbols are Crockford's
// base32 alphabet without its last letter (0-9 and A-Y without I, L, O and
// U: no two look alike), 31 in all, so that the check can work modulo the
// prime 31: the eleven symbol values v1..v11, weighted 1..11, sum to 0
// modulo 31. Because 31 is prime and the weights are distinct and below 31,
// this catches every single wrong symbol and every swap of two neighbouring
// symbols, which Luhn mod 32 does not (it misses 0↔Z), and unlike
// Crockford's mod-37 check it needs no extra symbols (*~$=U) that are
// awkward to read aloud or to put in a URL. Ten symbols give 31^10 ≈ 8×10^14
// ids, so guessing one that was issued is hopeless. People may type an id
// in any case, with or without dashes or spaces, with Persian digits, and
// with O for 0 or I and L for 1.
const (
	alphabet  = "0123456789ABCDEFGHJKMNPQRSTVWXY"
	base      = len(alphabet) // 31, a prime
	idSymbols = 10            // random symbols, before the check symbol
	idLen     = idSymbols + 1
)

// newDocumentID returns a fresh canonical id (no dashes).
func newDocumentID() string {
	out := make([]byte, 0, idLen)
	var b [32]byte
	for len(out) < idSymbols {
		if _, err := rand.Read(b[:]); err != nil {
			panic("permit: no randomness: " + err.Error()) // crypto/rand never fails on supported systems
		}
		for _, x := range b {
			// Rejection sampling keeps every symbol equally likely:
			// 248 = 8 × 31.
			if x < 248 && len(out) < idSymbols {
				out = append(out, alphabet[int(x)%base])
			}
		}
	}
	return string(append(out, checkSymbol(string(out))))
}

// symbolValue returns the value of one canonical symbol, or -1.
func symbolValue(c byte) int { return strings.IndexByte(alphabet, c) }

// checkSymbol returns the symbol c that makes the weighted sum of s+c zero
// modulo 31 (s in canonical symbols): c = -Σ i·v_i × 11⁻¹ mod 31.
func checkSymbol(s string) byte {
	sum := 0
	for i := 0; i < len(s); i++ {
		sum += (i + 1) * symbolValue(s[i])
	}
	// 11⁻¹ mod 31 = 17 (11 × 17 = 187 = 6 × 31 + 1).
	return alphabet[((base-sum%base)%base)*17%base]
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
