package crashpoint

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in    string
		point string
		n     int64
		ok    bool
	}{
		{"merge:10", "merge", 10, true},
		{"publish-rename:1", "publish-rename", 1, true},
		{"a:b:2", "a:b", 2, true},
		{"merge:0", "", 0, false},
		{"merge:-1", "", 0, false},
		{"merge:", "", 0, false},
		{":3", "", 0, false},
		{"merge", "", 0, false},
		{"merge:x", "", 0, false},
	} {
		p, n, ok := parse(c.in)
		if p != c.point || n != c.n || ok != c.ok {
			t.Errorf("parse(%q) = %q, %d, %v; want %q, %d, %v", c.in, p, n, ok, c.point, c.n, c.ok)
		}
	}
}

// childEnv marks the re-executed test binary as the child of TestHit.
const childEnv = "CRASHPOINT_TEST_CHILD"

// TestHitChild is the child process of TestHit: it hits "other" five times
// and "x" three times, writing a line before and after the third.
func TestHitChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("only run as TestHit's child")
	}
	for range 5 {
		Hit("other")
	}
	Hit("x")
	Hit("x")
	os.Stdout.WriteString("before\n")
	Hit("x")
	os.Stdout.WriteString("after\n")
}

// TestHit re-runs the test binary with the hook armed at different hits.
func TestHit(t *testing.T) {
	for _, c := range []struct {
		env    string
		killed bool
		out    string
	}{
		{"x:3", true, "before\n"},
		{"x:1", true, ""},
		{"x:4", false, "before\nafter\n"},     // never reached
		{"other:6", false, "before\nafter\n"}, // "other" is hit 5 times only
		{"", false, "before\nafter\n"},
		{"x", false, "before\nafter\n"}, // malformed: unarmed
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHitChild$")
		cmd.Env = append(os.Environ(), childEnv+"=1", EnvVar+"="+c.env)
		out, err := cmd.Output()
		var ee *exec.ExitError
		killed := errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() &&
			ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
		if killed != c.killed || (!c.killed && err != nil) {
			t.Errorf("%s=%q: killed %v, err %v; want killed %v", EnvVar, c.env, killed, err, c.killed)
		}
		got, _, _ := strings.Cut(string(out), "PASS")
		if got != c.out {
			t.Errorf("%s=%q: child wrote %q, want %q", EnvVar, c.env, got, c.out)
		}
	}
}
