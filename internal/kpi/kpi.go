// Package kpi computes the oversight figures (docs/oversight.md, "KPIs")
// from the events alone, incrementally: a follower reads the events after
// its cursor in id order, only those the ledger has sealed, and folds each
// into aggregate tables, moving the cursor in the same transaction, so that
// every event is counted exactly once even across crashes. Pages then read
// a handful of aggregate rows, whatever the number of events.
//
// The package owns the kpi_* tables and writes nothing else: the figures
// are derived, so a fold appends no event (an event per fold would itself
// need folding). It never stores a national code: the funnel's distinct
// (person, service) pairs are kept as keyed hashes.
package kpi

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the "kpi" migration set.
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return store.MigrationSet{Name: "kpi", FS: sub}
}

// Config assembles a KPI.
type Config struct {
	Store   *store.Store
	Catalog *catalog.Catalog // the regions: a city's province
	Ledger  *ledger.Ledger   // nil: every committed event counts (tests)
	Log     *slog.Logger
	// Batch is how many events one fold transaction reads at most
	// (default 5000).
	Batch int
	// Every is how often Run looks for new events (default 1 s).
	Every time.Duration
}

// KPI keeps the figures and answers queries about them.
type KPI struct {
	s     *store.Store
	cat   *catalog.Catalog
	led   *ledger.Ledger
	log   *slog.Logger
	batch int
	every time.Duration

	fold sync.Mutex // one fold at a time in this process; the cursor row's lock serialises processes

	// beforeCommit, when set (tests), runs just before a fold commits;
	// an error rolls the fold back, as a crash would.
	beforeCommit func() error

	regMu   sync.Mutex
	regions map[string]string // city code → province code
}

// New returns the figures kept in cfg.Store. It creates the follower's
// state row, with a fresh hashing key, when there is none.
func New(cfg Config) (*KPI, error) {
	const op = "kpi.New"
	if cfg.Store == nil || cfg.Catalog == nil {
		return nil, errs.E(op, errs.Internal, "a store and a catalogue are needed", "پایگاه داده و فهرست خدمات لازم است")
	}
	k := &KPI{s: cfg.Store, cat: cfg.Catalog, led: cfg.Ledger, log: cfg.Log, batch: cfg.Batch, every: cfg.Every}
	if k.log == nil {
		k.log = slog.Default()
	}
	if k.batch <= 0 {
		k.batch = 5000
	}
	if k.every <= 0 {
		k.every = time.Second
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, errs.Wrap(op, err)
	}
	// Derived state, not a state change: no event (see the package comment).
	if _, err := k.s.DB().ExecContext(context.Background(),
		`INSERT INTO kpi_state (id, through, hash_key) VALUES (1, 0, $1) ON CONFLICT (id) DO NOTHING`, key); err != nil {
		return nil, errs.Wrap(op, err)
	}
	return k, nil
}

// Run folds new events every second or so until ctx is done. Every process
// that works jobs may run it: the cursor row's lock makes one fold at a
// time, and the others find nothing left to do.
func (k *KPI) Run(ctx context.Context) {
	t := time.NewTicker(k.every)
	defer t.Stop()
	for {
		if err := k.CatchUp(ctx); err != nil && ctx.Err() == nil {
			k.log.Warn("kpi: folding events", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// CatchUp folds every event there is now (every sealed one when a ledger
// is set), in batches, and returns when none is left.
func (k *KPI) CatchUp(ctx context.Context) error {
	for {
		more, err := k.foldBatch(ctx, k.batch)
		if err != nil {
			return errs.Wrap("kpi.CatchUp", err)
		}
		if !more {
			return nil
		}
	}
}

// Source says which events the figures count now.
func (k *KPI) Source(ctx context.Context) (Source, error) { return source(ctx, k.s.Read()) }

func source(ctx context.Context, db querier) (Source, error) {
	var src Source
	var size int64
	err := db.QueryRowContext(ctx, `SELECT through, ledger_size, ledger_root FROM kpi_state WHERE id = 1`).
		Scan(&src.Through, &size, &src.LedgerRoot)
	if err != nil {
		return Source{}, errs.Wrap("kpi.Source", err)
	}
	src.LedgerSize = uint64(size)
	return src, nil
}

func encodeRoot(root [32]byte) string { return base64.StdEncoding.EncodeToString(root[:]) }
