package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/panjare/panjare/internal/app"
)

// suggestCmd is "panjare suggest rebuild": it recounts the co-usage pairs
// behind the "people who used X then used Y" suggestions at once, as the
// hourly job does, for an operator who changed --suggest-k or wants the
// counts now.
func suggestCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rebuild" {
		return usageError{"suggest: want rebuild"}
	}
	cfg := app.Defaults()
	fs := flag.NewFlagSet("suggest rebuild", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	fs.IntVar(&cfg.SuggestK, "suggest-k", cfg.SuggestK, "the fewest distinct people a pair must be seen for (default 5, at least 3)")
	if err := parse(fs, args[1:], getenv); err != nil {
		return err
	}
	cfg.Jobs = false
	a, err := app.New(ctx, cfg, newLogger(stderr, "error"))
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Suggest == nil {
		return errors.New("suggest rebuild: suggestions are switched off")
	}
	n, err := a.Suggest.Rebuild(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d pairs of services seen for at least %d people\n", n, a.Suggest.K())
	return nil
}
