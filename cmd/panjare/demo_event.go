package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/panjare/panjare/internal/app"
)

// demoEvent publishes a demo life event through the exchange's Pub/Sub, as
// the publisher the room allows for its kind: "panjare demo event birth
// --person CODE". The running demo (panjare demo, on the same database)
// delivers it to the subscribed services; its page /demo/life-events?event=ID
// shows the chain.
func demoEvent(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "birth" && args[0] != "death" && args[0] != "retirement") {
		return usageError{"demo event: want birth, death or retirement"}
	}
	kind, args := args[0], args[1:]
	cfg := app.Defaults()
	fs := flag.NewFlagSet("demo event "+kind, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	var person string
	fs.StringVar(&person, "person", "", "national code of the demo person: for a birth a parent, for a death someone the registry records as dead")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if person == "" {
		return usageError{"demo event " + kind + ": --person is required"}
	}
	cfg.Jobs, cfg.Demo = false, true
	a, err := app.New(ctx, cfg, newLogger(stderr, "error"))
	if err != nil {
		return err
	}
	defer a.Close()
	ev, err := a.PublishDemoEvent(ctx, kind, person)
	if err != nil {
		return fmt.Errorf("demo event %s: %w", kind, err)
	}
	fmt.Fprintf(stdout, "published %s event %s (sequence %d) as %s\nfollow its chain at %s/demo/life-events?event=%s\n",
		kind, ev.ID, ev.Sequence, ev.Publisher, a.Config.BaseURL, ev.ID)
	return nil
}
