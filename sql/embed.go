// Package sqlfiles holds the warehouse's SQL, embedded in the binary with
// go:embed: the migrations (tables and data changes), the macros (code) and
// the bookkeeping tables that record what was applied.
//
// The folder is named sql; the package is named sqlfiles so that importers
// can use database/sql alongside it without renaming either.
//
// Migrations. A migration file in migrations/ is named NNN_name.sql: a
// three-digit version (001 and up) and a name of lower-case letters, digits
// and underscores. Each file runs once, in version order, and creates or
// changes tables and their data; recording which ones ran (schema_migrations)
// is the job of the code that applies them. A file whose statements have all
// moved elsewhere stays, with comments only, so that every warehouse records
// the same versions (Migration.Empty).
//
// Macros. Every macro has exactly one definition, in macros/: one file per
// macro or small family, each statement CREATE OR REPLACE MACRO followed by
// its COMMENT. The whole set is applied after the migrations whenever a
// warehouse opens read-write and whenever a snapshot is published, and is
// tracked by its hash (schema_macros): an unchanged set is not applied again,
// a changed one replaces every macro, on new and existing files alike.
// DuckDB binds a macro when it is created, so the files are applied in the
// order of macroOrder, whatever a macro calls first.
//
// Vocabulary. The Chinese labels that macros show for codes (regions,
// village kinds, urban/rural classes, recruitment channels, the entry-year
// suffix) are listed once, in macros/vocabulary.sql; macros read them with
// label(kind, code).
//
// Test data. testdata/superseded/ holds earlier definitions of macros, as
// migrations once created them, for the tests that hold the current ones to
// the same output; testdata/old_chain_macros.txt fingerprints the macros the
// migrations left before the macros moved here.
package sqlfiles

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Migrations holds the migration files under migrations/.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// migrationsDir is the folder inside Migrations that holds the files.
const migrationsDir = "migrations"

// Errors returned by List.
var (
	// ErrBadName reports a file in migrations/ whose name is not NNN_name.sql
	// with a version of 001 or more.
	ErrBadName = errors.New("sqlfiles: bad migration file name")
	// ErrDuplicateVersion reports two migration files with the same version.
	ErrDuplicateVersion = errors.New("sqlfiles: duplicate migration version")
	// ErrMacroOrder reports a file in macros/ missing from the order of
	// application, or a name in that order without its file.
	ErrMacroOrder = errors.New("sqlfiles: macro files and their order differ")
)

// Migration is one migration file.
type Migration struct {
	// Version is the file's number: 1 for 001_schema.sql.
	Version int
	// Name is the part of the file name between the version and ".sql":
	// "schema" for 001_schema.sql.
	Name string
	// SQL is the file's text: statements separated by semicolons, or
	// comments only (see Empty).
	SQL string
}

// Empty reports whether the migration has no statement left: every line is
// blank or a -- comment. Such a file is recorded as applied without being
// run (DuckDB refuses an empty query).
func (m Migration) Empty() bool {
	for line := range strings.Lines(m.SQL) {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "--") {
			return false
		}
	}
	return true
}

// fileName matches NNN_name.sql.
var fileName = regexp.MustCompile(`^([0-9]{3})_([a-z0-9]+(?:_[a-z0-9]+)*)\.sql$`)

// List returns the embedded migrations sorted by version.
func List() ([]Migration, error) {
	return list(Migrations, migrationsDir)
}

