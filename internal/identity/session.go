package identity

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// Session lifetimes. A session ends when unused for SessionIdle, and in any
// case SessionAbsolute after sign-in. Activity is written down at most once
// per sessionTouch, so a busy person costs one write every few minutes, not
// one per page.
const (
	SessionIdle     = 60 * time.Minute
	SessionAbsolute = 12 * time.Hour
	sessionTouch    = 5 * time.Minute
	sessionKeep     = 30 * 24 * time.Hour // how long an ended session's row is kept
)

// Session is one signed-in browser of a person.
type Session struct {
	ID         int64
	PersonID   int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute end; the idle end is LastSeenAt + SessionIdle
	UserAgent  string    // a summary such as "Firefox, Linux", never the whole header
	// ActingRelation is the relation the session acts under (delegation.go),
	// 0 when the person acts for themselves.
	ActingRelation int64
}

var errNoSession = errs.E("identity.Session", errs.Unauthorized,
	"the session is missing, unknown, expired or ended; please sign in again",
	"نشست وجود ندارد، منقضی شده یا پایان یافته است؛ لطفاً دوباره وارد شوید")

// newSessionToken returns 128 random bits, base64url without padding.
func newSessionToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// StartSession opens a session for the person and returns its token. The
// token is returned only here; Panjare keeps only its SHA-256 digest.
func (id *Identity) StartSession(ctx context.Context, p Person, userAgent string) (string, Session, error) {
	token := newSessionToken()
	now := id.s.Now()
	s := Session{PersonID: p.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(SessionAbsolute), UserAgent: summariseUA(userAgent)}
	err := id.s.InTx(ctx, func(tx *store.Tx) error {
		// Forget the person's sessions that ended long ago, so that the
		// table holds what "my sessions" may still need, not every sign-in.
		old := now.Add(-sessionKeep)
		if _, err := tx.ExecContext(ctx, `DELETE FROM identity_sessions WHERE person_id = $1
			AND (revoked_at < $2 OR expires_at < $2 OR last_seen_at < $3)`, p.ID, old, old.Add(-SessionIdle)); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO identity_sessions (token_hash, person_id, created_at, last_seen_at, expires_at, user_agent)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, digest(token), p.ID, now, now, s.ExpiresAt, s.UserAgent).Scan(&s.ID); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "identity.session.started", Actor: userActor(p.ID), Subject: p.NationalCode},
			map[string]any{"session": s.ID})
		return err
	})
	if err != nil {
		return "", Session{}, errs.Wrap("identity.StartSession", err)
	}
	return token, s, nil
}

func userActor(person int64) string { return Principal{Kind: "user", ID: person}.Actor() }

// SessionPrincipal returns the principal and session of a session token, or
// an Unauthorized error that does not say why. It records activity, at most
// once per few minutes.
func (id *Identity) SessionPrincipal(ctx context.Context, token string) (Principal, Session, error) {
	const op = "identity.SessionPrincipal"
	if len(token) != 22 {
		return Principal{}, Session{}, errNoSession
	}
	var s Session
	var revoked sql.NullTime
	var acting sql.NullInt64
	err := id.s.Read().QueryRowContext(ctx, `SELECT id, person_id, created_at, last_seen_at, expires_at, revoked_at, user_agent, acting_relation
		FROM identity_sessions WHERE token_hash = $1`, digest(token)).
		Scan(&s.ID, &s.PersonID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &revoked, &s.UserAgent, &acting)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, Session{}, errNoSession
	}
	if err != nil {
		return Principal{}, Session{}, errs.Wrap(op, err)
	}
	now := id.s.Now()
	if revoked.Valid || !now.Before(s.ExpiresAt) || !now.Before(s.LastSeenAt.Add(SessionIdle)) {
		return Principal{}, Session{}, errNoSession
	}
	p, err := id.Person(ctx, s.PersonID)
	if err != nil {
		return Principal{}, Session{}, errs.Wrap(op, err)
	}
	if now.Sub(s.LastSeenAt) >= sessionTouch {
		err := id.s.InTx(ctx, func(tx *store.Tx) error {
			res, err := tx.ExecContext(ctx, `UPDATE identity_sessions SET last_seen_at = $1 WHERE id = $2 AND revoked_at IS NULL`, now, s.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errNoSession // ended meanwhile
			}
			err = tx.Append(ctx, store.Event{Kind: "identity.session.renewed", Actor: userActor(p.ID), Subject: p.NationalCode},
				map[string]any{"session": s.ID})
			return err
		})
		if err != nil {
			return Principal{}, Session{}, errs.Wrap(op, err)
		}
		s.LastSeenAt = now
	}
	pr, err := id.PrincipalOf(ctx, p)
	if err != nil {
		return Principal{}, Session{}, err
	}
	if acting.Valid {
		// Checked on every request: a relation revoked, expired or outgrown
		// meanwhile stops the acting here.
		if pr, err = id.actingPrincipal(ctx, pr, &s, acting.Int64); err != nil {
			return Principal{}, Session{}, errs.Wrap(op, err)
		}
	}
	return pr, s, nil
}

