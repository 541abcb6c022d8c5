package dates

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParse(t *testing.T) {
	jul1 := date(2022, 7, 1)
	tests := []struct {
		in     string
		serial bool
		want   time.Time
	}{
		{"2022-07-01", false, jul1},
		{"2022-7-1", false, jul1},
		{"2022/7/1", false, jul1},
		{"2022/07/01", false, jul1},
		{"2022.7.1", false, jul1},
		{"2022.07.01", false, jul1},
		{"20220701", false, jul1},
		{"20220701", true, jul1},
		{"2022年7月1日", false, jul1},
		{"2022年07月01日", false, jul1},
		{"2022年7月1号", false, jul1},
		{"2022年7月", false, jul1},
		{"2022-07", false, jul1},
		{"2022-7", false, jul1},
		{"2022/07", false, jul1},
		{"2022.07", false, jul1},
		{"2022.7", true, jul1}, // year and month, not serial 2022
		{"2022.10", true, date(2022, 10, 1)},
		{"2022-07-01T08:30:00+08:00", false, jul1},
		{"2022-07-01T08:30:00Z", false, jul1},
		{"2022-07-01T23:59:59.999-07:00", false, jul1},
		{"2022-07-01T00:00:00,5+0530", false, jul1},
		{"2022-07-01T08:30+08", false, jul1},
		{"2022-07-01 08:30:00", false, jul1},
		{"2022/7/1 8:30", false, jul1},
		{"2022/7/1 0:00:00", false, jul1},
		{"2022年7月1日 8:30", false, jul1},
		{" 2022-07-01\t", false, jul1},
		{"2020-02-29", false, date(2020, 2, 29)},
		{"2000-02-29", false, date(2000, 2, 29)},
		{"1900-01-01", false, date(1900, 1, 1)},
		{"2200-12-31", false, date(2200, 12, 31)},
		// Excel serials. 1970-01-01 is serial 25569 and 2022-07-01 is 19174
		// days later (52*365 + 13 leap days + 181 days of 2022).
		{"44743", true, jul1},
		{"44743.5", true, jul1},
		{"44743.999", true, jul1},
		{"44743.0", true, jul1},
		{"25569", true, date(1970, 1, 1)},
		{"1", true, date(1900, 1, 1)},
		{"59", true, date(1900, 2, 28)},
		{"61", true, date(1900, 3, 1)},
		// 2200-12-31 is 230*365 + 56 leap days + 364 = 84370 days after
		// 1970-01-01, so serial 84370 + 25569.
		{"109939", true, date(2200, 12, 31)},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, tt.serial)
		if err != nil {
			t.Errorf("Parse(%q, %v): %v", tt.in, tt.serial, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q, %v) = %v, want %v", tt.in, tt.serial, got, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		in     string
		serial bool
		msg    string // the message after "dates: bad date: "
	}{
		{"", true, "empty"},
		{"  ", true, "empty"},
		{"2022-02-30", false, "no such day in year-month-day form"},
		{"2021-02-29", false, "no such day in year-month-day form"},
		{"1900-02-29", false, "no such day in year-month-day form"},
		{"2022-07-00", false, "no such day in year-month-day form"},
		{"2022-13-01", false, "no such month in year-month-day form"},
		{"2022-00-10", false, "no such month in year-month-day form"},
		{"2022-13", false, "no such month in year-month form"},
		{"20221301", false, "no such month in yyyymmdd form"},
		{"20220231", true, "no such day in yyyymmdd form"},
		{"2022年2月30日", false, "no such day in 年月日 form"},
		{"2022年13月", false, "no such month in year-month form"},
		{"1899-12-31", false, "year outside 1900-2200 in year-month-day form"},
		{"2201-01-01", false, "year outside 1900-2200 in year-month-day form"},
		{"00000101", false, "year outside 1900-2200 in yyyymmdd form"},
		{"2022-02-30T08:00:00", false, "no such day in date-time form"},
		{"2022-07-01T25:00", false, "bad time of day in date-time form"},
		{"2022-07-01T08:60", false, "bad time of day in date-time form"},
		{"2022-07-01T08:30:61", false, "bad time of day in date-time form"},
		{"2022-07-01T8", false, "bad time of day in date-time form"},
		{"2022-07-01T", false, "bad time of day in date-time form"},
		{"2022-07-01T08:30:00.", false, "bad time of day in date-time form"},
		{"2022-07-01T08:30:00+8", false, "bad time of day in date-time form"},
		{"2022-07-01T08:30:00+08:", false, "bad time of day in date-time form"},
		{"2022-07-01T08:30:00+08:00:00", false, "bad time of day in date-time form"},
		{"2022-07-01T08:30:00+08000", false, "bad time of day in date-time form"},
		{"2022-07-01T08:30:00+24:00", false, "bad time of day in date-time form"},
		{"2022-07-01T08:30:00+08:60", false, "bad time of day in date-time form"},
		{"2022-07-01T08:30:00Zx", false, "bad time of day in date-time form"},
		{"2022-07-01T08:30:00 +08:00", false, "bad time of day in date-time form"},
		{"2022年7月1日T08:30", false, "not a recognised date form"},
		{"2022-7/1", false, "not a recognised date form"},
		{"2022-07-01x", false, "not a recognised date form"},
		{"2022-007-01", false, "not a recognised date form"},
		{"2022-07-001", false, "not a recognised date form"},
		{"2022-07-", false, "not a recognised date form"},
		{"2022-", false, "not a recognised date form"},
		{"2022 - 07 - 01", false, "not a recognised date form"},
		{"22-7-1", false, "not a recognised date form"},
		{"2022年7月1", false, "not a recognised date form"},
		{"2022年", false, "not a recognised date form"},
		{"2022年7", false, "not a recognised date form"},
		{"2022年7月1日x", false, "not a recognised date form"},
		{"July 1, 2022", false, "not a recognised date form"},
		{"２０２２-07-01", false, "not a recognised date form"},
		{"202207", false, "not a recognised date form"},
		{"2022", false, "not a recognised date form"},
		{"44743", false, "not a recognised date form"},
		{"44743.5", false, "not a recognised date form"},
		{"-44743", true, "not a recognised date form"},
		{"44743.", true, "not an Excel serial number"},
		{"44743.5.1", true, "not an Excel serial number"},
		{"44743,5", true, "not a recognised date form"},
		{"4.4743E4", true, "not an Excel serial number"},
		{"12345678", true, "year outside 1900-2200 in yyyymmdd form"},
		{"123456789", true, "not an Excel serial number"},
		{"0", true, "Excel serial number out of range"},
		{"60", true, "Excel serial number for 1900-02-29, which did not exist"},
		{"2958466", true, "Excel serial number out of range"},
		{"2958465", true, "year outside 1900-2200 in Excel serial number"},
		{"109940", true, "year outside 1900-2200 in Excel serial number"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in, tt.serial)
		if !errors.Is(err, ErrBadDate) {
			t.Errorf("Parse(%q, %v) = %v, %v; want ErrBadDate", tt.in, tt.serial, got, err)
			continue
		}
		if want := "dates: bad date: " + tt.msg; err.Error() != want {
			t.Errorf("Parse(%q, %v) error %q, want %q", tt.in, tt.serial, err, want)
		}
		if len(tt.in) >= 5 && strings.Contains(err.Error(), strings.TrimSpace(tt.in)) {
			t.Errorf("Parse(%q) error %q holds the input", tt.in, err)
		}
		if !got.IsZero() {
			t.Errorf("Parse(%q) returned %v with an error", tt.in, got)
		}
	}
}

