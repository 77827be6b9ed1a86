package idp

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/panjare/panjare/internal/store"
)

// Lifetimes of the provider's state.
const (
	authRequestTTL = 10 * time.Minute // from /authorize to the code being redeemed
	codeTTL        = time.Minute
	accessTokenTTL = 5 * time.Minute
	idTokenTTL     = 5 * time.Minute
)

// errNotFound is what the storage answers for an unknown or expired
// request, code or token; op turns it into an OAuth error response.
var errNotFound = errors.New("idp: not found or expired")

// storage is op.Storage over Panjare's database (tables identity_idp_*).
// Every change goes through store.InTx with an event, like any other.
type storage struct {
	s       *store.Store
	clients map[string]*client
	subKey  []byte // makes the pseudonymous subject from the national code

	keyOnce sync.Mutex
	key     *signingKey
}

var (
	_ op.Storage                   = (*storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*storage)(nil)
)

func digest(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// authRequest is one row of identity_idp_auth_requests.
type authRequest struct {
	ID                  string
	ClientID            string
	RedirectURI         string
	State               string
	Nonce               string
	Scopes              []string
	ResponseType        oidc.ResponseType
	ResponseMode        oidc.ResponseMode
	CodeChallenge       string
	CodeChallengeMethod string
	CreatedAt           time.Time
	ExpiresAt           time.Time
	NationalCode        string // personal data: never logged
	Subject             string
	OTPHash             string
	OTPExpiresAt        time.Time
	OTPAttempts         int
	IsDone              bool
	AuthTime            time.Time
	UILocale            string // "en" or "fa": the language the client asked for
}

func (a *authRequest) GetID() string         { return a.ID }
func (a *authRequest) GetACR() string        { return "" }
func (a *authRequest) GetAudience() []string { return []string{a.ClientID} }
func (a *authRequest) GetAuthTime() time.Time {
	return a.AuthTime
}
func (a *authRequest) GetClientID() string { return a.ClientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.CodeChallenge, Method: oidc.CodeChallengeMethod(a.CodeChallengeMethod)}
}
func (a *authRequest) GetNonce() string                   { return a.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.ResponseMode }
func (a *authRequest) GetScopes() []string                { return a.Scopes }
func (a *authRequest) GetState() string                   { return a.State }
func (a *authRequest) GetSubject() string                 { return a.Subject }
func (a *authRequest) Done() bool                         { return a.IsDone }
func (a *authRequest) GetAMR() []string {
	if a.IsDone {
		return []string{"otp"}
	}
	return nil
}

const authRequestCols = `id, client_id, redirect_uri, state, nonce, scopes, response_type, response_mode,
	code_challenge, code_challenge_method, created_at, expires_at, national_code, otp_hash, otp_expires_at,
	otp_attempts, done, auth_time, ui_locale`

func (st *storage) scanAuthRequest(row *sql.Row) (*authRequest, error) {
	var a authRequest
	var scopes, rt, rm string
	var otpExp, authTime sql.NullTime
	err := row.Scan(&a.ID, &a.ClientID, &a.RedirectURI, &a.State, &a.Nonce, &scopes, &rt, &rm,
		&a.CodeChallenge, &a.CodeChallengeMethod, &a.CreatedAt, &a.ExpiresAt, &a.NationalCode, &a.OTPHash, &otpExp,
		&a.OTPAttempts, &a.IsDone, &authTime, &a.UILocale)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	a.Scopes = strings.Fields(scopes)
	a.ResponseType, a.ResponseMode = oidc.ResponseType(rt), oidc.ResponseMode(rm)
	a.CreatedAt, a.ExpiresAt = a.CreatedAt.UTC(), a.ExpiresAt.UTC()
	if otpExp.Valid {
		a.OTPExpiresAt = otpExp.Time.UTC()
	}
	if authTime.Valid {
		a.AuthTime = authTime.Time.UTC()
	}
	if a.NationalCode != "" {
		a.Subject = st.subject(a.NationalCode)
	}
	if !st.s.Now().Before(a.ExpiresAt) {
		return nil, errNotFound
	}
	return &a, nil
}

