package proactive

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// The states of an action.
const (
	Offered  = "offered"   // an offer waiting for the person
	Accepted = "accepted"  // the person accepted: the case was started
	Declined = "declined"  // the person declined
	Started  = "started"   // a no-stop case was started
	OptedOut = "opted_out" // not started: the person opted out of the service
	Failed   = "failed"    // apply refused to start the case (Reason says why)
)

// Action is what one subscription did for one event and one person: an
// offer (Mode Offer) or a no-stop start (Mode NoStop).
type Action struct {
	ID           string    `json:"id"`
	Mode         Mode      `json:"mode"`
	Subscription int64     `json:"subscription"`
	Event        string    `json:"event"`
	EventType    string    `json:"event_type"`
	Service      string    `json:"service"`
	TitleFa      string    `json:"title_fa"`
	TitleEn      string    `json:"title_en"`
	Person       string    `json:"-"` // national code; personal data
	State        string    `json:"state"`
	Tracking     string    `json:"tracking,omitempty"`
	Reason       string    `json:"reason,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`

	data map[string]string
}

// systemStarter is the principal no-stop cases are started by.
var systemStarter = identity.Principal{Kind: "system", Name: "proactive"}

func newActionID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// value renders one fact of the event as a form value.
func value(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case json.Number:
		return x.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Handle acts on one life event: for every active subscription of its type
// whose condition matches, it makes an offer or starts a no-stop case, once
// per (event, service, person) however often the event is delivered. It
// returns an error only for what a later delivery may get past (the
// database, an agency that did not answer), so that the exchange retries.
func (p *Proactive) Handle(ctx context.Context, ev Event) error {
	const op = "proactive.Handle"
	var facts map[string]any
	if err := json.Unmarshal(ev.Facts, &facts); err != nil {
		p.log.Warn("a life event that is not a JSON object was skipped", "event", ev.ID, "type", ev.Type)
		return nil
	}
	if _, ok := facts["national_code"]; !ok && ev.Person != "" {
		facts["national_code"] = ev.Person
	}
	subs, err := p.activeFor(ctx, ev.Type)
	if err != nil {
		return err
	}
	var retry []error
	for _, s := range subs {
		ok, err := p.cfg.RulesActive(ctx, s.Service)
		if err != nil {
			retry = append(retry, err)
			continue
		}
		if !ok {
			continue // the rules were deactivated: nothing is started undecided
		}
		cond, err := p.condition(ctx, s)
		if err != nil {
			p.log.Warn("subscription condition unusable", "subscription", s.ID, "err", err.Error())
			continue
		}
		match, err := cond.Match(ctx, facts)
		if err != nil {
			// An error never starts anything: a fact the condition needs
			// was missing, or it ran out of time.
			p.log.Warn("subscription condition failed on an event", "subscription", s.ID, "event", ev.ID, "err", err.Error())
			continue
		}
		if !match {
			continue
		}
		persons, err := p.applicants(ctx, s, facts)
		if err != nil {
			retry = append(retry, err)
			continue
		}
		if len(persons) == 0 {
			p.log.Warn("a matching event names no valid person for the subscription", "subscription", s.ID, "event", ev.ID)
			continue
		}
		data := map[string]string{}
		for f, expr := range s.Data {
			if m := eventPath.FindStringSubmatch(expr); m != nil {
				if v := value(facts[m[1]]); v != "" {
					data[f] = v
				}
			}
		}
		for _, person := range persons {
			switch s.Mode {
			case Offer:
				err = p.offer(ctx, s, ev, person, data)
			case NoStop:
				err = p.noStop(ctx, s, ev, person, data)
			}
			if err != nil {
				retry = append(retry, err)
			}
		}
	}
	if len(retry) > 0 {
		return errs.Wrap(op, errors.Join(retry...))
	}
	return nil
}

// applicants returns whom subscription s starts its service for on an
// event with facts: the person in one field, or the heirs of that person.
func (p *Proactive) applicants(ctx context.Context, s Subscription, facts map[string]any) ([]string, error) {
	expr, heirs := s.Applicant, false
	if m := heirsOf.FindStringSubmatch(expr); m != nil {
		expr, heirs = "event."+m[1], true
	}
	field := eventPath.FindStringSubmatch(expr)
	if field == nil {
		return nil, nil
	}
	person := persian.NormalizeNationalCode(value(facts[field[1]]))
	if person == "" || persian.CheckNationalCode(person) != nil {
		return nil, nil
	}
	if !heirs {
		return []string{person}, nil
	}
	if p.cfg.Heirs == nil {
		return nil, nil
	}
	var out []string
	hs, err := p.cfg.Heirs(ctx, person)
	if err != nil {
		return nil, err
	}
	for _, h := range hs {
		if h = persian.NormalizeNationalCode(h); h != "" && persian.CheckNationalCode(h) == nil {
			out = append(out, h)
		}
	}
	return out, nil
}

// title returns the service's titles, or its id.
func (p *Proactive) title(ctx context.Context, service string) (string, string) {
	svc, err := p.cfg.Catalog.Service(ctx, service)
	if err != nil {
		return service, service
	}
	en := svc.Record.TitleEn
	if en == "" {
		en = svc.Record.TitleFa
	}
	return svc.Record.TitleFa, en
}

// notice sends one notice to person in tx, by SMS too when their number is
// known and email as they chose.
func (p *Proactive) notice(ctx context.Context, tx *store.Tx, person, template string, data map[string]string) error {
	if p.cfg.Notifier == nil {
		return nil
	}
	n := notify.Notice{To: person, Template: template, Data: data, AsChosen: true}
	if p.cfg.Phone != nil && p.cfg.Notifier.Sends(notify.ChannelSMS) {
		if phone, err := notify.ParseMobile(p.cfg.Phone(ctx, person)); err == nil && phone != "" {
			n.SMS, n.Phone = true, phone
		}
	}
	return p.cfg.Notifier.SendTx(ctx, tx, n)
}

// insertAction writes a's row unless one exists for its event, service and
// person; it reports whether it wrote it.
func insertAction(ctx context.Context, tx *store.Tx, a Action) (bool, error) {
	data, _ := json.Marshal(a.data)
	if a.data == nil {
		data = []byte("{}")
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO proactive_actions
		(id, mode, subscription, event_id, event_type, service, person, state, tracking, reason, data, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)
		ON CONFLICT (event_id, service, person) DO NOTHING`,
		a.ID, a.Mode, a.Subscription, a.Event, a.EventType, a.Service, a.Person, a.State, a.Tracking, a.Reason, string(data), a.CreatedAt)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// offer makes one offer and tells the person.
func (p *Proactive) offer(ctx context.Context, s Subscription, ev Event, person string, data map[string]string) error {
	fa, _ := p.title(ctx, s.Service)
	a := Action{ID: newActionID(), Mode: Offer, Subscription: s.ID, Event: ev.ID, EventType: ev.Type, Service: s.Service,
		Person: person, State: Offered, CreatedAt: p.cfg.Store.Now(), data: data}
	err := p.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		wrote, err := insertAction(ctx, tx, a)
		if err != nil {
			return err
		}
		if !wrote {
			return store.ErrNothingToDo // delivered before: the offer stands
		}
		if err := tx.Append(ctx, store.Event{Kind: "proactive.offer.made", Actor: "system", Agency: s.Agency, Service: s.Service, Subject: person},
			map[string]any{"offer": a.ID, "event": ev.ID, "event_type": ev.Type, "subscription": s.ID}); err != nil {
			return err
		}
		return p.notice(ctx, tx, person, "proactive.offer", map[string]string{"service": fa, "link": "/offers/" + a.ID})
	})
	if errors.Is(err, store.ErrNothingToDo) {
		return nil
	}
	return err
}

// permanent reports whether apply refused for good (the next delivery
// would be refused the same way).
func permanent(err error) bool {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.NotFound, errs.Forbidden, errs.Conflict:
		return true
	}
	return false
}

// noStop starts one no-stop case, unless the person opted out, and tells
// them what was done.
func (p *Proactive) noStop(ctx context.Context, s Subscription, ev Event, person string, data map[string]string) error {
	db := p.cfg.Store.Read()
	var state string
	err := db.QueryRowContext(ctx, `SELECT state FROM proactive_actions WHERE event_id = $1 AND service = $2 AND person = $3`,
		ev.ID, s.Service, person).Scan(&state)
	if err == nil {
		return nil // done at an earlier delivery
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	a := Action{ID: newActionID(), Mode: NoStop, Subscription: s.ID, Event: ev.ID, EventType: ev.Type, Service: s.Service,
		Person: person, CreatedAt: p.cfg.Store.Now(), data: data}
	var optedOut int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM proactive_optouts WHERE person = $1 AND service = $2`, person, s.Service).Scan(&optedOut); err != nil {
		return err
	}
	var c apply.Case
	switch {
	case optedOut > 0:
		a.State = OptedOut
	default:
		c, err = p.cfg.Start(ctx, systemStarter, s.Service, person, data, Origin{Kind: string(NoStop), Event: ev.ID, Subscription: s.ID})
		switch {
		case err == nil:
			a.State, a.Tracking = Started, c.Tracking
		case permanent(err):
			_, en := errs.Messages(err)
			if en == "" {
				en = errs.KindOf(err).String()
			}
			a.State, a.Reason = Failed, en
		default:
			return err // retried at the next delivery; apply's start is idempotent
		}
	}
	fa, en := p.title(ctx, s.Service)
	err = p.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		wrote, err := insertAction(ctx, tx, a)
		if err != nil {
			return err
		}
		if !wrote {
			return store.ErrNothingToDo
		}
		kind := map[string]string{Started: "proactive.nostop.started", OptedOut: "proactive.nostop.opted_out", Failed: "proactive.nostop.failed"}[a.State]
		payload := map[string]any{"action": a.ID, "event": ev.ID, "event_type": ev.Type, "subscription": s.ID}
		if a.Tracking != "" {
			payload["tracking"] = a.Tracking
			payload["outcome"] = string(c.State)
		}
		if err := tx.Append(ctx, store.Event{Kind: kind, Actor: "system", Agency: s.Agency, Service: s.Service, Subject: person}, payload); err != nil {
			return err
		}
		if a.State != Started {
			return nil
		}
		return p.notice(ctx, tx, person, "proactive.nostop", map[string]string{
			"service": fa, "service_en": en, "tracking": c.Tracking, "outcome": c.State.NameFa(), "outcome_en": c.State.NameEn(),
			"link": "/me/cases/" + c.Tracking})
	})
	if errors.Is(err, store.ErrNothingToDo) {
		return nil
	}
	return err
}

