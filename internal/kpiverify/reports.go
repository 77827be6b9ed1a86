package kpiverify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"golang.org/x/mod/sumdb/note"

	"github.com/panjare/panjare/internal/oversight"
)

// kindReportPublished is the event that puts a report's digests in the
// ledger.
const kindReportPublished = "oversight.report.published"

// archived is one row of the report archive.
type archived struct {
	month              string
	html, pdf, figures []byte
	signature          []byte
}

// publishedDigests is the payload of a report's event: the SHA-256 of each
// of its forms, in hex.
type publishedDigests struct {
	Month   string `json:"month"`
	HTML    string `json:"html_sha256"`
	PDF     string `json:"pdf_sha256"`
	Figures string `json:"figures_sha256"`
}

// compareReports checks every archived monthly report: its figures against
// the recomputation from the events it was built from (those up to its
// source's Through, so that a later objection does not make an honest
// report wrong), its digests against its event in the ledger, and its
// signature against the ledger's key.
func (r *Result) compareReports(ctx context.Context, opt Options, h *History) error {
	reports, err := readReports(ctx, opt)
	if err != nil {
		return err
	}
	events, err := publishedEvents(ctx, opt, r.Source.LedgerSize, true)
	if err != nil {
		return err
	}
	// Every report the ledger says was published is in the archive.
	archivedMonths := map[string]bool{}
	for _, rep := range reports {
		archivedMonths[rep.month] = true
	}
	for _, m := range sortedKeys(events) {
		r.add(1, nil)
		if !archivedMonths[m] {
			r.add(0, []Discrepancy{{Source: "report:" + m, Key: m, Field: "archive", Expected: "the report whose digests the ledger seals", Got: absent}})
		}
	}
	if len(reports) == 0 {
		return nil
	}
	all, err := publishedEvents(ctx, opt, r.Source.LedgerSize, false)
	if err != nil {
		return err
	}
	pending := map[string]bool{}
	for m := range all {
		_, sealed := events[m]
		pending[m] = !sealed
	}
	histories := map[int64]*History{r.Source.Through: h}
	for _, rep := range reports {
		source := "report:" + rep.month
		bad := func(field, want, got string) {
			r.add(0, []Discrepancy{{Source: source, Key: rep.month, Field: field, Expected: want, Got: got}})
		}

		// The digests in the ledger.
		ev, ok := events[rep.month]
		if !ok {
			r.add(1, nil)
			got := absent
			if pending[rep.month] {
				got = "one not sealed yet (the ledger seals it while the server runs; or run kpi verify --seal)"
			}
			bad("event", "an "+kindReportPublished+" event sealed in the ledger", got)
		} else {
			for _, d := range []struct {
				name   string
				body   []byte
				sealed string
			}{{"html_sha256", rep.html, ev.HTML}, {"pdf_sha256", rep.pdf, ev.PDF}, {"figures_sha256", rep.figures, ev.Figures}} {
				r.add(1, nil)
				if got := hexSum(d.body); got != d.sealed {
					r.add(0, []Discrepancy{{Source: source, Key: rep.month, Field: d.name, Expected: d.sealed, Got: got}})
				}
			}
		}

		// The signature: a note by the ledger's key over the documents'
		// digests as they are now.
		r.add(1, nil)
		signed := oversight.SignedText(oversight.ReportInfo{Month: rep.month,
			HTMLSHA256: hexSum(rep.html), PDFSHA256: hexSum(rep.pdf), FiguresSHA256: hexSum(rep.figures)})
		if opt.Verifier == nil {
			bad("signature", "verified", "no key to check it with")
		} else if n, err := note.Open(rep.signature, note.VerifierList(opt.Verifier)); err != nil {
			bad("signature", "verified", fmt.Sprintf("%q", err.Error()))
		} else if n.Text != signed {
			bad("signature", fmt.Sprintf("a note over %q", signed), fmt.Sprintf("a note over %q", n.Text))
		}

		// The figures, against the events the report counted.
		figures, providers, err := docRows(rep.figures)
		if err != nil {
			r.add(1, nil)
			bad("figures", "a figures document", fmt.Sprintf("%q", err.Error()))
			continue
		}
		var src struct {
			Source struct {
				Through int64 `json:"through"`
			} `json:"source"`
		}
		_ = json.Unmarshal(rep.figures, &src) // docRows read it already
		through := src.Source.Through
		if through <= 0 || through > r.Source.Through {
			if through > r.Source.Through {
				bad("source.through", fmt.Sprintf("at most %d (the last sealed event)", r.Source.Through), fmt.Sprint(through))
			}
			through = r.Source.Through
		}
		rh := histories[through]
		if rh == nil {
			if rh, err = build(ctx, opt.Store, r.Source.LedgerSize, through); err != nil {
				return err
			}
			histories[through] = rh
		}
		for _, f := range figures {
			r.add(compareRows(source, mustRow(rh.Figures(f.k), false), f, false))
		}
		for _, p := range providers {
			r.add(compareRows(source, mustRow(rh.Provider(p.k.Month, p.provider), true), p, false))
		}
	}
	return nil
}

func sortedKeys(m map[string]publishedDigests) []string {
	set := map[string]bool{}
	for k := range m {
		set[k] = true
	}
	return sorted(set)
}

func hexSum(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// readReports reads the archive with one plain query.
func readReports(ctx context.Context, opt Options) ([]archived, error) {
	rows, err := opt.Store.Read().QueryContext(ctx, `SELECT month, html, pdf, figures, signature FROM oversight_reports ORDER BY month`)
	if err != nil {
		return nil, fmt.Errorf("kpiverify: the report archive: %w", err)
	}
	defer rows.Close()
	var out []archived
	for rows.Next() {
		var a archived
		var signature string
		if err := rows.Scan(&a.month, &a.html, &a.pdf, &a.figures, &signature); err != nil {
			return nil, fmt.Errorf("kpiverify: the report archive: %w", err)
		}
		a.signature = []byte(signature)
		out = append(out, a)
	}
	return out, rows.Err()
}

// publishedEvents returns, by month, the digests of the latest
// oversight.report.published event: of those sealed in the ledger's first
// size leaves when sealed is set, else of all.
func publishedEvents(ctx context.Context, opt Options, size uint64, sealed bool) (map[string]publishedDigests, error) {
	q, args := `SELECT payload FROM events WHERE kind = $1 ORDER BY id`, []any{kindReportPublished}
	if sealed {
		q = `SELECT e.payload FROM events e JOIN ledger_leaves l ON l.event_id = e.id
			WHERE e.kind = $1 AND l.idx < $2 ORDER BY e.id`
		args = append(args, int64(size))
	}
	rows, err := opt.Store.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("kpiverify: report events: %w", err)
	}
	defer rows.Close()
	out := map[string]publishedDigests{}
	for rows.Next() {
		var payload string
		if err := rows.Scan(&payload); err != nil {
			return nil, fmt.Errorf("kpiverify: report events: %w", err)
		}
		var d publishedDigests
		if err := json.Unmarshal([]byte(payload), &d); err != nil {
			return nil, fmt.Errorf("kpiverify: a report event: %w", err)
		}
		out[d.Month] = d
	}
	return out, rows.Err()
}
