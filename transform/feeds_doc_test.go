package transform

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/grassroots-cn/grassroots/internal/canon"
)

// The clerks' documentation of the feeds, relative to this package's folder.
const feedsDocPath = "../docs/feeds.md"

// feedsDoc is what docs/feeds.md says, as the tests below read it.
type feedsDoc struct {
	text     string
	columns  map[canon.RecordType][]docFeedColumn // "### … `ledger`" sections
	rejects  map[string]string                    // code (a prefix such as "missing:" for missing:<列名>) -> row
	findings map[string]string                    // code -> row
}

// docFeedColumn is one row of a record type's column table.
type docFeedColumn struct {
	name     string
	headers  []string
	required bool
}

var (
	feedsHeading  = regexp.MustCompile(`^(#{2,6})\s+(.*?)\s*$`)
	feedsTypeName = regexp.MustCompile("`([a-z_]+)`")
	backticked    = regexp.MustCompile("`([^`]+)`")
)

// readFeedsDoc parses docs/feeds.md: the first table after a heading that
// names a record type in backticks lists its columns (英文列名, 表头 each in
// backticks, 必填 是/否); the tables under the headings 拒绝原因 and 发现代码
// list the codes in their first column.
func readFeedsDoc(t *testing.T) feedsDoc {
	t.Helper()
	raw, err := os.ReadFile(feedsDocPath)
	if err != nil {
		t.Fatalf("read the feeds documentation: %v", err)
	}
	d := feedsDoc{text: string(raw), columns: map[canon.RecordType][]docFeedColumn{},
		rejects: map[string]string{}, findings: map[string]string{}}
	types := append(append([]canon.RecordType{}, canon.CountyTypes...), canon.Divisions)
	var (
		rt      canon.RecordType
		codes   map[string]string
		started bool
		done    bool
		fence   bool
	)
	sc := bufio.NewScanner(strings.NewReader(d.text))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
			continue
		}
		if fence {
			continue
		}
		if m := feedsHeading.FindStringSubmatch(line); m != nil {
			rt, codes, started, done = "", nil, false, false
			switch {
			case m[2] == "拒绝原因":
				codes = d.rejects
			case m[2] == "发现代码":
				codes = d.findings
			default:
				if tm := feedsTypeName.FindStringSubmatch(m[2]); tm != nil && slices.Contains(types, canon.RecordType(tm[1])) {
					rt = canon.RecordType(tm[1])
					if _, dup := d.columns[rt]; dup {
						t.Errorf("%s:%d: record type %s has a second column table", feedsDocPath, n, rt)
					}
				}
			}
			continue
		}
		if rt == "" && codes == nil {
			continue
		}
		if !strings.HasPrefix(line, "|") {
			done = done || started
			continue
		}
		if done {
			continue
		}
		started = true
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), " | ")
		first := strings.TrimSpace(cells[0])
		if !strings.HasPrefix(first, "`") {
			continue // the header row and the separator
		}
		name := strings.Trim(first, "`")
		if codes != nil {
			code := strings.TrimSuffix(name, "<列名>")
			if _, dup := codes[code]; dup {
				t.Errorf("%s:%d: code %s listed twice", feedsDocPath, n, name)
			}
			codes[code] = line
			continue
		}
		if len(cells) < 3 {
			t.Fatalf("%s:%d: a column row needs 英文列名, 表头 and 必填", feedsDocPath, n)
		}
		c := docFeedColumn{name: name, required: strings.TrimSpace(cells[2]) == "是"}
		if r := strings.TrimSpace(cells[2]); r != "是" && r != "否" {
			t.Errorf("%s:%d: 必填 is %q, not 是 or 否", feedsDocPath, n, r)
		}
		for _, m := range backticked.FindAllStringSubmatch(cells[1], -1) {
			c.headers = append(c.headers, m[1])
		}
		d.columns[rt] = append(d.columns[rt], c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestFeedsDocHeaders holds the column tables of docs/feeds.md against the
// header rules the normaliser uses: every column of every record type in its
// order, every header synonym, and whether it is required.
func TestFeedsDocHeaders(t *testing.T) {
	d := readFeedsDoc(t)
	for _, rt := range append(append([]canon.RecordType{}, canon.CountyTypes...), canon.Divisions) {
		doc, ok := d.columns[rt]
		if !ok {
			t.Errorf("%s has no column table for record type %s", feedsDocPath, rt)
			continue
		}
		var got, want []string
		for _, c := range columns[rt] {
			want = append(want, c.name)
		}
		for _, c := range doc {
			got = append(got, c.name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %s lists the columns\n\t%v\nthe code reads\n\t%v", rt, feedsDocPath, got, want)
			continue
		}
		for i, c := range columns[rt] {
			if !slices.Equal(doc[i].headers, c.headers) {
				t.Errorf("%s.%s: %s lists the headers %q, the code accepts %q", rt, c.name, feedsDocPath, doc[i].headers, c.headers)
			}
			if doc[i].required != c.required {
				t.Errorf("%s.%s: %s says 必填 %v, the code says required %v", rt, c.name, feedsDocPath, doc[i].required, c.required)
			}
		}
	}
}

// codeFinding is a finding code raised somewhere in the code, with its severity.
type codeFinding struct{ code, severity, where string }

var (
	// codeShape is what a reject reason looks like: lower-case words joined
	// by "_", with an optional ":column" (or a bare ":" before a column name
	// added at run time). It needs a "_" or a ":", which keeps out enum codes
	// such as "other" that the same functions return.
	codeShape = regexp.MustCompile(`^[a-z]+(_[a-z]+)*(:[a-z_]*)?$`)
	// sqlFinding is a finding written by SQL: 'code', 'severity'.
	sqlFinding = regexp.MustCompile(`'([a-z]+(?:_[a-z]+)+)',\s*'(error|warning|info)'`)
)

// rejectsInCode collects the reject reasons of the normaliser from its source:
// string literals returned by a function (alone, or as the left operand of a
// "+" that appends a column name) or assigned to a variable named reason.
// Findings come from the literals of type finding (their code and severity).
func rejectsInCode(t *testing.T) (map[string]string, []codeFinding) {
	t.Helper()
	fset := token.NewFileSet()
	rejects := map[string]string{}
	var findings []codeFinding
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		addReject := func(e ast.Expr) {
			if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.ADD {
				e = b.X
			}
			lit, ok := e.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !codeShape.MatchString(s) || !strings.ContainsAny(s, "_:") {
				return
			}
			rejects[s] = fset.Position(lit.Pos()).String()
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ReturnStmt:
				for _, r := range n.Results {
					addReject(r)
				}
			case *ast.AssignStmt:
				for i, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok && id.Name == "reason" && i < len(n.Rhs) {
						addReject(n.Rhs[i])
					}
				}
			case *ast.CompositeLit:
				if id, ok := n.Type.(*ast.Ident); ok && id.Name == "finding" {
					if fd, ok := findingLiteral(n); ok {
						fd.where = fset.Position(n.Pos()).String()
						findings = append(findings, fd)
					}
				}
			}
			return true
		})
	}
	return rejects, findings
}

