package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"embed"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/agencycode"
	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns identity's migration set.
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return store.MigrationSet{Name: "identity", FS: sub}
}

// Identity is the identity capability.
type Identity struct {
	s      *store.Store
	family FamilyRegistry // who a person's children are; nil when not configured
}

// New returns the identity capability over s.
func New(s *store.Store) *Identity { return &Identity{s: s} }

// APIClient is an agency back-office system allowed to call the agency API.
type APIClient struct {
	ID        int64      `json:"id"`
	Agency    string     `json:"agency"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"` // the public part of the key, safe to show and log
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"` // may lie in the future while a rotation overlaps
	// ReplacedBy is the key that replaced this one in a rotation, if any.
	ReplacedBy int64 `json:"replaced_by,omitempty"`
}

// A key reads "pjk_" + 8-character prefix + "_" + 32-character secret, all in
// lower-case base32. The prefix finds the row; the secret is checked against
// its SHA-256 digest in constant time.
var (
	keyPattern  = regexp.MustCompile(`^pjk_([a-z2-7]{8})_([a-z2-7]{32})$`)
	b32         = base32.StdEncoding.WithPadding(base32.NoPadding)
	errBadToken = errs.E("identity.Authenticate", errs.Unauthorized,
		"the API key is missing, malformed, unknown or revoked", "کلید API وجود ندارد، نادرست است یا باطل شده است")
)

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(b32.EncodeToString(b))
}

func digest(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// IssueKey creates an API client for agency and returns it with its key. The
// key is returned only here; Panjare keeps only its digest. A platform admin
// may issue keys for any agency, an agency admin for their own.
func (id *Identity) IssueKey(ctx context.Context, p Principal, agency, name string) (APIClient, string, error) {
	const op = "identity.IssueKey"
	if !p.Has(RolePlatformAdmin) && !(p.Kind == "user" && p.Has(RoleAgencyAdmin) && p.Agency != "" && p.Agency == agency) {
		return APIClient{}, "", errs.E(op, errs.Forbidden, "only a platform admin or the agency's own admin may issue its API keys",
			"تنها مدیر سامانه یا مدیر همان دستگاه می‌تواند کلید API آن را صادر کند")
	}
	name = strings.TrimSpace(name)
	if !agencycode.Valid(agency) {
		return APIClient{}, "", errs.E(op, errs.Invalid, "the agency must be given by its code: "+agencycode.RuleEn,
			"دستگاه باید با کد آن مشخص شود: "+agencycode.RuleFa)
	}
	if name == "" || len(name) > 200 {
		return APIClient{}, "", errs.E(op, errs.Invalid, "the client needs a name of at most 200 bytes", "نام کلاینت لازم است و باید کوتاه باشد")
	}
	prefix, secret := randomToken(5), randomToken(20)
	c := APIClient{Agency: agency, Name: name, Prefix: prefix, CreatedAt: id.s.Now()}
	err := id.s.InTx(ctx, func(tx *store.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO identity_api_clients (agency, name, key_prefix, key_hash, created_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, agency, name, prefix, digest(secret), c.CreatedAt).Scan(&c.ID)
		if err != nil {
			return err
		}
		err = tx.Append(ctx, store.Event{Kind: "identity.apikey.issued", Actor: p.Actor(), Agency: agency},
			map[string]any{"client": c.ID, "prefix": prefix, "name": name})
		return err
	})
	if err != nil {
		return APIClient{}, "", errs.Wrap(op, err)
	}
	return c, "pjk_" + prefix + "_" + secret, nil
}

// RevokeKey revokes the API client with the given id at once; a key being
// rotated, still valid during its overlap, stops working now. A platform
// admin may revoke any key; an agency admin only their agency's: another
// agency's key is NotFound to them, and Forbidden to anyone else.
func (id *Identity) RevokeKey(ctx context.Context, p Principal, clientID int64) error {
	const op = "identity.RevokeKey"
	return id.s.InTx(ctx, func(tx *store.Tx) error {
		c, err := keyForAdmin(ctx, tx, op, p, clientID)
		if err != nil {
			return err
		}
		now := id.s.Now()
		if c.RevokedAt != nil && !now.Before(*c.RevokedAt) {
			return errs.E(op, errs.Conflict, "the key is already revoked", "این کلید پیش‌تر باطل شده است")
		}
		if _, err := tx.ExecContext(ctx, "UPDATE identity_api_clients SET revoked_at = $1 WHERE id = $2", now, clientID); err != nil {
			return errs.Wrap(op, err)
		}
		err = tx.Append(ctx, store.Event{Kind: "identity.apikey.revoked", Actor: p.Actor(), Agency: c.Agency},
			map[string]any{"client": clientID, "prefix": c.Prefix})
		return err
	})
}

// APIClients lists the API clients, every agency's when agency is "".
func (id *Identity) APIClients(ctx context.Context, agency string) ([]APIClient, error) {
	rows, err := id.s.Read().QueryContext(ctx, `SELECT `+clientColumns+`
		FROM identity_api_clients WHERE $1 = '' OR agency = $1 ORDER BY id`, agency)
	if err != nil {
		return nil, errs.Wrap("identity.APIClients", err)
	}
	defer rows.Close()
	var out []APIClient
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, errs.Wrap("identity.APIClients", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// APIClientsPage lists a page of an agency's API clients, newest first: at
// most limit (1 to MaxPage; 0 for DefaultPage) after cursor ("" for the
// first page), and the cursor of the next page, "" on the last. A cursor
// that was not made here is errs.Invalid.
func (id *Identity) APIClientsPage(ctx context.Context, agency, cursor string, limit int) ([]APIClient, string, error) {
	const op = "identity.APIClientsPage"
	limit = pageLimit(limit)
	before := int64(1<<63 - 1)
	if cursor != "" {
		var err error
		if before, err = store.ParseIDCursor(op, cursor); err != nil {
			return nil, "", err
		}
	}
	rows, err := id.s.Read().QueryContext(ctx, `SELECT `+clientColumns+`
		FROM identity_api_clients WHERE agency = $1 AND id < $2 ORDER BY id DESC LIMIT `+strconv.Itoa(limit+1), agency, before)
	if err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []APIClient
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, "", errs.Wrap(op, err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, "", errs.Wrap(op, err)
	}
	if len(out) <= limit {
		return out, "", nil
	}
	return out[:limit], store.IDCursor(out[limit-1].ID), nil
}

// Authenticate returns the principal of an API key, or an Unauthorized error
// that does not say which part was wrong.
func (id *Identity) Authenticate(ctx context.Context, key string) (Principal, error) {
	m := keyPattern.FindStringSubmatch(key)
	if m == nil {
		return Principal{}, errBadToken
	}
	var c APIClient
	var hash string
	var revoked sql.NullTime
	err := id.s.Read().QueryRowContext(ctx, `SELECT id, agency, name, key_hash, revoked_at
		FROM identity_api_clients WHERE key_prefix = $1`, m[1]).Scan(&c.ID, &c.Agency, &c.Name, &hash, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return Principal{}, errBadToken
	}
	if err != nil {
		return Principal{}, errs.Wrap("identity.Authenticate", err)
	}
	// A key being rotated has its revocation in the future: it works until then.
	if subtle.ConstantTimeCompare([]byte(digest(m[2])), []byte(hash)) != 1 || (revoked.Valid && !id.s.Now().Before(revoked.Time)) {
		return Principal{}, errBadToken
	}
	return Principal{Kind: "apikey", ID: c.ID, Name: c.Name, Agency: c.Agency}, nil
}
