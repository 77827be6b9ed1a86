package suggest

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
	"github.com/riverqueue/river"
)

// pairWindow is how soon after the first service the next must be used for
// the two to count as a pair.
const pairWindow = 365 * 24 * time.Hour

// pair is one row of suggest_pairs.
type pair struct {
	first, next string
	people      int
}

// Rebuild recounts co-usage from every case that was not withdrawn: for each
// ordered pair of services (X, Y), how many distinct applicants filed a case
// for X and then, within a year, one for Y. Only pairs seen for at least k
// people are kept; the table is replaced in one transaction, and nothing
// changes (no event) when the counts are the same. It returns how many
// pairs are kept. It is idempotent; operators may run it by hand, and the
// suggest.pairs job runs it periodically.
func (x *Suggester) Rebuild(ctx context.Context) (int, error) {
	const op = "suggest.Rebuild"
	counts, err := x.count(ctx)
	if err != nil {
		return 0, errs.Wrap(op, err)
	}
	var keep []pair
	for key, n := range counts {
		if n >= x.k {
			keep = append(keep, pair{first: key[0], next: key[1], people: n})
		}
	}
	slices.SortFunc(keep, func(a, b pair) int {
		return strings.Compare(a.first+"/"+a.next, b.first+"/"+b.next)
	})
	err = x.s.InTx(ctx, func(tx *store.Tx) error {
		cur, err := readPairs(ctx, tx)
		if err != nil {
			return err
		}
		if slices.Equal(cur, keep) {
			return store.ErrNothingToDo
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM suggest_pairs`); err != nil {
			return err
		}
		for _, p := range keep {
			tx.InsertLater("suggest_pairs", []string{"first_service", "next_service", "people"}, p.first, p.next, p.people)
		}
		return tx.Append(ctx, store.Event{Kind: evRebuilt, Actor: "system"}, map[string]int{"pairs": len(keep), "k": x.k})
	})
	if errors.Is(err, store.ErrNothingToDo) {
		err = nil
	}
	if err != nil {
		return 0, errs.Wrap(op, err)
	}
	return len(keep), nil
}

// count reads the cases, one applicant at a time in order of filing, and
// counts each ordered pair once per applicant.
func (x *Suggester) count(ctx context.Context) (map[[2]string]int, error) {
	rows, err := x.s.Read().QueryContext(ctx, `SELECT applicant, service, submitted_at FROM apply_cases
		WHERE state <> 'withdrawn' ORDER BY applicant, submitted_at, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	counts := map[[2]string]int{}
	type use struct {
		service string
		at      time.Time
	}
	var who string
	var uses []use
	flush := func() {
		seen := map[[2]string]bool{}
		for i, a := range uses {
			for _, b := range uses[i+1:] {
				if b.service == a.service || b.at.Sub(a.at) > pairWindow || !b.at.After(a.at) {
					continue
				}
				seen[[2]string{a.service, b.service}] = true
			}
		}
		for k := range seen {
			counts[k]++
		}
		uses = uses[:0]
	}
	for rows.Next() {
		var applicant, service string
		var at time.Time
		if err := rows.Scan(&applicant, &service, &at); err != nil {
			return nil, err
		}
		if applicant != who {
			flush()
			who = applicant
		}
		uses = append(uses, use{service, at})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	flush()
	return counts, nil
}

// readPairs reads the stored pairs in the order Rebuild writes them.
func readPairs(ctx context.Context, tx *store.Tx) ([]pair, error) {
	rows, err := tx.QueryContext(ctx, `SELECT first_service, next_service, people FROM suggest_pairs`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.first, &p.next, &p.people); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b pair) int {
		return strings.Compare(a.first+"/"+a.next, b.first+"/"+b.next)
	})
	return out, rows.Err()
}

// pairsAfter returns the stored pairs whose first service is one of used,
// with at least k people.
func (x *Suggester) pairsAfter(ctx context.Context, used map[string]bool) ([]pair, error) {
	firsts := make([]string, 0, len(used))
	for s := range used {
		firsts = append(firsts, s)
	}
	slices.Sort(firsts)
	args := make([]any, 0, len(firsts)+1)
	args = append(args, x.k)
	var in strings.Builder
	for i, s := range firsts {
		if i > 0 {
			in.WriteString(", ")
		}
		args = append(args, s)
		in.WriteString("$" + strconv.Itoa(i+2))
	}
	rows, err := x.s.Read().QueryContext(ctx, `SELECT first_service, next_service, people FROM suggest_pairs
		WHERE people >= $1 AND first_service IN (`+in.String()+`) ORDER BY people DESC, next_service, first_service`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.first, &p.next, &p.people); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// pairsArgs is the suggest.pairs job, which River inserts every Every: its
// worker rebuilds the co-usage table.
type pairsArgs struct{}

// Kind names the job.
func (pairsArgs) Kind() string { return "suggest.pairs" }

type pairsWorker struct {
	river.WorkerDefaults[pairsArgs]
	x *Suggester
}

// Work rebuilds the pairs; an error makes River try again later.
func (w *pairsWorker) Work(ctx context.Context, j *river.Job[pairsArgs]) error {
	_, err := w.x.Rebuild(ctx)
	return err
}

// RegisterWorkers adds the co-usage job and its schedule to the store. Call
// it once, before store.StartJobs.
func (x *Suggester) RegisterWorkers() {
	river.AddWorker(x.s.Workers(), &pairsWorker{x: x})
	x.s.Every(x.every, func() river.JobArgs { return pairsArgs{} })
}
