package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// openGrouped opens a fresh store whose transactions are group-committed in
// one lane on either engine, with a scratch table.
func openGrouped(t *testing.T, d store.Dialect) *store.Store {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, storetest.DSN(t, d), store.Options{PostgresLanes: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `CREATE TABLE scratch (name TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	return s
}

// eachGrouped runs fn as a subtest per engine, with a fresh grouped store
// (PostgreSQL only when it is configured).
func eachGrouped(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { fn(t, openGrouped(t, d)) })
	}
}

// inOneGroup runs fns as concurrent InTx calls that all land in one group:
// a first transaction holds the committer until every other one is queued.
// It returns each call's error, or its panic as an error.
func inOneGroup(t *testing.T, s *store.Store, fns ...func(tx *store.Tx) error) []error {
	t.Helper()
	ctx := context.Background()
	hold := make(chan struct{})
	held := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := s.InTx(ctx, func(tx *store.Tx) error {
			close(held)
			<-hold
			return write(ctx, tx, "holder")
		})
		if err != nil {
			t.Errorf("holder: %v", err)
		}
	}()
	<-held
	out := make([]error, len(fns))
	for i, fn := range fns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					out[i] = fmt.Errorf("panic: %v", p)
				}
			}()
			out[i] = s.InTx(ctx, fn)
		}()
		// Queue them in order, so that the group runs them in order.
		for deadline := time.Now().Add(10 * time.Second); s.Queued() < i+1; {
			if time.Now().After(deadline) {
				t.Fatalf("only %d of %d transactions queued", s.Queued(), i+1)
			}
			time.Sleep(time.Millisecond)
		}
	}
	close(hold)
	wg.Wait()
	return out
}

// write inserts a scratch row, its event and a job, as a capability would.
func write(ctx context.Context, tx *store.Tx, name string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO scratch (name) VALUES ($1)`, name); err != nil {
		return err
	}
	if err := tx.Enqueue(ctx, pingArgs{N: len(name)}, nil); err != nil {
		return err
	}
	err := tx.Append(ctx, store.Event{Kind: "test.group", Actor: "system", Subject: name}, nil)
	return err
}

// stored returns the scratch rows, the subjects of the test events and the
// number of ping jobs.
func stored(t *testing.T, s *store.Store) (rows, events []string, jobs int) {
	t.Helper()
	ctx := context.Background()
	r, err := s.DB().QueryContext(ctx, `SELECT name FROM scratch ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
		var n string
		if err := r.Scan(&n); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, n)
	}
	r.Close()
	evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "test.group"})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		events = append(events, ev.Subject)
	}
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'test.ping'`).Scan(&jobs); err != nil {
		t.Fatal(err)
	}
	return rows, events, jobs
}

