// Package export writes the researchers' release: the de-identified tables
// of the warehouse as zstd Parquet files, Hive-partitioned by county_code
// where a table is per person, with a manifest.json (files, row counts,
// checksums, column types and definitions) and a bilingual README.md data
// dictionary. The rules of the release are in docs/design.md and, for its
// readers, in every release's README.
//
// The package owns the whole release: the de-identification SQL
// (deidentify.go), run on one held connection of the warehouse
// (tables.go); the research_ids, an HMAC computed here; the data
// dictionary, which the written tables must match exactly; and the
// placement: a release is built in a temporary folder beside its
// destination, synced, and renamed into place only when complete, so a
// reader sees a whole release or none.
package export

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/grassroots-cn/grassroots/internal/atomicfs"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// DefaultK is the k-anonymity threshold when Options.K is 0.
const DefaultK = 5

// MinSecretBytes is the shortest export secret Write accepts.
const MinSecretBytes = 16

// Errors callers can test with errors.Is.
var (
	ErrExists  = errors.New("export: release exists (use --replace)")
	ErrOptions = errors.New("export: invalid options")
	// ErrRefused is wrapped by the errors about values the release refuses
	// to write (a county_code that cannot name a folder, a research_id that
	// would undo the pseudonymisation) and about a memory_limit DuckDB does
	// not take.
	ErrRefused = errors.New("export: refused")
)

// errDictionary means the tables written differ from the data dictionary (a
// table or column it lacks or orders otherwise, another type): a
// programming error the tests catch.
var errDictionary = errors.New("export: the release differs from its data dictionary")

// releaseName is what a release name may be: it names a folder.
var releaseName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Options say what Write writes.
type Options struct {
	Release    string    // folder name under Out, e.g. "2022Q3"; [A-Za-z0-9][A-Za-z0-9._-]*
	AsOf       time.Time // the release's day (its calendar date); zero = today in the city's time zone
	Out        string    // export root folder (config export.out)
	Secret     []byte    // the export secret, at least MinSecretBytes; must differ from the person_key secret
	K          int       // k-anonymity threshold; 0 = DefaultK; at least 2
	Replace    bool      // replace an existing release of the same name
	Version    string    // program version, for the manifest
	ConfigHash string    // hex SHA-256 of the configuration file, for the manifest
	// MemoryLimit, if set, is DuckDB's memory_limit while the release is
	// built (the warehouse's own is restored after).
	MemoryLimit string
}

// Result is what Write wrote.
type Result struct {
	Dir        string           // the release folder, Out/Release
	AsOf       time.Time        // the release's day
	Files      []FileEntry      // the data files, as in the manifest
	Tables     map[string]int64 // rows per table
	Suppressed map[string]int64 // quasi-identifier values set to null, per column
	Persons    int64            // persons in the release
}

// Write writes the release Out/Release from the warehouse, which the caller
// has opened (and holds). An existing release is refused with ErrExists,
// before anything is written, unless opts.Replace; then the new release
// takes its place atomically. Nothing is left behind on failure.
func Write(ctx context.Context, w *warehouse.Warehouse, opts Options) (*Result, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	dst := filepath.Join(opts.Out, opts.Release)
	if !opts.Replace {
		if _, err := os.Lstat(dst); err == nil {
			return nil, fmt.Errorf("%w: %s", ErrExists, dst)
		}
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	removeStale(opts.Out, opts.Release)
	tmp, err := os.MkdirTemp(opts.Out, tempPrefix(opts.Release))
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	res, err := build(ctx, w, tmp, opts)
	if err != nil {
		return nil, err
	}
	if err := syncTree(tmp); err != nil {
		return nil, fmt.Errorf("export: sync %s: %w", opts.Release, err)
	}
	if opts.Replace {
		err = atomicfs.SwapInto(tmp, dst)
	} else {
		err = atomicfs.RenameNoReplace(tmp, dst)
	}
	if errors.Is(err, os.ErrExist) {
		return nil, fmt.Errorf("%w: %s", ErrExists, dst)
	}
	if err == nil {
		err = syncDir(opts.Out)
	}
	if err != nil {
		return nil, fmt.Errorf("export: place %s: %w", dst, err)
	}
	res.Dir = dst
	return res, nil
}

// check validates the options and applies the default k.
func (o *Options) check() error {
	switch {
	case !releaseName.MatchString(o.Release):
		return fmt.Errorf("%w: release name %q: want letters, digits, '.', '_' or '-', starting with a letter or digit", ErrOptions, o.Release)
	case o.Out == "":
		return fmt.Errorf("%w: no output folder", ErrOptions)
	case len(o.Secret) < MinSecretBytes:
		return fmt.Errorf("%w: the export secret is shorter than %d bytes", ErrOptions, MinSecretBytes)
	}
	if o.K == 0 {
		o.K = DefaultK
	}
	if o.K < 2 {
		return fmt.Errorf("%w: k = %d, want at least 2", ErrOptions, o.K)
	}
	return nil
}

// build writes the Parquet files, the manifest and the README into dir.
func build(ctx context.Context, w *warehouse.Warehouse, dir string, opts Options) (*Result, error) {
	created := time.Now().UTC()
	r := w.Reader()
	ex, err := writeTables(ctx, r, dir, tablesOptions{
		asOf:        opts.AsOf,
		k:           opts.K,
		researchID:  researchIDs(opts.Secret),
		memoryLimit: opts.MemoryLimit,
		log:         r.Logger(),
	})
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", opts.Release, err)
	}
	tables, err := tableEntries(ex.tables)
	if err != nil {
		return nil, err
	}
	files, err := fileEntries(dir, ex.files)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	m := &Manifest{
		Release:         opts.Release,
		AsOf:            ex.asOf.Format(time.DateOnly),
		CreatedAt:       created.Format(time.RFC3339),
		ProgramVersion:  opts.Version,
		ConfigSHA256:    opts.ConfigHash,
		ResearchID:      researchIDRule,
		K:               opts.K,
		QuasiIDs:        groupKey,
		Persons:         ex.persons,
		SuppressedCells: ex.suppressed,
		Risk:            ex.risk,
		Files:           files,
		Tables:          tables,
	}
	mb, err := m.encode()
	if err != nil {
		return nil, fmt.Errorf("export: manifest: %w", err)
	}
	if err := atomicfs.WriteSynced(filepath.Join(dir, ManifestFile), mb); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if err := atomicfs.WriteSynced(filepath.Join(dir, ReadmeFile), renderReadme(m)); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	res := &Result{AsOf: ex.asOf, Files: files, Tables: map[string]int64{}, Suppressed: ex.suppressed, Persons: ex.persons}
	for _, t := range tables {
		res.Tables[t.Name] = t.Rows
	}
	return res, nil
}

// researchIDs returns the research_id function of a secret: the lowercase
// hex of HMAC-SHA256(secret, person_key), all 32 bytes (64 characters, so
// never the same length as a 32-character person_key). It is not safe for
// concurrent use.
func researchIDs(secret []byte) func(string) string {
	var mac hash.Hash = hmac.New(sha256.New, secret)
	sum := make([]byte, 0, sha256.Size)
	return func(personKey string) string {
		mac.Reset()
		mac.Write([]byte(personKey))
		return hex.EncodeToString(mac.Sum(sum[:0]))
	}
}
