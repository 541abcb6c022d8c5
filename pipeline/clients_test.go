package pipeline_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/internal/testcity"
	"github.com/grassroots-cn/grassroots/internal/testdb"
)

// duckdbClients are the DuckDB 1.x clients statisticians open the published
// snapshot with, as the @duckdb/node-api builds on npm (prebuilt for Linux).
// oldBinder marks the releases before 1.4, whose binder takes a parameter
// with a default only as a named argument (name := value) and a parameter
// without one only as a positional argument.
var duckdbClients = []struct {
	npm, version string
	oldBinder    bool
}{
	{"1.1.3-alpha.12", "v1.1.3", true},
	{"1.2.2-alpha.19", "v1.2.2", true},
	{"1.3.2-alpha.26", "v1.3.2", true},
	{"1.4.4-r.4", "v1.4.4", false},
	{"1.5.6-r.1", "v1.5.6", false},
}

// clientResult is one JSON line of compat/run.cjs.
type clientResult struct {
	Open    *bool  `json:"open"`
	Version string `json:"version"`
	I       *int   `json:"i"`
	OK      bool   `json:"ok"`
	Rows    int    `json:"rows"`
	Error   string `json:"error"`
}

// TestDuckDBClients opens the demo city's published snapshot with every
// client of duckdbClients and runs the example queries of the README and of
// docs/warehouse.md and every table macro with parameters, called
// positionally and by name. What must work everywhere is asserted, with the
// row counts of the Go driver; the calls the old binders refuse are logged
// (README "Which DuckDB clients").
func TestDuckDBClients(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole synthetic city and installs DuckDB clients; skipped with -short")
	}
	node := clientTools(t)
	dirs := installClients(t)
	_, cfg, err := testcity.Load(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	examples := docExamples(t)
	calls := macroCalls(t)
	checkMacroCalls(t, cfg.Published, calls)
	want := rowCounts(t, cfg.Published, examples)
	var callExamples []example
	for _, c := range calls {
		callExamples = append(callExamples, example{c.name, c.positional})
	}
	wantCalls := rowCounts(t, cfg.Published, callExamples)
	overload := overloadedMacroFile(t)

	var stmts []string
	for _, e := range examples {
		stmts = append(stmts, e.sql)
	}
	for _, c := range calls {
		stmts = append(stmts, c.positional, c.named)
	}
	for i, cl := range duckdbClients {
		t.Run(cl.npm, func(t *testing.T) {
			res := runClient(t, node, dirs[i], cfg.Published, stmts)
			if res[0].Version != cl.version {
				t.Errorf("client reports %q, want %q", res[0].Version, cl.version)
			}
			for j := range examples {
				r := res[1+j]
				if !r.OK {
					t.Errorf("%s fails: %s\n%s", examples[j].where, r.Error, examples[j].sql)
				} else if r.Rows != want[j] {
					t.Errorf("%s: %d rows, the Go driver %d\n%s", examples[j].where, r.Rows, want[j], examples[j].sql)
				}
			}
			checkCalls(t, cl.version, cl.oldBinder, calls, wantCalls, res[1+len(examples):])
			// An overloaded macro written by the Go driver's DuckDB is read
			// by this client, with and without its argument.
			ov := runClient(t, node, dirs[i], overload, []string{
				"SELECT x FROM m() WHERE x = 1", "SELECT x FROM m(5) WHERE x = 5",
			})
			for j, r := range ov[1:] {
				if !r.OK || r.Rows != 1 {
					t.Errorf("overloaded macro, call %d: ok=%v rows=%d %s", j, r.OK, r.Rows, r.Error)
				}
			}
		})
	}
}

// checkCalls checks a client's results res of the positional and named
// call of each of calls (in that order): the form every client takes must
// run and give the Go driver's row count want; the other form must too, but
// for an old binder, whose refusals are logged.
func checkCalls(t *testing.T, version string, oldBinder bool, calls []macroCall, want []int, res []clientResult) {
	t.Helper()
	var known []string
	for k, c := range calls {
		pos, named := res[2*k], res[2*k+1]
		portable, other := named, pos
		otherSQL := c.positional
		if !c.defaults {
			portable, other, otherSQL = pos, named, c.named
		}
		if !portable.OK {
			t.Errorf("%s fails: %s", c.portableSQL(), portable.Error)
		} else if portable.Rows != want[k] {
			t.Errorf("%s: %d rows, the Go driver %d", c.portableSQL(), portable.Rows, want[k])
		}
		switch {
		case !other.OK && oldBinder:
			known = append(known, otherSQL)
		case !other.OK:
			t.Errorf("%s fails: %s", otherSQL, other.Error)
		case other.Rows != want[k]:
			t.Errorf("%s: %d rows, the Go driver %d", otherSQL, other.Rows, want[k])
		}
	}
	if len(known) > 0 {
		t.Logf("known: %s refuses %d of %d other-form calls, e.g. %s", version, len(known), len(calls), known[0])
	}
}

