package oversight

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations returns the oversight tables' migrations (set "oversight").
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrationsFS, "migrations")
	return store.MigrationSet{Name: "oversight", FS: sub}
}

// Figures is what oversight reads from the KPIs; *kpi.KPI has it.
type Figures interface {
	Get(ctx context.Context, key kpi.Key) (kpi.Figures, error)
	By(ctx context.Context, key kpi.Key, dim string) ([]kpi.Figures, error)
	Months(ctx context.Context) ([]string, error)
	Export(ctx context.Context, months []string) (kpi.Document, error)
	CatchUp(ctx context.Context) error
}

// Signer signs a report's digests as a signed note; *ledger.Ledger has it.
type Signer interface {
	Sign(text string) ([]byte, error)
}

// Options assemble an Oversight.
type Options struct {
	Store   *store.Store
	KPI     Figures
	Signer  Signer           // the ledger, whose key signs the reports
	Catalog *catalog.Catalog // agency and province names; nil prints codes
	Fonts   *permit.LazyFonts
	Config  Config
	Log     *slog.Logger
	// Grace is how long after a month ends the job waits before building
	// its report, so that the month's last events are sealed and counted
	// (default 10 minutes).
	Grace time.Duration
	// Every is how often the job looks for a month without its report
	// (default 10 minutes).
	Every time.Duration
}

// Oversight is the targets, the rankings and the monthly reports.
type Oversight struct {
	s       *store.Store
	k       Figures
	signer  Signer
	cat     *catalog.Catalog
	fonts   *permit.LazyFonts
	cfg     Config
	log     *slog.Logger
	grace   time.Duration
	every   time.Duration
	methodA Method
	methodP Method
}

// New returns the oversight service. The configuration must be valid.
func New(opt Options) (*Oversight, error) {
	if opt.Store == nil || opt.KPI == nil || opt.Signer == nil {
		return nil, errors.New("oversight.New: a store, the KPIs and a signer are needed")
	}
	if err := opt.Config.Validate(); err != nil {
		return nil, err
	}
	o := &Oversight{s: opt.Store, k: opt.KPI, signer: opt.Signer, cat: opt.Catalog, fonts: opt.Fonts, cfg: opt.Config,
		log: opt.Log, grace: opt.Grace, every: opt.Every}
	if o.log == nil {
		o.log = slog.Default()
	}
	if o.fonts == nil {
		o.fonts = permit.NewLazyFonts(nil)
	}
	if o.grace <= 0 {
		o.grace = 10 * time.Minute
	}
	if o.every <= 0 {
		o.every = 10 * time.Minute
	}
	o.methodA, o.methodP = MethodFor(o.cfg, ByAgency), MethodFor(o.cfg, ByProvince)
	return o, nil
}

// Config returns the configuration in force.
func (o *Oversight) Config() Config { return o.cfg }

// Method returns the published ranking method for by (ByAgency or
// ByProvince).
func (o *Oversight) Method(by string) Method {
	if by == ByProvince {
		return o.methodP
	}
	return o.methodA
}

// Progress returns the country's progress (first, Agency "") and each
// agency's that has figures in month, in agency code order.
func (o *Oversight) Progress(ctx context.Context, monthText string) ([]Progress, error) {
	const op = "oversight.Progress"
	m, err := parseMonth(op, monthText)
	if err != nil {
		return nil, err
	}
	h, err := o.history(ctx, m)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	return o.progress(h, m)
}

// progress computes Progress from a history.
func (o *Oversight) progress(h history, m month) ([]Progress, error) {
	national, err := Targets(o.cfg, h.national, m.String())
	if err != nil {
		return nil, err
	}
	out := []Progress{national}
	for _, a := range h.agencies {
		p, err := Targets(o.cfg, h.byAgency[a], m.String())
		if err != nil {
			return nil, err
		}
		p.Agency = a
		out = append(out, p)
	}
	return out, nil
}

// history is the figures the targets of a month are judged on: the
// country's and each agency's, month by month, up to that month.
type history struct {
	national []kpi.Figures
	byAgency map[string][]kpi.Figures
	agencies []string // those with figures in the month, in code order
}