// findingLiteral reads the code and severity of a finding{…} literal, written
// positionally or with keys.
func findingLiteral(n *ast.CompositeLit) (codeFinding, bool) {
	str := func(e ast.Expr) string {
		if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.ADD {
			e = b.X // "code:" + column
		}
		if lit, ok := e.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			s, _ := strconv.Unquote(lit.Value)
			return s
		}
		return ""
	}
	var fd codeFinding
	for i, e := range n.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			switch kv.Key.(*ast.Ident).Name {
			case "code":
				fd.code = str(kv.Value)
			case "severity":
				fd.severity = str(kv.Value)
			}
			continue
		}
		switch i {
		case 0:
			fd.code = str(e)
		case 1:
			fd.severity = str(e)
		}
	}
	return fd, fd.code != ""
}

// findingsInSQL collects the findings that SQL statements write, as
// 'code', 'severity' pairs, in the repository's Go and SQL files (tests,
// test data and the documentation left out).
func findingsInSQL(t *testing.T) []codeFinding {
	t.Helper()
	var out []codeFinding
	err := filepath.WalkDir("..", func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() {
			switch e.Name() {
			case ".git", "testdata", "docs", "node_modules":
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, "_test.go") || !(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".sql")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range sqlFinding.FindAllStringSubmatch(string(b), -1) {
			out = append(out, codeFinding{code: m[1], severity: m[2], where: path})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFeedsDocCodes holds the reject reasons and finding codes of
// docs/feeds.md against those the code can produce, both ways. The code has
// no list of them: the reasons are found in the normaliser's source (see
// rejectsInCode), the findings there and in the SQL that the warehouse runs
// after a merge (findingsInSQL).
func TestFeedsDocCodes(t *testing.T) {
	d := readFeedsDoc(t)
	if len(d.rejects) == 0 || len(d.findings) == 0 {
		t.Fatalf("%s: no code table found under 拒绝原因 and 发现代码", feedsDocPath)
	}
	rejects, findings := rejectsInCode(t)
	findings = append(findings, findingsInSQL(t)...)
	// Sanity: the scans must see codes we know to exist, else they are
	// looking in the wrong place and the comparison below proves nothing.
	for _, c := range []string{"bad_id_checksum", "missing:", "unknown_value:role", "duplicate_in_file"} {
		if _, ok := rejects[c]; !ok {
			t.Errorf("the source scan found no reject reason %q: the scan is broken", c)
		}
	}
	found := map[string]codeFinding{}
	for _, f := range findings {
		if prev, ok := found[f.code]; ok && prev.severity != f.severity {
			t.Errorf("finding %s has severity %s at %s and %s at %s", f.code, prev.severity, prev.where, f.severity, f.where)
		}
		found[f.code] = f
	}
	for _, c := range []string{"gender_mismatch", "unused_columns", "overlapping_postings"} {
		if _, ok := found[c]; !ok {
			t.Errorf("the source scan found no finding %q: the scan is broken", c)
		}
	}

	for _, code := range slices.Sorted(maps.Keys(rejects)) {
		prefix, column, hasColumn := strings.Cut(code, ":")
		switch {
		case hasColumn:
			if _, ok := d.rejects[prefix+":"]; !ok {
				t.Errorf("reject reason %s (%s) has no row %s:<列名> in %s", code, rejects[code], prefix, feedsDocPath)
			}
			if column != "" && !strings.Contains(d.text, "`"+code+"`") {
				t.Errorf("reject reason %s (%s) is not named in %s", code, rejects[code], feedsDocPath)
			}
		case d.rejects[code] == "" && d.findings[code] == "":
			// parse's default case returns unknown_record_type, the name of
			// the finding a sheet of no record type raises; documenting it
			// once, as that finding, is enough.
			t.Errorf("reject reason %s (%s) is not in the 拒绝原因 table of %s", code, rejects[code], feedsDocPath)
		}
	}
	for code := range d.rejects {
		if _, ok := rejects[code]; !ok {
			t.Errorf("%s lists the reject reason %s, which the code never gives", feedsDocPath, code)
		}
	}
	for _, code := range slices.Sorted(maps.Keys(found)) {
		f := found[code]
		row, ok := d.findings[code]
		switch {
		case !ok:
			t.Errorf("finding %s (%s, %s) is not in the 发现代码 table of %s", code, f.severity, f.where, feedsDocPath)
		case !strings.Contains(row, "| "+f.severity+" "):
			t.Errorf("finding %s: %s does not give its severity %s", code, feedsDocPath, f.severity)
		}
	}
	for code := range d.findings {
		if _, ok := found[code]; !ok {
			t.Errorf("%s lists the finding %s, which the code never raises", feedsDocPath, code)
		}
	}
}
