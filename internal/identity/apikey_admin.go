package identity

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// Key rotation. An agency's back office cannot switch keys in the same
// instant Panjare does, so RotateKey issues the new key at once and lets the
// old one work for an overlap the admin chooses (DefaultOverlap unless told),
// by setting the old key's revoked_at in the future. Authenticate refuses a
// key from its revoked_at on.

// DefaultOverlap is how long a rotated key keeps working unless the admin
// chooses otherwise, and MaxOverlap the longest overlap allowed.
const (
	DefaultOverlap = 24 * time.Hour
	MaxOverlap     = 30 * 24 * time.Hour
)

const clientColumns = `id, agency, name, key_prefix, created_at, revoked_at, replaced_by`

func scanClient(row scanner) (APIClient, error) {
	var c APIClient
	var revoked sql.NullTime
	var replaced sql.NullInt64
	if err := row.Scan(&c.ID, &c.Agency, &c.Name, &c.Prefix, &c.CreatedAt, &revoked, &replaced); err != nil {
		return APIClient{}, err
	}
	c.CreatedAt, c.RevokedAt, c.ReplacedBy = c.CreatedAt.UTC(), timePtr(revoked), replaced.Int64
	return c, nil
}

// keyForAdmin reads the API client clientID in tx for a change by p: a
// platform admin may change any, an agency admin only their own agency's.
// Another agency's key is NotFound to an agency admin, so that its existence
// is not revealed; anyone else is Forbidden.
func keyForAdmin(ctx context.Context, tx *store.Tx, op string, p Principal, clientID int64) (APIClient, error) {
	if !p.Has(RolePlatformAdmin) && !p.Has(RoleAgencyAdmin) {
		return APIClient{}, errs.E(op, errs.Forbidden, "only an agency admin may manage API keys", "تنها مدیر دستگاه می‌تواند کلیدهای API را مدیریت کند")
	}
	c, err := scanClient(tx.QueryRowContext(ctx, `SELECT `+clientColumns+` FROM identity_api_clients WHERE id = $1`, clientID))
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !p.Has(RolePlatformAdmin) && (p.Agency == "" || p.Agency != c.Agency)) {
		return APIClient{}, errs.NotFoundf(op, "API client", "کلاینت API")
	}
	if err != nil {
		return APIClient{}, errs.Wrap(op, err)
	}
	return c, nil
}

// RotateKey replaces the API client's key: it issues a new key for the same
// agency and name, returned only here, and makes the old key stop working
// after overlap (from 0, at once, to MaxOverlap). The same principals may
// rotate a key as may revoke it. A key already revoked or being rotated is a
// conflict.
func (id *Identity) RotateKey(ctx context.Context, p Principal, clientID int64, overlap time.Duration) (APIClient, string, error) {
	const op = "identity.RotateKey"
	if overlap < 0 || overlap > MaxOverlap {
		return APIClient{}, "", fieldErr(op, "overlap_hours", "the overlap must be between 0 and 720 hours",
			"مدت هم‌پوشانی باید از ۰ تا ۷۲۰ ساعت باشد")
	}
	prefix, secret := randomToken(5), randomToken(20)
	now := id.s.Now()
	var next APIClient
	err := id.s.InTx(ctx, func(tx *store.Tx) error {
		old, err := keyForAdmin(ctx, tx, op, p, clientID)
		if err != nil {
			return err
		}
		if old.RevokedAt != nil {
			return errs.E(op, errs.Conflict, "the key is already revoked or being replaced", "این کلید پیش‌تر باطل یا جایگزین شده است")
		}
		next = APIClient{Agency: old.Agency, Name: old.Name, Prefix: prefix, CreatedAt: now}
		if err := tx.QueryRowContext(ctx, `INSERT INTO identity_api_clients (agency, name, key_prefix, key_hash, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, next.Agency, next.Name, prefix, digest(secret), now).Scan(&next.ID); err != nil {
			return err
		}
		ends := now.Add(overlap)
		if _, err := tx.ExecContext(ctx, `UPDATE identity_api_clients SET revoked_at = $1, replaced_by = $2 WHERE id = $3`,
			ends, next.ID, old.ID); err != nil {
			return err
		}
		err = tx.Append(ctx, store.Event{Kind: "identity.apikey.rotated", Actor: p.Actor(), Agency: old.Agency},
			map[string]any{"client": old.ID, "prefix": old.Prefix, "new_client": next.ID, "new_prefix": prefix,
				"overlap_seconds": int64(overlap / time.Second), "old_valid_until": ends})
		return err
	})
	if err != nil {
		return APIClient{}, "", errs.Wrap(op, err)
	}
	return next, "pjk_" + prefix + "_" + secret, nil
}

// Now returns the identity capability's clock (the store's), so that pages
// tell a key's or relation's state by the same time the checks use.
func (id *Identity) Now() time.Time { return id.s.Now() }
