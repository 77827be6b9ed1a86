package catalog

import (
	"context"
	"database/sql"
	"errors"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/agencycode"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

var (
	regionCodeRE = regexp.MustCompile(`^[A-Z]{2,4}(-[0-9]{2,3})?$`)
)

// PutAgency creates or updates an agency. Only platform admins may do it.
func (c *Catalog) PutAgency(ctx context.Context, p identity.Principal, a Agency) error {
	const op = "catalog.PutAgency"
	if !p.Has(identity.RolePlatformAdmin) {
		return errs.E(op, errs.Forbidden, "only platform administrators may register agencies",
			"فقط مدیران سامانه می‌توانند دستگاه‌ها را ثبت کنند.")
	}
	a.Code = strings.ToUpper(strings.TrimSpace(a.Code))
	a.Parent = strings.ToUpper(strings.TrimSpace(a.Parent))
	a.NameFa = persian.Clean(a.NameFa)
	a.NameEn = persian.Clean(a.NameEn)
	a.Description = persian.Clean(a.Description)
	a.Website = strings.TrimSpace(a.Website)
	if fields := checkAgency(a); len(fields) > 0 {
		return invalid(op, fields)
	}
	var oldDomain string
	err := c.s.InTx(ctx, func(tx *store.Tx) error {
		if a.Parent != "" {
			ok, err := agencyExists(ctx, tx, a.Parent)
			if err != nil {
				return err
			}
			if !ok {
				return invalid(op, []errs.FieldError{{Field: "parent",
					Fa: "دستگاه مادر ثبت نشده است.", En: "the parent agency is not registered"}})
			}
		}
		err := tx.QueryRowContext(ctx, `SELECT domain FROM catalog_agencies WHERE code = $1`, a.Code).Scan(&oldDomain)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := c.s.Now()
		_, err = tx.ExecContext(ctx, `INSERT INTO catalog_agencies
			(code, name_fa, name_en, parent, domain, connected, website, description_fa, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
			ON CONFLICT (code) DO UPDATE SET name_fa = excluded.name_fa, name_en = excluded.name_en,
				parent = excluded.parent, domain = excluded.domain, connected = excluded.connected,
				website = excluded.website, description_fa = excluded.description_fa, updated_at = excluded.updated_at`,
			a.Code, a.NameFa, a.NameEn, a.Parent, string(a.Domain), a.Connected, a.Website, a.Description, now)
		if err != nil {
			return err
		}
		// Service.Domain is the competent agency's domain.
		if oldDomain != "" && oldDomain != string(a.Domain) {
			if _, err := tx.ExecContext(ctx, `UPDATE catalog_services SET domain = $1 WHERE agency = $2`, string(a.Domain), a.Code); err != nil {
				return err
			}
		}
		err = tx.Append(ctx, store.Event{Kind: evAgencySaved, Actor: p.Actor(), Agency: a.Code},
			map[string]any{"created": oldDomain == "", "domain": a.Domain, "connected": a.Connected})
		return err
	})
	if err != nil {
		return errs.Wrap(op+" "+a.Code, err)
	}
	c.agencyChanged(ctx, a, oldDomain != "" && oldDomain != string(a.Domain))
	return nil
}

// agencyChanged brings this node's index in step with a saved agency: its
// names, and, when its domain changed, its services (Service.Domain is the
// agency's domain). It runs after PutAgency commits here, and from Follow
// for agencies saved on other nodes.
func (c *Catalog) agencyChanged(ctx context.Context, a Agency, domainChanged bool) {
	if ai, ok := c.idx.(agencyIndex); ok {
		if err := ai.SetAgencies([]Agency{a}); err != nil {
			c.log.Warn("catalog: giving the search index an agency's names", "agency", a.Code, "err", err)
		}
	}
	if domainChanged {
		c.reindexAgency(ctx, a.Code)
	}
}

// reindexAgency refreshes the indexed services of one agency, after its
// domain changed.
func (c *Catalog) reindexAgency(ctx context.Context, code string) {
	rows, err := c.s.Read().QueryContext(ctx, `SELECT identifier FROM catalog_services WHERE agency = $1 AND status = 'published'`, code)
	if err != nil {
		c.log.Warn("catalog: reindexing agency", "agency", code, "err", err)
		return
	}
	var ids []string
	for rows.Next() {
		var id string
		if rows.Scan(&id) == nil {
			ids = append(ids, id)
		}
	}
	rows.Close()
	for _, id := range ids {
		c.indexed(ctx, id)
	}
}

func checkAgency(a Agency) []errs.FieldError {
	var f []errs.FieldError
	if !agencycode.Valid(a.Code) {
		f = append(f, errs.FieldError{Field: "code",
			Fa: "کد دستگاه باید " + agencycode.RuleFa + " باشد.",
			En: "the agency code must be " + agencycode.RuleEn})
	}
	if a.NameFa == "" || utf8.RuneCountInString(a.NameFa) > 200 {
		f = append(f, errs.FieldError{Field: "name_fa", Fa: "نام فارسی دستگاه لازم است (حداکثر ۲۰۰ نویسه).",
			En: "the Persian name is required (at most 200 characters)"})
	}
	if utf8.RuneCountInString(a.NameEn) > 200 {
		f = append(f, errs.FieldError{Field: "name_en", Fa: "نام انگلیسی حداکثر ۲۰۰ نویسه است.", En: "the English name is at most 200 characters"})
	}
	if _, ok := LabelOf(Domains, string(a.Domain)); !ok {
		f = append(f, errs.FieldError{Field: "domain", Fa: "حوزهٔ دستگاه شناخته‌شده نیست.", En: "unknown domain"})
	}
	if a.Parent != "" && a.Parent == a.Code {
		f = append(f, errs.FieldError{Field: "parent", Fa: "دستگاه نمی‌تواند مادر خودش باشد.", En: "an agency cannot be its own parent"})
	}
	if a.Website != "" && !validURL(a.Website) {
		f = append(f, errs.FieldError{Field: "website", Fa: "نشانی وب‌گاه باید با http:// یا https:// شروع شود.", En: "the website must be an http:// or https:// URL"})
	}
	if utf8.RuneCountInString(a.Description) > 4000 {
		f = append(f, errs.FieldError{Field: "description_fa", Fa: "توضیح حداکثر ۴۰۰۰ نویسه است.", En: "the description is at most 4000 characters"})
	}
	return f
}

// Agency returns the agency with the given code.
func (c *Catalog) Agency(ctx context.Context, code string) (Agency, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	list, err := c.queryAgencies(ctx, ` WHERE code = $1`, code)
	if err != nil {
		return Agency{}, errs.Wrap("catalog.Agency "+code, err)
	}
	if len(list) == 0 {
		return Agency{}, errs.NotFoundf("catalog.Agency", "agency "+code, "دستگاه")
	}
	return list[0], nil
}

// Agencies returns every agency, ordered by domain (in the order of Domains)
// and then by Persian name.
func (c *Catalog) Agencies(ctx context.Context) ([]Agency, error) {
	list, err := c.queryAgencies(ctx, "")
	if err != nil {
		return nil, errs.Wrap("catalog.Agencies", err)
	}
	order := map[Domain]int{}
	for i, d := range Domains {
		order[Domain(d.Code)] = i
	}
	sort.SliceStable(list, func(i, j int) bool {
		if di, dj := order[list[i].Domain], order[list[j].Domain]; di != dj {
			return di < dj
		}
		return persianLess(list[i].NameFa, list[j].NameFa)
	})
	return list, nil
}

func (c *Catalog) queryAgencies(ctx context.Context, where string, args ...any) ([]Agency, error) {
	rows, err := c.s.Read().QueryContext(ctx, `SELECT code, name_fa, name_en, parent, domain, connected, website, description_fa
		FROM catalog_agencies`+where+` ORDER BY code`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Agency
	for rows.Next() {
		var a Agency
		var d string
		if err := rows.Scan(&a.Code, &a.NameFa, &a.NameEn, &a.Parent, &d, &a.Connected, &a.Website, &a.Description); err != nil {
			return nil, err
		}
		a.Domain = Domain(d)
		out = append(out, a)
	}
	return out, rows.Err()
}

// agencyExists reports whether code is a registered agency, inside tx.
func agencyExists(ctx context.Context, tx *store.Tx, code string) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_agencies WHERE code = $1`, code).Scan(&n)
	return n > 0, err
}

// agencyDomain returns the domain of agency code inside tx, and whether it exists.
func agencyDomain(ctx context.Context, tx *store.Tx, code string) (Domain, bool, error) {
	var d string
	err := tx.QueryRowContext(ctx, `SELECT domain FROM catalog_agencies WHERE code = $1`, code).Scan(&d)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return Domain(d), err == nil, err
}

// PutRegion creates or updates a province or city. Only platform admins may
// do it; a city's province must exist first.
func (c *Catalog) PutRegion(ctx context.Context, p identity.Principal, r Region) error {
	const op = "catalog.PutRegion"
	if !p.Has(identity.RolePlatformAdmin) {
		return errs.E(op, errs.Forbidden, "only platform administrators may register regions",
			"فقط مدیران سامانه می‌توانند استان‌ها و شهرها را ثبت کنند.")
	}
	r.Code = strings.ToUpper(strings.TrimSpace(r.Code))
	r.Province = strings.ToUpper(strings.TrimSpace(r.Province))
	r.NameFa = persian.Clean(r.NameFa)
	r.NameEn = persian.Clean(r.NameEn)
	var f []errs.FieldError
	if !regionCodeRE.MatchString(r.Code) {
		f = append(f, errs.FieldError{Field: "code", Fa: "کد منطقه نامعتبر است؛ نمونه: THR برای استان و THR-01 برای شهر.",
			En: "invalid region code; e.g. THR for a province and THR-01 for a city"})
	}
	if r.NameFa == "" || utf8.RuneCountInString(r.NameFa) > 100 {
		f = append(f, errs.FieldError{Field: "name_fa", Fa: "نام فارسی لازم است (حداکثر ۱۰۰ نویسه).", En: "the Persian name is required (at most 100 characters)"})
	}
	switch r.Kind {
	case Province:
		if r.Province != "" || r.Capital || r.Pilot {
			f = append(f, errs.FieldError{Field: "kind", Fa: "برای استان نباید استان مادر، مرکز استان یا شهر هدف تعیین شود.",
				En: "a province has no province, capital or pilot flag"})
		}
	case City:
		if r.Province == "" {
			f = append(f, errs.FieldError{Field: "province", Fa: "استانِ شهر را مشخص کنید.", En: "a city needs its province"})
		} else if !strings.HasPrefix(r.Code, r.Province+"-") {
			f = append(f, errs.FieldError{Field: "code", Fa: "کد شهر باید با کد استانش شروع شود، مانند THR-01.",
				En: "a city's code must start with its province's code, e.g. THR-01"})
		}
	default:
		f = append(f, errs.FieldError{Field: "kind", Fa: "نوع منطقه باید استان یا شهر باشد.", En: "the kind must be province or city"})
	}
	if len(f) > 0 {
		return invalid(op, f)
	}
	err := c.s.InTx(ctx, func(tx *store.Tx) error {
		if r.Kind == City {
			var kind string
			err := tx.QueryRowContext(ctx, `SELECT kind FROM catalog_regions WHERE code = $1`, r.Province).Scan(&kind)
			if errors.Is(err, sql.ErrNoRows) || kind != string(Province) {
				return invalid(op, []errs.FieldError{{Field: "province", Fa: "این استان ثبت نشده است.", En: "the province is not registered"}})
			}
			if err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO catalog_regions (code, name_fa, name_en, kind, province, capital, pilot, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (code) DO UPDATE SET name_fa = excluded.name_fa, name_en = excluded.name_en, kind = excluded.kind,
				province = excluded.province, capital = excluded.capital, pilot = excluded.pilot, updated_at = excluded.updated_at`,
			r.Code, r.NameFa, r.NameEn, string(r.Kind), r.Province, r.Capital, r.Pilot, c.s.Now())
		if err != nil {
			return err
		}
		err = tx.Append(ctx, store.Event{Kind: evRegionSaved, Actor: p.Actor(), Region: r.Code},
			map[string]any{"kind": r.Kind, "pilot": r.Pilot})
		return err
	})
	return errs.Wrap(op+" "+r.Code, err)
}

