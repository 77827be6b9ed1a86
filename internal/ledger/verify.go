package ledger

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// Verifying the ledger.
//
// Verify trusts nothing the sealer wrote except the signatures on its
// checkpoints. It reads every event and every leaf in one read-only
// snapshot, recomputes each leaf's hash from the event row, rebuilds the
// tree twice (once from the stored leaf hashes, to check the stored nodes
// and state, and once from the recomputed hashes, which is the tree the
// events table gives today) and checks the second against every signed
// checkpoint, the auditor's included. It never writes.
//
// Events are read in id order and leaves are looked up by event id, batch
// by batch, so memory stays flat however long the log is; leaves are fed
// to the trees in index order through a small buffer, since commit order
// and id order differ only by what was in flight together.

// FindingKind says what Verify found wrong.
type FindingKind string

// The kinds of findings.
const (
	FindEdited     FindingKind = "edited"     // the event row exists but no longer hashes to its leaf
	FindDeleted    FindingKind = "deleted"    // the leaf's event row is gone
	FindInserted   FindingKind = "inserted"   // an event row in the sealed range that no leaf seals
	FindReordered  FindingKind = "reordered"  // the leaf's content now sits under another event id
	FindTree       FindingKind = "tree"       // the stored tree (leaves, nodes, state) disagrees with itself
	FindCheckpoint FindingKind = "checkpoint" // a signed checkpoint does not match the tree the events give
	FindMessage    FindingKind = "message"    // a sealed inquiry's exchange message row is gone or altered
)

// Finding is one thing Verify found wrong. Index is the leaf index, or -1
// when the finding concerns no single leaf (an inserted event, a
// checkpoint); EventID is 0 when it concerns no single event.
type Finding struct {
	Kind    FindingKind `json:"kind"`
	Index   int64       `json:"index"`
	EventID int64       `json:"event_id"`
	Detail  string      `json:"detail"`
}

// String renders the finding as one line of ASCII: the kind, the leaf
// index and event id when there are any, and the detail.
func (f Finding) String() string {
	var b strings.Builder
	b.WriteString(string(f.Kind))
	if f.Index >= 0 {
		b.WriteString(" index " + strconv.FormatInt(f.Index, 10))
	}
	if f.EventID != 0 || f.Kind == FindInserted {
		b.WriteString(" event " + strconv.FormatInt(f.EventID, 10))
	}
	if f.Detail != "" {
		b.WriteString(": " + f.Detail)
	}
	return b.String()
}

// Report is what Verify found. Size and Root are the tree the events table
// gives today (a missing event counts as an all-zero leaf hash), which is
// what an auditor compares with a checkpoint they kept.
type Report struct {
	Size          uint64    `json:"size"`
	Root          [32]byte  `json:"-"`
	SealedThrough int64     `json:"sealed_through"`
	Events        int64     `json:"events"`      // event rows read
	Checkpoints   int       `json:"checkpoints"` // signed checkpoints checked, the auditor's included
	Messages      int       `json:"messages"`    // sealed inquiries checked against the message log
	Reread        int64     `json:"reread"`      // events read a second time, as typed columns: those that differ from their leaf or were not read cleanly at first
	Findings      []Finding `json:"findings"`
}

// OK reports whether nothing was found wrong.
func (r Report) OK() bool { return len(r.Findings) == 0 }

// RootBase64 is the root in the encoding checkpoints use.
func (r Report) RootBase64() string { return base64.StdEncoding.EncodeToString(r.Root[:]) }

// VerifyOptions tune Verify. The zero value checks the database against
// itself and its own signed checkpoints.
type VerifyOptions struct {
	// Checkpoint is a signed checkpoint note an auditor kept (from GET
	// /ledger/checkpoint). When set, its signature must verify, its origin
	// must be this ledger's, and its size must be within the tree, or
	// Verify returns an errs.Invalid error; its root must then equal the
	// root the events give at its size.
	Checkpoint []byte
	// Verifier checks Checkpoint's signature: the ledger's key as the
	// auditor kept it (GET /ledger/key). Nil uses the key in the database,
	// which catches a stale or forged note but not a key swapped in the
	// database.
	Verifier note.Verifier
	// Batch is how many event ids are read at a time (default 20000).
	Batch int
	// Workers is how many goroutines hash events (default GOMAXPROCS).
	Workers int
	// Readers is how many connections read events and leaves side by
	// side, each in a transaction on the same snapshot (default 2; 1
	// reads on the one snapshot transaction).
	Readers int
}

