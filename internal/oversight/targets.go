package oversight

import (
	"math"

	"github.com/panjare/panjare/internal/kpi"
)

// trendMonths is how many months, at most, the trend is fitted on.
const trendMonths = 12

// reachHorizon is how far ahead, in months, Reaches looks for the month
// the trend meets its target.
const reachHorizon = 120

// SmartTarget returns the smart share target for the end of Jalali year
// year: base + step × (year − base year), never below the base, at most 100.
func (c Config) SmartTarget(base float64, year int) float64 {
	t := base + c.SmartStepPP*float64(max(0, year-c.BaseYear))
	return math.Min(100, t)
}

// Targets computes the progress in month of one series: one agency's
// figures (or the national ones) for any months, in any order; figures of
// other months are the history the base and the trend come from, and
// those after month are ignored. It is a pure function of its arguments.
//
// The base of the smart target is Config.SmartBaseShare when set; else the
// share measured in the base year's last month, or, when the series has no
// services then, in the latest month before it that has, or else in the
// first month after it that has (an agency that joined later starts from
// where it joined). A month "has data" when it has live services.
func Targets(cfg Config, series []kpi.Figures, monthText string) (Progress, error) {
	m, err := parseMonth("oversight.Targets", monthText)
	if err != nil {
		return Progress{}, err
	}
	byIdx := map[int]kpi.Figures{}
	p := Progress{Month: m.String(), ElectronicTarget: cfg.ElectronicTarget, Forecast: map[string]float64{}}
	for _, f := range series {
		fm, err := parseMonth("oversight.Targets", f.Month)
		if err != nil {
			return Progress{}, err
		}
		if fm.idx() <= m.idx() && f.Services > 0 {
			byIdx[fm.idx()] = f
		}
		if fm == m {
			p.Agency = f.Agency
		}
	}
	cur, ok := byIdx[m.idx()]
	if !ok {
		p.NoData = true
		return p, nil
	}
	p.Services = cur.Services
	p.Electronic = pct(cur.FullyElectronic, cur.Services)
	p.Smart = pct(cur.Smart, cur.Services)

	// The base.
	switch {
	case cfg.SmartBaseShare != nil:
		p.SmartBase = *cfg.SmartBaseShare
	default:
		baseEnd := month{cfg.BaseYear, 12}.idx()
		at := -1
		for i := range byIdx {
			if i <= baseEnd && (at < 0 || i > at) {
				at = i
			}
		}
		if at < 0 {
			for i := range byIdx {
				if at < 0 || i < at {
					at = i
				}
			}
		}
		f := byIdx[at]
		p.SmartBase = pct(f.Smart, f.Services)
		p.BaseMonth = fromIdx(at).String()
	}
	target := func(y int) float64 { return cfg.SmartTarget(p.SmartBase, y) }
	p.SmartTarget = target(m.y)

	// The trends, over the last months with data.
	var xs, smart, elec []float64
	for i := m.idx() - trendMonths + 1; i <= m.idx(); i++ {
		if f, ok := byIdx[i]; ok {
			xs = append(xs, float64(i-m.idx()))
			smart = append(smart, pct(f.Smart, f.Services))
			elec = append(elec, pct(f.FullyElectronic, f.Services))
		}
	}
	p.Points = len(xs)
	sLine := fit(xs, smart, p.Smart)
	eLine := fit(xs, elec, p.Electronic)
	p.Slope = round2(sLine.slope)
	toEnd := 12 - m.m
	for k := 1; k <= toEnd; k++ {
		p.Forecast[m.add(k).String()] = round2(sLine.at(k))
	}
	p.YearEnd = sLine.at(toEnd)
	p.ElectronicForecast = eLine.at(toEnd)
	p.OnTrack = p.YearEnd >= p.SmartTarget-1e-9
	p.ElectronicMet = p.Electronic >= cfg.ElectronicTarget-1e-9
	for k := 0; k <= reachHorizon; k++ {
		if p.Reaches == "" && sLine.at(k) >= target(m.add(k).y)-1e-9 {
			p.Reaches = m.add(k).String()
		}
		if p.ElectronicReaches == "" && eLine.at(k) >= cfg.ElectronicTarget-1e-9 {
			p.ElectronicReaches = m.add(k).String()
		}
	}
	p.Electronic, p.Smart, p.SmartBase, p.SmartTarget = round2(p.Electronic), round2(p.Smart), round2(p.SmartBase), round2(p.SmartTarget)
	p.YearEnd, p.ElectronicForecast = round2(p.YearEnd), round2(p.ElectronicForecast)
	return p, nil
}

// line is a fitted trend: the share k months after the month judged is
// intercept + slope·k, within 0..100; at k = 0 it is the measured share,
// so that a month already past the target is not judged by its trend.
type line struct {
	slope, intercept, now float64
}

func (l line) at(k int) float64 {
	if k == 0 {
		return l.now
	}
	return math.Max(0, math.Min(100, l.intercept+l.slope*float64(k)))
}

// fit fits y = intercept + slope·x by ordinary least squares. With fewer
// than two points the trend is flat at the measured share.
func fit(xs, ys []float64, now float64) line {
	n := float64(len(xs))
	if len(xs) < 2 {
		return line{intercept: now, now: now}
	}
	var sx, sy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
	}
	mx, my := sx/n, sy/n
	var sxy, sxx float64
	for i := range xs {
		sxy += (xs[i] - mx) * (ys[i] - my)
		sxx += (xs[i] - mx) * (xs[i] - mx)
	}
	if sxx == 0 {
		return line{intercept: now, now: now}
	}
	slope := sxy / sxx
	return line{slope: slope, intercept: my - slope*mx, now: now}
}

// pct is n/d as a percentage; 0 when d is 0.
func pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) * 100 / float64(d)
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }
