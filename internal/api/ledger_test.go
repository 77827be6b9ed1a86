package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/panjare/panjare/internal/api"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/ledger"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// ledgerEnv is the API over a ledger with sealed events about citizens.
type ledgerEnv struct {
	t       *testing.T
	s       *store.Store
	lg      *ledger.Ledger
	h       http.Handler
	session map[identity.Role]string // a session token per role
}

// ledgerCitizen is the national code the fixture events are about: it
// must never reach an anonymous caller.
const ledgerCitizen = "0067749828"

func newLedgerEnv(t *testing.T, s *store.Store, withLedger bool) *ledgerEnv {
	t.Helper()
	ctx := context.Background()
	cat, err := catalog.New(ctx, s, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := identity.New(s)
	e := &ledgerEnv{t: t, s: s, session: map[identity.Role]string{}}
	if withLedger {
		if e.lg, err = ledger.New(ctx, ledger.Config{Store: s}); err != nil {
			t.Fatal(err)
		}
	}
	for i, role := range []identity.Role{identity.RolePlatformAdmin, identity.RoleOverseer} {
		code := []string{"5678901230", "4567890124"}[i]
		if _, err := id.AddStaff(ctx, identity.System, code, "", role); err != nil {
			t.Fatal(err)
		}
		p, err := id.EnsurePerson(ctx, code, "")
		if err != nil {
			t.Fatal(err)
		}
		if e.session[role], _, err = id.StartSession(ctx, p, "test"); err != nil {
			t.Fatal(err)
		}
	}
	mux := http.NewServeMux()
	api.New(api.Config{Catalog: cat, Identity: id, Ledger: e.lg, Log: slog.New(slog.DiscardHandler), BaseURL: "http://panjare.test", Version: "test"}).Register(mux)
	e.h = id.Middleware(identity.Cookies{}, nil)(mux)
	return e
}

// appendEvents writes n events about the citizen, each with personal data
// in its actor, subject and payload.
func (e *ledgerEnv) appendEvents(n int) {
	e.t.Helper()
	ctx := context.Background()
	err := e.s.InTx(ctx, func(tx *store.Tx) error {
		for i := range n {
			if err := tx.Append(ctx, store.Event{Kind: "apply.case.transition", Actor: "user:4242", Agency: "MIMT", Service: "1000001",
				Subject: ledgerCitizen}, map[string]any{"tracking": fmt.Sprintf("1405-0000-%04d", i), "name": "زهرا کریمی"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// get sends a GET as role ("" for anonymous) and returns the status, the
// content type and the raw body.
func (e *ledgerEnv) get(role identity.Role, path string) (int, string, []byte) {
	e.t.Helper()
	req := httptest.NewRequest("GET", path, nil)
	req.RemoteAddr = "192.0.2.7:1234"
	if role != "" {
		req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: e.session[role]})
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code >= 500 && rec.Code != http.StatusServiceUnavailable {
		e.t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body.String())
	}
	return rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes()
}

// getJSON is get for a 200 JSON answer decoded into out.
func (e *ledgerEnv) getJSON(role identity.Role, path string, out any) {
	e.t.Helper()
	code, ct, body := e.get(role, path)
	if code != http.StatusOK || !strings.HasPrefix(ct, "application/json") {
		e.t.Fatalf("GET %s: %d %s %s", path, code, ct, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		e.t.Fatalf("GET %s: %v", path, err)
	}
}

type checkpointAnswer struct {
	Origin, Root, Note, Key string
	Size                    uint64
}

type entriesAnswer struct {
	Start, End uint64
	Full       bool `json:"full_events"`
	Entries    []struct {
		Index   uint64
		EventID int64 `json:"event_id"`
		Hash    string
		Kind    string
		Agency  string
		Service string
		Event   *store.Event
	}
}

type proofAnswer struct {
	Index, Size, From, To uint64
	EventID               int64  `json:"event_id"`
	LeafHash              string `json:"leaf_hash"`
	Hashes                []string
}

func unb64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("not a base64 hash: %q", s)
	}
	return b
}

func unb64s(t *testing.T, ss []string) [][]byte {
	t.Helper()
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = unb64(t, s)
	}
	return out
}

// TestLedgerAPI: the checkpoint as JSON opens with its key; entries show
// anyone the leaf hashes but no personal data, and platform admins the
// whole events, whose leaf hashes they recompute; inclusion proofs (by
// index and by event) verify against the checkpoints of their sizes and
// a consistency proof joins two checkpoints; bad input is a 400 problem
// in Persian and English.
func TestLedgerAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newLedgerEnv(t, s, true)
		e.appendEvents(5)
		cp1, err := e.lg.SealNow(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e.appendEvents(8)
		cp2, err := e.lg.SealNow(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if cp1.Size < 5 || cp2.Size != cp1.Size+8 {
			t.Fatalf("checkpoints of %d and %d leaves", cp1.Size, cp2.Size)
		}

		// The checkpoint.
		var cp checkpointAnswer
		e.getJSON("", "/api/v1/ledger/checkpoint", &cp)
		if cp.Size != cp2.Size || cp.Note != string(cp2.Note) || cp.Origin != cp2.Origin || !bytesEq(unb64(t, cp.Root), cp2.Root[:]) {
			t.Fatalf("checkpoint %+v, want size %d", cp, cp2.Size)
		}
		v, err := note.NewVerifier(cp.Key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ledger.ParseCheckpoint([]byte(cp.Note), v); err != nil {
			t.Errorf("the checkpoint does not open with its key: %v", err)
		}

		// Entries: anonymous callers and overseers get no personal data.
		events, err := s.Events(ctx, store.EventFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		byID := map[int64]store.Event{}
		for _, ev := range events {
			byID[ev.ID] = ev
		}
		path := fmt.Sprintf("/api/v1/ledger/entries?start=0&end=%d", cp2.Size)
		for _, role := range []identity.Role{"", identity.RoleOverseer} {
			code, _, body := e.get(role, path)
			if code != http.StatusOK {
				t.Fatalf("entries as %q: %d", role, code)
			}
			for _, personal := range []string{ledgerCitizen, "user:4242", "زهرا", "subject", "payload", "actor"} {
				if strings.Contains(string(body), personal) {
					t.Errorf("entries as %q show %q", role, personal)
				}
			}
			var ea entriesAnswer
			json.Unmarshal(body, &ea)
			if ea.Full || len(ea.Entries) != int(cp2.Size) {
				t.Fatalf("entries as %q: full %v, %d entries", role, ea.Full, len(ea.Entries))
			}
			for i, en := range ea.Entries {
				ev := byID[en.EventID]
				h := ledger.LeafHash(ev)
				if en.Index != uint64(i) || en.Event != nil || en.Kind != ev.Kind || en.Agency != ev.Agency || en.Service != ev.Service || !bytesEq(unb64(t, en.Hash), h[:]) {
					t.Errorf("entry %d as %q: %+v", i, role, en)
				}
			}
		}
		// A platform admin gets the whole events and recomputes every hash.
		var full entriesAnswer
		e.getJSON(identity.RolePlatformAdmin, path, &full)
		if !full.Full || len(full.Entries) != int(cp2.Size) {
			t.Fatalf("entries as platform admin: full %v, %d", full.Full, len(full.Entries))
		}
		for _, en := range full.Entries {
			if en.Event == nil {
				t.Fatalf("entry %d has no event for the platform admin", en.Index)
			}
			h := ledger.LeafHash(*en.Event)
			if !bytesEq(unb64(t, en.Hash), h[:]) || en.Event.ID != en.EventID {
				t.Errorf("entry %d: the event given does not hash to its leaf", en.Index)
			}
		}
		if full.Entries[len(full.Entries)-1].Event.Subject != ledgerCitizen {
			t.Error("the platform admin's events lack their subject")
		}
		// Without an end: a page of at most 100 within the checkpoint.
		var page entriesAnswer
		e.getJSON("", "/api/v1/ledger/entries?start=2", &page)
		if page.Start != 2 || page.End != cp2.Size || len(page.Entries) != int(cp2.Size-2) {
			t.Errorf("entries from 2: [%d, %d) with %d", page.Start, page.End, len(page.Entries))
		}

		// Inclusion proofs, by index and by event, against each checkpoint.
		for _, c := range []ledger.Checkpoint{cp1, cp2} {
			for idx := range c.Size {
				var p proofAnswer
				e.getJSON("", fmt.Sprintf("/api/v1/ledger/proof/inclusion?index=%d&size=%d", idx, c.Size), &p)
				leaf := ledger.LeafHash(byID[p.EventID])
				if p.Index != idx || p.Size != c.Size || !bytesEq(unb64(t, p.LeafHash), leaf[:]) {
					t.Fatalf("proof of %d in %d: %+v", idx, c.Size, p)
				}
				if err := proof.VerifyInclusion(rfc6962.DefaultHasher, idx, c.Size, leaf[:], unb64s(t, p.Hashes), c.Root[:]); err != nil {
					t.Errorf("leaf %d in %d: %v", idx, c.Size, err)
				}
				// The proof is for this leaf and this root only.
				if c.Size > 1 {
					other := ledger.LeafHash(store.Event{ID: p.EventID + 1000, Kind: "forged", Actor: "x"})
					if proof.VerifyInclusion(rfc6962.DefaultHasher, idx, c.Size, other[:], unb64s(t, p.Hashes), c.Root[:]) == nil {
						t.Errorf("leaf %d in %d: the proof verifies a forged leaf", idx, c.Size)
					}
				}
				var byEvent proofAnswer
				e.getJSON("", fmt.Sprintf("/api/v1/ledger/proof/inclusion?event=%d&size=%d", p.EventID, c.Size), &byEvent)
				if byEvent.Index != idx || strings.Join(byEvent.Hashes, ",") != strings.Join(p.Hashes, ",") {
					t.Errorf("by event %d: index %d, want %d", p.EventID, byEvent.Index, idx)
				}
			}
		}
		// Without a size: the latest checkpoint's.
		var latest proofAnswer
		e.getJSON("", "/api/v1/ledger/proof/inclusion?index=%DB%B3", &latest) // Persian ۳
		if latest.Index != 3 || latest.Size != cp2.Size {
			t.Errorf("inclusion without a size: %+v", latest)
		}

		// A consistency proof joins the two checkpoints.
		var cons proofAnswer
		e.getJSON("", fmt.Sprintf("/api/v1/ledger/proof/consistency?from=%d&to=%d", cp1.Size, cp2.Size), &cons)
		if cons.From != cp1.Size || cons.To != cp2.Size {
			t.Fatalf("consistency: %+v", cons)
		}
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, cp1.Size, cp2.Size, unb64s(t, cons.Hashes), cp1.Root[:], cp2.Root[:]); err != nil {
			t.Errorf("consistency %d to %d: %v", cp1.Size, cp2.Size, err)
		}
		var consLatest proofAnswer
		e.getJSON("", fmt.Sprintf("/api/v1/ledger/proof/consistency?from=%d", cp1.Size), &consLatest)
		if consLatest.To != cp2.Size || strings.Join(consLatest.Hashes, ",") != strings.Join(cons.Hashes, ",") {
			t.Errorf("consistency without to: %+v", consLatest)
		}
		bad := cp1.Root
		bad[0] ^= 1
		if proof.VerifyConsistency(rfc6962.DefaultHasher, cp1.Size, cp2.Size, unb64s(t, cons.Hashes), bad[:], cp2.Root[:]) == nil {
			t.Error("the consistency proof verifies against a changed old root")
		}

		// Bad input: 400 (404 for an event not sealed), problem+json in
		// both languages.
		n := cp2.Size
		for _, tc := range []struct {
			path string
			want int
		}{
			{"/api/v1/ledger/entries?start=abc", 400},
			{"/api/v1/ledger/entries?start=-1&end=2", 400},
			{"/api/v1/ledger/entries?start=3&end=2", 400},
			{fmt.Sprintf("/api/v1/ledger/entries?start=0&end=%d", n+1), 400},
			{fmt.Sprintf("/api/v1/ledger/entries?start=%d", n+1), 400},
			{"/api/v1/ledger/entries?start=0&end=1001", 400},
			{"/api/v1/ledger/proof/inclusion", 400},
			{"/api/v1/ledger/proof/inclusion?index=1&event=1", 400},
			{"/api/v1/ledger/proof/inclusion?index=x", 400},
			{"/api/v1/ledger/proof/inclusion?index=1.5", 400},
			{"/api/v1/ledger/proof/inclusion?index=0&size=0", 400},
			{fmt.Sprintf("/api/v1/ledger/proof/inclusion?index=%d&size=%d", n, n), 400},
			{fmt.Sprintf("/api/v1/ledger/proof/inclusion?index=0&size=%d", n+1), 400},
			{"/api/v1/ledger/proof/inclusion?index=99999999999999999999", 400},
			{"/api/v1/ledger/proof/inclusion?event=0", 400},
			{"/api/v1/ledger/proof/inclusion?event=987654321", 404},
			{"/api/v1/ledger/proof/consistency", 400},
			{"/api/v1/ledger/proof/consistency?from=0&to=2", 400},
			{"/api/v1/ledger/proof/consistency?from=3&to=2", 400},
			{"/api/v1/ledger/proof/consistency?from=two&to=3", 400},
			{fmt.Sprintf("/api/v1/ledger/proof/consistency?from=1&to=%d", n+1), 400},
		} {
			code, ct, body := e.get("", tc.path)
			var p map[string]any
			json.Unmarshal(body, &p)
			if code != tc.want || !strings.HasPrefix(ct, "application/problem+json") || p["title_fa"] == nil || p["title_fa"] == "" || p["title"] == "" || p["detail_fa"] == p["detail"] {
				t.Errorf("GET %s: %d %s %s, want a %d problem in Persian and English", tc.path, code, ct, body, tc.want)
			}
		}
		// Bad input changed nothing.
		after, err := e.lg.Checkpoint(ctx)
		if err != nil || after.Size != cp2.Size || after.Root != cp2.Root {
			t.Errorf("the ledger moved: %d (%v)", after.Size, err)
		}
	}, identity.Migrations(), catalog.Migrations(), ledger.Migrations())
}

// TestLedgerAPIWithoutLedger: each endpoint answers 503 without a ledger.
func TestLedgerAPIWithoutLedger(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, identity.Migrations(), catalog.Migrations())
	e := newLedgerEnv(t, s, false)
	for _, path := range []string{"/api/v1/ledger/checkpoint", "/api/v1/ledger/entries", "/api/v1/ledger/proof/inclusion?index=0", "/api/v1/ledger/proof/consistency?from=1"} {
		if code, ct, _ := e.get("", path); code != http.StatusServiceUnavailable || !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("%s: %d %s, want a 503 problem", path, code, ct)
		}
	}
}

func bytesEq(a, b []byte) bool { return string(a) == string(b) }
