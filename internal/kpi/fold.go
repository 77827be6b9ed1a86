package kpi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// The event kinds the figures are made of.
const (
	evPublished    = "catalog.service.published"
	evRetired      = "catalog.service.retired"
	evLevelChanged = "catalog.service.level_changed"
	evDraft        = "apply.draft.saved"
	evSubmitted    = "apply.case.submitted"
	evTransition   = "apply.case.transition"
	evObjection    = "apply.objection.decided"
	evFeedback     = "apply.feedback.given"
	evComplaint    = "apply.complaint.received"
	evInquiry      = "exchange.inquiry"
)

var foldedKinds = []string{evPublished, evRetired, evLevelChanged, evDraft, evSubmitted, evTransition,
	evObjection, evFeedback, evComplaint, evInquiry}

// The counters of a group, in the order of kpi_groups' columns.
const (
	cStarted = iota
	cCompleted
	cSubmitted
	cDecided
	cDecidedAuto
	cOverturned
	cOnTime
	cRatings
	cRatingSum
	cComplaints
	cOnline
	cCounter
	nCounters
)

var counterColumns = [nCounters]string{"started", "completed", "submitted", "decided", "decided_auto", "overturned",
	"on_time", "ratings", "rating_sum", "complaints", "online", "counter"}

// dims is a group's five parts.
type dims struct{ month, agency, service, province, city string }

func (d dims) key() string {
	return d.month + "\x1f" + d.agency + "\x1f" + d.service + "\x1f" + d.province + "\x1f" + d.city
}

// expand returns the groups an event of d counts in: with its agency and
// service, its agency alone, and neither; each with its city, its
// province, and no region. An event without a region counts only in the
// groups without one.
func (d dims) expand(withRegion bool) []dims {
	type as struct{ a, s string }
	ags := []as{{d.agency, d.service}}
	if d.service != "" {
		ags = append(ags, as{d.agency, ""})
	}
	if d.agency != "" {
		ags = append(ags, as{"", ""})
	}
	type pc struct{ p, c string }
	regs := []pc{{"", ""}}
	if withRegion {
		if d.province != "" {
			regs = append(regs, pc{d.province, ""})
		}
		if d.city != "" {
			regs = append(regs, pc{d.province, d.city})
		}
	}
	out := make([]dims, 0, len(ags)*len(regs))
	for _, x := range ags {
		for _, r := range regs {
			out = append(out, dims{d.month, x.a, x.s, r.p, r.c})
		}
	}
	return out
}

// group is one kpi_groups row: what it held before the batch (when it
// existed) plus what the batch adds.
type group struct {
	dims
	c               [nCounters]int64
	hours, promised hist
}

// kcase is one kpi_cases row.
type kcase struct {
	tracking            string
	submitted, deadline sql.NullInt64 // microseconds since 1970 UTC
	decided             sql.NullInt64
	at                  dims // the decision's group
	auto, overturned    bool
	dirty               bool
}

type pair struct {
	month, service string
	completed      bool
	dirty          bool
}

type provider struct {
	month, provider      string
	inquiries, succeeded int64
	latency              hist
}

// payload holds the fields of every folded kind's payload.
type payload struct {
	Tracking   string          `json:"tracking"`
	To         string          `json:"to"`
	Deadline   *time.Time      `json:"deadline"`
	Channel    string          `json:"channel"`
	Overturned bool            `json:"overturned"`
	Rating     int64           `json:"rating"`
	Provider   string          `json:"provider"`
	Status     int             `json:"status"`
	Error      string          `json:"error"`
	LatencyMS  float64         `json:"latency_ms"`
	Level      json.RawMessage `json:"level"`
}

// batch is what one fold accumulates before it writes.
type batch struct {
	k        *KPI
	hashKey  []byte
	groups   map[string]*group
	cases    map[string]*kcase
	pairs    map[string]*pair // by the pair's hash
	provs    map[string]*provider
	months   map[string]bool
	svcRows  [][]any // kpi_service_events rows
	services map[string]bool
}

