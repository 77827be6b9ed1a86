package catalog

import (
	"context"

	"github.com/panjare/panjare/internal/errs"
)

// AgencyStats summarises an agency's published services, computed from the
// registry, never reported by the agency.
type AgencyStats struct {
	Agency      string  `json:"agency"`
	Services    int     `json:"services"`     // published services, permits included
	Permits     int     `json:"permits"`      // of which permits
	PerLevel    [6]int  `json:"per_level"`    // count at L0 … L5
	Electronic  float64 `json:"electronic"`   // share fully electronic (L2 and above), 0..1
	Smart       float64 `json:"smart"`        // share smart (L3 and above), 0..1
	Quality     int     `json:"quality"`      // mean quality score, 0..100
	NeedsReview int     `json:"needs_review"` // published a year ago and not reviewed since
	Retired     int     `json:"retired"`      // retired services
}

// AgencyStats returns the statistics of agency code. Errors: NotFound.
func (c *Catalog) AgencyStats(ctx context.Context, code string) (AgencyStats, error) {
	const op = "catalog.AgencyStats"
	a, err := c.Agency(ctx, code)
	if err != nil {
		return AgencyStats{}, err
	}
	st := AgencyStats{Agency: a.Code}
	rows, err := c.s.Read().QueryContext(ctx, `SELECT status, level, permit, quality, needs_review
		FROM catalog_services WHERE agency = $1 AND status IN ('published', 'retired')`, a.Code)
	if err != nil {
		return AgencyStats{}, errs.Wrap(op, err)
	}
	defer rows.Close()
	qualitySum := 0
	for rows.Next() {
		var status string
		var level, quality int
		var permit, review bool
		if err := rows.Scan(&status, &level, &permit, &quality, &review); err != nil {
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
