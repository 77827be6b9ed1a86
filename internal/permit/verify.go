package permit

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/panjare/panjare/internal/errs"
)

// Errors of VerifyOffline. A JWS that fails is forged (ErrForged) whatever
// the detail; an authentic one past its validity is ErrExpired.
var (
	ErrForged  = errors.New("permit: the document's signature does not verify")
	ErrExpired = errors.New("permit: the document has expired")
)

// Issuer is who issued a verified document: the agency and its key.
type Issuer struct {
	Agency   string `json:"agency"`
	NameFa   string `json:"name_fa"`
	Kid      string `json:"kid"`
	Platform string `json:"platform"` // the platform that published the key
}

// Verification is the answer to "is this document genuine and in force?".
// It is public: anyone holding a document's id may ask. So a revoked
// document's answer says when it was revoked, never why; the reason is the
// holder's business (Document and Wallet carry it).
type Verification struct {
	Status   string    // valid | revoked | expired | forged | unknown
	Issuer   *Issuer   // set unless forged or unknown
	Document *Document // set unless forged or unknown; RevokeReason is always empty
}

// maxInput bounds what Verify reads: a JWS of the largest document is a few
// kilobytes.
const maxInput = 16 << 10

// Verify checks a document given as its id (any case, dashes or not,
// Persian digits), as the QR payload, or as the JWS; a link to the verify
// or document page carrying either is accepted too. Errors: Invalid for
// empty or oversized input; every other input gets a status.
func (p *Permits) Verify(ctx context.Context, input string) (Verification, error) {
	const op = "permit.Verify"
	input = strings.TrimSpace(input)
	if input == "" {
		return Verification{}, errs.E(op, errs.Invalid, "give a document id or its signed code", "شناسهٔ سند یا کد امضاشدهٔ آن را وارد کنید")
	}
	if len(input) > maxInput {
		return Verification{}, errs.E(op, errs.TooLarge, "the document code is too long", "کد سند بیش از حد بلند است")
	}
	input = fromLink(input)
	if strings.Count(input, ".") == 2 {
		return p.verifyJWS(ctx, input)
	}
	d, err := p.Document(ctx, input)
	if errs.Is(err, errs.NotFound) {
		return Verification{Status: StatusUnknown}, nil
	}
	if err != nil {
		return Verification{}, err
	}
	return p.answer(ctx, d), nil
}

// fromLink returns the document= parameter or the last path segment of a
// link to a verify or document page; anything else is returned as is.
func fromLink(s string) string {
	if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	if v := u.Query().Get("document"); v != "" {
		return v
	}
	path := strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), ".pdf")
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return s
}

func (p *Permits) answer(ctx context.Context, d Document) Verification {
	iss := &Issuer{Agency: d.Agency, NameFa: d.AgencyNameFa, Kid: d.Kid, Platform: p.baseURL}
	if a, err := p.cat.Agency(ctx, d.Agency); err == nil && a.NameFa != "" {
		iss.NameFa = a.NameFa
	}
	d.RevokeReason = ""
	return Verification{Status: d.Status, Issuer: iss, Document: &d}
}

// verifyJWS checks a JWS against the published keys, then looks up the
// document it names for its revocation. A JWS that verifies but names a
// document this platform does not hold, or differs from the one it holds,
// is reported forged: only the stored token is the document.
func (p *Permits) verifyJWS(ctx context.Context, token string) (Verification, error) {
	set, err := p.PublicKeys(ctx)
	if err != nil {
		return Verification{}, err
	}
	c, err := verifyWith(token, set, p.now())
	if err != nil && !errors.Is(err, ErrExpired) {
		return Verification{Status: StatusForged}, nil
	}
	canon, ok := ParseDocumentID(c.ID)
	if !ok {
		return Verification{Status: StatusForged}, nil
	}
	d, err := p.scanDocument(p.s.Read().QueryRowContext(ctx,
		`SELECT `+documentColumns+` FROM permit_documents WHERE id = $1`, canon))
	if errors.Is(err, sql.ErrNoRows) {
		return Verification{Status: StatusUnknown}, nil
	}
	if err != nil {
		return Verification{}, errs.Wrap("permit.Verify", err)
	}
	if d.JWS != token {
		return Verification{Status: StatusForged}, nil
	}
	return p.answer(ctx, d), nil
}

// VerifyOffline checks a document's JWS (the QR payload) using only the
// published key set (the JSON of /.well-known/jwks.json), with no database:
// the signature must be EdDSA by a key in the set, and the key must belong
// to the agency the document names. It returns the claims, and ErrForged
// for anything that fails, or ErrExpired (with the claims) for an authentic
// document past its validity. It cannot know about revocations.
func VerifyOffline(token string, jwks []byte) (Claims, error) {
	var set JWKS
	if err := json.Unmarshal(jwks, &set); err != nil {
		return Claims{}, errors.Join(ErrForged, errors.New("permit: the key set is not a JWKS"))
	}
	return verifyWith(strings.TrimSpace(token), set, time.Now())
}

// verifyWith verifies token against set. Only EdDSA is accepted, which
// rules out "none" and algorithm confusion; the kid must name a key of the
// set, and the key's agency must be the agency the payload names, so that
// one agency's key cannot vouch for another agency's document. A retired
// key vouches only for what it signed before it was retired.
func verifyWith(token string, set JWKS, now time.Time) (Claims, error) {
	obj, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.EdDSA})
	if err != nil || len(obj.Signatures) != 1 {
		return Claims{}, ErrForged
	}
	h := obj.Signatures[0].Protected
	if h.Algorithm != string(jose.EdDSA) || h.KeyID == "" {
		return Claims{}, ErrForged
	}
	var key PublicKey
	var pub ed25519.PublicKey
	for _, k := range set.Keys {
		if k.Kid == h.KeyID {
			var ok bool
			if pub, ok = k.publicKey(); !ok {
				return Claims{}, ErrForged
			}
			key = k
			break
		}
	}
	if pub == nil {
		return Claims{}, ErrForged
	}
	payload, err := obj.Verify(pub)
	if err != nil {
		return Claims{}, ErrForged
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil || c.ID == "" || c.Agency != key.Agency {
		return Claims{}, ErrForged
	}
	if key.Retired != nil && time.Unix(c.IssuedAt, 0).After(key.Retired.Add(retiredGrace)) {
		return Claims{}, ErrForged // signed with a key after it was retired
	}
	if c.Expired(now) {
		return c, ErrExpired
	}
	return c, nil
}
