// Package audit attacks a researchers' release the way an outsider would,
// reading only the release's own files (its Parquet tables, the public
// village list among them, and manifest.json), and measures what the
// attack gives away:
//
//   - month-change linkage: the +1/−1 changes of the finest area-by-period
//     count of graduates in post joined with each posting's county, village
//     kind, urban/rural class, start and end period, narrowing the posting
//     to a few candidate villages; a release whose postings carry no period
//     (or whose counts are by county) is narrowed by county, kind and class
//     alone, a kind or class withheld in a county matching any of its
//     villages (linkage.go);
//   - derivation of suppressed values: quasi-identifiers set to null for
//     k-anonymity that another column gives back, per person (derive.go)
//     or by subtracting the persons not suppressed from a spells table
//     without research_id (spells.go);
//   - uniqueness over every subset of the quasi-identifiers the manifest
//     names (exited: the person is in exits), channel and the first and
//     last months of the postings included where the release has them,
//     within county (unique.go);
//   - the share of suppressed persons per county, against the manifest's
//     bound.
//
// The audit is schema-driven: it discovers the tables and their columns
// from the files, so it runs unchanged on a redesigned release and says
// what it could not attack. It is a measuring tool: finding risks is its
// normal result, not an error. The report never holds a research_id; the
// pinned postings and the values read back it keeps for checking the
// attack are left out of its JSON.
package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/grassroots-cn/grassroots/warehouse"
)

// ErrNotRelease is wrapped when the folder is not a release (no readable
// manifest.json, or no persons table).
var ErrNotRelease = errors.New("audit: not a release folder")

// Options say how to audit.
type Options struct {
	// K is the threshold of the attack: a posting narrowed to fewer than K
	// villages, a record in a group of fewer than K, is at risk. 0 = the k
	// in manifest.json.
	K int
}

// Report is what the attack found. Its JSON can be embedded in a release's
// manifest: it holds counts only.
type Report struct {
	Release string `json:"release,omitempty"`
	AsOf    string `json:"as_of,omitempty"`
	K       int    `json:"k"`
	Persons int    `json:"persons"`
	// Unsuppressed is the persons without a suppressed quasi-identifier.
	Unsuppressed int                `json:"unsuppressed"`
	Linkage      Linkage            `json:"linkage"`
	Derivation   []Derivation       `json:"derivation"`
	Restored     Restored           `json:"restored"`
	Uniqueness   Uniqueness         `json:"uniqueness"`
	Suppression  []CountySuppressed `json:"suppression"`
	// MaxSuppressedPct is the bound on a county's suppressed share, in
	// percent, that the manifest's risk object states (nil: none stated).
	MaxSuppressedPct *int `json:"max_suppressed_pct,omitempty"`
	// SuppressionByRegion pools Suppression by the counties' region.
	SuppressionByRegion []RegionSuppressed `json:"suppression_by_region,omitempty"`
	// Notes say what the audit could not attack and which assumptions it
	// made.
	Notes []string `json:"notes,omitempty"`
}

// Run audits the release in dir. It fails with ErrNotRelease on a folder
// that is not a release; any risk it finds is in the report.
func Run(ctx context.Context, dir string, opts Options) (*Report, error) {
	if opts.K < 0 || opts.K == 1 {
		return nil, fmt.Errorf("audit: k = %d, want 0 (the manifest's) or at least 2", opts.K)
	}
	if _, err := readManifest(dir); err != nil {
		return nil, err
	}
	db, err := warehouse.OpenScratch(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer db.Close()
	s, err := db.Session(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	defer s.Close()
	rel, err := openRelease(ctx, s, dir)
	if err != nil {
		return nil, err
	}
	rep := &Report{Release: rel.manifest.Release, AsOf: rel.manifest.AsOf, K: opts.K}
	if rep.K == 0 {
		rep.K = rel.manifest.K
	}
	if rep.K < 2 {
		return nil, fmt.Errorf("%w: manifest.json gives k = %d; pass a k of at least 2", ErrNotRelease, rel.manifest.K)
	}
	people, err := loadPersons(ctx, s, rel, rep)
	if err != nil {
		return nil, err
	}
	if rep.Linkage, err = linkage(ctx, s, rel, rep.K); err != nil {
		return nil, err
	}
	if err := derive(ctx, s, rel, people, rep); err != nil {
		return nil, err
	}
	rep.Restored = restored(people, rep.K)
	rep.Uniqueness = uniqueness(people, rep.K)
	if rep.Suppression, err = suppression(ctx, s, rel, people); err != nil {
		return nil, err
	}
	rep.SuppressionByRegion = byRegion(rep.Suppression)
	if r := rel.manifest.Risk; r != nil {
		rep.MaxSuppressedPct = r.MaxSuppressedPct
	}
	return rep, nil
}
