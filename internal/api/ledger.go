package api

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// The ledger's endpoints: the latest signed checkpoint, the leaves by
// range, and inclusion and consistency proofs, so that anyone can check
// that an event is sealed and that the ledger only ever grew.
//
// Personal data: a leaf's event names who acted (actor) and whom it is
// about (subject, a national code), and its payload may hold more. The
// entries therefore show anyone only what is not personal: the index, the
// event id, the leaf hash, and the event's kind, time, agency and service.
// The whole event, from which the leaf hash can be recomputed, goes only to
// a platform admin signed in to the portal; overseers see no personal data,
// so they get what the public gets.

// errNoLedger answers when the API runs without the ledger.
var errNoLedger = errs.E("api.ledger", errs.Unavailable, "the ledger is not available on this server", "دفتر رویدادها در این سامانه فعال نیست")

// defaultEntries is how many entries a range without an end returns.
const defaultEntries = 100

func (a *API) ledgerRoutes() []route {
	problems := map[int]string{400: "Problem", 429: "Problem", 503: "Problem"}
	with := func(code int, schema string) map[int]string {
		out := map[int]string{code: schema}
		for k, v := range problems {
			out[k] = v
		}
		return out
	}
	return []route{
		{method: "GET", pattern: "/api/v1/ledger/checkpoint", op: "getLedgerCheckpoint", tag: "ledger",
			summary:   "The latest signed checkpoint of the ledger: its origin, tree size and root, the signed note exactly as GET /ledger/checkpoint serves it (C2SP signed note, Ed25519), when it was signed, and the note verifier key. Keep the note to check the ledger later with panjare ledger verify --checkpoint.",
			responses: map[int]string{200: "LedgerCheckpoint", 429: "Problem", 503: "Problem"}, handler: a.ledgerCheckpoint},
		{method: "GET", pattern: "/api/v1/ledger/entries", op: "listLedgerEntries", tag: "ledger",
			summary: "The leaves [start, end) of the ledger's tree, at most 1000: each leaf's index, event id and RFC 6962 leaf hash, with the event's kind, time, agency and service. The whole event (actor, subject, region, payload), from which the leaf hash is recomputed, is given only to a platform admin signed in to the portal; everyone else, overseers included, gets no personal data. An event deleted from the events table is marked missing.",
			params: []param{
				{name: "start", in: "query", schema: "integer", desc: "The first leaf index, from 0 (default 0)."},
				{name: "end", in: "query", schema: "integer", desc: "One past the last leaf index; at most start+1000 and the tree's size (default: 100 leaves, within the latest checkpoint)."},
			},
			responses: with(200, "LedgerEntries"), handler: a.ledgerEntries},
		{method: "GET", pattern: "/api/v1/ledger/proof/inclusion", op: "getInclusionProof", tag: "ledger",
			summary: "The RFC 6962 inclusion proof of one leaf, named by its index or by its event's id, in the tree of the given size: check it against the root of a checkpoint of that size. An event not sealed yet is 404.",
			params: []param{
				{name: "index", in: "query", schema: "integer", desc: "The leaf index (or give event)."},
				{name: "event", in: "query", schema: "integer", desc: "The event's id (or give index)."},
				{name: "size", in: "query", schema: "integer", desc: "The tree size, from 1; default: the latest checkpoint's."},
			},
			responses: with(200, "InclusionProof"), handler: a.inclusionProof},
		{method: "GET", pattern: "/api/v1/ledger/proof/consistency", op: "getConsistencyProof", tag: "ledger",
			summary: "The RFC 6962 consistency proof between the trees of sizes from and to: it shows that the tree of size to extends the tree of size from, so that a checkpoint kept earlier is a prefix of a later one.",
			params: []param{
				{name: "from", in: "query", schema: "integer", desc: "The older tree size, from 1.", required: true},
				{name: "to", in: "query", schema: "integer", desc: "The newer tree size, at least from; default: the latest checkpoint's."},
			},
			responses: with(200, "ConsistencyProof"), handler: a.consistencyProof},
	}
}

// ledgerCheckpointJSON is a checkpoint as JSON.
type ledgerCheckpointJSON struct {
	Origin   string    `json:"origin"`
	Size     uint64    `json:"size"`
	Root     string    `json:"root"` // base64
	Note     string    `json:"note"`
	SignedAt time.Time `json:"signed_at"`
	Key      string    `json:"key"` // the note verifier key
}

