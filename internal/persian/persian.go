// Package persian holds the text rules that every other package shares: the
// one normaliser used wherever Persian text is indexed, searched, validated or
// compared; digit conversion between ASCII, Persian and Arabic-Indic forms;
// the national code (کد ملی) check; and Jalali dates for display.
//
// It must never depend on another Panjare package: everything imports it.
package persian

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	zwnj = '\u200c' // zero-width non-joiner, the half-space of Persian words
	zwj  = '\u200d'
)

// foldRune maps one rune to its canonical form for processing: Arabic yeh and
// kaf to their Persian letters, every Persian and Arabic-Indic digit to ASCII,
// and Arabic letter variants that typists use interchangeably to one form.
// It reports drop=true for runes that carry no meaning for matching
// (diacritics, tatweel, bidi marks).
func foldRune(r rune) (out rune, drop bool) {
	switch {
	case r >= '۰' && r <= '۹':
		return '0' + (r - '۰'), false
	case r >= '٠' && r <= '٩':
		return '0' + (r - '٠'), false
	}
	switch r {
	case 'ي', 'ى', 'ئ': // Arabic yeh, alef maksura, yeh with hamza above
		return 'ی', false
	case 'ك':
		return 'ک', false
	case 'ة':
		return 'ه', false
	case 'ۀ': // heh with yeh above, written either way
		return 'ه', false
	case 'أ', 'إ', 'ٱ', 'آ':
		return 'ا', false
	case 'ؤ':
		return 'و', false
	case 'ـ': // tatweel
		return 0, true
	case '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e',
		'\u2066', '\u2067', '\u2068', '\u2069', '\ufeff':
		return 0, true
	}
	// Harakat, tanwin, shadda, sukun, superscript alef and the like.
	if (r >= '\u064b' && r <= '\u065f') || r == '\u0670' || (r >= '\u06d6' && r <= '\u06ed') {
		return 0, true
	}
	return r, false
}

// Fold returns s in the canonical form used for search and comparison:
// letters and digits unified (ي→ی, ك→ک, ۱→1, ١→1), diacritics and tatweel
// removed, every ZWNJ or run of spaces turned into one plain space, case
// folded, and the ends trimmed. Two strings that a Persian reader would call
// the same word fold to the same bytes.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r == utf8.RuneError {
			continue
		}
		r, drop := foldRune(r)
		if drop {
			continue
		}
		if r == zwnj || r == zwj || unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// Clean returns s tidied for storage, keeping what a reader sees: letters
// unified (ي→ی, ك→ک), digits left as typed, ZWNJ kept (it is part of correct
// spelling), runs of spaces folded and the ends trimmed. Invalid UTF-8 is
// dropped. Use Fold, not Clean, when comparing.
func Clean(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if r == utf8.RuneError {
			continue
		}
		switch r {
		case 'ي', 'ى':
			r = 'ی'
		case 'ك':
			r = 'ک'
		}
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ASCIIDigits replaces every Persian or Arabic-Indic digit in s with its ASCII
// digit and leaves everything else alone.
func ASCIIDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '۰' && r <= '۹':
			return '0' + (r - '۰')
		case r >= '٠' && r <= '٩':
			return '0' + (r - '٠')
		}
		return r
	}, s)
}

// Digits replaces every ASCII or Arabic-Indic digit in s with its Persian
// digit, for display.
func Digits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return '۰' + (r - '0')
		case r >= '٠' && r <= '٩':
			return '۰' + (r - '٠')
		}
		return r
	}, s)
}