// list reads every file in dir of fsys as a migration and sorts them by
// version. It fails on a name that is not NNN_name.sql, on version 000 and on
// two files with the same version.
func list(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlfiles: read %s: %w", dir, err)
	}
	out := make([]Migration, 0, len(entries))
	seen := make(map[int]string, len(entries))
	for _, e := range entries {
		name := e.Name()
		m := fileName.FindStringSubmatch(name)
		if m == nil || e.IsDir() {
			return nil, fmt.Errorf("%w: %q (want NNN_name.sql)", ErrBadName, name)
		}
		version, err := strconv.Atoi(m[1])
		if err != nil || version < 1 {
			return nil, fmt.Errorf("%w: %q (versions start at 001)", ErrBadName, name)
		}
		if prev, ok := seen[version]; ok {
			return nil, fmt.Errorf("%w: %q and %q", ErrDuplicateVersion, prev, name)
		}
		seen[version] = name
		text, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("sqlfiles: read %s: %w", name, err)
		}
		out = append(out, Migration{Version: version, Name: m[2], SQL: string(text)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	return out, nil
}

// Bookkeeping creates, if they do not exist, the tables schema_migrations
// (the migrations applied) and schema_macros (the hash of the macro set
// applied), with their comments.
//
//go:embed bookkeeping.sql
var Bookkeeping string

// macroFS holds the macro files under macros/.
//
//go:embed macros/*.sql
var macroFS embed.FS

// macrosDir is the folder inside macroFS that holds the files.
const macrosDir = "macros"

// macroOrder lists the files of macros/ (without .sql) in the order they are
// applied. DuckDB binds a macro when it is created: a file comes after every
// file whose macros it calls.
var macroOrder = []string{
	"vocabulary", // vocabulary(), label(): the labels the metrics show
	"settings",   // city_setting(), city_today(), as_date()
	"vintage",    // <table>_vintage(vintage): the tables as known at a moment
	"universe",   // villages_on(), postings_on(), person_first(): use settings
	// The metrics: each uses settings, universe and some vocabulary.
	"coverage",
	"coverage_at", // month_ends() and coverage_at()
	"uncovered_villages",
	"open_vacancies", // open_vacancies(): uses settings
	"retention",
	"survival_by", // spells_by(), survival_by(), survival_median(), exit_incidence()
	"survival",    // survival(): calls survival_by()
	"region_balance",
	"promotions",
	"quota_usage", // quota_usage_on(), then quota_usage() calling it
	// The report's sections of the month (flows, exits_between) and of the
	// road to full coverage (coverage_progress calls villages_on and
	// uncovered_villages).
	"flows",
	"exits", // exits(): calls exits_between() of flows
	"progress",
	"selection",
	"subsidy_usage",
	"source_freshness",
	"data_end", // data_end(): uses settings
	"data_quality",
}

// MacroFile is one file of macros/.
type MacroFile struct {
	// Name is the file name without ".sql": "coverage" for coverage.sql.
	Name string
	// SQL is the file's text: CREATE OR REPLACE MACRO and COMMENT ON MACRO
	// statements.
	SQL string
}

// MacroSet is the embedded macro files, ready to apply.
type MacroSet struct {
	// Files are the macro files in the order they are applied.
	Files []MacroFile
	// SQL is the files' text concatenated in that order: what is executed.
	SQL string
	// Hash is the hex SHA-256 of SQL, recorded in schema_macros.
	Hash string
}

// macroName matches the name of each macro a file creates.
var macroName = regexp.MustCompile(`(?im)^\s*CREATE\s+OR\s+REPLACE\s+MACRO\s+(\w+)\s*\(`)

// Names returns the names of the macros the set creates, in the order they
// are created.
func (s MacroSet) Names() []string {
	var names []string
	for _, f := range s.Files {
		for _, m := range macroName.FindAllStringSubmatch(f.SQL, -1) {
			names = append(names, m[1])
		}
	}
	return names
}

// Macros returns the embedded macro set. It fails only if the files of
// macros/ and macroOrder differ.
func Macros() (MacroSet, error) { return loadMacros() }

// loadMacros reads the embedded set once.
var loadMacros = sync.OnceValues(func() (MacroSet, error) {
	return macros(macroFS, macrosDir, macroOrder)
})

// macros reads the files of dir in fsys in the given order; every .sql file
// of dir must be named in order and every name in order must have its file.
func macros(fsys fs.FS, dir string, order []string) (MacroSet, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return MacroSet{}, fmt.Errorf("sqlfiles: read %s: %w", dir, err)
	}
	var present []string
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok || e.IsDir() {
			return MacroSet{}, fmt.Errorf("%w: %q is not a .sql file", ErrMacroOrder, e.Name())
		}
		present = append(present, name)
	}
	slices.Sort(present)
	if want := slices.Sorted(slices.Values(order)); !slices.Equal(present, want) {
		return MacroSet{}, fmt.Errorf("%w: files %v, order %v", ErrMacroOrder, present, order)
	}
	set := MacroSet{Files: make([]MacroFile, 0, len(order))}
	var all strings.Builder
	for _, name := range order {
		text, err := fs.ReadFile(fsys, path.Join(dir, name+".sql"))
		if err != nil {
			return MacroSet{}, fmt.Errorf("sqlfiles: read %s.sql: %w", name, err)
		}
		set.Files = append(set.Files, MacroFile{Name: name, SQL: string(text)})
		all.Write(text)
		all.WriteString("\n")
	}
	set.SQL = all.String()
	sum := sha256.Sum256([]byte(set.SQL))
	set.Hash = hex.EncodeToString(sum[:])
	return set, nil
}
