package oversight

import (
	"fmt"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
	ptime "github.com/yaa110/go-persian-calendar"
)

// month is a Jalali year and month; idx orders months (year×12 + month−1),
// so that month arithmetic is integer arithmetic.
type month struct{ y, m int }

func (m month) idx() int         { return m.y*12 + m.m - 1 }
func fromIdx(i int) month        { return month{i / 12, i%12 + 1} }
func (m month) String() string   { return fmt.Sprintf("%04d-%02d", m.y, m.m) }
func (m month) add(n int) month  { return fromIdx(m.idx() + n) }
func (m month) yearEnd() month   { return month{m.y, 12} }
func (m month) start() time.Time { return jalaliStart(m.y, m.m) }

// end is the first instant after the month, in Tehran.
func (m month) end() time.Time { n := m.add(1); return jalaliStart(n.y, n.m) }

func jalaliStart(y, m int) time.Time {
	return ptime.Date(y, ptime.Month(m), 1, 0, 0, 0, 0, persian.Location()).Time()
}

// parseMonth reads "1404-07"; anything else is Invalid.
func parseMonth(op, s string) (month, error) {
	bad := func() (month, error) {
		return month{}, errs.E(op, errs.Invalid,
			fmt.Sprintf("month %q: want a Jalali year and month such as 1404-07", s),
			fmt.Sprintf("ماه %q: باید سال و ماه شمسی مانند ۱۴۰۴-۰۷ باشد", s))
	}
	if len(s) != 7 || s[4] != '-' {
		return bad()
	}
	y, err1 := strconv.Atoi(s[:4])
	m, err2 := strconv.Atoi(s[5:])
	if err1 != nil || err2 != nil || y < 1300 || m < 1 || m > 12 {
		return bad()
	}
	return month{y, m}, nil
}

// monthOf is the Jalali month containing t, in Tehran.
func monthOf(t time.Time) month {
	y, m := persian.JalaliMonth(t)
	return month{y, m}
}

// MonthName returns "مهر ۱۴۰۴" for "1404-07", or the text as given when it
// is not a month.
func MonthName(s string) string {
	m, err := parseMonth("", s)
	if err != nil {
		return s
	}
	return persian.MonthName(m.m) + " " + persian.Digits(strconv.Itoa(m.y))
}

// MonthNameEn returns "Mehr 1404" for "1404-07".
func MonthNameEn(s string) string {
	m, err := parseMonth("", s)
	if err != nil {
		return s
	}
	return persian.MonthNameEn(m.m) + " " + strconv.Itoa(m.y)
}

// LastEnded returns the last Jalali month that has ended at now: the one
// before now's month.
func LastEnded(now time.Time) string { return monthOf(now).add(-1).String() }
