package sqlfiles

import (
	"context"
	"database/sql"
	"errors"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"

	_ "github.com/duckdb/duckdb-go/v2"
)

func TestList(t *testing.T) {
	file := func(text string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(text)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []Migration
		wantErr error
	}{
		{
			name: "sorted by version, not by name",
			files: fstest.MapFS{
				"m/010_later.sql":      file("SELECT 10;"),
				"m/002_add_macros.sql": file("SELECT 2;"),
				"m/001_schema.sql":     file("SELECT 1;"),
			},
			want: []Migration{
				{Version: 1, Name: "schema", SQL: "SELECT 1;"},
				{Version: 2, Name: "add_macros", SQL: "SELECT 2;"},
				{Version: 10, Name: "later", SQL: "SELECT 10;"},
			},
		},
		{
			name:  "empty folder",
			files: fstest.MapFS{"m": &fstest.MapFile{Mode: fs.ModeDir | 0o755}},
			want:  []Migration{},
		},
		{
			name:    "duplicate version",
			files:   fstest.MapFS{"m/001_a.sql": file(""), "m/001_b.sql": file("")},
			wantErr: ErrDuplicateVersion,
		},
		{name: "version 000", files: fstest.MapFS{"m/000_zero.sql": file("")}, wantErr: ErrBadName},
		{name: "two digits", files: fstest.MapFS{"m/01_schema.sql": file("")}, wantErr: ErrBadName},
		{name: "four digits", files: fstest.MapFS{"m/0001_schema.sql": file("")}, wantErr: ErrBadName},
		{name: "no name", files: fstest.MapFS{"m/001_.sql": file("")}, wantErr: ErrBadName},
		{name: "no underscore", files: fstest.MapFS{"m/001schema.sql": file("")}, wantErr: ErrBadName},
		{name: "dash", files: fstest.MapFS{"m/001-schema.sql": file("")}, wantErr: ErrBadName},
		{name: "upper case", files: fstest.MapFS{"m/001_Schema.sql": file("")}, wantErr: ErrBadName},
		{name: "double underscore", files: fstest.MapFS{"m/001_a__b.sql": file("")}, wantErr: ErrBadName},
		{name: "trailing underscore", files: fstest.MapFS{"m/001_a_.sql": file("")}, wantErr: ErrBadName},
		{name: "not .sql", files: fstest.MapFS{"m/001_schema.txt": file("")}, wantErr: ErrBadName},
		{name: "no version", files: fstest.MapFS{"m/schema.sql": file("")}, wantErr: ErrBadName},
		{name: "directory", files: fstest.MapFS{"m/001_dir.sql/x": file("")}, wantErr: ErrBadName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := list(tt.files, "m")
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("list() error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("list() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestListMissingFolder(t *testing.T) {
	_, err := list(fstest.MapFS{}, "m")
	if err == nil {
		t.Fatal("list() of a missing folder: no error")
	}
}

func TestListEmbedded(t *testing.T) {
	got, err := List()
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	if len(got) == 0 || got[0].Version != 1 || got[0].Name != "schema" {
		t.Fatalf("List() = %d migrations, want 001_schema first", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Version <= got[i-1].Version {
			t.Errorf("List() versions out of order: %d after %d", got[i].Version, got[i-1].Version)
		}
	}
	if !strings.Contains(got[0].SQL, "CREATE TABLE fact_posting (") {
		t.Errorf("001_schema SQL does not create fact_posting")
	}
}

// column is one column as duckdb_columns() reports it.
type column struct {
	name    string
	typ     string
	notNull bool
}

// Types as duckdb_columns().data_type spells them.
const (
	varchar     = "VARCHAR"
	integer     = "INTEGER"
	bigint      = "BIGINT"
	date        = "DATE"
	timestamptz = "TIMESTAMP WITH TIME ZONE"
)

// contractTables are the warehouse's tables (docs/warehouse.md) with their
// columns in order.
var contractTables = map[string][]column{
	"dim_county": {
		{"county_code", varchar, true},
		{"county_name", varchar, true},
		{"region", varchar, true},
	},
	"dim_township": {
		{"township_code", varchar, true},
		{"township_name", varchar, true},
		{"township_kind", varchar, true},
		{"county_code", varchar, true},
	},
	"dim_village": {
		{"village_code", varchar, true},
		{"village_name", varchar, true},
		{"village_kind", varchar, true},
		{"urban_rural_code", varchar, false},
		{"township_code", varchar, true},
		{"county_code", varchar, true},
		{"established_on", date, false},
		{"dissolved_on", date, false},
	},
	"dim_person": {
		{"person_key", varchar, true},
		{"gender", varchar, false},
		{"birth_year", integer, false},
		{"degree", varchar, false},
		{"university", varchar, false},
		{"major", varchar, false},
		{"political_status", varchar, false},
	},
	"pii_person": {
		{"person_key", varchar, true},
		{"name", varchar, false},
		{"id_number", varchar, true},
		{"phone", varchar, false},
	},
	"fact_posting": {
		{"person_key", varchar, true},
		{"village_code", varchar, true},
		{"township_code", varchar, true},
		{"county_code", varchar, true},
		{"channel", varchar, true},
		{"selection_round", varchar, false},
		{"quota_source", varchar, true},
		{"start_date", date, true},
		{"end_date", date, false},
		{"end_reason", varchar, false},
		{"mentor_role", varchar, false},
	},
	"fact_role": {
		{"person_key", varchar, true},
		{"role", varchar, true},
		{"role_category", varchar, true},
		{"village_code", varchar, false},
		{"start_date", date, true},
		{"end_date", date, false},
	},
	"fact_assessment": {
		{"person_key", varchar, true},
		{"year", integer, true},
		{"grade", varchar, true},
	},
	"fact_vacancy": {
		{"village_code", varchar, true},
		{"reported_on", date, true},
		{"reason", varchar, true},
		{"filled_on", date, false},
	},
	"fact_quota": {
		{"county_code", varchar, true},
		{"township_code", varchar, false},
		{"year", integer, true},
		{"township_quota", integer, false},
		{"county_pool", integer, false},
	},
	"fact_subsidy": {
		{"person_key", varchar, true},
		{"paid_on", date, true},
		{"kind", varchar, true},
		{"amount_yuan", "DECIMAL(12,2)", true},
	},
	"etl_run": {
		{"run_id", bigint, true},
		{"job", varchar, true},
		{"county_code", varchar, false},
		{"started_at", timestamptz, true},
		{"finished_at", timestamptz, false},
		{"status", varchar, true},
		{"rows_in", bigint, false},
		{"rows_loaded", bigint, false},
		{"rows_unchanged", bigint, false},
		{"rows_duplicate", bigint, false},
		{"rows_rejected", bigint, false},
		{"error", varchar, false},
	},
	"etl_file": {
		{"file_sha256", varchar, true},
		{"county_code", varchar, false},
		{"source_uri", varchar, true},
		{"record_types", "VARCHAR[]", false},
		{"first_run_id", bigint, true},
		{"received_at", timestamptz, true},
	},
	"etl_reject": {
		{"run_id", bigint, true},
		{"county_code", varchar, false},
		{"source_uri", varchar, true},
		{"sheet", varchar, false},
		{"row_number", bigint, false},
		{"reason", varchar, true},
		{"raw_masked", varchar, false},
	},
	"etl_finding": {
		{"run_id", bigint, true},
		{"county_code", varchar, false},
		{"code", varchar, true},
		{"severity", varchar, true},
		{"person_key", varchar, false},
		{"village_code", varchar, false},
		{"detail", varchar, false},
		// 010_finding_location.sql: where a row's finding was raised.
		{"source_uri", varchar, false},
		{"sheet", varchar, false},
		{"row_number", bigint, false},
	},
	// 002_metrics.sql: the settings the metric macros read.
	"etl_setting": {
		{"key", varchar, true},
		{"value", varchar, false},
	},
	// 008_pii_encryption.sql: the key check of the encrypted personal data.
	"pii_key_check": {
		{"scheme", varchar, true},
		{"check_value", varchar, true},
	},
	// 003_source_state.sql: what an HTTP source remembers between pulls.
	"etl_source_state": {
		{"county_code", varchar, true},
		{"key", varchar, true},
		{"value", varchar, false},
		{"run_id", bigint, true},
		{"updated_at", timestamptz, true},
	},
}

// historyColumns follow the base table's columns in every X_history table.
var historyColumns = []column{
	{"valid_from", timestamptz, true},
	{"valid_to", timestamptz, false},
	{"run_id", bigint, true},
}

// historyRule is the "state at time T" condition every history table's
// comment must spell out.
const historyRule = "WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)"

// hasHistory reports whether a contract table keeps an X_history twin.
func hasHistory(table string) bool {
	return table != "pii_key_check" && (strings.HasPrefix(table, "dim_") || strings.HasPrefix(table, "fact_") || strings.HasPrefix(table, "pii_"))
}

// bilingual reports whether a comment has both a Chinese character and an
// ASCII letter.
func bilingual(s string) bool {
	han := strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
	ascii := strings.IndexFunc(s, func(r rune) bool { return r < unicode.MaxASCII && unicode.IsLetter(r) }) >= 0
	return han && ascii
}

func TestBilingual(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"到岗日期 / date the graduate took up the post", true},
		{"到岗日期", false},
		{"date the graduate took up the post", false},
		{"到岗日期 / 2022", false},
		{"", false},
		{"ｄａｔｅ 日期", false}, // full-width letters are not ASCII
	}
	for _, tt := range tests {
		if got := bilingual(tt.in); got != tt.want {
			t.Errorf("bilingual(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// openSchema opens an in-memory DuckDB and applies every embedded migration
// in order, each in its own transaction (and no macros).
func openSchema(t *testing.T) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatalf("open duckdb: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	migrations, err := List()
	if err != nil {
		t.Fatalf("List() error = %v", err)
	}
	for _, m := range migrations {
		if m.Empty() {
			continue
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatalf("begin: %v", err)
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			tx.Rollback()
			t.Fatalf("migration %03d_%s: %v", m.Version, m.Name, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatalf("commit migration %03d_%s: %v", m.Version, m.Name, err)
		}
	}
	return db
}

// queryStrings runs a query that returns one text column per row.
func queryStrings(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

// schemaColumn is one row of duckdb_columns().
type schemaColumn struct {
	column
	comment string
}

// loadSchema returns the comment of every table and the columns of every
// table in order.
func loadSchema(t *testing.T, db *sql.DB) (tableComments map[string]string, columns map[string][]schemaColumn) {
	t.Helper()
	tableComments = map[string]string{}
	rows, err := db.Query(`SELECT table_name, coalesce(comment, '') FROM duckdb_tables() WHERE NOT internal`)
	if err != nil {
		t.Fatalf("duckdb_tables(): %v", err)
	}
	for rows.Next() {
		var name, comment string
		if err := rows.Scan(&name, &comment); err != nil {
			t.Fatalf("duckdb_tables(): %v", err)
		}
		tableComments[name] = comment
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("duckdb_tables(): %v", err)
	}
	rows.Close()

	columns = map[string][]schemaColumn{}
	rows, err = db.Query(`SELECT table_name, column_name, data_type, NOT is_nullable, coalesce(comment, '')
		FROM duckdb_columns() WHERE NOT internal ORDER BY table_name, column_index`)
	if err != nil {
		t.Fatalf("duckdb_columns(): %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var table string
		var c schemaColumn
		if err := rows.Scan(&table, &c.name, &c.typ, &c.notNull, &c.comment); err != nil {
			t.Fatalf("duckdb_columns(): %v", err)
		}
		columns[table] = append(columns[table], c)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("duckdb_columns(): %v", err)
	}
	return tableComments, columns
}

func TestSchema(t *testing.T) {
	db := openSchema(t)
	tableComments, columns := loadSchema(t, db)

	want := map[string][]column{}
	for table, cols := range contractTables {
		want[table] = cols
		if hasHistory(table) {
			want[table+"_history"] = slices.Concat(cols, historyColumns)
		}
	}
	if len(want) != 29 {
		t.Fatalf("expected 15 contract tables, etl_setting, etl_source_state, pii_key_check and 11 history tables, have %d", len(want))
	}

	t.Run("tables", func(t *testing.T) {
		got := slices.Sorted(maps.Keys(tableComments))
		exp := slices.Sorted(maps.Keys(want))
		if !slices.Equal(got, exp) {
			t.Errorf("tables = %v\nwant %v", got, exp)
		}
	})

	for table, wantCols := range want {
		t.Run(table, func(t *testing.T) {
			comment, ok := tableComments[table]
			if !ok {
				t.Fatalf("table %s missing", table)
			}
			if !bilingual(comment) {
				t.Errorf("table comment %q is not in Chinese and English", comment)
			}
			got := columns[table]
			gotCols := make([]column, len(got))
			for i, c := range got {
				gotCols[i] = c.column
				if !bilingual(c.comment) {
					t.Errorf("column %s: comment %q is not in Chinese and English", c.name, c.comment)
				}
			}
			if !slices.Equal(gotCols, wantCols) {
				t.Errorf("columns =\n%v\nwant\n%v", gotCols, wantCols)
			}
			base, isHistory := strings.CutSuffix(table, "_history")
			if !isHistory {
				return
			}
			if !strings.Contains(comment, historyRule) {
				t.Errorf("history table comment %q does not state %q", comment, historyRule)
			}
			// The copied columns describe the same values as in the base table.
			for i, c := range columns[base] {
				if i < len(got) && got[i].comment != c.comment {
					t.Errorf("column %s: comment %q differs from %s.%s %q", c.name, got[i].comment, base, c.name, c.comment)
				}
			}
		})
	}

	t.Run("private tables say so", func(t *testing.T) {
		for _, table := range []string{"pii_person", "pii_person_history"} {
			c := tableComments[table]
			if !strings.Contains(c, "PRIVATE") || !strings.Contains(c, "never published") || !strings.Contains(c, "绝不发布") {
				t.Errorf("%s comment %q does not say it is private and never published", table, c)
			}
		}
	})

	t.Run("no keys, indexes, sequences or enum types", func(t *testing.T) {
		if got := queryStrings(t, db, `SELECT DISTINCT constraint_type FROM duckdb_constraints() WHERE database_name = current_database()`); !slices.Equal(got, []string{"NOT NULL"}) {
			t.Errorf("constraint types = %v, want only NOT NULL", got)
		}
		for _, q := range []string{
			`SELECT index_name FROM duckdb_indexes()`,
			`SELECT sequence_name FROM duckdb_sequences()`,
			`SELECT type_name FROM duckdb_types() WHERE NOT internal`,
		} {
			if got := queryStrings(t, db, q); len(got) != 0 {
				t.Errorf("%s = %v, want none", q, got)
			}
		}
	})
}
