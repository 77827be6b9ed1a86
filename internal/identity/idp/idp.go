// Package idp is the demo identity provider: a small OpenID Connect provider
// (zitadel/oidc's op package) that stands in for the national identity
// provider in the demo and in tests. It asks for a national code and, in
// place of the SMS a real provider would send, shows a one-time code on
// screen, which the person types back. Panjare's portal signs in through it
// over real HTTP exactly as it would through a national provider.
//
// It owns the identity_idp_* tables (created by identity's migrations):
// authorization requests, codes, access tokens and its signing key, all in
// Panjare's database so that every node serves the same provider. Every
// change appends an event, like any other capability's.
//
// It must never log a national code, a one-time code, an authorization code
// or a token, and must never be enabled in production in place of a real
// provider: anyone who can reach it can sign in as anyone.
package idp

import (
	"context"
	"crypto/sha256"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

//go:embed templates
var templateFS embed.FS

var faTag = language.Persian

// Client is a relying party the provider knows, configured in code.
type Client struct {
	ID           string
	Secret       string
	RedirectURIs []string
}

// Config is what the provider needs.
type Config struct {
	Store    *store.Store
	Identity *identity.Identity
	// Issuer is the provider's public URL, such as BaseURL + "/idp". The
	// provider's routes live under its path.
	Issuer  string
	Clients []Client
	// Stylesheet is the URL of the portal's stylesheet, which the login
	// pages share so that they look like the portal.
	Stylesheet string
	Log        *slog.Logger
}

// Provider is the demo identity provider.
type Provider struct {
	st     *storage
	op     *op.Provider
	prefix string // the issuer's path, e.g. "/idp"
	issuer string
	css    string
	log    *slog.Logger
	pages  *template.Template
	h      http.Handler
}

// New builds the provider. Its signing key and encryption key are made
// once and kept in the database.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || u.Host == "" {
		return nil, errors.New("idp: the issuer must be an absolute URL")
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	subKey, err := cfg.Identity.Secret(ctx, "idp_subject_key")
	if err != nil {
		return nil, err
	}
	cryptoKey, err := cfg.Identity.Secret(ctx, "idp_crypto_key")
	if err != nil {
		return nil, err
	}
	st := &storage{s: cfg.Store, clients: map[string]*client{}, subKey: subKey}
	for _, c := range cfg.Clients {
		st.clients[c.ID] = newClient(c, strings.TrimRight(u.Path, "/"))
	}
	if _, err := st.signing(ctx); err != nil {
		return nil, err
	}
	opCfg := &op.Config{
		CryptoKey:          sha256.Sum256(cryptoKey),
		CryptoKeyId:        "k1",
		CodeMethodS256:     true,
		SupportedUILocales: []language.Tag{faTag, language.English},
		SupportedScopes:    []string{oidc.ScopeOpenID, oidc.ScopeProfile},
		SupportedClaims:    []string{"sub", "aud", "exp", "iat", "iss", "auth_time", "nonce", "amr", "at_hash", "name", "locale", "national_code"},
	}
	opts := []op.Option{}
	if u.Scheme == "http" {
		opts = append(opts, op.WithAllowInsecure())
	}
	prov, err := op.NewProvider(opCfg, st, op.StaticIssuer(strings.TrimRight(cfg.Issuer, "/")), opts...)
	if err != nil {
		return nil, err
	}
	pages, err := template.New("").Funcs(funcs).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p := &Provider{st: st, op: prov, prefix: strings.TrimRight(u.Path, "/"), issuer: strings.TrimRight(cfg.Issuer, "/"),
		css: cfg.Stylesheet, log: cfg.Log, pages: pages}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", p.loginPage)
	mux.HandleFunc("POST /login", p.loginCode)
	mux.HandleFunc("POST /login/otp", p.loginOTP)
	mux.Handle("/", prov)
	p.h = http.StripPrefix(p.prefix, mux)
	return p, nil
}

// Handler serves the provider; mount it at the issuer's path with a
// trailing slash ("/idp/").
func (p *Provider) Handler() http.Handler { return p.h }

// Prefix is the path the provider is served under, such as "/idp".
func (p *Provider) Prefix() string { return p.prefix }

// client is a Client as op sees it: a confidential web application that
// uses the code flow with PKCE and gets ID tokens with the person's claims.
type client struct {
	id         string
	secretHash string
	redirects  []string
	loginURL   string
	dev        bool
}

func newClient(c Client, prefix string) *client {
	dev := false
	for _, r := range c.RedirectURIs {
		if strings.HasPrefix(r, "http://") {
			dev = true // op refuses plain-http redirect URIs for web clients unless in dev mode
		}
	}
	return &client{id: c.ID, secretHash: digest(c.Secret), redirects: c.RedirectURIs, loginURL: prefix + "/login?authRequestID=", dev: dev}
}

func (c *client) GetID() string                       { return c.id }
func (c *client) RedirectURIs() []string              { return c.redirects }
func (c *client) PostLogoutRedirectURIs() []string    { return nil }
func (c *client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *client) GrantTypes() []oidc.GrantType         { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c *client) LoginURL(id string) string            { return c.loginURL + url.QueryEscape(id) }
func (c *client) AccessTokenType() op.AccessTokenType  { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration       { return idTokenTTL }
func (c *client) DevMode() bool                        { return c.dev }
func (c *client) IsScopeAllowed(string) bool           { return false }
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c *client) ClockSkew() time.Duration             { return 0 }
func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
