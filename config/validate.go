package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/robfig/cron/v3"
)

// isDigits reports whether s is exactly n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkSchedule validates a cron spec as the scheduler will parse it: five fields or a
// descriptor (@daily, @every 1h, …), always in the city's time zone.
func checkSchedule(spec string) (err error) {
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return errors.New("a time zone prefix is not allowed; schedules run in the city's timezone")
	}
	defer func() { // robfig/cron v3 is frozen; never let a bad spec panic the loader
		if r := recover(); r != nil {
			err = fmt.Errorf("cannot parse: %v", r)
		}
	}()
	_, err = cron.ParseStandard(spec)
	return err
}

// sizeUnits are the units parseSize accepts, lower-cased.
var sizeUnits = map[string]int64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

var sizeRE = regexp.MustCompile(`^([0-9]+)\s*([A-Za-z]*)$`)

// parseSize parses a byte count: a plain integer, or an integer with a unit such as
// 512MiB or 1GB (decimal kB, MB, GB, TB; binary KiB, MiB, GiB, TiB; case ignored).
func parseSize(s string) (int64, error) {
	m := sizeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, errors.New("not a size")
	}
	unit, ok := sizeUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("unknown unit %q", m[2])
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n > math.MaxInt64/unit {
		return 0, errors.New("too large")
	}
	return n * unit, nil
}

// memoryLimitRE matches the DuckDB memory_limit values we pass on: a number and a unit.
var memoryLimitRE = regexp.MustCompile(`(?i)^[0-9]+(\.[0-9]+)?\s*(b|kb|mb|gb|tb|kib|mib|gib|tib)$`)

// envNameRE matches a portable environment variable name.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// checkURL validates an http(s) source URL. Its message never repeats the URL, which
// might carry credentials.
func checkURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return errors.New("is not a URL")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("must start with http:// or https://")
	case u.Host == "" || u.Hostname() == "":
		return errors.New("has no host")
	case u.User != nil:
		return errors.New("must not carry credentials; name the token's environment variable in token_env")
	case u.Fragment != "":
		return errors.New("must not have a #fragment")
	}
	return nil
}

// checkPattern validates a glob on file names.
func checkPattern(p string) error {
	if strings.ContainsRune(p, '/') || strings.ContainsRune(p, filepath.Separator) {
		return errors.New("matches file names, not paths; it must not contain a path separator")
	}
	if _, err := filepath.Match(p, ""); err != nil {
		return errors.New("is not a valid glob (see path/filepath.Match)")
	}
	return nil
}

// checkAddr validates a host:port listen address.
func checkAddr(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return errors.New("is not host:port")
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return errors.New("has no valid port (0-65535)")
	}
	return nil
}
