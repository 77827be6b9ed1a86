// Package oversight turns the KPI figures (internal/kpi) into what an
// overseer judges agencies by: targets and forecasts for each agency's
// fully electronic and smart shares, rankings of agencies and provinces by
// published weights, and the signed monthly report, archived in
// oversight_reports and sealed by an event in the ledger.
//
// It computes nothing from the events itself: every figure it shows comes
// from kpi, which counts only sealed events, so that anyone can recompute
// the report from the ledger. It never handles personal data: its inputs
// are counts.
package oversight

import (
	"time"
)

// Config is the oversight configuration (oversight.json, contract §5).
type Config struct {
	// BaseYear is the Jalali year whose last month fixes each agency's
	// smart share base.
	BaseYear int `json:"base_year"`
	// SmartBaseShare, in percent, replaces the measured base when set.
	SmartBaseShare *float64 `json:"smart_base_share"`
	// SmartStepPP is how many percentage points the smart share target
	// rises each year after the base year, up to 100.
	SmartStepPP float64 `json:"smart_step_pp"`
	// ElectronicTarget is the fully electronic share every agency must
	// reach, in percent.
	ElectronicTarget float64 `json:"electronic_target"`
	Ranking          struct {
		// Weights are the ranking components' weights (see Components);
		// they need not add up to 100.
		Weights map[string]float64 `json:"weights"`
	} `json:"ranking"`
}

// The ranking components, in the order pages and the method list them.
const (
	FullyElectronic = "fully_electronic" // fully electronic share of live services
	Smart           = "smart"            // smart share of live services
	OnTime          = "on_time"          // decided cases decided by their deadline
	Satisfaction    = "satisfaction"     // mean rating 1..5
	Complaints      = "complaints"       // complaints per thousand submitted cases (fewer is better)
	AutoUpheld      = "auto_upheld"      // automatic decisions not overturned on objection
)

// Components lists the ranking components in order.
var Components = []string{FullyElectronic, Smart, OnTime, Satisfaction, Complaints, AutoUpheld}

// Progress is one agency's (or, with Agency "", the country's) progress
// against its targets in Month. Shares are percentages, 0..100.
type Progress struct {
	Agency   string `json:"agency,omitempty"`
	Month    string `json:"month"`
	Services int    `json:"services"`
	NoData   bool   `json:"no_data,omitempty"` // no live services in Month: nothing to judge

	Electronic       float64 `json:"electronic"`        // fully electronic share
	ElectronicTarget float64 `json:"electronic_target"` // Config.ElectronicTarget
	ElectronicMet    bool    `json:"electronic_met"`
	// ElectronicForecast is the electronic share the trend projects for
	// the Jalali year's last month; ElectronicReaches the first month the
	// trend reaches the target ("" when it does not within ten years).
	ElectronicForecast float64 `json:"electronic_forecast"`
	ElectronicReaches  string  `json:"electronic_reaches,omitempty"`

	Smart     float64 `json:"smart"`      // smart share
	SmartBase float64 `json:"smart_base"` // the base share the target rises from
	// BaseMonth is the month the base was measured in ("" when configured).
	BaseMonth string `json:"base_month,omitempty"`
	// SmartTarget is the target for the end of Month's Jalali year:
	// base + step × (year − base year), at most 100.
	SmartTarget float64 `json:"smart_target"`
	// Forecast is the smart share projected for each month after Month up
	// to the end of its Jalali year; YearEnd is the last of them (or the
	// share itself in the year's last month).
	Forecast map[string]float64 `json:"forecast"`
	YearEnd  float64            `json:"year_end"`
	// Slope is the trend in percentage points a month, fitted by least
	// squares over the last (up to 12) months with data; Points is how
	// many months it was fitted on.
	Slope  float64 `json:"slope"`
	Points int     `json:"points"`
	// Reaches is the first month from Month on in which the trend meets
	// that month's year's target ("" when not within ten years).
	Reaches string `json:"reaches,omitempty"`
	// OnTrack: the forecast for the year's end meets the year's target.
	OnTrack bool `json:"on_track"`
}

// Ranked is one agency's or province's place in a month's ranking.
type Ranked struct {
	Agency   string  `json:"agency,omitempty"`
	Province string  `json:"province,omitempty"`
	Score    float64 `json:"score"` // 0..100, rounded to 0.01
	Rank     int     `json:"rank"`  // 1 = best; 0 = not ranked (no component has data)
	// Parts are the normalised scores (0..100) of the components that had
	// data; Missing names those that had none, whose weight was shared
	// among the others; Weight is the weight that counted.
	Parts   map[string]float64 `json:"parts"`
	Missing []string           `json:"missing,omitempty"`
	Weight  float64            `json:"weight"`
}

// Method is the ranking method as published beside a ranking: generated
// from the weights that produced it, so the page says exactly what was
// used.
type Method struct {
	Fa      string             `json:"fa"`
	En      string             `json:"en"`
	Weights map[string]float64 `json:"weights"`
}

// ReportInfo describes one archived monthly report.
type ReportInfo struct {
	Month         string    `json:"month"` // "1404-07"
	BuiltAt       time.Time `json:"built_at"`
	HTMLSHA256    string    `json:"html_sha256"`
	PDFSHA256     string    `json:"pdf_sha256"`
	FiguresSHA256 string    `json:"figures_sha256"`
}

// Report is an archived monthly report with its documents.
type Report struct {
	ReportInfo
	HTML      []byte `json:"-"`
	PDF       []byte `json:"-"`
	Figures   []byte `json:"-"` // the figures document (kpi.Document) as JSON
	Signature []byte `json:"-"` // the signed note over SignedText
}
