package oversight_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/kpi"
	"github.com/panjare/panjare/internal/oversight"
)

// fig is one agency's catalogue figures in a month.
func fig(agency, month string, services, electronic, smart int) kpi.Figures {
	return kpi.Figures{Key: kpi.Key{Month: month, Agency: agency}, Services: services, FullyElectronic: electronic, Smart: smart}
}

func TestTargetsOnTrack(t *testing.T) {
	cfg := oversight.Default()
	series := []kpi.Figures{
		fig("TAX", "1404-04", 10, 7, 4), // out of order on purpose
		fig("TAX", "1403-12", 10, 5, 1),
		fig("TAX", "1404-01", 10, 5, 2),
		fig("TAX", "1404-02", 10, 6, 3),
		fig("TAX", "1404-03", 10, 6, 3),
		fig("TAX", "1404-05", 10, 10, 10), // after the month: ignored
		fig("TAX", "1402-01", 0, 0, 0),    // no services: no data
	}
	p, err := oversight.Targets(cfg, series, "1404-04")
	if err != nil {
		t.Fatal(err)
	}
	// Smart shares at x = -4..0: 10, 20, 30, 30, 40. Mean x -2, mean y 26,
	// Sxy 70, Sxx 10: slope 7, intercept 40. Year end (8 months on): 96.
	// Electronic 50, 50, 60, 60, 70: slope 5, intercept 68; year end 108,
	// shown as 100; it reaches 100 when 68 + 5k >= 100, k = 7: 1404-11.
	want := oversight.Progress{Agency: "TAX", Month: "1404-04", Services: 10,
		Electronic: 70, ElectronicTarget: 100, ElectronicMet: false, ElectronicForecast: 100, ElectronicReaches: "1404-11",
		Smart: 40, SmartBase: 10, BaseMonth: "1403-12", SmartTarget: 30,
		Forecast: map[string]float64{"1404-05": 47, "1404-06": 54, "1404-07": 61, "1404-08": 68, "1404-09": 75, "1404-10": 82, "1404-11": 89, "1404-12": 96},
		YearEnd:  96, Slope: 7, Points: 5, Reaches: "1404-04", OnTrack: true}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Targets =\n%+v\nwant\n%+v", p, want)
	}
}

func TestTargetsBehind(t *testing.T) {
	cfg := oversight.Default()
	series := []kpi.Figures{fig("NOCR", "1403-12", 20, 20, 4), fig("NOCR", "1404-06", 20, 20, 5)}
	p, err := oversight.Targets(cfg, series, "1404-06")
	if err != nil {
		t.Fatal(err)
	}
	// Shares 20 (x = -6) and 25 (x = 0): slope 5/6, intercept 25; year end
	// 25 + 6·5/6 = 30 against a target of 20 + 20 = 40: behind. The
	// target rises 20 a year, faster than the trend, so the trend meets
	// it only once both are at 100: 25 + 5k/6 >= 100 at k = 90, 1411-12.
	if p.Smart != 25 || p.SmartBase != 20 || p.SmartTarget != 40 || p.YearEnd != 30 || p.OnTrack || p.Slope != 0.83 ||
		p.Reaches != "1411-12" || p.Points != 2 || !p.ElectronicMet || p.ElectronicReaches != "1404-06" || p.Forecast["1404-12"] != 30 {
		t.Errorf("Targets = %+v", p)
	}
	// In the base year's own months the target is the base.
	p, _ = oversight.Targets(cfg, series, "1403-12")
	if p.SmartTarget != 20 || !p.OnTrack || p.YearEnd != 20 || len(p.Forecast) != 0 {
		t.Errorf("Targets in the base month = %+v", p)
	}
}

