// Package dates reads the dates that county feeds hold (docs/feeds.md, 日期) and
// converts them to and from Arrow's date32, days since 1970-01-01.
//
// A date is a civil date: Parse returns midnight UTC of the date as written,
// and a date-time gives its date without any time-zone conversion.
package dates

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrBadDate is wrapped by every error from Parse. The messages say which
// form was recognised and what is wrong, never the input itself, which may
// be personal data in a wrong column.
var ErrBadDate = errors.New("dates: bad date")

// Years outside this range are errors.
const (
	MinYear = 1900
	MaxYear = 2200
)

// Names of the forms, for error messages.
const (
	formYMD      = "year-month-day form"
	formCompact  = "yyyymmdd form"
	formYM       = "year-month form"
	formChinese  = "年月日 form"
	formDateTime = "date-time form"
	formSerial   = "Excel serial number"
)

var (
	errEmpty = fmt.Errorf("%w: empty", ErrBadDate)
	errForm  = fmt.Errorf("%w: not a recognised date form", ErrBadDate)
	errTime  = fmt.Errorf("%w: bad time of day in %s", ErrBadDate, formDateTime)
)

// Excel's 1900 date system: serial 1 is 1900-01-01 and serial 60 is
// 1900-02-29, a day that never was (Lotus 1-2-3 took 1900 for a leap year);
// from serial 61 on, serial n is n days after 1899-12-30.
const (
	serialFictitious = 60
	serialMax        = 2958465 // 9999-12-31, Excel's last date
	serialTo1970     = 25569   // serial of 1970-01-01
)

// Parse reads the date in s, which should already be text-normalised
// (half-width digits), and returns midnight UTC of that date. It accepts
//
//	2022-07-01  2022-7-1  2022/7/1  2022/07/01  2022.7.1  20220701
//	2022年7月1日  2022年7月1号  2022年07月01日
//	2022-07  2022/07  2022.07  2022年7月       (the first of the month)
//	2022-07-01T08:30:00+08:00  2022-07-01T08:30:00Z  2022-07-01 08:30:00
//	2022/7/1 8:30  2022年7月1日 8:30           (the date as written)
//
// and, when allowSerial is set, an Excel serial number in the 1900 date
// system such as 44743 or 44743.5 (2022-07-01; the fraction is the time of
// day). A number whose integer part has four digits followed by a point,
// such as 2022.07, is read as a year and month, not as a serial number.
//
// The year must lie in MinYear..MaxYear. Every error wraps ErrBadDate.
func Parse(s string, allowSerial bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errEmpty
	}
	y, i := digits(s, 0)
	switch {
	case i == 0:
		return time.Time{}, errForm
	case i == len(s) && i == 8:
		return civil(y/10000, y/100%100, y%100, formCompact)
	case i == len(s) || i != 4:
		if allowSerial {
			return serial(s)
		}
		return time.Time{}, errForm
	}

	// Four digits of year, then a separator.
	if sep := s[4]; sep == '-' || sep == '/' || sep == '.' {
		m, j := digits(s, 5)
		if j-5 < 1 || j-5 > 2 {
			return time.Time{}, errForm
		}
		if j == len(s) {
			return civil(y, m, 1, formYM)
		}
		if s[j] != sep {
			return time.Time{}, errForm
		}
		d, k := digits(s, j+1)
		if k-(j+1) < 1 || k-(j+1) > 2 {
			return time.Time{}, errForm
		}
		return withTime(s[k:], y, m, d, formYMD, "T ")
	}
	rest, ok := strings.CutPrefix(s[4:], "年")
	if !ok {
		return time.Time{}, errForm
	}
	m, j := digits(rest, 0)
	if j < 1 || j > 2 {
		return time.Time{}, errForm
	}
	if rest, ok = strings.CutPrefix(rest[j:], "月"); !ok {
		return time.Time{}, errForm
	}
	if rest == "" {
		return civil(y, m, 1, formYM)
	}
	d, k := digits(rest, 0)
	if k < 1 || k > 2 {
		return time.Time{}, errForm
	}
	rest = rest[k:]
	if strings.HasPrefix(rest, "日") || strings.HasPrefix(rest, "号") {
		return withTime(rest[len("日"):], y, m, d, formChinese, " ") // 日 and 号 are both 3 bytes
	}
	return time.Time{}, errForm
}

