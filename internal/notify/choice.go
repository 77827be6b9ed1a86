package notify

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// A person chooses the channels of their notices besides the inbox, which
// always gets them, and gives an email address, which is used only after
// they open the link sent to it. Someone who never chose gets what the
// caller asks for (apply: an SMS to the number their application gave).

// ConfirmTTL is how long a link confirming an email address is valid.
const ConfirmTTL = 24 * time.Hour

// resendAfter is how soon after one confirmation link another may be
// sent for the same person: saving the page again while a link is on its
// way keeps that link, and no account can make Panjare mail strangers
// more often than this.
const resendAfter = 2 * time.Minute

// ConfirmPath is the portal's page a confirmation link opens, with the
// token as ?token=.
const ConfirmPath = "/me/notifications/confirm"

// Choice is a person's choice of channels and their email address.
type Choice struct {
	Chosen           bool       `json:"chosen"`                       // false: never chosen, notices go by SMS to an application's number
	SMS              bool       `json:"sms"`                          // by SMS, to the mobile number of the application a notice is about
	Email            bool       `json:"email"`                        // by email, to Address once confirmed
	Address          string     `json:"address,omitempty"`            // the confirmed address (personal data: never logged)
	Pending          string     `json:"pending_address,omitempty"`    // an address waiting for its link to be opened
	PendingExpiresAt *time.Time `json:"pending_expires_at,omitempty"` // when that link stops working
}

// ChoiceRequest is what a person sends to change their choice. Address
// replaces the address: the confirmed one keeps it, another is sent a
// confirmation link (and replaces it once confirmed), "" removes it.
type ChoiceRequest struct {
	SMS     bool   `json:"sms"`
	Email   bool   `json:"email"`
	Address string `json:"address"`
}

// Choice returns the choice of the person p (their own, not of whom they
// act for). Someone who never chose has SMS only and Chosen false.
func (n *Notifier) Choice(ctx context.Context, p identity.Principal) (Choice, error) {
	const op = "notify.Choice"
	person, err := personOf(op, p)
	if err != nil {
		return Choice{}, err
	}
	var c Choice
	var confirmed, expires sql.NullTime
	err = n.s.Read().QueryRowContext(ctx, `SELECT sms, email, address, confirmed_at, pending_address, pending_expires_at
		FROM notify_choices WHERE person = $1`, person).Scan(&c.SMS, &c.Email, &c.Address, &confirmed, &c.Pending, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return Choice{SMS: true}, nil
	}
	if err != nil {
		return Choice{}, fmt.Errorf("%s: %w", op, err)
	}
	c.Chosen = true
	if !confirmed.Valid {
		c.Address = ""
	}
	if c.Pending != "" && expires.Valid {
		t := expires.Time.UTC()
		c.PendingExpiresAt = &t
	}
	return c, nil
}