// zeroHash stands for the leaf hash of an event that is gone.
var zeroHash [32]byte

// Verify checks the ledger in s against the events table, as described at
// the top of this file. It returns an error only when it cannot check (the
// database fails, or opt.Checkpoint is not a genuine checkpoint of this
// ledger, which is errs.Invalid); everything wrong with the data is a
// finding in the report.
func Verify(ctx context.Context, s *store.Store, opt VerifyOptions) (Report, error) {
	const op = "ledger.Verify"
	if opt.Batch <= 0 {
		opt.Batch = 20000
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Readers <= 0 {
		opt.Readers = 2
	}
	// One snapshot for everything: the sealer may be running, and a leaf
	// sealed between reading an event and looking up its leaf would
	// otherwise look like an inserted event.
	txo := &sql.TxOptions{ReadOnly: true}
	if s.Dialect() == store.Postgres {
		txo.Isolation = sql.LevelRepeatableRead
	} else {
		txo = nil // the read pool is query_only already; SQLite's read transaction is a snapshot
	}
	tx, err := s.Read().BeginTx(ctx, txo)
	if err != nil {
		return Report{}, errs.Wrap(op, err)
	}
	defer tx.Rollback()

	v := &verification{s: s, tx: tx, dialect: s.Dialect(), opt: opt, now: s.Now(), pending: map[uint64]pendingLeaf{}}
	if v.maxID, err = maxEventID(ctx, tx); err != nil {
		return Report{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := v.load(ctx); err != nil {
		return Report{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := v.auditorCheckpoint(ctx); err != nil {
		return Report{}, err
	}
	if err := v.stream(ctx); err != nil {
		return Report{}, fmt.Errorf("%s: %w", op, err)
	}
	if err := v.finish(ctx); err != nil {
		return Report{}, fmt.Errorf("%s: %w", op, err)
	}
	return v.report, nil
}

// verification is one run of Verify.
type verification struct {
	s       *store.Store
	tx      *sql.Tx
	maxID   int64      // the largest event id in the snapshot
	txMu    sync.Mutex // the snapshot is one connection: one query at a time
	dialect store.Dialect
	opt     VerifyOptions
	report  Report

	// What the sealer recorded.
	state    storedState
	gaps     []gap              // by first id
	now      time.Time          // the store's clock when Verify began
	keys     []ledgerKey        // every key the ledger has had
	verifier note.Verifiers     // all of them, for the stored checkpoints
	origin   string             // the origin of the latest stored checkpoint
	cps      []signedCheckpoint // by size; the auditor's among them
	cpNext   int

	// The trees: a from the stored leaf hashes, b from the recomputed ones.
	// b shares a until the first leaf whose hashes differ.
	a, b     *compact.Range
	diverged bool
	visited  []visitedNode // a's perfect nodes since the last node check
	pending  map[uint64]pendingLeaf

	// Leaves and events kept to tell edits from reorderings at the end.
	changed  []changedLeaf
	deleted  []changedLeaf
	inserted []store.Event
	// Sealed inquiries whose message row must exist.
	inquiries []inquiryRef
	// Checkpoint findings are folded: one per run of mismatching checkpoints.
	cpRun         *checkpointRun
	leavesOff     bool   // the stored leaves' tree was found to differ from a signed root
	lastGoodCP    uint64 // the largest stored checkpoint's size the events still give
	signedThrough uint64 // the largest size of any checkpoint the events still give
}

// storedState is the ledger_state row.
type storedState struct {
	size          uint64
	root          []byte
	frontier      []byte
	sealedThrough int64
	found         bool
}

// signedCheckpoint is a checkpoint whose signature was checked.
type signedCheckpoint struct {
	size    uint64
	root    [32]byte
	auditor bool
}

type pendingLeaf struct {
	eventID            int64
	stored, recomputed [32]byte
}

type changedLeaf struct {
	index   uint64
	eventID int64
	stored  [32]byte
	event   *store.Event // nil when deleted
}

type visitedNode struct {
	id   compact.NodeID
	hash []byte
}

type inquiryRef struct {
	key     [16]byte
	eventID int64
	index   uint64
}

func (v *verification) add(f Finding) { v.report.Findings = append(v.report.Findings, f) }

// load reads what the sealer recorded: the state, the gaps, the keys and
// every signed checkpoint, each checked against the keys.
func (v *verification) load(ctx context.Context) error {
	st, err := readState(ctx, v.tx)
	if err != nil {
		e := errs.E("ledger.Verify", errs.NotFound, "the database has no ledger to verify: migrate it (panjare migrate) and let the platform seal its events",
			"پایگاه داده دفتر رویدادی برای وارسی ندارد: آن را به‌روز کنید (panjare migrate) تا سامانه رویدادها را مهر کند")
		e.Err = err
		return e
	}
	v.state = st
	v.report.SealedThrough = st.sealedThrough
	if v.gaps, err = readGaps(ctx, v.tx); err != nil {
		return err
	}
	if v.keys, err = readKeys(ctx, v.tx); err != nil {
		return err
	}
	var vs []note.Verifier
	for _, k := range v.keys {
		vs = append(vs, k.verifier)
	}
	v.verifier = note.VerifierList(vs...)
	stored, err := readCheckpoints(ctx, v.tx)
	if err != nil {
		return err
	}
	if len(stored) > 0 {
		v.origin, _, _ = strings.Cut(string(stored[len(stored)-1].note), "\n")
	}
	v.cps = v.checkStoredCheckpoints(stored)
	v.a = factory.NewEmptyRange(0)
	v.b = v.a
	return nil
}

// lateWindow is how long after the sealer passed a missing id an event
// may still commit with it and be sealed late (the sealer's default).
// Such an event, not yet sealed, is not a finding; one that appears later
// than that is inserted.
const lateWindow = 10 * time.Minute

// gapOf returns the recorded gap that holds id, if any.
func (v *verification) gapOf(id int64) (gap, bool) {
	i, found := slices.BinarySearchFunc(v.gaps, id, func(g gap, id int64) int {
		switch {
		case g.last < id:
			return -1
		case g.first > id:
			return 1
		}
		return 0
	})
	if !found {
		return gap{}, false
	}
	return v.gaps[i], true
}

// unsealed judges an event row that no leaf seals: after the sealed range
// it is simply not sealed yet; inside it, it was inserted behind the
// sealer's back, unless it took an id of a gap recent enough to be sealed
// late.
func (v *verification) unsealed(ev store.Event) {
	if ev.ID > v.state.sealedThrough {
		return
	}
	g, inGap := v.gapOf(ev.ID)
	if inGap && v.now.Sub(g.noticed) < lateWindow {
		return
	}
	v.inserted = append(v.inserted, ev)
}

// storedCheckpoint is a row of ledger_checkpoints.
type storedCheckpoint struct {
	size uint64
	root []byte
	note []byte
}

// checkStoredCheckpoints checks each stored checkpoint's signature and
// that its note says what its row says, in parallel, and returns those
// whose signature holds, for comparison with the tree.
func (v *verification) checkStoredCheckpoints(stored []storedCheckpoint) []signedCheckpoint {
	type result struct {
		cp  signedCheckpoint
		err string
	}
	res := make([]result, len(stored))
	var wg sync.WaitGroup
	next := make(chan int)
	for range v.opt.Workers {
		wg.Go(func() {
			for i := range next {
				c := stored[i]
				cp, err := openCheckpoint(c.note, v.verifier, "")
				switch {
				case err != nil:
					res[i].err = "the signed note of the checkpoint at size " + strconv.FormatUint(c.size, 10) + " does not verify with the ledger's key: " + err.Error()
				case cp.size != c.size || !bytes.Equal(cp.root[:], c.root):
					res[i].err = fmt.Sprintf("the checkpoint row at size %d (root %s) differs from its signed note (size %d, root %s)",
						c.size, b64(c.root), cp.size, b64(cp.root[:]))
				default:
					res[i].cp = cp.signedCheckpoint
				}
			}
		})
	}
	for i := range stored {
		next <- i
	}
	close(next)
	wg.Wait()
	out := make([]signedCheckpoint, 0, len(stored))
	for i, r := range res {
		if r.err != "" {
			v.add(Finding{Kind: FindCheckpoint, Index: -1, Detail: r.err})
			continue
		}
		out = append(out, res[i].cp)
	}
	v.report.Checkpoints += len(out)
	return out
}

// auditorCheckpoint checks the auditor's note and adds it to the
// checkpoints the tree is compared with. A note that is not a genuine
// checkpoint of this ledger within its tree is bad input: errs.Invalid.
func (v *verification) auditorCheckpoint(ctx context.Context) error {
	const op = "ledger.Verify"
	if len(v.opt.Checkpoint) == 0 {
		return nil
	}
	var key note.Verifiers = v.verifier
	if v.opt.Verifier != nil {
		key = note.VerifierList(v.opt.Verifier)
	}
	if v.opt.Verifier == nil && len(v.keys) == 0 {
		return errs.E(op, errs.Invalid, "the database holds no ledger key to check the checkpoint with", "پایگاه داده کلید دفتر رویدادها را ندارد تا نقطهٔ بازبینی با آن سنجیده شود")
	}
	cp, err := openCheckpoint(v.opt.Checkpoint, key, "")
	if err != nil {
		e := errs.E(op, errs.Invalid, "the checkpoint is not signed by this ledger's key (forged, altered, or from another ledger)",
			"نقطهٔ بازبینی با کلید این دفتر رویدادها امضا نشده است (جعلی، دست‌خورده یا از دفتر رویدادهای دیگر)")
		e.Err = err
		return e
	}
	if origin := v.origin; origin != "" && cp.origin != origin {
		return errs.E(op, errs.Invalid, fmt.Sprintf("the checkpoint is for the ledger %q, not this ledger %q", cp.origin, origin),
			fmt.Sprintf("نقطهٔ بازبینی از دفتر رویدادهای «%s» است، نه این دفتر «%s»", cp.origin, origin))
	}
	leaves, err := countLeaves(ctx, v.tx)
	if err != nil {
		return errs.Wrap(op, err)
	}
	if cp.size > leaves {
		return errs.E(op, errs.Invalid, fmt.Sprintf("the checkpoint is for %d leaves but the tree has %d: it is from another database, or leaves were removed", cp.size, leaves),
			fmt.Sprintf("نقطهٔ بازبینی برای %d برگ است اما درخت %d برگ دارد: از پایگاه دادهٔ دیگری است یا برگ‌هایی حذف شده‌اند", cp.size, leaves))
	}
	cp.auditor = true
	i, _ := slices.BinarySearchFunc(v.cps, cp.size, func(c signedCheckpoint, n uint64) int { return cmpU64(c.size, n) })
	v.cps = slices.Insert(v.cps, i, cp.signedCheckpoint)
	v.report.Checkpoints++
	return nil
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// openedCheckpoint is a checkpoint note whose signature verified.
type openedCheckpoint struct {
	signedCheckpoint
	origin string
}

// openCheckpoint verifies a checkpoint note with key and parses its body
// (C2SP tlog-checkpoint: origin, size, base64 root, optional extension
// lines). With origin set, the note's origin must be it.
func openCheckpoint(msg []byte, keys note.Verifiers, origin string) (openedCheckpoint, error) {
	n, err := note.Open(msg, keys)
	if err != nil {
		return openedCheckpoint{}, err
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		return openedCheckpoint{}, fmt.Errorf("the note is not a checkpoint")
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return openedCheckpoint{}, fmt.Errorf("the checkpoint's size %q is not a number", lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return openedCheckpoint{}, fmt.Errorf("the checkpoint's root %q is not 32 bytes in base64", lines[2])
	}
	if origin != "" && lines[0] != origin {
		return openedCheckpoint{}, fmt.Errorf("origin %q, want %q", lines[0], origin)
	}
	cp := openedCheckpoint{origin: lines[0]}
	cp.size = size
	copy(cp.root[:], root)
	return cp, nil
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// batch is one slice of the events table, in id order, with the leaves
// that seal those ids, on its way through the hashers.
type batch struct {
	packed    []packedEvent // SQLite: the rows as read, unpacked by the hashers into events
	reload    []int         // positions of events to read again, typed (see unpack)
	events    []store.Event
	hashes    [][32]byte
	inquiries []inquiryAt // exchange.inquiry events of the batch
	leaves    []leafRow   // by event id
	last      bool        // no events or leaves after this batch
	lastID    int64       // the largest event id the batch covers
	err       error
	done      chan struct{}
}

type inquiryAt struct {
	pos int // in events
	key [16]byte
}

// hash unpacks the batch's rows when they were read packed, computes
// every event's leaf hash, and the message keys of its inquiries.
func (b *batch) hash(h *leafHasher) {
	if b.packed != nil {
		b.events = make([]store.Event, len(b.packed))
		for i, p := range b.packed {
			if !p.unpack(&b.events[i]) {
				b.reload = append(b.reload, i)
			}
		}
		b.packed = nil
	}
	b.hashes = make([][32]byte, len(b.events))
	for i := range b.events {
		ev := &b.events[i]
		b.hashes[i] = h.hash(ev)
		if ev.Kind == inquiryKind {
			k, ok := quickInquiryKey(ev.Payload)
			if !ok {
				k, ok = inquiryKey(ev.Payload)
			}
			if ok {
				b.inquiries = append(b.inquiries, inquiryAt{pos: i, key: k})
			}
		}
	}
}

// inquiryKind is exchange.EventInquiry; the ledger must not import the
// exchange, which will name its ledger index.
const inquiryKind = "exchange.inquiry"

// inquiryKey is what an inquiry event and its message row must agree on:
// the message id and the two digests, hashed to 16 bytes so that millions
// of them sort in little memory.
func inquiryKey(payload []byte) ([16]byte, bool) {
	var p struct {
		MessageID      string `json:"message_id"`
		RequestDigest  string `json:"request_digest"`
		ResponseDigest string `json:"response_digest"`
	}
	if json.Unmarshal(payload, &p) != nil || p.MessageID == "" {
		return [16]byte{}, false
	}
	return messageKey(p.MessageID, p.RequestDigest, p.ResponseDigest), true
}

func messageKey(id, req, resp string) [16]byte {
	h := sha256.Sum256([]byte(id + "\x00" + req + "\x00" + resp))
	return [16]byte(h[:16])
}

// check joins a batch's events with its leaves (both by event id) and
// feeds the leaves to the trees in index order.
func (v *verification) check(ctx context.Context, b *batch) error {
	if err := v.reloadEvents(ctx, b); err != nil {
		return err
	}
	v.report.Events += int64(len(b.events))
	inq := b.inquiries
	i, j := 0, 0
	for i < len(b.events) || j < len(b.leaves) {
		switch {
		case j == len(b.leaves) || (i < len(b.events) && b.events[i].ID < b.leaves[j].eventID):
			if b.events[i].ID <= v.state.sealedThrough {
				// Perhaps inserted: its content must be exact (see unpack).
				if err := v.reloadEvent(ctx, &b.events[i]); err != nil {
					return err
				}
			}
			v.unsealed(b.events[i])
			for len(inq) > 0 && inq[0].pos <= i {
				inq = inq[1:]
			}
			i++
		case i == len(b.events) || b.leaves[j].eventID < b.events[i].ID:
			l := b.leaves[j]
			v.deleted = append(v.deleted, changedLeaf{index: l.idx, eventID: l.eventID, stored: l.hash})
			v.pending[l.idx] = pendingLeaf{eventID: l.eventID, stored: l.hash, recomputed: zeroHash}
			j++
		default:
			l, ev, h := b.leaves[j], &b.events[i], b.hashes[i]
			if h != l.hash {
				// Only the event read as typed columns stands for a leaf
				// that differs (see unpack).
				if err := v.reloadEvent(ctx, ev); err != nil {
					return err
				}
				h = LeafHash(*ev)
			}
			if h != l.hash {
				e := *ev
				v.changed = append(v.changed, changedLeaf{index: l.idx, eventID: l.eventID, stored: l.hash, event: &e})
			}
			for len(inq) > 0 && inq[0].pos < i {
				inq = inq[1:]
			}
			if len(inq) > 0 && inq[0].pos == i {
				v.inquiries = append(v.inquiries, inquiryRef{key: inq[0].key, eventID: ev.ID, index: l.idx})
			}
			v.pending[l.idx] = pendingLeaf{eventID: l.eventID, stored: l.hash, recomputed: h}
			i++
			j++
		}
	}
	return v.grow(ctx, false)
}

// grow appends the pending leaves that come next in index order to both
// trees. At the end (final) a missing index is a finding, and the leaves
// after it still go in, so that the rest is checked too.
func (v *verification) grow(ctx context.Context, final bool) error {
	for len(v.pending) > 0 {
		next := v.a.End()
		p, ok := v.pending[next]
		if !ok {
			if !final {
				break
			}
			v.add(Finding{Kind: FindTree, Index: int64(next), Detail: "no leaf has this index: a leaf row was removed"})
			p = pendingLeaf{}
		}
		delete(v.pending, next)
		if err := v.append(p); err != nil {
			return err
		}
	}
	return v.checkNodes(ctx)
}

// append adds one leaf to both trees and compares them with every
// checkpoint at the new size.
func (v *verification) append(p pendingLeaf) error {
	if !v.diverged && p.stored != p.recomputed {
		hs := slices.Clone(v.a.Hashes())
		b, err := factory.NewRange(v.a.Begin(), v.a.End(), hs)
		if err != nil {
			return err
		}
		v.b, v.diverged = b, true
	}
	stored := p.stored
	if err := v.a.Append(stored[:], v.visit); err != nil {
		return err
	}
	if v.diverged {
		rec := p.recomputed
		if err := v.b.Append(rec[:], nil); err != nil {
			return err
		}
	}
	return v.checkpointsAt(v.a.End())
}

func (v *verification) visit(id compact.NodeID, hash []byte) {
	if id.Level >= storedLevel {
		v.visited = append(v.visited, visitedNode{id: id, hash: hash})
	}
}

// roots returns the root of the stored leaves' tree and of the events'
// tree at their current size.
func (v *verification) roots() (a, b [32]byte, err error) {
	if v.a.End() == 0 {
		e := rfc6962.DefaultHasher.EmptyRoot()
		return [32]byte(e), [32]byte(e), nil
	}
	ra, err := v.a.GetRootHash(nil)
	if err != nil {
		return a, b, err
	}
	a = [32]byte(ra)
	if !v.diverged {
		return a, a, nil
	}
	rb, err := v.b.GetRootHash(nil)
	if err != nil {
		return a, b, err
	}
	return a, [32]byte(rb), nil
}

// checkpointsAt compares the trees with every checkpoint of size n.
func (v *verification) checkpointsAt(n uint64) error {
	for v.cpNext < len(v.cps) && v.cps[v.cpNext].size < n {
		v.cpNext++ // size 0 before the first leaf, handled in finish
	}
	for v.cpNext < len(v.cps) && v.cps[v.cpNext].size == n {
		cp := v.cps[v.cpNext]
		v.cpNext++
		ra, rb, err := v.roots()
		if err != nil {
			return err
		}
		v.compareCheckpoint(cp, ra, rb)
	}
	return nil
}

func (v *verification) compareCheckpoint(cp signedCheckpoint, ra, rb [32]byte) {
	who := "a signed checkpoint"
	if cp.auditor {
		who = "the auditor's checkpoint"
	}
	if rb == cp.root {
		if ra != cp.root && !v.leavesOff {
			v.leavesOff = true // said once: the later checkpoints would repeat it
			v.add(Finding{Kind: FindTree, Index: -1, Detail: fmt.Sprintf("the stored leaf hashes give root %s at size %d, but %s signed %s, which the events give",
				b64(ra[:]), cp.size, who, b64(cp.root[:]))})
		}
		if !cp.auditor {
			v.lastGoodCP = cp.size
		}
		v.signedThrough = max(v.signedThrough, cp.size)
		v.cpRun = nil
		return
	}
	if cp.auditor {
		v.add(Finding{Kind: FindCheckpoint, Index: -1, Detail: fmt.Sprintf("the auditor's checkpoint signed root %s at size %d; the events give %s",
			b64(cp.root[:]), cp.size, b64(rb[:]))})
		return
	}
	// One finding per run of mismatching checkpoints: after the first, the
	// later ones only repeat that the same change is still there.
	if v.cpRun != nil {
		v.cpRun.later++
		v.cpRun.upTo = cp.size
		v.report.Findings[v.cpRun.at].Detail = v.cpRun.detail + fmt.Sprintf(" (and %d later checkpoints, up to size %d)", v.cpRun.later, v.cpRun.upTo)
		return
	}
	detail := fmt.Sprintf("the checkpoint at size %d signed root %s; the events give %s: a leaf in indexes %d to %d is not what was signed",
		cp.size, b64(cp.root[:]), b64(rb[:]), v.lastGoodCP, cp.size-1)
	v.add(Finding{Kind: FindCheckpoint, Index: -1, Detail: detail})
	v.cpRun = &checkpointRun{at: len(v.report.Findings) - 1, detail: detail}
}

// checkpointRun is a run of consecutive signed checkpoints that the events
// no longer give, reported as one finding.
type checkpointRun struct {
	at     int // in the report's findings
	detail string
	later  int
	upTo   uint64
}

// finish checks what can only be checked once every leaf is in: missing
// indexes, the final size against the state, the reorderings, the inserted
// events, and the inquiries' message rows.
func (v *verification) finish(ctx context.Context) error {
	if err := v.grow(ctx, true); err != nil {
		return err
	}
	ra, rb, err := v.roots()
	if err != nil {
		return err
	}
	// Checkpoints of size 0 sign the empty tree; any beyond the tree sign
	// leaves that are gone.
	for _, cp := range v.cps {
		if cp.size == 0 {
			e := [32]byte(rfc6962.DefaultHasher.EmptyRoot())
			v.compareCheckpoint(cp, e, e)
		}
	}
	for ; v.cpNext < len(v.cps); v.cpNext++ {
		cp := v.cps[v.cpNext]
		if cp.size > v.a.End() {
			v.add(Finding{Kind: FindCheckpoint, Index: -1, Detail: fmt.Sprintf("a signed checkpoint is for %d leaves but the tree has only %d: leaves were removed", cp.size, v.a.End())})
			break
		}
	}
	v.report.Size, v.report.Root = v.b.End(), rb
	if v.state.found {
		if v.state.size != v.a.End() {
			v.add(Finding{Kind: FindTree, Index: -1, Detail: fmt.Sprintf("the ledger state says %d leaves; the leaves table has %d", v.state.size, v.a.End())})
		} else if !bytes.Equal(v.state.root, ra[:]) {
			v.add(Finding{Kind: FindTree, Index: -1, Detail: fmt.Sprintf("the ledger state's root %s is not the root of its leaves, %s", b64(v.state.root), b64(ra[:]))})
		}
		if !bytes.Equal(v.state.frontier, bytes.Join(v.a.Hashes(), nil)) {
			v.add(Finding{Kind: FindTree, Index: -1, Detail: "the ledger state's compact range is not the one its leaves give: the sealer would build on a wrong tree"})
		}
	}
	v.classify()
	if err := v.checkMessages(ctx); err != nil {
		return err
	}
	// Findings about leaves in index order; the others (inserted events,
	// checkpoints, the state) after them, in the order they were found.
	slices.SortStableFunc(v.report.Findings, func(x, y Finding) int {
		switch {
		case x.Index < 0 && y.Index < 0:
			return 0
		case x.Index < 0:
			return 1
		case y.Index < 0:
			return -1
		}
		return cmpU64(uint64(x.Index), uint64(y.Index))
	})
	return nil
}

// classify turns the changed, deleted and inserted rows into findings. A
// changed or deleted leaf whose signed content now sits under another
// event id (ids swapped, or an event renumbered) is reordered; the rest
// are edited, deleted or inserted.
func (v *verification) classify() {
	// The content side: events that hash to no leaf of their own.
	var contents []*store.Event
	for _, c := range v.changed {
		contents = append(contents, c.event)
	}
	for i := range v.inserted {
		contents = append(contents, &v.inserted[i])
	}
	moved := map[int64]int64{}  // leaf's event id → the event id its content now has
	movedTo := map[int64]bool{} // event ids holding another leaf's content
	if len(contents) > 0 && len(contents)*(len(v.changed)+len(v.deleted)) <= maxReorderPairs {
		for _, l := range slices.Concat(v.changed, v.deleted) {
			for _, ev := range contents {
				if ev.ID == l.eventID {
					continue
				}
				e := *ev
				e.ID = l.eventID
				if LeafHash(e) == l.stored {
					moved[l.eventID] = ev.ID
					movedTo[ev.ID] = true
					break
				}
			}
		}
	}
	for _, c := range v.changed {
		switch to, ok := moved[c.eventID]; {
		case c.index < v.signedThrough && !ok && !movedTo[c.eventID]:
			// The events give a signed root over this leaf: the event is
			// what was signed, and the leaf row is what changed.
			v.add(Finding{Kind: FindTree, Index: int64(c.index), EventID: c.eventID, Detail: fmt.Sprintf("the stored leaf hash was altered: the event still gives the signed checkpoint at size %d", v.signedThrough)})
		case ok:
			v.add(Finding{Kind: FindReordered, Index: int64(c.index), EventID: c.eventID, Detail: "the content sealed at this index now sits under event " + strconv.FormatInt(to, 10)})
		case movedTo[c.eventID]:
			v.add(Finding{Kind: FindReordered, Index: int64(c.index), EventID: c.eventID, Detail: "this event now holds another leaf's content, and not the content sealed at this index"})
		default:
			v.add(Finding{Kind: FindEdited, Index: int64(c.index), EventID: c.eventID, Detail: "the event row no longer hashes to the sealed leaf"})
		}
	}
	for _, d := range v.deleted {
		if to, ok := moved[d.eventID]; ok {
			v.add(Finding{Kind: FindReordered, Index: int64(d.index), EventID: d.eventID, Detail: "the event row is gone; the content sealed at this index now sits under event " + strconv.FormatInt(to, 10)})
			continue
		}
		v.add(Finding{Kind: FindDeleted, Index: int64(d.index), EventID: d.eventID, Detail: "the event row sealed at this index is gone"})
	}
	for _, ev := range v.inserted {
		if movedTo[ev.ID] {
			continue // named with the leaf whose content it holds
		}
		v.add(Finding{Kind: FindInserted, Index: -1, EventID: ev.ID, Detail: fmt.Sprintf("an event row in the sealed range (through event %d) that no leaf seals", v.state.sealedThrough)})
	}
}

// maxReorderPairs bounds the pairs of changed leaves and changed contents
// tried as reorderings: beyond it, with that much rewritten, every change
// is reported as an edit.
const maxReorderPairs = 4_000_000

// checkMessages checks that every sealed inquiry still has a message row
// with its message id and digests. Rows are matched one for one, so two
// inquiries cannot both lean on one row.
func (v *verification) checkMessages(ctx context.Context) error {
	v.report.Messages = len(v.inquiries)
	if len(v.inquiries) == 0 {
		return nil
	}
	rows, err := readMessageKeys(ctx, v.tx)
	if err != nil {
		return err
	}
	slices.SortFunc(rows, func(a, b [16]byte) int { return bytes.Compare(a[:], b[:]) })
	slices.SortFunc(v.inquiries, func(a, b inquiryRef) int {
		if c := bytes.Compare(a.key[:], b.key[:]); c != 0 {
			return c
		}
		return cmpU64(a.index, b.index)
	})
	var missing []inquiryRef
	left := map[[16]byte]int{} // rows no inquiry matched
	r := 0
	for _, q := range v.inquiries {
		for r < len(rows) && bytes.Compare(rows[r][:], q.key[:]) < 0 {
			left[rows[r]]++
			r++
		}
		if r < len(rows) && rows[r] == q.key {
			r++
			continue
		}
		missing = append(missing, q)
	}
	for ; r < len(rows); r++ {
		left[rows[r]]++
	}
	slices.SortFunc(missing, func(a, b inquiryRef) int { return cmpU64(a.index, b.index) })
	for _, q := range missing {
		// The key was read quickly; before saying the row is gone, take
		// the key from the event as read again and decoded in full.
		payload, err := payloadOf(ctx, v.tx, q.eventID)
		if err != nil {
			return err
		}
		key, ok := inquiryKey(payload)
		if !ok {
			continue // not an inquiry with a message id after all
		}
		if left[key] > 0 {
			left[key]--
			continue
		}
		id := messageIDOf(payload)
		v.add(Finding{Kind: FindMessage, Index: int64(q.index), EventID: q.eventID,
			Detail: "the exchange message " + strconv.Quote(id) + " of this sealed inquiry is gone from the message log, or its digests were altered"})
	}
	return nil
}
