package xls

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// IsDateFormat reports whether a cell number format shows a date or a time:
// the built-in formats 14–22 and 45–47 (and 27–36, 50–58, the date formats
// of the Chinese, Japanese and Korean editions of Excel) when code is "",
// else a code with y, m, d, h or s outside quoted text, escapes and
// [brackets] (so "yyyy\"年\"m\"月\"d\"日\"" and "[$-804]yyyy-mm-dd" are
// dates, "0.00", "#,##0" and "[Red]0" are not). It serves .xlsx styles too.
func IsDateFormat(id int, code string) bool {
	if code == "" {
		return id >= 14 && id <= 22 || id >= 45 && id <= 47 || id >= 27 && id <= 36 || id >= 50 && id <= 58
	}
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case '"':
			j := strings.IndexByte(code[i+1:], '"')
			if j < 0 {
				return false
			}
			i += j + 1
		case '[':
			j := strings.IndexByte(code[i+1:], ']')
			if j < 0 {
				return false
			}
			i += j + 1
		case '\\', '_', '*':
			i++ // the next character is literal, padding or fill
		case 'y', 'Y', 'm', 'M', 'd', 'D', 'h', 'H', 's', 'S':
			return true
		}
	}
	return false
}

// maxSerial is 9999-12-31, the last day Excel shows.
const maxSerial = 2958465

var (
	epoch1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	epoch1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// SerialText writes the date (and time) that the serial number v stands for
// in the 1900 (or, with date1904, the 1904) date system, as "2006-01-02",
// or "2006-01-02 15:04:05" when it has a time of day to the nearest second,
// or "15:04:05" for a time alone (an integer part of 0). It returns false
// for a value that is no date: negative, not finite, past 9999-12-31, or
// 1900-02-29 (serial 60, a day the 1900 system counts but that did not
// exist).
func SerialText(v float64, date1904 bool) (string, bool) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > maxSerial+1 {
		return "", false
	}
	days := math.Floor(v)
	secs := math.Round((v - days) * 86400)
	if secs >= 86400 {
		days, secs = days+1, 0
	}
	if days > maxSerial {
		return "", false
	}
	clock := time.Duration(secs) * time.Second
	if days == 0 && secs > 0 {
		return time.Time{}.Add(clock).Format("15:04:05"), true
	}
	var t time.Time
	switch {
	case date1904:
		t = epoch1904.AddDate(0, 0, int(days))
	case days == 0:
		return "", false // 1900-01-00 in Excel
	case days < 60:
		t = epoch1900.AddDate(0, 0, int(days)+1)
	case days == 60:
		return "", false
	default:
		t = epoch1900.AddDate(0, 0, int(days))
	}
	if secs == 0 {
		return t.Format("2006-01-02"), true
	}
	return t.Add(clock).Format("2006-01-02 15:04:05"), true
}

// NumberText writes a cell's number as Excel's files hold it: the shortest
// decimal that reads back as v, in exponent form only for very large or
// very small values.
func NumberText(v float64) string {
	if a := math.Abs(v); a != 0 && (a >= 1e21 || a < 1e-6) {
		return strconv.FormatFloat(v, 'E', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}
