package web

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"

	"github.com/panjare/panjare/internal/apply"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/persian"
)

// The ledger on the web: the public page that explains it, with its latest
// signed checkpoint, verifier key and a look-up of one event's inclusion
// proof; the checkpoint and the key as plain text for auditors' scripts;
// and the marks on case timelines, documents and receipts that name where
// each is sealed.

// ledgerPages are the page templates of this file.
var ledgerPages = []string{"ledger"}

// errNoLedger is shown when the portal runs without the ledger.
var errNoLedger = errs.E("web.ledger", errs.Unavailable, "The ledger is not available on this server.", "دفتر رویدادها در این سامانه فعال نیست.")

// ledgerView is the data of /ledger.
type ledgerView struct {
	Origin   string
	Size     uint64
	Root     string // base64, as in the checkpoint
	SignedAt time.Time
	Note     string // the signed checkpoint, exactly as /ledger/checkpoint serves it
	Key      string // the note verifier key
	Base     string // this portal's address, for the command that fetches the checkpoint

	// The look-up form: what was asked (the index or the event id, as
	// typed), a problem with it, and the proof when found.
	Index, Event string
	Error        string
	Proof        *inclusionView
}

// inclusionView is one event's inclusion proof against the checkpoint on
// the page. It shows only what the API shows anyone: never the event's
// subject, actor or payload.
type inclusionView struct {
	Index    uint64
	Size     uint64
	EventID  int64
	LeafHash string
	Hashes   []string
	Verified bool // the proof leads from the leaf to the checkpoint's root
	Kind     string
	At       time.Time
	Agency   string
	Service  string
	Missing  bool // the event is no longer in the events table
}

// ledgerPage is the public page of the ledger, /ledger; ?index=N or
// ?event=ID looks up one event's inclusion proof.
func (w *Web) ledgerPage(rw http.ResponseWriter, r *http.Request) error {
	if w.ledger == nil {
		return errNoLedger
	}
	ctx := r.Context()
	l := langOf(r)
	cp, err := w.ledger.Checkpoint(ctx)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := ledgerView{Origin: cp.Origin, Size: cp.Size, Root: base64.StdEncoding.EncodeToString(cp.Root[:]),
		SignedAt: cp.SignedAt, Note: string(cp.Note), Key: w.ledger.VerifierKey(), Base: requestBase(r),
		Index: strings.TrimSpace(q.Get("index")), Event: strings.TrimSpace(q.Get("event"))}
	rw.Header().Set("Cache-Control", "no-cache")
	title := translate(l, "ledger.title")
	if v.Index == "" && v.Event == "" {
		return w.render(rw, r, http.StatusOK, "ledger", title, "ledger", v)
	}
	v.Proof, err = w.inclusion(ctx, cp, v.Index, v.Event)
	if kind := errs.KindOf(err); err != nil && (kind == errs.Invalid || kind == errs.NotFound) {
		fa, en := errs.Messages(err)
		v.Error = pickText(l, fa, en)
		return w.render(rw, r, errs.StatusOf(kind), "ledger", title, "ledger", v)
	}
	if err != nil {
		return err
	}
	return w.render(rw, r, http.StatusOK, "ledger", title, "ledger", v)
}

// inclusion builds the inclusion proof of the leaf at index (or of the
// event with id event) in the tree of the checkpoint cp, and checks it
// against cp's root. Errors: Invalid for what is not a number or lies
// beyond cp's tree, NotFound for an event not sealed (yet).
func (w *Web) inclusion(ctx context.Context, cp ledger.Checkpoint, index, event string) (*inclusionView, error) {
	const op = "web.ledger"
	var idx uint64
	switch {
	case index != "":
		n, err := strconv.ParseUint(persian.ASCIIDigits(index), 10, 64)
		if err != nil {
			return nil, badRequest(op, "ledger.bad.index")
		}
		idx = n
	default:
		id, err := strconv.ParseInt(persian.ASCIIDigits(event), 10, 64)
		if err != nil || id <= 0 {
			return nil, badRequest(op, "ledger.bad.event")
		}
		n, ok, err := w.ledger.IndexOf(ctx, id)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errs.E(op, errs.NotFound, translate(en, "ledger.unsealed.event", event), translate(fa, "ledger.unsealed.event", persian.Digits(event)))
		}
		if n >= cp.Size {
			// Sealed after the checkpoint on the page was signed: the next
			// one, a second or so away, holds it.
			s := strconv.FormatUint(n, 10)
			return nil, errs.E(op, errs.NotFound, translate(en, "ledger.next.checkpoint", s), translate(fa, "ledger.next.checkpoint", persian.Digits(s)))
		}
		idx = n
	}
	if idx >= cp.Size {
		s := strconv.FormatUint(cp.Size, 10)
		return nil, errs.E(op, errs.Invalid, translate(en, "ledger.beyond", s), translate(fa, "ledger.beyond", persian.Digits(s)))
	}
	entries, err := w.ledger.Entries(ctx, idx, idx+1)
	if err != nil {
		return nil, err
	}
	if len(entries) != 1 {
		return nil, errs.E(op, errs.Internal, "the ledger has no leaf "+strconv.FormatUint(idx, 10), "")
	}
	e := entries[0]
	hashes, err := w.ledger.InclusionProof(ctx, idx, cp.Size)
	if err != nil {
		return nil, err
	}
	v := &inclusionView{Index: idx, Size: cp.Size, EventID: e.EventID, LeafHash: base64.StdEncoding.EncodeToString(e.Hash[:]),
		Kind: e.Event.Kind, At: e.Event.At, Agency: e.Event.Agency, Service: e.Event.Service, Missing: e.Event.ID == 0}
	path := make([][]byte, len(hashes))
	for i, h := range hashes {
		path[i] = h[:]
		v.Hashes = append(v.Hashes, base64.StdEncoding.EncodeToString(h[:]))
	}
	v.Verified = proof.VerifyInclusion(rfc6962.DefaultHasher, idx, cp.Size, e.Hash[:], path, cp.Root[:]) == nil
	return v, nil
}

