package catalog

import (
	"context"
	"errors"
	"time"

	"github.com/panjare/panjare/internal/store"
	"github.com/riverqueue/river"
)

// ReviewAfter is how long a published record stays current before its
// agency is asked to review it.
const ReviewAfter = 365 * 24 * time.Hour

// reviewArgs is the catalog.review job: a reminder that version Version of
// service ServiceKey has been published for a year. It is unique by its
// arguments, so each publication schedules exactly one.
type reviewArgs struct {
	ServiceKey int64 `json:"service_key"`
	Version    int   `json:"version"`
}

// Kind names the job.
func (reviewArgs) Kind() string { return "catalog.review" }

// enqueueReview schedules the review of a publication, in the publishing
// transaction.
func enqueueReview(ctx context.Context, tx *store.Tx, key int64, version int, at time.Time) error {
	return tx.Enqueue(ctx, reviewArgs{ServiceKey: key, Version: version}, &river.InsertOpts{
		ScheduledAt: at,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	})
}

// reviewWorker marks a service as due for review.
type reviewWorker struct {
	river.WorkerDefaults[reviewArgs]
	c *Catalog
}

// Work marks the service; it is idempotent.
func (w *reviewWorker) Work(ctx context.Context, j *river.Job[reviewArgs]) error {
	return w.c.markReviewDue(ctx, j.Args.ServiceKey, j.Args.Version)
}

// RegisterWorkers adds catalog's job workers to the store. Call it once,
// before store.StartJobs.
func (c *Catalog) RegisterWorkers() {
	river.AddWorker(c.s.Workers(), &reviewWorker{c: c})
}

// markReviewDue marks service key as needing review and appends
// catalog.service.review_due, unless version is no longer the published one
// (the service was published again since, and that publication scheduled its
// own review, or it was retired) or the mark is already there.
func (c *Catalog) markReviewDue(ctx context.Context, key int64, version int) error {
	var id string
	err := c.s.InTx(ctx, func(tx *store.Tx) error {
		row, err := lockService(ctx, tx, "catalog.review", key, "")
		if err != nil {
			return err
		}
		var due bool
		if err := tx.QueryRowContext(ctx, `SELECT needs_review FROM catalog_services WHERE id = $1`, key).Scan(&due); err != nil {
			return err
		}
		if row.status != Published || row.publishedVersion != version || due {
			return store.ErrNothingToDo
		}
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_services SET needs_review = $1 WHERE id = $2`, true, key); err != nil {
			return err
		}
		id = row.identifier.String
		err = tx.Append(ctx, store.Event{Kind: evReviewDue, Actor: "system", Agency: row.agency, Service: id},
			map[string]any{"key": key, "version": version})
		return err
	})
	if errors.Is(err, store.ErrNothingToDo) {
		return nil
	}
	if err == nil {
		c.indexed(ctx, id)
	}
	return err
}