// Regions returns every province, ordered by Persian name, each followed by
// its cities: the capital first, then the others by name.
func (c *Catalog) Regions(ctx context.Context) ([]Region, error) {
	rows, err := c.s.Read().QueryContext(ctx, `SELECT code, name_fa, name_en, kind, province, capital, pilot FROM catalog_regions ORDER BY code`)
	if err != nil {
		return nil, errs.Wrap("catalog.Regions", err)
	}
	defer rows.Close()
	var provinces []Region
	cities := map[string][]Region{}
	for rows.Next() {
		var r Region
		var kind string
		if err := rows.Scan(&r.Code, &r.NameFa, &r.NameEn, &kind, &r.Province, &r.Capital, &r.Pilot); err != nil {
			return nil, errs.Wrap("catalog.Regions", err)
		}
		r.Kind = RegionKind(kind)
		if r.Kind == Province {
			provinces = append(provinces, r)
		} else {
			cities[r.Province] = append(cities[r.Province], r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap("catalog.Regions", err)
	}
	sort.SliceStable(provinces, func(i, j int) bool { return persianLess(provinces[i].NameFa, provinces[j].NameFa) })
	var out []Region
	for _, pr := range provinces {
		out = append(out, pr)
		cs := cities[pr.Code]
		sort.SliceStable(cs, func(i, j int) bool {
			if cs[i].Capital != cs[j].Capital {
				return cs[i].Capital
			}
			return persianLess(cs[i].NameFa, cs[j].NameFa)
		})
		out = append(out, cs...)
	}
	return out, nil
}

// invalid returns an Invalid error that lists the problems by field.
func invalid(op string, fields []errs.FieldError) *errs.Error {
	e := errs.E(op, errs.Invalid, "the input has problems", "اطلاعات واردشده ایراد دارد.")
	e.Fields = fields
	return e
}