// ledgerCheckpoint serves the latest signed checkpoint exactly, as text:
// what an auditor keeps to check the ledger later with
// panjare ledger verify --checkpoint.
func (w *Web) ledgerCheckpoint(rw http.ResponseWriter, r *http.Request) error {
	if w.ledger == nil {
		return errNoLedger
	}
	cp, err := w.ledger.Checkpoint(r.Context())
	if err != nil {
		return err
	}
	return writeText(rw, r, cp.Note)
}

// ledgerKey serves the note verifier key of the checkpoints, as text.
func (w *Web) ledgerKey(rw http.ResponseWriter, r *http.Request) error {
	if w.ledger == nil {
		return errNoLedger
	}
	return writeText(rw, r, []byte(w.ledger.VerifierKey()+"\n"))
}

// writeText answers with body as plain text that any origin may fetch:
// the ledger's checkpoint and key are public, for monitors everywhere.
func writeText(rw http.ResponseWriter, r *http.Request, body []byte) error {
	h := rw.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-cache")
	h.Set("Access-Control-Allow-Origin", "*")
	rw.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := rw.Write(body)
	return err
}

// markSealed sets the ledger index of each step of c's timeline that is
// sealed. Without a ledger it does nothing; a failure to read the ledger
// is logged and leaves the marks out, since the case page must not fail
// for them.
func (w *Web) markSealed(r *http.Request, c *apply.Case) {
	if w.ledger == nil {
		return
	}
	if err := apply.MarkSealed(r.Context(), c, w.ledger); err != nil {
		w.log.Warn("ledger marks failed", "route", r.Pattern, "err", err.Error())
	}
}

// documentSeal returns the ledger index of document d's issuing event, or
// nil while it is not sealed (or without a ledger); failures are logged
// and leave the mark out.
func (w *Web) documentSeal(r *http.Request, d permit.Document) *uint64 {
	if w.ledger == nil || w.docs.p == nil {
		return nil
	}
	id, ok, err := w.docs.p.IssuedEvent(r.Context(), d)
	if err == nil && ok {
		var idx uint64
		if idx, ok, err = w.ledger.IndexOf(r.Context(), id); err == nil && ok {
			return &idx
		}
	}
	if err != nil {
		w.log.Warn("document ledger mark failed", "route", r.Pattern, "err", err.Error())
	}
	return nil
}

// inquirySeals sets the ledger index of each of the citizen's inquiry rows
// whose exchange.inquiry event is sealed.
func (w *Web) inquirySeals(r *http.Request, subject string, rows []inquiryRow) {
	ids := make([]string, len(rows))
	for i, row := range rows {
		ids[i] = row.MessageID
	}
	seals := w.receiptSeals(r, subject, ids)
	for i := range rows {
		rows[i].LedgerIndex = seals[rows[i].MessageID]
	}
}

// receiptSeals returns where the exchange.inquiry event of each of the
// receipts (message ids of inquiries about subject) is sealed in the
// ledger; a receipt not sealed yet is absent. Failures are logged and
// leave the marks out: the page must not fail for them.
func (w *Web) receiptSeals(r *http.Request, subject string, messageIDs []string) map[string]*uint64 {
	if w.ledger == nil || w.gw == nil || len(messageIDs) == 0 {
		return nil
	}
	ctx := r.Context()
	events, err := w.gw.InquiryEvents(ctx, subject, messageIDs)
	if err != nil {
		w.log.Warn("receipt ledger marks failed", "route", r.Pattern, "err", err.Error())
		return nil
	}
	ids := make([]int64, 0, len(events))
	for _, id := range events {
		ids = append(ids, id)
	}
	sealed, err := w.ledger.IndexesOf(ctx, ids)
	if err != nil {
		w.log.Warn("receipt ledger marks failed", "route", r.Pattern, "err", err.Error())
		return nil
	}
	out := make(map[string]*uint64, len(events))
	for msg, id := range events {
		if idx, ok := sealed[id]; ok {
			out[msg] = &idx
		}
	}
	return out
}

// requestBase is the scheme and host the request came to: https when it
// came over TLS or through a proxy that says so.
func requestBase(r *http.Request) string {
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}
