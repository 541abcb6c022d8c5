package dates

import (
	"errors"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that every date it returns is
// midnight UTC within the year range and reads back from its ISO form, and
// that Days and FromDays round-trip it.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"2022-07-01", "2022/7/1", "2022.7.1", "20220701", "2022年7月1日", "2022年7月1号",
		"2022年7月", "2022-07", "2022-07-01T08:30:00+08:00", "2022/7/1 8:30", "44743",
		"44743.5", "60", "2022-02-30", "", "2022.10",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, allowSerial bool) {
		d, err := Parse(s, allowSerial)
		if err != nil {
			if !errors.Is(err, ErrBadDate) {
				t.Fatalf("Parse(%q): error %v does not wrap ErrBadDate", s, err)
			}
			return
		}
		if d != time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC) {
			t.Fatalf("Parse(%q) = %v, not midnight UTC", s, d)
		}
		if d.Year() < MinYear || d.Year() > MaxYear {
			t.Fatalf("Parse(%q) = %v, year out of range", s, d)
		}
		iso := d.Format("2006-01-02")
		again, err := Parse(iso, false)
		if err != nil || again != d {
			t.Fatalf("Parse(%q) = %v, but Parse(%q) = %v, %v", s, d, iso, again, err)
		}
		if back := FromDays(Days(d)); back != d {
			t.Fatalf("FromDays(Days(%v)) = %v", d, back)
		}
	})
}