func (a *API) ledgerCheckpoint(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Ledger == nil {
		return errNoLedger
	}
	cp, err := a.cfg.Ledger.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	return httpx.WriteJSON(w, http.StatusOK, ledgerCheckpointJSON{Origin: cp.Origin, Size: cp.Size, Root: b64(cp.Root),
		Note: string(cp.Note), SignedAt: cp.SignedAt, Key: a.cfg.Ledger.VerifierKey()})
}

// ledgerEntry is one leaf as JSON. Event is set for platform admins only.
type ledgerEntry struct {
	Index   uint64       `json:"index"`
	EventID int64        `json:"event_id"`
	Hash    string       `json:"hash"` // base64 of the RFC 6962 leaf hash
	Kind    string       `json:"kind,omitempty"`
	At      *time.Time   `json:"at,omitempty"`
	Agency  string       `json:"agency,omitempty"`
	Service string       `json:"service,omitempty"`
	Missing bool         `json:"missing,omitempty"` // the event is no longer in the events table
	Event   *store.Event `json:"event,omitempty"`
}

// ledgerEntries is the answer of GET /api/v1/ledger/entries.
type ledgerEntries struct {
	Start   uint64        `json:"start"`
	End     uint64        `json:"end"`
	Full    bool          `json:"full_events"` // whether each entry carries its whole event
	Entries []ledgerEntry `json:"entries"`
}