const actionColumns = `id, mode, subscription, event_id, event_type, service, person, state, tracking, reason, data, created_at, updated_at`

func (p *Proactive) scanActions(ctx context.Context, rows *sql.Rows) ([]Action, error) {
	defer rows.Close()
	var out []Action
	for rows.Next() {
		var a Action
		var data string
		if err := rows.Scan(&a.ID, &a.Mode, &a.Subscription, &a.Event, &a.EventType, &a.Service, &a.Person, &a.State,
			&a.Tracking, &a.Reason, &data, &a.CreatedAt, &a.UpdatedAt); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(data), &a.data)
		a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].TitleFa, out[i].TitleEn = p.title(ctx, out[i].Service)
	}
	return out, nil
}

func (p *Proactive) actions(ctx context.Context, op, where string, args ...any) ([]Action, error) {
	rows, err := p.cfg.Store.Read().QueryContext(ctx, `SELECT `+actionColumns+` FROM proactive_actions `+where, args...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	out, err := p.scanActions(ctx, rows)
	return out, errs.Wrap(op, err)
}

// EventActions returns what the subscriptions did for one event, in the
// order they did it (the demo page's view of a chain).
func (p *Proactive) EventActions(ctx context.Context, event string) ([]Action, error) {
	return p.actions(ctx, "proactive.EventActions", `WHERE event_id = $1 ORDER BY created_at, id`, event)
}

// Mine returns the offers and no-stop starts of the signed-in person,
// newest first (at most 100).
func (p *Proactive) Mine(ctx context.Context, pr identity.Principal) ([]Action, error) {
	if pr.NationalCode == "" {
		return nil, errs.E("proactive.Mine", errs.Forbidden, "only a person has offers", "تنها اشخاص پیشنهاد دارند")
	}
	return p.actions(ctx, "proactive.Mine", `WHERE person = $1 ORDER BY created_at DESC, id LIMIT 100`, pr.NationalCode)
}

// OfferView is what the offer page shows: the offer, what will be asked of
// whom, and what the person has to give (nothing, for most).
type OfferView struct {
	Action
	Form apply.Form        `json:"form"`
	Data map[string]string `json:"data,omitempty"` // the form values taken from the event
}

// offerOf loads an offer of the signed-in person.
func (p *Proactive) offerOf(ctx context.Context, op string, pr identity.Principal, id string) (Action, error) {
	if len(id) != 24 {
		return Action{}, errs.NotFoundf(op, "offer", "پیشنهاد")
	}
	as, err := p.actions(ctx, op, `WHERE id = $1 AND mode = 'offer'`, id)
	if err != nil {
		return Action{}, err
	}
	// Someone else's offer does not exist for this caller.
	if len(as) == 0 || pr.NationalCode == "" || as[0].Person != pr.NationalCode {
		return Action{}, errs.NotFoundf(op, "offer", "پیشنهاد")
	}
	return as[0], nil
}

// Offer returns an offer of the signed-in person, with the form it would
// file.
func (p *Proactive) Offer(ctx context.Context, pr identity.Principal, id string) (OfferView, error) {
	const op = "proactive.Offer"
	a, err := p.offerOf(ctx, op, pr, id)
	if err != nil {
		return OfferView{}, err
	}
	v := OfferView{Action: a, Data: a.data}
	if p.cfg.Form != nil {
		if v.Form, err = p.cfg.Form(ctx, a.Service, self(pr)); err != nil {
			return OfferView{}, err
		}
	}
	return v, nil
}

// self is pr acting for themselves: an offer is the person's own.
func self(pr identity.Principal) identity.Principal {
	pr.ActingFor, pr.ActingKind, pr.ActingName = "", "", ""
	return pr
}

// Accept starts the offered service for the signed-in person, who must
// consent to their data being fetched; the rules decide the case. Accepting
// twice returns the same case.
//
// Errors: NotFound (no such offer of theirs), Invalid (no consent),
// Conflict (declined), and apply's errors.
func (p *Proactive) Accept(ctx context.Context, pr identity.Principal, id string, consent bool) (Action, error) {
	const op = "proactive.Accept"
	a, err := p.offerOf(ctx, op, pr, id)
	if err != nil {
		return Action{}, err
	}
	switch a.State {
	case Accepted:
		return a, nil
	case Declined:
		return Action{}, errs.E(op, errs.Conflict, "you declined this offer", "این پیشنهاد را نپذیرفته بودید")
	}
	if !consent {
		e := errs.E(op, errs.Invalid, "consent is needed to start the service", "برای آغاز خدمت رضایت شما لازم است")
		e.Fields = []errs.FieldError{{Field: "consent", En: "tick the box to consent", Fa: "برای رضایت، گزینه را علامت بزنید"}}
		return Action{}, e
	}
	c, err := p.cfg.Start(ctx, self(pr), a.Service, a.Person, a.data, Origin{Kind: string(Offer), Event: a.Event, Subscription: a.Subscription})
	if err != nil {
		return Action{}, err
	}
	now := p.cfg.Store.Now()
	err = p.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE proactive_actions SET state = 'accepted', tracking = $1, updated_at = $2 WHERE id = $3 AND state = 'offered'`,
			c.Tracking, now, a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return store.ErrNothingToDo
		}
		return tx.Append(ctx, store.Event{Kind: "proactive.offer.accepted", Actor: pr.Actor(), Agency: c.Agency, Service: a.Service, Subject: a.Person},
			map[string]any{"offer": a.ID, "event": a.Event, "tracking": c.Tracking, "consent": true})
	})
	if err != nil && !errors.Is(err, store.ErrNothingToDo) {
		return Action{}, errs.Wrap(op, err)
	}
	a.State, a.Tracking, a.UpdatedAt = Accepted, c.Tracking, now
	return a, nil
}

// Decline declines an offer of the signed-in person.
func (p *Proactive) Decline(ctx context.Context, pr identity.Principal, id string) (Action, error) {
	const op = "proactive.Decline"
	a, err := p.offerOf(ctx, op, pr, id)
	if err != nil {
		return Action{}, err
	}
	if a.State != Offered {
		if a.State == Declined {
			return a, nil
		}
		return Action{}, errs.E(op, errs.Conflict, "the offer was already accepted", "این پیشنهاد پیش‌تر پذیرفته شده است")
	}
	now := p.cfg.Store.Now()
	err = p.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE proactive_actions SET state = 'declined', updated_at = $1 WHERE id = $2 AND state = 'offered'`, now, a.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(op, errs.Conflict, "the offer was already answered", "به این پیشنهاد پیش‌تر پاسخ داده شده است")
		}
		return tx.Append(ctx, store.Event{Kind: "proactive.offer.declined", Actor: pr.Actor(), Service: a.Service, Subject: a.Person},
			map[string]any{"offer": a.ID, "event": a.Event})
	})
	if err != nil {
		return Action{}, errs.Wrap(op, err)
	}
	a.State, a.UpdatedAt = Declined, now
	return a, nil
}

