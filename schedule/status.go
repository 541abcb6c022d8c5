package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// DefaultStatusAddr is where ServeStatus listens when given no address.
const DefaultStatusAddr = "127.0.0.1:9464"

// Limits of /runs?limit=N.
const (
	DefaultRunsLimit = 50
	MaxRunsLimit     = 1000
)

// shutdownTimeout bounds ServeStatus's graceful shutdown.
const shutdownTimeout = 5 * time.Second

// StatusSource supplies what the status endpoint shows; the caller implements
// it over the warehouse.
type StatusSource interface {
	// Healthy returns nil when the program is healthy.
	Healthy(ctx context.Context) error
	// Runs returns at most limit recent runs, newest first, encoded as JSON as they are.
	Runs(ctx context.Context, limit int) ([]any, error)
	// Metrics returns the series to expose besides the scheduler's own.
	Metrics(ctx context.Context) ([]Metric, error)
}

// Handler serves the status endpoint:
//
//   - GET /healthz: 200 "ok\n", or 503 with the error text of src.Healthy;
//   - GET /metrics: src's series and the scheduler's own
//     (grassroots_job_runs_total{job,result}, grassroots_job_running{job},
//     grassroots_job_last_duration_seconds{job}) in the Prometheus text
//     format 0.0.4;
//   - GET /runs: src's recent runs as a JSON array, ?limit=N (default 50, at most 1000).
//
// A nil src is healthy, has no runs and adds no series. An error of src is
// served as a 500 with its text.
func (s *Scheduler) Handler(src StatusSource) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if src != nil {
			if err := src.Healthy(r.Context()); err != nil {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprintln(w, err.Error())
				return
			}
		}
		fmt.Fprint(w, "ok\n")
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		metrics := s.metrics()
		if src != nil {
			more, err := src.Metrics(r.Context())
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			metrics = append(metrics, more...)
		}
		var buf bytes.Buffer
		if err := writeExposition(&buf, metrics); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", ExpositionContentType)
		w.Header().Set("Cache-Control", "no-store")
		w.Write(buf.Bytes())
	})
	mux.HandleFunc("GET /runs", func(w http.ResponseWriter, r *http.Request) {
		limit := DefaultRunsLimit
		if q := r.URL.Query().Get("limit"); q != "" {
			n, err := strconv.Atoi(q)
			if err != nil || n < 1 {
				http.Error(w, "limit must be a positive integer", http.StatusBadRequest)
				return
			}
			limit = min(n, MaxRunsLimit)
		}
		runs := []any{}
		if src != nil {
			got, err := src.Runs(r.Context(), limit)
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			if got != nil {
				runs = got
			}
		}
		if len(runs) > limit { // the source's business, but the limit is the endpoint's promise
			runs = runs[:limit]
		}
		body, err := json.Marshal(runs)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(append(body, '\n'))
	})
	return mux
}

// metrics returns the scheduler's own series, for every job.
func (s *Scheduler) metrics() []Metric {
	const (
		runsName     = "grassroots_job_runs_total"
		runsHelp     = "Job runs by result (succeeded, failed), and activations skipped because the job was still running (skipped)."
		runningName  = "grassroots_job_running"
		runningHelp  = "1 while the job is running."
		durationName = "grassroots_job_last_duration_seconds"
		durationHelp = "How long the job's latest finished run took."
	)
	var out []Metric
	for _, st := range s.jobStates() {
		st.mu.Lock()
		stats, running := st.stats, st.running
		st.mu.Unlock()
		job := st.name
		for _, r := range []struct {
			result string
			n      int64
		}{{"succeeded", stats.Succeeded}, {"failed", stats.Failed}, {"skipped", stats.Skipped}} {
			out = append(out, Metric{Name: runsName, Help: runsHelp, Type: "counter",
				Labels: map[string]string{"job": job, "result": r.result}, Value: float64(r.n)})
		}
		var on float64
		if running {
			on = 1
		}
		out = append(out, Metric{Name: runningName, Help: runningHelp, Type: "gauge",
			Labels: map[string]string{"job": job}, Value: on})
		if stats.Succeeded+stats.Failed > 0 {
			out = append(out, Metric{Name: durationName, Help: durationHelp, Type: "gauge",
				Labels: map[string]string{"job": job}, Value: stats.LastDuration.Seconds()})
		}
	}
	return out
}

// ServeStatus serves h on addr (DefaultStatusAddr when "") until ctx is done,
// then shuts down gracefully (in-flight requests get 5s) and returns nil.
// ready, if set, is called with the bound address once it listens (addr may
// be ":0"). It returns an error if it cannot listen or the server fails.
func ServeStatus(ctx context.Context, addr string, h http.Handler, ready func(net.Addr)) error {
	if addr == "" {
		addr = DefaultStatusAddr
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("schedule: status endpoint: %w", err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	if ready != nil {
		ready(ln.Addr())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("schedule: status endpoint: %w", err)
	case <-ctx.Done():
	}
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return errors.Join(fmt.Errorf("schedule: status endpoint shutdown: %w", err), srv.Close())
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("schedule: status endpoint: %w", err)
	}
	return nil
}
