package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// vectorEvent is the event of the fixed test vector: Persian text, a
// nested payload with unsorted keys, whitespace, a number with a trailing
// zero and one beyond int64.
func vectorEvent() store.Event {
	return store.Event{
		ID:      42,
		At:      time.Date(2026, 12, 2, 13, 30, 0, 123456789, time.FixedZone("IRST", 3*3600+1800)),
		Kind:    "apply.case.submitted",
		Actor:   "user:7",
		Agency:  "NOCR",
		Service: "nocr.birth-certificate",
		Region:  "YZD-01",
		Subject: "0012345678",
		Payload: json.RawMessage(`{ "z": 12345678901234567890, "note": "درخواست تولد <فوری>",
			"deadline": "2026-12-09T10:00:00Z", "a": [3, {"y": 1.50, "x": "سلام"}] }`),
	}
}

// vectorData is the vector's canonical encoding, written out by hand.
const vectorData = "panjare-event-v1\n" +
	"id 42\n" +
	"at 2026-12-02T10:00:00.123456Z\n" +
	"kind apply.case.submitted\n" +
	"actor user:7\n" +
	"agency NOCR\n" +
	"service nocr.birth-certificate\n" +
	"region YZD-01\n" +
	"subject 0012345678\n" +
	`payload {"a":[3,{"x":"سلام","y":1.50}],"deadline":"2026-12-09T10:00:00Z","note":"درخواست تولد \u003cفوری\u003e","z":12345678901234567890}` + "\n"

// vectorHash is SHA-256(0x00 || vectorData), computed outside Go.
const vectorHash = "919264895ec04644452c93b88774ff8b8068a879c3b86dfb124c300c91f3fcc6"

func TestLeafDataVector(t *testing.T) {
	ev := vectorEvent()
	if got := string(LeafData(ev)); got != vectorData {
		t.Fatalf("LeafData:\n%s\nwant:\n%s", got, vectorData)
	}
	h := LeafHash(ev)
	if got := hex.EncodeToString(h[:]); got != vectorHash {
		t.Fatalf("LeafHash = %s, want %s", got, vectorHash)
	}
	if want := hasher.HashLeaf([]byte(vectorData)); hex.EncodeToString(want) != vectorHash {
		t.Fatalf("rfc6962 leaf hash of the vector = %x", want)
	}
}

func TestLeafDataCases(t *testing.T) {
	base := store.Event{ID: 1, At: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Kind: "k", Actor: "system"}
	for _, c := range []struct {
		name, payload, want string
	}{
		{"empty object", `{}`, `{}`},
		{"whole second keeps six digits", `{}`, `{}`},
		{"nested unsorted", `{"b":{"d":1,"c":[true,null,"x"]},"a":-0.0}`, `{"a":-0.0,"b":{"c":[true,null,"x"],"d":1}}`},
		{"exponent kept as written", `{"n":1E+3}`, `{"n":1E+3}`},
		{"escapes normalised", `{"s":"\u0633\/\t"}`, `{"s":"س/\t"}`},
		{"jsonb spacing", `{"b": 2, "aa": [1, 2]}`, `{"aa":[1,2],"b":2}`},
		{"not json kept as stored", `{"a":`, `{"a":`},
		{"trailing data kept as stored", `{} {}`, `{} {}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev := base
			ev.Payload = json.RawMessage(c.payload)
			want := "panjare-event-v1\nid 1\nat 2026-01-02T03:04:05.000000Z\nkind k\nactor system\nagency \nservice \nregion \nsubject \npayload " + c.want + "\n"
			if got := string(LeafData(ev)); got != want {
				t.Fatalf("got\n%q\nwant\n%q", got, want)
			}
			if h := LeafHash(ev); h != sha256.Sum256(append([]byte{0}, want...)) {
				t.Fatalf("LeafHash does not hash LeafData")
			}
		})
	}
}

// TestLeafHashFromEachEngine stores the vector's event, reads it back (a
// JSONB payload on PostgreSQL, text on SQLite) and finds the vector's
// hash.
func TestLeafHashFromEachEngine(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ev := vectorEvent()
		var payload any
		if err := json.Unmarshal(ev.Payload, &payload); err != nil {
			t.Fatal(err)
		}
		// Append marshals the payload itself; write the raw text as given
		// instead, to keep its key order, spacing and numbers.
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO events (at, kind, actor, agency, service, region, subject, payload)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, ev.At.UTC(), ev.Kind, ev.Actor, ev.Agency, ev.Service, ev.Region, ev.Subject, string(ev.Payload)); err != nil {
			t.Fatal(err)
		}
		evs, err := s.Events(ctx, store.EventFilter{KindPrefix: "apply.case.submitted"})
		if err != nil || len(evs) != 1 {
			t.Fatalf("events: %v %v", evs, err)
		}
		got := evs[0]
		got.ID = 42 // the vector's id; the row's own depends on the engine
		if h := LeafHash(got); hex.EncodeToString(h[:]) != vectorHash {
			t.Fatalf("read back (payload %s): hash %x, want %s\n%s", evs[0].Payload, h, vectorHash, LeafData(got))
		}
	}, Migrations())
}
