package ledger

import (
	"bytes"
	"slices"
	"unicode/utf8"
)

// Canonical JSON without encoding/json's reflection.
//
// Parsing every payload into map[string]any and marshalling it again was
// four fifths of the sealer's time. canonical writes the same bytes in one
// pass over the input: objects whose keys already come sorted are copied
// member by member; others are collected and sorted. It handles the JSON
// the platform writes; on anything it is not sure to treat exactly as
// encoding/json would (a \u escape of a surrogate, invalid UTF-8, invalid
// JSON, deep nesting) it gives up, and appendCanonicalJSON takes the slow
// path, whose answer is the definition. FuzzCanonical checks the two agree.

// maxDepth bounds the fast path's recursion.
const maxDepth = 200

type canon struct {
	in  []byte
	pos int
	tmp []byte // decoded strings
}

// fastCanonical appends the canonical form of raw to b; ok is false when
// the slow path must decide.
func fastCanonical(b, raw []byte) (_ []byte, ok bool) {
	c := canon{in: raw}
	c.space()
	start := len(b)
	b, ok = c.value(b, 0)
	if !ok {
		return b[:start], false
	}
	c.space()
	if c.pos != len(c.in) {
		return b[:start], false
	}
	return b, true
}

func (c *canon) space() {
	for c.pos < len(c.in) {
		switch c.in[c.pos] {
		case ' ', '\t', '\n', '\r':
			c.pos++
		default:
			return
		}
	}
}

func (c *canon) value(b []byte, depth int) ([]byte, bool) {
	if c.pos >= len(c.in) || depth > maxDepth {
		return b, false
	}
	switch ch := c.in[c.pos]; {
	case ch == '{':
		return c.object(b, depth)
	case ch == '[':
		return c.array(b, depth)
	case ch == '"':
		s, ok := c.str()
		if !ok {
			return b, false
		}
		return appendJSONString(b, s), true
	case ch == '-' || ch >= '0' && ch <= '9':
		return c.number(b)
	case ch == 't':
		return c.literal(b, "true")
	case ch == 'f':
		return c.literal(b, "false")
	case ch == 'n':
		return c.literal(b, "null")
	}
	return b, false
}

func (c *canon) literal(b []byte, lit string) ([]byte, bool) {
	if !bytes.HasPrefix(c.in[c.pos:], []byte(lit)) {
		return b, false
	}
	c.pos += len(lit)
	return append(b, lit...), true
}

