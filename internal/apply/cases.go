package apply

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/store"
)

// Case is one application as its applicant and its agency see it.
type Case struct {
	ID       int64  `json:"-"`
	Tracking string `json:"tracking"`
	Service  string `json:"service"`
	TitleFa  string `json:"title_fa"`
	TitleEn  string `json:"title_en"`
	Agency   string `json:"agency"`
	// Region is the city (a catalogue region code, such as "YZD-01") the
	// case belongs to, chosen at submission; "" when none is known. Every
	// event of the case carries it, for the regional figures.
	Region        string            `json:"region,omitempty"`
	Applicant     string            `json:"applicant"` // national code; personal data
	ApplicantName string            `json:"applicant_name"`
	State         State             `json:"state"`
	Data          map[string]string `json:"data"`
	FeeRials      int64             `json:"fee_rials"`
	Paid          bool              `json:"paid"`
	SubmittedAt   time.Time         `json:"submitted_at"`
	Deadline      time.Time         `json:"deadline"`
	OverdueAt     *time.Time        `json:"overdue_at,omitempty"`
	DecidedAt     *time.Time        `json:"decided_at,omitempty"`
	Ground        string            `json:"ground,omitempty"`    // the refusal ground's code
	GroundFa      string            `json:"ground_fa,omitempty"` // its published text
	GroundEn      string            `json:"ground_en,omitempty"`
	Reason        string            `json:"reason,omitempty"`
	Document      string            `json:"document,omitempty"` // the issued document's id
	// Origin says why the platform started the case for the applicant
	// (StartFor); nil when the applicant applied.
	Origin *Origin `json:"origin,omitempty"`

	// Filled by Case (one case), not by lists.
	Evidence   []Evidence  `json:"evidence,omitempty"`
	Awaited    []Awaited   `json:"awaited,omitempty"` // once-only evidence not yet arrived
	Timeline   []Step      `json:"timeline,omitempty"`
	Payments   []Payment   `json:"payments,omitempty"`
	Feedback   *Feedback   `json:"feedback,omitempty"`
	Complaints []Complaint `json:"complaints,omitempty"`
	// Decision is the automatic decision of the service's rules, with its
	// explanation and any objection to it; nil when no rules decided.
	Decision *RuleDecision `json:"decision,omitempty"`
}

// Overdue reports whether the case was flagged past its deadline.
func (c Case) Overdue() bool { return c.OverdueAt != nil }

// Open reports whether the case awaits a decision.
func (c Case) Open() bool {
	return c.State == Submitted || c.State == InReview || c.State == NeedsInfo || c.State == Objected
}

// Step is one entry of a case's timeline: a transition with who, when and why.
type Step struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"` // the event kind
	Actor  string    `json:"actor"`
	From   State     `json:"from,omitempty"`
	To     State     `json:"to,omitempty"`
	Reason string    `json:"reason,omitempty"`
	Ground string    `json:"ground,omitempty"`
	// Event is the id of the step's event; 0 in the timeline Submit
	// returns, whose event is written at the commit.
	Event int64 `json:"event_id,omitempty"`
	// LedgerIndex is the event's index in the ledger once it is sealed
	// (MarkSealed); nil before, and in lists.
	LedgerIndex *uint64 `json:"ledger_index,omitempty"`
}

// LedgerIndexer finds where events were sealed in the ledger; an event not
// sealed yet is absent. (*ledger.Ledger).IndexesOf is one.
type LedgerIndexer interface {
	IndexesOf(ctx context.Context, events []int64) (map[int64]uint64, error)
}

// MarkSealed sets the ledger index of each step of c's timeline whose
// event is sealed; a step not yet sealed keeps a nil index. The steps are
// looked up together, in one query.
func MarkSealed(ctx context.Context, c *Case, l LedgerIndexer) error {
	var ids []int64
	for _, st := range c.Timeline {
		if st.Event != 0 {
			ids = append(ids, st.Event)
		}
	}
	sealed, err := l.IndexesOf(ctx, ids)
	if err != nil {
		return errs.Wrap("apply.MarkSealed", err)
	}
	for i := range c.Timeline {
		if idx, ok := sealed[c.Timeline[i].Event]; ok && c.Timeline[i].Event != 0 {
			c.Timeline[i].LedgerIndex = &idx
		}
	}
	return nil
}

// Evidence is one piece of evidence of a case and where it came from.
type Evidence struct {
	Code      string          `json:"code"`
	NameFa    string          `json:"name_fa"`
	Source    string          `json:"source"` // inquiry, upload, declaration, paper
	HeldBy    string          `json:"held_by,omitempty"`
	Inquiry   string          `json:"inquiry,omitempty"`
	State     string          `json:"state"` // fetched, pending, missing, uploaded, declared, to_bring
	MessageID string          `json:"message_id,omitempty"`
	Digest    string          `json:"digest,omitempty"` // SHA-256 of the answer or the upload
	Answer    json.RawMessage `json:"answer,omitempty"`
	UploadID  int64           `json:"upload_id,omitempty"`
	Attempts  int             `json:"attempts"`
	// LedgerIndex is where the exchange.inquiry event of the receipt
	// (MessageID) is sealed in the ledger, set by the front doors that
	// look it up; nil while it is not sealed, and otherwise.
	LedgerIndex *uint64 `json:"ledger_index,omitempty"`
}

// Evidence states.
const (
	EvFetched  = "fetched"  // the holding agency answered through the exchange
	EvPending  = "pending"  // the inquiry failed for now; a job retries it
	EvMissing  = "missing"  // the holding agency has no record: the agency must look into it
	EvUploaded = "uploaded" // the applicant uploaded it
	EvDeclared = "declared" // the applicant stated it in the form
	EvToBring  = "to_bring" // a paper original
)

// stateNames are the states in Persian and English, for messages.
var stateNames = map[State][2]string{
	Submitted: {"ثبت‌شده", "submitted"},
	InReview:  {"در حال بررسی", "in review"},
	NeedsInfo: {"نیازمند اطلاعات بیشتر", "waiting for more information"},
	Approved:  {"پذیرفته‌شده", "approved"},
	Rejected:  {"ردشده", "rejected"},
	Issued:    {"صادرشده", "issued"},
	Withdrawn: {"پس‌گرفته‌شده", "withdrawn"},
	Objected:  {"اعتراض‌شده", "objected"},
}

