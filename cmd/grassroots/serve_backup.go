package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/grassroots-cn/grassroots/backup"
	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/schedule"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// backupJob backs the warehouse up on backup.schedule into backup.dir and
// keeps the newest backup.keep; each run is an etl_run row of job backup.
// It runs serially with the loads, as the scheduler runs every job.
func backupJob(cfg *config.Config, w *warehouse.Warehouse, log *slog.Logger, times *runTimes, b *backupper) schedule.Job {
	const name = "backup"
	return schedule.Job{
		Name: name,
		Spec: cfg.Backup.Schedule,
		Run: func(ctx context.Context) error {
			started := time.Now()
			_, err := b.make(ctx, "schedule", true)
			id, rerr := w.RecordJob(context.WithoutCancel(ctx), warehouse.JobBackup, started, err)
			if rerr != nil {
				log.Error("cannot record the backup run", "error", rerr)
			}
			times.wrote(name, warehouse.JobBackup, "", id)
			return err
		},
		LastRun: func(ctx context.Context) (time.Time, bool, error) {
			return w.LastRunStart(ctx, warehouse.JobBackup, "")
		},
	}
}

// backupper makes the daemon's backups, one at a time: the scheduled job's
// and those asked for through POST /backup.
type backupper struct {
	cfg *config.Config
	w   *warehouse.Warehouse
	log *slog.Logger
	mu  sync.Mutex
}

// errBackupBusy answers a POST /backup while a backup is being made.
var errBackupBusy = errors.New("a backup is being made; try again when it is done")

// make writes a backup into backup.dir and prunes the oldest beyond
// backup.keep. why says who asked ("schedule" or "request"), for the log.
// While another backup is being made, it waits for it when wait is set
// (the scheduled job), else returns errBackupBusy (a request).
func (b *backupper) make(ctx context.Context, why string, wait bool) (*backup.Manifest, error) {
	if wait {
		b.mu.Lock()
	} else if !b.mu.TryLock() {
		return nil, errBackupBusy
	}
	defer b.mu.Unlock()
	m, err := backup.Create(ctx, b.w, b.cfg.Backup.Dir, time.Now())
	if err != nil {
		b.log.Error("backup failed", "asked_by", why, "error", err)
		return nil, err
	}
	b.log.Info("backup written", "asked_by", why, "dir", m.Dir, "tables", len(m.Tables), "rows", m.Rows, "seconds", m.Seconds)
	removed, err := backup.Prune(b.cfg.Backup.Dir, b.cfg.Backup.Keep)
	for _, r := range removed {
		b.log.Info("old backup removed", "dir", r, "keep", b.cfg.Backup.Keep)
	}
	if err != nil {
		b.log.Error("cannot remove old backups", "error", err)
		return m, err
	}
	return m, nil
}

// backupAnswer is POST /backup's answer (and `grassroots backup`'s output).
type backupAnswer struct {
	Dir     string  `json:"dir"`
	Tables  int     `json:"tables"`
	Rows    int64   `json:"rows"`
	Bytes   int64   `json:"bytes"`
	Seconds float64 `json:"seconds"`
	Error   string  `json:"error,omitempty"`
}

func answerOf(m *backup.Manifest) backupAnswer {
	a := backupAnswer{Dir: m.Dir, Tables: len(m.Tables), Rows: m.Rows, Seconds: m.Seconds}
	for _, f := range m.Files {
		a.Bytes += f.Bytes
	}
	return a
}

// withBackupEndpoint adds POST /backup to the status handler h: a backup
// into backup.dir now, while the daemon goes on loading (the copy sees the
// warehouse as of its start). Only a client on the loopback interface may ask,
// whatever address the endpoint listens on; the answer is JSON
// (backupAnswer), 409 while another backup is being made. `grassroots
// backup` asks this way when serve holds the warehouse. Such a backup has no
// etl_run row: it is not serialised with the loads, whose run ids it must
// not contend for.
func withBackupEndpoint(h http.Handler, b *backupper) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("POST /backup", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if !fromLoopback(r) {
			w.WriteHeader(http.StatusForbidden)
			json.NewEncoder(w).Encode(backupAnswer{Error: "backups are asked for from this machine only (127.0.0.1 or ::1)"})
			return
		}
		// A large warehouse takes longer than the server's write timeout.
		http.NewResponseController(w).SetWriteDeadline(time.Time{})
		m, err := b.make(r.Context(), "request", false)
		switch {
		case errors.Is(err, errBackupBusy):
			w.WriteHeader(http.StatusConflict)
			json.NewEncoder(w).Encode(backupAnswer{Error: err.Error()})
		case m == nil:
			w.WriteHeader(http.StatusInternalServerError)
			json.NewEncoder(w).Encode(backupAnswer{Error: err.Error()})
		default:
			a := answerOf(m)
			if err != nil { // written, but the pruning failed
				a.Error = err.Error()
			}
			json.NewEncoder(w).Encode(a)
		}
	})
	return mux
}

// fromLoopback reports whether the request comes from the loopback interface.
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
