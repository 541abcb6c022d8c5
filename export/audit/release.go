package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/grassroots-cn/grassroots/warehouse"
)

// manifestFile is the manifest every release folder holds.
const manifestFile = "manifest.json"

// manifest is the part of manifest.json the audit reads: a release's own
// statement of its k and its quasi-identifiers. Everything else is read
// from the data files.
type manifest struct {
	Release  string   `json:"release"`
	AsOf     string   `json:"as_of"`
	K        int      `json:"k"`
	QuasiIDs []string `json:"quasi_identifiers"`
	Risk     *struct {
		MaxSuppressedPct *int `json:"max_suppressed_pct"`
	} `json:"risk"`
}

// column is one column of a release table, with its DuckDB type.
type column struct {
	name, typ string
}

// relTable is one table of the release, readable in the session as a
// temporary view named view.
type relTable struct {
	name    string
	view    string
	columns []column
}

// has says whether the table has every named column.
func (t *relTable) has(names ...string) bool {
	if t == nil {
		return false
	}
	for _, n := range names {
		if !slices.ContainsFunc(t.columns, func(c column) bool { return c.name == n }) {
			return false
		}
	}
	return true
}

// typeOf is a column's DuckDB type ("" when it has none such).
func (t *relTable) typeOf(name string) string {
	for _, c := range t.columns {
		if c.name == name {
			return c.typ
		}
	}
	return ""
}

// release is an opened release folder: its manifest and its tables.
type release struct {
	dir      string
	manifest manifest
	tables   map[string]*relTable
	names    []string // table names, sorted
}

// table returns a table of the release, nil if it has none of that name.
func (r *release) table(name string) *relTable { return r.tables[name] }

// readManifest reads and parses dir/manifest.json.
func readManifest(dir string) (manifest, error) {
	var m manifest
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return m, fmt.Errorf("%w: %v", ErrNotRelease, err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%w: %s: %v", ErrNotRelease, manifestFile, err)
	}
	return m, nil
}

// openRelease reads the manifest and creates a temporary view over every
// table's Parquet files: dir/<name>.parquet, dir/<name>/*.parquet or the
// Hive partitions dir/<name>/<key>=<value>/*.parquet (the key read as
// text). A folder without a manifest or a persons table is not a release.
func openRelease(ctx context.Context, s *warehouse.Session, dir string) (*release, error) {
	m, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotRelease, err)
	}
	r := &release{dir: dir, manifest: m, tables: map[string]*relTable{}}
	for _, e := range entries {
		name, src, err := source(dir, e)
		if err != nil {
			return nil, err
		}
		if src == "" {
			continue
		}
		t := &relTable{name: name, view: quoteIdent("rel_" + name)}
		if err := s.Exec(ctx, "CREATE OR REPLACE TEMP VIEW "+t.view+" AS SELECT * FROM "+src); err != nil {
			return nil, fmt.Errorf("audit: %s: %w", name, err)
		}
		if t.columns, err = describe(ctx, s, t.view); err != nil {
			return nil, fmt.Errorf("audit: %s: %w", name, err)
		}
		r.tables[name] = t
		r.names = append(r.names, name)
	}
	slices.Sort(r.names)
	if p := r.table("persons"); !p.has("research_id") {
		return nil, fmt.Errorf("%w: %s has no persons table with a research_id", ErrNotRelease, dir)
	}
	return r, nil
}

// source is the read_parquet expression of one folder entry, "" when the
// entry holds no Parquet files.
func source(dir string, e os.DirEntry) (name, src string, err error) {
	path := filepath.Join(dir, e.Name())
	if !e.IsDir() {
		if n, ok := strings.CutSuffix(e.Name(), ".parquet"); ok {
			return n, "read_parquet(" + quoteLiteral(path) + ")", nil
		}
		return "", "", nil
	}
	if m, _ := filepath.Glob(filepath.Join(path, "*.parquet")); len(m) > 0 {
		return e.Name(), "read_parquet(" + quoteLiteral(filepath.Join(path, "*.parquet")) + ")", nil
	}
	parts, _ := filepath.Glob(filepath.Join(path, "*=*", "*.parquet"))
	if len(parts) == 0 {
		return "", "", nil
	}
	keys := map[string]bool{}
	for _, p := range parts {
		k, _, _ := strings.Cut(filepath.Base(filepath.Dir(p)), "=")
		keys[k] = true
	}
	var types []string
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		types = append(types, quoteLiteral(k)+": VARCHAR")
	}
	return e.Name(), fmt.Sprintf("read_parquet(%s, hive_partitioning = true, hive_types = {%s})",
		quoteLiteral(filepath.Join(path, "*=*", "*.parquet")), strings.Join(types, ", ")), nil
}

// describe lists a view's columns and types.
func describe(ctx context.Context, s *warehouse.Session, view string) ([]column, error) {
	var cols []column
	err := s.Each(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+view+")", nil, func(row warehouse.Row) error {
		var c column
		if err := row.Scan(&c.name, &c.typ); err != nil {
			return err
		}
		cols = append(cols, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		return nil, errors.New("no columns")
	}
	return cols, nil
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteLiteral quotes an SQL string literal (a path; values are bound).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