func TestTargetsBase(t *testing.T) {
	cfg := oversight.Default()
	// Joined after the base year: the base is its first month.
	series := []kpi.Figures{fig("MCLS", "1404-02", 5, 1, 1), fig("MCLS", "1405-03", 5, 2, 2)}
	p, _ := oversight.Targets(cfg, series, "1405-03")
	if p.BaseMonth != "1404-02" || p.SmartBase != 20 || p.SmartTarget != 60 {
		t.Errorf("late joiner: %+v", p)
	}
	// A base from before the base year's end is the latest one then.
	series = append(series, fig("MCLS", "1403-06", 5, 0, 0), fig("MCLS", "1403-09", 5, 1, 1))
	p, _ = oversight.Targets(cfg, series, "1405-03")
	if p.BaseMonth != "1403-09" || p.SmartBase != 20 || p.SmartTarget != 60 {
		t.Errorf("base before the base year's end: %+v", p)
	}
	// A configured base replaces the measured one; the target stops at 100.
	base := 50.0
	cfg.SmartBaseShare = &base
	p, _ = oversight.Targets(cfg, series, "1405-03")
	if p.BaseMonth != "" || p.SmartBase != 50 || p.SmartTarget != 90 {
		t.Errorf("configured base: %+v", p)
	}
	if got := cfg.SmartTarget(50, 1407); got != 100 {
		t.Errorf("SmartTarget(50, 1407) = %g, want 100", got)
	}
	// One month of data: a flat trend (and, joining in 1404, its base
	// is 1404-10 and its target for 1404 already base + 20).
	p, _ = oversight.Targets(oversight.Default(), []kpi.Figures{fig("X", "1404-10", 4, 1, 1)}, "1404-10")
	if p.Slope != 0 || p.YearEnd != 25 || p.Forecast["1404-11"] != 25 || p.Points != 1 || p.SmartTarget != 45 || p.OnTrack {
		t.Errorf("one month: %+v", p)
	}
	// No services in the month: nothing to judge.
	p, _ = oversight.Targets(oversight.Default(), []kpi.Figures{fig("X", "1404-10", 4, 1, 1)}, "1404-11")
	if !p.NoData || p.OnTrack {
		t.Errorf("a month without services: %+v", p)
	}
	for _, bad := range []string{"1404-13", "1404-7", "14047", "abcd-01"} {
		if _, err := oversight.Targets(oversight.Default(), nil, bad); err == nil {
			t.Errorf("Targets(%q) accepted", bad)
		}
	}
}

func TestRank(t *testing.T) {
	cfg := oversight.Default()
	f := func(agency string, services, fe, smart int) kpi.Figures {
		return fig(agency, "1404-07", services, fe, smart)
	}
	tax := f("TAX", 10, 8, 4)
	tax.Decided, tax.OnTime = 10, 9
	tax.Ratings, tax.RatingSum = 4, 18     // mean 4.5: 87.5
	tax.Submitted, tax.Complaints = 200, 4 // 20 per thousand: 80
	tax.DecidedAuto, tax.Overturned = 5, 1 // 80
	zzz := f("ZZZ", 10, 6, 6)
	zzz.Decided, zzz.OnTime = 5, 3
	figs := []kpi.Figures{
		f("NOCR", 4, 4, 0), tax, f("EMPTY", 0, 0, 0), f("MCLS", 2, 2, 0), zzz,
		fig("TAX", "1404-06", 10, 10, 10), // another month
		{Key: kpi.Key{Month: "1404-07", Agency: "TAX", Service: "tax-1"}, Services: 1, FullyElectronic: 1}, // a service row
		{Key: kpi.Key{Month: "1404-07"}, Services: 30},                                                     // national
	}
	got := oversight.Rank("1404-07", figs, cfg, oversight.ByAgency)
	var order []string
	for _, r := range got {
		order = append(order, r.Agency)
	}
	// TAX: (30·80 + 20·40 + 20·90 + 15·87.5 + 5·80 + 10·80)/100 = 75.125.
	// ZZZ: (30·60 + 20·60 + 20·60)/70 = 60 on weight 70; MCLS and NOCR:
	// (30·100 + 20·0)/50 = 60 on weight 50, then by code. EMPTY: no data.
	if strings.Join(order, " ") != "TAX ZZZ MCLS NOCR EMPTY" {
		t.Fatalf("order = %v", order)
	}
	if r := got[0]; r.Score != 75.13 || r.Rank != 1 || r.Weight != 100 || len(r.Missing) != 0 ||
		!reflect.DeepEqual(r.Parts, map[string]float64{"fully_electronic": 80, "smart": 40, "on_time": 90, "satisfaction": 87.5, "complaints": 80, "auto_upheld": 80}) {
		t.Errorf("TAX = %+v", r)
	}
	if r := got[1]; r.Score != 60 || r.Rank != 2 || r.Weight != 70 {
		t.Errorf("ZZZ = %+v", r)
	}
	if r := got[3]; r.Score != 60 || r.Rank != 4 || r.Weight != 50 || strings.Join(r.Missing, ",") != "on_time,satisfaction,complaints,auto_upheld" {
		t.Errorf("NOCR = %+v", r)
	}
	if r := got[4]; r.Rank != 0 || r.Score != 0 || len(r.Missing) != 6 {
		t.Errorf("EMPTY = %+v", r)
	}

	// Complaints: 100 per thousand or more score 0.
	many := f("X", 1, 1, 1)
	many.Submitted, many.Complaints = 10, 3
	if p := oversight.Parts(many); p["complaints"] != 0 {
		t.Errorf("300 per thousand scores %g", p["complaints"])
	}

	// Provinces are ranked without the catalogue's shares.
	thr := kpi.Figures{Key: kpi.Key{Month: "1404-07", Province: "THR"}, Services: 30, FullyElectronic: 30, Decided: 10, OnTime: 9}
	yzd := kpi.Figures{Key: kpi.Key{Month: "1404-07", Province: "YZD"}, Services: 30, FullyElectronic: 30, Decided: 4, OnTime: 4}
	prov := oversight.Rank("1404-07", []kpi.Figures{thr, yzd, tax}, cfg, oversight.ByProvince)
	if len(prov) != 2 || prov[0].Province != "YZD" || prov[0].Score != 100 || prov[1].Score != 90 || prov[1].Weight != 20 ||
		strings.Join(prov[1].Missing, ",") != "satisfaction,complaints,auto_upheld" {
		t.Errorf("provinces = %+v", prov)
	}
	if _, ok := prov[0].Parts["fully_electronic"]; ok {
		t.Errorf("a province is scored on the catalogue: %+v", prov[0])
	}
}