// NameFa returns the state's Persian name.
func (s State) NameFa() string { return stateNames[s][0] }

// NameEn returns the state's English name.
func (s State) NameEn() string { return stateNames[s][1] }

// ParseState reads a state name.
func ParseState(s string) (State, bool) {
	_, ok := stateNames[State(s)]
	return State(s), ok
}

// defaultProcessing is the deadline of a record that states no processing time.
const defaultProcessing = 30 * 24 * time.Hour

// caseColumns are the columns scanCase reads, in order.
const caseColumns = `id, tracking, service, agency, applicant, applicant_name, state, data, fee_rials, paid,
	submitted_at, deadline, overdue_at, decided_at, ground, reason, document,
	origin_kind, origin_event, origin_subscription, origin_note, region`

type scanner interface{ Scan(...any) error }

func scanCase(r scanner) (Case, error) {
	var c Case
	var data string
	var paid int64
	var overdue, decided sql.NullTime
	var o Origin
	if err := r.Scan(&c.ID, &c.Tracking, &c.Service, &c.Agency, &c.Applicant, &c.ApplicantName, &c.State, &data, &c.FeeRials, &paid,
		&c.SubmittedAt, &c.Deadline, &overdue, &decided, &c.Ground, &c.Reason, &c.Document,
		&o.Kind, &o.Event, &o.Subscription, &o.Note, &c.Region); err != nil {
		return Case{}, err
	}
	if o.Kind != "" {
		c.Origin = &o
	}
	c.Paid = paid != 0
	c.SubmittedAt, c.Deadline = c.SubmittedAt.UTC(), c.Deadline.UTC()
	if overdue.Valid {
		t := overdue.Time.UTC()
		c.OverdueAt = &t
	}
	if decided.Valid {
		t := decided.Time.UTC()
		c.DecidedAt = &t
	}
	_ = json.Unmarshal([]byte(data), &c.Data)
	return c, nil
}

// applicantName is the name of whom p applies for: the represented child or
// company when p acts for one (identity's acting-for), else p.
func applicantName(p identity.Principal) string {
	if p.ActingFor != "" {
		return p.ActingName
	}
	return p.Name
}

// isApplicant reports whether p is c's applicant, signed in as a person:
// the applicant themself, or a person acting for the child or company that
// applied (p.Subject() is whom p acts for).
func isApplicant(p identity.Principal, c Case) bool {
	return p.Kind == "user" && p.NationalCode != "" && p.Subject() == c.Applicant
}

// isAgency reports whether p acts for c's competent agency: its staff or
// its API client.
func isAgency(p identity.Principal, agency string) bool {
	if agency == "" || p.Agency != agency {
		return false
	}
	return p.Kind == "apikey" || p.Has(identity.RoleOperator) || p.Has(identity.RoleAgencyAdmin)
}

// visible reports whether p may see c at all; to anyone else c does not exist.
func visible(p identity.Principal, c Case) bool {
	return isApplicant(p, c) || isAgency(p, c.Agency) || p.Kind == "system"
}

func caseNotFound(op string) error {
	return errs.E(op, errs.NotFound, "no case with this tracking code", "پرونده‌ای با این کد رهگیری پیدا نشد")
}

// loadCase reads the case with tracking code tracking as p may see it.
func (a *Applications) loadCase(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, op string, p identity.Principal, tracking string, lock bool) (Case, error) {
	code, ok := ParseTracking(tracking)
	if !ok {
		return Case{}, caseNotFound(op)
	}
	query := `SELECT ` + caseColumns + ` FROM apply_cases WHERE tracking = $1`
	if lock && a.s.Dialect() == store.Postgres {
		query += ` FOR UPDATE`
	}
	c, err := scanCase(q.QueryRowContext(ctx, query, code))
	if errors.Is(err, sql.ErrNoRows) {
		return Case{}, caseNotFound(op)
	}
	if err != nil {
		return Case{}, errs.Wrap(op, err)
	}
	if !visible(p, c) {
		return Case{}, caseNotFound(op)
	}
	a.titles(ctx, &c)
	return c, nil
}

// titles fills the service's titles and the refusal ground's text.
func (a *Applications) titles(ctx context.Context, c *Case) {
	svc, err := a.cat.Service(ctx, c.Service)
	if err != nil {
		return
	}
	c.TitleFa, c.TitleEn = svc.Record.TitleFa, svc.Record.TitleEn
	if c.Ground != "" && svc.Record.Permit != nil {
		for _, g := range svc.Record.Permit.RefusalGrounds {
			if g.Code == c.Ground {
				c.GroundFa, c.GroundEn = g.TextFa, g.TextEn
			}
		}
	}
}