// number copies a JSON number as written, after checking its grammar.
func (c *canon) number(b []byte) ([]byte, bool) {
	in, i := c.in, c.pos
	digits := func() int {
		n := 0
		for i < len(in) && in[i] >= '0' && in[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if in[i] == '-' {
		i++
	}
	if i >= len(in) {
		return b, false
	}
	if in[i] == '0' {
		i++
	} else if digits() == 0 {
		return b, false
	}
	if i < len(in) && in[i] == '.' {
		i++
		if digits() == 0 {
			return b, false
		}
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		i++
		if i < len(in) && (in[i] == '+' || in[i] == '-') {
			i++
		}
		if digits() == 0 {
			return b, false
		}
	}
	b = append(b, in[c.pos:i]...)
	c.pos = i
	return b, true
}

// str decodes the string at c.pos into c.tmp (or returns a slice of the
// input when it has no escapes).
func (c *canon) str() ([]byte, bool) {
	in := c.in
	i := c.pos + 1
	start := i
	// The common case: no escapes.
	for i < len(in) {
		ch := in[i]
		if ch == '"' {
			s := in[start:i]
			if !utf8.Valid(s) {
				return nil, false
			}
			c.pos = i + 1
			return s, true
		}
		if ch == '\\' || ch < 0x20 {
			break
		}
		i++
	}
	c.tmp = append(c.tmp[:0], in[start:i]...)
	for i < len(in) {
		ch := in[i]
		switch {
		case ch == '"':
			if !utf8.Valid(c.tmp) {
				return nil, false
			}
			c.pos = i + 1
			return c.tmp, true
		case ch < 0x20:
			return nil, false
		case ch != '\\':
			c.tmp = append(c.tmp, ch)
			i++
			continue
		}
		if i+1 >= len(in) {
			return nil, false
		}
		switch e := in[i+1]; e {
		case '"', '\\', '/':
			c.tmp = append(c.tmp, e)
		case 'b':
			c.tmp = append(c.tmp, '\b')
		case 'f':
			c.tmp = append(c.tmp, '\f')
		case 'n':
			c.tmp = append(c.tmp, '\n')
		case 'r':
			c.tmp = append(c.tmp, '\r')
		case 't':
			c.tmp = append(c.tmp, '\t')
		case 'u':
			if i+6 > len(in) {
				return nil, false
			}
			var r rune
			for _, h := range in[i+2 : i+6] {
				var v byte
				switch {
				case h >= '0' && h <= '9':
					v = h - '0'
				case h >= 'a' && h <= 'f':
					v = h - 'a' + 10
				case h >= 'A' && h <= 'F':
					v = h - 'A' + 10
				default:
					return nil, false
				}
				r = r<<4 | rune(v)
			}
			if r >= 0xD800 && r < 0xE000 {
				return nil, false // surrogates: the slow path decides
			}
			c.tmp = utf8.AppendRune(c.tmp, r)
			i += 6
			continue
		default:
			return nil, false
		}
		i += 2
	}
	return nil, false
}

// appendJSONString writes s (valid UTF-8) as encoding/json does, HTML
// characters escaped.
func appendJSONString(b, s []byte) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		ch := s[i]
		if ch < utf8.RuneSelf {
			if ch >= 0x20 && ch != '"' && ch != '\\' && ch != '<' && ch != '>' && ch != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch ch {
			case '\\', '"':
				b = append(b, '\\', ch)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[ch>>4], hex[ch&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func (c *canon) array(b []byte, depth int) ([]byte, bool) {
	c.pos++ // [
	b = append(b, '[')
	c.space()
	if c.pos < len(c.in) && c.in[c.pos] == ']' {
		c.pos++
		return append(b, ']'), true
	}
	for {
		c.space()
		var ok bool
		if b, ok = c.value(b, depth+1); !ok {
			return b, false
		}
		c.space()
		if c.pos >= len(c.in) {
			return b, false
		}
		switch c.in[c.pos] {
		case ',':
			c.pos++
			b = append(b, ',')
		case ']':
			c.pos++
			return append(b, ']'), true
		default:
			return b, false
		}
	}
}

// object copies an object whose keys come strictly ascending member by
// member; at the first key out of order it starts the object again and
// sorts it.
func (c *canon) object(b []byte, depth int) ([]byte, bool) {
	objStart, outStart := c.pos, len(b)
	c.pos++ // {
	b = append(b, '{')
	c.space()
	if c.pos < len(c.in) && c.in[c.pos] == '}' {
		c.pos++
		return append(b, '}'), true
	}
	var prev []byte
	for first := true; ; first = false {
		c.space()
		if c.pos >= len(c.in) || c.in[c.pos] != '"' {
			return b, false
		}
		key, ok := c.str()
		if !ok {
			return b, false
		}
		if !first && bytes.Compare(prev, key) >= 0 {
			c.pos = objStart
			return c.sortedObject(b[:outStart], depth)
		}
		prev = append(prev[:0], key...)
		if !first {
			b = append(b, ',')
		}
		b = appendJSONString(b, key)
		b = append(b, ':')
		if b, ok = c.colonValue(b, depth); !ok {
			return b, false
		}
		c.space()
		if c.pos >= len(c.in) {
			return b, false
		}
		switch c.in[c.pos] {
		case ',':
			c.pos++
		case '}':
			c.pos++
			return append(b, '}'), true
		default:
			return b, false
		}
	}
}

// colonValue reads ": value" and appends the value.
func (c *canon) colonValue(b []byte, depth int) ([]byte, bool) {
	c.space()
	if c.pos >= len(c.in) || c.in[c.pos] != ':' {
		return b, false
	}
	c.pos++
	c.space()
	return c.value(b, depth+1)
}

// sortedObject reads the object at c.pos, collects its members and writes
// them sorted by key, the last of duplicate keys winning, as a Go map
// would keep it.
func (c *canon) sortedObject(b []byte, depth int) ([]byte, bool) {
	type member struct {
		k0, k1 int // the decoded key in keys
		v0, v1 int // the value's canonical bytes in vals
	}
	// Small objects stay on the stack.
	var (
		mbuf [16]member
		kbuf [256]byte
		vbuf [1024]byte
	)
	members, keys, vals := mbuf[:0], kbuf[:0], vbuf[:0]
	c.pos++ // {
	for {
		c.space()
		if c.pos >= len(c.in) || c.in[c.pos] != '"' {
			return b, false
		}
		key, ok := c.str()
		if !ok {
			return b, false
		}
		m := member{k0: len(keys), v0: len(vals)}
		keys = append(keys, key...)
		m.k1 = len(keys)
		if vals, ok = c.colonValue(vals, depth); !ok {
			return b, false
		}
		m.v1 = len(vals)
		members = append(members, m)
		c.space()
		if c.pos >= len(c.in) {
			return b, false
		}
		if c.in[c.pos] == '}' {
			c.pos++
			break
		}
		if c.in[c.pos] != ',' {
			return b, false
		}
		c.pos++
	}
	slices.SortStableFunc(members, func(x, y member) int {
		return bytes.Compare(keys[x.k0:x.k1], keys[y.k0:y.k1])
	})
	b = append(b, '{')
	wrote := false
	for i, m := range members {
		if i+1 < len(members) && bytes.Equal(keys[members[i+1].k0:members[i+1].k1], keys[m.k0:m.k1]) {
			continue // a later duplicate wins
		}
		if wrote {
			b = append(b, ',')
		}
		wrote = true
		b = appendJSONString(b, keys[m.k0:m.k1])
		b = append(b, ':')
		b = append(b, vals[m.v0:m.v1]...)
	}
	return append(b, '}'), true
}
