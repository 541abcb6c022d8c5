package reports

import (
	"os/exec"
	"strings"
	"testing"
)

// TestRenderersDoNotLinkDuckDB lists the packages reports and metrics build
// from (their non-test dependencies, with the build tag of the rest of the
// program) and fails if DuckDB's driver or the warehouse is among them: the
// renderers read through a Querier that the warehouse's Reader satisfies.
func TestRenderersDoNotLinkDuckDB(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the dependencies: %v", err)
	}
	cmd := exec.Command(goTool, "list", "-deps", "-tags", "duckdb_arrow", ".", "../metrics")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list listed %d packages: %q", len(deps), deps)
	}
	seen := map[string]bool{}
	for _, p := range deps {
		seen[p] = true
		if strings.HasPrefix(p, "github.com/duckdb/") || p == "database/sql" ||
			p == "github.com/grassroots-cn/grassroots/warehouse" || p == "github.com/apache/arrow-go/v18/arrow" {
			t.Errorf("reports or metrics depends on %s", p)
		}
	}
	for _, p := range []string{"github.com/grassroots-cn/grassroots/reports", "github.com/grassroots-cn/grassroots/metrics",
		"github.com/xuri/excelize/v2"} {
		if !seen[p] {
			t.Errorf("%s is not among the dependencies listed: the listing is not of reports and metrics", p)
		}
	}
}
