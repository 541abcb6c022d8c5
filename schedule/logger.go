package schedule

import (
	"context"
	"log/slog"
)

// slogCron adapts a *slog.Logger to cron.Logger. The clock's routine lines
// (start, schedule, wake, run, stop) go to Debug so that normal operation is
// quiet; its errors (a recovered panic) go to Error with the error's text.
type slogCron struct{ l *slog.Logger }

// Info logs a routine line of the clock at Debug level.
func (a slogCron) Info(msg string, keysAndValues ...any) {
	a.l.Log(context.Background(), slog.LevelDebug, "cron: "+msg, keysAndValues...)
}

// Error logs an error of the clock at Error level.
func (a slogCron) Error(err error, msg string, keysAndValues ...any) {
	args := append([]any{"error", errText(err)}, keysAndValues...)
	a.l.Log(context.Background(), slog.LevelError, "cron: "+msg, args...)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
