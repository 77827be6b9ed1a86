package kpi

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// where returns the conditions that select, in kpi_groups (or, without the
// region parts, kpi_catalog), the rows of key, grouped by dim when dim is
// not "". A part the key leaves empty selects the rows that sum over it
// (”), except that a service's rows are summed over every agency, and a
// city's over every province, since those rows already name one each.
func where(key Key, dim string, regions bool) (string, []any) {
	var conds []string
	var args []any
	eq := func(col, v string) {
		args = append(args, v)
		conds = append(conds, col+" = $"+strconv.Itoa(len(args)))
	}
	args = append(args, key.Month)
	switch {
	case key.Agency != "":
		eq("agency", key.Agency)
	case dim == DimAgency:
		conds = append(conds, "agency <> ''")
	case key.Service != "" || dim == DimService:
	default:
		conds = append(conds, "agency = ''")
	}
	switch {
	case key.Service != "":
		eq("service", key.Service)
	case dim == DimService:
		conds = append(conds, "service <> ''")
	default:
		conds = append(conds, "service = ''")
	}
	if regions {
		switch {
		case key.Province != "":
			eq("province", key.Province)
		case dim == DimProvince:
			conds = append(conds, "province <> ''")
		case key.City != "" || dim == DimCity:
		default:
			conds = append(conds, "province = ''")
		}
		switch {
		case key.City != "":
			eq("city", key.City)
		case dim == DimCity:
			conds = append(conds, "city <> ''")
		default:
			conds = append(conds, "city = ''")
		}
	}
	return strings.Join(conds, " AND "), args
}

// acc sums rows of kpi_groups into one group's figures.
type acc struct {
	c               [nCounters]int64
	hours, promised [][]byte // the rows' histograms, merged when read
}

func (a *acc) figures(f *Figures) {
	f.Started, f.Completed = int(a.c[cStarted]), int(a.c[cCompleted])
	f.Submitted, f.Decided, f.DecidedAuto = int(a.c[cSubmitted]), int(a.c[cDecided]), int(a.c[cDecidedAuto])
	f.Overturned, f.OnTime = int(a.c[cOverturned]), int(a.c[cOnTime])
	f.Ratings, f.RatingSum, f.Complaints = int(a.c[cRatings]), int(a.c[cRatingSum]), int(a.c[cComplaints])
	f.Online, f.Counter = int(a.c[cOnline]), int(a.c[cCounter])
	hours := mergeBlobs(a.hours)
	f.HoursP50, f.HoursP90 = hours.percentile(50), hours.percentile(90)
	f.PromisedP50 = mergeBlobs(a.promised).percentile(50)
	f.Funnel = !f.Key.Regional()
	if !f.Funnel {
		f.Started, f.Completed = 0, 0
	}
}