// subject returns the pseudonymous subject of a national code: stable for
// one provider, and not the code itself, which travels only in its own
// claim.
func (st *storage) subject(nationalCode string) string {
	return digest(string(st.subKey) + "\x00" + nationalCode)[:32]
}

// CreateAuthRequest stores a validated authorization request. Only the code
// flow with PKCE (S256) is accepted, and prompt=none cannot be honoured
// because the person must always type the one-time code.
func (st *storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	if len(req.Prompt) == 1 && req.Prompt[0] == oidc.PromptNone {
		return nil, oidc.ErrLoginRequired()
	}
	if req.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrInvalidRequest().WithDescription("only the authorization code flow is supported")
	}
	if req.CodeChallenge == "" || req.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE with S256 is required")
	}
	now := st.s.Now()
	a := &authRequest{
		ID: randomID(), ClientID: req.ClientID, RedirectURI: req.RedirectURI, State: req.State, Nonce: req.Nonce,
		Scopes: req.Scopes, ResponseType: req.ResponseType, ResponseMode: req.ResponseMode,
		CodeChallenge: req.CodeChallenge, CodeChallengeMethod: string(req.CodeChallengeMethod),
		CreatedAt: now, ExpiresAt: now.Add(authRequestTTL), UILocale: "fa",
	}
	for _, l := range req.UILocales {
		if base, _ := l.Base(); base.String() == "en" {
			a.UILocale = "en"
			break
		}
		if base, _ := l.Base(); base.String() == "fa" {
			break
		}
	}
	err := st.s.InTx(ctx, func(tx *store.Tx) error {
		// Sweep what has expired, so abandoned sign-ins do not pile up.
		if _, err := tx.ExecContext(ctx, `DELETE FROM identity_idp_auth_requests WHERE expires_at < $1`, now.Add(-time.Hour)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM identity_idp_tokens WHERE expires_at < $1`, now.Add(-time.Hour)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_idp_auth_requests (id, client_id, redirect_uri, state, nonce, scopes,
			response_type, response_mode, code_challenge, code_challenge_method, created_at, expires_at, ui_locale)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			a.ID, a.ClientID, a.RedirectURI, a.State, a.Nonce, strings.Join(a.Scopes, " "), string(a.ResponseType), string(a.ResponseMode),
			a.CodeChallenge, a.CodeChallengeMethod, a.CreatedAt, a.ExpiresAt, a.UILocale); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "identity.idp.login.started", Actor: "system"}, map[string]any{"client": a.ClientID})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("idp.CreateAuthRequest: %w", err)
	}
	return a, nil
}

// AuthRequestByID returns a request that has not expired.
func (st *storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return st.authRequest(ctx, id)
}

func (st *storage) authRequest(ctx context.Context, id string) (*authRequest, error) {
	return st.scanAuthRequest(st.s.DB().QueryRowContext(ctx, `SELECT `+authRequestCols+` FROM identity_idp_auth_requests WHERE id = $1`, id))
}

// AuthRequestByCode returns the request of an unexpired code.
func (st *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	var id string
	err := st.s.DB().QueryRowContext(ctx, `SELECT auth_request_id FROM identity_idp_codes WHERE code_hash = $1 AND expires_at > $2`,
		digest(code), st.s.Now()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, err
	}
	return st.authRequest(ctx, id)
}

// SaveAuthCode keeps the digest of the code issued for a completed request.
func (st *storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return st.s.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_idp_codes (code_hash, auth_request_id, expires_at) VALUES ($1, $2, $3)`,
			digest(code), id, st.s.Now().Add(codeTTL)); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "identity.idp.code.issued", Actor: "system"}, nil)
		return err
	})
}

