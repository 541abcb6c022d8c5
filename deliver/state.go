package deliver

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Which periods were delivered: one small file per period,
// <reports out>/.delivered/YYYY-MM.json, written after the server accepted
// the mail. It lies outside the period's folder, which a report written
// again replaces whole, so a corrected report is not mailed again by
// itself (report --send --resend does). It holds no address and no
// figure: the period, when, the message's id, the etl_run row and the
// number of recipients.

// stateDir is the folder of the delivery files under the reports folder.
const stateDir = ".delivered"

// state is the content of a period's delivery file.
type state struct {
	Period      string    `json:"period"`
	DeliveredAt time.Time `json:"delivered_at"`
	MessageID   string    `json:"message_id"`
	RunID       int64     `json:"run_id,omitempty"`
	Attempts    int       `json:"attempts"`
	Files       []string  `json:"files"`
}

// StatePath is the delivery file of the period under the reports folder out.
func StatePath(out, period string) string {
	return filepath.Join(out, stateDir, period+".json")
}

// delivered tells whether the period was delivered, and when.
func delivered(out, period string) (time.Time, bool, error) {
	b, err := os.ReadFile(StatePath(out, period))
	if errors.Is(err, os.ErrNotExist) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("deliver: %w", err)
	}
	var s state
	if err := json.Unmarshal(b, &s); err != nil || s.Period != period {
		// A damaged file still says the period went out: sending twice is
		// the worse mistake. --resend overrides it.
		return time.Time{}, true, nil
	}
	return s.DeliveredAt, true, nil
}

// remember writes the period's delivery file (folder 0750, file 0640),
// atomically.
func remember(out string, res *Result) error {
	s := state{Period: res.Period, DeliveredAt: res.DeliveredAt.UTC(), MessageID: res.MessageID,
		Attempts: res.Attempts, Files: res.Files}
	if n := len(res.RunIDs); n > 0 {
		s.RunID = res.RunIDs[n-1]
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("deliver: %w", err)
	}
	dir := filepath.Join(out, stateDir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("deliver: remember the delivery of %s: %w", res.Period, err)
	}
	f, err := os.CreateTemp(dir, "."+res.Period+".tmp-")
	if err != nil {
		return fmt.Errorf("deliver: remember the delivery of %s: %w", res.Period, err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("deliver: remember the delivery of %s: %w", res.Period, err)
	}
	if err := f.Chmod(0o640); err != nil {
		f.Close()
		return fmt.Errorf("deliver: remember the delivery of %s: %w", res.Period, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("deliver: remember the delivery of %s: %w", res.Period, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("deliver: remember the delivery of %s: %w", res.Period, err)
	}
	if err := os.Rename(f.Name(), StatePath(out, res.Period)); err != nil {
		return fmt.Errorf("deliver: remember the delivery of %s: %w", res.Period, err)
	}
	return nil
}