// Choose records p's choice and appends notify.choice.changed. A new
// address is sent a link (ConfirmPath) valid for ConfirmTTL, through the
// notice email.confirm, and is used only once ConfirmEmail has seen it.
// Saving again while that link is new keeps it; another address within
// resendAfter of it is errs.RateLimited.
// Errors: errs.Invalid for an address that does not parse, errs.Forbidden
// for someone without a national code, errs.Unavailable when email is
// chosen or an address given and the notifier sends no email.
func (n *Notifier) Choose(ctx context.Context, p identity.Principal, req ChoiceRequest) (Choice, error) {
	const op = "notify.Choose"
	person, err := personOf(op, p)
	if err != nil {
		return Choice{}, err
	}
	addr := strings.TrimSpace(req.Address)
	if addr != "" {
		if addr, err = ParseEmail(addr); err != nil {
			return Choice{}, err
		}
	}
	if (req.Email || addr != "") && n.email == nil {
		return Choice{}, errs.E(op, errs.Unavailable, "email is not available on this server", "رایانامه در این سامانه فعال نیست")
	}
	// The token is drawn outside the transaction, which may run twice.
	token := newToken()
	err = n.s.InTx(ctx, func(tx *store.Tx) error {
		var old struct {
			address, pending, hash string
			confirmed, expires     sql.NullTime
		}
		err := tx.QueryRowContext(ctx, `SELECT address, confirmed_at, pending_address, pending_token, pending_expires_at
			FROM notify_choices WHERE person = $1`, person).
			Scan(&old.address, &old.confirmed, &old.pending, &old.hash, &old.expires)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		now := tx.Store().Now()
		justSent := old.pending != "" && old.expires.Valid && now.Before(old.expires.Time.Add(resendAfter-ConfirmTTL))
		// address, confirmed, pending and the token's hash and expiry are
		// the row's new values.
		address, confirmed := old.address, old.confirmed
		pending, hash, expires := "", "", sql.NullTime{}
		payload := map[string]any{"sms": req.SMS, "email": req.Email}
		switch {
		case addr == "":
			address, confirmed = "", sql.NullTime{}
			payload["address"] = "none"
		case addr == old.address && old.confirmed.Valid:
			payload["address"] = "confirmed"
		case addr == old.pending && justSent:
			pending, hash, expires = old.pending, old.hash, old.expires
			payload["address"] = "pending"
		case justSent:
			return errs.E(op, errs.RateLimited, "A confirmation link was sent a moment ago. Wait two minutes before giving another address.",
				"پیوند تأییدی همین حالا فرستاده شد. پیش از دادن نشانی دیگر، دو دقیقه صبر کنید.")
		default:
			pending, hash, expires = addr, hashToken(token), sql.NullTime{Time: now.Add(ConfirmTTL), Valid: true}
			payload["address"], payload["pending_hash"] = "pending", AddressHash(addr)
			err := n.SendTx(ctx, tx, Notice{To: person, Template: "email.confirm", Email: true, Address: addr,
				Data: map[string]string{"confirm": ConfirmPath + "?token=" + token, "link": "/me#notifications"}})
			if err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO notify_choices (person, sms, email, address, confirmed_at, pending_address, pending_token, pending_expires_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
			ON CONFLICT (person) DO UPDATE SET sms = excluded.sms, email = excluded.email, address = excluded.address,
				confirmed_at = excluded.confirmed_at, pending_address = excluded.pending_address, pending_token = excluded.pending_token,
				pending_expires_at = excluded.pending_expires_at, updated_at = excluded.updated_at`,
			person, req.SMS, req.Email, address, confirmed, pending, hash, expires, now)
		if err != nil {
			return err
		}
		return tx.Append(ctx, store.Event{Kind: "notify.choice.changed", Actor: p.Actor(), Subject: person}, payload)
	})
	if err != nil {
		if _, ok := errs.As(err); ok {
			return Choice{}, err
		}
		return Choice{}, fmt.Errorf("%s: %w", op, err)
	}
	return n.Choice(ctx, p)
}

// Errors of a confirmation link, shown to whoever opens it.
var (
	errBadToken = errs.E("notify.ConfirmEmail", errs.Invalid,
		"This confirmation link is not valid, or it was already used. Enter the address again on your account page to get a new one.",
		"این پیوند تأیید درست نیست یا پیش‌تر به کار رفته است. نشانی را دوباره در صفحهٔ حساب خود وارد کنید تا پیوند تازه‌ای بگیرید.")
	errExpiredToken = errs.E("notify.ConfirmEmail", errs.Invalid,
		"This confirmation link has expired. Enter the address again on your account page to get a new one.",
		"مهلت این پیوند تأیید گذشته است. نشانی را دوباره در صفحهٔ حساب خود وارد کنید تا پیوند تازه‌ای بگیرید.")
)

// PendingAddress returns, masked (MaskAddress), the address a confirmation
// link would confirm, so that the page it opens can ask before confirming.
// A link that is forged, used or expired is errs.Invalid.
func (n *Notifier) PendingAddress(ctx context.Context, token string) (string, error) {
	_, pending, err := n.pendingByToken(ctx, n.s.Read().QueryRowContext, token)
	if err != nil {
		return "", err
	}
	return MaskAddress(pending), nil
}

// ConfirmEmail confirms the address that token was sent to: it becomes the
// person's address, the link stops working, and notify.email.confirmed is
// appended. A link that is forged, used or expired is errs.Invalid and
// changes nothing.
func (n *Notifier) ConfirmEmail(ctx context.Context, token string) error {
	const op = "notify.ConfirmEmail"
	err := n.s.InTx(ctx, func(tx *store.Tx) error {
		person, pending, err := n.pendingByToken(ctx, tx.QueryRowContext, token)
		if err != nil {
			return err
		}
		now := tx.Store().Now()
		_, err = tx.ExecContext(ctx, `UPDATE notify_choices SET address = pending_address, confirmed_at = $1,
			pending_address = '', pending_token = '', pending_expires_at = NULL, updated_at = $1 WHERE person = $2`, now, person)
		if err != nil {
			return err
		}
		return tx.Append(ctx, store.Event{Kind: "notify.email.confirmed", Actor: "system", Subject: person},
			map[string]any{"address_hash": AddressHash(pending)})
	})
	if err != nil {
		if _, ok := errs.As(err); ok {
			return err
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// pendingByToken returns the person and the pending address of token's
// link, read through query, or errBadToken or errExpiredToken.
func (n *Notifier) pendingByToken(ctx context.Context, query func(context.Context, string, ...any) *sql.Row, token string) (person, pending string, err error) {
	if len(token) != tokenLen || strings.Trim(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != "" {
		return "", "", errBadToken
	}
	// Only the token's hash is stored, and the row is found by it: a
	// timing difference would tell nothing about a token.
	var expires sql.NullTime
	err = query(ctx, `SELECT person, pending_address, pending_expires_at FROM notify_choices WHERE pending_token = $1`, hashToken(token)).
		Scan(&person, &pending, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", errBadToken
	}
	if err != nil {
		return "", "", fmt.Errorf("notify.ConfirmEmail: %w", err)
	}
	if !expires.Valid || !n.s.Now().Before(expires.Time) {
		return "", "", errExpiredToken
	}
	return person, pending, nil
}

// applyChoice makes notice follow its recipient's choice, read in tx,
// when they have made one (see Notice.AsChosen).
func (n *Notifier) applyChoice(ctx context.Context, tx *store.Tx, to string, notice *Notice) error {
	var sms, email bool
	var address string
	var confirmed sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT sms, email, address, confirmed_at FROM notify_choices WHERE person = $1`, to).
		Scan(&sms, &email, &address, &confirmed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify.SendTx: choice: %w", err)
	}
	notice.SMS = sms && notice.Phone != "" && n.sms != nil
	notice.Email = email && address != "" && confirmed.Valid && n.email != nil
	notice.Address = ""
	if notice.Email {
		notice.Address = address
	}
	return nil
}

// personOf returns the national code of p, who must have one: the choice
// is a person's own, whoever they act for.
func personOf(op string, p identity.Principal) (string, error) {
	code := persian.NormalizeNationalCode(p.NationalCode)
	if !persian.ValidNationalCode(code) {
		return "", errs.E(op, errs.Forbidden, "only a citizen signed in with a national code chooses how notices reach them",
			"تنها شهروندی که با کد ملی وارد شده است می‌تواند روش دریافت پیام‌ها را برگزیند")
	}
	return code, nil
}

// tokenLen is the length of a confirmation token: 32 random bytes, base64url.
const tokenLen = 43

// newToken returns a fresh confirmation token.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is what is stored of a token: a database that leaks does not
// leak links that still work.
func hashToken(token string) string {
	h := sha256.Sum256([]byte("panjare notify email confirmation\x00" + token))
	return hex.EncodeToString(h[:])
}

// AddressHash is what events keep of an address: enough to tell two
// changes to the same address apart from changes to different ones.
func AddressHash(addr string) string {
	h := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(addr))))
	return hex.EncodeToString(h[:8])
}

// MaskAddress shows an address as its owner can recognise it without
// showing it whole: "a***@example.ir".
func MaskAddress(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok || local == "" {
		return "***"
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}