func (a *API) ledgerEntries(w http.ResponseWriter, r *http.Request) error {
	const op = "api.ledgerEntries"
	if a.cfg.Ledger == nil {
		return errNoLedger
	}
	ctx := r.Context()
	start, _, err := ledgerParam(r, op, "start", 0)
	if err != nil {
		return err
	}
	end, hasEnd, err := ledgerParam(r, op, "end", 0)
	if err != nil {
		return err
	}
	if !hasEnd {
		cp, err := a.cfg.Ledger.Checkpoint(ctx)
		if err != nil {
			return err
		}
		if start > cp.Size {
			return beyond(op, "start", cp.Size)
		}
		end = min(start+defaultEntries, cp.Size)
	}
	list, err := a.cfg.Ledger.Entries(ctx, start, end)
	if err != nil {
		return err
	}
	out := ledgerEntries{Start: start, End: end, Full: fullEvents(ctx), Entries: make([]ledgerEntry, 0, len(list))}
	for _, e := range list {
		le := ledgerEntry{Index: e.Index, EventID: e.EventID, Hash: b64(e.Hash), Missing: e.Event.ID == 0}
		if !le.Missing {
			at := e.Event.At
			le.Kind, le.At, le.Agency, le.Service = e.Event.Kind, &at, e.Event.Agency, e.Event.Service
			if out.Full {
				ev := e.Event
				le.Event = &ev
			}
		}
		out.Entries = append(out.Entries, le)
	}
	// The answer depends on who asks: never kept for another.
	w.Header().Set("Vary", "Cookie")
	if out.Full {
		w.Header().Set("Cache-Control", "no-store")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	return httpx.WriteJSON(w, http.StatusOK, out)
}

// fullEvents reports whether the caller may read whole events: a platform
// admin signed in to the portal.
func fullEvents(ctx context.Context) bool {
	p, ok := identity.FromContext(ctx)
	return ok && p.Kind == "user" && p.Has(identity.RolePlatformAdmin)
}

// inclusionProofJSON is the answer of GET /api/v1/ledger/proof/inclusion.
type inclusionProofJSON struct {
	Index    uint64   `json:"index"`
	Size     uint64   `json:"size"`
	EventID  int64    `json:"event_id"`
	LeafHash string   `json:"leaf_hash"` // base64
	Hashes   []string `json:"hashes"`    // base64, from the leaf's side up
}

func (a *API) inclusionProof(w http.ResponseWriter, r *http.Request) error {
	const op = "api.inclusionProof"
	if a.cfg.Ledger == nil {
		return errNoLedger
	}
	ctx := r.Context()
	idx, hasIndex, err := ledgerParam(r, op, "index", 0)
	if err != nil {
		return err
	}
	event, hasEvent, err := ledgerParam(r, op, "event", 1)
	if err != nil {
		return err
	}
	size, hasSize, err := ledgerParam(r, op, "size", 1)
	if err != nil {
		return err
	}
	if hasIndex == hasEvent {
		e := errs.E(op, errs.Invalid, "give either index or event, not both", "یکی از index یا event را بدهید، نه هر دو را")
		e.Fields = []errs.FieldError{{Field: "index", En: e.En, Fa: e.Fa}}
		return e
	}
	if hasEvent {
		n, ok, err := a.cfg.Ledger.IndexOf(ctx, int64(event))
		if err != nil {
			return err
		}
		if !ok {
			id := strconv.FormatUint(event, 10)
			return errs.E(op, errs.NotFound, "event "+id+" is not sealed in the ledger (yet), or does not exist; sealing takes about a second",
				"رویداد "+persian.Digits(id)+" هنوز در دفتر ثبت نشده یا وجود ندارد؛ ثبت حدود یک ثانیه طول می‌کشد")
		}
		idx = n
	}
	if !hasSize {
		cp, err := a.cfg.Ledger.Checkpoint(ctx)
		if err != nil {
			return err
		}
		size = cp.Size
	}
	if idx >= size {
		return beyond(op, "index", size)
	}
	hashes, err := a.cfg.Ledger.InclusionProof(ctx, idx, size)
	if err != nil {
		return err
	}
	leaf, err := a.cfg.Ledger.Entries(ctx, idx, idx+1)
	if err != nil {
		return err
	}
	if len(leaf) != 1 {
		return errs.E(op, errs.Internal, "the ledger has no leaf "+strconv.FormatUint(idx, 10), "")
	}
	w.Header().Set("Cache-Control", "no-cache")
	return httpx.WriteJSON(w, http.StatusOK, inclusionProofJSON{Index: idx, Size: size, EventID: leaf[0].EventID,
		LeafHash: b64(leaf[0].Hash), Hashes: b64s(hashes)})
}

// consistencyProofJSON is the answer of GET /api/v1/ledger/proof/consistency.
type consistencyProofJSON struct {
	From   uint64   `json:"from"`
	To     uint64   `json:"to"`
	Hashes []string `json:"hashes"` // base64
}

func (a *API) consistencyProof(w http.ResponseWriter, r *http.Request) error {
	const op = "api.consistencyProof"
	if a.cfg.Ledger == nil {
		return errNoLedger
	}
	ctx := r.Context()
	from, hasFrom, err := ledgerParam(r, op, "from", 1)
	if err != nil {
		return err
	}
	if !hasFrom {
		e := errs.E(op, errs.Invalid, "from is required: the older tree size, from 1", "from لازم است: اندازهٔ درخت قدیمی‌تر، از ۱")
		e.Fields = []errs.FieldError{{Field: "from", En: e.En, Fa: e.Fa}}
		return e
	}
	to, hasTo, err := ledgerParam(r, op, "to", 1)
	if err != nil {
		return err
	}
	if !hasTo {
		cp, err := a.cfg.Ledger.Checkpoint(ctx)
		if err != nil {
			return err
		}
		to = cp.Size
	}
	if from > to {
		e := errs.E(op, errs.Invalid, "from must not exceed to", "from نباید از to بیشتر باشد")
		e.Fields = []errs.FieldError{{Field: "from", En: e.En, Fa: e.Fa}}
		return e
	}
	hashes, err := a.cfg.Ledger.ConsistencyProof(ctx, from, to)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-cache")
	return httpx.WriteJSON(w, http.StatusOK, consistencyProofJSON{From: from, To: to, Hashes: b64s(hashes)})
}

// ledgerParam reads the optional whole-number query parameter name (ASCII
// or Persian digits), which must be at least least; ok is false when it is
// absent. Anything else is Invalid, naming the parameter.
func ledgerParam(r *http.Request, op, name string, least uint64) (n uint64, ok bool, err error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, false, nil
	}
	n, perr := strconv.ParseUint(persian.ASCIIDigits(v), 10, 63)
	if perr != nil || n < least {
		l := strconv.FormatUint(least, 10)
		e := errs.E(op, errs.Invalid, name+" must be a whole number from "+l, name+" باید عددی صحیح از "+persian.Digits(l)+" به بالا باشد")
		e.Fields = []errs.FieldError{{Field: name, En: e.En, Fa: e.Fa}}
		return 0, false, e
	}
	return n, true, nil
}

// beyond is the Invalid error for a parameter that lies beyond a tree of
// the given size.
func beyond(op, name string, size uint64) error {
	s := strconv.FormatUint(size, 10)
	e := errs.E(op, errs.Invalid, name+" lies beyond the tree of "+s+" leaves, indexed from 0",
		name+" فراتر از درخت "+persian.Digits(s)+" برگی است که از ۰ شماره می‌خورد")
	e.Fields = []errs.FieldError{{Field: name, En: e.En, Fa: e.Fa}}
	return e
}

func b64(h [32]byte) string { return base64.StdEncoding.EncodeToString(h[:]) }

func b64s(hs [][32]byte) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = b64(h)
	}
	return out
}

