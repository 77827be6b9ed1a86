// Package store opens Panjare's database, SQLite or PostgreSQL, behind one
// database/sql code path; runs each capability's migrations; and provides
// the transaction in which every state change happens.
//
// The event rule: every state change appends a row to the append-only events
// table in the same transaction as the change (Tx.Append). Jobs that follow
// from a change are enqueued in that same transaction (Tx.Enqueue), so a
// rolled-back change leaves neither an event nor a job behind.
//
// Capabilities own their tables and their migrations; store owns only the
// events table and River's tables. It must never know any capability's schema.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the database engine.
type Dialect string

// The two engines Panjare runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is an open database. It is safe for concurrent use.
type Store struct {
	dialect Dialect
	db      *sql.DB       // writes; on SQLite a single connection, so writers queue here instead of failing busy
	read    *sql.DB       // reads; on SQLite a pool of read-only connections (WAL lets them run beside the writer)
	pool    *pgxpool.Pool // PostgreSQL only: the pool behind db, used by River's workers
	dsn     string        // redacted, for logs

	workers  *river.Workers
	inserter *river.Client[*sql.Tx] // enqueues inside our database/sql transactions
	runner   interface {
		Start(context.Context) error
		Stop(context.Context) error
	}
	queues   map[string]river.QueueConfig
	periodic []*river.PeriodicJob
	now      func() time.Time

	ids   idBlocks   // PostgreSQL: ids reserved for NextID
	group *committer // the group committer every InTx goes through
	stmts stmtCache  // SQLite: the writer's prepared statements
}

// DefaultPostgresLanes is how many groups commit at once on PostgreSQL
// unless Options say otherwise. Each lane holds a connection while its
// group runs; more lanes commit more groups at once, but smaller ones.
const DefaultPostgresLanes = 4

// Options tune Open. The zero value is fine.
type Options struct {
	// MaxReadConns bounds the SQLite read pool (default: 4 × GOMAXPROCS).
	MaxReadConns int
	// Now replaces the clock, for tests.
	Now func() time.Time
	// PostgresLanes is how many groups of transactions commit in parallel
	// on PostgreSQL (see committer): zero means DefaultPostgresLanes, and a
	// negative number commits each transaction on its own.
	PostgresLanes int
}

// Open opens the database named by dsn: "sqlite:PATH" (the directory is
// created if needed) or a "postgres://" URL. It does not migrate.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	s := &Store{workers: river.NewWorkers(), now: opt.Now}
	if s.now == nil {
		s.now = time.Now
	}
	s.queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 8}}
	var err error
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		err = s.openSQLite(strings.TrimPrefix(dsn, "sqlite:"), opt)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		err = s.openPostgres(ctx, dsn, opt)
	default:
		return nil, fmt.Errorf("store.Open: database %q must be sqlite:PATH or a postgres:// URL", Redact(dsn))
	}
	if err != nil {
		return nil, fmt.Errorf("store.Open %s: %w", Redact(dsn), err)
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store.Open %s: %w", Redact(dsn), err)
	}
	return s, nil
}

// uriPath escapes the characters that would end or garble the path part of
// a file: URI (SQLite decodes them back), so that a database may live in
// any directory, "#" and "?" and "%" in its name included.
func uriPath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

