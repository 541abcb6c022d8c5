package audit_test

// The attack tests: the whole attack of docs/privacy.md, as an outsider
// holding only the release, on the demo city's release and on a city
// generated with a seed drawn at random (logged, so that a failure can be
// replayed with AUDIT_SEED). Each asserts what the disclosure model
// promises: no posting narrowed to fewer than k villages, no suppressed
// value read back, no person unique on any subset of the quasi-identifiers
// (nulls as a value of their own), no unsuppressed person in a group under
// k, and the remote counties suppressed no more than the manifest's bound
// nor than the developed counties, pooled.

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/export"
	"github.com/grassroots-cn/grassroots/export/audit"
	"github.com/grassroots-cn/grassroots/pipeline"
	"github.com/grassroots-cn/grassroots/synth"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// attackK is the release's k and the attack's.
const attackK = 5

// TestAttackDemoCity attacks the demo city's release (seed 1).
func TestAttackDemoCity(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole synthetic city; skipped with -short")
	}
	attackCity(t, 1)
}

// TestAttackRandomCity attacks the release of a city generated with a seed
// drawn at random, or AUDIT_SEED's.
func TestAttackRandomCity(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a whole synthetic city; skipped with -short")
	}
	seed := rand.Int64N(1<<31) + 2
	if s := os.Getenv("AUDIT_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatalf("AUDIT_SEED: %v", err)
		}
	}
	t.Logf("seed %d (replay with AUDIT_SEED=%d)", seed, seed)
	attackCity(t, seed)
}

