// Package agencycode holds the one rule for an agency's code, such as NOCR
// or FARAJA_PASS: the catalogue registers agencies by it, identity gives
// staff roles and API keys by it, and the exchange names GOV members and
// evidence inquiries ("NOCR/person-identity") by it. Keeping the rule here,
// below all three, is what stops them from drifting apart again: an agency
// the catalogue accepts must be one that can have staff and keys.
//
// It must never grow into a registry: whether an agency exists is the
// catalogue's business.
package agencycode

// MaxLen is the longest agency code.
const MaxLen = 20

// Pattern is the rule as a regular expression, for documents such as the
// OpenAPI description; Valid is what the code checks.
const Pattern = `^[A-Z][A-Z0-9_]{1,19}$`

// The rule in words, for messages.
const (
	RuleEn = "2 to 20 capital Latin letters, digits or _, starting with a letter, such as NOCR or FARAJA_PASS"
	RuleFa = "۲ تا ۲۰ حرف بزرگ لاتین، رقم یا _ که با حرف آغاز شود، مانند NOCR یا FARAJA_PASS"
)

// Valid reports whether s is a well-formed agency code (Pattern).
func Valid(s string) bool {
	if len(s) < 2 || len(s) > MaxLen || s[0] < 'A' || s[0] > 'Z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}
