// Package deploy holds what installs grassroots serve as a systemd service
// (grassroots.service, README.md); its tests check the unit file.
package deploy

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

const unitFile = "grassroots.service"

// directive is one Key=Value line of a unit file.
type directive struct {
	key, value string
	line       int
}

// parseUnit reads a unit file into its sections' directives, in order.
// Continuation lines (a trailing backslash) are joined; comments skipped.
func parseUnit(t *testing.T, path string) map[string][]directive {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	units := map[string][]directive{}
	section := ""
	sc := bufio.NewScanner(f)
	n := 0
	var pending string
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if pending == "" && (line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";")) {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			pending += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		line, pending = pending+line, ""
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = strings.Trim(line, "[]")
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || section == "" {
			t.Fatalf("%s:%d: not a directive: %q", path, n, line)
		}
		units[section] = append(units[section], directive{strings.TrimSpace(key), strings.TrimSpace(value), n})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return units
}

// values returns every value of key in the section, in order.
func values(ds []directive, key string) []string {
	var out []string
	for _, d := range ds {
		if d.key == key {
			out = append(out, d.value)
		}
	}
	return out
}

// systemdSeconds parses a systemd time span as the unit writes it: plain
// seconds, or a number with s, min or h.
func systemdSeconds(t *testing.T, v string) time.Duration {
	t.Helper()
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second
	}
	d, err := time.ParseDuration(strings.ReplaceAll(v, "min", "m"))
	if err != nil {
		t.Fatalf("time span %q: %v", v, err)
	}
	return d
}

// The unit holds every directive deploy/README.md and issue 19 promise,
// with its value; TimeoutStopSec is above serve's --grace.
func TestUnitDirectives(t *testing.T) {
	units := parseUnit(t, unitFile)
	svc := units["Service"]
	if len(svc) == 0 {
		t.Fatal("no [Service] section")
	}
	// Each of these must appear exactly once with exactly this value.
	for key, want := range map[string]string{
		"Type":                     "exec",
		"User":                     "grassroots",
		"Group":                    "grassroots",
		"UMask":                    "0077",
		"ProtectSystem":            "strict",
		"ProtectHome":              "yes",
		"PrivateTmp":               "yes",
		"NoNewPrivileges":          "yes",
		"PrivateDevices":           "yes",
		"ProtectKernelTunables":    "yes",
		"ProtectKernelModules":     "yes",
		"ProtectKernelLogs":        "yes",
		"ProtectControlGroups":     "yes",
		"LockPersonality":          "yes",
		"RestrictSUIDSGID":         "yes",
		"CapabilityBoundingSet":    "",
		"Restart":                  "on-failure",
		"RestartPreventExitStatus": "2",
		"ExecReload":               "/bin/kill -HUP $MAINPID",
		"EnvironmentFile":          "-/etc/grassroots/grassroots.env",
		"StandardError":            "journal",
		"KillMode":                 "mixed",
	} {
		if got := values(svc, key); len(got) != 1 || got[0] != want {
			t.Errorf("[Service] %s = %q, want exactly one %q", key, got, want)
		}
	}
	if got := values(units["Install"], "WantedBy"); !slices.Equal(got, []string{"multi-user.target"}) {
		t.Errorf("[Install] WantedBy = %q", got)
	}
	if got := values(units["Unit"], "After"); !slices.Contains(got, "network-online.target") {
		t.Errorf("[Unit] After = %q, want network-online.target (HTTP counties)", got)
	}
	// Address families: exactly these three.
	fams := strings.Fields(strings.Join(values(svc, "RestrictAddressFamilies"), " "))
	slices.Sort(fams)
	if !slices.Equal(fams, []string{"AF_INET", "AF_INET6", "AF_UNIX"}) {
		t.Errorf("RestrictAddressFamilies = %q", fams)
	}
	// Chromium prints the PDF: its JIT needs writable-then-executable memory.
	if got := values(svc, "MemoryDenyWriteExecute"); slices.Contains(got, "yes") || slices.Contains(got, "true") {
		t.Error("MemoryDenyWriteExecute=yes would stop Chromium from printing the report's PDF")
	}

	// ExecStart runs serve on the installed configuration; TimeoutStopSec
	// leaves the grace period room (rollback, a publish under way, the
	// status endpoint's 5s).
	exec := values(svc, "ExecStart")
	if len(exec) != 1 {
		t.Fatalf("ExecStart = %q, want one", exec)
	}
	args := strings.Fields(exec[0])
	if len(args) < 4 || !filepath.IsAbs(args[0]) || filepath.Base(args[0]) != "grassroots" || args[1] != "serve" {
		t.Fatalf("ExecStart = %q, want /…/grassroots serve …", exec[0])
	}
	if i := slices.Index(args, "--config"); i < 0 || i+1 >= len(args) || args[i+1] != "/etc/grassroots/grassroots.yaml" {
		t.Errorf("ExecStart %q does not name --config /etc/grassroots/grassroots.yaml", exec[0])
	}
	grace := 30 * time.Second // serve's default
	for i, a := range args {
		v, ok := strings.CutPrefix(a, "--grace=")
		if !ok && a == "--grace" && i+1 < len(args) {
			v, ok = args[i+1], true
		}
		if ok {
			d, err := time.ParseDuration(v)
			if err != nil {
				t.Fatalf("--grace %q: %v", v, err)
			}
			grace = d
		}
	}
	stop := values(svc, "TimeoutStopSec")
	if len(stop) != 1 {
		t.Fatalf("TimeoutStopSec = %q, want one", stop)
	}
	if d := systemdSeconds(t, stop[0]); d < grace+time.Minute {
		t.Errorf("TimeoutStopSec = %s, want at least --grace (%s) + 1min", d, grace)
	}

	// Every data folder is writable, nothing else is named writable, and
	// none is the configuration's folder.
	var rw []string
	for _, v := range values(svc, "ReadWritePaths") {
		rw = append(rw, strings.Fields(v)...)
	}
	want := []string{"/srv/grassroots/feeds", "/var/lib/grassroots/backups", "/var/lib/grassroots/data",
		"/var/lib/grassroots/export", "/var/lib/grassroots/published", "/var/lib/grassroots/reports"}
	slices.Sort(rw)
	if !slices.Equal(rw, want) {
		t.Errorf("ReadWritePaths = %q, want %q", rw, want)
	}
}