func TestMethod(t *testing.T) {
	cfg := oversight.Default()
	cfg.Ranking.Weights = map[string]float64{"smart": 1, "complaints": 3, "on_time": 0}
	m := oversight.MethodFor(cfg, oversight.ByAgency)
	if !strings.Contains(m.En, "smart (level 3 or above), weight 1 (25%)") || !strings.Contains(m.En, "weight 3 (75%)") ||
		strings.Contains(m.En, "deadline") || !strings.Contains(m.Fa, "وزن ۱ (۲۵٪)") || !strings.Contains(m.Fa, "وزن ۳ (۷۵٪)") {
		t.Errorf("method:\n%s\n%s", m.En, m.Fa)
	}
	if !reflect.DeepEqual(m.Weights, map[string]float64{"smart": 1, "complaints": 3}) {
		t.Errorf("weights = %v", m.Weights)
	}
	p := oversight.MethodFor(cfg, oversight.ByProvince)
	if strings.Contains(p.En, "level 3 or above), weight") || !strings.Contains(p.En, "weight 3 (100%)") {
		t.Errorf("province method: %s", p.En)
	}
}

func TestChanges(t *testing.T) {
	prev := []kpi.Figures{fig("TAX", "1404-06", 10, 5, 1), fig("NOCR", "1404-06", 4, 4, 0)}
	cur := []kpi.Figures{fig("TAX", "1404-07", 10, 8, 1), fig("NOCR", "1404-07", 4, 3, 1), fig("NEW", "1404-07", 1, 1, 1)}
	nat0 := kpi.Figures{Key: kpi.Key{Month: "1404-06"}, Services: 14, FullyElectronic: 9, Smart: 1}
	nat1 := kpi.Figures{Key: kpi.Key{Month: "1404-07"}, Services: 14, FullyElectronic: 11, Smart: 2}
	got := oversight.Changes(nat0, nat1, prev, cur, 3)
	// TAX electronic 50 → 80 (+30); NOCR electronic 100 → 75 (−25) and
	// smart 0 → 25 (+25); the country +14.29 and +7.14. NEW had no
	// previous month.
	want := []oversight.Change{{Agency: "TAX", Component: "fully_electronic", From: 50, To: 80, Delta: 30},
		{Agency: "NOCR", Component: "fully_electronic", From: 100, To: 75, Delta: -25},
		{Agency: "NOCR", Component: "smart", From: 0, To: 25, Delta: 25}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Changes = %+v", got)
	}
}
