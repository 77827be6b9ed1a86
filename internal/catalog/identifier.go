package catalog

import (
	"strconv"
	"strings"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
)

// Service identifiers (شناسهٔ خدمت) are seven digits: a six-digit serial,
// from 100001, and a Damm check digit. Damm's quasigroup catches every
// single-digit error and every transposition of adjacent digits, the two
// mistakes people make most when they type or read out a number.

// Serial bounds of service identifiers.
const (
	FirstSerial = 100001
	LastSerial  = 999999
)

// dammTable is the totally anti-symmetric quasigroup of order 10 from Damm's
// thesis (2004).
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

// damm returns the interim digit of the ASCII digits s: the check digit when
// s lacks one, and 0 when s ends with a correct check digit.
func damm(s string) byte {
	var interim byte
	for i := 0; i < len(s); i++ {
		interim = dammTable[interim][s[i]-'0']
	}
	return interim
}

// FormatID returns the identifier of the given serial: the six-digit serial
// followed by its Damm check digit, e.g. FormatID(100001) = "1000015". The
// serial must lie between FirstSerial and LastSerial.
func FormatID(serial int) string {
	s := strconv.Itoa(serial)
	return s + string('0'+damm(s))
}

// normalizeID removes what people type around an identifier: Persian and
// Arabic-Indic digits become ASCII; spaces, dashes, dots and invisible
// direction marks go.
func normalizeID(s string) string {
	s = persian.ASCIIDigits(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r', '\u00a0', '\u200c', '\u200d', '\u200e', '\u200f',
			'\u2066', '\u2067', '\u2068', '\u2069', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\ufeff',
			'-', '_', '.', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2212', '\u0640':
			return -1
		}
		return r
	}, s)
}

// ParseID normalises a service identifier as typed (Persian or Arabic
// digits, spaces, dashes) and checks its length and check digit. The error
// is errs.Invalid with a message that says what is wrong.
func ParseID(s string) (string, error) {
	const op = "catalog.ParseID"
	id := normalizeID(s)
	if id == "" {
		return "", errs.E(op, errs.Invalid, "enter the service identifier",
			"شناسهٔ خدمت را وارد کنید.")
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return "", errs.E(op, errs.Invalid, "a service identifier has only digits",
				"شناسهٔ خدمت فقط از رقم تشکیل می‌شود.")
		}
	}
	if len(id) != 7 {
		return "", errs.E(op, errs.Invalid,
			"a service identifier has 7 digits; this one has "+strconv.Itoa(len(id)),
			"شناسهٔ خدمت ۷ رقم دارد؛ این شناسه "+persian.Digits(strconv.Itoa(len(id)))+" رقم دارد.")
	}
	if id[0] == '0' {
		return "", errs.E(op, errs.Invalid, "service identifiers do not start with 0",
			"شناسهٔ خدمت با صفر شروع نمی‌شود.")
	}
	if damm(id) != 0 {
		return "", errs.E(op, errs.Invalid,
			"the identifier's check digit does not match: a digit is probably mistyped or two digits are swapped",
			"رقم کنترل شناسه درست نیست؛ احتمالاً یکی از رقم‌ها اشتباه وارد شده یا جای دو رقم عوض شده است.")
	}
	return id, nil
}
