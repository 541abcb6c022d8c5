package export

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// readBack returns the columns of every table of the release in dir, as
// "name TYPE", read from its Parquet files apart from the code under test:
// a folder is a Hive-partitioned table (county_code read as text, as the
// README tells researchers to), a <name>.parquet file a single one.
func readBack(t *testing.T, dir string) map[string][]string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	db := memDB(t)
	out := map[string][]string{}
	for _, e := range ents {
		var name, src string
		switch {
		case e.IsDir():
			name = e.Name()
			src = fmt.Sprintf("read_parquet('%s', hive_partitioning = true, hive_types = {'county_code': VARCHAR})", filepath.Join(dir, name, "*", "*.parquet"))
		case strings.HasSuffix(e.Name(), ".parquet"):
			name = strings.TrimSuffix(e.Name(), ".parquet")
			src = fmt.Sprintf("read_parquet('%s')", filepath.Join(dir, e.Name()))
		default:
			continue
		}
		rows, err := db.Query("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + src + ")")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for rows.Next() {
			var col, typ string
			if err := rows.Scan(&col, &typ); err != nil {
				t.Fatal(err)
			}
			out[name] = append(out[name], col+" "+typ)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// documented returns a dictionary entry's columns as "name TYPE", in order.
func documented(d tableDoc) []string {
	var cols []string
	for _, c := range d.Columns {
		cols = append(cols, c.Name+" "+c.Type)
	}
	return cols
}

// TestDictionaryMatchesRelease holds the SQL against the dictionary: the
// tables written from the hand-built city are exactly the dictionary's, and
// every table's columns and DuckDB types, read back from its Parquet files,
// are exactly the dictionary's entries for it, in order. The tables are
// written without the check Write makes, so that this test, not that
// check, finds a difference.
func TestDictionaryMatchesRelease(t *testing.T) {
	w, dir, res := tablesTest(t, 2)
	got := readBack(t, dir)
	var names []string
	for _, d := range dictionary {
		names = append(names, d.Name)
		cols, ok := got[d.Name]
		if !ok {
			t.Errorf("the dictionary lists %s; the release has no such table", d.Name)
			continue
		}
		if want := documented(d); !slices.Equal(cols, want) {
			t.Errorf("%s: read back from the files\n %q\nthe dictionary says\n %q", d.Name, cols, want)
		}
	}
	for name := range got {
		if !slices.Contains(names, name) {
			t.Errorf("the release has a table %s the dictionary lacks", name)
		}
	}
	if len(got) != 10 {
		t.Errorf("%d tables read back, want 10", len(got))
	}
	// Every table here has rows, so every type above was read from a file.
	var written []string
	for _, tab := range res.tables {
		written = append(written, tab.name)
		if tab.rows == 0 {
			t.Errorf("%s: no rows; the check above read no file of it", tab.name)
		}
	}
	if !slices.Equal(written, names) {
		t.Errorf("tables written in the order %q, the dictionary's %q", written, names)
	}

	// Write, which checks the same, accepts the release, and its manifest
	// gives the dictionary's columns in its order.
	r, err := Write(context.Background(), w, Options{Release: "dict", AsOf: day("2022-07-21"), Out: t.TempDir(), Secret: []byte("dictionary-test-secret-0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(r.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for i, tab := range m.Tables {
		listed = append(listed, tab.Name)
		var cols []string
		for _, c := range tab.Columns {
			cols = append(cols, c.Name+" "+c.Type)
		}
		if i < len(dictionary) && !slices.Equal(cols, documented(dictionary[i])) {
			t.Errorf("manifest %s: %q", tab.Name, cols)
		}
	}
	if !slices.Equal(listed, names) {
		t.Errorf("manifest tables %q, dictionary %q", listed, names)
	}
}

// TestDictionaryEmptyWarehouse: a release of a warehouse with no rows,
// whose per-person tables have no file (their types then come from the
// built tables), still has the dictionary's columns and types.
func TestDictionaryEmptyWarehouse(t *testing.T) {
	w := openTest(t)
	out := t.TempDir()
	res, err := Write(context.Background(), w, Options{Release: "empty", AsOf: day("2022-07-21"), Out: out, Secret: []byte("dictionary-test-secret-0123456789")})
	if err != nil {
		t.Fatal(err)
	}
	m, err := ReadManifest(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Tables) != len(dictionary) {
		t.Fatalf("%d tables, want %d", len(m.Tables), len(dictionary))
	}
	for i, tab := range m.Tables {
		var cols []string
		for _, c := range tab.Columns {
			cols = append(cols, c.Name+" "+c.Type)
		}
		if want := documented(dictionary[i]); tab.Name != dictionary[i].Name || !slices.Equal(cols, want) {
			t.Errorf("%s: %q, the dictionary says %s %q", tab.Name, cols, dictionary[i].Name, want)
		}
		if tab.Rows != 0 {
			t.Errorf("%s: %d rows in an empty warehouse", tab.Name, tab.Rows)
		}
	}
	// The files there are (the tables that are not per person) read back
	// as the dictionary says too.
	got := readBack(t, res.Dir)
	if len(got) == 0 {
		t.Fatal("no file written")
	}
	for _, d := range dictionary {
		if cols, ok := got[d.Name]; ok && !slices.Equal(cols, documented(d)) {
			t.Errorf("%s: read back %q", d.Name, cols)
		}
	}
}

// TestDictionaryEntries: every entry has a type and both descriptions, and
// no column twice.
func TestDictionaryEntries(t *testing.T) {
	for _, d := range dictionary {
		if d.Title.ZH == "" || d.Title.EN == "" || d.About.ZH == "" || d.About.EN == "" {
			t.Errorf("%s: no title or description", d.Name)
		}
		seen := map[string]bool{}
		for _, c := range d.Columns {
			if c.Name == "" || c.Type == "" || c.Text.ZH == "" || c.Text.EN == "" || seen[c.Name] {
				t.Errorf("%s.%s: %+v", d.Name, c.Name, c)
			}
			seen[c.Name] = true
		}
	}
}

// TestTableEntriesRefuse: the check made when a release is written refuses
// tables that differ from the dictionary in any way.
func TestTableEntriesRefuse(t *testing.T) {
	// What the dictionary describes, as writeTables would report it.
	exact := func() []table {
		var ts []table
		for _, d := range dictionary {
			tab := table{name: d.Name, rows: 1}
			for _, c := range d.Columns {
				tab.columns = append(tab.columns, column{name: c.Name, typ: c.Type})
			}
			ts = append(ts, tab)
		}
		return ts
	}
	if _, err := tableEntries(exact()); err != nil {
		t.Fatalf("the dictionary's own tables: %v", err)
	}
	for _, tc := range []struct {
		name string
		edit func([]table) []table
	}{
		{"a table missing", func(ts []table) []table { return ts[1:] }},
		{"an extra table", func(ts []table) []table {
			return append(ts, table{name: "names", columns: []column{{"name", "VARCHAR"}}})
		}},
		{"tables swapped", func(ts []table) []table { ts[0], ts[1] = ts[1], ts[0]; return ts }},
		{"a column missing", func(ts []table) []table { ts[2].columns = ts[2].columns[:len(ts[2].columns)-1]; return ts }},
		{"an extra column", func(ts []table) []table {
			ts[0].columns = append(ts[0].columns, column{"person_key", "VARCHAR"})
			return ts
		}},
		{"columns swapped", func(ts []table) []table {
			c := ts[1].columns
			c[1], c[2] = c[2], c[1]
			return ts
		}},
		{"another type", func(ts []table) []table { ts[7].columns[6].typ = "INTEGER"; return ts }},
		{"a column renamed", func(ts []table) []table { ts[5].columns[1].name = "name"; return ts }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tableEntries(tc.edit(exact())); !errors.Is(err, errDictionary) {
				t.Errorf("error %v, want errDictionary", err)
			}
		})
	}
}
