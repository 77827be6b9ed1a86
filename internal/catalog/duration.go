package catalog

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Duration is a processing time: whole days and hours, written in ISO 8601
// ("P10D", "PT4H", "P1DT12H") on the wire and in CPSV-AP. It is also the SLA
// of the service.
type Duration struct {
	Days  int `json:"-"`
	Hours int `json:"-"`
}

// Std returns the duration as a time.Duration.
func (d Duration) Std() time.Duration {
	return time.Duration(d.Days)*24*time.Hour + time.Duration(d.Hours)*time.Hour
}

// IsZero reports whether the duration is empty.
func (d Duration) IsZero() bool { return d.Days == 0 && d.Hours == 0 }

// String returns the ISO 8601 form, "" for zero.
func (d Duration) String() string {
	if d.IsZero() {
		return ""
	}
	s := "P"
	if d.Days > 0 {
		s += strconv.Itoa(d.Days) + "D"
	}
	if d.Hours > 0 {
		s += "T" + strconv.Itoa(d.Hours) + "H"
	}
	return s
}

// ParseDuration reads an ISO 8601 duration of days, weeks and hours
// ("P10D", "P2W", "PT36H", "P1DT4H"). Hours of 24 or more carry into days.
func ParseDuration(s string) (Duration, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return Duration{}, nil
	}
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return Duration{}, fmt.Errorf("duration %q: want ISO 8601 such as P10D or PT4H", s)
	}
	var d Duration
	inTime := false
	num := ""
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			num += string(r)
			if len(num) > 5 {
				return Duration{}, fmt.Errorf("duration %q is too long", s)
			}
		case r == 'T' && !inTime && num == "":
			inTime = true
		case num == "":
			return Duration{}, fmt.Errorf("duration %q: a unit without a number", s)
		default:
			n, _ := strconv.Atoi(num)
			num = ""
			switch {
			case r == 'D' && !inTime:
				d.Days += n
			case r == 'W' && !inTime:
				d.Days += 7 * n
			case r == 'H' && inTime:
				d.Hours += n
			default:
				return Duration{}, fmt.Errorf("duration %q: only weeks, days and hours are allowed", s)
			}
		}
	}
	if num != "" {
		return Duration{}, fmt.Errorf("duration %q: a number without a unit", s)
	}
	d.Days += d.Hours / 24
	d.Hours %= 24
	return d, nil
}

// MarshalJSON writes the ISO 8601 form.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads the ISO 8601 form.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration: want a string such as \"P10D\"")
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}
