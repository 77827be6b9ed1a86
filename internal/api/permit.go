package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/permit"
)

// The signed documents' endpoints: the agencies' public keys, verification,
// revocation by the issuing agency, and the citizen's wallet.

// errNoPermits answers when the API runs without the permit capability.
var errNoPermits = errs.E("api.permit", errs.Unavailable, "signed documents are not available on this server", "اسناد امضاشده در این سامانه در دسترس نیست")

// maxVerifyBody bounds POST /api/v1/verify: the largest JWS with room for
// the JSON around it.
const maxVerifyBody = 16 << 10

// verifyRequest is the body of POST /api/v1/verify.
type verifyRequest struct {
	Document string `json:"document"` // the id, the QR payload or the JWS
}

// publicDocument is a document as anyone who holds it may see it: the
// holder's national code masked but for its last four digits, no JWS, no
// case reference, and for a revoked one the date but not the reason.
type publicDocument struct {
	ID             string            `json:"id"`
	Service        string            `json:"service"`
	ServiceTitleFa string            `json:"service_title_fa"`
	Agency         string            `json:"agency"`
	AgencyNameFa   string            `json:"agency_name_fa"`
	Holder         string            `json:"holder_masked"`
	HolderName     string            `json:"holder_name"`
	Facts          []permit.Fact     `json:"facts,omitempty"`
	Fields         map[string]string `json:"fields,omitempty"`
	IssuedAt       time.Time         `json:"issued_at"`
	ValidFrom      time.Time         `json:"valid_from"`
	ValidUntil     *time.Time        `json:"valid_until,omitempty"`
	Status         string            `json:"status"`
	RevokedAt      *time.Time        `json:"revoked_at,omitempty"`
}

// verifyAnswer is the answer of POST /api/v1/verify.
type verifyAnswer struct {
	Status   string          `json:"status"`
	Issuer   *permit.Issuer  `json:"issuer,omitempty"`
	Document *publicDocument `json:"document,omitempty"`
	// LedgerIndex is where the document's issuing event is sealed in the
	// ledger; absent while it is not yet.
	LedgerIndex *uint64 `json:"ledger_index,omitempty"`
}

