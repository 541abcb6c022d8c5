package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunAndStatusNameFeedback: run names the feedback workbooks it wrote
// (human and --json), status lists the latest per county, and a run with
// nothing new writes none.
func TestRunAndStatusNameFeedback(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	dir := t.TempDir()
	if code, out, errs := grassroots(t, "generate", "--out", dir); code != exitOK {
		t.Fatalf("generate exit %d\n%s\n%s", code, out, errs)
	}
	cfg := filepath.Join(dir, "grassroots.yaml")
	code, out, errs := grassroots(t, "run", "--config", cfg, "--json")
	if code != exitOK {
		t.Fatalf("run exit %d\n%s", code, errs)
	}
	type runOut struct {
		Counties []struct {
			Code     string `json:"county_code"`
			Feedback string `json:"feedback_file"`
			Rejected int    `json:"rows_rejected"`
		} `json:"counties"`
	}
	var res runOut
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("run --json: %v\n%s", err, out)
	}
	written := map[string]string{}
	for _, c := range res.Counties {
		if c.Rejected > 0 && c.Feedback == "" {
			t.Errorf("%s rejected %d rows but names no feedback workbook", c.Code, c.Rejected)
		}
		if c.Feedback == "" {
			continue
		}
		written[c.Code] = c.Feedback
		want := filepath.Join(dir, "feeds", c.Code, "feedback")
		if filepath.Dir(c.Feedback) != want || !strings.HasPrefix(filepath.Base(c.Feedback), "问题清单_"+c.Code+"_") {
			t.Errorf("%s: feedback %s, want 问题清单_%s_<date>.xlsx in %s", c.Code, c.Feedback, c.Code, want)
		}
		if _, err := os.Stat(c.Feedback); err != nil {
			t.Errorf("%s: %v", c.Code, err)
		}
	}
	if len(written) == 0 {
		t.Fatal("no feedback workbook named")
	}

	code, out, _ = grassroots(t, "status", "--config", cfg, "--json")
	var st struct {
		Counties []struct {
			Code     string `json:"county_code"`
			Feedback *struct {
				Path string `json:"path"`
			} `json:"latest_feedback"`
		} `json:"counties"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &st) != nil {
		t.Fatalf("status --json exit %d: %s", code, out)
	}
	for _, c := range st.Counties {
		got := ""
		if c.Feedback != nil {
			got = c.Feedback.Path
		}
		if got != written[c.Code] {
			t.Errorf("status: %s latest feedback %q, want %q", c.Code, got, written[c.Code])
		}
	}
	code, out, _ = grassroots(t, "status", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "latest feedback workbook per county") || !strings.Contains(out, written["140105"]) {
		t.Errorf("status does not list the feedback workbooks:\n%s", out)
	}

	// Nothing new: no workbook named, none written.
	code, out, _ = grassroots(t, "run", "--config", cfg, "--json")
	res = runOut{}
	if code != exitOK || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("rerun exit %d: %s", code, out)
	}
	for _, c := range res.Counties {
		if c.Feedback != "" {
			t.Errorf("rerun with nothing new: %s names %s", c.Code, c.Feedback)
		}
	}
	for code := range written {
		if ents, err := os.ReadDir(filepath.Join(dir, "feeds", code, "feedback")); err != nil || len(ents) != 1 {
			t.Errorf("%s: feedback folder after the rerun: %v %v", code, ents, err)
		}
	}
	code, out, _ = grassroots(t, "run", "--config", cfg)
	if code != exitOK || strings.Contains(out, "feedback for the county") {
		t.Errorf("human rerun output names feedback:\n%s", out)
	}
}