func (s *Store) openSQLite(path string, opt Options) error {
	if path == "" {
		return errors.New("empty SQLite path")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	s.dialect = SQLite
	s.dsn = "sqlite:" + path
	common := "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite"
	// synchronous=FULL: a commit returns only once the WAL has reached the
	// disk, so an acknowledged change (a submitted application, an issued
	// permit) survives a power cut. NORMAL would be faster but can lose the
	// last commits, which a register of government records must not.
	uri := "file:" + uriPath(path)
	w, err := sql.Open("sqlite", uri+"?_pragma=journal_mode(WAL)&_txlock=immediate&_pragma=synchronous(FULL)&"+common)
	if err != nil {
		return err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// Make sure the file exists in WAL mode before readers open it.
	if _, err := w.Exec("SELECT 1"); err != nil {
		w.Close()
		return err
	}
	r, err := sql.Open("sqlite", uri+"?_pragma=query_only(1)&"+common)
	if err != nil {
		w.Close()
		return err
	}
	n := opt.MaxReadConns
	if n <= 0 {
		n = 4 * runtime.GOMAXPROCS(0)
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s.db, s.read = w, r
	s.inserter, err = river.NewClient(riversqlite.New(w), &river.Config{Workers: s.workers, SkipUnknownJobCheck: true})
	if err != nil {
		return err
	}
	s.stmts = stmtCache{on: true}
	s.group = newCommitter(s, 1)
	return nil
}

func (s *Store) openPostgres(ctx context.Context, dsn string, opt Options) error {
	s.dialect = Postgres
	s.dsn = Redact(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return err
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	s.pool = pool
	s.db = stdlib.OpenDBFromPool(pool)
	s.read = s.db
	s.inserter, err = river.NewClient(riverdatabasesql.New(s.db), &river.Config{Workers: s.workers, SkipUnknownJobCheck: true})
	if err != nil {
		return err
	}
	switch lanes := opt.PostgresLanes; {
	case lanes == 0:
		s.group = newCommitter(s, DefaultPostgresLanes)
	case lanes > 0:
		s.group = newCommitter(s, lanes)
	}
	return nil
}

// Dialect reports which engine is open.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB returns the pool for writes. Capabilities use Tx instead; DB exists for
// migrations and tools.
func (s *Store) DB() *sql.DB { return s.db }

// Read returns the pool for queries that change nothing. On SQLite it is a
// separate pool of read-only connections, so reads never wait for a writer.
func (s *Store) Read() *sql.DB { return s.read }

// Now returns the store's clock, in UTC, truncated to microseconds (the
// precision both engines keep).
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// String returns the database name with any password removed.
func (s *Store) String() string { return s.dsn }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := s.db.PingContext(ctx); err != nil {
		return err
	}
	if s.read != s.db {
		return s.read.PingContext(ctx)
	}
	return nil
}

// Close stops the job runner, if started, and closes the database.
func (s *Store) Close() error {
	if s.runner != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = s.runner.Stop(ctx)
		cancel()
		s.runner = nil
	}
	if s.group != nil {
		s.group.close() // later InTx calls get ErrClosed
	}
	s.stmts.close()
	var errs []error
	if s.read != nil && s.read != s.db {
		errs = append(errs, s.read.Close())
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	if s.pool != nil {
		s.pool.Close()
	}
	return errors.Join(errs...)
}

// Workers returns the River worker registry. Capabilities add their workers
// with river.AddWorker before StartJobs is called.
func (s *Store) Workers() *river.Workers { return s.workers }

// Every adds a job that River inserts every interval, on whichever node is
// the leader at the time, and once when the leader starts. It suits sweeps
// that find their work in the tables themselves (cases past their deadline,
// evidence due for another inquiry): one periodic job instead of a
// scheduled job per row, which would fill River's table with rows waiting
// for months. Call it before StartJobs; the job's worker must be added too.
func (s *Store) Every(interval time.Duration, args func() river.JobArgs) {
	s.periodic = append(s.periodic, river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return args(), nil }, &river.PeriodicJobOpts{RunOnStart: true}))
}

// StartJobs starts working jobs in this process. Call it once, after every
// capability has registered its workers. Nodes that only serve requests need
// not call it; jobs they enqueue are worked by another node.
func (s *Store) StartJobs(ctx context.Context) error {
	if s.runner != nil {
		return errors.New("store.StartJobs: already started")
	}
	cfg := &river.Config{
		Workers:           s.workers,
		Queues:            s.queues,
		PeriodicJobs:      s.periodic,
		FetchPollInterval: 200 * time.Millisecond,
		Logger:            quietLogger(),
	}
	switch s.dialect {
	case SQLite:
		cfg.PollOnly = true
		c, err := river.NewClient(riversqlite.New(s.db), cfg)
		if err != nil {
			return fmt.Errorf("store.StartJobs: %w", err)
		}
		s.runner = c
	case Postgres:
		c, err := river.NewClient[pgx.Tx](riverpgxv5.New(s.pool), cfg)
		if err != nil {
			return fmt.Errorf("store.StartJobs: %w", err)
		}
		s.runner = c
	}
	return s.runner.Start(ctx)
}

// StopJobs stops working jobs, waiting for running ones to finish until ctx
// is done.
func (s *Store) StopJobs(ctx context.Context) error {
	if s.runner == nil {
		return nil
	}
	err := s.runner.Stop(ctx)
	s.runner = nil
	return err
}

// Redact removes the password from a database URL so it can be logged.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
