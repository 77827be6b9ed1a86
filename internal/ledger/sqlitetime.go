package ledger

import (
	"fmt"
	"strings"
	"time"
)

// SQLite keeps an event's time as text, which modernc's driver parses by
// trying time.Parse with one layout after another: on the sealer's path
// that was a fifth of reading a row. The sealer selects the text and
// parses the form the driver writes (_time_format=sqlite) itself, and
// gives anything else to the driver's own sequence of layouts, so that it
// reads every value as store.Events does.

// sqliteTimeLayouts are the driver's layouts, in its order.
var sqliteTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseSQLiteTime parses a time as modernc's driver does.
func parseSQLiteTime(b []byte) (time.Time, error) {
	if t, ok := fastSQLiteTime(b); ok {
		return t, nil
	}
	s := string(b)
	// time.Time.String's form, which the driver writes without a
	// _time_format.
	ts := s
	if i := strings.Index(ts, "m="); i > 0 {
		ts = ts[:i]
	}
	if t, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", strings.TrimSpace(ts)); err == nil {
		return t, nil
	}
	ts, _ = strings.CutSuffix(s, "Z")
	for _, layout := range sqliteTimeLayouts {
		if t, err := time.Parse(layout, ts); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("ledger: event time %q is not a time", s)
}

// fastSQLiteTime parses "YYYY-MM-DD HH:MM:SS[.fraction][±HH:MM|Z]" (a T
// for the space too), the driver's first layouts; ok is false for
// anything else, or for a value out of range, which the slow path judges.
func fastSQLiteTime(b []byte) (t time.Time, ok bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || (b[10] != ' ' && b[10] != 'T') || b[13] != ':' || b[16] != ':' {
		return t, false
	}
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	year, ok1 := num(b[0:4])
	month, ok2 := num(b[5:7])
	day, ok3 := num(b[8:10])
	hour, ok4 := num(b[11:13])
	minute, ok5 := num(b[14:16])
	sec, ok6 := num(b[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return t, false
	}
	if day > time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return t, false
	}
	rest := b[19:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		digits := i - 1
		if digits == 0 || digits > 9 {
			return t, false
		}
		nsec, _ = num(rest[1:i])
		for range 9 - digits {
			nsec *= 10
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case len(rest) == 0:
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okh := num(rest[1:3])
		om, okm := num(rest[4:6])
		if !okh || !okm || oh > 23 || om > 59 {
			return t, false
		}
		offset = (oh*60 + om) * 60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return t, false
	}
	t = time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC).Add(-time.Duration(offset) * time.Second)
	return t, true
}