// withTime returns the date y-m-d when rest is empty or, for a date-time,
// when rest is one of the separators in seps followed by a valid time.
func withTime(rest string, y, m, d int, form, seps string) (time.Time, error) {
	if rest == "" {
		return civil(y, m, d, form)
	}
	if !strings.ContainsRune(seps, rune(rest[0])) {
		return time.Time{}, errForm
	}
	if !validTime(rest[1:]) {
		return time.Time{}, errTime
	}
	return civil(y, m, d, formDateTime)
}

// validTime reports whether s is a time of day: h:mm, hh:mm:ss, optionally
// with a fraction of a second (after a point or comma) and a zone (Z, +hh,
// +hhmm or +hh:mm, or the same with a minus).
func validTime(s string) bool {
	h, i := digits(s, 0)
	if i < 1 || i > 2 || h > 23 || i == len(s) || s[i] != ':' {
		return false
	}
	mm, j := digits(s, i+1)
	if j-(i+1) != 2 || mm > 59 {
		return false
	}
	s = s[j:]
	if len(s) > 0 && s[0] == ':' {
		sec, k := digits(s, 1)
		if k != 3 || sec > 60 { // 60 for a leap second
			return false
		}
		s = s[3:]
		if len(s) > 0 && (s[0] == '.' || s[0] == ',') {
			_, k := digits(s, 1)
			if k == 1 {
				return false
			}
			s = s[k:]
		}
	}
	switch {
	case s == "" || s == "Z" || s == "z":
		return true
	case s[0] == '+' || s[0] == '-':
		zh, ok := twoDigits(s[1:])
		if !ok || zh > 23 {
			return false
		}
		s = s[3:]
		if s == "" {
			return true
		}
		s = strings.TrimPrefix(s, ":")
		zm, ok := twoDigits(s)
		return ok && len(s) == 2 && zm <= 59
	}
	return false
}

// twoDigits reads the two ASCII digits at the start of s.
func twoDigits(s string) (int, bool) {
	if len(s) < 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

// serial reads an Excel serial number: ASCII digits, optionally followed by
// a point and more digits.
func serial(s string) (time.Time, error) {
	n, i := digits(s, 0)
	if i == 0 || i > 7 {
		return time.Time{}, fmt.Errorf("%w: not an %s", ErrBadDate, formSerial)
	}
	if i < len(s) {
		if s[i] != '.' {
			return time.Time{}, errForm
		}
		if _, j := digits(s, i+1); j == i+1 || j != len(s) {
			return time.Time{}, fmt.Errorf("%w: not an %s", ErrBadDate, formSerial)
		}
	}
	switch {
	case n < 1 || n > serialMax:
		return time.Time{}, fmt.Errorf("%w: %s out of range", ErrBadDate, formSerial)
	case n == serialFictitious:
		return time.Time{}, fmt.Errorf("%w: %s for 1900-02-29, which did not exist", ErrBadDate, formSerial)
	case n < serialFictitious:
		n++ // count from 1899-12-30 like the later serials
	}
	t := FromDays(int32(n - serialTo1970))
	if y := t.Year(); y < MinYear || y > MaxYear {
		return time.Time{}, fmt.Errorf("%w: year outside %d-%d in %s", ErrBadDate, MinYear, MaxYear, formSerial)
	}
	return t, nil
}

// civil returns midnight UTC of y-m-d after checking that it is a real date
// with a year in range.
func civil(y, m, d int, form string) (time.Time, error) {
	switch {
	case y < MinYear || y > MaxYear:
		return time.Time{}, fmt.Errorf("%w: year outside %d-%d in %s", ErrBadDate, MinYear, MaxYear, form)
	case m < 1 || m > 12:
		return time.Time{}, fmt.Errorf("%w: no such month in %s", ErrBadDate, form)
	case d < 1 || d > time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day():
		return time.Time{}, fmt.Errorf("%w: no such day in %s", ErrBadDate, form)
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}

// digits reads the run of ASCII digits in s from index i. It returns their
// value (meaningful only for runs of up to 9 digits, which are all that
// Parse uses) and the index just past the run.
func digits(s string, i int) (n, end int) {
	for end = i; end < len(s) && '0' <= s[end] && s[end] <= '9'; end++ {
		if end-i < 9 {
			n = n*10 + int(s[end]-'0')
		}
	}
	return n, end
}

// Days returns the number of days from 1970-01-01 to t's calendar date (in
// t's own location), the value of an Arrow date32.
func Days(t time.Time) int32 {
	y, m, d := t.Date()
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / (24 * 60 * 60))
}

// FromDays returns midnight UTC of the day that is days after 1970-01-01.
func FromDays(days int32) time.Time {
	return time.Unix(int64(days)*24*60*60, 0).UTC()
}
