package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/store"
)

// leafMagic opens every leaf's data and names the encoding's version, so
// that a later encoding can never be mistaken for this one.
const leafMagic = "panjare-event-v1\n"

// atLayout writes an event's time in UTC with exactly six fractional
// digits: the precision both engines keep.
const atLayout = "2006-01-02T15:04:05.000000Z"

// LeafData returns the canonical encoding of ev that the ledger seals:
//
//	panjare-event-v1
//	id <decimal>
//	at <UTC RFC 3339, exactly 6 fractional digits>
//	kind <kind>
//	actor <actor>
//	agency <agency>
//	service <service>
//	region <region>
//	subject <subject>
//	payload <canonical JSON>
//
// each line ending in "\n". The canonical JSON is the payload parsed with
// json.Decoder.UseNumber and marshalled again by encoding/json (object keys
// sorted, no insignificant whitespace, numbers as written), so that
// PostgreSQL's JSONB and SQLite's text give the same bytes. A payload that
// is not one JSON value is taken as it is stored.
func LeafData(ev store.Event) []byte {
	return appendLeafData(nil, ev)
}

// LeafHash returns the RFC 6962 leaf hash of ev: SHA-256 of a zero byte
// followed by LeafData(ev).
func LeafHash(ev store.Event) [32]byte {
	buf := appendLeafData(make([]byte, 1, 256+len(ev.Payload)), ev)
	return sha256.Sum256(buf)
}

// appendLeafData appends ev's canonical encoding to b.
func appendLeafData(b []byte, ev store.Event) []byte {
	b = appendLeafHead(b, ev.ID, ev.At)
	for i, v := range [...]string{ev.Kind, ev.Actor, ev.Agency, ev.Service, ev.Region, ev.Subject} {
		b = append(b, leafFields[i]...)
		b = append(b, v...)
	}
	return appendLeafTail(b, ev.Payload)
}

// leafFields name the text columns, in the encoding's order.
var leafFields = [6]string{"kind ", "\nactor ", "\nagency ", "\nservice ", "\nregion ", "\nsubject "}

// leafFieldsSQL is an SQL expression that writes the text columns of
// events e as appendLeafData does, so that the sealer reads one column
// instead of six (portable: both engines concatenate text exactly).
var leafFieldsSQL = func() string {
	cols := [6]string{"e.kind", "e.actor", "e.agency", "e.service", "e.region", "e.subject"}
	var parts []string
	for i, f := range leafFields {
		parts = append(parts, "'"+f+"'", cols[i])
	}
	return strings.Join(parts, " || ")
}()

// appendLeafHead appends the encoding up to the text columns.
func appendLeafHead(b []byte, id int64, at time.Time) []byte {
	b = append(b, leafMagic...)
	b = append(b, "id "...)
	b = strconv.AppendInt(b, id, 10)
	b = append(b, "\nat "...)
	b = at.UTC().Truncate(time.Microsecond).AppendFormat(b, atLayout)
	return append(b, '\n')
}

// appendLeafTail appends the encoding from the payload on.
func appendLeafTail(b, payload []byte) []byte {
	b = append(b, "\npayload "...)
	b = appendCanonicalJSON(b, payload)
	return append(b, '\n')
}

// appendCanonicalJSON appends the canonical form of the JSON value raw to
// b, or raw itself when it is not exactly one JSON value.
func appendCanonicalJSON(b, raw []byte) []byte {
	if out, ok := fastCanonical(b, raw); ok {
		return out
	}
	return slowCanonicalJSON(b, raw)
}

// slowCanonicalJSON is the definition of the canonical form: encoding/json
// with UseNumber, then Marshal.
func slowCanonicalJSON(b, raw []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return append(b, raw...)
	}
	if _, err := dec.Token(); err != io.EOF {
		return append(b, raw...)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return append(b, raw...)
	}
	return append(b, out...)
}

// sumLeaf returns the SHA-256 of buf, which already starts with RFC
// 6962's leaf prefix (a zero byte).
func sumLeaf(buf []byte) [32]byte { return sha256.Sum256(buf) }