// clientTools returns the path of node; without node and npm it skips the
// test, or fails it when CI is set.
func clientTools(t *testing.T) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = exec.LookPath("npm")
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node and npm are needed to test the DuckDB clients: %v", err)
		}
		t.Skipf("node and npm are needed to test the DuckDB clients (%v); skipped outside CI", err)
	}
	return node
}

// installClients installs each client of duckdbClients, once, into its own
// folder under $GRASSROOTS_DUCKDB_CLIENTS (default: the user's cache folder)
// and returns the folders in the order of duckdbClients.
func installClients(t *testing.T) []string {
	t.Helper()
	base := os.Getenv("GRASSROOTS_DUCKDB_CLIENTS")
	if base == "" {
		c, err := os.UserCacheDir()
		if err != nil {
			t.Fatalf("no cache folder for the DuckDB clients: %v", err)
		}
		base = filepath.Join(c, "grassroots", "duckdb-clients")
	}
	dirs := make([]string, len(duckdbClients))
	errs := make([]error, len(duckdbClients))
	var wg sync.WaitGroup
	for i, cl := range duckdbClients {
		dirs[i] = filepath.Join(base, cl.npm)
		if installed(dirs[i], cl.npm) {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "npm", "install", "--prefix", dirs[i], "--no-audit", "--no-fund",
				"--no-save", "@duckdb/node-api@"+cl.npm)
			if out, err := cmd.CombinedOutput(); err != nil {
				errs[i] = fmt.Errorf("npm install @duckdb/node-api@%s: %w\n%s", cl.npm, err, out)
			} else if !installed(dirs[i], cl.npm) {
				errs[i] = fmt.Errorf("npm install @duckdb/node-api@%s left no package in %s", cl.npm, dirs[i])
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return dirs
}

// installed reports whether dir holds @duckdb/node-api at version v.
func installed(dir, v string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "@duckdb", "node-api", "package.json"))
	if err != nil {
		return false
	}
	var p struct{ Version string }
	return json.Unmarshal(b, &p) == nil && p.Version == v
}

// runClient runs stmts on db with the client in dir through compat/run.cjs
// and returns its lines: the open line, then one per statement. It fails the
// test when the client cannot open db.
func runClient(t *testing.T, node, dir, db string, stmts []string) []clientResult {
	t.Helper()
	in, err := json.Marshal(stmts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("..", "compat", "run.cjs"), dir, db)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("compat/run.cjs: %v\n%s", err, stderr.Bytes())
	}
	var res []clientResult
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r clientResult
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("compat/run.cjs line %q: %v", sc.Text(), err)
		}
		res = append(res, r)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(res) == 0 || res[0].Open == nil {
		t.Fatalf("compat/run.cjs printed no open line:\n%s\n%s", out, stderr.Bytes())
	}
	if !*res[0].Open {
		t.Fatalf("the client cannot open %s: %s", filepath.Base(db), res[0].Error)
	}
	if len(res) != 1+len(stmts) {
		t.Fatalf("compat/run.cjs printed %d lines for %d statements", len(res), len(stmts))
	}
	for i, r := range res[1:] {
		if r.I == nil || *r.I != i {
			t.Fatalf("compat/run.cjs line %d is not statement %d", i+1, i)
		}
	}
	return res
}

// example is one statement of an example-queries block of the docs.
type example struct {
	where string // "README.md example statement 3"
	sql   string
}

// docExamples returns the statements of the README's and docs/warehouse.md's
// example queries.
func docExamples(t *testing.T) []example {
	t.Helper()
	var all []example
	for _, f := range []string{"README.md", "docs/warehouse.md"} {
		for i, s := range exampleBlock(t, f) {
			all = append(all, example{fmt.Sprintf("%s example statement %d", f, i+1), s})
		}
	}
	return all
}

// exampleBlock returns the statements of the sql block after the heading
// "Example queries" of file (relative to the repository).
func exampleBlock(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", file))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "# Example queries")
	if i < 0 {
		t.Fatalf("%s has no example queries", file)
	}
	block := text[i:]
	j := strings.Index(block, "```sql")
	if j < 0 {
		t.Fatalf("%s: the example queries have no sql block", file)
	}
	block = block[j+len("```sql"):]
	block = block[:strings.Index(block, "```")]
	var stmts []string
	for _, s := range strings.Split(block, ";") {
		if strings.TrimSpace(s) != "" {
			stmts = append(stmts, s)
		}
	}
	if len(stmts) < 10 {
		t.Fatalf("%s has %d example statements, want at least 10", file, len(stmts))
	}
	return stmts
}