// The README's install steps create exactly the folders the unit makes
// writable (a missing one stops the service with 226/NAMESPACE).
func TestReadmeCreatesTheWritableFolders(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	var rw []string
	for _, v := range values(parseUnit(t, unitFile)["Service"], "ReadWritePaths") {
		rw = append(rw, strings.Fields(v)...)
	}
	for _, p := range rw {
		if !strings.Contains(string(readme), " "+p+" ") && !strings.Contains(string(readme), " "+p+"\n") {
			t.Errorf("deploy/README.md never names %s", p)
		}
	}
}

// systemd-analyze verify accepts the unit (a copy whose ExecStart is the
// freshly built binary: verify checks that it exists and runs), and has
// nothing to say about it.
func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (apt-get install systemd): the unit file is not verified")
	}
	if testing.Short() {
		t.Skip("builds the binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "grassroots")
	if out, err := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", bin, "../cmd/grassroots").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	text, err := os.ReadFile(unitFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(text), "ExecStart=/usr/local/bin/grassroots ") {
		t.Fatal("ExecStart is not /usr/local/bin/grassroots")
	}
	unit := filepath.Join(dir, unitFile)
	copyText := strings.Replace(string(text), "ExecStart=/usr/local/bin/grassroots ", "ExecStart="+bin+" ", 1)
	if err := os.WriteFile(unit, []byte(copyText), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", unit).CombinedOutput()
	// verify exits 0 on warnings (an unknown key, a bad value: "ignoring"),
	// so any line about the unit fails the test too.
	var about []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, unitFile) {
			about = append(about, l)
		}
	}
	if err != nil || len(about) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
