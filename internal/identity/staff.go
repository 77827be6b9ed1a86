package identity

import (
	"context"
	"database/sql"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/agencycode"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// Staff is one role a person holds: an agency role (operator, admin) in one
// agency, or a platform-wide role (overseer, platform admin) with Agency "".
type Staff struct {
	PersonID     int64
	NationalCode string // personal data: never logged
	Name         string
	Agency       string
	Role         Role
	CreatedAt    time.Time
}

// agencyRole reports whether r is held within one agency, and platformRole
// whether it is held platform-wide.
func agencyRole(r Role) bool   { return r == RoleOperator || r == RoleAgencyAdmin }
func platformRole(r Role) bool { return r == RoleOverseer || r == RolePlatformAdmin }

// ParseRole returns the staff role named s, or an Invalid error listing the
// staff roles.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if agencyRole(r) || platformRole(r) {
		return r, nil
	}
	return "", errs.E("identity.ParseRole", errs.Invalid,
		"the role must be agency_operator, agency_admin, overseer or platform_admin",
		"نقش باید یکی از agency_operator، agency_admin، overseer یا platform_admin باشد")
}

// AddStaff gives the person with the national code a staff role, creating
// the person if they have never signed in. Agency roles need an agency
// code; platform roles must have none. A person acts for one agency only, so
// a role in a second agency is refused. Platform admins may add any role;
// an agency admin may add operators and admins of their own agency.
func (id *Identity) AddStaff(ctx context.Context, by Principal, nationalCode, agency string, role Role) (Staff, error) {
	const op = "identity.AddStaff"
	code, err := ParseNationalCode(nationalCode)
	if err != nil {
		return Staff{}, err
	}
	if _, err := ParseRole(string(role)); err != nil {
		return Staff{}, err
	}
	switch {
	case agencyRole(role) && !agencycode.Valid(agency):
		return Staff{}, errs.E(op, errs.Invalid, "an agency role needs an agency code: "+agencycode.RuleEn,
			"نقش دستگاهی به کد دستگاه نیاز دارد: "+agencycode.RuleFa)
	case platformRole(role) && agency != "":
		return Staff{}, errs.E(op, errs.Invalid, "a platform-wide role has no agency", "نقش سراسری سامانه به دستگاه خاصی تعلق ندارد")
	}
	if !by.Has(RolePlatformAdmin) && !(agencyRole(role) && by.Has(RoleAgencyAdmin) && by.Agency == agency) {
		return Staff{}, errs.E(op, errs.Forbidden, "you may not give this role", "اجازهٔ دادن این نقش را ندارید")
	}
	st := Staff{NationalCode: code, Agency: agency, Role: role, CreatedAt: id.s.Now()}
	err = id.s.InTx(ctx, func(tx *store.Tx) error {
		p, _, err := ensurePersonTx(ctx, tx, code, "")
		if err != nil {
			return err
		}
		st.PersonID, st.Name = p.ID, p.Name
		held, err := id.staffOf(ctx, tx, p.ID)
		if err != nil {
			return err
		}
		for _, h := range held {
			if h.Role == role && h.Agency == agency {
				return errs.E(op, errs.Conflict, "this person already holds this role", "این شخص هم‌اکنون این نقش را دارد")
			}
			if h.Agency != "" && agency != "" && h.Agency != agency {
				return errs.E(op, errs.Conflict, "this person is already staff of another agency; remove that role first",
					"این شخص کارمند دستگاه دیگری است؛ ابتدا آن نقش را بردارید")
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_staff (person_id, agency, role, created_at) VALUES ($1, $2, $3, $4)`,
			p.ID, agency, string(role), st.CreatedAt); err != nil {
			return err
		}
		err = tx.Append(ctx, store.Event{Kind: "identity.staff.added", Actor: by.Actor(), Agency: agency, Subject: code},
			map[string]any{"person": p.ID, "role": role})
		return err
	})
	if err != nil {
		return Staff{}, errs.Wrap(op, err)
	}
	return st, nil
}

// RemoveStaff takes a staff role away from the person with the national
// code, and ends their sessions so that the change applies at once. The
// same principals may remove a role as may add it.
func (id *Identity) RemoveStaff(ctx context.Context, by Principal, nationalCode, agency string, role Role) error {
	const op = "identity.RemoveStaff"
	code, err := ParseNationalCode(nationalCode)
	if err != nil {
		return err
	}
	if !by.Has(RolePlatformAdmin) && !(agencyRole(role) && by.Has(RoleAgencyAdmin) && by.Agency == agency) {
		return errs.E(op, errs.Forbidden, "you may not remove this role", "اجازهٔ برداشتن این نقش را ندارید")
	}
	return errs.Wrap(op, id.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM identity_staff WHERE agency = $1 AND role = $2
			AND person_id = (SELECT id FROM identity_people WHERE national_code = $3)`, agency, string(role), code)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(op, errs.NotFound, "this person does not hold this role", "این شخص چنین نقشی ندارد")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE identity_sessions SET revoked_at = $1 WHERE revoked_at IS NULL
			AND person_id = (SELECT id FROM identity_people WHERE national_code = $2)`, id.s.Now(), code); err != nil {
			return err
		}
		err = tx.Append(ctx, store.Event{Kind: "identity.staff.removed", Actor: by.Actor(), Agency: agency, Subject: code},
			map[string]any{"role": role})
		return err
	}))
}

// StaffList lists the staff roles, of one agency or, when agency is "",
// of every agency and the platform.
func (id *Identity) StaffList(ctx context.Context, agency string) ([]Staff, error) {
	rows, err := id.s.Read().QueryContext(ctx, `SELECT s.person_id, p.national_code, p.name, s.agency, s.role, s.created_at
		FROM identity_staff s JOIN identity_people p ON p.id = s.person_id
		WHERE $1 = '' OR s.agency = $1 ORDER BY s.agency, p.national_code, s.role`, agency)
	if err != nil {
		return nil, errs.Wrap("identity.StaffList", err)
	}
	return scanStaff(rows)
}

// StaffPage lists a page of an agency's staff roles, by national code and
// role: at most limit (1 to MaxPage; 0 for DefaultPage) after cursor (""
// for the first page), and the cursor of the next page, "" on the last. A
// cursor that was not made here is errs.Invalid.
func (id *Identity) StaffPage(ctx context.Context, agency, cursor string, limit int) ([]Staff, string, error) {
	const op = "identity.StaffPage"
	limit = pageLimit(limit)
	where, args := `WHERE s.agency = $1`, []any{agency}
	if cursor != "" {
		code, role, err := parseStaffCursor(op, cursor)
		if err != nil {
			return nil, "", err
		}
		where += ` AND (p.national_code > $2 OR (p.national_code = $2 AND s.role > $3))`
		args = append(args, code, role)
	}
	rows, err := id.s.Read().QueryContext(ctx, `SELECT s.person_id, p.national_code, p.name, s.agency, s.role, s.created_at
		FROM identity_staff s JOIN identity_people p ON p.id = s.person_id
		`+where+` ORDER BY p.national_code, s.role LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	list, err := scanStaff(rows)
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	if len(list) <= limit {
		return list, "", nil
	}
	last := list[limit-1]
	return list[:limit], staffCursor(last.NationalCode, last.Role), nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// staffOf returns the roles person holds.
func (id *Identity) staffOf(ctx context.Context, q querier, person int64) ([]Staff, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.person_id, p.national_code, p.name, s.agency, s.role, s.created_at
		FROM identity_staff s JOIN identity_people p ON p.id = s.person_id
		WHERE s.person_id = $1 ORDER BY s.agency, s.role`, person)
	if err != nil {
		return nil, err
	}
	return scanStaff(rows)
}

func scanStaff(rows *sql.Rows) ([]Staff, error) {
	defer rows.Close()
	var out []Staff
	for rows.Next() {
		var s Staff
		var role string
		if err := rows.Scan(&s.PersonID, &s.NationalCode, &s.Name, &s.Agency, &role, &s.CreatedAt); err != nil {
			return nil, err
		}
		s.Role, s.CreatedAt = Role(role), s.CreatedAt.UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}
