package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/panjare/panjare/internal/app"
)

// catalogCmd loads the built-in catalogue (the agencies, the regions and
// the published services of the demo) into a database, such as a fresh
// PostgreSQL, without serving anything. It migrates first, and loads
// nothing when any agency is already registered.
func catalogCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "load" {
		return usageError{"catalog: want load"}
	}
	cfg := app.Defaults()
	fs := flag.NewFlagSet("catalog load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	if err := parse(fs, args[1:], getenv); err != nil {
		return err
	}
	cfg.Jobs = false
	a, err := app.New(ctx, cfg, newLogger(stderr, "error"))
	if err != nil {
		return err
	}
	defer a.Close()
	loaded, err := a.LoadDemo(ctx)
	if err != nil {
		return fmt.Errorf("catalog load: %w", err)
	}
	agencies, err := a.Catalog.Agencies(ctx)
	if err != nil {
		return err
	}
	if !loaded {
		fmt.Fprintf(stdout, "the catalogue was already there (%d agencies); nothing loaded: %s\n", len(agencies), a.Store.String())
		return nil
	}
	fmt.Fprintf(stdout, "loaded the catalogue: %d agencies: %s\n", len(agencies), a.Store.String())
	return nil
}
