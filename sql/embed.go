// Package sqlfiles holds the warehouse schema as numbered SQL migrations,
// embedded in the binary with go:embed.
//
// The folder is named sql; the package is named sqlfiles so that importers
// can use database/sql alongside it without renaming either.
//
// A migration file is named NNN_name.sql: a three-digit version (001 and up)
// and a name of lower-case letters, digits and underscores. Each file runs
// once, in version order; recording which ones ran (schema_migrations) is the
// job of the code that applies them.
package sqlfiles

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
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
)

// Migration is one migration file.
type Migration struct {
	// Version is the file's number: 1 for 001_schema.sql.
	Version int
	// Name is the part of the file name between the version and ".sql":
	// "schema" for 001_schema.sql.
	Name string
	// SQL is the file's text: one or more statements separated by semicolons.
	SQL string
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
