// Package idnum parses and checks citizen identity numbers (公民身份号码) as
// GB 11643-1999 defines them: six digits of area code, eight of birth date
// (YYYYMMDD), three of sequence (odd for men, even for women) and a check
// character computed by ISO 7064 MOD 11-2, 0-9 or X. Numbers issued before
// 1999 had 15 digits (a two-digit year and no check character); Parse
// upgrades them to 18.
//
// Area codes are not checked: they are fixed when a number is issued and
// divisions change afterwards (docs/feeds.md, 身份证号).
//
// ID numbers are personal data: no error from this package holds one.
package idnum

import (
	"errors"
	"strings"
	"time"
)

// Errors returned by Parse.
var (
	// ErrFormat means the text is not 18 characters (17 digits and a digit
	// or X) nor 15 digits, or its birth date is not a real date between
	// 1900-01-01 and today.
	ErrFormat = errors.New("idnum: bad format")
	// ErrChecksum means an 18-character number whose check character does
	// not match its first 17 digits.
	ErrChecksum = errors.New("idnum: bad check character")
)

// ID is a valid 18-character citizen ID number and what it says about its
// holder.
type ID struct {
	Number   string    // 18 characters, the check character an upper-case X or a digit
	Birth    time.Time // birth date, midnight UTC
	Male     bool      // the sequence number (17th digit) is odd
	Upgraded bool      // came from a 15-digit number
}

// Weights of the first 17 digits and the check character for each
// remainder of their weighted sum modulo 11 (GB 11643-1999, ISO 7064 MOD 11-2).
var (
	weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	checks  = [11]byte{'1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'}
)

// china is the time zone whose calendar decides what "today" is.
var china = time.FixedZone("CST", 8*60*60)

// now is the clock Parse uses; tests replace it.
var now = time.Now

// CheckChar returns the check character ('0'-'9' or 'X') of the 17 digits in
// first17. It returns 0 when first17 is not exactly 17 ASCII digits.
func CheckChar(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := range 17 {
		d := first17[i] - '0'
		if d > 9 {
			return 0
		}
		sum += int(d) * weights[i]
	}
	return checks[sum%11]
}

// Parse checks s and returns the ID it holds. s should already be
// text-normalised (half-width); Parse trims ASCII white space and accepts a
// lower-case x. A 15-digit number is upgraded to 18 characters by inserting
// "19" before its two-digit year and appending the check character.
//
// The errors are ErrFormat and ErrChecksum, returned as they are. A birth
// date after today (in China) is a format error.
func Parse(s string) (ID, error) {
	s = strings.TrimSpace(s)
	switch len(s) {
	case 18:
		if !allDigits(s[:17]) {
			return ID{}, ErrFormat
		}
		last := s[17]
		switch {
		case last == 'x':
			last = 'X'
			s = s[:17] + "X"
		case last != 'X' && (last < '0' || last > '9'):
			return ID{}, ErrFormat
		}
		birth, ok := birthDate(s[6:14])
		if !ok {
			return ID{}, ErrFormat
		}
		if CheckChar(s[:17]) != last {
			return ID{}, ErrChecksum
		}
		return ID{Number: s, Birth: birth, Male: isOdd(s[16])}, nil
	case 15:
		if !allDigits(s) {
			return ID{}, ErrFormat
		}
		birth, ok := birthDate("19" + s[6:12])
		if !ok {
			return ID{}, ErrFormat
		}
		first17 := s[:6] + "19" + s[6:]
		return ID{
			Number:   first17 + string(CheckChar(first17)),
			Birth:    birth,
			Male:     isOdd(s[14]),
			Upgraded: true,
		}, nil
	}
	return ID{}, ErrFormat
}

// AgeOn returns the holder's age in full years on day: the number of
// birthdays they have had by then. Both times are read as calendar dates in
// their own locations. Someone born on 29 February has their birthday on
// 1 March in common years. The result is negative when day is before birth.
func AgeOn(birth, day time.Time) int {
	by, bm, bd := birth.Date()
	y, m, d := day.Date()
	age := y - by
	if m < bm || (m == bm && d < bd) {
		age--
	}
	return age
}

// birthDate reads YYYYMMDD (8 ASCII digits) and reports whether it is a real
// date from 1900-01-01 to today.
func birthDate(s string) (time.Time, bool) {
	y := atoi(s[0:4])
	m := time.Month(atoi(s[4:6]))
	d := atoi(s[6:8])
	if y < 1900 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return time.Time{}, false
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	ty, tm, td := now().In(china).Date()
	if t.After(time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)) {
		return time.Time{}, false
	}
	return t, true
}

// daysIn returns the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// atoi reads a string of ASCII digits.
func atoi(s string) int {
	n := 0
	for i := range len(s) {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isOdd(digit byte) bool { return (digit-'0')%2 == 1 }
