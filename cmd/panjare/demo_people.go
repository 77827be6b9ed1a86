package main

import (
	"fmt"
	"io"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/demo/backoffice"
)

// printDemoPeople tells the demo user whom to sign in as to act for a child
// or a company, and to reach the NOCR console and its admin pages.
func printDemoPeople(w io.Writer, a *app.App) {
	set := a.BackOffices()
	if set == nil {
		return
	}
	ps := set.People
	admin, operator := demo.NOCRStaff(ps)
	platformAdmin, overseer := demo.PlatformStaff(ps)
	c := demo.RepresentedCompany(ps)
	fmt.Fprintf(w, `  Demo people, one for each role (sign in with the national code):
    %s  %s: citizen; acts for her children under 18 at /me/acting
    %s  %s: citizen; represents %s
    %s  %s: NOCR agency admin, /agency/staff  /agency/keys  /agency/representatives
    %s  %s: NOCR agency operator, /agency/console
    %s  %s: platform admin, /admin/exchange  /admin/payments  /admin/search-misses
    %s  %s: overseer (the role exists; its dashboards do not yet)

`, backoffice.CitizenMaryam, ps.Get(backoffice.CitizenMaryam).FullName(),
		backoffice.CitizenAli, ps.Get(backoffice.CitizenAli).FullName(), c.Name,
		admin, ps.Get(admin).FullName(), operator, ps.Get(operator).FullName(),
		platformAdmin, ps.Get(platformAdmin).FullName(), overseer, ps.Get(overseer).FullName())
}