// DeleteAuthRequest removes a request and its code once the code has been
// redeemed, so that a code works only once.
func (st *storage) DeleteAuthRequest(ctx context.Context, id string) error {
	return st.s.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM identity_idp_codes WHERE auth_request_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM identity_idp_auth_requests WHERE id = $1`, id); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "identity.idp.code.redeemed", Actor: "system"}, nil)
		return err
	})
}

// CreateAccessToken stores an access token for the userinfo endpoint.
func (st *storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	a, ok := req.(*authRequest)
	if !ok {
		return "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	id, now := randomID(), st.s.Now()
	exp := now.Add(accessTokenTTL)
	err := st.s.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO identity_idp_tokens (id, client_id, subject, national_code, audience, scopes, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, a.ClientID, a.Subject, a.NationalCode, a.ClientID, strings.Join(a.Scopes, " "), now, exp); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "identity.idp.token.issued", Actor: "system"}, map[string]any{"client": a.ClientID})
		return err
	})
	return id, exp, err
}

// CreateAccessAndRefreshTokens is refused: no client may use refresh tokens.
func (st *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, oidc.ErrUnsupportedGrantType().WithDescription("refresh tokens are not issued")
}

// TokenRequestByRefreshToken is refused: no refresh tokens exist.
func (st *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

// GetRefreshTokenInfo is refused: no refresh tokens exist.
func (st *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}

// TerminateSession revokes the subject's tokens for the client.
func (st *storage) TerminateSession(ctx context.Context, userID, clientID string) error {
	return st.s.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE identity_idp_tokens SET revoked_at = $1 WHERE subject = $2 AND client_id = $3 AND revoked_at IS NULL`,
			st.s.Now(), userID, clientID); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "identity.idp.session.ended", Actor: "system"}, map[string]any{"client": clientID})
		return err
	})
}

// RevokeToken revokes an access token of the client.
func (st *storage) RevokeToken(ctx context.Context, tokenID, _ string, clientID string) *oidc.Error {
	var owner string
	err := st.s.DB().QueryRowContext(ctx, `SELECT client_id FROM identity_idp_tokens WHERE id = $1`, tokenID).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // unknown tokens are as good as revoked
	}
	if err != nil {
		return oidc.ErrServerError()
	}
	if owner != clientID {
		return oidc.ErrInvalidClient().WithDescription("token was not issued for this client")
	}
	err = st.s.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE identity_idp_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, st.s.Now(), tokenID); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "identity.idp.token.revoked", Actor: "system"}, map[string]any{"client": clientID})
		return err
	})
	if err != nil {
		return oidc.ErrServerError()
	}
	return nil
}

// signingKey is the provider's ECDSA P-256 key (ES256).
type signingKey struct {
	id  string
	key *ecdsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }

type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.ES256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.key.PublicKey }

// signing returns the signing key, creating it the first time. Nodes that
// start together race on the unique purpose: one insert wins and every node
// then reads the winner's key.
func (st *storage) signing(ctx context.Context) (*signingKey, error) {
	st.keyOnce.Lock()
	defer st.keyOnce.Unlock()
	if st.key != nil {
		return st.key, nil
	}
	load := func() (*signingKey, error) {
		var kid, der string
		if err := st.s.DB().QueryRowContext(ctx, `SELECT kid, private_der FROM identity_idp_keys WHERE purpose = 'signing'`).Scan(&kid, &der); err != nil {
			return nil, err
		}
		b, err := base64.StdEncoding.DecodeString(der)
		if err != nil {
			return nil, err
		}
		k, err := x509.ParseECPrivateKey(b)
		if err != nil {
			return nil, err
		}
		return &signingKey{id: kid, key: k}, nil
	}
	k, err := load()
	if errors.Is(err, sql.ErrNoRows) {
		priv, gerr := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if gerr != nil {
			return nil, gerr
		}
		der, gerr := x509.MarshalECPrivateKey(priv)
		if gerr != nil {
			return nil, gerr
		}
		errLost := errors.New("another node made the key")
		err = st.s.InTx(ctx, func(tx *store.Tx) error {
			kid := randomID()
			res, err := tx.ExecContext(ctx, `INSERT INTO identity_idp_keys (kid, purpose, algorithm, private_der, created_at)
				VALUES ($1, 'signing', 'ES256', $2, $3) ON CONFLICT (purpose) DO NOTHING`, kid, base64.StdEncoding.EncodeToString(der), st.s.Now())
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return errLost
			}
			err = tx.Append(ctx, store.Event{Kind: "identity.idp.key.created", Actor: "system"}, map[string]any{"kid": kid, "alg": "ES256"})
			return err
		})
		if err != nil && !errors.Is(err, errLost) {
			return nil, err
		}
		k, err = load()
	}
	if err != nil {
		return nil, fmt.Errorf("idp: signing key: %w", err)
	}
	st.key = k
	return k, nil
}

