package synth

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
)

// Names of what Generate writes.
const (
	configName    = "grassroots.yaml"
	keyName       = "grassroots.key"
	exportKeyName = "export.key"
	piiKeyName    = "pii.key"
	feedsDir      = "feeds"
	divisionsName = "divisions.csv"
)

// writeCounty renders the county's records in its shape, adds the dirty rows,
// writes its files under dir/feeds/<code>/ and describes them.
func writeCounty(ctx context.Context, dir string, cm *countyModel, others []*county) (*CountyFeed, error) {
	c := cm.county
	sh := c.shape
	feed := &CountyFeed{
		Code: c.code, Name: c.name, Region: c.region, Shape: sh.desc, Rows: map[string]int{},
		Rejects: map[string]int{}, Findings: maps.Clone(cm.findings),
	}
	ts := cm.tables(sh)
	if err := cm.addDirty(sh, ts, others, feed); err != nil {
		return nil, err
	}
	byType := map[recordType]*table{}
	for _, t := range ts {
		t.numberSeq()
		byType[t.rt] = t
		feed.RowsIn += len(t.rows)
		feed.Rows[t.rt.english()] = len(t.rows)
	}
	rel := path.Join(feedsDir, c.code)
	if err := os.MkdirAll(filepath.Join(dir, filepath.FromSlash(rel)), 0o755); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	write := func(name string, fn func(string) error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		file := path.Join(rel, name)
		feed.Files = append(feed.Files, file)
		return fn(filepath.Join(dir, filepath.FromSlash(file)))
	}
	if sh.layout == layoutWorkbook {
		for _, b := range sh.books {
			var bt []*table
			for _, rt := range b.types {
				if t := byType[rt]; t != nil {
					bt = append(bt, t)
				}
			}
			if err := write(b.name, func(p string) error { return writeWorkbook(p, sh, c, bt) }); err != nil {
				return nil, err
			}
		}
		return feed, nil
	}
	for _, t := range ts {
		err := write(sh.files[t.rt], func(p string) error {
			switch sh.format {
			case fmtJSON:
				return writeJSON(p, sh, t, false)
			case fmtNDJSON:
				return writeJSON(p, sh, t, true)
			}
			return writeCSV(p, sh, t)
		})
		if err != nil {
			return nil, err
		}
	}
	return feed, nil
}