// markSealed sets the ledger index of each step of c's timeline, and of
// each evidence's exchange receipt, that is sealed; without a ledger it
// does nothing.
func (a *API) markSealed(ctx context.Context, c *apply.Case) error {
	if a.cfg.Ledger == nil {
		return nil
	}
	if err := apply.MarkSealed(ctx, c, a.cfg.Ledger); err != nil {
		return err
	}
	var receipts []string
	for _, e := range c.Evidence {
		if e.MessageID != "" {
			receipts = append(receipts, e.MessageID)
		}
	}
	if a.cfg.Gateway == nil || len(receipts) == 0 {
		return nil
	}
	events, err := a.cfg.Gateway.InquiryEvents(ctx, c.Applicant, receipts)
	if err != nil {
		return err
	}
	for i := range c.Evidence {
		if id, ok := events[c.Evidence[i].MessageID]; ok {
			if c.Evidence[i].LedgerIndex, err = a.index(ctx, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// documentIndex returns where document d's issuing event is sealed in the
// ledger; nil while it is not, or without a ledger.
func (a *API) documentIndex(ctx context.Context, d permit.Document) (*uint64, error) {
	if a.cfg.Ledger == nil || a.cfg.Permits == nil {
		return nil, nil
	}
	id, ok, err := a.cfg.Permits.IssuedEvent(ctx, d)
	if err != nil || !ok {
		return nil, err
	}
	return a.index(ctx, id)
}

// index returns where event id is sealed in the ledger; nil while it is
// not.
func (a *API) index(ctx context.Context, id int64) (*uint64, error) {
	idx, ok, err := a.cfg.Ledger.IndexOf(ctx, id)
	if err != nil || !ok {
		return nil, err
	}
	return &idx, nil
}

// inquirySeals sets the ledger index of each of the subject's inquiries
// whose exchange.inquiry event is sealed.
func (a *API) inquirySeals(ctx context.Context, subject string, items []trackedInquiry) error {
	if a.cfg.Ledger == nil || a.cfg.Gateway == nil || len(items) == 0 {
		return nil
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.MessageID
	}
	events, err := a.cfg.Gateway.InquiryEvents(ctx, subject, ids)
	if err != nil {
		return err
	}
	evIDs := make([]int64, 0, len(events))
	for _, id := range events {
		evIDs = append(evIDs, id)
	}
	sealed, err := a.cfg.Ledger.IndexesOf(ctx, evIDs)
	if err != nil {
		return err
	}
	for i := range items {
		if idx, ok := sealed[events[items[i].MessageID]]; ok {
			items[i].LedgerIndex = &idx
		}
	}
	return nil
}

// ledgerSchemas are the schemas of the ledger's endpoints.
func ledgerSchemas() map[string]any {
	dt := map[string]any{"type": "string", "format": "date-time"}
	hashes := arr(str("A node hash, base64."))
	return map[string]any{
		"LedgerCheckpoint": obj([]string{"origin", "size", "root", "note", "signed_at", "key"}, map[string]any{
			"origin": str("The ledger's name, the note's first line."), "size": integer, "root": str("The tree's root hash, base64."),
			"note": str("The signed note exactly, as GET /ledger/checkpoint serves it."), "signed_at": dt,
			"key": str("The note verifier key (name+hash+base64) that opens the note.")}),
		"LedgerEntries": obj([]string{"start", "end", "full_events", "entries"}, map[string]any{
			"start": integer, "end": integer, "full_events": map[string]any{"type": "boolean", "description": "Whether each entry carries its whole event: for platform admins only."},
			"entries": arr(obj([]string{"index", "event_id", "hash"}, map[string]any{
				"index": integer, "event_id": integer, "hash": str("The RFC 6962 leaf hash, base64: SHA-256 of 0x00 and the event's canonical encoding."),
				"kind": str("The event's kind."), "at": dt, "agency": str("The agency's code."), "service": str("The service identifier."),
				"missing": map[string]any{"type": "boolean", "description": "The sealed event is no longer in the events table."},
				"event": obj(nil, map[string]any{"id": integer, "at": dt, "kind": str(""), "actor": str("Who caused it."), "agency": str(""),
					"service": str(""), "region": str("City code."), "subject": str("Whom it is about: personal data."),
					"payload": map[string]any{"type": "object"}}),
			}))}),
		"InclusionProof": obj([]string{"index", "size", "event_id", "leaf_hash", "hashes"}, map[string]any{
			"index": integer, "size": integer, "event_id": integer, "leaf_hash": str("The leaf hash, base64."), "hashes": hashes}),
		"ConsistencyProof": obj([]string{"from", "to", "hashes"}, map[string]any{"from": integer, "to": integer, "hashes": hashes}),
	}
}
