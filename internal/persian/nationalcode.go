package persian

import "errors"

// Errors returned by CheckNationalCode. They are stable: callers map them to
// user-facing messages.
var (
	ErrNationalCodeLength   = errors.New("national code must have 10 digits")
	ErrNationalCodeRepeated = errors.New("national code cannot be one digit repeated")
	ErrNationalCodeCheck    = errors.New("national code check digit does not match")
)

// NormalizeNationalCode converts Persian and Arabic-Indic digits to ASCII and
// drops the separators people type (spaces, dashes), so that "۰۰۶-۷۷۴۹۸۲-۸"
// becomes "0067749828". It does not validate.
func NormalizeNationalCode(s string) string {
	s = ASCIIDigits(s)
	out := make([]byte, 0, 10)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' || c == '-' || c == '.':
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// CheckNationalCode validates an Iranian national code (کد ملی): ten digits,
// not all the same, whose tenth digit is the check digit of the first nine
// (weights 10 down to 2, r = sum mod 11; valid iff r < 2 and d10 = r, or
// r >= 2 and d10 = 11 - r). The code must already be normalised.
func CheckNationalCode(code string) error {
	if len(code) != 10 {
		return ErrNationalCodeLength
	}
	same := true
	for i := 0; i < 10; i++ {
		if code[i] < '0' || code[i] > '9' {
			return ErrNationalCodeLength
		}
		if code[i] != code[0] {
			same = false
		}
	}
	if same {
		return ErrNationalCodeRepeated
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(code[i]-'0') * (10 - i)
	}
	r := sum % 11
	check := int(code[9] - '0')
	if (r < 2 && check == r) || (r >= 2 && check == 11-r) {
		return nil
	}
	return ErrNationalCodeCheck
}

// ValidNationalCode reports whether s, after normalisation, is a valid
// national code.
func ValidNationalCode(s string) bool {
	return CheckNationalCode(NormalizeNationalCode(s)) == nil
}
