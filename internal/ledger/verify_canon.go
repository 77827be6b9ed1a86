package ledger

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/panjare/panjare/internal/store"
)

// Verify's fast leaf hash.
//
// LeafHash makes the canonical JSON of a payload with encoding/json:
// decoding into interface values and marshalling them again costs most of
// the time of hashing an event. Verify hashes every event of the log, so
// it first tries a direct rewrite of the payload that handles the common
// case (objects, arrays, numbers, literals, and strings without escapes
// or characters encoding/json would escape) and gives up on anything
// else. Its hash is only ever trusted when it equals the stored leaf
// hash, which proves the bytes equal what LeafData gave the sealer; when
// it differs, or the fast path gave up, the event is hashed again with
// LeafHash, whose answer stands. The fast path can therefore make Verify
// faster but never change what it finds.

// leafHasher hashes events, reusing its buffers; one per goroutine.
type leafHasher struct {
	buf     []byte
	scratch [][]byte // per depth of nesting: an object's members before sorting
	members [][]member

	// An inquiry's message id and digests, picked up from the top-level
	// object on the way (see inquiryFields).
	wantInquiry bool
	inquiry     [3][]byte
}

// inquiryFields are the top-level payload fields of an exchange.inquiry
// event that its message row must repeat.
var inquiryFields = [3]string{"message_id", "request_digest", "response_digest"}

// member is one member of an object being canonicalised: its decoded key
// and its canonical value, as offsets into the depth's scratch buffer.
type member struct {
	key        []byte // the key's content (raw: the fast path only takes keys without escapes)
	start, end int
}

// fastHash returns the leaf hash of ev by the fast path, and false when
// the payload needs LeafHash.
func (h *leafHasher) fastHash(ev *store.Event) ([32]byte, bool) {
	h.wantInquiry, h.inquiry = ev.Kind == inquiryKind, [3][]byte{}
	b := append(h.buf[:0], 0)
	b = append(b, leafMagic...)
	b = append(b, "id "...)
	b = strconv.AppendInt(b, ev.ID, 10)
	b = append(b, "\nat "...)
	b = ev.At.UTC().Truncate(time.Microsecond).AppendFormat(b, atLayout)
	b = append(b, "\nkind "...)
	b = append(b, ev.Kind...)
	b = append(b, "\nactor "...)
	b = append(b, ev.Actor...)
	b = append(b, "\nagency "...)
	b = append(b, ev.Agency...)
	b = append(b, "\nservice "...)
	b = append(b, ev.Service...)
	b = append(b, "\nregion "...)
	b = append(b, ev.Region...)
	b = append(b, "\nsubject "...)
	b = append(b, ev.Subject...)
	b = append(b, "\npayload "...)
	var ok bool
	b, ok = h.canonical(b, ev.Payload)
	h.buf = b
	if !ok {
		return [32]byte{}, false
	}
	h.buf = append(b, '\n')
	return sha256.Sum256(h.buf), true
}

// canonical appends the canonical form of the one JSON value in raw, or
// reports false when the fast path does not handle it.
func (h *leafHasher) canonical(b, raw []byte) ([]byte, bool) {
	p := parser{in: raw}
	p.space()
	b, ok := h.value(b, &p, 0)
	if !ok {
		return b, false
	}
	p.space()
	return b, p.i == len(p.in)
}

// maxDepth bounds nesting on the fast path (the slow path decides beyond).
const maxDepth = 64

// value appends the canonical form of the value at p.
func (h *leafHasher) value(b []byte, p *parser, depth int) ([]byte, bool) {
	if p.i >= len(p.in) || depth > maxDepth {
		return b, false
	}
	switch c := p.in[p.i]; {
	case c == '{':
		return h.object(b, p, depth)
	case c == '[':
		p.i++
		b = append(b, '[')
		p.space()
		if p.peek(']') {
			p.i++
			return append(b, ']'), true
		}
		for {
			var ok bool
			p.space()
			if b, ok = h.value(b, p, depth+1); !ok {
				return b, false
			}
			p.space()
			switch {
			case p.peek(','):
				p.i++
				b = append(b, ',')
			case p.peek(']'):
				p.i++
				return append(b, ']'), true
			default:
				return b, false
			}
		}
	case c == '"':
		s, ok := p.plainString()
		if !ok {
			return b, false
		}
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"'), true
	case c == '-' || (c >= '0' && c <= '9'):
		n, ok := p.number()
		return append(b, n...), ok
	default:
		for _, lit := range [...]string{"true", "false", "null"} {
			if bytes.HasPrefix(p.in[p.i:], []byte(lit)) {
				p.i += len(lit)
				return append(b, lit...), true
			}
		}
		return b, false
	}
}