// querier is a pool or a read transaction (Export reads in one).
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// counts reads the groups of key, by dim ("" for one group).
func counts(ctx context.Context, db querier, key Key, dim string) (map[string]*acc, error) {
	cond, args := where(key, dim, true)
	col := "''"
	if dim != "" {
		col = dim
	}
	rows, err := db.QueryContext(ctx, `SELECT `+col+`, `+strings.Join(counterColumns[:], ", ")+`, hours, promised
		FROM kpi_groups WHERE month = $1 AND `+cond, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*acc{}
	for rows.Next() {
		var v string
		var c [nCounters]int64
		var hours, promised []byte
		dest := []any{&v}
		for i := range c {
			dest = append(dest, &c[i])
		}
		if err := rows.Scan(append(dest, &hours, &promised)...); err != nil {
			return nil, err
		}
		a := out[v]
		if a == nil {
			a = &acc{}
			out[v] = a
		}
		for i := range c {
			a.c[i] += c[i]
		}
		a.hours, a.promised = append(a.hours, hours), append(a.promised, promised)
	}
	return out, rows.Err()
}

// catalogue reads the live services by level at the end of key's month,
// by dim when it is "agency" or "service" (regions do not split it).
func catalogue(ctx context.Context, db querier, key Key, dim string) (map[string]*[6]int, error) {
	if dim != DimAgency && dim != DimService {
		dim = ""
	}
	cond, args := where(key, dim, false)
	col, group := "''", "level"
	if dim != "" {
		col, group = dim, dim+", level"
	}
	rows, err := db.QueryContext(ctx, `SELECT `+col+`, level, SUM(n) FROM kpi_catalog
		WHERE month <= $1 AND `+cond+` GROUP BY `+group, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*[6]int{}
	for rows.Next() {
		var v string
		var level int
		var n int64
		if err := rows.Scan(&v, &level, &n); err != nil {
			return nil, err
		}
		if level < 0 || level > 5 || n == 0 {
			continue
		}
		if out[v] == nil {
			out[v] = &[6]int{}
		}
		out[v][level] += int(n)
	}
	return out, rows.Err()
}

func setLevels(f *Figures, by *[6]int) {
	if by == nil {
		return
	}
	f.ByLevel = *by
	f.Services, f.FullyElectronic, f.Smart = 0, 0, 0
	for l, n := range by {
		f.Services += n
		if l >= 2 {
			f.FullyElectronic += n
		}
		if l >= 3 {
			f.Smart += n
		}
	}
}

// Get returns the figures of key's group. A group nothing happened in has
// zeros. Errors: Invalid for a month not written YYYY-MM.
func (k *KPI) Get(ctx context.Context, key Key) (Figures, error) {
	return get(ctx, k.s.Read(), key)
}

func get(ctx context.Context, db querier, key Key) (Figures, error) {
	const op = "kpi.Get"
	if err := key.Validate(); err != nil {
		return Figures{}, err
	}
	f := Figures{Key: key}
	accs, err := counts(ctx, db, key, "")
	if err != nil {
		return Figures{}, errs.Wrap(op, err)
	}
	a := accs[""]
	if a == nil {
		a = &acc{}
	}
	a.figures(&f)
	cat, err := catalogue(ctx, db, key, "")
	if err != nil {
		return Figures{}, errs.Wrap(op, err)
	}
	setLevels(&f, cat[""])
	return f, nil
}

// By returns the figures of each value of dim within key: each agency,
// service, province or city that has any figure in key's month, or each
// month that has any figure; ordered by value. Errors: Invalid for an
// unknown dim or a month not written YYYY-MM (any month for "month").
func (k *KPI) By(ctx context.Context, key Key, dim string) ([]Figures, error) {
	return by(ctx, k.s.Read(), key, dim)
}

func by(ctx context.Context, db querier, key Key, dim string) ([]Figures, error) {
	const op = "kpi.By"
	switch dim {
	case DimAgency, DimService, DimProvince, DimCity:
	case DimMonth:
		ms, err := months(ctx, db)
		if err != nil {
			return nil, err
		}
		out := make([]Figures, 0, len(ms))
		for _, m := range ms {
			key.Month = m
			f, err := get(ctx, db, key)
			if err != nil {
				return nil, err
			}
			out = append(out, f)
		}
		return out, nil
	default:
		return nil, errs.E(op, errs.Invalid, fmt.Sprintf("figures cannot be grouped by %q: use agency, service, province, city or month", dim),
			fmt.Sprintf("شاخص‌ها را نمی‌توان بر پایهٔ «%s» گروه‌بندی کرد؛ یکی از agency، service، province، city یا month را به کار ببرید", dim))
	}
	if err := key.Validate(); err != nil {
		return nil, err
	}
	accs, err := counts(ctx, db, key, dim)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	cat, err := catalogue(ctx, db, key, dim)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	values := make([]string, 0, len(accs)+len(cat))
	for v := range accs {
		values = append(values, v)
	}
	if dim == DimAgency || dim == DimService {
		for v := range cat {
			if accs[v] == nil {
				values = append(values, v)
			}
		}
	}
	slices.Sort(values)
	out := make([]Figures, 0, len(values))
	for _, v := range values {
		f := Figures{Key: key}
		switch dim {
		case DimAgency:
			f.Agency = v
		case DimService:
			f.Service = v
		case DimProvince:
			f.Province = v
		case DimCity:
			f.City = v
		}
		a := accs[v]
		if a == nil {
			a = &acc{}
		}
		a.figures(&f)
		if dim == DimAgency || dim == DimService {
			setLevels(&f, cat[v])
		} else {
			setLevels(&f, cat[""])
		}
		out = append(out, f)
	}
	return out, nil
}

// Months returns the months that have any figure, oldest first.
func (k *KPI) Months(ctx context.Context) ([]string, error) { return months(ctx, k.s.Read()) }

func months(ctx context.Context, db querier) ([]string, error) {
	rows, err := db.QueryContext(ctx, `SELECT month FROM kpi_months ORDER BY month`)
	if err != nil {
		return nil, errs.Wrap("kpi.Months", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			return nil, errs.Wrap("kpi.Months", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Providers returns each data provider's inquiries in month, by member.
// Errors: Invalid for a month not written YYYY-MM.
func (k *KPI) Providers(ctx context.Context, month string) ([]Provider, error) {
	return providers(ctx, k.s.Read(), month)
}

func providers(ctx context.Context, db querier, month string) ([]Provider, error) {
	const op = "kpi.Providers"
	if err := validMonth(op, month); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, `SELECT provider, inquiries, succeeded, latency FROM kpi_providers
		WHERE month = $1 ORDER BY provider`, month)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	out := []Provider{}
	for rows.Next() {
		p := Provider{Month: month}
		var n, ok int64
		var lat []byte
		if err := rows.Scan(&p.Provider, &n, &ok, &lat); err != nil {
			return nil, errs.Wrap(op, err)
		}
		h := mergeBlobs([][]byte{lat})
		p.Inquiries, p.Succeeded = int(n), int(ok)
		p.LatencyP50, p.LatencyP90 = h.percentile(50), h.percentile(90)
		out = append(out, p)
	}
	return out, rows.Err()
}

// Export returns the figures of months (every month when none is given):
// for each, the national group, each agency, service, province and city,
// and the providers.
func (k *KPI) Export(ctx context.Context, ms []string) (Document, error) {
	const op = "kpi.Export"
	for _, m := range ms {
		if err := validMonth(op, m); err != nil {
			return Document{}, err
		}
	}
	// One read transaction, so that the figures are those of one moment:
	// the events up to the source's Through, no more.
	opts := &sql.TxOptions{ReadOnly: true}
	if k.s.Dialect() == store.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := k.s.Read().BeginTx(ctx, opts)
	if err != nil {
		return Document{}, errs.Wrap(op, err)
	}
	defer tx.Rollback()
	src, err := source(ctx, tx)
	if err != nil {
		return Document{}, err
	}
	if ms == nil {
		if ms, err = months(ctx, tx); err != nil {
			return Document{}, err
		}
	}
	doc := Document{Version: 1, Source: src, Figures: []Figures{}, Providers: []Provider{}}
	for _, m := range ms {
		f, err := get(ctx, tx, Key{Month: m})
		if err != nil {
			return Document{}, err
		}
		doc.Figures = append(doc.Figures, f)
		for _, dim := range []string{DimAgency, DimService, DimProvince, DimCity} {
			fs, err := by(ctx, tx, Key{Month: m}, dim)
			if err != nil {
				return Document{}, err
			}
			doc.Figures = append(doc.Figures, fs...)
		}
		ps, err := providers(ctx, tx, m)
		if err != nil {
			return Document{}, err
		}
		doc.Providers = append(doc.Providers, ps...)
	}
	return doc, nil
}
