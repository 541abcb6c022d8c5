package warehouse

import (
	"bufio"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The schema documentation, relative to this package's folder.
const schemaDocPath = "../docs/warehouse.md"

// docColumn is one row of a column table in docs/warehouse.md.
type docColumn struct {
	name, typ, null string // null is "yes" or "no"; "" in a macro's output table
}

// docObject is a table, view or macro that docs/warehouse.md documents.
type docObject struct {
	name    string
	macro   bool
	params  []string // a macro's parameter names, in order
	cols    []docColumn
	private bool // marked _Private_: absent from the snapshot
	line    int
}

var (
	docHeading   = regexp.MustCompile(`^#{2,6}\s+(.*?)\s*$`)
	docTableName = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
	docMacroName = regexp.MustCompile(`^([a-z_][a-z0-9_]*)\((.*)\)$`)
)

// parseSchemaDoc reads the objects of docs/warehouse.md. A heading holding
// only a lower-case name is a table or view, a heading name(params) a macro;
// the first markdown table after it lists its columns (for a table: column,
// type, null, …; for a macro: column, type, …). Other headings end an object.
func parseSchemaDoc(t *testing.T, path string) []*docObject {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("open the schema documentation: %v", err)
	}
	defer f.Close()
	var (
		objs          []*docObject
		cur           *docObject
		inFence       bool
		tableStarted  bool
		tableFinished bool
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		if m := docHeading.FindStringSubmatch(line); m != nil {
			cur, tableStarted, tableFinished = nil, false, false
			text := strings.ReplaceAll(m[1], "`", "")
			switch {
			case docTableName.MatchString(text):
				cur = &docObject{name: text, line: n}
			case docMacroName.MatchString(text):
				mm := docMacroName.FindStringSubmatch(text)
				cur = &docObject{name: mm[1], macro: true, params: docParams(mm[2]), line: n}
			}
			if cur != nil {
				objs = append(objs, cur)
			}
			continue
		}
		if cur == nil {
			continue
		}
		if strings.HasPrefix(line, "_Private_") {
			cur.private = true
		}
		if !strings.HasPrefix(line, "|") {
			if tableStarted {
				tableFinished = true
			}
			continue
		}
		if tableFinished {
			continue
		}
		tableStarted = true
		cells := docCells(line)
		if len(cells) < 2 || cells[0] == "column" || strings.Trim(cells[0], "-: ") == "" {
			continue
		}
		c := docColumn{name: strings.Trim(cells[0], "` "), typ: cells[1]}
		if !cur.macro {
			if len(cells) < 3 {
				t.Fatalf("%s:%d: a table's column row needs column, type and null", path, n)
			}
			c.null = cells[2]
		}
		cur.cols = append(cur.cols, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read the schema documentation: %v", err)
	}
	return objs
}

// docParams splits "as_of := NULL, months := 12" into its parameter names.
func docParams(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		name, _, _ := strings.Cut(p, ":=")
		if name = strings.TrimSpace(name); name != "" {
			out = append(out, name)
		}
	}
	return out
}

