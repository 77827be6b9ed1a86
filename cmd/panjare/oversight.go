package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/oversight"
)

// oversightCmd is "panjare oversight check FILE", which validates an
// oversight configuration before a deployment uses it, listing every
// problem in English and Persian and exiting 2 when there is any, and
// "panjare oversight build".
func oversightCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"oversight: want check FILE or build --month YYYY-MM"}
	}
	switch args[0] {
	case "check":
		if len(args) != 2 {
			return usageError{"oversight check: want one FILE"}
		}
		return oversightCheck(args[1], stdout)
	case "build":
		return oversightBuild(ctx, args[1:], getenv, stdout, stderr)
	}
	return usageError{fmt.Sprintf("oversight: unknown verb %q: want check or build", args[0])}
}

func oversightCheck(path string, stdout io.Writer) error {
	c, err := oversight.Load(path)
	if err == nil {
		fmt.Fprintf(stdout, "%s: ok (base year %d, smart share +%g points a year, fully electronic target %g%%)\n",
			path, c.BaseYear, c.SmartStepPP, c.ElectronicTarget)
		return nil
	}
	e, ok := errs.As(err)
	if !ok || len(e.Fields) == 0 {
		fa, en := errs.Messages(err)
		return usageError{fmt.Sprintf("oversight check %s: %s\n%s", path, en, fa)}
	}
	for _, f := range e.Fields {
		fmt.Fprintf(stdout, "%s: %s\n%s: %s\n", path, f.En, path, f.Fa)
	}
	return usageError{fmt.Sprintf("oversight check %s: %d problems", path, len(e.Fields))}
}

// oversightBuild is "panjare oversight build --month YYYY-MM": it builds a
// past month's report now, as the monthly job would, for an operator; a
// month already built is left as it is.
func oversightBuild(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flag.NewFlagSet("oversight build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	fs.StringVar(&cfg.Oversight, "oversight", cfg.Oversight, "the oversight configuration file (default: the built-in one)")
	month := fs.String("month", "", "the Jalali month to build, such as 1404-07")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if *month == "" {
		return usageError{"oversight build: --month is required"}
	}
	cfg.Jobs = false
	a, err := app.New(ctx, cfg, newLogger(stderr, "error"))
	if err != nil {
		return err
	}
	defer a.Close()
	r, err := a.Oversight.Build(ctx, *month)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Kind == errs.Invalid {
			return usageError{fmt.Sprintf("oversight build: %s\n%s", e.En, e.Fa)}
		}
		return err
	}
	fmt.Fprintf(stdout, "report %s\nsha256 html %s\nsha256 pdf %s\nsha256 figures %s\n", r.Month, r.HTMLSHA256, r.PDFSHA256, r.FiguresSHA256)
	return nil
}
