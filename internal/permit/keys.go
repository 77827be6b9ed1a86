package permit

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// PublicKey is one agency's published verification key, as a JWK (RFC 8037:
// an OKP key on the Ed25519 curve) with the agency it belongs to.
type PublicKey struct {
	Kty    string `json:"kty"` // "OKP"
	Crv    string `json:"crv"` // "Ed25519"
	X      string `json:"x"`   // base64url of the public key
	Kid    string `json:"kid"`
	Use    string `json:"use"` // "sig"
	Alg    string `json:"alg"` // "EdDSA"
	Agency string `json:"agency"`
	// Retired is when the key stopped signing (retired_at, RFC 3339;
	// absent on the active key). A retired key stays in the set and still
	// verifies the documents it signed before then; a document it claims
	// to have signed later (iat after retired_at, with retiredGrace for
	// clocks and a signature in flight during the rotation) is forged.
	Retired *time.Time `json:"retired_at,omitempty"`
}

// retiredGrace is how long after its retirement a key's signature is still
// taken: an issue that read the key just before a rotation committed, and
// the clocks of two nodes, may put iat slightly after retired_at.
const retiredGrace = 5 * time.Minute

// JWKS is a JSON Web Key Set of the agencies' public keys.
type JWKS struct {
	Keys []PublicKey `json:"keys"`
}

// kidFor names a key by its agency and a digest of the public key, so that
// a kid says whose key it is and never collides across rotations.
func kidFor(agency string, pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return agency + "-" + base64.RawURLEncoding.EncodeToString(sum[:9])
}

// signerFor returns the active key of agency, creating it on first use in
// tx. Two transactions creating the same agency's first key race on the
// unique index of active keys: ON CONFLICT makes the loser insert nothing,
// and it reads the winner's row instead (on PostgreSQL the insert waits for
// the winner to commit; on SQLite writers are serialised).
func (p *Permits) signerFor(ctx context.Context, tx *store.Tx, pr identity.Principal, agency string) (string, ed25519.PrivateKey, error) {
	kid, key, err := readActiveKey(ctx, tx, agency)
	if err == nil {
		return kid, key, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", nil, err
	}
	if _, err := p.createKey(ctx, tx, pr, agency); err != nil {
		return "", nil, err
	}
	return readActiveKey(ctx, tx, agency)
}

// createKey inserts a fresh active key for agency unless one exists, and
// appends permit.key.created when it did insert; it reports whether it did.
func (p *Permits) createKey(ctx context.Context, tx *store.Tx, pr identity.Principal, agency string) (bool, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return false, fmt.Errorf("permit: generate key: %w", err)
	}
	kid := kidFor(agency, pub)
	res, err := tx.ExecContext(ctx, `INSERT INTO permit_keys (kid, agency, public_key, private_key, active, created_at)
		VALUES ($1, $2, $3, $4, TRUE, $5) ON CONFLICT DO NOTHING`,
		kid, agency, base64.RawURLEncoding.EncodeToString(pub), base64.RawURLEncoding.EncodeToString(priv.Seed()), p.now())
	if err != nil {
		return false, fmt.Errorf("permit: store key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil // another transaction created it first
	}
	err = tx.Append(ctx, store.Event{Kind: "permit.key.created", Actor: pr.Actor(), Agency: agency},
		map[string]string{"kid": kid})
	return err == nil, err
}

