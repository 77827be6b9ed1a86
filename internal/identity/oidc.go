package identity

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// Secret returns the platform secret called name, 32 random bytes made the
// first time anyone asks and shared by every node through the database.
// Two nodes asking at once get the same value.
func (id *Identity) Secret(ctx context.Context, name string) ([]byte, error) {
	const op = "identity.Secret"
	read := func() ([]byte, error) {
		var v string
		if err := id.s.DB().QueryRowContext(ctx, `SELECT value FROM identity_secrets WHERE name = $1`, name).Scan(&v); err != nil {
			return nil, err
		}
		return base64.RawStdEncoding.DecodeString(v)
	}
	if v, err := read(); err == nil {
		return v, nil
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	err := id.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO identity_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`,
			name, base64.RawStdEncoding.EncodeToString(b[:]), id.s.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNothingToDo // another node made it first
		}
		err = tx.Append(ctx, store.Event{Kind: "identity.secret.created", Actor: "system"}, map[string]any{"name": name})
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNothingToDo) {
		return nil, errs.Wrap(op, err)
	}
	v, err := read()
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	return v, nil
}

// RPConfig configures Panjare as an OpenID Connect relying party of the
// national identity provider (or of the built-in demo provider).
type RPConfig struct {
	Issuer       string // the provider's issuer URL; discovery is read from it
	ClientID     string
	ClientSecret string
	RedirectURL  string // BaseURL + "/auth/callback"
	// NationalCodeClaim names the ID token claim that holds the national
	// code; "national_code" when empty.
	NationalCodeClaim string
	// HTTPClient talks to the provider; one with a 10-second timeout when nil.
	HTTPClient *http.Client
	Cookies    Cookies
}

// RelyingParty signs citizens in through OpenID Connect: the authorization
// code flow with PKCE, with state and nonce bound to a short-lived signed
// cookie, and the ID token verified (issuer, audience, expiry, nonce) before
// a server-side session is opened.
type RelyingParty struct {
	id      *Identity
	cfg     RPConfig
	flowKey []byte

	mu       sync.Mutex
	oauth    *oauth2.Config
	verifier *oidc.IDTokenVerifier
}

// flowCookie carries one sign-in attempt from the redirect to the callback.
const flowCookie = "panjare_signin"

// flowTTL bounds a sign-in attempt.
const flowTTL = 10 * time.Minute

// NewRelyingParty returns the relying party. It does not contact the
// provider: discovery happens at the first sign-in, so that a provider that
// is down (or served by this very process, not yet listening) does not stop
// the portal from starting.
func (id *Identity) NewRelyingParty(ctx context.Context, cfg RPConfig) (*RelyingParty, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errs.E("identity.NewRelyingParty", errs.Invalid, "the OIDC issuer, client id and redirect URL are required", "")
	}
	if cfg.NationalCodeClaim == "" {
		cfg.NationalCodeClaim = "national_code"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	key, err := id.Secret(ctx, "oidc_flow_key")
	if err != nil {
		return nil, err
	}
	return &RelyingParty{id: id, cfg: cfg, flowKey: key}, nil
}

// discover reads the provider's configuration once it answers.
func (rp *RelyingParty) discover(ctx context.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.oauth != nil {
		return rp.oauth, rp.verifier, nil
	}
	ctx = oidc.ClientContext(ctx, rp.cfg.HTTPClient)
	prov, err := oidc.NewProvider(ctx, rp.cfg.Issuer)
	if err != nil {
		return nil, nil, &errs.Error{Op: "identity.discover", Kind: errs.Unavailable, Err: err,
			En: "the identity provider is not reachable; please try again shortly",
			Fa: "سامانهٔ احراز هویت در دسترس نیست؛ کمی بعد دوباره تلاش کنید"}
	}
	rp.oauth = &oauth2.Config{
		ClientID: rp.cfg.ClientID, ClientSecret: rp.cfg.ClientSecret, RedirectURL: rp.cfg.RedirectURL,
		Endpoint: prov.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "profile"},
	}
	rp.verifier = prov.Verifier(&oidc.Config{ClientID: rp.cfg.ClientID})
	return rp.oauth, rp.verifier, nil
}

// flow is the signed content of the flow cookie.
type flow struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"r"`
	Expires  int64  `json:"e"`
}

func (rp *RelyingParty) sign(b []byte) []byte {
	m := hmac.New(sha256.New, rp.flowKey)
	m.Write([]byte("panjare oidc flow\x00"))
	m.Write(b)
	return m.Sum(nil)
}

func (rp *RelyingParty) encodeFlow(f flow) string {
	b, _ := json.Marshal(f)
	return base64.RawURLEncoding.EncodeToString(b) + "." + base64.RawURLEncoding.EncodeToString(rp.sign(b))
}

func (rp *RelyingParty) decodeFlow(v string, now time.Time) (flow, bool) {
	body, mac, ok := strings.Cut(v, ".")
	if !ok {
		return flow{}, false
	}
	b, err1 := base64.RawURLEncoding.DecodeString(body)
	m, err2 := base64.RawURLEncoding.DecodeString(mac)
	if err1 != nil || err2 != nil || !hmac.Equal(m, rp.sign(b)) {
		return flow{}, false
	}
	var f flow
	if json.Unmarshal(b, &f) != nil || now.Unix() > f.Expires || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return flow{}, false
	}
	return f, true
}