func (st *storage) SigningKey(ctx context.Context) (op.SigningKey, error) { return st.signing(ctx) }

func (st *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}

func (st *storage) KeySet(ctx context.Context) ([]op.Key, error) {
	k, err := st.signing(ctx)
	if err != nil {
		return nil, err
	}
	return []op.Key{publicKey{k}}, nil
}

func (st *storage) GetClientByClientID(_ context.Context, clientID string) (op.Client, error) {
	c, ok := st.clients[clientID]
	if !ok {
		return nil, errors.New("idp: unknown client")
	}
	return c, nil
}

func (st *storage) AuthorizeClientIDSecret(_ context.Context, clientID, secret string) error {
	c, ok := st.clients[clientID]
	if !ok || subtle.ConstantTimeCompare([]byte(digest(secret)), []byte(c.secretHash)) != 1 {
		return errors.New("idp: unknown client or wrong secret")
	}
	return nil
}

// SetUserinfoFromScopes is deprecated by the library; SetUserinfoFromRequest does the work.
func (st *storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token's claims from the completed request.
func (st *storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	a, ok := req.(*authRequest)
	if !ok || a.NationalCode == "" {
		return errNotFound
	}
	setUserinfo(info, a.Subject, a.NationalCode, st.nameOf(ctx, a.NationalCode), scopes)
	return nil
}

// nameOf is the name the demo provider gives a national code: the one the
// platform already has for the person (the demo loads its people with the
// names in the demo civil registry), else a made-up one. A national
// provider answers from its own registry instead.
func (st *storage) nameOf(ctx context.Context, nationalCode string) string {
	var name string
	err := st.s.Read().QueryRowContext(ctx, `SELECT name FROM identity_people WHERE national_code = $1`, nationalCode).Scan(&name)
	if err != nil || strings.TrimSpace(name) == "" {
		return demoName(nationalCode)
	}
	return name
}

func setUserinfo(info *oidc.UserInfo, subject, nationalCode, name string, scopes []string) {
	info.Subject = subject
	info.AppendClaims("national_code", nationalCode)
	for _, s := range scopes {
		if s == oidc.ScopeProfile {
			info.Name = name
			info.Locale = oidc.NewLocale(faTag)
		}
	}
}

// SetUserinfoFromToken answers the userinfo endpoint from a live access token.
func (st *storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, _, _ string) error {
	var subject, code, scopes string
	err := st.s.DB().QueryRowContext(ctx, `SELECT subject, national_code, scopes FROM identity_idp_tokens
		WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2`, tokenID, st.s.Now()).Scan(&subject, &code, &scopes)
	if err != nil {
		return errNotFound
	}
	setUserinfo(info, subject, code, st.nameOf(ctx, code), strings.Fields(scopes))
	return nil
}

// SetIntrospectionFromToken answers introspection for the token's own client.
func (st *storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, _, clientID string) error {
	var subject, code, scopes, owner string
	var exp time.Time
	err := st.s.DB().QueryRowContext(ctx, `SELECT subject, national_code, scopes, client_id, expires_at FROM identity_idp_tokens
		WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2`, tokenID, st.s.Now()).Scan(&subject, &code, &scopes, &owner, &exp)
	if err != nil || owner != clientID {
		return errNotFound
	}
	info := new(oidc.UserInfo)
	setUserinfo(info, subject, code, st.nameOf(ctx, code), strings.Fields(scopes))
	resp.SetUserInfo(info)
	resp.Scope = strings.Fields(scopes)
	resp.ClientID = owner
	resp.Expiration = oidc.FromTime(exp)
	return nil
}

func (st *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

// GetKeyByIDAndClientID is refused: no client signs JWTs to the provider.
func (st *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("idp: JWT profile is not supported")
}

func (st *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("idp: JWT profile is not supported")
}

func (st *storage) Health(ctx context.Context) error { return st.s.Ping(ctx) }