// activeKeyAgencies returns the agencies that have an active key.
func activeKeyAgencies(ctx context.Context, tx *store.Tx) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT agency FROM permit_keys WHERE active`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			return nil, err
		}
		out[a] = true
	}
	return out, rows.Err()
}

func readActiveKey(ctx context.Context, tx *store.Tx, agency string) (string, ed25519.PrivateKey, error) {
	var kid, seed string
	err := tx.QueryRowContext(ctx, `SELECT kid, private_key FROM permit_keys WHERE agency = $1 AND active`, agency).Scan(&kid, &seed)
	if err != nil {
		return "", nil, err
	}
	raw, err := base64.RawURLEncoding.DecodeString(seed)
	if err != nil || len(raw) != ed25519.SeedSize {
		return "", nil, fmt.Errorf("permit: key %s is damaged", kid)
	}
	return kid, ed25519.NewKeyFromSeed(raw), nil
}

// KeyOnPublish is catalog's publish hook (catalog.OnPublish): when a
// record that issues documents is published, its agency gets its signing
// key in the same transaction, unless it has one. So the key set lists an
// agency's key from the moment it can issue, and a verifier that fetches
// it ahead of time (to verify offline) has it before the first document.
func (p *Permits) KeyOnPublish(ctx context.Context, tx *store.Tx, pr identity.Principal, rec catalog.Record) error {
	if !issuesDocuments(rec) {
		return nil
	}
	_, _, err := p.signerFor(ctx, tx, pr, rec.Agency)
	if err != nil {
		return errs.Wrap("permit.KeyOnPublish", err)
	}
	return nil
}

// EnsureKeys creates a signing key for every agency that has a published
// service issuing documents and no active key yet, and returns how many it
// created. The publish hook does this for new publications; EnsureKeys
// brings a database published before the hook existed up to date, and is
// run at start-up. It is idempotent.
func (p *Permits) EnsureKeys(ctx context.Context) (int, error) {
	const op = "permit.EnsureKeys"
	published, err := p.cat.Published(ctx)
	if err != nil {
		return 0, errs.Wrap(op, err)
	}
	var agencies []string
	seen := map[string]bool{}
	for _, svc := range published {
		if a := svc.Record.Agency; issuesDocuments(svc.Record) && !seen[a] {
			seen[a] = true
			agencies = append(agencies, a)
		}
	}
	sort.Strings(agencies)
	var created int
	err = p.s.InTx(ctx, func(tx *store.Tx) error {
		created = 0
		// One read of who has a key, not one per agency: this runs at
		// every start-up.
		keyed, err := activeKeyAgencies(ctx, tx)
		if err != nil {
			return err
		}
		for _, a := range agencies {
			if keyed[a] {
				continue
			}
			ok, err := p.createKey(ctx, tx, identity.System, a)
			if err != nil {
				return err
			}
			if ok {
				created++
			}
		}
		if created == 0 {
			return store.ErrNothingToDo
		}
		return nil
	})
	if errors.Is(err, store.ErrNothingToDo) {
		return 0, nil
	}
	if err != nil {
		return 0, errs.Wrap(op, err)
	}
	return created, nil
}

// RotateKey retires agency's active key and creates a new one, which signs
// from now on. The retired key stays published, so documents it signed keep
// verifying. Only the agency's admins and API clients, or a platform admin,
// may rotate. It returns the new key's kid.
func (p *Permits) RotateKey(ctx context.Context, pr identity.Principal, agency string) (string, error) {
	const op = "permit.RotateKey"
	if !pr.CanManageAgency(agency) {
		return "", errs.E(op, errs.Forbidden, "only the agency may rotate its signing key", "فقط خود دستگاه می‌تواند کلید امضای خود را عوض کند")
	}
	var kid string
	err := p.s.InTx(ctx, func(tx *store.Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, `UPDATE permit_keys SET active = FALSE, retired_at = $2
			WHERE agency = $1 AND active RETURNING kid`, agency, p.now()).Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := p.createKey(ctx, tx, pr, agency); err != nil {
			return err
		}
		if kid, _, err = readActiveKey(ctx, tx, agency); err != nil {
			return err
		}
		err = tx.Append(ctx, store.Event{Kind: "permit.key.rotated", Actor: pr.Actor(), Agency: agency},
			map[string]string{"retired": old, "kid": kid})
		return err
	})
	if err != nil {
		return "", errs.Wrap(op, err)
	}
	return kid, nil
}

// PublicKeys returns every agency's public keys, active and retired, in the
// order they were created.
func (p *Permits) PublicKeys(ctx context.Context) (JWKS, error) {
	rows, err := p.s.Read().QueryContext(ctx, `SELECT kid, agency, public_key, retired_at FROM permit_keys ORDER BY id`)
	if err != nil {
		return JWKS{}, errs.Wrap("permit.PublicKeys", err)
	}
	defer rows.Close()
	set := JWKS{Keys: []PublicKey{}}
	for rows.Next() {
		k := PublicKey{Kty: "OKP", Crv: "Ed25519", Use: "sig", Alg: "EdDSA"}
		var retired sql.NullTime
		if err := rows.Scan(&k.Kid, &k.Agency, &k.X, &retired); err != nil {
			return JWKS{}, errs.Wrap("permit.PublicKeys", err)
		}
		if retired.Valid {
			t := retired.Time.UTC()
			k.Retired = &t
		}
		set.Keys = append(set.Keys, k)
	}
	if err := rows.Err(); err != nil {
		return JWKS{}, errs.Wrap("permit.PublicKeys", err)
	}
	return set, nil
}

// JWKSJSON returns the published key set as JSON, as served at
// /.well-known/jwks.json.
func (p *Permits) JWKSJSON(ctx context.Context) ([]byte, error) {
	set, err := p.PublicKeys(ctx)
	if err != nil {
		return nil, err
	}
	return json.Marshal(set)
}

// publicKey decodes a JWK's key material.
func (k PublicKey) publicKey() (ed25519.PublicKey, bool) {
	if k.Kty != "OKP" || k.Crv != "Ed25519" {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(k.X)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, false
	}
	return ed25519.PublicKey(raw), true
}
