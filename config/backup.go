package config

import (
	"fmt"
	"path/filepath"
	"strings"
)

// The defaults of the backup block: a backup every night at 03:00 in the
// city's time zone into <config dir>/backups, the newest seven kept.
const (
	DefaultBackupSchedule = "0 3 * * *"
	DefaultBackupDir      = "backups"
	DefaultBackupKeep     = 7
)

// backupKeys are the keys the backup block allows.
var backupKeys = []string{"schedule", "dir", "keep"}

// Backup configures the backups of the private warehouse (README, backup).
// A backup holds personal data (encrypted as in the warehouse): Dir must
// never lie inside the published folder, reports.out or export.out.
type Backup struct {
	Schedule string // cron in the city's time zone; default "0 3 * * *"
	Dir      string // absolute; default <Dir>/backups
	Keep     int    // how many backups serve keeps, the newest; default 7, at least 1
}

// backup decodes the optional backup block, applying its defaults, and
// refuses a folder inside the published folder, reports.out or export.out
// (naming the dir line, or the published line when dir is the default).
func (d *decoder) backup(root *mapping, c *Config) {
	c.Backup = Backup{Schedule: DefaultBackupSchedule, Dir: d.abs(DefaultBackupDir), Keep: DefaultBackupKeep}
	line, key := root.line("published"), "published"
	if m := root.child("backup", false, backupKeys); m != nil {
		c.Backup.Schedule = m.schedule("schedule", false, DefaultBackupSchedule)
		c.Backup.Dir = m.filePath("dir", false, DefaultBackupDir)
		c.Backup.Keep = m.integer("keep", DefaultBackupKeep, 1)
		if m.has("dir") {
			line, key = m.line("dir"), m.key("dir")
		}
	}
	if c.Published == "" || c.Backup.Dir == "" {
		return
	}
	if err := c.CheckBackupDir(c.Backup.Dir); err != nil {
		if key == "published" {
			d.bad(line, key, "the default backup folder %s: %v; set backup.dir elsewhere", c.Backup.Dir, err)
			return
		}
		d.bad(line, key, "%v", err)
	}
}

// CheckBackupDir returns an error when dir is the published snapshot's
// folder or lies inside it, or inside the folders whose files are handed out
// (reports.out, export.out): backups hold the warehouse's personal data and
// must never be where others read. Symbolic links are followed as far as the
// paths exist.
func (c *Config) CheckBackupDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("backup folder %s: %w", dir, err)
	}
	for _, out := range []struct{ what, dir string }{
		{"the published folder", filepath.Dir(c.Published)},
		{"the reports' folder (reports.out)", c.Reports.Out},
		{"the releases' folder (export.out)", c.Export.Out},
	} {
		if out.dir == "" {
			continue
		}
		if within(abs, out.dir) || within(realPath(abs), realPath(out.dir)) {
			return fmt.Errorf("%s lies inside %s %s: backups hold personal data and are never put where others read", dir, out.what, out.dir)
		}
	}
	return nil
}

// within reports whether path is dir or lies under it (both clean and absolute).
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// realPath resolves the symbolic links of the longest existing head of p and
// appends the rest.
func realPath(p string) string {
	p = filepath.Clean(p)
	var tail []string
	for {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(append([]string{r}, tail...)...)
		}
		parent := filepath.Dir(p)
		if parent == p {
			return filepath.Join(append([]string{p}, tail...)...)
		}
		tail = append([]string{filepath.Base(p)}, tail...)
		p = parent
	}
}
