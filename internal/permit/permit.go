// Package permit owns signed digital documents: permits and certificates
// that agencies issue when a case is approved, their verification, their
// revocation, and the citizen's wallet ("my documents").
//
// A document is a compact JWS (RFC 7515) signed with Ed25519 by the issuing
// agency's key, whose payload (Claims) carries everything printed on the
// document, above all what it certifies (Facts: the facts its record
// declares, with the values the official confirmed). The platform publishes every agency's public keys, retired ones
// included, as a JWKS, so that the document's QR code (which holds the JWS
// itself) plus the published keys verify it offline (VerifyOffline); online
// verification (Verify) also says whether the agency has revoked it.
//
// Each agency gets its own key when it publishes its first record that
// issues documents (KeyOnPublish, catalog's publish hook), or at the latest
// on first use (keys.go); a retired key stays published, marked with
// retired_at, and vouches only for what it signed before. The private keys live
// in the permit_keys table here; a real deployment keeps them in an HSM and
// replaces signerFor with a call to it.
//
// permit must never log a national code, a holder name, a JWS or a key, and
// must never let one agency issue or revoke another agency's documents.
package permit

import (
	"context"
	"embed"
	"io/fs"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns permit's migration set: its tables for both engines.
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return store.MigrationSet{Name: "permit", FS: sub}
}

// Document statuses.
const (
	StatusValid   = "valid"
	StatusRevoked = "revoked"
	StatusExpired = "expired"
)

// Verification outcomes: the document statuses, plus these two.
const (
	StatusForged  = "forged"  // a JWS whose signature, key or issuer does not check out
	StatusUnknown = "unknown" // no document with this id was issued here
)

// Fact is one thing a document certifies, as signed into it: the record's
// fact (catalog.Fact) with the value decided for this holder. The JSON
// names are short because every byte travels in the QR code.
type Fact struct {
	Code    string `json:"k"`            // the record's fact code
	LabelFa string `json:"fa"`           // the label printed, in Persian
	LabelEn string `json:"en,omitempty"` // the label in English
	Value   string `json:"v"`            // as decided, in Persian (a serial number may be Latin)
}

// IssueRequest asks for one document to be signed and stored.
type IssueRequest struct {
	Service    string // the catalogue service identifier (7 digits)
	Holder     string // the holder's national code (or a company's national id)
	HolderName string // the holder's full name, as printed
	CaseRef    string // the application's tracking code, if any
	// Facts are what the document certifies, in the order printed: the
	// record's facts (catalog.Record.Certifies) with their decided values.
	Facts     []Fact
	Fields    map[string]string // further fields shown on the document (label → value), Persian
	ValidFrom time.Time         // zero: now
	ValidDays int               // 0: the record's Permit.ValidityDays (0 there: no expiry)
}

// Document is an issued document as stored and shown.
type Document struct {
	ID             string            `json:"id"` // short, readable, with a check symbol: "D7K3-9QXM-4RA"
	Service        string            `json:"service"`
	ServiceTitleFa string            `json:"service_title_fa"`
	Agency         string            `json:"agency"`
	AgencyNameFa   string            `json:"agency_name_fa"`
	Holder         string            `json:"holder"` // personal data: never logged, masked in public answers
	HolderName     string            `json:"holder_name"`
	CaseRef        string            `json:"case_ref,omitempty"`
	Facts          []Fact            `json:"facts,omitempty"` // what it certifies, in order
	Fields         map[string]string `json:"fields,omitempty"`
	IssuedAt       time.Time         `json:"issued_at"`
	ValidFrom      time.Time         `json:"valid_from"`
	ValidUntil     *time.Time        `json:"valid_until,omitempty"`
	Kid            string            `json:"kid"`
	JWS            string            `json:"jws"`
	Status         string            `json:"status"` // valid | revoked | expired
	RevokedAt      *time.Time        `json:"revoked_at,omitempty"`
	RevokeReason   string            `json:"revoke_reason,omitempty"`
}

// Permits issues, verifies and revokes documents. Its methods are the only
// writers of the permit_ tables. It is safe for concurrent use.
type Permits struct {
	s       *store.Store
	cat     *catalog.Catalog
	baseURL string // the issuer: the portal's public address
	now     func() time.Time
}

// New returns the permit capability. baseURL is the portal's public address;
// it is the documents' issuer ("iss") and the base of their links.
func New(ctx context.Context, s *store.Store, cat *catalog.Catalog, baseURL string) (*Permits, error) {
	if s == nil || cat == nil {
		return nil, errs.E("permit.New", errs.Internal, "a store and a catalogue are required", "پایگاه داده و فهرست خدمات لازم است")
	}
	return &Permits{s: s, cat: cat, baseURL: baseURL, now: s.Now}, nil
}

// BaseURL returns the issuer address documents carry.
func (p *Permits) BaseURL() string { return p.baseURL }

// statusAt computes a document's status at now.
func statusAt(revokedAt, validUntil *time.Time, now time.Time) string {
	switch {
	case revokedAt != nil:
		return StatusRevoked
	case validUntil != nil && !now.Before(*validUntil):
		return StatusExpired
	}
	return StatusValid
}