// EndSession ends the session of token (signing out). Ending an unknown or
// already ended session is not an error: the browser is signed out either way.
func (id *Identity) EndSession(ctx context.Context, token string) error {
	if len(token) != 22 {
		return nil
	}
	var sid, person int64
	var code string
	err := id.s.Read().QueryRowContext(ctx, `SELECT s.id, s.person_id, p.national_code FROM identity_sessions s
		JOIN identity_people p ON p.id = s.person_id WHERE s.token_hash = $1 AND s.revoked_at IS NULL`, digest(token)).Scan(&sid, &person, &code)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return errs.Wrap("identity.EndSession", err)
	}
	return errs.Wrap("identity.EndSession", id.s.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE identity_sessions SET revoked_at = $1 WHERE id = $2`, id.s.Now(), sid); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "identity.session.ended", Actor: userActor(person), Subject: code},
			map[string]any{"session": sid, "reason": "signout"})
		return err
	}))
}

// RevokeSessions ends every session of the person ("sign out everywhere")
// and reports how many there were. A person may revoke their own sessions;
// a platform admin anyone's.
func (id *Identity) RevokeSessions(ctx context.Context, by Principal, person int64) (int, error) {
	const op = "identity.RevokeSessions"
	if !(by.Kind == "user" && by.ID == person) && !by.Has(RolePlatformAdmin) {
		return 0, errs.E(op, errs.Forbidden, "you may not end this person's sessions", "اجازهٔ پایان دادن به نشست‌های این شخص را ندارید")
	}
	p, err := id.Person(ctx, person)
	if err != nil {
		return 0, err
	}
	var n int64
	err = id.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE identity_sessions SET revoked_at = $1 WHERE person_id = $2 AND revoked_at IS NULL`, id.s.Now(), person)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		err = tx.Append(ctx, store.Event{Kind: "identity.session.ended", Actor: by.Actor(), Subject: p.NationalCode},
			map[string]any{"person": person, "reason": "revoke_all", "count": n})
		return err
	})
	if err != nil {
		return 0, errs.Wrap(op, err)
	}
	return int(n), nil
}

// Sessions lists a page of the person's sessions that are still open,
// newest first: at most limit (1 to MaxPage; 0 for DefaultPage) after
// cursor ("" for the first page), and the cursor of the next page, "" on
// the last. A cursor that was not made here is errs.Invalid.
func (id *Identity) Sessions(ctx context.Context, person int64, cursor string, limit int) ([]Session, string, error) {
	const op = "identity.Sessions"
	limit = pageLimit(limit)
	now := id.s.Now()
	where, args := `WHERE person_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3`, []any{person, now, now.Add(-SessionIdle)}
	if cursor != "" {
		before, err := store.ParseIDCursor(op, cursor)
		if err != nil {
			return nil, "", err
		}
		where += ` AND id < $4`
		args = append(args, before)
	}
	rows, err := id.s.Read().QueryContext(ctx, `SELECT id, person_id, created_at, last_seen_at, expires_at, user_agent
		FROM identity_sessions `+where+` ORDER BY id DESC LIMIT `+strconv.Itoa(limit+1), args...)
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []Session
	for rows.Next() {
		var s Session
		if err := rows.Scan(&s.ID, &s.PersonID, &s.CreatedAt, &s.LastSeenAt, &s.ExpiresAt, &s.UserAgent); err != nil {
			return nil, "", errs.Wrap(op, err)
		}
		s.CreatedAt, s.LastSeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.LastSeenAt.UTC(), s.ExpiresAt.UTC()
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	if len(out) <= limit {
		return out, "", nil
	}
	return out[:limit], store.IDCursor(out[limit-1].ID), nil
}

// summariseUA reduces a User-Agent header to a browser and a platform, so
// that people can tell their sessions apart without Panjare keeping the
// whole fingerprint.
func summariseUA(ua string) string {
	browser := "other browser"
	for _, b := range []struct{ needle, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chromium/", "Chromium"},
		{"HeadlessChrome/", "Chrome (headless)"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"Go-http-client", "Go client"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.needle) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ needle, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.needle) {
			return browser + ", " + o.name
		}
	}
	return browser
}
