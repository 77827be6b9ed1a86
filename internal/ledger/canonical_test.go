package ledger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

var canonicalSeeds = []string{
	`{}`, `[]`, `null`, `true`, `0`, `-0.0`, `1E+3`, `12345678901234567890`, `""`,
	`{"b":1,"a":2}`, `{"a":1,"a":2}`, `{"a":{"c":1,"b":[{"z":0,"y":null}]},"A":"x"}`,
	`{"s":"<&>\u2028\u2029\"\\\/\b\f\n\r\t\u0001\u007f\u00e9"}`,
	`{"s":"\ud83d\ude00"}`, `{"s":"\ud800"}`, `{"s":"\udc00x"}`,
	"{\"s\":\"\xff\"}", "{\"s\":\"\xe2\x80\xa8\"}", "{\"\xd8\xb3\":1,\"a\":2}",
	`{"n": 1.50, "m": -12e-3, "z": 0.0}`, ` { "a" : [ 1 , 2 ] } `, `{"a":1} x`, `{"a":1}{}`,
	`{"a":}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `[1,]`, `{"a":1,}`, `{,}`, `"\x"`, `"abc`, `tru`,
	`{"title":"درخواست صدور گواهی تولد المثنی","form":{"province":"یزد","copies":2}}`,
	`{"aa":[1,2],"b":2}`, `{"b": 2, "aa": [1, 2]}`, // PostgreSQL JSONB's order and spacing
}

// TestCanonicalFastMatchesSlow checks the fast path against encoding/json
// on the seeds and on many generated documents.
func TestCanonicalFastMatchesSlow(t *testing.T) {
	for _, s := range canonicalSeeds {
		checkCanonical(t, []byte(s))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		checkCanonical(t, genJSON(r, 0))
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range canonicalSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) { checkCanonical(t, raw) })
}

func checkCanonical(t *testing.T, raw []byte) {
	t.Helper()
	want := slowCanonicalJSON(nil, raw)
	got := appendCanonicalJSON(nil, raw)
	if !bytes.Equal(got, want) {
		t.Fatalf("canonical(%q) = %q, encoding/json gives %q", raw, got, want)
	}
	if fast, ok := fastCanonical([]byte("prefix"), raw); ok && !bytes.Equal(fast, append([]byte("prefix"), want...)) {
		t.Fatalf("fast path on %q appends %q", raw, fast)
	}
}

// genJSON writes a random JSON value with random spacing, key order,
// duplicate keys, escapes and Persian text.
func genJSON(r *rand.Rand, depth int) []byte {
	ws := func() string { return []string{"", "", " ", "\n\t"}[r.IntN(4)] }
	str := func() string {
		parts := []string{"a", "b", "ab", "سلام", "یزد", "<", "&", `\"`, `\\`, `\/`, `\n`, `\u0633`, `\u00e9`, "\u2028", `\u2029`, `\ud83d\ude00`, " ", "~", "\x7f"}
		var s string
		for range r.IntN(4) {
			s += parts[r.IntN(len(parts))]
		}
		return `"` + s + `"`
	}
	if depth > 3 {
		return []byte(str())
	}
	var b bytes.Buffer
	switch r.IntN(8) {
	case 0, 1:
		b.WriteString("{" + ws())
		n := r.IntN(5)
		for i := range n {
			if i > 0 {
				b.WriteString("," + ws())
			}
			keys := []string{`"a"`, `"b"`, `"c"`, `"aa"`, `"B"`, `"سلام"`, `"\u0061"`, `"a\u0000"`, `"<k>"`}
			b.WriteString(keys[r.IntN(len(keys))] + ws() + ":" + ws())
			b.Write(genJSON(r, depth+1))
		}
		b.WriteString(ws() + "}")
	case 2:
		b.WriteString("[")
		for i := range r.IntN(4) {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(ws())
			b.Write(genJSON(r, depth+1))
		}
		b.WriteString("]")
	case 3:
		nums := []string{"0", "-0", "1", "-1.5", "1.50", "3e10", "2E-3", "-0.0e+1", "123456789012345678901234567890", fmt.Sprint(r.Int64())}
		b.WriteString(nums[r.IntN(len(nums))])
	case 4:
		b.WriteString([]string{"true", "false", "null"}[r.IntN(3)])
	default:
		b.WriteString(str())
	}
	out := b.Bytes()
	if depth == 0 && !json.Valid(out) {
		return out // still a fine test input: both paths must keep it as it is
	}
	return out
}

func BenchmarkCanonical(b *testing.B) {
	raw := []byte(`{"tracking":"PJ-00001234","deadline":"2026-03-28T08:00:00Z","channel":"online","title":"درخواست صدور گواهی تولد المثنی","form":{"province":"یزد","reason":"مفقودی","copies":2}}`)
	b.Run("fast", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = appendCanonicalJSON(buf[:0], raw)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			buf = slowCanonicalJSON(buf[:0], raw)
		}
	})
}
