package main

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The grassroots binary the process tests (serve, crash, two writers, full
// disk) run: built once per test run, on first use, into a folder TestMain
// removes at the end. Tests that do not need it (e.g. with -short) do not
// pay for the build.
var testBinary struct {
	dir  string
	once sync.Once
	path string
	err  error
}

// The version and commit the test binary is built with, as the Makefile
// sets them with -ldflags.
const (
	testVersion = "v9.8.7-test"
	testCommit  = "0123456789abcdef0123456789abcdef01234567"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "grassroots-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "temp folder for the test binary:", err)
		os.Exit(2)
	}
	testBinary.dir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildBinary returns the path of the grassroots binary, building it on the
// first call; a failed build fails every test that asks.
func buildBinary(t *testing.T) string {
	t.Helper()
	testBinary.once.Do(func() {
		bin := filepath.Join(testBinary.dir, "grassroots")
		ldflags := "-X main.version=" + testVersion + " -X main.commit=" + testCommit
		out, err := exec.Command("go", "build", "-tags", "duckdb_arrow", "-ldflags", ldflags, "-o", bin, ".").CombinedOutput()
		if err != nil {
			testBinary.err = fmt.Errorf("go build: %w\n%s", err, out)
			return
		}
		testBinary.path = bin
	})
	if testBinary.err != nil {
		t.Fatal(testBinary.err)
	}
	return testBinary.path
}

// count runs a query that returns one integer and fails the test when the
// query does (a failed query must not read as 0).
func count(t *testing.T, db *sql.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