// object appends an object with its members sorted by key, the last of
// equal keys kept, as encoding/json does with a map.
func (h *leafHasher) object(b []byte, p *parser, depth int) ([]byte, bool) {
	p.i++ // {
	for len(h.scratch) <= depth {
		h.scratch = append(h.scratch, nil)
		h.members = append(h.members, nil)
	}
	scratch, ms := h.scratch[depth][:0], h.members[depth][:0]
	defer func() { h.scratch[depth], h.members[depth] = scratch[:0], ms[:0] }()
	p.space()
	if p.peek('}') {
		p.i++
		return append(b, "{}"...), true
	}
	for {
		p.space()
		if !p.peek('"') {
			return b, false
		}
		key, ok := p.plainString()
		if !ok {
			return b, false
		}
		p.space()
		if !p.peek(':') {
			return b, false
		}
		p.i++
		p.space()
		start := len(scratch)
		if scratch, ok = h.value(scratch, p, depth+1); !ok {
			return b, false
		}
		ms = append(ms, member{key: key, start: start, end: len(scratch)})
		if depth == 0 && h.wantInquiry {
			h.pick(key, scratch[start:len(scratch)])
		}
		p.space()
		if p.peek(',') {
			p.i++
			continue
		}
		if p.peek('}') {
			p.i++
			break
		}
		return b, false
	}
	slices.SortStableFunc(ms, func(x, y member) int { return bytes.Compare(x.key, y.key) })
	b = append(b, '{')
	first := true
	for i, m := range ms {
		if i+1 < len(ms) && bytes.Equal(ms[i+1].key, m.key) {
			continue // a later member with the same key wins
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '"')
		b = append(b, m.key...)
		b = append(b, '"', ':')
		b = append(b, scratch[m.start:m.end]...)
	}
	return append(b, '}'), true
}

// pick keeps a top-level inquiry field's string value.
func (h *leafHasher) pick(key, value []byte) {
	for i, f := range inquiryFields {
		if string(key) == f && len(value) >= 2 && value[0] == '"' {
			h.inquiry[i] = value[1 : len(value)-1]
		}
	}
}

// inquiryKey returns the message key of the inquiry the last fastHash
// hashed, as inquiryKey(payload) would: false without a message id.
func (h *leafHasher) inquiryKey() ([16]byte, bool) {
	if len(h.inquiry[0]) == 0 {
		return [16]byte{}, false
	}
	return messageKey(string(h.inquiry[0]), string(h.inquiry[1]), string(h.inquiry[2])), true
}

// parser reads JSON from in.
type parser struct {
	in []byte
	i  int
}

func (p *parser) space() {
	for p.i < len(p.in) {
		switch p.in[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) peek(c byte) bool { return p.i < len(p.in) && p.in[p.i] == c }

// plainString reads a string at p and returns its content when encoding/
// json would write it back unchanged: no escapes, no control characters,
// none of < > & (which it escapes), valid UTF-8 without U+2028 or U+2029.
func (p *parser) plainString() ([]byte, bool) {
	start := p.i + 1
	for j := start; j < len(p.in); j++ {
		c := p.in[j]
		switch {
		case c == '"':
			s := p.in[start:j]
			p.i = j + 1
			if !utf8.Valid(s) || bytes.Contains(s, lineSep) || bytes.Contains(s, paraSep) {
				return nil, false
			}
			return s, true
		case c == '\\' || c < 0x20 || c == '<' || c == '>' || c == '&':
			return nil, false
		}
	}
	return nil, false
}

var lineSep, paraSep = []byte("\u2028"), []byte("\u2029")

// number reads a JSON number at p and returns it as written.
func (p *parser) number() ([]byte, bool) {
	start := p.i
	in := p.in
	digits := func() bool {
		s := p.i
		for p.i < len(in) && in[p.i] >= '0' && in[p.i] <= '9' {
			p.i++
		}
		return p.i > s
	}
	if p.peek('-') {
		p.i++
	}
	switch {
	case p.peek('0'):
		p.i++
	case !digits():
		return nil, false
	}
	if p.peek('.') {
		p.i++
		if !digits() {
			return nil, false
		}
	}
	if p.peek('e') || p.peek('E') {
		p.i++
		if p.peek('+') || p.peek('-') {
			p.i++
		}
		if !digits() {
			return nil, false
		}
	}
	return in[start:p.i], true
}
