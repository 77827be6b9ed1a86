package app

import (
	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/web"
)

// oversight assembles the KPIs, counted from the sealed events only, and
// the targets, rankings and monthly reports built on them. The reports are
// signed with the ledger's key and set in the portal's own font; their job
// runs on the nodes that work jobs.
func (a *App) oversight() error {
	cfg, err := oversight.Load(a.Config.Oversight)
	if err != nil {
		return err
	}
	if a.KPI == nil {
		if a.KPI, err = kpi.New(kpi.Config{Store: a.Store, Catalog: a.Catalog, Ledger: a.Ledger, Log: a.Log}); err != nil {
			return err
		}
	}
	a.Oversight, err = oversight.New(oversight.Options{Store: a.Store, KPI: a.KPI, Signer: a.Ledger, Catalog: a.Catalog,
		Fonts: permit.NewLazyFonts(web.Vazirmatn), Config: cfg, Log: a.Log})
	if err != nil {
		return err
	}
	a.Oversight.RegisterWorkers()
	return nil
}
