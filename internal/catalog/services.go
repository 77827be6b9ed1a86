package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// querier is what both a transaction and the read pool offer.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// serviceSelect reads a service row joined with one of its versions; callers
// add the join condition on v.version and a WHERE clause.
const serviceSelect = `SELECT s.id, s.identifier, s.domain, s.created_at, s.retired_at,
	s.level, s.declared, s.level_why, s.published_version,
	v.version, v.status, v.record, v.updated_at, v.published_at
	FROM catalog_services s JOIN catalog_service_versions v ON v.service_id = s.id AND v.version = `

type rowScanner interface{ Scan(dest ...any) error }

// scanService reads one row of serviceSelect and computes the quality from
// the record. The true level is the stored one when the row's version is
// the one the listing columns describe (the published version, or the only
// draft of a service never published); otherwise (an open draft of a
// published service) Level and Declared are the declared level until the
// caller computes the true one (Catalog.trueNow).
func scanService(r rowScanner) (Service, error) {
	var svc Service
	var ident sql.NullString
	var domain, status, record, why string
	var retired, published sql.NullTime
	var level, declared, publishedVersion int
	err := r.Scan(&svc.Key, &ident, &domain, &svc.CreatedAt, &retired,
		&level, &declared, &why, &publishedVersion,
		&svc.Version, &status, &record, &svc.UpdatedAt, &published)
	if err != nil {
		return Service{}, err
	}
	if err := json.Unmarshal([]byte(record), &svc.Record); err != nil {
		return Service{}, fmt.Errorf("service %d version %d: record: %w", svc.Key, svc.Version, err)
	}
	svc.ID = ident.String
	svc.Domain = Domain(domain)
	svc.Status = Status(status)
	svc.CreatedAt = svc.CreatedAt.UTC()
	svc.UpdatedAt = svc.UpdatedAt.UTC()
	if published.Valid {
		t := published.Time.UTC()
		svc.PublishedAt = &t
	}
	if retired.Valid && svc.Status == Retired {
		t := retired.Time.UTC()
		svc.RetiredAt = &t
	}
	svc.Quality = ComputeQuality(svc.Record)
	if svc.Version == publishedVersion || publishedVersion == 0 {
		svc.stored = true
		svc.Level, svc.Declared = Level(level), Level(declared)
		if why != "" && why != "[]" {
			if err := json.Unmarshal([]byte(why), &svc.Planned); err != nil {
				return Service{}, fmt.Errorf("service %d: level reasons: %w", svc.Key, err)
			}
		}
		return svc, nil
	}
	svc.Declared, _ = ComputeLevel(svc.Record)
	svc.Level = svc.Declared
	return svc, nil
}

func queryServices(ctx context.Context, q querier, query string, args ...any) ([]Service, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Service
	for rows.Next() {
		svc, err := scanService(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, svc)
	}
	return out, rows.Err()
}

