// Package crashpoint is a test-only hook for the crash campaign
// (cmd/grassroots/crash_test.go): it lets a test kill the real binary with
// SIGKILL at a chosen moment of a load, deterministically.
//
// The environment variable GRASSROOTS_CRASH_AT=<point>:<n> arms it: the n-th
// call of Hit(<point>) in the process sends SIGKILL to the process itself. It
// is a real crash: no deferred function runs, no file is closed, no
// transaction is rolled back. Unset (the normal case), Hit costs one atomic
// load and a comparison.
//
// The points are named by the constants below; each names the place of its
// calls and what the n-th hit is.
package crashpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// EnvVar arms the hook: "<point>:<n>", n ≥ 1.
const EnvVar = "GRASSROOTS_CRASH_AT"

// The points called by the pipeline and the warehouse. Merge, Commit and
// Committed are also hit by the empty load that records a no_new_data run
// (warehouse.RecordRun commits one).
const (
	Read          = "read"           // a file of a load was read and normalised (the divisions file is the first)
	Stage         = "stage"          // a record batch was staged into a load's temporary tables
	Merge         = "merge"          // in Commit, before and after each merge target
	Commit        = "commit"         // in Commit, just before COMMIT
	Committed     = "committed"      // in Commit, after COMMIT, before CHECKPOINT
	PublishBuild  = "publish-build"  // in the snapshot build: schema made; data copied; snapshot checkpointed
	PublishCopy   = "publish-copy"   // the incremental publish copied the snapshot, nothing applied yet
	PublishApply  = "publish-apply"  // in the incremental publish: applied, not committed; committed; checkpointed
	PublishRename = "publish-rename" // the snapshot is complete and synced, backups rotated, not yet renamed
	Published     = "published"      // the snapshot was renamed into place, the folder not yet synced
)

var (
	once  sync.Once
	point string // "" when unarmed
	nth   int64
	hits  atomic.Int64
)

// Hit counts a hit of the named point and, when the environment arms this
// point and this is its n-th hit, kills the process with SIGKILL.
func Hit(name string) {
	once.Do(arm)
	if point == "" || name != point {
		return
	}
	if hits.Add(1) != nth {
		return
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	// SIGKILL is delivered before this thread runs on; never go on regardless.
	for {
		time.Sleep(time.Hour)
	}
}

// arm reads the environment once.
func arm() {
	v := os.Getenv(EnvVar)
	if v == "" {
		return
	}
	p, n, ok := parse(v)
	if !ok {
		fmt.Fprintf(os.Stderr, "crashpoint: ignoring %s=%q (want <point>:<n>, n ≥ 1)\n", EnvVar, v)
		return
	}
	point, nth = p, n
}

// parse splits "<point>:<n>".
func parse(v string) (string, int64, bool) {
	i := strings.LastIndexByte(v, ':')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.ParseInt(v[i+1:], 10, 64)
	if err != nil || n < 1 {
		return "", 0, false
	}
	return v[:i], n, true
}
