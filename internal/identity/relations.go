package identity

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// The kinds of relation that let a person act for another. Stored by name:
// append only.
const (
	RelGuardian       = "guardian_of"       // a parent of a minor child
	RelRepresentative = "representative_of" // a legal representative of a company
)

// FamilyInquiry is the civil registry's family service on the exchange,
// which says who a person's children are.
const FamilyInquiry = "NOCR/family"

// AdultAge is the age at which a child's guardian may no longer act for them.
const AdultAge = 18

// Relation is a recorded right of a person to act for another party.
type Relation struct {
	ID         int64      `json:"id"`
	PersonID   int64      `json:"-"`
	Kind       string     `json:"kind"`
	Other      string     `json:"other"` // personal data for a child: never logged
	OtherName  string     `json:"other_name"`
	OtherBorn  *time.Time `json:"other_born_at,omitempty"` // a child's date of birth
	Source     string     `json:"source"`                  // where it was established: "NOCR/family" or "agency_admin:CODE"
	VerifiedAt time.Time  `json:"verified_at"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// Why a relation may not be used: the reasons recorded when acting stops.
const (
	endRevoked = "revoked"
	endExpired = "expired"
	endAdult   = "adult"
)

// unusable returns why r may not be acted under at now, or "" when it may.
func (r Relation) unusable(now time.Time) string {
	switch {
	case r.RevokedAt != nil && !now.Before(*r.RevokedAt):
		return endRevoked
	case r.Kind == RelGuardian && (r.OtherBorn == nil || !now.Before(AdultOn(*r.OtherBorn))):
		return endAdult
	case r.ValidUntil != nil && !now.Before(*r.ValidUntil):
		return endExpired
	}
	return ""
}

// Usable reports whether the person may act under r at now: it is not
// revoked or expired and, for a child, the child is still a minor.
func (r Relation) Usable(now time.Time) bool { return r.unusable(now) == "" }

// AdultOn returns the moment a person born on born turns AdultAge: midnight
// of the birthday in Iran's time zone, whatever offset was in force at the
// birth.
func AdultOn(born time.Time) time.Time {
	return born.In(persian.Location()).AddDate(AdultAge, 0, 0).UTC()
}

// ParseLegalID normalises s (Persian digits, spaces, dashes) and validates
// it as the 11-digit national id of an Iranian legal entity (شناسهٔ ملی
// اشخاص حقوقی). The check digit is the last: with d the tenth digit plus 2
// and weights 29, 27, 23, 19, 17 repeated over the first ten digits, the sum
// of (digit + d) × weight modulo 11 is the check digit, where 10 counts as
// 0. An id whose digits 4 to 9 are all zero is not issued.
func ParseLegalID(s string) (string, error) {
	const op = "identity.ParseLegalID"
	id := persian.NormalizeNationalCode(strings.TrimSpace(s))
	switch {
	case id == "":
		return "", fieldErr(op, "company", "enter the company's national id", "شناسهٔ ملی شرکت را وارد کنید")
	case len(id) != 11 || strings.Trim(id, "0123456789") != "":
		return "", fieldErr(op, "company", "a company's national id has exactly 11 digits", "شناسهٔ ملی شرکت باید دقیقاً ۱۱ رقم باشد")
	case id[3:9] == "000000":
		return "", fieldErr(op, "company", "this is not an issued national id of a company", "این شناسهٔ ملی به شرکتی داده نشده است")
	case LegalIDCheckDigit(id[:10]) != id[10]:
		return "", fieldErr(op, "company", "the check digit (the last digit) of this national id does not match; please check it",
			"رقم کنترل (رقم آخر) این شناسهٔ ملی درست نیست؛ لطفاً آن را بررسی کنید")
	}
	return id, nil
}

// LegalIDCheckDigit returns the check digit of the first ten digits of a
// legal entity's national id.
func LegalIDCheckDigit(ten string) byte {
	weights := [5]int{29, 27, 23, 19, 17}
	d := int(ten[9]-'0') + 2
	sum := 0
	for i := 0; i < 10; i++ {
		sum += (int(ten[i]-'0') + d) * weights[i%5]
	}
	r := sum % 11
	if r == 10 {
		r = 0
	}
	return byte('0' + r)
}

// Child is a child of a person as the civil registry knows them.
type Child struct {
	NationalCode string
	Name         string
	Born         time.Time
	Alive        bool
}

// FamilyRegistry answers who a person's children are, from an authoritative
// source: in Panjare, the civil registry's family service on the exchange
// (FamilyFromEvidence).
type FamilyRegistry func(ctx context.Context, nationalCode string) ([]Child, error)

// EvidenceFunc is how the exchange answers an inquiry about one citizen
// (the shape of exchange.Gateway.Evidence without its receipt).
type EvidenceFunc func(ctx context.Context, subject, inquiry, purpose string) (json.RawMessage, error)

// familyPurpose is the purpose the family inquiry states; the citizen sees
// it in their data tracker.
const familyPurpose = "احراز ولایت بر فرزند زیر ۱۸ سال برای اقدام از طرف او"

// FamilyFromEvidence returns a FamilyRegistry that asks the civil registry's
// family service (FamilyInquiry) through evidence and reads its record:
// {"relatives": [{"relation": "child", "national_code", "first_name",
// "last_name", "birth_date": {"date": "YYYY-MM-DD"}, "alive"}]}.
func FamilyFromEvidence(evidence EvidenceFunc) FamilyRegistry {
	return func(ctx context.Context, code string) ([]Child, error) {
		const op = "identity.Family"
		body, err := evidence(ctx, code, FamilyInquiry, familyPurpose)
		if err != nil {
			return nil, err
		}
		var rec struct {
			Relatives []struct {
				Relation     string `json:"relation"`
				NationalCode string `json:"national_code"`
				FirstName    string `json:"first_name"`
				LastName     string `json:"last_name"`
				BirthDate    struct {
					Date string `json:"date"`
				} `json:"birth_date"`
				Alive bool `json:"alive"`
			} `json:"relatives"`
		}
		if err := json.Unmarshal(body, &rec); err != nil {
			return nil, errs.E(op, errs.Unavailable, "the civil registry's family record could not be read", "سابقهٔ خانوادگی ثبت احوال خوانده نشد")
		}
		var out []Child
		for _, r := range rec.Relatives {
			if r.Relation != "child" {
				continue
			}
			born, err := time.ParseInLocation(time.DateOnly, r.BirthDate.Date, persian.Location())
			if err != nil || persian.CheckNationalCode(r.NationalCode) != nil {
				return nil, errs.E(op, errs.Unavailable, "the civil registry's family record is malformed", "سابقهٔ خانوادگی ثبت احوال نادرست است")
			}
			out = append(out, Child{NationalCode: r.NationalCode, Name: strings.TrimSpace(r.FirstName + " " + r.LastName), Born: born.UTC(), Alive: r.Alive})
		}
		return out, nil
	}
}

// UseFamilyRegistry sets where RecordChildren asks who a person's children
// are. The app calls it once, at assembly, before serving.
func (id *Identity) UseFamilyRegistry(f FamilyRegistry) { id.family = f }

// HasFamilyRegistry reports whether children can be looked up.
func (id *Identity) HasFamilyRegistry() bool { return id.family != nil }

// RecordChildren asks the civil registry who the person's children are and
// records a guardian relation for each living child under eighteen: new ones
// are added, known ones re-verified, and relations with children the
// registry no longer lists as living minors are revoked. Each change is an
// event. It returns the person's relations afterwards.
func (id *Identity) RecordChildren(ctx context.Context, p Principal) ([]Relation, error) {
	const op = "identity.RecordChildren"
	if p.Kind != "user" || p.NationalCode == "" {
		return nil, errs.E(op, errs.Forbidden, "only a citizen signed in with a national code has children on record",
			"تنها شهروندی که با کد ملی وارد شده است فرزندان ثبت‌شده دارد")
	}
	if id.family == nil {
		return nil, errs.E(op, errs.Unavailable, "the civil registry cannot be asked on this server", "استعلام از ثبت احوال در این سامانه فعال نیست")
	}
	children, err := id.family(ctx, p.NationalCode)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, errs.Wrap(op, err)
	}
	now := id.s.Now()
	minors := map[string]Child{}
	for _, c := range children {
		if c.Alive && now.Before(AdultOn(c.Born)) && c.NationalCode != p.NationalCode {
			minors[c.NationalCode] = c
		}
	}
	err = id.s.InTx(ctx, func(tx *store.Tx) error {
		changed := false
		held, err := relationsOf(ctx, tx, p.ID, RelGuardian)
		if err != nil {
			return err
		}
		for _, r := range held {
			if r.RevokedAt != nil {
				continue
			}
			c, ok := minors[r.Other]
			if !ok {
				if _, err := tx.ExecContext(ctx, `UPDATE identity_relations SET revoked_at = $1 WHERE id = $2`, now, r.ID); err != nil {
					return err
				}
				if err := tx.Append(ctx, store.Event{Kind: "identity.relation.revoked", Actor: p.Actor(), Subject: r.Other},
					map[string]any{"relation": r.ID, "kind": r.Kind, "reason": "registry", "person": p.ID}); err != nil {
					return err
				}
				changed = true
				continue
			}
			delete(minors, r.Other)
			if _, err := tx.ExecContext(ctx, `UPDATE identity_relations SET verified_at = $1, other_name = $2, other_born_at = $3, valid_until = $4
				WHERE id = $5`, now, c.Name, c.Born, AdultOn(c.Born), r.ID); err != nil {
				return err
			}
			if err := tx.Append(ctx, store.Event{Kind: "identity.relation.verified", Actor: p.Actor(), Subject: r.Other},
				map[string]any{"relation": r.ID, "kind": r.Kind, "source": FamilyInquiry, "person": p.ID}); err != nil {
				return err
			}
			changed = true
		}
		for _, c := range children { // in the registry's order
			if _, ok := minors[c.NationalCode]; !ok {
				continue
			}
			var rid int64
			if err := tx.QueryRowContext(ctx, `INSERT INTO identity_relations (person_id, kind, other, other_name, other_born_at, source, verified_at, valid_until)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, p.ID, RelGuardian, c.NationalCode, c.Name, c.Born, FamilyInquiry, now, AdultOn(c.Born)).
				Scan(&rid); err != nil {
				return err
			}
			if err := tx.Append(ctx, store.Event{Kind: "identity.relation.recorded", Actor: p.Actor(), Subject: c.NationalCode},
				map[string]any{"relation": rid, "kind": RelGuardian, "source": FamilyInquiry, "person": p.ID}); err != nil {
				return err
			}
			changed = true
		}
		if !changed {
			return store.ErrNothingToDo // no minor child, then or now
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNothingToDo) {
		return nil, errs.Wrap(op, err)
	}
	return id.Relations(ctx, p.ID)
}