// foldBatch folds at most limit events after the cursor and moves it, in
// one transaction. It reports whether more events may be waiting.
func (k *KPI) foldBatch(ctx context.Context, limit int) (more bool, err error) {
	k.fold.Lock()
	defer k.fold.Unlock()
	var upto int64
	var size uint64
	var root string
	if k.led != nil {
		if upto, size, root, err = k.sealed(ctx); err != nil {
			return false, err
		}
	}
	tx, err := k.s.DB().BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	lock := ""
	if k.s.Dialect() == store.Postgres {
		lock = " FOR UPDATE"
		// The figures are derived: a fold lost in a crash is folded
		// again from the events, so it need not wait for the disk.
		if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
			return false, err
		}
	}
	var through int64
	b := &batch{k: k, groups: map[string]*group{}, cases: map[string]*kcase{}, pairs: map[string]*pair{},
		provs: map[string]*provider{}, months: map[string]bool{}, services: map[string]bool{}}
	if err := tx.QueryRowContext(ctx, `SELECT through, hash_key FROM kpi_state WHERE id = 1`+lock).Scan(&through, &b.hashKey); err != nil {
		return false, fmt.Errorf("reading the cursor: %w", err)
	}
	if k.led == nil {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&upto); err != nil {
			return false, err
		}
	}
	if upto <= through {
		return false, nil
	}
	evs, err := readEvents(ctx, tx, through, upto, limit)
	if err != nil {
		return false, err
	}
	next := upto
	if len(evs) == limit {
		next = evs[len(evs)-1].ID
		more = true
	}
	if err := b.fold(ctx, tx, evs); err != nil {
		return false, err
	}
	if err := b.write(ctx, tx); err != nil {
		return false, err
	}
	q := `UPDATE kpi_state SET through = $1, folded_at = $2`
	args := []any{next, time.Now().UTC()}
	if k.led != nil {
		q += `, ledger_size = $3, ledger_root = $4`
		args = append(args, int64(size), root)
	}
	if _, err := tx.ExecContext(ctx, q+` WHERE id = 1`, args...); err != nil {
		return false, err
	}
	if k.beforeCommit != nil {
		if err := k.beforeCommit(); err != nil {
			return false, err
		}
	}
	if err := tx.Commit(); err != nil {
		return false, err
	}
	return more, nil
}

// sealed returns the id up to which every event is in the tree of the
// ledger's latest signed checkpoint, with that tree's size and root. The
// sealer seals in id order (an id missing when it passed is sealed later,
// with a lower id), so every event up to the id sealed by the tree's last
// leaf, and up to SealedThrough, is in that tree.
func (k *KPI) sealed(ctx context.Context) (upto int64, size uint64, root string, err error) {
	cp, err := k.led.Checkpoint(ctx)
	if err != nil {
		return 0, 0, "", err
	}
	if cp.Size == 0 {
		return 0, 0, encodeRoot(cp.Root), nil
	}
	last, err := k.led.Entries(ctx, cp.Size-1, cp.Size)
	if err != nil {
		return 0, 0, "", err
	}
	if len(last) != 1 {
		return 0, 0, "", fmt.Errorf("the ledger has no leaf %d", cp.Size-1)
	}
	through, err := k.led.SealedThrough(ctx)
	if err != nil {
		return 0, 0, "", err
	}
	return min(through, last[0].EventID), cp.Size, encodeRoot(cp.Root), nil
}

