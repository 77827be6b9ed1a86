package catalog

import (
	"context"

	"github.com/panjare/panjare/internal/errs"
)

// AgencyStats summarises an agency's published services (or the whole
// catalogue's, with Agency ""), computed from the registry, never reported by
// the agency. Every count and share is of true levels (TrueLevel): what an
// agency declares and has not built is counted apart, as planned, and in no
// share.
type AgencyStats struct {
	Agency      string  `json:"agency"`
	Services    int     `json:"services"`     // published services, permits included
	Permits     int     `json:"permits"`      // of which permits
	PerLevel    [6]int  `json:"per_level"`    // count at each true level L0 … L5
	Electronic  float64 `json:"electronic"`   // share fully electronic (true level L2 and above), 0..1
	Smart       float64 `json:"smart"`        // share smart (true level L3 and above), 0..1
	Planned     int     `json:"planned"`      // services declared above their true level
	PlannedAt   [6]int  `json:"planned_at"`   // of which declared at L0 … L5
	Quality     int     `json:"quality"`      // mean quality score, 0..100
	NeedsReview int     `json:"needs_review"` // published a year ago and not reviewed since
	Retired     int     `json:"retired"`      // retired services
}

// AgencyStats returns the statistics of agency code. Errors: NotFound.
func (c *Catalog) AgencyStats(ctx context.Context, code string) (AgencyStats, error) {
	a, err := c.Agency(ctx, code)
	if err != nil {
		return AgencyStats{}, err
	}
	return c.stats(ctx, "catalog.AgencyStats", a.Code)
}

// Stats returns the statistics of the whole catalogue (Agency "").
func (c *Catalog) Stats(ctx context.Context) (AgencyStats, error) {
	return c.stats(ctx, "catalog.Stats", "")
}

func (c *Catalog) stats(ctx context.Context, op, agency string) (AgencyStats, error) {
	st := AgencyStats{Agency: agency}
	q := `SELECT status, level, declared, permit, quality, needs_review
		FROM catalog_services WHERE status IN ('published', 'retired')`
	var args []any
	if agency != "" {
		q += ` AND agency = $1`
		args = append(args, agency)
	}
	rows, err := c.s.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return AgencyStats{}, errs.Wrap(op, err)
	}
	defer rows.Close()
	qualitySum := 0
	for rows.Next() {
		var status string
		var level, declared, quality int
		var permit, review bool
		if err := rows.Scan(&status, &level, &declared, &permit, &quality, &review); err != nil {
			return AgencyStats{}, errs.Wrap(op, err)
		}
		if status == string(Retired) {
			st.Retired++
			continue
		}
		st.Services++
		if permit {
			st.Permits++
		}
		if level >= 0 && level < len(st.PerLevel) {
			st.PerLevel[level]++
		}
		if declared > level && declared < len(st.PlannedAt) {
			st.Planned++
			st.PlannedAt[declared]++
		}
		if Level(level).FullyElectronic() {
			st.Electronic++
		}
		if Level(level).Smart() {
			st.Smart++
		}
		if review {
			st.NeedsReview++
		}
		qualitySum += quality
	}
	if err := rows.Err(); err != nil {
		return AgencyStats{}, errs.Wrap(op, err)
	}
	if st.Services > 0 {
		st.Electronic /= float64(st.Services)
		st.Smart /= float64(st.Services)
		st.Quality = (qualitySum + st.Services/2) / st.Services
	}
	return st, nil
}