func TestDays(t *testing.T) {
	tests := []struct {
		t    time.Time
		days int32
	}{
		{date(1970, 1, 1), 0},
		{date(1970, 1, 2), 1},
		{date(1969, 12, 31), -1},
		{date(2022, 7, 1), 19174},
		// 70 years of 365 days and 17 leap days (1904-1968).
		{date(1900, 1, 1), -25567},
		{date(2200, 12, 31), 84370},
	}
	for _, tt := range tests {
		if got := Days(tt.t); got != tt.days {
			t.Errorf("Days(%v) = %d, want %d", tt.t, got, tt.days)
		}
		if got := FromDays(tt.days); got != tt.t {
			t.Errorf("FromDays(%d) = %v, want %v", tt.days, got, tt.t)
		}
	}
	// The calendar date in t's own location counts: 2022-07-01 00:30 in
	// China is 2022-06-30 in UTC.
	china := time.FixedZone("CST", 8*60*60)
	if got := Days(time.Date(2022, 7, 1, 0, 30, 0, 0, china)); got != 19174 {
		t.Errorf("Days(2022-07-01 00:30 +08:00) = %d, want 19174", got)
	}
}

func BenchmarkParse(b *testing.B) {
	in := []string{"2022-07-01", "2022年7月1日", "20220701", "2022/7/1 8:30", "44743"}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range in {
			if _, err := Parse(s, true); err != nil {
				b.Fatal(err)
			}
		}
	}
}