func readEvents(ctx context.Context, tx *sql.Tx, after, upto int64, limit int) ([]store.Event, error) {
	kinds := make([]string, len(foldedKinds))
	for i, kd := range foldedKinds {
		kinds[i] = "'" + kd + "'"
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, at, kind, actor, agency, service, region, subject, payload FROM events
		WHERE id > $1 AND id <= $2 AND kind IN (`+strings.Join(kinds, ", ")+`) ORDER BY id LIMIT `+strconv.Itoa(limit), after, upto)
	if err != nil {
		return nil, fmt.Errorf("reading events: %w", err)
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		var ev store.Event
		var p string
		if err := rows.Scan(&ev.ID, &ev.At, &ev.Kind, &ev.Actor, &ev.Agency, &ev.Service, &ev.Region, &ev.Subject, &p); err != nil {
			return nil, fmt.Errorf("reading events: %w", err)
		}
		ev.At = ev.At.UTC()
		ev.Payload = json.RawMessage(p)
		out = append(out, ev)
	}
	return out, rows.Err()
}

// pairKey is the keyed hash of a (person, service) pair in a month.
func (b *batch) pairKey(month, service, subject string) string {
	m := hmac.New(sha256.New, b.hashKey)
	m.Write([]byte(month + "\x00" + service + "\x00" + subject))
	return string(m.Sum(nil)[:16])
}

// fold adds evs, in id order, to the batch, loading first the cases and
// pairs they touch.
func (b *batch) fold(ctx context.Context, tx *sql.Tx, evs []store.Event) error {
	pls := make([]payload, len(evs))
	var trackings, pairKeys []string
	needRegions := false
	for i, ev := range evs {
		// A payload of the wrong shape still yields the fields that fit;
		// only unparseable JSON leaves them all zero.
		_ = json.Unmarshal(ev.Payload, &pls[i])
		switch ev.Kind {
		case evSubmitted, evTransition, evObjection:
			if pls[i].Tracking != "" {
				trackings = append(trackings, pls[i].Tracking)
			}
		}
		if ev.Kind == evDraft || ev.Kind == evSubmitted {
			pairKeys = append(pairKeys, b.pairKey(persian.MonthKey(ev.At), ev.Service, ev.Subject))
		}
		if ev.Region != "" && !b.k.knownCity(ev.Region) {
			needRegions = true
		}
	}
	if needRegions {
		if err := b.k.loadRegions(ctx); err != nil {
			return err
		}
	}
	if err := b.loadCases(ctx, tx, trackings); err != nil {
		return err
	}
	if err := b.loadPairs(ctx, tx, pairKeys); err != nil {
		return err
	}
	for i, ev := range evs {
		if err := b.add(ev, &pls[i]); err != nil {
			return err
		}
	}
	return nil
}

func (b *batch) dimsOf(ev store.Event) dims {
	return dims{month: persian.MonthKey(ev.At), agency: ev.Agency, service: ev.Service, province: b.k.provinceOf(ev.Region), city: ev.Region}
}

// count adds n to counter c of every group of d.
func (b *batch) count(d dims, withRegion bool, c int, n int64, also func(g *group)) {
	for _, gd := range d.expand(withRegion) {
		g := b.group(gd)
		g.c[c] += n
		if also != nil {
			also(g)
		}
	}
}

func (b *batch) group(d dims) *group {
	k := d.key()
	g := b.groups[k]
	if g == nil {
		g = &group{dims: d, hours: hist{}, promised: hist{}}
		b.groups[k] = g
	}
	return g
}

func (b *batch) add(ev store.Event, pl *payload) error {
	switch ev.Kind {
	case evPublished, evRetired, evLevelChanged:
		if ev.Service == "" {
			return nil
		}
		kind, level := "published", int64(-1)
		switch ev.Kind {
		case evRetired:
			kind = "retired"
		case evLevelChanged:
			kind = "level"
		}
		if ev.Kind != evRetired {
			if l, ok := parseLevel(pl.Level); ok {
				level = int64(l)
			}
		}
		b.svcRows = append(b.svcRows, []any{ev.Service, ev.ID, ev.At.UnixMicro(), ev.Agency, kind, level})
		b.services[ev.Service] = true
		b.months[persian.MonthKey(ev.At)] = true
		return nil
	case evInquiry:
		member := providerMember(pl.Provider)
		month := persian.MonthKey(ev.At)
		k := month + "\x1f" + member
		p := b.provs[k]
		if p == nil {
			p = &provider{month: month, provider: member, latency: hist{}}
			b.provs[k] = p
		}
		p.inquiries++
		if pl.Status >= 200 && pl.Status <= 299 && pl.Error == "" {
			p.succeeded++
		}
		p.latency[int64(math.Floor(pl.LatencyMS))]++
		b.months[month] = true
		return nil
	}
	d := b.dimsOf(ev)
	b.months[d.month] = true
	switch ev.Kind {
	case evDraft, evSubmitted:
		pk := b.pairKey(d.month, ev.Service, ev.Subject)
		p := b.pairs[pk]
		if p == nil {
			p = &pair{month: d.month, service: ev.Service, dirty: true}
			b.pairs[pk] = p
			b.count(d, false, cStarted, 1, nil)
		}
		if ev.Kind == evDraft {
			return nil
		}
		if !p.completed {
			p.completed, p.dirty = true, true
			b.count(d, false, cCompleted, 1, nil)
		}
		channel := cOnline
		if pl.Channel == "counter" {
			channel = cCounter
		}
		b.count(d, true, cSubmitted, 1, func(g *group) { g.c[channel]++ })
		if pl.Tracking == "" {
			return nil
		}
		c := b.caseOf(pl.Tracking)
		if !c.submitted.Valid {
			c.submitted = sql.NullInt64{Int64: ev.At.UnixMicro(), Valid: true}
			if pl.Deadline != nil {
				c.deadline = sql.NullInt64{Int64: pl.Deadline.UnixMicro(), Valid: true}
			}
			c.dirty = true
		}
	case evTransition:
		if pl.Tracking == "" || (pl.To != "approved" && pl.To != "rejected") {
			return nil
		}
		c := b.caseOf(pl.Tracking)
		if c.decided.Valid {
			return nil // only the first decision counts
		}
		at := ev.At.UnixMicro()
		c.decided = sql.NullInt64{Int64: at, Valid: true}
		c.at = d
		c.auto = strings.HasPrefix(ev.Actor, "rules:")
		c.dirty = true
		b.count(d, true, cDecided, 1, func(g *group) {
			if c.auto {
				g.c[cDecidedAuto]++
			}
			if c.deadline.Valid && at <= c.deadline.Int64 {
				g.c[cOnTime]++
			}
			if c.submitted.Valid {
				g.hours[floorHours(at-c.submitted.Int64)]++
				if c.deadline.Valid {
					g.promised[floorHours(c.deadline.Int64-c.submitted.Int64)]++
				}
			}
		})
	case evObjection:
		if pl.Tracking == "" || !pl.Overturned {
			return nil
		}
		c, ok := b.cases[pl.Tracking]
		if !ok || !c.decided.Valid || !c.auto || c.overturned {
			return nil
		}
		c.overturned, c.dirty = true, true
		b.count(c.at, true, cOverturned, 1, nil)
	case evFeedback:
		b.count(d, true, cRatings, 1, func(g *group) { g.c[cRatingSum] += pl.Rating })
	case evComplaint:
		b.count(d, true, cComplaints, 1, nil)
	}
	return nil
}

// caseOf returns the case tracking, loaded or new.
func (b *batch) caseOf(tracking string) *kcase {
	c := b.cases[tracking]
	if c == nil {
		c = &kcase{tracking: tracking}
		b.cases[tracking] = c
	}
	return c
}

// floorHours is floor(us / 1 h) for a duration in microseconds.
func floorHours(us int64) int64 {
	const hour = int64(time.Hour / time.Microsecond)
	q := us / hour
	if us%hour != 0 && us < 0 {
		q--
	}
	return q
}

// providerMember is the first three parts of a provider's identifier.
func providerMember(id string) string {
	parts := strings.SplitN(id, "/", 4)
	if len(parts) > 3 {
		parts = parts[:3]
	}
	return strings.Join(parts, "/")
}

// parseLevel reads a level written "L3" (or 3).
func parseLevel(raw json.RawMessage) (int, bool) {
	if len(raw) == 0 {
		return 0, false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if len(s) == 2 && (s[0] == 'L' || s[0] == 'l') && s[1] >= '0' && s[1] <= '5' {
			return int(s[1] - '0'), true
		}
		return 0, false
	}
	var n int
	if json.Unmarshal(raw, &n) == nil && n >= 0 && n <= 5 {
		return n, true
	}
	return 0, false
}

func (k *KPI) knownCity(code string) bool {
	k.regMu.Lock()
	defer k.regMu.Unlock()
	_, ok := k.regions[code]
	return ok
}

func (k *KPI) provinceOf(city string) string {
	if city == "" {
		return ""
	}
	k.regMu.Lock()
	defer k.regMu.Unlock()
	return k.regions[city]
}

// loadRegions reads the catalogue's regions again: a city's province.
func (k *KPI) loadRegions(ctx context.Context) error {
	regs, err := k.cat.Regions(ctx)
	if err != nil {
		return err
	}
	m := make(map[string]string, len(regs))
	for _, r := range regs {
		m[r.Code] = r.Province
	}
	k.regMu.Lock()
	k.regions = m
	k.regMu.Unlock()
	return nil
}
