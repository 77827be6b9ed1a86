package identity

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// Person is someone who has signed in, or whom an admin has made staff.
type Person struct {
	ID           int64
	NationalCode string // personal data: never logged
	Name         string
	CreatedAt    time.Time
}

// ParseNationalCode normalises s (Persian and Arabic-Indic digits, spaces,
// dashes) and validates it. The error is Invalid and says, in Persian and
// English, which rule the code breaks: its length, a single repeated digit,
// or the check digit. It never repeats the code itself.
func ParseNationalCode(s string) (string, error) {
	const op = "identity.ParseNationalCode"
	code := persian.NormalizeNationalCode(strings.TrimSpace(s))
	switch err := persian.CheckNationalCode(code); {
	case err == nil:
		return code, nil
	case code == "":
		return "", fieldErr(op, "national_code", "enter your national code", "کد ملی را وارد کنید")
	case errors.Is(err, persian.ErrNationalCodeLength):
		return "", fieldErr(op, "national_code", "a national code has exactly 10 digits",
			"کد ملی باید دقیقاً ۱۰ رقم باشد")
	case errors.Is(err, persian.ErrNationalCodeRepeated):
		return "", fieldErr(op, "national_code", "a national code cannot be one digit repeated ten times",
			"کد ملی نمی‌تواند یک رقم تکراری باشد")
	default:
		return "", fieldErr(op, "national_code", "the check digit (the last digit) of this national code does not match; please check it",
			"رقم کنترل (رقم آخر) این کد ملی درست نیست؛ لطفاً آن را بررسی کنید")
	}
}

func fieldErr(op, field, en, fa string) error {
	e := errs.E(op, errs.Invalid, en, fa)
	e.Fields = []errs.FieldError{{Field: field, En: en, Fa: fa}}
	return e
}

// cleanName trims a display name and bounds it.
func cleanName(name string) string {
	name = persian.Clean(strings.TrimSpace(name))
	if utf8.RuneCountInString(name) > 120 {
		name = string([]rune(name)[:120])
	}
	return name
}

// EnsurePerson returns the person with the national code, creating them on
// first sign-in (event identity.person.created). A non-empty name from the
// identity provider replaces the one kept (event identity.person.renamed).
func (id *Identity) EnsurePerson(ctx context.Context, nationalCode, name string) (Person, error) {
	const op = "identity.EnsurePerson"
	code, err := ParseNationalCode(nationalCode)
	if err != nil {
		return Person{}, err
	}
	name = cleanName(name)
	p, err := id.PersonByNationalCode(ctx, code)
	if err == nil && (name == "" || name == p.Name) {
		return p, nil
	}
	if err != nil && !errs.Is(err, errs.NotFound) {
		return Person{}, err
	}
	create := func(tx *store.Tx) error {
		var changed bool
		var e error
		p, changed, e = ensurePersonTx(ctx, tx, code, name)
		if e == nil && !changed {
			e = store.ErrNothingToDo
		}
		return e
	}
	// Two first sign-ins of one person can race on PostgreSQL; the loser
	// hits the unique index and finds the winner's row on its second try.
	if err = id.s.InTx(ctx, create); err != nil && !errors.Is(err, store.ErrNothingToDo) {
		err = id.s.InTx(ctx, create)
	}
	if errors.Is(err, store.ErrNothingToDo) {
		err = nil
	}
	if err != nil {
		return Person{}, errs.Wrap(op, err)
	}
	return p, nil
}

// ensurePersonTx finds or creates the person in tx, and renames them when
// name is set and differs. It appends an event when it changes anything and
// reports whether it did; when it did not, the caller must append its own.
func ensurePersonTx(ctx context.Context, tx *store.Tx, code, name string) (Person, bool, error) {
	var p Person
	err := tx.QueryRowContext(ctx, `SELECT id, national_code, name, created_at FROM identity_people WHERE national_code = $1`, code).
		Scan(&p.ID, &p.NationalCode, &p.Name, &p.CreatedAt)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		p = Person{NationalCode: code, Name: name, CreatedAt: tx.Store().Now()}
		if err := tx.QueryRowContext(ctx, `INSERT INTO identity_people (national_code, name, created_at) VALUES ($1, $2, $3) RETURNING id`,
			code, name, p.CreatedAt).Scan(&p.ID); err != nil {
			return Person{}, false, err
		}
		err = tx.Append(ctx, store.Event{Kind: "identity.person.created", Actor: "system", Subject: code}, map[string]any{"person": p.ID})
		return p, true, err
	case err != nil:
		return Person{}, false, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	if name != "" && name != p.Name {
		if _, err := tx.ExecContext(ctx, `UPDATE identity_people SET name = $1 WHERE id = $2`, name, p.ID); err != nil {
			return Person{}, false, err
		}
		p.Name = name
		err = tx.Append(ctx, store.Event{Kind: "identity.person.renamed", Actor: "system", Subject: code}, map[string]any{"person": p.ID})
		return p, true, err
	}
	return p, false, nil
}

// PersonByNationalCode returns the person with the (already valid) national
// code, or NotFound.
func (id *Identity) PersonByNationalCode(ctx context.Context, code string) (Person, error) {
	return id.person(ctx, "national_code = $1", code)
}

// Person returns the person with the given id, or NotFound.
func (id *Identity) Person(ctx context.Context, personID int64) (Person, error) {
	return id.person(ctx, "id = $1", personID)
}

func (id *Identity) person(ctx context.Context, where string, arg any) (Person, error) {
	var p Person
	err := id.s.Read().QueryRowContext(ctx, `SELECT id, national_code, name, created_at FROM identity_people WHERE `+where, arg).
		Scan(&p.ID, &p.NationalCode, &p.Name, &p.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return Person{}, errs.NotFoundf("identity.Person", "person", "شخص")
	}
	if err != nil {
		return Person{}, errs.Wrap("identity.Person", err)
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, nil
}

// PrincipalOf returns the principal of a signed-in person: always a
// citizen, plus their staff roles. A person is staff of at most one agency
// (AddStaff enforces it), so Agency is that agency, or "" for citizens and
// platform-wide roles.
func (id *Identity) PrincipalOf(ctx context.Context, p Person) (Principal, error) {
	pr := Principal{Kind: "user", ID: p.ID, Name: p.Name, NationalCode: p.NationalCode, Roles: []Role{RoleCitizen}}
	staff, err := id.staffOf(ctx, id.s.Read(), p.ID)
	if err != nil {
		return Principal{}, errs.Wrap("identity.PrincipalOf", err)
	}
	for _, s := range staff {
		if !pr.Has(s.Role) {
			pr.Roles = append(pr.Roles, s.Role)
		}
		if s.Agency != "" {
			pr.Agency = s.Agency
		}
	}
	return pr, nil
}

// MaskNationalCode hides all but the last four digits of a national code:
// "******9828".
func MaskNationalCode(code string) string {
	if len(code) <= 4 {
		return strings.Repeat("*", len(code))
	}
	return strings.Repeat("*", len(code)-4) + code[len(code)-4:]
}