// queryService returns the single service that query selects, or a NotFound
// error.
func queryService(ctx context.Context, q querier, op string, query string, args ...any) (Service, error) {
	svc, err := scanService(q.QueryRowContext(ctx, query, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Service{}, errs.NotFoundf(op, "service", "خدمت")
	}
	return svc, err
}

// serviceRow is the state of one service that the write verbs decide on.
type serviceRow struct {
	key              int64
	identifier       sql.NullString
	agency           string
	status           Status
	publishedVersion int
	draftVersion     int
}

// lockService reads the row of service key (or of identifier id when key is
// 0) for update. On SQLite the transaction already holds the write lock; on
// PostgreSQL the row is locked so that concurrent writers queue.
func lockService(ctx context.Context, tx *store.Tx, op string, key int64, id string) (serviceRow, error) {
	q := `SELECT id, identifier, agency, status, published_version, draft_version FROM catalog_services WHERE `
	var arg any = key
	if key == 0 {
		q += `identifier = $1`
		arg = id
	} else {
		q += `id = $1`
	}
	if tx.Dialect() == store.Postgres {
		q += ` FOR UPDATE`
	}
	var r serviceRow
	var status string
	err := tx.QueryRowContext(ctx, q, arg).Scan(&r.key, &r.identifier, &r.agency, &status, &r.publishedVersion, &r.draftVersion)
	if errors.Is(err, sql.ErrNoRows) {
		return r, errs.NotFoundf(op, "service", "خدمت")
	}
	r.status = Status(status)
	return r, err
}

func forbidden(op, agency string) *errs.Error {
	return errs.E(op, errs.Forbidden, "you may not manage the services of agency "+agency,
		"اجازهٔ مدیریت خدمت‌های این دستگاه را ندارید.")
}

// SaveDraft saves rec as the draft of service key. Key 0 creates a new
// service whose version 1 is the draft. Otherwise it replaces the open draft
// of service key, or opens a new draft version if the service has none (rec
// is the whole record: nothing is copied from the published version).
//
// Drafts are checked only for shape (ValidateDraft), not completeness. The
// principal must be allowed to manage both the service's agency and the
// record's. Errors: Invalid, Forbidden, NotFound.
func (c *Catalog) SaveDraft(ctx context.Context, p identity.Principal, key int64, rec Record) (Service, error) {
	const op = "catalog.SaveDraft"
	rec = cleanRecord(rec)
	if f := ValidateDraft(rec); len(f) > 0 {
		return Service{}, invalid(op, f)
	}
	if !p.CanManageAgency(rec.Agency) {
		return Service{}, forbidden(op, rec.Agency)
	}
	body, err := json.Marshal(rec)
	if err != nil {
		return Service{}, errs.Wrap(op, err)
	}
	// A draft never published has no identifier, so no ruleset or
	// subscription can name it: its true level is at most L2.
	b, err := c.built(ctx, rec)
	if err != nil {
		return Service{}, errs.Wrap(op, err)
	}
	level, declared, why := TrueLevel("", rec, b)
	whyJSON, err := json.Marshal(reasonsOrEmpty(why))
	if err != nil {
		return Service{}, errs.Wrap(op, err)
	}
	quality := ComputeQuality(rec).Score
	var svc Service
	err = c.s.InTx(ctx, func(tx *store.Tx) error {
		domain, ok, err := agencyDomain(ctx, tx, rec.Agency)
		if err != nil {
			return err
		}
		if !ok {
			return invalid(op, []errs.FieldError{{Field: "agency", Fa: "این دستگاه ثبت نشده است.", En: "the agency is not registered"}})
		}
		now := c.s.Now()
		var version int
		var ident string
		if key == 0 {
			err := tx.QueryRowContext(ctx, `INSERT INTO catalog_services
				(agency, status, title_fa, title_en, domain, level, declared, level_why, quality, audience, permit, annual_volume, draft_version, created_at, updated_at)
				VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12) RETURNING id`,
				rec.Agency, rec.TitleFa, rec.TitleEn, string(domain), int(level), int(declared), string(whyJSON), quality, string(rec.Audience),
				rec.IsPermit(), rec.AnnualVolume, now).Scan(&key)
			if err != nil {
				return err
			}
			version = 1
			if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_service_versions
				(service_id, version, status, record, actor, created_at, updated_at) VALUES ($1, $2, 'draft', $3, $4, $5, $5)`,
				key, version, string(body), p.Actor(), now); err != nil {
				return err
			}
		} else {
			row, err := lockService(ctx, tx, op, key, "")
			if err != nil {
				return err
			}
			if !p.CanManageAgency(row.agency) {
				return forbidden(op, row.agency)
			}
			ident = row.identifier.String
			if row.draftVersion > 0 {
				version = row.draftVersion
				if _, err := tx.ExecContext(ctx, `UPDATE catalog_service_versions SET record = $1, actor = $2, updated_at = $3
					WHERE service_id = $4 AND version = $5`, string(body), p.Actor(), now, key, version); err != nil {
					return err
				}
			} else {
				if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM catalog_service_versions WHERE service_id = $1`,
					key).Scan(&version); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_service_versions
					(service_id, version, status, record, actor, created_at, updated_at) VALUES ($1, $2, 'draft', $3, $4, $5, $5)`,
					key, version, string(body), p.Actor(), now); err != nil {
					return err
				}
			}
			// The listing columns follow the draft only while nothing is
			// published; afterwards they describe the published version.
			if row.status == Draft {
				_, err = tx.ExecContext(ctx, `UPDATE catalog_services SET agency = $1, title_fa = $2, title_en = $3, domain = $4,
					level = $5, declared = $6, level_why = $7, quality = $8, audience = $9, permit = $10, annual_volume = $11,
					draft_version = $12, updated_at = $13
					WHERE id = $14`, rec.Agency, rec.TitleFa, rec.TitleEn, string(domain), int(level), int(declared), string(whyJSON),
					quality, string(rec.Audience), rec.IsPermit(), rec.AnnualVolume, version, now, key)
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE catalog_services SET draft_version = $1, updated_at = $2 WHERE id = $3`, version, now, key)
			}
			if err != nil {
				return err
			}
		}
		if err := tx.Append(ctx, store.Event{Kind: evDrafted, Actor: p.Actor(), Agency: rec.Agency, Service: ident},
			map[string]any{"key": key, "version": version}); err != nil {
			return err
		}
		svc, err = queryService(ctx, tx, op, serviceSelect+`s.draft_version WHERE s.id = $1`, key)
		return err
	})
	if err != nil {
		return Service{}, errs.Wrap(op+" "+strconv.FormatInt(key, 10), err)
	}
	if err := c.trueNow(ctx, &svc); err != nil {
		return Service{}, errs.Wrap(op, err)
	}
	return svc, nil
}

