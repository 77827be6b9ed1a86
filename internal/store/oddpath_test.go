package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/panjare/panjare/internal/store"
)

// A SQLite database may live under any directory name: "#", "?" and "%"
// once cut or garbled the file: URI the driver is given, so that tests
// named alike shared one file and a data directory with such a name could
// not be opened.
func TestSQLiteOddPath(t *testing.T) {
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "a#b?c%d e", "x.db")
	for i := range 2 {
		s, err := store.Open(ctx, "sqlite:"+p, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			if _, err := s.Read().ExecContext(ctx, "SELECT 1"); err != nil {
				t.Fatal(err)
			}
			if _, err = s.DB().ExecContext(ctx, "CREATE TABLE kept (n INTEGER)"); err == nil {
				_, err = s.DB().ExecContext(ctx, "INSERT INTO kept VALUES (7)")
			}
		} else {
			var n int
			err = s.Read().QueryRowContext(ctx, "SELECT n FROM kept").Scan(&n)
			if err == nil && n != 7 {
				t.Errorf("read %d, want 7", n)
			}
		}
		s.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("the database is not at its path: %v", err)
	}
}
