package config

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeExample parses the README's example configuration: the README
// stays true (its reports block included).
func TestReadmeExample(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "## Configuration\n")
	if !ok {
		t.Fatal("README has no Configuration section")
	}
	_, rest, ok = strings.Cut(rest, "```yaml\n")
	example, _, ok2 := strings.Cut(rest, "```\n")
	if !ok || !ok2 {
		t.Fatal("the Configuration section has no yaml example")
	}
	c, err := Parse([]byte(example), "/srv/grassroots/grassroots.yaml")
	if err != nil {
		t.Fatalf("the README's example: %v", err)
	}
	r := c.Reports
	if r.Issuer != "中共太原市委组织部 编" || r.Classification != "内部资料 注意保存" || r.NextStepsDir != "/srv/grassroots/notes" ||
		!strings.HasPrefix(r.NextSteps["2022-07"], "督促") || r.Problems != DefaultReportProblems() {
		t.Errorf("the README's reports block reads %+v", r)
	}
}