// macroCall is one table macro with parameters called both ways. For a
// macro that mixes parameters without and with defaults (flows(first_day,
// last_day, "by" := 'month')), positional passes the latter by name: the
// form every client takes.
type macroCall struct {
	name              string
	positional, named string
	defaults          bool // its parameters have defaults (name := value)
}

func (c macroCall) portableSQL() string {
	if c.defaults {
		return c.named
	}
	return c.positional
}

// paramValues are the arguments the calls pass, by parameter name, or by
// macro.parameter where a name takes other values in another macro.
var paramValues = map[string]string{
	"as_of":      "'2022-07-21'",
	"prev_as_of": "'2022-06-30'",
	"first_day":  "'2022-01-01'",
	"last_day":   "'2022-12-31'",
	"year":       "2022",
	"months":     "12",
	"days":       "month_ends('2022-01-01', '2022-12-31')",
	"strata":     "'region'",
	"by":         "'county'",

	"flows.by":         "'quarter'",
	"subsidy_usage.by": "'cohort'",
}

// macroCalls reads the table macros with parameters from sql/macros and
// builds their positional and named calls.
func macroCalls(t *testing.T) []macroCall {
	t.Helper()
	files, err := filepath.Glob("../sql/macros/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no macro files: %v", err)
	}
	sig := regexp.MustCompile(`(?m)^CREATE OR REPLACE MACRO (\w+)\(([^)]*)\) AS TABLE`)
	var calls []macroCall
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range sig.FindAllStringSubmatch(string(b), -1) {
			if strings.TrimSpace(m[2]) == "" {
				continue
			}
			c := macroCall{name: m[1]}
			var pos, named []string
			mixed := false
			for k, p := range strings.Split(m[2], ",") {
				name, _, hasDefault := strings.Cut(p, ":=")
				name = strings.Trim(strings.TrimSpace(name), `"`) // "by" is a keyword
				v, ok := paramValues[m[1]+"."+name]
				if !ok {
					v, ok = paramValues[name]
				}
				if !ok {
					t.Fatalf("%s: no test value for parameter %s of %s", filepath.Base(f), name, m[1])
				}
				switch {
				case k > 0 && hasDefault && !c.defaults:
					// Without defaults, then with: the portable call
					// passes the first by position, the others by name.
					mixed = true
				case k > 0 && hasDefault != c.defaults:
					t.Fatalf("%s has a parameter without a default after one with; give the test both forms", m[1])
				default:
					c.defaults = hasDefault
				}
				if mixed && hasDefault {
					pos = append(pos, name+" := "+v)
				} else {
					pos = append(pos, v)
				}
				named = append(named, name+" := "+v)
			}
			c.positional = fmt.Sprintf("SELECT * FROM %s(%s)", m[1], strings.Join(pos, ", "))
			c.named = fmt.Sprintf("SELECT * FROM %s(%s)", m[1], strings.Join(named, ", "))
			calls = append(calls, c)
		}
	}
	if len(calls) < 15 {
		t.Fatalf("found %d table macros with parameters in sql/macros, want at least 15", len(calls))
	}
	return calls
}

// checkMacroCalls checks that calls cover exactly the snapshot's table
// macros with parameters.
func checkMacroCalls(t *testing.T, published string, calls []macroCall) {
	t.Helper()
	db := openSnapshot(t, published)
	rows, err := db.Query(`SELECT function_name FROM duckdb_functions()
		WHERE database_name = current_database() AND function_type = 'table_macro' AND len(parameters) > 0`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var live, parsed []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		live = append(live, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range calls {
		parsed = append(parsed, c.name)
	}
	sort.Strings(live)
	sort.Strings(parsed)
	if strings.Join(live, ",") != strings.Join(parsed, ",") {
		t.Fatalf("table macros with parameters: snapshot %v, sql/macros %v", live, parsed)
	}
}

// rowCounts runs the examples on the snapshot with the Go driver and returns the
// number of rows of each.
func rowCounts(t *testing.T, published string, examples []example) []int {
	t.Helper()
	db := openSnapshot(t, published)
	counts := make([]int, len(examples))
	for i, e := range examples {
		if err := db.QueryRow("SELECT count(*) FROM (" + e.sql + ")").Scan(&counts[i]); err != nil {
			t.Fatalf("%s with the Go driver: %v", e.where, err)
		}
	}
	return counts
}

func openSnapshot(t *testing.T, path string) *sql.DB {
	return testdb.OpenReadOnly(t, path)
}

// overloadedMacroFile writes, with the Go driver's DuckDB, a database holding
// m() and m(a) as one overloaded table macro, and returns its path.
func overloadedMacroFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "overload.duckdb")
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE MACRO m() AS TABLE (SELECT 1 AS x), (a) AS TABLE (SELECT a AS x)"); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}
