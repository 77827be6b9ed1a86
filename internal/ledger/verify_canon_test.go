package ledger

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/store"
)

// The fast path may give up, but whatever it answers must be exactly what
// LeafHash gives.

var canonSeeds = []string{
	`{}`, `[]`, `{"b":1,"a":2}`, ` { "b" : [1, 2.50, -0, 1e3, 1E-3] , "a" : null } `,
	`{"a":1,"a":2}`, `{"z":{"y":{"x":[{"b":true,"a":false}]}}}`, `"plain"`, `12`, `null`,
	`{"note":"درخواست فوری","path":"/persons/{subject}"}`, `{"lt":"a<b"}`, `{"amp":"a&b"}`,
	`{"esc":"a\"b"}`, `{"nl":"a\nb"}`, `{"u":"\u0041"}`, `{"ls":"a` + "\u2028" + `b"}`,
	`{"bad":"` + "\xff" + `"}`, `{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":1e}`, `{"a":tru}`, `{"a":1,}`,
	`[1,]`, `{"a" 1}`, `{"a":1} x`, `{"a":1}{}`, ``, `   `, `{"message_id":"m-1","request_digest":"r","response_digest":"s"}`,
	`{"k":"` + strings.Repeat("x", 300) + `"}`, `{"emoji":"😀"}`, `{"tab":"a	b"}`, `[[[[[[]]]]]]`,
	`{"B":1,"a":2,"_":3,"ä":4,"ب":5}`,
}

func TestFastCanonicalMatchesLeafHash(t *testing.T) {
	h := &leafHasher{}
	check := func(payload string) {
		t.Helper()
		ev := store.Event{ID: 42, At: time.Date(2026, 3, 21, 8, 0, 0, 123456789, time.UTC), Kind: "apply.case.transition",
			Actor: "user:7", Agency: "NOCR", Service: "s", Region: "YZD-01", Subject: "0067749828", Payload: []byte(payload)}
		got, ok := h.fastHash(&ev)
		if ok && got != LeafHash(ev) {
			t.Errorf("fast hash of %q differs from LeafHash: fast canonical %q, LeafData %q", payload, h.buf, LeafData(ev))
		}
	}
	fast := 0
	for _, s := range canonSeeds {
		check(s)
		if _, ok := h.canonical(nil, []byte(s)); ok {
			fast++
		}
	}
	if fast < 10 {
		t.Errorf("the fast path took only %d of the seeds", fast)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		check(randomJSON(r, 0))
	}
}

// randomJSON makes a random JSON value with random spacing, duplicate
// keys, and strings of every kind, so that both paths are exercised.
func randomJSON(r *rand.Rand, depth int) string {
	sp := func() string { return [...]string{"", "", " ", "\n  ", "\t"}[r.IntN(5)] }
	strs := []string{"a", "b", "ab", "B", "message_id", "درخواست", "x<y", `q\"q`, `\u00e9`, "😀", "", "a b", "\u2028"}
	switch k := r.IntN(10); {
	case depth < 4 && k < 3:
		n := r.IntN(5)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = sp() + fmt.Sprintf("%q", strs[r.IntN(len(strs))]) + sp() + ":" + sp() + randomJSON(r, depth+1) + sp()
		}
		return "{" + strings.Join(parts, ",") + "}"
	case depth < 4 && k < 5:
		n := r.IntN(4)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = sp() + randomJSON(r, depth+1) + sp()
		}
		return "[" + strings.Join(parts, ",") + "]"
	case k < 7:
		return [...]string{"0", "-0", "12", "1.50", "-3.25e10", "1E+2", "123456789012345678901234567890", "0.000001"}[r.IntN(8)]
	case k < 8:
		return [...]string{"true", "false", "null"}[r.IntN(3)]
	default:
		s := strs[r.IntN(len(strs))]
		if strings.Contains(s, `\`) {
			return `"` + s + `"`
		}
		return fmt.Sprintf("%q", s)
	}
}

func FuzzFastCanonical(f *testing.F) {
	for _, s := range canonSeeds {
		f.Add(s)
	}
	h := &leafHasher{}
	f.Fuzz(func(t *testing.T, payload string) {
		ev := store.Event{ID: 1, At: time.Unix(0, 0), Kind: "k", Actor: "a", Payload: []byte(payload)}
		if got, ok := h.fastHash(&ev); ok && got != LeafHash(ev) {
			t.Errorf("fast hash of %q differs from LeafHash", payload)
		}
	})
}

func TestParseSQLiteTime(t *testing.T) {
	for s, want := range map[string]string{
		"2026-03-21 08:00:00+00:00":            "2026-03-21T08:00:00Z",
		"2026-03-21 08:00:00.5+00:00":          "2026-03-21T08:00:00.5Z",
		"2026-03-21 08:00:00.123456789+00:00":  "2026-03-21T08:00:00.123456789Z",
		"2026-03-21 08:00:00.000001+00:00":     "2026-03-21T08:00:00.000001Z",
		"2026-03-21 08:00:00+03:30":            "",
		"2026-02-30 08:00:00+00:00":            "",
		"2026-03-21T08:00:00Z":                 "",
		"2026-03-21 08:00:00.+00:00":           "",
		"2026-03-21 08:00:00.1234567890+00:00": "",
	} {
		got, ok := parseSQLiteTime(s)
		if (want == "") == ok || (ok && got.Format(time.RFC3339Nano) != want) {
			t.Errorf("parseSQLiteTime(%q) = %v, %v; want %q", s, got, ok, want)
		}
	}
}
