package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/store"
)

// ledgerCmd is "panjare ledger verify|checkpoint". Both only read: verify
// recomputes every leaf from the events table and checks the tree against
// every signed checkpoint (and one the auditor kept); checkpoint prints the
// latest signed checkpoint, for an auditor to keep.
func ledgerCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"ledger: want verify or checkpoint"}
	}
	verb, args := args[0], args[1:]
	cfg := app.Defaults()
	fs := flag.NewFlagSet("ledger "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	var cpFile, keyFrom string
	switch verb {
	case "verify":
		fs.StringVar(&cpFile, "checkpoint", "", "a signed checkpoint kept earlier (from GET /ledger/checkpoint) that the events must still give")
		fs.StringVar(&keyFrom, "key", "", "the ledger's verifier key kept earlier (from GET /ledger/key), or a file holding it, to check --checkpoint with (default: the key in the database)")
	case "checkpoint":
	default:
		return usageError{fmt.Sprintf("ledger: unknown verb %q: want verify or checkpoint", verb)}
	}
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	var opt ledger.VerifyOptions
	if cpFile != "" {
		b, err := os.ReadFile(cpFile)
		if err != nil {
			return usageError{fmt.Sprintf("ledger verify: --checkpoint: %v", err)}
		}
		opt.Checkpoint = b
	}
	if keyFrom != "" {
		v, err := readVerifierKey(keyFrom)
		if err != nil {
			return usageError{fmt.Sprintf("ledger verify: --key: %v", err)}
		}
		opt.Verifier = v
	}
	st, err := openExisting(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	switch verb {
	case "checkpoint":
		n, err := ledger.LatestCheckpoint(ctx, st)
		if err != nil {
			return err
		}
		_, err = stdout.Write(n)
		return err
	}
	rep, err := ledger.Verify(ctx, st, opt)
	if errs.Is(err, errs.Invalid) {
		_, en := errs.Messages(err)
		return usageError{"ledger verify: " + en}
	}
	if err != nil {
		return err
	}
	for _, f := range rep.Findings {
		fmt.Fprintln(stdout, f.String())
	}
	fmt.Fprintf(stdout, "checked %d events (sealed through event %d), %d signed checkpoints and %d exchange inquiries: %d findings\n",
		rep.Events, rep.SealedThrough, rep.Checkpoints, rep.Messages, len(rep.Findings))
	fmt.Fprintf(stdout, "tree size %d root %s\n", rep.Size, rep.RootBase64())
	if !rep.OK() {
		return fmt.Errorf("ledger verify: %d findings: the events table is not what was sealed", len(rep.Findings))
	}
	return nil
}

// openExisting opens a database that must already exist: a verifier that
// created an empty SQLite file where none was would report on nothing.
func openExisting(ctx context.Context, dsn string) (*store.Store, error) {
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		if _, err := os.Stat(path); err != nil {
			return nil, usageError{fmt.Sprintf("no database at %s: %v", path, errors.Unwrap(err))}
		}
	}
	return store.Open(ctx, dsn, store.Options{})
}

// readVerifierKey reads a note verifier key ("name+hash+base64"), given
// itself or as a file holding it.
func readVerifierKey(from string) (note.Verifier, error) {
	text := from
	if _, err := os.Stat(from); err == nil {
		b, err := os.ReadFile(from)
		if err != nil {
			return nil, err
		}
		text = string(b)
	}
	return note.NewVerifier(strings.TrimSpace(text))
}