// docCells splits a markdown table row into trimmed cells.
func docCells(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
	cells := strings.Split(line, " | ")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// schemaColumn is one column as DuckDB reports it.
type schemaColumn struct{ name, typ, null string }

// liveSchema is what DuckDB reports of the main schema of a database.
type liveSchema struct {
	relations map[string][]schemaColumn // tables and views
	macros    map[string][]string       // name -> parameter names
	tableMacs map[string]bool
}

// readLiveSchema reads the tables, views, columns and macros of the main
// schema of the file r reads.
func readLiveSchema(ctx context.Context, t *testing.T, r *Reader) liveSchema {
	t.Helper()
	s := liveSchema{relations: map[string][]schemaColumn{}, macros: map[string][]string{}, tableMacs: map[string]bool{}}
	each := func(q string, fn func(Row) error) {
		if err := r.Each(ctx, q, nil, fn); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	each(`SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary
		UNION ALL
		SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal AND NOT temporary`,
		func(r Row) error {
			var name string
			if err := r.Scan(&name); err != nil {
				return err
			}
			s.relations[name] = nil
			return nil
		})
	each(`SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns()
		WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
		ORDER BY table_name, column_index`,
		func(r Row) error {
			var table string
			var c schemaColumn
			var nullable bool
			if err := r.Scan(&table, &c.name, &c.typ, &nullable); err != nil {
				return err
			}
			c.typ = normaliseType(c.typ)
			c.null = "no"
			if nullable {
				c.null = "yes"
			}
			if _, ok := s.relations[table]; !ok {
				return fmt.Errorf("column %s.%s of a table or view not listed", table, c.name)
			}
			s.relations[table] = append(s.relations[table], c)
			return nil
		})
	each(`SELECT function_name, function_type, array_to_string(parameters, ',') FROM duckdb_functions()
		WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
			AND function_type IN ('macro', 'table_macro')`,
		func(r Row) error {
			var name, kind, params string
			if err := r.Scan(&name, &kind, &params); err != nil {
				return err
			}
			if _, dup := s.macros[name]; dup {
				return fmt.Errorf("macro %s has more than one overload; the documentation convention knows only one", name)
			}
			s.macros[name] = docParams(params)
			s.tableMacs[name] = kind == "table_macro"
			return nil
		})
	return s
}

// normaliseType writes DuckDB's type names as the documentation does.
func normaliseType(t string) string {
	return strings.ReplaceAll(t, "TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")
}

// macroOutput describes a table macro's output columns, calling it with a
// NULL for every parameter.
func macroOutput(ctx context.Context, r *Reader, name string, params int) ([]schemaColumn, error) {
	args := strings.TrimSuffix(strings.Repeat("NULL, ", params), ", ")
	var out []schemaColumn
	err := r.Each(ctx, fmt.Sprintf("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM %s(%s))", name, args), nil,
		func(row Row) error {
			var c schemaColumn
			if err := row.Scan(&c.name, &c.typ); err != nil {
				return err
			}
			c.typ = normaliseType(c.typ)
			out = append(out, c)
			return nil
		})
	return out, err
}

// TestSchemaDoc holds docs/warehouse.md against a fresh warehouse and a
// snapshot published from it: every table, view, column, macro, parameter
// and table-macro output column must be in both or in neither.
func TestSchemaDoc(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w, err := Open(ctx, filepath.Join(dir, "warehouse.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	objs := parseSchemaDoc(t, schemaDocPath)
	if len(objs) == 0 {
		t.Fatalf("%s documents nothing", schemaDocPath)
	}
	doc := map[string]*docObject{}
	for _, o := range objs {
		if prev, dup := doc[o.name]; dup {
			t.Errorf("%s:%d: %s is documented twice (first at line %d)", schemaDocPath, o.line, o.name, prev.line)
			continue
		}
		doc[o.name] = o
	}
	live := readLiveSchema(ctx, t, w.Reader())

	checkRelations(t, doc, live)
	checkMacros(ctx, t, w.Reader(), doc, live)

	// The snapshot holds every documented table but the private ones, and
	// every macro.
	dst := filepath.Join(dir, "published", "analytics.duckdb")
	if err := w.Publish(ctx, dst); err != nil {
		t.Fatal(err)
	}
	snap, err := OpenReader(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer snap.Close()
	pub := readLiveSchema(ctx, t, snap)
	for _, o := range objs {
		if o.macro {
			if _, ok := pub.macros[o.name]; !ok {
				t.Errorf("macro %s is documented but absent from the published snapshot", o.name)
			}
			continue
		}
		_, inSnap := pub.relations[o.name]
		switch {
		case o.private && inSnap:
			t.Errorf("%s is documented as _Private_ but the published snapshot holds it", o.name)
		case !o.private && !inSnap:
			t.Errorf("%s is absent from the published snapshot: mark it _Private_ in %s or publish it", o.name, schemaDocPath)
		}
	}
	for name := range pub.relations {
		if o, ok := doc[name]; !ok || o.macro {
			t.Errorf("the published snapshot holds %s, which %s does not document as a table", name, schemaDocPath)
		}
	}
}

// checkRelations compares the documented tables and views with the live ones.
func checkRelations(t *testing.T, doc map[string]*docObject, live liveSchema) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(live.relations)) {
		o, ok := doc[name]
		if !ok || o.macro {
			t.Errorf("table or view %s is in the schema but not in %s", name, schemaDocPath)
			continue
		}
		want := o.cols
		if base, ok := doc[strings.TrimSuffix(name, "_history")]; ok && strings.HasSuffix(name, "_history") && !base.macro {
			want = append(slices.Clone(base.cols), o.cols...)
		}
		got := live.relations[name]
		for _, c := range got {
			if !slices.ContainsFunc(want, func(d docColumn) bool { return d.name == c.name }) {
				t.Errorf("column %s.%s (%s) is in the schema but not in %s", name, c.name, c.typ, schemaDocPath)
			}
		}
		for i, d := range want {
			j := slices.IndexFunc(got, func(c schemaColumn) bool { return c.name == d.name })
			switch {
			case j < 0:
				t.Errorf("%s documents column %s.%s, which the schema lacks", schemaDocPath, name, d.name)
			case got[j].typ != d.typ || got[j].null != d.null:
				t.Errorf("column %s.%s: the schema has type %s, null %s; %s says %s, null %s",
					name, d.name, got[j].typ, got[j].null, schemaDocPath, d.typ, d.null)
			case j != i:
				t.Errorf("column %s.%s is number %d in the schema, %d in %s", name, d.name, j+1, i+1, schemaDocPath)
			}
		}
	}
	for _, o := range doc {
		if _, ok := live.relations[o.name]; !o.macro && !ok {
			t.Errorf("%s:%d documents table %s, which the schema lacks", schemaDocPath, o.line, o.name)
		}
	}
}

// checkMacros compares the documented macros with the live ones: names,
// parameters and, for table macros, the output columns.
func checkMacros(ctx context.Context, t *testing.T, r *Reader, doc map[string]*docObject, live liveSchema) {
	t.Helper()
	for _, name := range slices.Sorted(maps.Keys(live.macros)) {
		o, ok := doc[name]
		if !ok || !o.macro {
			t.Errorf("macro %s(%s) is in the schema but not in %s", name, strings.Join(live.macros[name], ", "), schemaDocPath)
			continue
		}
		if !slices.Equal(o.params, live.macros[name]) {
			t.Errorf("macro %s: the schema has parameters (%s), %s says (%s)",
				name, strings.Join(live.macros[name], ", "), schemaDocPath, strings.Join(o.params, ", "))
		}
		if !live.tableMacs[name] {
			if len(o.cols) > 0 {
				t.Errorf("%s documents output columns for the scalar macro %s", schemaDocPath, name)
			}
			continue
		}
		got, err := macroOutput(ctx, r, name, len(live.macros[name]))
		if err != nil {
			t.Errorf("describe table macro %s: %v", name, err)
			continue
		}
		var gotS, wantS []string
		for _, c := range got {
			gotS = append(gotS, c.name+" "+c.typ)
		}
		for _, c := range o.cols {
			wantS = append(wantS, c.name+" "+c.typ)
		}
		if !slices.Equal(gotS, wantS) {
			t.Errorf("table macro %s returns\n\t%s\n%s says\n\t%s", name, strings.Join(gotS, ", "), schemaDocPath, strings.Join(wantS, ", "))
		}
	}
	for _, o := range doc {
		if _, ok := live.macros[o.name]; o.macro && !ok {
			t.Errorf("%s:%d documents macro %s, which the schema lacks", schemaDocPath, o.line, o.name)
		}
	}
}
