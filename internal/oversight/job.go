package oversight

import (
	"context"

	"github.com/riverqueue/river"

	"github.com/panjare/panjare/internal/errs"
)

// reportArgs is the oversight.report job, which River inserts every
// Options.Every: its worker builds the previous Jalali month's report once
// that month has been over for Options.Grace, unless it is archived.
type reportArgs struct{}

// Kind names the job.
func (reportArgs) Kind() string { return "oversight.report" }

type reportWorker struct {
	river.WorkerDefaults[reportArgs]
	o *Oversight
}

// Work builds the due report; an error makes River try again later.
func (w *reportWorker) Work(ctx context.Context, j *river.Job[reportArgs]) error {
	_, _, err := w.o.BuildDue(ctx)
	return err
}

// RegisterWorkers adds the monthly report job and its schedule to the
// store. Call it once, before store.StartJobs.
func (o *Oversight) RegisterWorkers() {
	river.AddWorker(o.s.Workers(), &reportWorker{o: o})
	o.s.Every(o.every, func() river.JobArgs { return reportArgs{} })
}

// BuildDue builds the previous month's report if it is due (the month has
// been over for the grace period) and not yet archived. It returns the
// month it looked at and whether it built it now. Every node may run it:
// the archive's month key keeps one report a month.
func (o *Oversight) BuildDue(ctx context.Context) (month string, built bool, err error) {
	now := o.s.Now()
	prev := monthOf(now.Add(-o.grace)).add(-1)
	month = prev.String()
	if _, err := o.Report(ctx, month); err == nil {
		return month, false, nil
	} else if !errs.Is(err, errs.NotFound) {
		return month, false, err
	}
	if _, err := o.Build(ctx, month); err != nil {
		return month, false, err
	}
	return month, true, nil
}
