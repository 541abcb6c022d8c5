package synth

import (
	"strconv"
	"time"
)

// date is a civil date, counted in days since 1970-01-01; the zero value means
// "no date" (1970 never occurs in the model).
type date int32

// ymd returns the date of the year, month and day given.
func ymd(y int, m time.Month, d int) date {
	return date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Key dates of the model.
var (
	programmeStart = ymd(2019, 3, 1)
	lastPreDay1    = ymd(2022, 6, 20) // the latest start of a posting in post on day1
	census         = ymd(2022, 6, 30) // the annual vacancy census
	day1           = ymd(2022, 7, 21) // the demo's reference day (the README's example queries use it)
	day2           = ymd(2022, 12, 31)
	recruitFrom    = ymd(2022, 8, 1) // open recruits after day1 start in this window
	election2021   = ymd(2021, 5, 1) // the 2021 village election window
	election2021To = ymd(2021, 10, 31)
	dissolvedOn    = ymd(2020, 6, 30)
	newCommunityOn = ymd(2023, 3, 1)
)

// time returns midnight UTC of d.
func (d date) time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// parts returns the year, month and day of d.
func (d date) parts() (int, time.Month, int) { return d.time().Date() }

// addYears returns the same month and day n years later (29 February becomes 1 March).
func (d date) addYears(n int) date { return fromTime(d.time().AddDate(n, 0, 0)) }

// addMonths returns the same day n months later, normalised as time.AddDate does.
func (d date) addMonths(n int) date { return fromTime(d.time().AddDate(0, n, 0)) }

// inPost reports whether a posting from start to end (0: open) is in post on day:
// start <= day and (no end or end > day), as the metric macros define it (docs/warehouse.md).
func inPost(start, end, day date) bool { return start <= day && (end == 0 || end > day) }

func fromTime(t time.Time) date { return date(t.Unix() / 86400) }

// serial returns the Excel 1900-system serial number of d.
func (d date) serial() int { return int(d) + 25569 }

// ageOn returns the age in full years on day of someone born on birth.
func ageOn(birth, day date) int {
	by, bm, bd := birth.parts()
	y, m, dd := day.parts()
	age := y - by
	if m < bm || (m == bm && dd < bd) {
		age--
	}
	return age
}

// dateForm is how a county writes dates as text. format takes the parts
// separately so that invalid dates (for dirty rows) can be written too.
type dateForm int

const (
	formISO        dateForm = iota // 2022-07-01
	formSlash                      // 2022/7/1
	formDot                        // 2022.7.1
	formCompact                    // 20220701
	formChinese                    // 2022年7月1日
	formDateTime                   // 2022-07-01T09:00:00+08:00
	formDashShort                  // 2022-7-1
	formChineseMon                 // 2022年7月 (the first of the month)
)

// format writes year y, month m and day d in form f.
func (f dateForm) format(y, m, d int) string {
	b := make([]byte, 0, 32)
	switch f {
	case formISO, formDateTime:
		b = strconv.AppendInt(b, int64(y), 10)
		b = append(b, '-')
		b = pad2(b, m)
		b = append(b, '-')
		b = pad2(b, d)
		if f == formDateTime {
			b = append(b, "T09:00:00+08:00"...)
		}
	case formSlash, formDot, formDashShort:
		sep := map[dateForm]byte{formSlash: '/', formDot: '.', formDashShort: '-'}[f]
		b = strconv.AppendInt(b, int64(y), 10)
		b = append(b, sep)
		b = strconv.AppendInt(b, int64(m), 10)
		b = append(b, sep)
		b = strconv.AppendInt(b, int64(d), 10)
	case formCompact:
		b = strconv.AppendInt(b, int64(y), 10)
		b = pad2(b, m)
		b = pad2(b, d)
	case formChinese:
		b = strconv.AppendInt(b, int64(y), 10)
		b = append(b, "年"...)
		b = strconv.AppendInt(b, int64(m), 10)
		b = append(b, "月"...)
		b = strconv.AppendInt(b, int64(d), 10)
		b = append(b, "日"...)
	case formChineseMon:
		b = strconv.AppendInt(b, int64(y), 10)
		b = append(b, "年"...)
		b = strconv.AppendInt(b, int64(m), 10)
		b = append(b, "月"...)
	}
	return string(b)
}

// formatDate writes d in form f.
func (f dateForm) formatDate(d date) string {
	y, m, dd := d.parts()
	return f.format(y, int(m), dd)
}

func pad2(b []byte, n int) []byte {
	if n < 10 {
		b = append(b, '0')
	}
	return strconv.AppendInt(b, int64(n), 10)
}