// attackCity generates and loads a city, writes its release at the end of
// 2022 with k = attackK, attacks it and checks the attack finds nothing.
func attackCity(t *testing.T, seed int64) {
	ctx := context.Background()
	dir := t.TempDir()
	gen, err := synth.Generate(ctx, dir, synth.Options{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(gen.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	run, err := (&pipeline.Runner{Config: cfg}).Run(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if run.Failed() != 0 {
		t.Fatalf("%d loads failed", run.Failed())
	}
	w, err := warehouse.Open(ctx, cfg.Warehouse, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := export.Write(ctx, w, export.Options{Release: "2022Q4", AsOf: time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC),
		Out: filepath.Join(dir, "export"), Secret: secret, K: attackK, Version: "test", ConfigHash: strings.Repeat("ab", 32)})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Run(ctx, res.Dir, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.K != attackK || int64(rep.Persons) != res.Persons || rep.Persons == 0 {
		t.Fatalf("k %d, %d persons attacked; the release has k %d, %d persons", rep.K, rep.Persons, attackK, res.Persons)
	}
	checkNoLinkage(t, rep)
	checkNoDerivation(t, rep)
	checkNoUnique(t, rep)
	checkSuppressionBound(t, rep, res.Dir)
}

// checkNoLinkage: every posting keeps at least k candidate villages.
func checkNoLinkage(t *testing.T, rep *audit.Report) {
	t.Helper()
	l := rep.Linkage
	if l.Postings == 0 {
		t.Fatal("no postings attacked")
	}
	if l.NarrowedBelowK != 0 || l.Pinned != 0 || l.NoCandidate != 0 || l.MinCandidates < rep.K {
		t.Errorf("linkage: %d of %d postings narrowed below k = %d (%d pinned, %d persons), %d without a candidate, fewest candidates %d",
			l.NarrowedBelowK, l.Postings, rep.K, l.Pinned, l.PersonsBelowK, l.NoCandidate, l.MinCandidates)
	}
	t.Logf("linkage: %d postings, fewest candidate villages %d; %s", l.Postings, l.MinCandidates, l.Note)
}

// checkNoDerivation: no suppressed value comes back from another column.
func checkNoDerivation(t *testing.T, rep *audit.Report) {
	t.Helper()
	if len(rep.Derivation) == 0 {
		t.Fatal("no quasi-identifier of persons attacked for derivation")
	}
	for _, d := range rep.Derivation {
		if d.Derivable != 0 {
			t.Errorf("%s: %d of %d suppressed values read back (%v)", d.Column, d.Derivable, d.Suppressed, d.Sources)
		}
	}
	if r := rep.Restored; r.GroupsUnderK != 0 {
		t.Errorf("with the values read back put in: %d groups under k (%d persons, %d unique)", r.GroupsUnderK, r.PersonsUnderK, r.Unique)
	}
}

// checkNoUnique: over every subset of the attributes, the release's whole
// quasi-identifier set among them, nobody is unique, and nobody not
// suppressed is in a group under k.
func checkNoUnique(t *testing.T, rep *audit.Report) {
	t.Helper()
	u := rep.Uniqueness
	for _, want := range []string{"gender", "birth_band", "degree", "entry_period", "channel", "exited"} {
		if !strings.Contains("+"+join(u.Attributes)+"+", "+"+want+"+") {
			t.Errorf("the attack leaves %s out: attributes %v", want, u.Attributes)
		}
	}
	if n := len(u.Attributes); len(u.Subsets) != 1<<n-1 {
		t.Errorf("%d subsets of %d attributes measured, want %d", len(u.Subsets), n, 1<<n-1)
	}
	bad := 0
	for _, s := range u.Subsets {
		if s.Unique != 0 || s.UnderKUnsuppressed != 0 {
			bad++
			if bad <= 5 {
				t.Errorf("county+%s: %d unique (%d unsuppressed), %d unsuppressed under k",
					join(s.Attributes), s.Unique, s.UniqueUnsuppressed, s.UnderKUnsuppressed)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d subsets leave someone unique or an unsuppressed person under k; worst %s: %d unique",
			bad, len(u.Subsets), join(u.Worst.Attributes), u.Worst.Unique)
	}
}

// checkSuppressionBound: the remote counties' suppressed share, counted
// from the persons table, is within the manifest's bound, and the
// manifest's own per-county figures agree with the count.
func checkSuppressionBound(t *testing.T, rep *audit.Report, dir string) {
	t.Helper()
	if rep.MaxSuppressedPct == nil {
		t.Fatal("the manifest states no max_suppressed_pct")
	}
	bound := float64(*rep.MaxSuppressedPct) / 100
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Risk struct {
			Counties []struct {
				County     string `json:"county_code"`
				Persons    int    `json:"persons"`
				Suppressed int    `json:"suppressed"`
			} `json:"counties"`
		} `json:"risk"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	stated := map[string][2]int{}
	for _, c := range m.Risk.Counties {
		stated[c.County] = [2]int{c.Persons, c.Suppressed}
	}
	remote := 0
	for _, c := range rep.Suppression {
		if got := [2]int{c.Persons, c.Suppressed}; stated[c.County] != got {
			t.Errorf("county %s: %d persons, %d suppressed in the files; the manifest says %v", c.County, c.Persons, c.Suppressed, stated[c.County])
		}
		if c.Region != "remote" {
			continue
		}
		remote++
		if c.Share > bound {
			t.Errorf("remote county %s %s: %d of %d suppressed (%.1f%%), over the manifest's %d%%",
				c.County, c.Name, c.Suppressed, c.Persons, 100*c.Share, *rep.MaxSuppressedPct)
		}
	}
	if remote == 0 {
		t.Error("no remote county in the release")
	}
	// No higher than elsewhere: every remote county's share is at most the
	// developed counties' share, pooled (integers: s/p <= S/P).
	var devS, devP int
	for _, c := range rep.Suppression {
		if c.Region == "developed" {
			devS, devP = devS+c.Suppressed, devP+c.Persons
		}
	}
	if devP == 0 {
		t.Fatal("no developed county in the release")
	}
	for _, c := range rep.Suppression {
		if c.Region == "remote" && c.Suppressed*devP > devS*c.Persons {
			t.Errorf("remote county %s %s: %d of %d suppressed (%.1f%%), more than the developed counties' %d of %d (%.1f%%)",
				c.County, c.Name, c.Suppressed, c.Persons, 100*c.Share, devS, devP, 100*float64(devS)/float64(devP))
		}
	}
}
