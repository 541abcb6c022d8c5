package idnum

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that what it returns parses again
// to the same ID, and that 17 digits holding a real birth date followed by
// their CheckChar always parse, while any other check character does not.
func FuzzParse(f *testing.F) {
	f.Add("11010519491231002X", uint32(110105), uint32(18000), uint16(2))
	f.Add("110105491231002", uint32(440304), uint32(0), uint16(1))
	f.Add("11010519491231002x", uint32(999999), uint32(40000), uint16(999))
	f.Add("110105199002300011", uint32(0), uint32(1<<31), uint16(1000))
	f.Add(" 140105850615123 ", uint32(140105), uint32(365), uint16(123))
	today := func() time.Time {
		y, m, d := time.Now().In(china).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}()
	span := uint32(today.Sub(date(1900, 1, 1)).Hours()/24) + 1
	f.Fuzz(func(t *testing.T, s string, area, days uint32, seq uint16) {
		id, err := Parse(s)
		if err == nil {
			again, err := Parse(id.Number)
			if err != nil {
				t.Fatalf("Parse(%q) gave %q, which does not parse: %v", s, id.Number, err)
			}
			want := id
			want.Upgraded = false
			if again != want {
				t.Fatalf("Parse(%q) = %+v, Parse(%q) = %+v", s, id, id.Number, again)
			}
		} else if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrChecksum) {
			t.Fatalf("Parse(%q): unexpected error %v", s, err)
		}

		birth := date(1900, 1, 1).AddDate(0, 0, int(days%span))
		first17 := fmt.Sprintf("%06d%s%03d", area%1000000, birth.Format("20060102"), seq%1000)
		c := CheckChar(first17)
		id, err = Parse(first17 + string(c))
		if err != nil {
			t.Fatalf("Parse(%q+%q): %v", first17, c, err)
		}
		if want := (ID{Number: first17 + string(c), Birth: birth, Male: seq%2 == 1}); id != want {
			t.Fatalf("Parse(%q+%q) = %+v, want %+v", first17, c, id, want)
		}
		for _, wrong := range checks {
			if wrong == c {
				continue
			}
			if _, err := Parse(first17 + string(wrong)); err != ErrChecksum {
				t.Fatalf("Parse(%q+%q) with check %q: error %v, want ErrChecksum", first17, wrong, c, err)
			}
		}
	})
}