// history reads the figures of every month up to m that has any, and of
// the months of m's trend window and the base year's last month even when
// no event at all happened in them (their catalogue is still there: it is
// the state at the month's end). It reads each month once for the country
// and once for all agencies, whatever the number of agencies.
func (o *Oversight) history(ctx context.Context, m month) (history, error) {
	h := history{byAgency: map[string][]kpi.Figures{}}
	listed, err := o.k.Months(ctx)
	if err != nil {
		return h, err
	}
	idx := map[int]bool{}
	for _, s := range listed {
		if x, err := parseMonth("", s); err == nil && x.idx() <= m.idx() {
			idx[x.idx()] = true
		}
	}
	if b := (month{o.cfg.BaseYear, 12}); b.idx() <= m.idx() {
		idx[b.idx()] = true
	}
	for i := 0; i < trendMonths; i++ {
		idx[m.idx()-i] = true
	}
	order := make([]int, 0, len(idx))
	for i := range idx {
		order = append(order, i)
	}
	sort.Ints(order)
	for _, i := range order {
		mm := fromIdx(i).String()
		nat, err := o.k.Get(ctx, kpi.Key{Month: mm})
		if err != nil {
			return h, err
		}
		h.national = append(h.national, nat)
		agencies, err := o.k.By(ctx, kpi.Key{Month: mm}, "agency")
		if err != nil {
			return h, err
		}
		for _, a := range agencies {
			if a.Agency == "" {
				continue
			}
			h.byAgency[a.Agency] = append(h.byAgency[a.Agency], a)
			if i == m.idx() {
				h.agencies = append(h.agencies, a.Agency)
			}
		}
	}
	return h, nil
}

// Rankings returns month's ranking of agencies and of provinces.
func (o *Oversight) Rankings(ctx context.Context, monthText string) (agencies, provinces []Ranked, err error) {
	const op = "oversight.Rankings"
	m, err := parseMonth(op, monthText)
	if err != nil {
		return nil, nil, err
	}
	af, err := o.k.By(ctx, kpi.Key{Month: m.String()}, "agency")
	if err != nil {
		return nil, nil, errs.Wrap(op, err)
	}
	pf, err := o.k.By(ctx, kpi.Key{Month: m.String()}, "province")
	if err != nil {
		return nil, nil, errs.Wrap(op, err)
	}
	return Rank(m.String(), af, o.cfg, ByAgency), Rank(m.String(), pf, o.cfg, ByProvince), nil
}

// errNotEnded is the error for a report asked for a month that has not
// ended yet.
func errNotEnded(op, m string) error {
	return errs.E(op, errs.Invalid,
		fmt.Sprintf("the report of %s cannot be built before the month has ended", MonthNameEn(m)),
		fmt.Sprintf("گزارش %s پیش از پایان آن ماه ساخته نمی‌شود", MonthName(m)))
}

// Ended reports whether month has ended at now; a malformed month is an
// Invalid error.
func Ended(monthText string, now time.Time) (bool, error) {
	m, err := parseMonth("oversight.Ended", monthText)
	if err != nil {
		return false, err
	}
	return !now.Before(m.end()), nil
}

// Build builds, signs and archives month's report, as the system.
func (o *Oversight) Build(ctx context.Context, monthText string) (Report, error) {
	return o.BuildBy(ctx, monthText, "system")
}

