package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

// MigrationSet is one capability's migrations: a file system with a folder
// per dialect ("sqlite/", "postgres/") of goose SQL files. Each set keeps its
// own version table (goose_<Name>), so capabilities number their migrations
// independently and own their tables.
type MigrationSet struct {
	Name string
	FS   fs.FS
}

//go:embed migrations
var ownMigrations embed.FS

// Migrations returns the store's own migration set: the events table.
func Migrations() MigrationSet {
	sub, _ := fs.Sub(ownMigrations, "migrations")
	return MigrationSet{Name: "store", FS: sub}
}

// Migrate brings the schema up to date: River's tables first, then the
// store's events table, then each capability's set in the order given (a set
// may refer to the tables of sets before it). It is safe to run on several
// nodes at once on PostgreSQL, which serialises them with an advisory lock.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger, sets ...MigrationSet) error {
	if err := s.migrateRiver(ctx); err != nil {
		return fmt.Errorf("store.Migrate river: %w", err)
	}
	for _, set := range append([]MigrationSet{Migrations()}, sets...) {
		n, err := s.migrateSet(ctx, set)
		if err != nil {
			return fmt.Errorf("store.Migrate %s: %w", set.Name, err)
		}
		if n > 0 && log != nil {
			log.Info("migrated", "set", set.Name, "applied", n)
		}
	}
	return nil
}

func (s *Store) migrateSet(ctx context.Context, set MigrationSet) (int, error) {
	dir, err := fs.Sub(set.FS, string(s.dialect))
	if err != nil {
		return 0, err
	}
	opts := []goose.ProviderOption{goose.WithTableName("goose_" + set.Name)}
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return 0, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.db, dir, opts...)
	if err != nil {
		return 0, err
	}
	res, err := p.Up(ctx)
	return len(res), err
}

func (s *Store) migrateRiver(ctx context.Context) error {
	switch s.dialect {
	case SQLite:
		m, err := rivermigrate.New(riversqlite.New(s.db), nil)
		if err != nil {
			return err
		}
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	default:
		m, err := rivermigrate.New(riverdatabasesql.New(s.db), nil)
		if err != nil {
			return err
		}
		// River's migrator has no lock of its own; take the same advisory
		// lock idea as goose so that nodes starting together do not race.
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7262617265)"); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7262617265)")
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	}
}