// SaveDraft keeps p's unfinished form for service serviceID. A draft may be
// incomplete, but not hold fields the form does not have.
func (a *Applications) SaveDraft(ctx context.Context, p identity.Principal, serviceID string, data map[string]string) error {
	const op = "apply.SaveDraft"
	if p.NationalCode == "" {
		return errs.E(op, errs.Forbidden, "only citizens signed in with their national code can apply", "تنها شهروندانی که با کد ملی وارد شده‌اند می‌توانند درخواست بدهند")
	}
	f, err := a.form(ctx, serviceID)
	if err != nil {
		return err
	}
	data = clean(data)
	if fe := f.checkDraft(data); len(fe) > 0 {
		return &errs.Error{Op: op, Kind: errs.Invalid, En: "the draft has fields the form does not have", Fa: "پیش‌نویس خانه‌هایی دارد که در فرم نیست", Fields: fe}
	}
	body, _ := json.Marshal(data)
	return a.s.InTx(ctx, func(tx *store.Tx) error {
		now := a.clock()
		res, err := tx.ExecContext(ctx, `UPDATE apply_drafts SET data = $1, updated_at = $2 WHERE applicant = $3 AND service = $4`,
			string(body), now, p.Subject(), f.Service)
		if err != nil {
			return errs.Wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO apply_drafts (applicant, service, data, updated_at) VALUES ($1, $2, $3, $4)`,
				p.Subject(), f.Service, string(body), now); err != nil {
				return errs.Wrap(op, err)
			}
		}
		err = tx.Append(ctx, store.Event{Kind: evDraft, Actor: p.Actor(), Agency: f.Agency, Service: f.Service, Subject: p.Subject()}, nil)
		return err
	})
}

// draft returns applicant's saved draft of service, or nil.
func (a *Applications) draft(ctx context.Context, applicant, service string) (map[string]string, error) {
	var body string
	err := a.s.Read().QueryRowContext(ctx, `SELECT data FROM apply_drafts WHERE applicant = $1 AND service = $2`, applicant, service).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap("apply.draft", err)
	}
	var out map[string]string
	_ = json.Unmarshal([]byte(body), &out)
	return out, nil
}

// fetched is the outcome of one once-only inquiry.
type fetched struct {
	Fetched
	state     string
	messageID string
	digest    string
	answer    json.RawMessage
}

// fetch asks the holding agency for one piece of evidence, outside any
// transaction: the exchange writes its own message log.
func (a *Applications) fetch(ctx context.Context, subject, purpose string, f Fetched) fetched {
	out := fetched{Fetched: f, state: EvPending}
	if a.gw == nil {
		return out
	}
	body, rc, err := a.gw.Evidence(ctx, subject, f.Inquiry, purpose)
	switch {
	case err == nil:
		out.state, out.messageID, out.digest, out.answer = EvFetched, rc.MessageID, rc.ResponseDigest, body
	case errs.Is(err, errs.NotFound) && rc.MessageID != "":
		out.state, out.messageID = EvMissing, rc.MessageID
	default:
		a.log.Warn("once-only inquiry failed; it will be retried", "inquiry", f.Inquiry, "kind", errs.KindOf(err).String())
	}
	return out
}

// purposeOf is the purpose an inquiry for a case states, shown in the
// citizen's data tracker.
func purposeOf(f Form, tracking string) string {
	return "درخواست «" + f.TitleFa + "» با کد رهگیری " + tracking
}

// Submit files p's application for service serviceID with the text values
// data and the uploads files (keyed by field name). It validates
// everything first: nothing is stored when anything is wrong (errs.Invalid
// with one message per field, errs.TooLarge for an upload over MaxUpload).
// Evidence other agencies hold is fetched through the exchange; what cannot
// be fetched now is marked pending and retried by a job.
func (a *Applications) Submit(ctx context.Context, p identity.Principal, serviceID string, data map[string]string, files map[string]Upload) (Case, error) {
	return a.SubmitIn(ctx, p, serviceID, "", data, files)
}

// SubmitIn is Submit for a case that belongs to region, the city the
// applicant chose (a city code of the catalogue's regions; an unknown one
// is a field error on "region"). With region "" the case takes the city of
// the address the rules last fetched for the applicant, if any.
func (a *Applications) SubmitIn(ctx context.Context, p identity.Principal, serviceID, region string, data map[string]string, files map[string]Upload) (Case, error) {
	const op = "apply.Submit"
	if p.NationalCode == "" {
		return Case{}, errs.E(op, errs.Forbidden, "only citizens signed in with their national code can apply", "تنها شهروندانی که با کد ملی وارد شده‌اند می‌توانند درخواست بدهند")
	}
	f, err := a.form(ctx, serviceID)
	if err != nil {
		return Case{}, err
	}
	data = clean(data)
	fields := f.Validate(data)
	uploads, ferr, tooLarge := f.checkFiles(files)
	if tooLarge != nil {
		return Case{}, tooLarge
	}
	fields = append(fields, ferr...)
	region, fe, err := a.caseRegion(ctx, p.Subject(), region)
	if err != nil {
		return Case{}, err
	}
	fields = append(fields, fe...)
	if len(fields) > 0 {
		return Case{}, &errs.Error{Op: op, Kind: errs.Invalid, En: "some fields of the form need correcting", Fa: "چند خانهٔ فرم نیاز به اصلاح دارد", Fields: fields}
	}

	now := a.clock()
	// A year has ten million tracking codes: with millions of cases a year a
	// fresh draw often hits one already given, so freeTracking draws until
	// the read pool has none. Two submissions may still draw the same code
	// at the same moment: the UNIQUE constraint on apply_cases.tracking
	// refuses the second, which draws again instead of checking inside its
	// transaction, where every check holds the write lock longer.
	for range maxFilings {
		pick := (*Applications).freeTracking
		if a.pick != nil {
			pick = a.pick
		}
		tracking, draft, err := pick(a, ctx, now, p.Subject(), f.Service)
		if err != nil {
			return Case{}, err
		}
		// The inquiries' purpose names the tracking code, so a new code asks
		// again: the exchange's log must say what the answer was for.
		got := a.fetchAll(ctx, p, f, tracking)
		c, err := a.file(ctx, p, f, tracking, draft, region, data, uploads, got, now, Origin{})
		if errors.Is(err, errTrackingTaken) {
			continue
		}
		if err == nil && a.autoDecide(ctx, c.ID) {
			return a.Case(ctx, p, c.Tracking)
		}
		return c, err
	}
	return Case{}, noFreeTracking()
}

// maxFilings bounds how often Submit draws a new tracking code after
// another submission took the one it drew.
const maxFilings = 8

// errTrackingTaken is what file returns when the tracking code was taken
// between freeTracking's check and the insert.
var errTrackingTaken = errors.New("apply: tracking code taken")

// fetchAll asks for all of f's once-only evidence at once: the inquiries go
// to different agencies, so the applicant waits for the slowest, not for
// the sum.
func (a *Applications) fetchAll(ctx context.Context, p identity.Principal, f Form, tracking string) []fetched {
	got := make([]fetched, len(f.Fetched))
	var wg sync.WaitGroup
	for i, fe := range f.Fetched {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = a.fetch(ctx, p.Subject(), purposeOf(f, tracking), fe)
		}()
	}
	wg.Wait()
	return got
}

// file writes the case with tracking code tracking in one transaction: its
// row, uploads and evidence, the submission event and the applicant's
// notice (no job: the sweeps find the deadline and pending evidence). It returns the case as Case would read it back, built
// from what it wrote, or errTrackingTaken.
func (a *Applications) file(ctx context.Context, p identity.Principal, f Form, tracking string, draft bool, region string, data map[string]string,
	uploads map[string]Upload, got []fetched, now time.Time, origin Origin) (Case, error) {
	const op = "apply.Submit"
	proc := f.record.ProcessingTime.Std()
	if proc <= 0 {
		proc = defaultProcessing
	}
	deadline := now.Add(proc)
	body, _ := json.Marshal(data)
	c := Case{Tracking: tracking, Service: f.Service, TitleFa: f.record.TitleFa, TitleEn: f.record.TitleEn, Agency: f.Agency,
		Applicant: p.Subject(), ApplicantName: applicantName(p), State: Submitted, FeeRials: f.FeeRials, SubmittedAt: now, Deadline: deadline, Region: region}
	// The data as the row holds it: JSON replaces what is not UTF-8.
	_ = json.Unmarshal(body, &c.Data)
	err := a.s.InTx(ctx, func(tx *store.Tx) error {
		c.ID, c.Evidence, c.Timeline = 0, nil, nil
		// The case is written with its evidence at the commit: its id is
		// reserved now. A tracking code another case took since the check
		// fails the commit (see below).
		id, err := tx.NextID(ctx, "apply_cases")
		if err != nil {
			return errs.Wrap(op, err)
		}
		c.ID = id
		tx.InsertLater("apply_cases", newCaseColumns, id, tracking, f.Service, f.Agency, p.Subject(), applicantName(p), Submitted,
			string(body), f.FeeRials, 0, now, deadline, now, origin.Kind, origin.Event, origin.Subscription, origin.Note, region)
		states := map[string]string{}
		for _, g := range got {
			e := Evidence{Code: g.Code, NameFa: g.NameFa, Source: string(catalog.FromInquiry), HeldBy: g.Agency, Inquiry: g.Inquiry,
				State: g.state, MessageID: g.messageID, Digest: g.digest, Attempts: 1}
			if len(g.answer) > 0 {
				e.Answer = g.answer
			}
			c.Evidence = append(c.Evidence, e)
			states[g.Code] = g.state
		}
		for _, fd := range f.Fields {
			if fd.Evidence == "" {
				continue
			}
			e := Evidence{Code: fd.Evidence, NameFa: fd.LabelFa, State: EvDeclared, Source: string(catalog.FromDeclaration)}
			if fd.Kind == FieldFile {
				u := uploads[fd.Name]
				e.State, e.Source, e.Digest = EvUploaded, string(catalog.FromUpload), u.SHA256
				if e.UploadID, err = tx.NextID(ctx, "apply_uploads"); err != nil {
					return errs.Wrap(op, err)
				}
				tx.InsertLater("apply_uploads", uploadColumns, e.UploadID, c.ID, fd.Evidence, u.ContentType, len(u.Data), u.SHA256, u.Data, now)
			}
			c.Evidence = append(c.Evidence, e)
			states[e.Code] = e.State
		}
		for _, pe := range f.Paper {
			c.Evidence = append(c.Evidence, Evidence{Code: pe.Code, NameFa: pe.NameFa, Source: string(catalog.FromPaper), State: EvToBring})
		}
		insertEvidence(tx, c.ID, c.Evidence, now)
		// The draft, if the applicant saved one, is done with. Most
		// submissions have none, and on PostgreSQL a statement is a round
		// trip: freeTracking looked.
		if draft {
			if _, err := tx.ExecContext(ctx, `DELETE FROM apply_drafts WHERE applicant = $1 AND service = $2`, p.Subject(), f.Service); err != nil {
				return errs.Wrap(op, err)
			}
		}
		// The event's time is set here, not by Append, so that the returned
		// timeline shows it as stored.
		// Every case is filed online for now: a case a counter office files
		// will say "counter" (the oversight figures count the two).
		ev := store.Event{At: tx.Store().Now(), Kind: evSubmitted, Actor: p.Actor(), Agency: f.Agency, Service: f.Service, Region: region, Subject: p.Subject()}
		if err := tx.Append(ctx, ev, map[string]any{"tracking": tracking, "state": Submitted, "deadline": deadline, "evidence": states, "fee_rials": f.FeeRials,
			"channel": ChannelOnline}); err != nil {
			return err
		}
		c.Timeline = []Step{{At: ev.At, Kind: ev.Kind, Actor: ev.Actor, To: Submitted}}
		if origin.Kind != "" {
			ev.Kind = evStarted
			if err := tx.Append(ctx, ev, map[string]any{"tracking": tracking, "kind": origin.Kind, "event": origin.Event,
				"subscription": origin.Subscription}); err != nil {
				return err
			}
			c.Origin = &origin
		}
		// No job is enqueued: the deadline sweep finds the case by its
		// deadline column, and the evidence sweep finds pending evidence
		// by its next_at (see jobs.go).
		return a.noticeTo(ctx, tx, p.Subject(), data["phone"], "case.submitted", tracking, f.TitleFa, map[string]string{"deadline": deadline.Format(time.RFC3339)})
	})
	if trackingTaken(err) {
		return Case{}, errTrackingTaken
	}
	if origin.Event != "" && originTaken(err) {
		return Case{}, errOriginTaken
	}
	if err != nil {
		return Case{}, err
	}
	// Case lists evidence by source, then code, in byte order.
	slices.SortFunc(c.Evidence, func(x, y Evidence) int {
		return cmp.Or(strings.Compare(x.Source, y.Source), strings.Compare(x.Code, y.Code))
	})
	// Case hides a case from whoever may not see it, even its filer: a
	// principal with a national code that is not signed in as a person.
	if !visible(p, c) {
		return Case{}, caseNotFound("apply.Case")
	}
	return c, nil
}

// newCaseColumns are the columns Submit writes of a new case, in order.
var newCaseColumns = []string{"id", "tracking", "service", "agency", "applicant", "applicant_name", "state", "data", "fee_rials", "paid",
	"submitted_at", "deadline", "updated_at", "origin_kind", "origin_event", "origin_subscription", "origin_note", "region"}

// The channels a case is filed through, in its submission event's
// "channel": online by the applicant, or at a counter office for them.
const (
	ChannelOnline  = "online"
	ChannelCounter = "counter"
)

// caseRegion returns the region a new case of applicant belongs to: chosen,
// when it is a city of the catalogue's regions (else a field error on
// "region"), or, when nothing is chosen, the city of the address the rules
// last fetched for applicant, or "".
func (a *Applications) caseRegion(ctx context.Context, applicant, chosen string) (string, []errs.FieldError, error) {
	if chosen = strings.ToUpper(strings.TrimSpace(chosen)); chosen != "" {
		ok, err := a.isCity(ctx, chosen)
		if err != nil || ok {
			return chosen, nil, err
		}
		return "", []errs.FieldError{{Field: "region", En: "choose a city from the list", Fa: "شهری از فهرست انتخاب کنید"}}, nil
	}
	city, err := a.profileCity(ctx, applicant)
	return city, nil, err
}

// isCity reports whether code is a city of the catalogue's regions.
func (a *Applications) isCity(ctx context.Context, code string) (bool, error) {
	regions, err := a.cat.Regions(ctx)
	if err != nil {
		return false, err
	}
	for _, r := range regions {
		if r.Kind == catalog.City && r.Code == code {
			return true, nil
		}
	}
	return false, nil
}

// profileCity returns the city of the latest address the rules fetched for
// applicant (kept with one of their cases), or "".
func (a *Applications) profileCity(ctx context.Context, applicant string) (string, error) {
	var body string
	err := a.s.Read().QueryRowContext(ctx, `SELECT p.applicant FROM apply_profiles p JOIN apply_cases c ON c.id = p.case_id
		WHERE c.applicant = $1 ORDER BY p.fetched_at DESC, p.case_id DESC LIMIT 1`, applicant).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", errs.Wrap("apply.Submit", err)
	}
	var prof struct {
		City string `json:"city"`
	}
	_ = json.Unmarshal([]byte(body), &prof)
	return prof.City, nil
}

// LastRegion returns the region of applicant's latest case that has one,
// else the city of the address the rules last fetched for them, or "": what
// the apply page preselects.
func (a *Applications) LastRegion(ctx context.Context, applicant string) (string, error) {
	var region string
	err := a.s.Read().QueryRowContext(ctx, `SELECT region FROM apply_cases WHERE applicant = $1 AND region <> ''
		ORDER BY submitted_at DESC, id DESC LIMIT 1`, applicant).Scan(&region)
	if err == nil {
		return region, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", errs.Wrap("apply.LastRegion", err)
	}
	return a.profileCity(ctx, applicant)
}

// uploadColumns are the columns Submit writes of an upload, in order.
var uploadColumns = []string{"id", "case_id", "code", "content_type", "size", "sha256", "data", "created_at"}

// evidenceColumns are the columns insertEvidence writes, in order.
var evidenceColumns = []string{"case_id", "code", "name_fa", "source", "held_by", "inquiry", "state", "message_id", "digest", "answer",
	"upload_id", "attempts", "updated_at", "next_at"}

// insertEvidence adds a new case's evidence rows to tx, to be written with
// the other rows of its commit in one statement. Pending evidence is due
// for the evidence sweep after the first backoff.
func insertEvidence(tx *store.Tx, caseID int64, evs []Evidence, now time.Time) {
	for _, e := range evs {
		upload := sql.NullInt64{Int64: e.UploadID, Valid: e.UploadID != 0}
		var next sql.NullTime
		if e.State == EvPending {
			next = sql.NullTime{Time: now.Add(evidenceBackoff(e.Attempts)), Valid: true}
		}
		tx.InsertLater("apply_evidence", evidenceColumns, caseID, e.Code, e.NameFa, e.Source, e.HeldBy, e.Inquiry, e.State, e.MessageID,
			e.Digest, string(e.Answer), upload, e.Attempts, now, next)
	}
}

// trackingTaken reports whether err is the UNIQUE constraint on
// apply_cases.tracking, on either engine.
func trackingTaken(err error) bool {
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		return pg.Code == "23505" && strings.Contains(pg.ConstraintName, "tracking")
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed: apply_cases.tracking")
}

// freeTracking draws tracking codes for now until one is not yet given,
// and says whether applicant has a draft of service.
func (a *Applications) freeTracking(ctx context.Context, now time.Time, applicant, service string) (tracking string, draft bool, err error) {
	for range 16 {
		tracking := newTracking(now)
		var taken, drafts int
		// One query, one round trip: whether the code is taken, and whether
		// the applicant has a draft of this service for the submission to
		// remove.
		if err := a.s.Read().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM apply_cases WHERE tracking = $1),
			(SELECT COUNT(*) FROM apply_drafts WHERE applicant = $2 AND service = $3)`, tracking, applicant, service).Scan(&taken, &drafts); err != nil {
			return "", false, errs.Wrap("apply.Submit", err)
		}
		if taken == 0 {
			return tracking, drafts > 0, nil
		}
	}
	return "", false, noFreeTracking()
}

// noFreeTracking is Submit's error when every code it drew was taken.
func noFreeTracking() error {
	return errs.E("apply.Submit", errs.Unavailable, "no free tracking code was found; please submit again", "کد رهگیری آزادی پیدا نشد؛ لطفاً دوباره ثبت کنید")
}

// noticeTo sends a notice in tx when a notifier is configured. Every
// notice about a case carries its tracking code, service title and a link
// to the case's page (the applicant's or the agency's). A notice to the
// applicant also goes by SMS to phone, the mobile number their application
// gave "for tracking text messages" (the case's data; "" for an agency). A
// number that does not parse (a case from before the form checked it)
// sends no SMS rather than failing the change it reports.
func (a *Applications) noticeTo(ctx context.Context, tx *store.Tx, to, phone, template, tracking, title string, extra map[string]string) error {
	if a.nt == nil {
		return nil
	}
	data := map[string]string{"tracking": tracking, "service": title, "link": "/me/cases/" + tracking}
	if strings.HasPrefix(to, notify.AgencyPrefix) {
		data["link"] = "/agency/cases/" + tracking
	}
	for k, v := range extra {
		data[k] = v
	}
	n := notify.Notice{To: to, Template: template, Data: data, AsChosen: true}
	if phone != "" && a.nt.Sends(notify.ChannelSMS) {
		if p, err := notify.ParseMobile(phone); err == nil {
			n.SMS, n.Phone = true, p
		}
	}
	return a.nt.SendTx(ctx, tx, n)
}

// Case returns the case with tracking code tracking, with its evidence,
// timeline, payments, feedback and complaints. To anyone but its applicant
// and its competent agency it does not exist (errs.NotFound).
func (a *Applications) Case(ctx context.Context, p identity.Principal, tracking string) (Case, error) {
	const op = "apply.Case"
	db := a.s.Read()
	c, err := a.loadCase(ctx, db, op, p, tracking, false)
	if err != nil {
		return Case{}, err
	}
	rows, err := db.QueryContext(ctx, `SELECT code, name_fa, source, held_by, inquiry, state, message_id, digest, answer, upload_id, attempts, next_at
		FROM apply_evidence WHERE case_id = $1 ORDER BY source, code`, c.ID)
	if err != nil {
		return Case{}, errs.Wrap(op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var e Evidence
		var answer string
		var upload sql.NullInt64
		var next sql.NullTime
		if err := rows.Scan(&e.Code, &e.NameFa, &e.Source, &e.HeldBy, &e.Inquiry, &e.State, &e.MessageID, &e.Digest, &answer, &upload, &e.Attempts, &next); err != nil {
			return Case{}, errs.Wrap(op, err)
		}
		if answer != "" {
			e.Answer = json.RawMessage(answer)
		}
		e.UploadID = upload.Int64
		c.Evidence = append(c.Evidence, e)
		if e.State == EvPending {
			c.Awaited = append(c.Awaited, awaitedOf(c, e, next))
		}
	}
	if err := rows.Err(); err != nil {
		return Case{}, errs.Wrap(op, err)
	}
	slices.SortFunc(c.Awaited, func(x, y Awaited) int { return strings.Compare(x.Code, y.Code) })
	if c.Timeline, err = a.timeline(ctx, c); err != nil {
		return Case{}, err
	}
	if c.Payments, err = a.payments(ctx, c.ID); err != nil {
		return Case{}, err
	}
	if c.Feedback, err = a.feedback(ctx, c.ID); err != nil {
		return Case{}, err
	}
	if c.Complaints, err = a.complaints(ctx, c.ID); err != nil {
		return Case{}, err
	}
	if svc, err := a.cat.Service(ctx, c.Service); err == nil {
		if c.Decision, err = a.ruleDecision(ctx, c, svc.Record); err != nil {
			return Case{}, err
		}
	}
	return c, nil
}

// timeline reads the case's own events: submission, transitions and the
// overdue flag.
func (a *Applications) timeline(ctx context.Context, c Case) ([]Step, error) {
	evs, err := a.s.Events(ctx, store.EventFilter{KindPrefix: "apply.case.", Subject: c.Applicant, Service: c.Service, Limit: 10000})
	if err != nil {
		return nil, errs.Wrap("apply.timeline", err)
	}
	var out []Step
	for _, ev := range evs {
		var pl struct {
			Tracking string `json:"tracking"`
			From     State  `json:"from"`
			To       State  `json:"to"`
			State    State  `json:"state"`
			Reason   string `json:"reason"`
			Ground   string `json:"ground"`
		}
		if ev.Kind != evSubmitted && ev.Kind != evTransition && ev.Kind != evOverdue {
			continue // other case events (assignments) are the agency's business
		}
		if json.Unmarshal(ev.Payload, &pl) != nil || pl.Tracking != c.Tracking {
			continue
		}
		st := Step{At: ev.At, Kind: ev.Kind, Actor: ev.Actor, From: pl.From, To: pl.To, Reason: pl.Reason, Ground: pl.Ground, Event: ev.ID}
		if ev.Kind == evSubmitted {
			st.To = pl.State
		}
		out = append(out, st)
	}
	return out, nil
}

// MyCases returns p's own cases, newest first: at most limit (1 to
// MaxPage) after cursor ("" for the first page), and the cursor of the next
// page, "" when this is the last. A cursor that was not made here is
// errs.Invalid.
func (a *Applications) MyCases(ctx context.Context, p identity.Principal, cursor string, limit int) ([]Case, string, error) {
	const op = "apply.MyCases"
	if p.NationalCode == "" {
		return nil, "", nil
	}
	limit = pageLimit(limit)
	where, args := `WHERE applicant = $1`, []any{p.Subject()}
	if cursor != "" {
		at, id, err := parseCaseCursor(op, cursor)
		if err != nil {
			return nil, "", err
		}
		where += ` AND (submitted_at < $2 OR (submitted_at = $2 AND id < $3))`
		args = append(args, at, id)
	}
	list, err := a.list(ctx, op, where+fmt.Sprintf(` ORDER BY submitted_at DESC, id DESC LIMIT %d`, limit+1), args...)
	if err != nil {
		return nil, "", err
	}
	if len(list) <= limit {
		return list, "", nil
	}
	last := list[limit-1]
	return list[:limit], caseCursor(last.SubmittedAt, last.ID), nil
}

// QueueFilter selects an agency's cases.
type QueueFilter struct {
	State   State // "" for every open case
	Overdue bool  // only cases flagged overdue
	Service string
}

// Queue returns the cases of p's agency that match f, oldest deadline first.
// Only the agency's staff and API clients have a queue.
func (a *Applications) Queue(ctx context.Context, p identity.Principal, f QueueFilter) ([]Case, error) {
	const op = "apply.Queue"
	if !isAgency(p, p.Agency) {
		return nil, errs.E(op, errs.Forbidden, "only agency staff have a queue of cases", "تنها کارکنان دستگاه صف پرونده دارند")
	}
	where := `WHERE agency = $1`
	args := []any{p.Agency}
	if f.State != "" {
		args = append(args, f.State)
		where += fmt.Sprintf(` AND state = $%d`, len(args))
	} else {
		where += ` AND state IN ('submitted', 'in_review', 'needs_info', 'approved', 'objected')`
	}
	if f.Overdue {
		where += ` AND overdue_at IS NOT NULL`
	}
	if f.Service != "" {
		args = append(args, f.Service)
		where += fmt.Sprintf(` AND service = $%d`, len(args))
	}
	return a.list(ctx, op, where+` ORDER BY deadline, id LIMIT 500`, args...)
}

func (a *Applications) list(ctx context.Context, op, where string, args ...any) ([]Case, error) {
	rows, err := a.s.Read().QueryContext(ctx, `SELECT `+caseColumns+` FROM apply_cases `+where, args...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, errs.Wrap(op, err)
	}
	for i := range out {
		a.titles(ctx, &out[i])
	}
	return out, nil
}

// Transition moves the case with tracking code tracking to state to, as p,
// for reason. The state machine (see the package doc) decides what is
// legal: anything else is errs.Conflict. The agency takes every step but
// withdrawal; the applicant withdraws, and answers a request for
// information by moving the case back to in_review with the answer as
// reason. Asking for information needs a reason. Rejecting a permit needs
// ground, the code of one of its record's published refusal grounds
// (errs.Invalid otherwise); rejecting anything else needs a reason.
// Approving needs the fee paid; approving a service whose output is a
// document issues it (permit.IssueTx) in the same transaction, and the case
// ends issued. Transition is Decide without facts.
//
// Approving or issuing is refused (errs.Conflict, naming them) while checks
// are open: evidence pending, or a visit or a paper original not recorded
// (checks.go). Override lets an agency admin go ahead with a reason.
func (a *Applications) Transition(ctx context.Context, p identity.Principal, tracking string, to State, reason, ground string) (Case, error) {
	return a.Decide(ctx, p, tracking, Decision{To: to, Reason: reason, Ground: ground})
}

// Decision is one step on a case: the state it moves to, why, and, for an
// approval that issues a document, the facts the document certifies.
type Decision struct {
	To     State
	Reason string
	Ground string // rejecting a permit: the code of a published refusal ground
	// Facts are the values of the document's facts (the record's
	// Certifies) by code, as the official enters or confirms them; a fact
	// not given takes the value its source proposes (ProposeFacts).
	Facts map[string]string

	// override, when set, is an agency admin's reason for deciding over
	// open checks; only Override sets it, after checking who may give one.
	override string
}

// Decide takes the step d on the case with tracking code tracking, as p;
// see Transition for the rules. Approving a service whose document
// certifies facts needs a value for each (given in d.Facts or proposed by
// its source), or it is errs.Invalid naming each missing fact as
// "fact_<code>"; facts are given with such an approval only.
func (a *Applications) Decide(ctx context.Context, p identity.Principal, tracking string, d Decision) (Case, error) {
	var canon string
	err := a.s.InTx(ctx, func(tx *store.Tx) error {
		return a.decideTx(ctx, tx, p, tracking, d, &canon)
	})
	if err != nil {
		return Case{}, err
	}
	return a.Case(ctx, p, canon)
}

// decideTx is Decide in tx; it sets *canon to the case's tracking code as
// stored. Automatic decisions (decide.go) take their steps through it.
func (a *Applications) decideTx(ctx context.Context, tx *store.Tx, p identity.Principal, tracking string, d Decision, canon *string) error {
	override := d.override
	const op = "apply.Transition"
	to := d.To
	reason := strings.TrimSpace(d.Reason)
	ground := strings.TrimSpace(d.Ground)
	if _, ok := ParseState(string(to)); !ok {
		return errs.E(op, errs.Invalid, "unknown state "+string(to), "وضعیت ناشناخته است")
	}
	if len([]rune(reason)) > maxText {
		return errs.E(op, errs.Invalid, "the reason is too long", "دلیل بیش از اندازه بلند است")
	}
	{
		c, err := a.loadCase(ctx, tx, op, p, tracking, true)
		if err != nil {
			return err
		}
		*canon = c.Tracking
		who, ok := transitions[c.State][to]
		if !ok {
			return errs.E(op, errs.Conflict,
				fmt.Sprintf("a case that is %s cannot become %s", c.State.NameEn(), to.NameEn()),
				fmt.Sprintf("پرونده‌ای که %s است نمی‌تواند %s شود", c.State.NameFa(), to.NameFa()))
		}
		switch {
		case who&byAgency != 0 && isAgency(p, c.Agency):
		case who&byApplicant != 0 && isApplicant(p, c):
		case who == byApplicant:
			return errs.E(op, errs.Forbidden, "only the applicant can withdraw a case", "تنها خود متقاضی می‌تواند درخواست را پس بگیرد")
		default:
			return errs.E(op, errs.Forbidden, "only the competent agency can do this", "تنها دستگاه مسئول می‌تواند این کار را انجام دهد")
		}
		svc, err := a.cat.Service(ctx, c.Service)
		if err != nil {
			return err
		}
		rec := svc.Record
		if c.State == Objected {
			// The final word on an objection is a clerk's who did not
			// write the rules that refused (objection.go).
			if err := a.mayDecideObjection(ctx, tx, op, p, c); err != nil {
				return err
			}
		}
		var decided *time.Time
		switch to {
		case NeedsInfo:
			if reason == "" {
				return errs.E(op, errs.Invalid, "say what information is needed", "بنویسید چه اطلاعاتی لازم است")
			}
		case InReview:
			if c.State == NeedsInfo && isApplicant(p, c) && reason == "" {
				return errs.E(op, errs.Invalid, "write your answer", "پاسخ خود را بنویسید")
			}
		case Rejected:
			t := a.clock()
			decided = &t
			if rec.IsPermit() {
				if ground == "" {
					return &errs.Error{Op: op, Kind: errs.Invalid, En: "refusing a permit needs one of its published refusal grounds",
						Fa: "رد مجوز تنها با یکی از شرایط منتشرشدهٔ آن ممکن است", Fields: []errs.FieldError{{Field: "ground",
							En: "Choose a published refusal ground.", Fa: "یکی از شرایط منتشرشدهٔ رد را برگزینید."}}}
				}
				if !knownGround(rec, ground) {
					return &errs.Error{Op: op, Kind: errs.Invalid, En: "no published refusal ground has the code " + ground,
						Fa: "شرط ردی با این کد منتشر نشده است", Fields: []errs.FieldError{{Field: "ground",
							En: "This is not a published refusal ground.", Fa: "این شرط رد منتشر نشده است."}}}
				}
			} else {
				if ground != "" {
					return errs.E(op, errs.Invalid, "refusal grounds apply to permits only", "شرایط رد تنها برای مجوزهاست")
				}
				if reason == "" {
					return errs.E(op, errs.Invalid, "say why the application is rejected", "دلیل رد را بنویسید")
				}
			}
		case Approved:
			t := a.clock()
			decided = &t
			if c.FeeRials > 0 && !c.Paid {
				return errs.E(op, errs.Conflict, "the fee has not been paid", "هزینهٔ خدمت هنوز پرداخت نشده است")
			}
		}
		if to == Approved || to == Issued {
			if err := a.guard(ctx, tx, op, p, c, rec, to, override); err != nil {
				return err
			}
		}
		if len(d.Facts) > 0 && (to != Approved || !hasDocument(rec)) {
			return errs.E(op, errs.Invalid, "facts are given only with an approval that issues a document",
				"موارد سند تنها با تأیید درخواستی داده می‌شود که سند صادر می‌کند")
		}
		if to != Rejected {
			ground = ""
		}
		now := a.clock()
		if err := a.move(ctx, tx, p, c, to, reason, ground, decided, now); err != nil {
			return err
		}
		if c.State == Objected {
			if err := a.objectionDecided(ctx, tx, p, c, to, now); err != nil {
				return err
			}
		}
		final, extra := to, map[string]string{"reason": reason}
		if to == Approved && hasDocument(rec) {
			if a.pm == nil {
				return errs.E(op, errs.Unavailable, "documents cannot be issued on this server", "صدور مدرک در این سامانه فعال نیست")
			}
			facts, err := a.decidedFacts(ctx, tx, op, c, rec, d.Facts)
			if err != nil {
				return err
			}
			doc, err := a.pm.IssueTx(ctx, tx, p, permit.IssueRequest{Service: c.Service, Holder: c.Applicant, HolderName: c.ApplicantName,
				CaseRef: c.Tracking, Facts: facts, Fields: permitFields(c, rec)})
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE apply_cases SET document = $1 WHERE id = $2`, doc.ID, c.ID); err != nil {
				return errs.Wrap(op, err)
			}
			approved := c
			approved.State = Approved
			if err := a.move(ctx, tx, p, approved, Issued, "", "", nil, now); err != nil {
				return err
			}
			final, extra["document"] = Issued, doc.ID
		}
		if to == Issued {
			var doc string
			if err := tx.QueryRowContext(ctx, `SELECT document FROM apply_cases WHERE id = $1`, c.ID).Scan(&doc); err != nil {
				return errs.Wrap(op, err)
			}
			if doc == "" {
				return nil // nothing was issued here; the approval already told the applicant
			}
			extra["document"] = doc
		}
		if g, ok := groundOf(rec, ground); ok && to == Rejected {
			extra["reason"] = g.TextFa
			if reason != "" {
				extra["reason"] += " — " + reason
			}
		}
		if c.State == NeedsInfo && to == InReview && isApplicant(p, c) {
			return nil // the applicant's own answer: nothing to tell them
		}
		template := "case." + string(final)
		if notify.Fields(template) == nil {
			return nil
		}
		return a.noticeTo(ctx, tx, c.Applicant, c.Data["phone"], template, c.Tracking, rec.TitleFa, extra)
	}
}

// move writes one transition and its event. An issue keeps the decision's
// reason; every other step records its own.
func (a *Applications) move(ctx context.Context, tx *store.Tx, p identity.Principal, c Case, to State, reason, ground string, decided *time.Time, now time.Time) error {
	var err error
	switch {
	case to == Issued:
		_, err = tx.ExecContext(ctx, `UPDATE apply_cases SET state = $1, updated_at = $2 WHERE id = $3`, to, now, c.ID)
	case decided != nil:
		_, err = tx.ExecContext(ctx, `UPDATE apply_cases SET state = $1, updated_at = $2, reason = $3, ground = $4, decided_at = $5 WHERE id = $6`,
			to, now, reason, ground, *decided, c.ID)
	default:
		_, err = tx.ExecContext(ctx, `UPDATE apply_cases SET state = $1, updated_at = $2, reason = $3, ground = $4 WHERE id = $5`,
			to, now, reason, ground, c.ID)
	}
	if err != nil {
		return errs.Wrap("apply.Transition", err)
	}
	err = tx.Append(ctx, store.Event{Kind: evTransition, Actor: p.Actor(), Agency: c.Agency, Service: c.Service, Region: c.Region, Subject: c.Applicant},
		map[string]any{"tracking": c.Tracking, "from": c.State, "to": to, "reason": reason, "ground": ground})
	return err
}

func knownGround(rec catalog.Record, code string) bool {
	_, ok := groundOf(rec, code)
	return ok
}

func groundOf(rec catalog.Record, code string) (catalog.RefusalGround, bool) {
	if rec.Permit == nil || code == "" {
		return catalog.RefusalGround{}, false
	}
	for _, g := range rec.Permit.RefusalGrounds {
		if g.Code == code {
			return g, true
		}
	}
	return catalog.RefusalGround{}, false
}

// hasDocument reports whether the service's output is a document.
func hasDocument(rec catalog.Record) bool {
	for _, o := range rec.Outputs {
		if o.Kind == "document" {
			return true
		}
	}
	return false
}

// permitFields are the further fields printed on the issued document: the
// applicant's declarations that no fact already prints, by their Persian
// labels.
func permitFields(c Case, rec catalog.Record) map[string]string {
	out := map[string]string{}
	asFact := map[string]bool{}
	for _, f := range rec.Certifies() {
		if f.From == catalog.FactFromForm {
			asFact[f.Evidence] = true
		}
	}
	for _, rq := range rec.Requirements {
		for _, ev := range rq.Evidence {
			if v := c.Data[fieldName(FieldText, ev.Code)]; v != "" && ev.Source == catalog.FromDeclaration && !asFact[ev.Code] {
				out[ev.NameFa] = v
			}
		}
	}
	return out
}
