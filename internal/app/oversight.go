package app

import (
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/web"
)

// oversight assembles the targets, rankings and monthly reports built on
// the KPIs (a.KPI, counted from the sealed events only). The reports are
// signed with the ledger's key and set in the portal's own font; their job
// runs on the nodes that work jobs.
func (a *App) oversight() error {
	var err error
	a.Oversight, err = oversight.New(oversight.Options{Store: a.Store, KPI: a.KPI, Signer: a.Ledger, Catalog: a.Catalog,
		Fonts: permit.NewLazyFonts(web.Vazirmatn), Config: a.Config.oversight, Log: a.Log})
	if err != nil {
		return err
	}
	a.Oversight.RegisterWorkers()
	return nil
}
