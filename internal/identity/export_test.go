package identity

import "time"

// Flow is the sign-in flow cookie's content, for tests that tamper with it.
type Flow = flow

// DecodeFlow and EncodeFlow expose the flow cookie's signing to tests.
func (rp *RelyingParty) DecodeFlow(v string) (Flow, bool) { return rp.decodeFlow(v, time.Now()) }
func (rp *RelyingParty) EncodeFlow(f Flow) string         { return rp.encodeFlow(f) }

// FlowCookie is the flow cookie's name.
const FlowCookie = flowCookie

// DigestOf is how session tokens are kept.
var DigestOf = digest
