package idnum

import (
	"errors"
	"testing"
	"time"
)

// Worked check characters. The weighted sum of the first 17 digits modulo 11
// picks the check character from 1 0 X 9 8 7 6 5 4 3 2.
//
//	11010519491231002  7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4  = 167 = 15*11+2  -> X
//	44030419900307001  28+36+0+15+0+16+2+9+54+0+0+27+0+35+0+0+2 = 224 = 20*11+4 -> 8
//	14010620000229101  7+36+0+5+0+24+4+0+0+0+0+18+20+45+8+0+2  = 169 = 15*11+4 -> 8
//	14010519850615123  7+36+0+5+0+20+2+9+48+15+0+54+10+25+8+8+6 = 253 = 23*11+0 -> 1
//	14010519850615129  as above with 9*2 for 3*2                = 265 = 24*11+1 -> 0
//	11010519000101001  7+9+0+5+0+20+2+9+0+0+0+9+0+5+0+0+2      = 68  = 6*11+2  -> X
//	11010520240615001  7+9+0+5+0+20+4+0+12+12+0+54+10+25+0+0+2 = 160 = 14*11+6 -> 6

func TestCheckChar(t *testing.T) {
	tests := []struct {
		in   string
		want byte
	}{
		{"11010519491231002", 'X'},
		{"44030419900307001", '8'},
		{"14010620000229101", '8'},
		{"14010519850615123", '1'},
		{"14010519850615129", '0'},
		{"11010519000101001", 'X'},
		{"11010520240615001", '6'},
		{"", 0},
		{"1101051949123100", 0},   // 16 digits
		{"110105194912310021", 0}, // 18 digits
		{"1101051949123100a", 0},
		{"1101051949123100/", 0}, // '/' is just below '0'
		{"1101051949123100:", 0}, // ':' is just above '9'
	}
	for _, tt := range tests {
		if got := CheckChar(tt.in); got != tt.want {
			t.Errorf("CheckChar(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// setNow fixes Parse's clock for one test.
func setNow(t *testing.T, at time.Time) {
	t.Helper()
	old := now
	now = func() time.Time { return at }
	t.Cleanup(func() { now = old })
}

func TestParse(t *testing.T) {
	// 2024-06-15 00:30 in China is still 2024-06-14 in UTC.
	setNow(t, time.Date(2024, 6, 15, 0, 30, 0, 0, china))
	tests := []struct {
		name, in string
		want     ID
		err      error
	}{
		{"textbook example", "11010519491231002X",
			ID{Number: "11010519491231002X", Birth: date(1949, 12, 31)}, nil},
		{"lower-case x", "11010519491231002x",
			ID{Number: "11010519491231002X", Birth: date(1949, 12, 31)}, nil},
		{"surrounding white space", " 11010519491231002X\t",
			ID{Number: "11010519491231002X", Birth: date(1949, 12, 31)}, nil},
		{"male", "440304199003070018",
			ID{Number: "440304199003070018", Birth: date(1990, 3, 7), Male: true}, nil},
		{"leap day", "140106200002291018",
			ID{Number: "140106200002291018", Birth: date(2000, 2, 29), Male: true}, nil},
		{"check character 1", "140105198506151231",
			ID{Number: "140105198506151231", Birth: date(1985, 6, 15), Male: true}, nil},
		{"check character 0", "140105198506151290",
			ID{Number: "140105198506151290", Birth: date(1985, 6, 15), Male: true}, nil},
		{"first day allowed", "11010519000101001X",
			ID{Number: "11010519000101001X", Birth: date(1900, 1, 1), Male: true}, nil},
		{"born today in China", "110105202406150016",
			ID{Number: "110105202406150016", Birth: date(2024, 6, 15), Male: true}, nil},
		{"15 digits", "110105491231002",
			ID{Number: "11010519491231002X", Birth: date(1949, 12, 31), Upgraded: true}, nil},
		{"15 digits male", " 140105850615123 ",
			ID{Number: "140105198506151231", Birth: date(1985, 6, 15), Male: true, Upgraded: true}, nil},

		{"bad check character", "110105194912310021", ID{}, ErrChecksum},
		{"check X expected digit", "44030419900307001X", ID{}, ErrChecksum},
		{"check digit expected X", "110105194912310020", ID{}, ErrChecksum},
		{"30 February", "110105199002300011", ID{}, ErrFormat},
		{"month 13", "110105199013010011", ID{}, ErrFormat},
		{"month 0", "110105199000010011", ID{}, ErrFormat},
		{"day 0", "110105199001000011", ID{}, ErrFormat},
		{"29 February 1900", "110105190002290019", ID{}, ErrFormat},
		{"before 1900", "110105189912310011", ID{}, ErrFormat},
		{"born tomorrow", "110105202406160011", ID{}, ErrFormat},
		{"15 digits bad date", "110105490230002", ID{}, ErrFormat},
		{"15 digits with X", "11010549123100X", ID{}, ErrFormat},
		{"X inside", "1101051949123100X2", ID{}, ErrFormat},
		{"letter last", "11010519491231002Y", ID{}, ErrFormat},
		{"17 digits", "11010519491231002", ID{}, ErrFormat},
		{"16 digits", "1101051949123100", ID{}, ErrFormat},
		{"19 characters", "11010519491231002X0", ID{}, ErrFormat},
		{"empty", "", ID{}, ErrFormat},
		{"full-width digits", "１１０１０５１９４９１２３１００２Ｘ", ID{}, ErrFormat},
		{"dashes", "110105-19491231-002X", ID{}, ErrFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("Parse error = %v, want %v", err, tt.err)
			}
			if got != tt.want {
				t.Errorf("Parse = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseToday(t *testing.T) {
	// One minute before midnight in China, 2024-06-15 is still tomorrow.
	setNow(t, time.Date(2024, 6, 14, 23, 59, 0, 0, china))
	if _, err := Parse("110105202406150016"); !errors.Is(err, ErrFormat) {
		t.Errorf("Parse of a birth date after today: error %v, want ErrFormat", err)
	}
}

func TestErrorHoldsNoNumber(t *testing.T) {
	for _, in := range []string{"110105194912310021", "110105199002300011", "abc"} {
		_, err := Parse(in)
		if err != ErrFormat && err != ErrChecksum {
			t.Errorf("Parse(%q) error %v is not a bare sentinel", in, err)
		}
	}
}

func TestAgeOn(t *testing.T) {
	tests := []struct {
		birth, day time.Time
		want       int
	}{
		{date(1990, 3, 7), date(2022, 3, 6), 31},
		{date(1990, 3, 7), date(2022, 3, 7), 32},
		{date(1990, 3, 7), date(2022, 12, 31), 32},
		{date(2000, 2, 29), date(2023, 2, 28), 22},
		{date(2000, 2, 29), date(2023, 3, 1), 23},
		{date(2000, 2, 29), date(2024, 2, 28), 23},
		{date(2000, 2, 29), date(2024, 2, 29), 24},
		{date(2000, 5, 1), date(2000, 5, 1), 0},
		{date(2000, 5, 1), date(2000, 4, 30), -1},
		{date(2000, 5, 1), date(1999, 6, 1), -1},
		{date(2000, 5, 1), date(1990, 1, 1), -11},
		// Read as calendar dates in their own locations: 2022-03-07 in China.
		{date(1990, 3, 7), time.Date(2022, 3, 7, 0, 30, 0, 0, china), 32},
	}
	for _, tt := range tests {
		if got := AgeOn(tt.birth, tt.day); got != tt.want {
			t.Errorf("AgeOn(%s, %s) = %d, want %d", tt.birth.Format(time.DateOnly), tt.day.Format(time.DateTime), got, tt.want)
		}
	}
}
