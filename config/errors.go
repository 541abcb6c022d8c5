package config

import (
	"errors"
	"strconv"
	"strings"
)

// ErrConfig is wrapped by every problem found in a configuration file, so that callers
// can tell a bad configuration (exit status 2) from a failure at run time.
var ErrConfig = errors.New("config: invalid")

// ErrSecret is wrapped (together with ErrConfig) by the errors of Config.Key and
// Config.ExportKey. Their messages never contain the secret.
var ErrSecret = errors.New("config: secret unavailable")

// Error is one problem in a configuration file, at a line. Load and Parse return either
// one *Error or an Errors listing every problem found.
type Error struct {
	File string // the path as given to Load or Parse
	Line int    // 1-based; 0 when the problem concerns the file as a whole
	Key  string // the key path, such as "counties[0].source.settle"; empty for the file as a whole
	Msg  string // what is wrong and, for a bad value, what is allowed
	Err  error  // an optional more specific cause, such as an fs error
}

// Error returns "file:line: msg".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrConfig and, when set, the more specific cause.
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrConfig, e.Err}
	}
	return []error{ErrConfig}
}

// Errors is every problem found in one file, in the order of their lines.
type Errors []*Error

// Error returns one problem per line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so that errors.Is and errors.As see each of them.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// secretError is a problem obtaining a secret. It wraps ErrSecret, ErrConfig and the
// underlying cause, if any, and never holds the secret itself.
type secretError struct {
	msg string
	err error
}

func (e *secretError) Error() string {
	s := ErrSecret.Error() + ": " + e.msg
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

func (e *secretError) Unwrap() []error {
	if e.err != nil {
		return []error{ErrSecret, ErrConfig, e.err}
	}
	return []error{ErrSecret, ErrConfig}
}
