package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBackupDefaultsAndValues(t *testing.T) {
	c, err := Parse([]byte(base), "/srv/grassroots/grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Backup{Schedule: "0 3 * * *", Dir: "/srv/grassroots/backups", Keep: 7}); c.Backup != want {
		t.Errorf("default backup %+v, want %+v", c.Backup, want)
	}
	c, err = Parse([]byte(base+"backup: {schedule: \"30 1 * * 0\", dir: /var/backups/grassroots, keep: 3}\n"), "/srv/grassroots/grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Backup{Schedule: "30 1 * * 0", Dir: "/var/backups/grassroots", Keep: 3}); c.Backup != want {
		t.Errorf("backup %+v, want %+v", c.Backup, want)
	}
	// Beside the published folder, or above it, is allowed.
	for _, dir := range []string{"data/backups", "data", "data/published-backups"} {
		if _, err := Parse([]byte(base+"backup: {dir: "+dir+"}\n"), "/srv/grassroots/grassroots.yaml"); err != nil {
			t.Errorf("backup.dir %s: %v", dir, err)
		}
	}
}

func TestBackupErrors(t *testing.T) {
	for _, tt := range []struct{ block, want string }{
		{"backup: {dir: data/published/backups}", `grassroots.yaml:20: backup.dir: /srv/grassroots/data/published/backups lies inside the published folder /srv/grassroots/data/published`},
		{"backup: {dir: reports/backups}", `backup.dir: /srv/grassroots/reports/backups lies inside the reports' folder (reports.out) /srv/grassroots/reports`},
		{"backup: {dir: export}", `backup.dir: /srv/grassroots/export lies inside the releases' folder (export.out) /srv/grassroots/export`},
		{"backup: {dir: data/published}", `lies inside the published folder`},
		{"backup: {dir: ./data/x/../published/b}", `lies inside the published folder`},
		{"backup: {keep: 0}", `backup.keep: 0 is too small; want at least 1`},
		{"backup: {keep: many}", `backup.keep: want a whole number`},
		{"backup: {schedule: nightly}", `backup.schedule: "nightly" is not a schedule`},
		{"backup: {every: 1d}", `unknown key "every" in backup`},
	} {
		_, err := Parse([]byte(base+tt.block+"\n"), "/srv/grassroots/grassroots.yaml")
		var errs Errors
		if !errors.As(err, &errs) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.block, err, tt.want)
		}
	}
	// The default folder inside the published one names the published line.
	_, err := Parse([]byte(strings.Replace(base, "published: data/published/analytics.duckdb", "published: analytics.duckdb", 1)), "/srv/grassroots/grassroots.yaml")
	if err == nil || !strings.Contains(err.Error(), "grassroots.yaml:4: published: the default backup folder /srv/grassroots/backups") {
		t.Errorf("default backup folder inside the published one: %v", err)
	}
}

// A folder reached through a symbolic link into the published folder is
// inside it too.
func TestCheckBackupDirFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	pub := filepath.Join(dir, "published")
	if err := os.Mkdir(pub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(pub, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	c := &Config{Published: filepath.Join(pub, "analytics.duckdb")}
	if err := c.CheckBackupDir(filepath.Join(dir, "link", "backups")); err == nil || !strings.Contains(err.Error(), "inside the published folder") {
		t.Errorf("a link into the published folder: %v", err)
	}
	if err := c.CheckBackupDir(filepath.Join(dir, "backups")); err != nil {
		t.Errorf("beside the published folder: %v", err)
	}
}