// jwks serves every agency's public keys, retired ones included, so that
// anyone can verify documents offline.
func (a *API) jwks(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Permits == nil {
		return errNoPermits
	}
	body, err := a.cfg.Permits.JWKSJSON(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	// Short enough that a new agency's first key is seen soon; verifiers
	// that meet an unknown kid should fetch again anyway.
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(body)
	return err
}

// verify answers whether a document is valid, revoked, expired, forged or
// unknown, and who issued it.
func (a *API) verify(w http.ResponseWriter, r *http.Request) error {
	if a.cfg.Permits == nil {
		return errNoPermits
	}
	var req verifyRequest
	if err := httpx.DecodeJSON(w, r, &req, maxVerifyBody); err != nil {
		return err
	}
	if strings.TrimSpace(req.Document) == "" {
		e := errs.E("api.verify", errs.Invalid, "document is required: the document id, its QR payload or its JWS",
			"document لازم است: شناسهٔ سند، متن رمزینهٔ آن یا JWS آن")
		e.Fields = []errs.FieldError{{Field: "document", En: e.En, Fa: e.Fa}}
		return e
	}
	res, err := a.cfg.Permits.Verify(r.Context(), req.Document)
	if err != nil {
		return err
	}
	out := verifyAnswer{Status: res.Status, Issuer: res.Issuer}
	if d := res.Document; d != nil {
		out.Document = &publicDocument{
			ID: d.ID, Service: d.Service, ServiceTitleFa: d.ServiceTitleFa, Agency: d.Agency, AgencyNameFa: d.AgencyNameFa,
			Holder: identity.MaskNationalCode(d.Holder), HolderName: d.HolderName, Facts: d.Facts, Fields: d.Fields,
			IssuedAt: d.IssuedAt, ValidFrom: d.ValidFrom, ValidUntil: d.ValidUntil, Status: d.Status,
			RevokedAt: d.RevokedAt,
		}
		if out.LedgerIndex, err = a.documentIndex(r.Context(), *d); err != nil {
			return err
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpx.WriteJSON(w, http.StatusOK, out)
}

// limited answers 429 to an address over l's rate before h runs.
func limited(l *httpx.RateLimiter, h httpx.Handler) httpx.Handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if !l.Allow(httpx.ClientAddr(r)) {
			w.Header().Set("Retry-After", "1")
			return errs.E("api.verify", errs.RateLimited, "too many verifications from this address; wait a little, or verify offline with the JWKS",
				"استعلام‌های این نشانی بیش از حد مجاز است؛ کمی صبر کنید یا با کلیدهای عمومی (JWKS) بدون اتصال بسنجید")
		}
		return h(w, r)
	}
}

// revokeRequest is the body of a revocation.
type revokeRequest struct {
	Reason string `json:"reason"`
}

// revokeDocument revokes a document of the key's agency.
func (a *API) revokeDocument(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if a.cfg.Permits == nil {
		return errNoPermits
	}
	var req revokeRequest
	if err := httpx.DecodeJSON(w, r, &req, 8<<10); err != nil {
		return err
	}
	if err := a.cfg.Permits.Revoke(r.Context(), p, r.PathValue("id"), req.Reason); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rotatedKey is the answer of a key rotation.
type rotatedKey struct {
	Kid string `json:"kid"`
}

// rotateSigningKey retires the key's agency's document-signing key and
// makes a new one; documents signed with the old key still verify, because
// it stays in the JWKS.
func (a *API) rotateSigningKey(w http.ResponseWriter, r *http.Request, p identity.Principal) error {
	if a.cfg.Permits == nil {
		return errNoPermits
	}
	kid, err := a.cfg.Permits.RotateKey(r.Context(), p, p.Agency)
	if err != nil {
		return err
	}
	return httpx.WriteJSON(w, http.StatusOK, rotatedKey{Kid: kid})
}

// documentList is a page of the wallet: next is the cursor of the next
// page and next_url its address, both absent on the last page.
type documentList struct {
	Items   []permit.Document `json:"items"`
	Next    string            `json:"next,omitempty"`
	NextURL string            `json:"next_url,omitempty"`
}

// myDocuments is the wallet as JSON: every document issued to the citizen
// signed in with the portal's session cookie (or to whom they act for).
func (a *API) myDocuments(w http.ResponseWriter, r *http.Request) error {
	p, err := identity.Require(r.Context())
	if err != nil {
		return errs.E("api.myDocuments", errs.Unauthorized, "sign in to the portal first: this endpoint reads the session cookie",
			"نخست در درگاه وارد شوید: این نشانی با کوکی نشست کار می‌کند")
	}
	if p.Subject() == "" {
		return errs.E("api.myDocuments", errs.Forbidden, "only a citizen signed in with a national code has documents",
			"فقط شهروندی که با کد ملی وارد شده است سند دارد")
	}
	if a.cfg.Permits == nil {
		return errNoPermits
	}
	limit, err := queryInt(r, "limit", permit.WalletPage, permit.MaxWalletPage)
	if err != nil {
		return err
	}
	list, next, err := a.cfg.Permits.Wallet(r.Context(), p.Subject(), r.URL.Query().Get("cursor"), int(limit))
	if err != nil {
		return err
	}
	if list == nil {
		list = []permit.Document{}
	}
	out := documentList{Items: list, Next: next, NextURL: nextURL(w, r, next)}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Cookie")
	return httpx.WriteJSON(w, http.StatusOK, out)
}

// permitSchemas are the OpenAPI schemas of these endpoints.
func permitSchemas() map[string]any {
	doc := obj([]string{"id", "service", "agency", "holder_name", "issued_at", "valid_from", "status"}, map[string]any{
		"id": str("The document id: ten symbols and a check symbol, e.g. D7K3-9QXM-4RA."), "service": str("The service identifier."),
		"service_title_fa": str(""), "agency": str("The issuing agency's code."), "agency_name_fa": str(""),
		"holder_name": str(""), "fields": map[string]any{"type": "object", "additionalProperties": str("")},
		"facts": arr(obj([]string{"k", "fa", "v"}, map[string]any{"k": str("The record's fact code."), "fa": str("The label, in Persian."),
			"en": str("The label, in English."), "v": str("The value decided.")})),
		"issued_at": str("RFC 3339."), "valid_from": str("RFC 3339."), "valid_until": str("RFC 3339; absent: no expiry."),
		"status": enum("valid", "revoked", "expired"), "revoked_at": str("RFC 3339."),
	})
	withProps := func(base map[string]any, extra map[string]any) map[string]any {
		props := map[string]any{}
		for k, v := range base["properties"].(map[string]any) {
			props[k] = v
		}
		for k, v := range extra {
			props[k] = v
		}
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		out["properties"] = props
		return out
	}
	return map[string]any{
		"VerifyRequest": obj([]string{"document"}, map[string]any{"document": str("The document id (any case, dashes optional, Persian digits accepted), its QR payload or its compact JWS.")}),
		"Verification": obj([]string{"status"}, map[string]any{
			"status": enum("valid", "revoked", "expired", "forged", "unknown"),
			"issuer": obj([]string{"agency", "kid"}, map[string]any{"agency": str("Agency code."), "name_fa": str(""),
				"kid": str("The signing key's id in the JWKS."), "platform": str("The platform that publishes the key.")}),
			"document": withProps(doc, map[string]any{"holder_masked": str("The holder's national code, masked but for its last four digits.")}), "ledger_index": map[string]any{"type": "integer", "description": "Where the document's permit.document.issued event is sealed in the ledger; absent while it is not yet."},
		}),
		"RevokeRequest": obj([]string{"reason"}, map[string]any{"reason": str("Why the document is revoked; shown to the holder only, never on verification.")}),
		"Document": withProps(doc, map[string]any{"holder": str("The holder's national code or company id."), "revoke_reason": str("Why it was revoked; only the holder sees it."),
			"case_ref": str("The application's tracking code."), "kid": str(""), "jws": str("The signed document, as its QR code carries it.")}),
		"RotatedKey": obj([]string{"kid"}, map[string]any{"kid": str("The new key's id in the JWKS.")}),
		"DocumentList": obj([]string{"items"}, map[string]any{"items": arr(ref("Document")),
			"next":     str("The cursor of the next page; absent on the last page."),
			"next_url": str("The address of the next page; absent on the last page.")}),
		"JWKS": obj([]string{"keys"}, map[string]any{"keys": arr(obj([]string{"kty", "crv", "x", "kid", "use", "alg", "agency"}, map[string]any{
			"kty": enum("OKP"), "crv": enum("Ed25519"), "x": str("The public key, base64url."), "kid": str(""), "use": enum("sig"),
			"alg": enum("EdDSA"), "agency": str("The agency whose documents the key signs."), "retired_at": str("When it stopped signing; it still verifies."),
		}))}),
	}
}

// permitRoutes are the signed documents' endpoints, for the route table.
func (a *API) permitRoutes() []route {
	doc := param{name: "id", in: "path", schema: "string", desc: "The document id, e.g. D7K3-9QXM-4RA (any case, dashes optional).", required: true}
	// Verification answers with the holder's name and the permit's fields,
	// so it is limited per address more tightly than the catalogue: a person
	// or a counter checks a few documents a minute, while guessing ids
	// (31^10 of them) needs millions of tries. Bulk verifiers verify
	// offline with the JWKS.
	verifyLimit := httpx.NewRateLimiter(5, 50)
	return []route{
		{method: "GET", pattern: "/.well-known/jwks.json", op: "getDocumentKeys", tag: "documents",
			summary:   "Every agency's public document-signing keys (Ed25519, as a JSON Web Key Set), retired ones included: with them a document's QR code verifies offline.",
			responses: map[int]string{200: "JWKS", 503: "Problem"}, handler: a.jwks},
		{method: "POST", pattern: "/api/v1/verify", op: "verifyDocument", tag: "documents",
			summary: "Check a document given as its id, its QR payload or its JWS: valid, revoked (with the date, not the reason), expired, forged or unknown, with the issuer. The holder's national code is masked.",
			body:    "VerifyRequest", responses: map[int]string{200: "Verification", 400: "Problem", 413: "Problem", 429: "Problem", 503: "Problem"},
			handler: limited(verifyLimit, a.verify)},
		{method: "POST", pattern: "/api/v1/agency/documents/{id}/revoke", op: "revokeDocument", tag: "agency",
			summary: "Revoke a document the key's agency issued, with a reason the holder sees in their wallet; verification shows only the date.",
			params:  []param{doc}, body: "RevokeRequest", agency: true,
			responses:     map[int]string{204: "", 400: "Problem", 401: "Problem", 403: "Problem", 404: "Problem", 409: "Problem", 503: "Problem"},
			agencyHandler: a.revokeDocument},
		{method: "POST", pattern: "/api/v1/agency/signing-key/rotate", op: "rotateSigningKey", tag: "agency",
			summary:       "Retire the key's agency's document-signing key and start signing with a new one; the old public key stays published, so documents it signed still verify.",
			agency:        true,
			responses:     map[int]string{200: "RotatedKey", 401: "Problem", 403: "Problem", 503: "Problem"},
			agencyHandler: a.rotateSigningKey},
		{method: "GET", pattern: "/api/v1/me/documents", op: "listMyDocuments", tag: "me", session: true,
			summary: "The wallet: every document issued to the signed-in citizen (or to whom they act for), newest first, with its status, a page at a time: follow next_url (or the Link header) to the end.",
			params: []param{{name: "limit", in: "query", schema: "integer", desc: "How many, 1 to 500 (default 50)."},
				{name: "cursor", in: "query", schema: "string", desc: "The next of the previous page; absent for the first page."}},
			responses: map[int]string{200: "DocumentList", 400: "Problem", 401: "Problem", 403: "Problem", 503: "Problem"},
			handler:   a.myDocuments},
	}
}