// RegisterRepresentative records that the person with the national code
// legally represents the company with the national id, until validUntil (no
// end when zero). In a real deployment the record comes from the companies
// registry (اداره ثبت شرکت‌ها) through the exchange; until that service is
// connected, an agency admin or a platform admin registers it from the
// company's published notice, and the event names who did. An open relation
// of the same person and company is refused as a conflict.
func (id *Identity) RegisterRepresentative(ctx context.Context, by Principal, nationalCode, companyID, companyName string, validUntil time.Time) (Relation, error) {
	const op = "identity.RegisterRepresentative"
	if !by.Has(RolePlatformAdmin) && !(by.Has(RoleAgencyAdmin) && by.Agency != "") {
		return Relation{}, errs.E(op, errs.Forbidden, "only an agency admin may register a company's representative",
			"تنها مدیر دستگاه می‌تواند نمایندهٔ قانونی شرکت را ثبت کند")
	}
	code, err := ParseNationalCode(nationalCode)
	if err != nil {
		return Relation{}, err
	}
	cid, err := ParseLegalID(companyID)
	if err != nil {
		return Relation{}, err
	}
	companyName = cleanName(companyName)
	if companyName == "" {
		return Relation{}, fieldErr(op, "company_name", "enter the company's registered name", "نام ثبت‌شدهٔ شرکت را وارد کنید")
	}
	now := id.s.Now()
	if !validUntil.IsZero() && !now.Before(validUntil) {
		return Relation{}, fieldErr(op, "valid_until", "the end of the representation must lie in the future", "پایان دورهٔ نمایندگی باید در آینده باشد")
	}
	source := "agency_admin"
	if by.Agency != "" {
		source += ":" + by.Agency
	}
	r := Relation{Kind: RelRepresentative, Other: cid, OtherName: companyName, Source: source, VerifiedAt: now}
	if !validUntil.IsZero() {
		v := validUntil.UTC().Truncate(time.Microsecond)
		r.ValidUntil = &v
	}
	err = id.s.InTx(ctx, func(tx *store.Tx) error {
		p, _, err := ensurePersonTx(ctx, tx, code, "")
		if err != nil {
			return err
		}
		r.PersonID = p.ID
		held, err := relationsOf(ctx, tx, p.ID, r.Kind)
		if err != nil {
			return err
		}
		for _, h := range held {
			if h.Other != cid || h.RevokedAt != nil {
				continue
			}
			if h.Usable(now) {
				return errs.E(op, errs.Conflict, "this person is already recorded as the company's representative",
					"این شخص هم‌اکنون نمایندهٔ ثبت‌شدهٔ این شرکت است")
			}
			// An ended term makes way for the new one: close it for good.
			if _, err := tx.ExecContext(ctx, `UPDATE identity_relations SET revoked_at = $1 WHERE id = $2`, now, h.ID); err != nil {
				return err
			}
			if err := tx.Append(ctx, store.Event{Kind: "identity.relation.revoked", Actor: by.Actor(), Agency: by.Agency, Subject: cid},
				map[string]any{"relation": h.ID, "kind": h.Kind, "reason": "replaced", "person": p.ID}); err != nil {
				return err
			}
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO identity_relations (person_id, kind, other, other_name, source, verified_at, valid_until)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, p.ID, r.Kind, cid, companyName, source, now, r.ValidUntil).Scan(&r.ID); err != nil {
			return err
		}
		err = tx.Append(ctx, store.Event{Kind: "identity.relation.recorded", Actor: by.Actor(), Agency: by.Agency, Subject: cid},
			map[string]any{"relation": r.ID, "kind": r.Kind, "source": source, "person": p.ID})
		return err
	})
	if err != nil {
		return Relation{}, errs.Wrap(op, err)
	}
	return r, nil
}