// TestGroupCommitIsolatesMembers puts transactions that succeed, fail,
// forget their event and panic in one group: each failure rolls back alone,
// with its rows, its event and its job, and the others commit.
func TestGroupCommitIsolatesMembers(t *testing.T) {
	eachGrouped(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		errs := inOneGroup(t, s,
			func(tx *store.Tx) error { return write(ctx, tx, "a") },
			func(tx *store.Tx) error {
				if err := write(ctx, tx, "failed"); err != nil {
					return err
				}
				return boom
			},
			func(tx *store.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO scratch (name) VALUES ('no event')`)
				return err
			},
			func(tx *store.Tx) error {
				if err := write(ctx, tx, "panicked"); err != nil {
					return err
				}
				panic("member panics")
			},
			func(tx *store.Tx) error {
				// A statement error inside the group: on PostgreSQL it
				// aborts the shared transaction until the savepoint is
				// rolled back.
				if err := write(ctx, tx, "bad sql"); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, `INSERT INTO no_such_table VALUES (1)`)
				return err
			},
			func(tx *store.Tx) error {
				// A row for later that breaks a constraint fails at the
				// group's commit; the group is run again member by
				// member, and only this one fails.
				if err := write(ctx, tx, "null later"); err != nil {
					return err
				}
				tx.InsertLater("scratch", []string{"name"}, nil)
				return nil
			},
			func(tx *store.Tx) error { return write(ctx, tx, "b") },
		)
		if errs[0] != nil || errs[6] != nil {
			t.Fatalf("the good members failed: %v, %v", errs[0], errs[6])
		}
		if errs[5] == nil || !strings.Contains(strings.ToLower(errs[5].Error()), "null") {
			t.Errorf("member with a bad row for later: err = %v", errs[5])
		}
		if !errors.Is(errs[1], boom) {
			t.Errorf("failing member: err = %v, want boom", errs[1])
		}
		if !errors.Is(errs[2], store.ErrNoEvent) {
			t.Errorf("member without event: err = %v, want ErrNoEvent", errs[2])
		}
		if errs[3] == nil || !strings.Contains(errs[3].Error(), "member panics") {
			t.Errorf("panicking member: err = %v, want its panic re-raised in its caller", errs[3])
		}
		if errs[4] == nil || !strings.Contains(errs[4].Error(), "no_such_table") {
			t.Errorf("bad SQL member: err = %v", errs[4])
		}
		rows, events, jobs := stored(t, s)
		if want := []string{"a", "b", "holder"}; fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("rows = %q, want %q", rows, want)
		}
		if want := []string{"holder", "a", "b"}; fmt.Sprint(events) != fmt.Sprint(want) {
			t.Errorf("events = %q, want %q (in commit order)", events, want)
		}
		if jobs != 3 {
			t.Errorf("jobs = %d, want 3", jobs)
		}
	})
}

// TestGroupCommitSurvivesLostTransaction loses the shared transaction in
// the middle of a group. On SQLite a member's context ends in the middle
// of its INSERT: the driver interrupts the statement, and SQLite rolls back
// the whole transaction. On PostgreSQL the member's connection dies. The
// members before and after it are run again on their own and commit; it
// fails.
func TestGroupCommitSurvivesLostTransaction(t *testing.T) {
	eachGrouped(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		kill := func(tx *store.Tx) error {
			if s.Dialect() == store.Postgres {
				_, err := tx.ExecContext(ctx, `SELECT pg_terminate_backend(pg_backend_pid())`)
				return err
			}
			short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			defer cancel()
			_, err := tx.ExecContext(short, `INSERT INTO scratch (name)
				WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000000) SELECT 'n' || x FROM c`)
			return err
		}
		errs := inOneGroup(t, s,
			func(tx *store.Tx) error { return write(ctx, tx, "a") },
			func(tx *store.Tx) error {
				if err := write(ctx, tx, "killer"); err != nil {
					return err
				}
				return kill(tx)
			},
			func(tx *store.Tx) error { return write(ctx, tx, "b") },
		)
		if errs[0] != nil || errs[2] != nil {
			t.Fatalf("the members around the lost one failed: %v, %v", errs[0], errs[2])
		}
		if errs[1] == nil {
			t.Errorf("the member that lost the transaction succeeded")
		}
		rows, events, jobs := stored(t, s)
		if want := []string{"a", "b", "holder"}; fmt.Sprint(rows) != fmt.Sprint(want) {
			t.Errorf("rows = %q, want %q", rows, want)
		}
		if len(events) != 3 || jobs != 3 {
			t.Errorf("events = %q, jobs = %d, want the holder's, a's and b's only", events, jobs)
		}
	})
}

// TestGroupCommitCancelledWhileQueued: a caller that gives up before its
// turn gets its context's error, and nothing of it is stored.
func TestGroupCommitCancelledWhileQueued(t *testing.T) {
	s := openGrouped(t, store.SQLite)
	ctx, cancel := context.WithCancel(context.Background())
	errs := inOneGroup(t, s,
		func(tx *store.Tx) error {
			cancel() // the next member's context ends while it waits
			return write(context.Background(), tx, "a")
		},
		func(tx *store.Tx) error { return write(ctx, tx, "cancelled") },
	)
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	if !errors.Is(errs[1], context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", errs[1])
	}
	if rows, _, _ := stored(t, s); fmt.Sprint(rows) != "[a holder]" {
		t.Fatalf("rows = %q", rows)
	}
}

// TestClosedStoreRefusesTransactions: after Close, InTx fails at once
// instead of waiting for a committer that is gone.
func TestClosedStoreRefusesTransactions(t *testing.T) {
	s := openGrouped(t, store.SQLite)
	s.Close()
	err := s.InTx(context.Background(), func(tx *store.Tx) error { return nil })
	if !errors.Is(err, store.ErrClosed) {
		t.Fatalf("err = %v, want ErrClosed", err)
	}
}

// TestInsertLaterManyRows writes more rows for later than one statement
// may bind, beside an event, and reads every one back.
func TestInsertLaterManyRows(t *testing.T) {
	eachGrouped(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n = 40000 // 40,000 parameters: more than the 30,000 one statement takes
		err := s.InTx(ctx, func(tx *store.Tx) error {
			for i := range n {
				tx.InsertLater("scratch", []string{"name"}, fmt.Sprintf("row %05d", i))
			}
			return tx.Append(ctx, store.Event{Kind: "test.group", Actor: "system", Subject: "many"}, nil)
		})
		if err != nil {
			t.Fatal(err)
		}
		var rows int
		var first, last string
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*), MIN(name), MAX(name) FROM scratch`).Scan(&rows, &first, &last); err != nil {
			t.Fatal(err)
		}
		if rows != n || first != "row 00000" || last != "row 39999" {
			t.Fatalf("%d rows from %q to %q, want %d", rows, first, last, n)
		}
		if _, events, _ := stored(t, s); fmt.Sprint(events) != "[many]" {
			t.Fatalf("events = %q", events)
		}
	})
}

