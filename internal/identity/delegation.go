package identity

import (
	"context"
	"database/sql"
	"errors"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// Acting for another. A person chooses, for one session, to act for a minor
// child or a company under one of their relations (relations.go); the
// session keeps the choice, and every request's Principal carries it
// (ActingFor, ActingKind, ActingName), so that capabilities file what is
// done under Principal.Subject() while events name the person as the actor.
// The relation is checked again on every request (SessionPrincipal): when it
// is revoked, has expired, or the child has turned eighteen, the session
// stops acting at once and an identity.acting.ended event says why.

// StartActing makes the session act for the other party of the relation,
// or for the person themselves when relationID is 0, and returns the
// principal the session's next requests will carry. The session must be the
// person's own and open; the relation must be theirs and usable now.
func (id *Identity) StartActing(ctx context.Context, p Principal, sessionID, relationID int64) (Principal, error) {
	const op = "identity.StartActing"
	if p.Kind != "user" {
		return Principal{}, errs.E(op, errs.Forbidden, "only a signed-in person can act for another", "تنها شخصی که وارد شده است می‌تواند از طرف دیگری اقدام کند")
	}
	now := id.s.Now()
	next := p
	next.ActingFor, next.ActingKind, next.ActingName = "", "", ""
	err := id.s.InTx(ctx, func(tx *store.Tx) error {
		var person int64
		var current sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT person_id, acting_relation FROM identity_sessions WHERE id = $1 AND revoked_at IS NULL`, sessionID).
			Scan(&person, &current)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && person != p.ID) {
			return errNoSession
		}
		if err != nil {
			return err
		}
		if (current.Valid && current.Int64 == relationID) || (!current.Valid && relationID == 0) {
			return store.ErrNothingToDo
		}
		if current.Valid {
			// Say whom the person stops acting for.
			old, err := relationTx(ctx, tx, current.Int64)
			if err != nil {
				return err
			}
			if err := appendActingEnded(ctx, tx, p.Actor(), sessionID, old, "changed"); err != nil {
				return err
			}
		}
		if relationID == 0 {
			_, err := tx.ExecContext(ctx, `UPDATE identity_sessions SET acting_relation = NULL WHERE id = $1`, sessionID)
			return err
		}
		r, err := relationTx(ctx, tx, relationID)
		if errs.Is(err, errs.NotFound) || (err == nil && r.PersonID != p.ID) {
			return errs.NotFoundf(op, "relation", "رابطه")
		}
		if err != nil {
			return err
		}
		if why := r.unusable(now); why != "" {
			return errs.E(op, errs.Forbidden, relationEndedEn[why], relationEndedFa[why])
		}
		if _, err := tx.ExecContext(ctx, `UPDATE identity_sessions SET acting_relation = $1 WHERE id = $2`, r.ID, sessionID); err != nil {
			return err
		}
		next.ActingFor, next.ActingKind, next.ActingName = r.Other, r.Kind, r.OtherName
		err = tx.Append(ctx, store.Event{Kind: "identity.acting.started", Actor: p.Actor(), Subject: r.Other},
			map[string]any{"session": sessionID, "relation": r.ID, "kind": r.Kind, "acting_for": r.Other, "person": p.ID})
		return err
	})
	if errors.Is(err, store.ErrNothingToDo) {
		if relationID == 0 {
			return next, nil
		}
		return p, nil
	}
	if err != nil {
		return Principal{}, errs.Wrap(op, err)
	}
	return next, nil
}

// Why acting under a relation is refused or stopped, in both languages.
var (
	relationEndedEn = map[string]string{
		endRevoked: "this relation has been revoked",
		endExpired: "this relation has expired",
		endAdult:   "the child has turned eighteen; their guardian can no longer act for them",
	}
	relationEndedFa = map[string]string{
		endRevoked: "این رابطه لغو شده است",
		endExpired: "اعتبار این رابطه به پایان رسیده است",
		endAdult:   "فرزند به سن ۱۸ سالگی رسیده است و ولی دیگر نمی‌تواند از طرف او اقدام کند",
	}
)

func appendActingEnded(ctx context.Context, tx *store.Tx, actor string, session int64, r Relation, reason string) error {
	err := tx.Append(ctx, store.Event{Kind: "identity.acting.ended", Actor: actor, Subject: r.Other},
		map[string]any{"session": session, "relation": r.ID, "kind": r.Kind, "acting_for": r.Other, "reason": reason, "person": r.PersonID})
	return err
}

// actingPrincipal returns pr acting under the relation the session names,
// or, when that relation may no longer be used, pr acting for themselves,
// after clearing the session's choice with an event.
func (id *Identity) actingPrincipal(ctx context.Context, pr Principal, s *Session, relationID int64) (Principal, error) {
	r, err := scanRelation(id.s.Read().QueryRowContext(ctx, `SELECT `+relationColumns+` FROM identity_relations WHERE id = $1`, relationID))
	if err != nil {
		return pr, err
	}
	why := r.unusable(id.s.Now())
	if r.PersonID != pr.ID {
		why = endRevoked
	}
	if why == "" {
		s.ActingRelation = relationID
		pr.ActingFor, pr.ActingKind, pr.ActingName = r.Other, r.Kind, r.OtherName
		return pr, nil
	}
	return pr, id.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE identity_sessions SET acting_relation = NULL WHERE id = $1 AND acting_relation = $2`, s.ID, relationID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another request stopped it first
		}
		return appendActingEnded(ctx, tx, pr.Actor(), s.ID, r, why)
	})
}

// Annotate adds "acting_for" to an event payload when the principal acts
// for another, so that events name both the person (the actor) and the
// party represented. Capabilities call it on the payloads they append.
func (p Principal) Annotate(payload map[string]any) map[string]any {
	if p.ActingFor == "" {
		return payload
	}
	if payload == nil {
		payload = map[string]any{}
	}
	payload["acting_for"] = p.ActingFor
	payload["acting_kind"] = p.ActingKind
	return payload
}