// OptOut is one no-stop service a person may stop from starting on its
// own, and whether they did.
type OptOut struct {
	Service  string `json:"service"`
	TitleFa  string `json:"title_fa"`
	TitleEn  string `json:"title_en"`
	OptedOut bool   `json:"opted_out"`
}

// OptOuts lists the services with an active no-stop subscription and, for
// each, whether the signed-in person opted out.
func (p *Proactive) OptOuts(ctx context.Context, pr identity.Principal) ([]OptOut, error) {
	const op = "proactive.OptOuts"
	if pr.NationalCode == "" {
		return nil, errs.E(op, errs.Forbidden, "only a person can opt out", "تنها اشخاص می‌توانند انصراف دهند")
	}
	rows, err := p.cfg.Store.Read().QueryContext(ctx, `SELECT DISTINCT s.service, CASE WHEN o.person IS NULL THEN 0 ELSE 1 END
		FROM proactive_subscriptions s LEFT JOIN proactive_optouts o ON o.service = s.service AND o.person = $1
		WHERE (s.status = 'active' AND s.mode = 'nostop') OR o.person IS NOT NULL ORDER BY s.service`, pr.NationalCode)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []OptOut
	for rows.Next() {
		var o OptOut
		var n int
		if err := rows.Scan(&o.Service, &n); err != nil {
			return nil, errs.Wrap(op, err)
		}
		o.OptedOut = n == 1
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(op, err)
	}
	for i := range out {
		out[i].TitleFa, out[i].TitleEn = p.title(ctx, out[i].Service)
	}
	return out, nil
}