// Draft returns the open draft of service key. Drafts are not public:
// callers show them only to principals that may manage the agency.
// Errors: NotFound when the service has no open draft.
func (c *Catalog) Draft(ctx context.Context, key int64) (Service, error) {
	const op = "catalog.Draft"
	svc, err := queryService(ctx, c.s.Read(), op, serviceSelect+`s.draft_version WHERE s.id = $1 AND s.draft_version > 0`, key)
	if err == nil {
		err = c.trueNow(ctx, &svc)
	}
	if err != nil {
		return Service{}, errs.Wrap(op+" "+strconv.FormatInt(key, 10), err)
	}
	return svc, nil
}

// DraftFor returns the service with identifier id as an agency editor sees
// it: its open draft if any, else its current (published or retired)
// record. Errors: Invalid for a malformed id, NotFound.
func (c *Catalog) DraftFor(ctx context.Context, id string) (Service, error) {
	const op = "catalog.DraftFor"
	id, err := ParseID(id)
	if err != nil {
		return Service{}, err
	}
	svc, err := queryService(ctx, c.s.Read(), op,
		serviceSelect+`(CASE WHEN s.draft_version > 0 THEN s.draft_version ELSE s.published_version END) WHERE s.identifier = $1`, id)
	if err == nil {
		err = c.trueNow(ctx, &svc)
	}
	if err != nil {
		return Service{}, errs.Wrap(op+" "+id, err)
	}
	return svc, nil
}

