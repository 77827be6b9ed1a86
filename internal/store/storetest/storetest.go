// Package storetest runs a test once per database engine: on SQLite always,
// and on PostgreSQL when PANJARE_TEST_POSTGRES holds a URL. Each run gets a
// fresh, fully migrated database (a temporary file, or a new schema that is
// dropped afterwards), so tests never see each other's rows.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for schema setup
	"github.com/panjare/panjare/internal/store"
)

// EnvPostgres names the environment variable that holds the PostgreSQL URL
// for tests.
const EnvPostgres = "PANJARE_TEST_POSTGRES"

// Run calls fn as a subtest "sqlite" and, when PostgreSQL is configured, as a
// subtest "postgres", each with a fresh store migrated with sets.
func Run(t *testing.T, fn func(t *testing.T, s *store.Store), sets ...store.MigrationSet) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			fn(t, MustOpen(t, d, sets...))
		})
	}
}

// MustOpen returns a fresh, migrated store on engine d, closed when the test
// ends. On PostgreSQL it skips the test when PANJARE_TEST_POSTGRES is unset.
func MustOpen(tb testing.TB, d store.Dialect, sets ...store.MigrationSet) *store.Store {
	tb.Helper()
	dsn := DSN(tb, d)
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		tb.Fatalf("storetest: open %s: %v", d, err)
	}
	tb.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx, nil, sets...); err != nil {
		tb.Fatalf("storetest: migrate %s: %v", d, err)
	}
	return s
}

// DSN returns a database name for a fresh, empty database on engine d that is
// removed when the test ends.
func DSN(tb testing.TB, d store.Dialect) string {
	tb.Helper()
	if d == store.SQLite {
		return "sqlite:" + filepath.Join(tb.TempDir(), "panjare.db")
	}
	base := os.Getenv(EnvPostgres)
	if base == "" {
		tb.Skipf("PostgreSQL tests skipped: set %s to a PostgreSQL URL (for example postgres://postgres@127.0.0.1:5432/postgres) to run them", EnvPostgres)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("storetest: %v", err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		tb.Fatalf("storetest: cannot reach PostgreSQL at %s: %v", store.Redact(base), err)
	}
	tb.Cleanup(func() {
		_, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("storetest: %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
