package apply

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// Idempotency keys. A back office that decides through the API sends an
// Idempotency-Key with each request; the first answer (status and body) is
// kept for IdempotencyTTL and given again for the same key and the same
// request, without doing it twice. The same key with another request is
// refused, and so is a key whose first request is still running. Keys are
// per API client, so two clients cannot collide or read each other's
// answers. An answer that was an internal error (5xx) is not kept: the
// client may retry with the same key.

// IdempotencyTTL is how long a key's answer is kept.
const IdempotencyTTL = 24 * time.Hour

// staleReservation is how long a key may stay in progress before another
// request may take it over (the first one died).
const staleReservation = 2 * time.Minute

const (
	evIdemReserved = "apply.idempotency.reserved"
	evIdemAnswered = "apply.idempotency.answered"
	evIdemReleased = "apply.idempotency.released"
)

// Answer is an HTTP answer kept for an idempotency key.
type Answer struct {
	Status int
	Body   []byte
}

// errOwnedElsewhere rolls back a reservation that found the key taken.
var errOwnedElsewhere = errors.New("idempotency key taken")

// CheckIdempotencyKey checks a key's form: 1 to 255 visible ASCII characters.
func CheckIdempotencyKey(key string) error {
	if key == "" || len(key) > 255 {
		return errs.E("apply.Idempotent", errs.Invalid, "the Idempotency-Key header must hold 1 to 255 characters",
			"سرآیند Idempotency-Key باید ۱ تا ۲۵۵ نویسه داشته باشد")
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return errs.E("apply.Idempotent", errs.Invalid, "the Idempotency-Key header must be visible ASCII characters",
				"سرآیند Idempotency-Key باید تنها از نویسه‌های دیدنی ASCII باشد")
		}
	}
	return nil
}

// Idempotent runs do at most once for API client p and key, for the request
// whose bytes are request (method, path and body). It returns do's answer,
// or the answer kept from the first run with replayed true. A key used
// with another request, or still running, is errs.Conflict.
func (b *Backoffice) Idempotent(ctx context.Context, p identity.Principal, key string, request []byte, do func() Answer) (Answer, bool, error) {
	const op = "apply.Idempotent"
	if err := apiClient(op, p); err != nil {
		return Answer{}, false, err
	}
	if err := CheckIdempotencyKey(key); err != nil {
		return Answer{}, false, err
	}
	sum := sha256.Sum256(request)
	digest := hex.EncodeToString(sum[:])
	keySum := sha256.Sum256([]byte(key))
	keyRef := hex.EncodeToString(keySum[:8]) // for events: the key itself may be meaningful to the client
	var kept Answer
	var found bool
	err := b.s.InTx(ctx, func(tx *store.Tx) error {
		now := b.s.Now()
		if _, err := tx.ExecContext(ctx, `DELETE FROM apply_idempotency WHERE client_id = $1 AND key = $2 AND
			(expires_at < $3 OR (state = 'running' AND created_at < $4))`, p.ID, key, now, now.Add(-staleReservation)); err != nil {
			return errs.Wrap(op, err)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO apply_idempotency (client_id, key, digest, state, created_at, expires_at)
			VALUES ($1, $2, $3, 'running', $4, $5) ON CONFLICT (client_id, key) DO NOTHING`, p.ID, key, digest, now, now.Add(IdempotencyTTL))
		if err != nil {
			return errs.Wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var state, was string
			var status int
			var body string
			err := tx.QueryRowContext(ctx, `SELECT digest, state, status, body FROM apply_idempotency WHERE client_id = $1 AND key = $2`, p.ID, key).
				Scan(&was, &state, &status, &body)
			if errors.Is(err, sql.ErrNoRows) {
				return errs.E(op, errs.Conflict, "a request with this Idempotency-Key is in progress; retry", "درخواستی با همین Idempotency-Key در جریان است؛ دوباره بفرستید")
			}
			if err != nil {
				return errs.Wrap(op, err)
			}
			switch {
			case was != digest:
				return errs.E(op, errs.Conflict, "this Idempotency-Key was used with a different request; use a new key",
					"این Idempotency-Key پیش‌تر با درخواست دیگری به کار رفته است؛ کلید تازه‌ای بفرستید")
			case state != "done":
				return errs.E(op, errs.Conflict, "a request with this Idempotency-Key is in progress; retry shortly",
					"درخواستی با همین Idempotency-Key در جریان است؛ اندکی بعد دوباره بفرستید")
			}
			kept, found = Answer{Status: status, Body: []byte(body)}, true
			return errOwnedElsewhere
		}
		// Expired keys of every client go in passing.
		if _, err := tx.ExecContext(ctx, `DELETE FROM apply_idempotency WHERE expires_at < $1`, now); err != nil {
			return errs.Wrap(op, err)
		}
		err = tx.Append(ctx, store.Event{Kind: evIdemReserved, Actor: p.Actor(), Agency: p.Agency}, map[string]any{"key": keyRef})
		return err
	})
	if found {
		return kept, true, nil
	}
	if err != nil {
		return Answer{}, false, err
	}
	ans := do()
	ctx = context.WithoutCancel(ctx) // keep the answer even if the client hung up
	err = b.s.InTx(ctx, func(tx *store.Tx) error {
		if ans.Status >= 500 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM apply_idempotency WHERE client_id = $1 AND key = $2`, p.ID, key); err != nil {
				return errs.Wrap(op, err)
			}
			err := tx.Append(ctx, store.Event{Kind: evIdemReleased, Actor: p.Actor(), Agency: p.Agency}, map[string]any{"key": keyRef, "status": ans.Status})
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE apply_idempotency SET state = 'done', status = $1, body = $2 WHERE client_id = $3 AND key = $4`,
			ans.Status, string(ans.Body), p.ID, key); err != nil {
			return errs.Wrap(op, err)
		}
		err := tx.Append(ctx, store.Event{Kind: evIdemAnswered, Actor: p.Actor(), Agency: p.Agency}, map[string]any{"key": keyRef, "status": ans.Status})
		return err
	})
	if err != nil {
		b.log.Error("an idempotent answer could not be kept", "err", err.Error())
	}
	return ans, false, nil
}