// Publish validates the open draft of service key for publication and
// publishes it: the identifier is assigned on first publication, the version
// published before becomes superseded, and a review is scheduled a year
// later. Errors: Invalid with every problem in Fields (the draft stays as it
// was), among them each inquiry the exchange does not have when one is set
// (CheckInquiries); Forbidden; NotFound; Conflict when there is no draft to
// publish.
func (c *Catalog) Publish(ctx context.Context, p identity.Principal, key int64) (Service, error) {
	const op = "catalog.Publish"
	// The exchange is asked before the transaction, which must not wait on
	// anything outside it; the transaction checks that the draft it
	// publishes names nothing that was not asked about.
	draft, err := queryService(ctx, c.s.Read(), op, serviceSelect+`s.draft_version WHERE s.id = $1`, key)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return Service{}, errs.Wrap(op, err)
	}
	known, err := c.askInquiries(ctx, op, draft.Record) // no draft yet: nothing asked, so any inquiry is a conflict
	if err != nil {
		return Service{}, err
	}
	built, err := c.built(ctx, draft.Record)
	if err != nil {
		return Service{}, errs.Wrap(op, err)
	}
	var svc Service
	err = c.s.InTx(ctx, func(tx *store.Tx) error {
		row, err := lockService(ctx, tx, op, key, "")
		if err != nil {
			return err
		}
		if !p.CanManageAgency(row.agency) {
			return forbidden(op, row.agency)
		}
		if row.draftVersion == 0 {
			return errs.E(op, errs.Conflict, "the service has no draft to publish",
				"این خدمت پیش‌نویسی برای انتشار ندارد.")
		}
		draft, err := queryService(ctx, tx, op, serviceSelect+`s.draft_version WHERE s.id = $1`, key)
		if err != nil {
			return err
		}
		rec := draft.Record
		if !p.CanManageAgency(rec.Agency) {
			return forbidden(op, rec.Agency)
		}
		var lookupErr error
		problems := ValidateForPublish(rec, func(code string) bool {
			ok, err := agencyExists(ctx, tx, code)
			if err != nil && lookupErr == nil {
				lookupErr = err
			}
			return ok
		})
		if lookupErr != nil {
			return lookupErr
		}
		absent, missing, err := missingInquiries(op, rec, known)
		if err != nil {
			return err
		}
		problems = append(problems, absent...)
		if len(problems) > 0 {
			e := invalid(op, problems)
			e.En = "the record is not ready to publish"
			e.Fa = "شناسنامهٔ خدمت هنوز برای انتشار کامل نیست."
			if len(missing) > 0 {
				missingMessage(e, missing)
			}
			return e
		}
		domain, _, err := agencyDomain(ctx, tx, rec.Agency)
		if err != nil {
			return err
		}
		ident := row.identifier.String
		if !row.identifier.Valid {
			var serial int
			if err := tx.QueryRowContext(ctx, `UPDATE catalog_counters SET value = value + 1 WHERE name = 'service' RETURNING value`).Scan(&serial); err != nil {
				return err
			}
			if serial > LastSerial {
				return fmt.Errorf("service identifiers are exhausted (serial %d)", serial)
			}
			ident = FormatID(serial)
		}
		now := c.s.Now()
		if row.publishedVersion > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE catalog_service_versions SET status = 'superseded', updated_at = $1
				WHERE service_id = $2 AND version = $3 AND status = 'published'`, now, key, row.publishedVersion); err != nil {
				return err
			}
		}
		version := row.draftVersion
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_service_versions SET status = 'published', published_at = $1, updated_at = $1
			WHERE service_id = $2 AND version = $3`, now, key, version); err != nil {
			return err
		}
		// The true level, from what is built: publishing a record that
		// declares more than that changes no share.
		level, declared, why := TrueLevel(ident, rec, built)
		whyJSON, err := json.Marshal(reasonsOrEmpty(why))
		if err != nil {
			return err
		}
		quality := ComputeQuality(rec)
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_services SET identifier = $1, agency = $2, status = 'published',
			title_fa = $3, title_en = $4, domain = $5, level = $6, declared = $7, level_why = $8, quality = $9, audience = $10,
			permit = $11, annual_volume = $12, published_version = $13, draft_version = 0, needs_review = $14, updated_at = $15,
			published_at = $15, retired_at = NULL
			WHERE id = $16`, ident, rec.Agency, rec.TitleFa, rec.TitleEn, string(domain), int(level), int(declared), string(whyJSON),
			quality.Score, string(rec.Audience), rec.IsPermit(), rec.AnnualVolume, version, false, now, key); err != nil {
			return err
		}
		if err := tx.Append(ctx, store.Event{Kind: evPublished, Actor: p.Actor(), Agency: rec.Agency, Service: ident},
			map[string]any{"key": key, "version": version, "level": level.String(), "declared": declared.String(), "quality": quality.Score}); err != nil {
			return err
		}
		if err := enqueueReview(ctx, tx, key, version, now.Add(ReviewAfter)); err != nil {
			return err
		}
		for _, h := range c.onPublish {
			if err := h(ctx, tx, p, rec); err != nil {
				return err
			}
		}
		svc, err = queryService(ctx, tx, op, serviceSelect+`s.published_version WHERE s.id = $1`, key)
		return err
	})
	if err != nil {
		return Service{}, errs.Wrap(op+" "+strconv.FormatInt(key, 10), err)
	}
	c.indexed(ctx, svc.ID)
	return svc, nil
}

// Retire withdraws the published service id, giving the reason. It stays
// readable by identifier with Status Retired and leaves the search index.
// An open draft is kept: publishing it later brings the service back.
// Errors: Invalid, Forbidden, NotFound, Conflict when it is not published.
func (c *Catalog) Retire(ctx context.Context, p identity.Principal, id string, reason string) error {
	const op = "catalog.Retire"
	id, err := ParseID(id)
	if err != nil {
		return err
	}
	reason = persian.Clean(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return invalid(op, []errs.FieldError{{Field: "reason", Fa: "دلیل توقف ارائهٔ خدمت را بنویسید (حداکثر ۵۰۰ نویسه).",
			En: "give the reason for retiring the service (at most 500 characters)"}})
	}
	err = c.s.InTx(ctx, func(tx *store.Tx) error {
		row, err := lockService(ctx, tx, op, 0, id)
		if err != nil {
			return err
		}
		if !p.CanManageAgency(row.agency) {
			return forbidden(op, row.agency)
		}
		if row.status != Published {
			return errs.E(op, errs.Conflict, "the service is not published", "این خدمت هم‌اکنون منتشرشده نیست.")
		}
		now := c.s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_service_versions SET status = 'retired', note = $1, updated_at = $2
			WHERE service_id = $3 AND version = $4`, reason, now, row.key, row.publishedVersion); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE catalog_services SET status = 'retired', retired_at = $1, updated_at = $1
			WHERE id = $2`, now, row.key); err != nil {
			return err
		}
		err = tx.Append(ctx, store.Event{Kind: evRetired, Actor: p.Actor(), Agency: row.agency, Service: id},
			map[string]any{"key": row.key, "version": row.publishedVersion, "reason": reason})
		return err
	})
	if err != nil {
		return errs.Wrap(op+" "+id, err)
	}
	c.indexed(ctx, id)
	return nil
}

// Service returns the current version of the service with identifier id:
// the published one, or the last published one with Status Retired.
// id may be typed with Persian or Arabic digits, spaces or dashes.
// It is served from this node's memory once read; a change made on another
// node shows here within Follow's interval. The result shares its slices
// with that copy: callers must not modify it.
// Errors: Invalid for a malformed id or a wrong check digit, NotFound.
func (c *Catalog) Service(ctx context.Context, id string) (Service, error) {
	id, err := ParseID(id)
	if err != nil {
		return Service{}, err
	}
	if svc, ok := c.recall(id); ok {
		return svc, nil
	}
	svc, err := c.loadService(ctx, id)
	if err != nil {
		return Service{}, err
	}
	c.remember(svc)
	return svc, nil
}

// loadService reads the current version of service id (already parsed)
// from the database.
func (c *Catalog) loadService(ctx context.Context, id string) (Service, error) {
	const op = "catalog.Service"
	svc, err := queryService(ctx, c.s.Read(), op, serviceSelect+`s.published_version WHERE s.identifier = $1`, id)
	if err != nil {
		return Service{}, errs.Wrap(op+" "+id, err)
	}
	return svc, nil
}

// History returns every version of service id, oldest first, including an
// open draft. Errors: Invalid, NotFound.
func (c *Catalog) History(ctx context.Context, id string) ([]Version, error) {
	const op = "catalog.History"
	id, err := ParseID(id)
	if err != nil {
		return nil, err
	}
	rows, err := c.s.Read().QueryContext(ctx, `SELECT v.version, v.status, v.actor, v.created_at, v.published_at, v.note
		FROM catalog_service_versions v JOIN catalog_services s ON s.id = v.service_id
		WHERE s.identifier = $1 ORDER BY v.version`, id)
	if err != nil {
		return nil, errs.Wrap(op+" "+id, err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var status string
		var published sql.NullTime
		if err := rows.Scan(&v.Version, &status, &v.Actor, &v.CreatedAt, &published, &v.Note); err != nil {
			return nil, errs.Wrap(op+" "+id, err)
		}
		v.Status = Status(status)
		v.CreatedAt = v.CreatedAt.UTC()
		if published.Valid {
			t := published.Time.UTC()
			v.PublishedAt = &t
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(op+" "+id, err)
	}
	if len(out) == 0 {
		return nil, errs.NotFoundf(op, "service "+id, "خدمت")
	}
	return out, nil
}

// MaxQueryText is the longest free-text search accepted, in characters.
const MaxQueryText = 200

// Search validates q and runs it on the index. Unknown facet values simply
// match nothing; the page is clamped to valid bounds. A search by text
// alone that finds nothing is counted (misses.go). Errors: Invalid when
// the text is too long, Unavailable when there is no index.
func (c *Catalog) Search(ctx context.Context, q Query) (Results, error) {
	const op = "catalog.Search"
	q.Text = persian.Clean(q.Text)
	if utf8.RuneCountInString(q.Text) > MaxQueryText {
		e := errs.E(op, errs.Invalid, "the search text is too long (at most 200 characters)",
			"متن جست‌وجو بیش از حد طولانی است (حداکثر ۲۰۰ نویسه).")
		e.Fields = []errs.FieldError{{Field: "q", Fa: e.Fa, En: e.En}}
		return Results{}, e
	}
	if q.PerPage <= 0 {
		q.PerPage = 20
	}
	q.PerPage = min(q.PerPage, 100)
	q.Page = min(max(q.Page, 1), 1000)
	if c.idx == nil {
		return Results{}, errs.E(op, errs.Unavailable, "search is not available", "جست‌وجو در دسترس نیست.")
	}
	res, err := c.idx.Search(q)
	if err != nil {
		return Results{}, errs.Wrap(op, err)
	}
	c.noteMiss(q, res)
	return res, nil
}

// Popular returns the n published services with the largest annual volume,
// then by title. n is clamped to 1..100.
func (c *Catalog) Popular(ctx context.Context, n int) ([]Service, error) {
	n = min(max(n, 1), 100)
	list, err := queryServices(ctx, c.s.Read(), serviceSelect+`s.published_version WHERE s.status = 'published'
		ORDER BY s.annual_volume DESC, s.title_fa, s.id LIMIT `+strconv.Itoa(n))
	return list, errs.Wrap("catalog.Popular", err)
}

// Published returns every published service, ordered by identifier, for
// exports and for loading the search index.
func (c *Catalog) Published(ctx context.Context) ([]Service, error) {
	list, err := queryServices(ctx, c.s.Read(), serviceSelect+`s.published_version WHERE s.status = 'published' ORDER BY s.identifier`)
	return list, errs.Wrap("catalog.Published", err)
}
