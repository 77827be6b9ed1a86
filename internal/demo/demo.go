// Package demo owns the demonstration data of the window: real Iranian
// agencies, the 31 provinces with their main cities and two pilot cities, and
// a catalogue of services and permits described as agencies would describe
// them, in Persian first, with English for the most used. The data spans
// every domain and every level from L0 to L5, so that the portal, search and
// dashboards have something true to show.
//
// demo writes only through catalog's verbs (PutAgency, PutRegion, SaveDraft,
// Publish) as identity.System; it must never touch a table itself, and it
// never uses randomness or the clock, so two loads give the same identifiers.
package demo

import (
	"context"
	"fmt"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
)

// Records returns the demo services in a fixed order; the order decides the
// service identifiers that publication assigns.
func Records() []catalog.Record {
	var out []catalog.Record
	for _, group := range [][]def{
		civil(), police(), transport(), judicial(), land(), tax(), banking(),
		health(), welfare(), labour(), education(), commerce(), industry(),
		housing(), agriculture(), energy(), communications(), culture(),
		environment(), foreign(), lifeEventServices(),
	} {
		for _, d := range group {
			out = append(out, build(d))
		}
	}
	return out
}

// Load registers the demo agencies and regions and publishes every demo
// service, once: if any agency is already registered it does nothing and
// returns false. Every record is checked before anything is written, so
// invalid data leaves the database untouched (errs.Invalid, each field named
// after its record). Load is meant for one process setting up a demo
// database; two concurrent first loads would both write.
func Load(ctx context.Context, c *catalog.Catalog) (loaded bool, err error) {
	return load(ctx, c, Agencies(), Regions(), Records())
}

// load is Load with the data given.
func load(ctx context.Context, c *catalog.Catalog, agencies []catalog.Agency, regions []catalog.Region, records []catalog.Record) (bool, error) {
	const op = "demo.Load"
	have, err := c.Agencies(ctx)
	if err != nil {
		return false, errs.Wrap(op, err)
	}
	if len(have) > 0 {
		return false, nil
	}
	if f := Check(agencies, records); len(f) > 0 {
		return false, &errs.Error{Op: op, Kind: errs.Invalid, Fields: f,
			En: "the demo data is not valid for publication", Fa: "دادهٔ نمایشی برای انتشار معتبر نیست."}
	}
	p := identity.System
	for _, a := range agencies {
		if err := c.PutAgency(ctx, p, a); err != nil {
			return false, errs.Wrap(op, err)
		}
	}
	for _, r := range regions {
		if err := c.PutRegion(ctx, p, r); err != nil {
			return false, errs.Wrap(op, err)
		}
	}
	for _, rec := range records {
		svc, err := c.SaveDraft(ctx, p, 0, rec)
		if err != nil {
			return false, errs.Wrap(fmt.Sprintf("%s %q", op, rec.TitleEn), err)
		}
		if _, err := c.Publish(ctx, p, svc.Key); err != nil {
			return false, errs.Wrap(fmt.Sprintf("%s %q", op, rec.TitleEn), err)
		}
	}
	return true, nil
}

// Check validates records for publication against agencies, as Publish
// would, and returns every problem with its field prefixed by the record's
// position and English title, e.g. `records[3] "Passport renewal".visits`.
func Check(agencies []catalog.Agency, records []catalog.Record) []errs.FieldError {
	known := map[string]bool{}
	for _, a := range agencies {
		known[a.Code] = true
	}
	exists := func(code string) bool { return known[code] }
	var out []errs.FieldError
	titles := map[string]bool{}
	for i, rec := range records {
		prefix := fmt.Sprintf("records[%d] %q", i, rec.TitleEn)
		for _, f := range catalog.ValidateForPublish(rec, exists) {
			f.Field = prefix + "." + f.Field
			out = append(out, f)
		}
		if titles[rec.TitleFa] {
			out = append(out, errs.FieldError{Field: prefix + ".title_fa",
				Fa: "عنوان خدمت تکراری است.", En: "duplicate title"})
		}
		titles[rec.TitleFa] = true
	}
	return out
}