func randomString() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// Begin starts a sign-in: it remembers state, nonce, the PKCE verifier and
// where to come back to (a path on this site) in the flow cookie, and
// redirects the browser to the provider, asking it to speak lang ("fa" or
// "en"; the provider may ignore it).
func (rp *RelyingParty) Begin(w http.ResponseWriter, r *http.Request, next, lang string) error {
	oc, _, err := rp.discover(r.Context())
	if err != nil {
		return err
	}
	f := flow{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(),
		Next: SafeNext(next), Expires: time.Now().Add(flowTTL).Unix()}
	http.SetCookie(w, &http.Cookie{
		Name: flowCookie, Value: rp.encodeFlow(f), Path: "/auth/", MaxAge: int(flowTTL.Seconds()),
		HttpOnly: true, Secure: rp.cfg.Cookies.Secure, SameSite: http.SameSiteLaxMode,
	})
	opts := []oauth2.AuthCodeOption{oidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier)}
	if lang != "" {
		opts = append(opts, oauth2.SetAuthURLParam("ui_locales", lang))
	}
	u := oc.AuthCodeURL(f.State, opts...)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusSeeOther)
	return nil
}

var errSignIn = func(en, fa string) error {
	return errs.E("identity.Callback", errs.Invalid, en, fa)
}

// Callback completes a sign-in at the redirect URL: it checks the state
// against the flow cookie, redeems the code with the PKCE verifier, verifies
// the ID token and its nonce, finds or creates the person by the national
// code claim, opens a session and sets its cookie. It returns the path to go
// back to.
func (rp *RelyingParty) Callback(w http.ResponseWriter, r *http.Request) (string, error) {
	ctx := r.Context()
	clear := &http.Cookie{Name: flowCookie, Value: "", Path: "/auth/", MaxAge: -1, HttpOnly: true, Secure: rp.cfg.Cookies.Secure, SameSite: http.SameSiteLaxMode}
	ck, err := r.Cookie(flowCookie)
	if err != nil {
		return "", errSignIn("the sign-in has expired or was started in another browser; please sign in again",
			"مهلت ورود گذشته است یا ورود در مرورگر دیگری آغاز شده است؛ لطفاً دوباره وارد شوید")
	}
	http.SetCookie(w, clear) // one attempt per cookie
	f, ok := rp.decodeFlow(ck.Value, time.Now())
	if !ok {
		return "", errSignIn("the sign-in has expired or its data was altered; please sign in again",
			"مهلت ورود گذشته است یا داده‌های آن دست‌کاری شده است؛ لطفاً دوباره وارد شوید")
	}
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(f.State)) != 1 {
		return "", errSignIn("the sign-in response does not belong to this sign-in (state mismatch); please sign in again",
			"پاسخ ورود به این درخواست ورود تعلق ندارد؛ لطفاً دوباره وارد شوید")
	}
	if e := q.Get("error"); e != "" {
		return "", errSignIn("the identity provider did not sign you in; please try again",
			"سامانهٔ احراز هویت ورود شما را تأیید نکرد؛ لطفاً دوباره تلاش کنید")
	}
	code := q.Get("code")
	if code == "" || len(code) > 2048 {
		return "", errSignIn("the sign-in response has no code", "پاسخ ورود کدی ندارد")
	}
	oc, verifier, err := rp.discover(ctx)
	if err != nil {
		return "", err
	}
	tok, err := oc.Exchange(oidc.ClientContext(ctx, rp.cfg.HTTPClient), code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return "", errSignIn("the identity provider refused the sign-in code; it may have expired or been used; please sign in again",
				"سامانهٔ احراز هویت کد ورود را نپذیرفت؛ شاید منقضی یا پیش‌تر به کار رفته باشد؛ لطفاً دوباره وارد شوید")
		}
		return "", &errs.Error{Op: "identity.Callback", Kind: errs.Unavailable, Err: err,
			En: "the identity provider is not reachable; please try again shortly", Fa: "سامانهٔ احراز هویت در دسترس نیست؛ کمی بعد دوباره تلاش کنید"}
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", errSignIn("the identity provider sent no ID token", "سامانهٔ احراز هویت توکن هویت نفرستاد")
	}
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		return "", errSignIn("the ID token from the identity provider is not valid", "توکن هویت دریافت‌شده معتبر نیست")
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return "", errSignIn("the ID token does not belong to this sign-in (nonce mismatch); please sign in again",
			"توکن هویت به این درخواست ورود تعلق ندارد؛ لطفاً دوباره وارد شوید")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return "", errSignIn("the ID token's claims could not be read", "ادعاهای توکن هویت خوانده نشد")
	}
	nc, _ := claims[rp.cfg.NationalCodeClaim].(string)
	name, _ := claims["name"].(string)
	if nc == "" {
		return "", errSignIn("the identity provider did not send a national code", "سامانهٔ احراز هویت کد ملی را نفرستاد")
	}
	p, err := rp.id.EnsurePerson(ctx, nc, name)
	if err != nil {
		return "", err
	}
	token, _, err := rp.id.StartSession(ctx, p, r.UserAgent())
	if err != nil {
		return "", err
	}
	rp.cfg.Cookies.SetSession(w, token)
	return f.Next, nil
}
