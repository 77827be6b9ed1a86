package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
)

// The demo's people in the portal, taken from the civil registry's demo
// population (backoffice.NewPeople) so that names agree everywhere:
//
//   - CitizenMaryam is the mother of two children under eighteen: her
//     guardian relations come from the civil registry's family service
//     through the exchange, exactly as a real citizen's would.
//   - CitizenAli is the legal representative of a demo company.
//   - Maryam's husband is an admin of NOCR and Ali's wife an operator of
//     NOCR, so that the agency console, /agency/staff and /agency/keys can
//     be tried by signing in with their national codes at the demo provider.
//   - Two more adults of the registry are the platform admin and an
//     overseer (PlatformStaff).
//
// Ali's children are all adults in the registry, so he cannot act for them:
// the demo shows that rule too.

// NOCRStaff returns the national codes of the demo NOCR admin and operator.
func NOCRStaff(ps *backoffice.People) (admin, operator string) {
	return ps.Get(backoffice.CitizenMaryam).Spouse, ps.Get(backoffice.CitizenAli).Spouse
}

// PlatformStaff returns the national codes of the demo platform admin and
// overseer: the first two living adults of the registry's population who
// are none of the other demo people, so that the admin pages (/admin/...)
// and the overseer's views can be tried too.
func PlatformStaff(ps *backoffice.People) (admin, overseer string) {
	nocrAdmin, nocrOperator := NOCRStaff(ps)
	taken := []string{backoffice.CitizenAli, backoffice.CitizenMaryam, nocrAdmin, nocrOperator}
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var found []string
	for _, p := range ps.All() {
		if len(found) == 2 {
			break
		}
		if p.Alive() && p.Age(at) >= 25 && !slices.Contains(taken, p.NationalCode) {
			found = append(found, p.NationalCode)
		}
	}
	if len(found) < 2 {
		return "", ""
	}
	return found[0], found[1]
}

// RepresentedCompany returns the company CitizenAli represents (the tax
// back office knows it too, under the same valid national id).
func RepresentedCompany(ps *backoffice.People) backoffice.Company {
	return ps.Companies()[1]
}

// LoadPeople gives the demo people their staff roles and the company
// representation, and records Maryam's children through the family service
// when the identity capability can ask it. It is idempotent: what is already
// there is left as it is. It writes only through identity's verbs.
func LoadPeople(ctx context.Context, id *identity.Identity, ps *backoffice.People) error {
	const op = "demo.LoadPeople"
	admin, operator := NOCRStaff(ps)
	platformAdmin, overseer := PlatformStaff(ps)
	for _, s := range []struct {
		code, agency string
		role         identity.Role
	}{{admin, "NOCR", identity.RoleAgencyAdmin}, {operator, "NOCR", identity.RoleOperator},
		{platformAdmin, "", identity.RolePlatformAdmin}, {overseer, "", identity.RoleOverseer}} {
		if s.code == "" {
			continue
		}
		if _, err := id.EnsurePerson(ctx, s.code, ps.Get(s.code).FullName()); err != nil {
			return errs.Wrap(op, err)
		}
		if _, err := id.AddStaff(ctx, identity.System, s.code, s.agency, s.role); err != nil && !errs.Is(err, errs.Conflict) {
			return errs.Wrap(op, fmt.Errorf("staff %s: %w", s.role, err))
		}
	}
	ali := ps.Get(backoffice.CitizenAli)
	if _, err := id.EnsurePerson(ctx, ali.NationalCode, ali.FullName()); err != nil {
		return errs.Wrap(op, err)
	}
	c := RepresentedCompany(ps)
	if _, err := id.RegisterRepresentative(ctx, identity.System, ali.NationalCode, c.NationalID, c.Name, time.Time{}); err != nil && !errs.Is(err, errs.Conflict) {
		return errs.Wrap(op, fmt.Errorf("company representative: %w", err))
	}
	if !id.HasFamilyRegistry() {
		return nil
	}
	maryam := ps.Get(backoffice.CitizenMaryam)
	p, err := id.EnsurePerson(ctx, maryam.NationalCode, maryam.FullName())
	if err != nil {
		return errs.Wrap(op, err)
	}
	pr, err := id.PrincipalOf(ctx, p)
	if err != nil {
		return errs.Wrap(op, err)
	}
	if _, err := id.RecordChildren(ctx, pr); err != nil {
		return errs.Wrap(op, fmt.Errorf("Maryam's children: %w", err))
	}
	return nil
}
