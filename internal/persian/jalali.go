package persian

import (
	"strconv"
	"time"

	ptime "github.com/yaa110/go-persian-calendar"
)

// Tehran is the time zone used for display and for day and month boundaries
// in reports. It is loaded from the Go time zone database when available and
// otherwise falls back to Iran's fixed offset.
var tehran = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Tehran"); err == nil {
		return loc
	}
	return time.FixedZone("IRST", 3*3600+1800)
}()

// Location returns the time zone used for Jalali display and reporting.
func Location() *time.Location { return tehran }

var monthsFa = [...]string{"", "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
	"مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"}

// JalaliDate returns t as a Jalali date in Persian, with Persian digits:
// "۲ آذر ۱۴۰۵".
func JalaliDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	p := ptime.New(t.In(tehran))
	return Digits(strconv.Itoa(p.Day())) + " " + monthsFa[p.Month()] + " " + Digits(strconv.Itoa(p.Year()))
}

// JalaliDateTime returns t as a Jalali date with the time of day, in Persian.
func JalaliDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	lt := t.In(tehran)
	return JalaliDate(t) + "، " + Digits(lt.Format("15:04"))
}

// JalaliNumeric returns t as yyyy/mm/dd in the Jalali calendar with ASCII
// digits, for machine-readable places (CSV, reports, sorting).
func JalaliNumeric(t time.Time) string {
	p := ptime.New(t.In(tehran))
	return strconv.Itoa(p.Year()) + "/" + pad2(int(p.Month())) + "/" + pad2(p.Day())
}

// JalaliMonth returns the Jalali year and month that contain t, in Tehran.
func JalaliMonth(t time.Time) (year, month int) {
	p := ptime.New(t.In(tehran))
	return p.Year(), int(p.Month())
}

// MonthKey returns the Jalali month that contains t, in Tehran, as the
// oversight figures name months: "1404-07".
func MonthKey(t time.Time) string {
	y, m := JalaliMonth(t)
	return strconv.Itoa(y) + "-" + pad2(m)
}

// monthsEn are the Jalali months' names in English transliteration.
var monthsEn = [...]string{"", "Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar",
	"Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand"}

// MonthNameEn returns the English name of Jalali month m (1 = Farvardin).
func MonthNameEn(m int) string {
	if m < 1 || m > 12 {
		return ""
	}
	return monthsEn[m]
}

// MonthName returns the Persian name of Jalali month m (1 = Farvardin).
func MonthName(m int) string {
	if m < 1 || m > 12 {
		return ""
	}
	return monthsFa[m]
}

func pad2(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