// BuildBy builds month's report for actor (who is named in the
// oversight.report.published event). A month not yet ended, or malformed,
// is Invalid. A month already built is returned as archived: building is
// idempotent, and two nodes building at once archive one report.
func (o *Oversight) BuildBy(ctx context.Context, monthText, actor string) (Report, error) {
	const op = "oversight.Build"
	m, err := parseMonth(op, monthText)
	if err != nil {
		return Report{}, err
	}
	if o.s.Now().Before(m.end()) {
		return Report{}, errNotEnded(op, m.String())
	}
	if r, err := o.Report(ctx, m.String()); err == nil {
		return r, nil
	} else if !errs.Is(err, errs.NotFound) {
		return Report{}, err
	}
	if err := o.k.CatchUp(ctx); err != nil {
		return Report{}, errs.Wrap(op, err)
	}
	r, err := o.render(ctx, m)
	if err != nil {
		return Report{}, err
	}
	r.HTMLSHA256, r.PDFSHA256, r.FiguresSHA256 = digest(r.HTML), digest(r.PDF), digest(r.Figures)
	if r.Signature, err = o.signer.Sign(SignedText(r.ReportInfo)); err != nil {
		return Report{}, errs.Wrap(op, err)
	}
	err = o.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO oversight_reports
			(month, html, pdf, figures, signature, html_sha256, pdf_sha256, figures_sha256, built_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (month) DO NOTHING`,
			r.Month, r.HTML, r.PDF, r.Figures, string(r.Signature), r.HTMLSHA256, r.PDFSHA256, r.FiguresSHA256, r.BuiltAt)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return store.ErrNothingToDo // another node built it first
		}
		return tx.Append(ctx, store.Event{Kind: "oversight.report.published", Actor: actor}, map[string]string{
			"month": r.Month, "html_sha256": r.HTMLSHA256, "pdf_sha256": r.PDFSHA256, "figures_sha256": r.FiguresSHA256})
	})
	if errors.Is(err, store.ErrNothingToDo) {
		return o.Report(ctx, m.String())
	}
	if err != nil {
		return Report{}, errs.Wrap(op, err)
	}
	o.log.Info("oversight report published", "month", r.Month, "html_sha256", r.HTMLSHA256)
	return r, nil
}

// SignedText is the text a report's signature signs: its month and the
// SHA-256 of each of its documents, in hex.
func SignedText(r ReportInfo) string {
	return fmt.Sprintf("panjare report %s\nsha256 html %s\nsha256 pdf %s\nsha256 figures %s\n",
		r.Month, r.HTMLSHA256, r.PDFSHA256, r.FiguresSHA256)
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Reports lists the archived reports, the latest month first.
func (o *Oversight) Reports(ctx context.Context) ([]ReportInfo, error) {
	rows, err := o.s.Read().QueryContext(ctx, `SELECT month, built_at, html_sha256, pdf_sha256, figures_sha256
		FROM oversight_reports ORDER BY month DESC`)
	if err != nil {
		return nil, errs.Wrap("oversight.Reports", err)
	}
	defer rows.Close()
	var out []ReportInfo
	for rows.Next() {
		var r ReportInfo
		if err := rows.Scan(&r.Month, &r.BuiltAt, &r.HTMLSHA256, &r.PDFSHA256, &r.FiguresSHA256); err != nil {
			return nil, errs.Wrap("oversight.Reports", err)
		}
		out = append(out, r)
	}
	return out, errs.Wrap("oversight.Reports", rows.Err())
}

// Report returns month's archived report: NotFound when it has not been
// built, Invalid when month is malformed.
func (o *Oversight) Report(ctx context.Context, monthText string) (Report, error) {
	const op = "oversight.Report"
	m, err := parseMonth(op, monthText)
	if err != nil {
		return Report{}, err
	}
	var r Report
	var sig string
	err = o.s.Read().QueryRowContext(ctx, `SELECT month, built_at, html_sha256, pdf_sha256, figures_sha256, html, pdf, figures, signature
		FROM oversight_reports WHERE month = $1`, m.String()).
		Scan(&r.Month, &r.BuiltAt, &r.HTMLSHA256, &r.PDFSHA256, &r.FiguresSHA256, &r.HTML, &r.PDF, &r.Figures, &sig)
	if errors.Is(err, sql.ErrNoRows) {
		return Report{}, errs.E(op, errs.NotFound,
			fmt.Sprintf("the report of %s has not been built", MonthNameEn(m.String())),
			fmt.Sprintf("گزارش %s هنوز ساخته نشده است", MonthName(m.String())))
	}
	if err != nil {
		return Report{}, errs.Wrap(op, err)
	}
	r.Signature = []byte(sig)
	r.BuiltAt = r.BuiltAt.UTC()
	return r, nil
}