// TestGroupCommitRetriesDeadlockVictims: on PostgreSQL two lanes' groups
// lock two rows in opposite orders. PostgreSQL breaks the deadlock by
// failing one; that transaction is not at fault, so it runs again after the
// other commits, and both callers succeed.
func TestGroupCommitRetriesDeadlockVictims(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, storetest.DSN(t, store.Postgres), store.Options{PostgresLanes: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `CREATE TABLE scratch (name TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, `INSERT INTO scratch (name) VALUES ('x'), ('y')`); err != nil {
		t.Fatal(err)
	}
	xLocked, yLocked := make(chan struct{}), make(chan struct{})
	var onceX, onceY sync.Once
	lockBoth := func(first, second string, once *sync.Once, mine, theirs chan struct{}) func(tx *store.Tx) error {
		return func(tx *store.Tx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE scratch SET n = n + 1 WHERE name = $1`, first); err != nil {
				return err
			}
			once.Do(func() {
				close(mine)
				<-theirs // the first run waits for the other lane to hold its row
			})
			if _, err := tx.ExecContext(ctx, `UPDATE scratch SET n = n + 1 WHERE name = $1`, second); err != nil {
				return err
			}
			return tx.Append(ctx, store.Event{Kind: "test.group", Actor: "system", Subject: first}, nil)
		}
	}
	errs := make(chan error, 2)
	go func() { errs <- s.InTx(ctx, lockBoth("x", "y", &onceX, xLocked, yLocked)) }()
	go func() { errs <- s.InTx(ctx, lockBoth("y", "x", &onceY, yLocked, xLocked)) }()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("a transaction failed: %v", err)
		}
	}
	var total int
	if err := s.DB().QueryRowContext(ctx, `SELECT SUM(n) FROM scratch`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	if total != 4 {
		t.Fatalf("the rows were updated %d times, want 4 (each transaction once)", total)
	}
}

// TestNextID: transactions in one group reserve ids and write their rows
// later; the ids are distinct, the rows are stored under them, and a row
// the database numbers itself afterwards does not collide with them.
func TestNextID(t *testing.T) {
	eachGrouped(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ddl := `CREATE TABLE numbered (id INTEGER PRIMARY KEY, name TEXT NOT NULL)`
		if s.Dialect() == store.Postgres {
			ddl = `CREATE TABLE numbered (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL)`
		}
		if _, err := s.DB().ExecContext(ctx, ddl); err != nil {
			t.Fatal(err)
		}
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO numbered (name) VALUES ('before')`); err != nil {
			t.Fatal(err)
		}
		ids := make([]int64, 3)
		member := func(i int) func(tx *store.Tx) error {
			return func(tx *store.Tx) error {
				id, err := tx.NextID(ctx, "numbered")
				if err != nil {
					return err
				}
				ids[i] = id
				tx.InsertLater("numbered", []string{"id", "name"}, id, fmt.Sprint("member ", i))
				return tx.Append(ctx, store.Event{Kind: "test.group", Actor: "system", Subject: fmt.Sprint(id)}, nil)
			}
		}
		for i, err := range inOneGroup(t, s, member(0), member(1), member(2)) {
			if err != nil {
				t.Fatalf("member %d: %v", i, err)
			}
		}
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO numbered (name) VALUES ('after')`); err != nil {
			t.Fatalf("the database's own numbering collided with a reserved id: %v", err)
		}
		rows, err := s.DB().QueryContext(ctx, `SELECT id, name FROM numbered ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string]int64{}
		var order []string
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				t.Fatal(err)
			}
			got[name] = id
			order = append(order, name)
		}
		for i, id := range ids {
			if got[fmt.Sprint("member ", i)] != id {
				t.Errorf("member %d reserved %d, stored under %d", i, id, got[fmt.Sprint("member ", i)])
			}
		}
		if len(order) != 5 || order[0] != "before" || order[4] != "after" {
			t.Errorf("rows in id order: %q", order)
		}
	})
}
