package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/simulate"
	"github.com/panjare/panjare/internal/store"
)

// simulateCmd is "panjare simulate": it drives a synthetic year of traffic
// through the real platform on a fresh database and writes the figures it
// knows it caused to --truth, for "panjare kpi verify --truth" to check.
func simulateCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL; it must have no events (default: a SQLite file in --data)")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	var year int
	var seed uint64
	var scale float64
	var truth, logLevel string
	fs.IntVar(&year, "year", 0, "the Jalali year to simulate, such as 1404")
	fs.Uint64Var(&seed, "seed", 1, "the seed: the same seed drives the same year")
	fs.Float64Var(&scale, "scale", 1, fmt.Sprintf("how busy the year is: 1 is about %d applications, 0.05 a small year", simulate.PerYear))
	fs.StringVar(&truth, "truth", "", "the file to write the known figures to (a figures document, JSON)")
	fs.StringVar(&logLevel, "log-level", "error", "log level: debug, info, warn or error")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if year == 0 || truth == "" {
		return usageError{"simulate: --year and --truth are required"}
	}
	if scale <= 0 || scale > 100 {
		return usageError{"simulate: --scale must be above 0 and at most 100"}
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	// The truth file is opened first, so that a path that cannot be
	// written fails before a year is spent.
	f, err := os.Create(truth)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	defer f.Close()
	res, err := simulate.Run(ctx, simulate.Options{DB: cfg.DB, Year: year, Seed: seed, Scale: scale, Log: newLogger(stderr, logLevel),
		Progress: func(month string, cases int) { fmt.Fprintf(stdout, "%s  %5d applications\n", month, cases) }})
	if err != nil {
		f.Close()
		os.Remove(truth)
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", " ")
	if err := enc.Encode(res.Truth); err != nil {
		return fmt.Errorf("simulate: writing %s: %w", truth, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("simulate: writing %s: %w", truth, err)
	}
	fmt.Fprintf(stdout, "simulated %d: %d applications (%d started by %d life events), %d events in %s; %d groups of figures written to %s\n",
		year, res.Cases, res.Started, res.LifeEvents, res.Events, res.Took.Round(time.Second), len(res.Truth.Figures), truth)
	if len(res.Failures) > 0 {
		var parts []string
		for k, n := range res.Failures {
			parts = append(parts, fmt.Sprintf("%s %d", k, n))
		}
		sort.Strings(parts)
		fmt.Fprintf(stdout, "steps the platform refused (not counted): %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintf(stdout, "sealed: tree size %d root %s\n", res.Ledger.Size, base64.StdEncoding.EncodeToString(res.Ledger.Root[:]))
	fmt.Fprintf(stdout, "check it: panjare kpi verify --db %s --truth %s\n", store.Redact(cfg.DB), truth)
	return nil
}
