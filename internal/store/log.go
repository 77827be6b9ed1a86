package store

import (
	"context"
	"log/slog"
)

// quietLogger keeps River's routine chatter out of the service log: only its
// warnings and errors come through.
func quietLogger() *slog.Logger {
	return slog.New(levelFilter{slog.Default().Handler(), slog.LevelWarn})
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (h levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}
