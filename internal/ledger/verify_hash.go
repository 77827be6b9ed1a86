package ledger

import (
	"bytes"
	"crypto/sha256"

	"github.com/panjare/panjare/internal/store"
)

// leafHasher hashes events with LeafData's encoding, reusing one buffer;
// one per goroutine.
type leafHasher struct {
	buf []byte
}

// hash returns LeafHash(*ev).
func (h *leafHasher) hash(ev *store.Event) [32]byte {
	h.buf = appendLeafData(append(h.buf[:0], 0), *ev)
	return sha256.Sum256(h.buf)
}

// quickInquiryKey is inquiryKey for the payloads the gateway writes: flat
// objects whose three fields are plain strings. It looks for each field
// by name instead of decoding the whole payload, and gives up (false) on
// anything else. Its answer is only a first guess: an inquiry whose key
// it gave matches no message row is checked again with inquiryKey before
// it is reported (checkMessages), so a wrong guess cannot become a
// finding.
func quickInquiryKey(payload []byte) ([16]byte, bool) {
	var v [3][]byte
	for i, name := range [3]string{`"message_id"`, `"request_digest"`, `"response_digest"`} {
		at := bytes.Index(payload, []byte(name))
		if at < 0 {
			if i == 0 {
				return [16]byte{}, false
			}
			continue // a digest may be absent: inquiryKey takes it as ""
		}
		rest := skipSpace(payload[at+len(name):])
		if len(rest) == 0 || rest[0] != ':' {
			return [16]byte{}, false
		}
		rest = skipSpace(rest[1:])
		if len(rest) == 0 || rest[0] != '"' {
			return [16]byte{}, false
		}
		end := bytes.IndexByte(rest[1:], '"')
		if end < 0 || bytes.IndexByte(rest[1:1+end], '\\') >= 0 {
			return [16]byte{}, false
		}
		v[i] = rest[1 : 1+end]
	}
	if len(v[0]) == 0 {
		return [16]byte{}, false
	}
	return messageKey(string(v[0]), string(v[1]), string(v[2])), true
}

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}
