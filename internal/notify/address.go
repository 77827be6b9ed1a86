package notify

import (
	"net/mail"
	"strings"
	"unicode/utf16"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
)

// ParseMobile normalises an Iranian mobile number to 09xxxxxxxxx. It accepts
// Persian and Arabic-Indic digits, spaces, dashes and parentheses, and the
// +98, 0098 and 98 forms. Anything else is errs.Invalid, with a message that
// does not repeat the number.
func ParseMobile(s string) (string, error) {
	const op = "notify.ParseMobile"
	s = persian.ASCIIDigits(strings.TrimSpace(s))
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '(', ')', '.', '\u200c', '\u00a0':
			return -1
		}
		return r
	}, s)
	switch {
	case strings.HasPrefix(s, "+98"):
		s = "0" + s[3:]
	case strings.HasPrefix(s, "0098"):
		s = "0" + s[4:]
	case strings.HasPrefix(s, "98") && len(s) == 12:
		s = "0" + s[2:]
	case strings.HasPrefix(s, "9") && len(s) == 10:
		s = "0" + s
	}
	if len(s) != 11 || !strings.HasPrefix(s, "09") || strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' }) {
		return "", &errs.Error{Op: op, Kind: errs.Invalid,
			En:     "the mobile number is not valid: it must look like 09121234567",
			Fa:     "شمارهٔ همراه درست نیست: باید مانند ۰۹۱۲۱۲۳۴۵۶۷ باشد",
			Fields: []errs.FieldError{{Field: "phone", En: "must be an Iranian mobile number, 09xxxxxxxxx", Fa: "باید شمارهٔ همراه ایرانی به شکل ۰۹xxxxxxxxx باشد"}}}
	}
	return s, nil
}

// ParseEmail checks and returns a bare email address ("name@example.ir").
func ParseEmail(s string) (string, error) {
	const op = "notify.ParseEmail"
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@')+1:], ".") {
		return "", &errs.Error{Op: op, Kind: errs.Invalid,
			En:     "the email address is not valid",
			Fa:     "نشانی رایانامه درست نیست",
			Fields: []errs.FieldError{{Field: "email", En: "must be an address like name@example.ir", Fa: "باید نشانی‌ای مانند name@example.ir باشد"}}}
	}
	return s, nil
}

// maxSMSParts is the most parts one notice's SMS may take.
const maxSMSParts = 3

// SMSParts returns how many SMS parts text takes: text in the GSM 7-bit
// alphabet fits 160 characters in one part and 153 in each part of a longer
// message; anything else (Persian) is sent as UCS-2, 70 in one part and 67 in
// each part of a longer one.
func SMSParts(text string) int {
	if text == "" {
		return 0
	}
	gsm := true
	units := 0
	for _, r := range text {
		switch {
		case r == '\n' || r == '\r' || (r >= ' ' && r <= '~' && !strings.ContainsRune("`", r)):
			units++
			if strings.ContainsRune("^{}\\[~]|", r) {
				units++ // the GSM extension table takes two septets
			}
		default:
			gsm = false
		}
	}
	single, multi := 160, 153
	if !gsm {
		units = len(utf16.Encode([]rune(text)))
		single, multi = 70, 67
	}
	if units <= single {
		return 1
	}
	return (units + multi - 1) / multi
}
