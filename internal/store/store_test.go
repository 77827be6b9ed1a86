package store_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
	"github.com/riverqueue/river"
)

type pingArgs struct{ N int }

func (pingArgs) Kind() string { return "test.ping" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	got *atomic.Int64
}

func (w pingWorker) Work(ctx context.Context, j *river.Job[pingArgs]) error {
	w.got.Add(int64(j.Args.N))
	return nil
}

func TestEventRule(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// A transaction that appends no event does not commit.
		err := s.InTx(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecContext(ctx, "CREATE TABLE scratch (n INTEGER)")
			return err
		})
		if !errors.Is(err, store.ErrNoEvent) {
			t.Fatalf("InTx without event: err = %v, want ErrNoEvent", err)
		}
		// A failed transaction leaves no event.
		boom := errors.New("boom")
		err = s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Append(ctx, store.Event{Kind: "test.lost", Actor: "system"}, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		// A committed one leaves its event with every dimension.
		err = s.InTx(ctx, func(tx *store.Tx) error {
			err := tx.Append(ctx, store.Event{Kind: "test.kept", Actor: "user:1", Agency: "NOCR",
				Service: "S1", Region: "THR", Subject: "0067749828"}, map[string]int{"n": 7})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "test."})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].Kind != "test.kept" || evs[0].Subject != "0067749828" || evs[0].Region != "THR" {
			t.Fatalf("events = %+v", evs)
		}
		if !strings.Contains(string(evs[0].Payload), `"n"`) || time.Since(evs[0].At) > time.Minute {
			t.Fatalf("event = %+v", evs[0])
		}
		// The LIKE prefix is literal: "_" is not a wildcard.
		if evs, _ := s.Events(ctx, store.EventFilter{KindPrefix: "test_"}); len(evs) != 0 {
			t.Fatalf("prefix test_ matched %d events", len(evs))
		}
		// Events are append-only in the database itself.
		for _, q := range []string{"UPDATE events SET kind = 'x'", "DELETE FROM events"} {
			if _, err := s.DB().ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want append-only refusal", q, err)
			}
		}
	})
}

func TestEnqueueIsTransactional(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var got atomic.Int64
		river.AddWorker(s.Workers(), pingWorker{got: &got})
		// Rolled back: the job never runs.
		_ = s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Enqueue(ctx, pingArgs{N: 100}, nil); err != nil {
				t.Fatal(err)
			}
			if err := tx.EnqueueMany(ctx, []river.InsertManyParams{{Args: pingArgs{N: 1000}}, {Args: pingArgs{N: 2000}}}); err != nil {
				t.Fatal(err)
			}
			if err := tx.Append(ctx, store.Event{Kind: "test.job", Actor: "system"}, nil); err != nil {
				t.Fatal(err)
			}
			return errors.New("roll back")
		})
		err := s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Enqueue(ctx, pingArgs{N: 1}, nil); err != nil {
				return err
			}
			if err := tx.EnqueueMany(ctx, []river.InsertManyParams{{Args: pingArgs{N: 10}}, {Args: pingArgs{N: 20}}}); err != nil {
				return err
			}
			err := tx.Append(ctx, store.Event{Kind: "test.job", Actor: "system"}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.StopJobs(ctx)
		deadline := time.Now().Add(15 * time.Second)
		for got.Load() < 31 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(300 * time.Millisecond) // would let a leaked job run too
		if n := got.Load(); n != 31 {
			t.Fatalf("worked sum = %d, want 31 (only the committed jobs)", n)
		}
	})
}

func TestOpenRejectsUnknownDatabase(t *testing.T) {
	_, err := store.Open(context.Background(), "mysql://root@localhost/x", store.Options{})
	if err == nil || !strings.Contains(err.Error(), "sqlite:PATH") {
		t.Fatalf("err = %v", err)
	}
	if got := store.Redact("postgres://u:secret@h/db"); strings.Contains(got, "secret") {
		t.Fatalf("Redact kept the password: %s", got)
	}
}

// TestSQLiteIsDurable checks that the writer commits with synchronous=FULL
// in WAL mode: a change is acknowledged only once it is on the disk.
func TestSQLiteIsDurable(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite)
	var mode string
	var level int
	if err := s.DB().QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().QueryRow("PRAGMA synchronous").Scan(&level); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || level != 2 {
		t.Fatalf("journal_mode=%s synchronous=%d, want wal and 2 (FULL)", mode, level)
	}
}

// TestEvery: a periodic job runs when the jobs start and then every
// interval, on both engines.
func TestEvery(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var got atomic.Int64
		river.AddWorker(s.Workers(), pingWorker{got: &got})
		s.Every(300*time.Millisecond, func() river.JobArgs { return pingArgs{N: 1} })
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.StopJobs(ctx)
		deadline := time.Now().Add(20 * time.Second)
		for got.Load() < 3 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if n := got.Load(); n < 3 {
			t.Fatalf("the periodic job ran %d times, want at least 3", n)
		}
	})
}
