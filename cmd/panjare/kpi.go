package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/kpiverify"
)

// kpiCmd is "panjare kpi verify": it verifies the ledger, recomputes every
// oversight figure from the sealed events by a second implementation
// (internal/kpiverify), and compares them with the dashboards' figures,
// every archived monthly report and, with --truth, a truth file written by
// "panjare simulate". It prints one line per discrepancy and a summary,
// and fails on any discrepancy or any ledger finding.
func kpiCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{"kpi: want verify"}
	}
	cfg := app.Defaults()
	fs := flag.NewFlagSet("kpi verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	truthFile := fs.String("truth", "", "a figures document (from panjare simulate) whose every figure must equal the recomputed one")
	outFile := fs.String("out", "", "write the recomputed figures document to this file")
	checkpointFile := fs.String("checkpoint", "", "a signed checkpoint kept outside (GET /ledger/checkpoint): the ledger must still hold it")
	seal := fs.Bool("seal", false, "seal every committed event first, as the running server does (for a database no server is running on)")
	if err := parse(fs, args[1:], getenv); err != nil {
		return err
	}
	// Bad input is refused before the database is opened.
	var truth []byte
	if *truthFile != "" {
		b, err := os.ReadFile(*truthFile)
		if err != nil {
			return usageError{fmt.Sprintf("kpi verify: cannot read the truth file: %v", err)}
		}
		if err := kpiverify.CheckDocument(b); err != nil {
			return usageError{fmt.Sprintf("kpi verify: the truth file %s is not a figures document: %v", *truthFile, err)}
		}
		truth = b
	}
	var checkpoint []byte
	if *checkpointFile != "" {
		b, err := os.ReadFile(*checkpointFile)
		if err != nil {
			return usageError{fmt.Sprintf("kpi verify: cannot read the checkpoint: %v", err)}
		}
		checkpoint = b
	}
	cfg.Jobs = false
	a, err := app.New(ctx, cfg, newLogger(stderr, "error"))
	if err != nil {
		return err
	}
	defer a.Close()
	if *seal {
		if _, err := a.Ledger.SealNow(ctx); err != nil {
			return err
		}
	}
	res, err := kpiverify.Verify(ctx, kpiverify.Options{Store: a.Store, KPI: a.KPI, Truth: truth, Checkpoint: checkpoint, Verifier: a.Ledger.Verifier()})
	if errs.Is(err, errs.Invalid) {
		_, en := errs.Messages(err)
		return usageError{"kpi verify: " + en}
	}
	var le *kpiverify.LedgerError
	if errors.As(err, &le) {
		for _, f := range le.Findings {
			fmt.Fprintln(stdout, "ledger", f)
		}
		return fmt.Errorf("kpi verify: the ledger has %d findings; no figure was computed from events that may have been changed", len(le.Findings))
	}
	if err != nil {
		return err
	}
	for _, d := range res.Discrepancies {
		fmt.Fprintln(stdout, d)
	}
	fmt.Fprintf(stdout, "recomputed from the events through %d, sealed in the ledger at size %d root %s\n",
		res.Source.Through, res.Source.LedgerSize, res.Source.LedgerRoot)
	if res.DashboardThrough != res.Source.Through {
		fmt.Fprintf(stdout, "the dashboards had counted the events through %d only, and were compared with those\n", res.DashboardThrough)
	}
	fmt.Fprintf(stdout, "%d figures checked, %d discrepancies\n", res.Checked, len(res.Discrepancies))
	if *outFile != "" {
		b, err := json.MarshalIndent(res.Document, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*outFile, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	if len(res.Discrepancies) > 0 {
		return fmt.Errorf("kpi verify: %d discrepancies", len(res.Discrepancies))
	}
	return nil
}
