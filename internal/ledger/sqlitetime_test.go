package ledger

import (
	"testing"
	"time"
)

// TestSQLiteTime checks the fast parse against the driver's layouts.
func TestSQLiteTime(t *testing.T) {
	for _, s := range []string{
		"2026-12-02 10:00:00.123456+00:00",
		"2026-12-02 10:00:00.123456789+00:00",
		"2026-12-02 13:30:00.1+03:30",
		"2026-12-02T10:00:00-05:00",
		"2026-12-02 10:00:00",
		"2026-12-02 10:00:00Z",
		"2026-12-02 10:00:00.5Z",
		"2024-02-29 23:59:59.999999-00:00",
	} {
		got, ok := fastSQLiteTime([]byte(s))
		if !ok {
			t.Errorf("%s: fast path refused it", s)
			continue
		}
		want, err := slowSQLiteTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("%s: fast %v, layouts %v (%v)", s, got, want, err)
		}
	}
	// What the fast path leaves to the layouts, and how they read it.
	for s, valid := range map[string]bool{
		"2025-02-29 10:00:00+00:00":                    false,
		"2026-13-01 10:00:00+00:00":                    false,
		"2026-12-02 24:00:00+00:00":                    false,
		"2026-12-02 10:00":                             true,
		"2026-12-02":                                   true,
		"2026-12-02 10:00:00.999999999 +0000 UTC m=+1": true,
		"yesterday":                                    false,
	} {
		if _, ok := fastSQLiteTime([]byte(s)); ok {
			t.Errorf("%s: the fast path took it", s)
		}
		got, err := parseSQLiteTime([]byte(s))
		if (err == nil) != valid {
			t.Errorf("%s: %v, %v", s, got, err)
		}
	}
}

// slowSQLiteTime is the driver's way without the fast path.
func slowSQLiteTime(s string) (time.Time, error) {
	ts := s
	if len(ts) > 0 && ts[len(ts)-1] == 'Z' {
		ts = ts[:len(ts)-1]
	}
	var err error
	for _, layout := range sqliteTimeLayouts {
		var tm time.Time
		if tm, err = time.Parse(layout, ts); err == nil {
			return tm, nil
		}
	}
	return time.Time{}, err
}