// RevokeRelation revokes a relation at once; a session acting under it stops
// acting at its next request. A platform admin may revoke any relation, an
// agency admin those their agency registered, and a person their own.
func (id *Identity) RevokeRelation(ctx context.Context, by Principal, relationID int64, reason string) error {
	const op = "identity.RevokeRelation"
	reason = cleanName(reason)
	return errs.Wrap(op, id.s.InTx(ctx, func(tx *store.Tx) error {
		r, err := relationTx(ctx, tx, relationID)
		if err != nil {
			return err
		}
		own := by.Kind == "user" && by.ID == r.PersonID
		registrar := by.Has(RoleAgencyAdmin) && by.Agency != "" && r.Source == "agency_admin:"+by.Agency
		if !own && !registrar && !by.Has(RolePlatformAdmin) {
			return errs.NotFoundf(op, "relation", "رابطه")
		}
		if r.RevokedAt != nil {
			return errs.E(op, errs.Conflict, "the relation is already revoked", "این رابطه پیش‌تر لغو شده است")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE identity_relations SET revoked_at = $1 WHERE id = $2`, id.s.Now(), r.ID); err != nil {
			return err
		}
		err = tx.Append(ctx, store.Event{Kind: "identity.relation.revoked", Actor: by.Actor(), Agency: by.Agency, Subject: r.Other},
			map[string]any{"relation": r.ID, "kind": r.Kind, "reason": reason, "person": r.PersonID})
		return err
	}))
}

// Relations lists the person's relations, open and ended, oldest first.
func (id *Identity) Relations(ctx context.Context, person int64) ([]Relation, error) {
	list, err := relationsOf(ctx, id.s.Read(), person, "")
	return list, errs.Wrap("identity.Relations", err)
}

// UsableRelations lists the relations the person may act under now.
func (id *Identity) UsableRelations(ctx context.Context, person int64) ([]Relation, error) {
	list, err := id.Relations(ctx, person)
	if err != nil {
		return nil, err
	}
	now := id.s.Now()
	out := list[:0]
	for _, r := range list {
		if r.Usable(now) {
			out = append(out, r)
		}
	}
	return out, nil
}

const relationColumns = `id, person_id, kind, other, other_name, other_born_at, source, verified_at, valid_until, revoked_at`

// relationsOf returns person's relations of kind (every kind when "").
func relationsOf(ctx context.Context, q querier, person int64, kind string) ([]Relation, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+relationColumns+` FROM identity_relations
		WHERE person_id = $1 AND ($2 = '' OR kind = $2) ORDER BY id`, person, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Relation
	for rows.Next() {
		r, err := scanRelation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func relationTx(ctx context.Context, tx *store.Tx, relationID int64) (Relation, error) {
	r, err := scanRelation(tx.QueryRowContext(ctx, `SELECT `+relationColumns+` FROM identity_relations WHERE id = $1`, relationID))
	if errors.Is(err, sql.ErrNoRows) {
		return Relation{}, errs.NotFoundf("identity.Relation", "relation", "رابطه")
	}
	return r, err
}

type scanner interface{ Scan(dest ...any) error }

func scanRelation(row scanner) (Relation, error) {
	var r Relation
	var born, until, revoked sql.NullTime
	if err := row.Scan(&r.ID, &r.PersonID, &r.Kind, &r.Other, &r.OtherName, &born, &r.Source, &r.VerifiedAt, &until, &revoked); err != nil {
		return Relation{}, err
	}
	r.VerifiedAt = r.VerifiedAt.UTC()
	r.OtherBorn, r.ValidUntil, r.RevokedAt = timePtr(born), timePtr(until), timePtr(revoked)
	return r, nil
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time.UTC()
	return &v
}

// Representation is a company representation with the person it names.
type Representation struct {
	Relation
	NationalCode string // the representative's; personal data: never logged
	PersonName   string
}

// RepresentationsBy lists a page of the company representations an
// agency's admins registered, newest first, open and ended: at most limit
// (1 to MaxPage; 0 for DefaultPage) after cursor ("" for the first page),
// and the cursor of the next page, "" on the last. A cursor that was not
// made here is errs.Invalid.
func (id *Identity) RepresentationsBy(ctx context.Context, agency, cursor string, limit int) ([]Representation, string, error) {
	const op = "identity.RepresentationsBy"
	limit = pageLimit(limit)
	where, args := `WHERE r.kind = $1 AND r.source = $2`, []any{RelRepresentative, "agency_admin:" + agency}
	if cursor != "" {
		before, err := store.ParseIDCursor(op, cursor)
		if err != nil {
			return nil, "", err
		}
		where += ` AND r.id < $3`
		args = append(args, before)
	}
	rows, err := id.s.Read().QueryContext(ctx, `SELECT r.id, r.person_id, r.kind, r.other, r.other_name, r.other_born_at, r.source,
		r.verified_at, r.valid_until, r.revoked_at, p.national_code, p.name
		FROM identity_relations r JOIN identity_people p ON p.id = r.person_id
		`+where+` ORDER BY r.id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []Representation
	for rows.Next() {
		var r Representation
		var born, until, revoked sql.NullTime
		if err := rows.Scan(&r.ID, &r.PersonID, &r.Kind, &r.Other, &r.OtherName, &born, &r.Source, &r.VerifiedAt, &until, &revoked,
			&r.NationalCode, &r.PersonName); err != nil {
			return nil, "", errs.Wrap(op, err)
		}
		r.VerifiedAt = r.VerifiedAt.UTC()
		r.OtherBorn, r.ValidUntil, r.RevokedAt = timePtr(born), timePtr(until), timePtr(revoked)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	if len(out) <= limit {
		return out, "", nil
	}
	return out[:limit], store.IDCursor(out[limit-1].ID), nil
}