// SetOptOut records (out true) or withdraws the signed-in person's opt-out
// of a no-stop service. It is honoured for every later event.
func (p *Proactive) SetOptOut(ctx context.Context, pr identity.Principal, service string, out bool) error {
	const op = "proactive.SetOptOut"
	if pr.NationalCode == "" {
		return errs.E(op, errs.Forbidden, "only a person can opt out", "تنها اشخاص می‌توانند انصراف دهند")
	}
	if _, err := p.service(ctx, op, service); err != nil {
		return err
	}
	now := p.cfg.Store.Now()
	err := p.cfg.Store.InTx(ctx, func(tx *store.Tx) error {
		var res sql.Result
		var err error
		kind := "proactive.optout.set"
		if out {
			res, err = tx.ExecContext(ctx, `INSERT INTO proactive_optouts (person, service, created_at) VALUES ($1, $2, $3)
				ON CONFLICT (person, service) DO NOTHING`, pr.NationalCode, service, now)
		} else {
			kind = "proactive.optout.cleared"
			res, err = tx.ExecContext(ctx, `DELETE FROM proactive_optouts WHERE person = $1 AND service = $2`, pr.NationalCode, service)
		}
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNothingToDo
		}
		return tx.Append(ctx, store.Event{Kind: kind, Actor: pr.Actor(), Service: service, Subject: pr.NationalCode}, nil)
	})
	if err != nil && !errors.Is(err, store.ErrNothingToDo) {
		return errs.Wrap(op, err)
	}
	return nil
}
