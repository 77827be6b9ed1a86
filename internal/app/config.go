package app

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/oversight"
	"github.com/panjare/panjare/internal/suggest"
)

// Config is everything a Panjare process needs to start. cmd/panjare fills
// it from flags, with PANJARE_* environment variables as the fallback.
type Config struct {
	Addr     string // the HTTP listen address for the portal, API and operations endpoints
	DB       string // "sqlite:PATH" or a postgres:// URL
	DBLanes  int    // PostgreSQL: groups of transactions committed at once (0: store.DefaultPostgresLanes, -1: each alone)
	DataDir  string // where the default SQLite database lives
	BaseURL  string // the public URL of the portal, for links in exports; derived from Addr if empty
	Dev      bool   // reload templates from disk on each request
	Jobs     bool   // work background jobs in this process
	Migrate  bool   // migrate the database at start-up
	LogLevel string // debug, info, warn or error
	Version  string // the build's version, for pages and /metrics

	// NoPageCache renders every service page afresh (benchmarks only).
	NoPageCache bool
	Instance    string // the exchange identifier instance of this platform, such as IR

	// The exchange's listeners: mTLS for other systems (the only way in for
	// real deployments), and plain HTTP naming the client by a header, which
	// binds only to loopback. Empty disables a listener.
	ExchangeAddr      string
	ExchangeLocalAddr string

	// Citizen sign-in through OpenID Connect, with the national identity
	// provider at OIDCIssuer. DemoIdP instead runs the built-in demo provider
	// at BaseURL + "/idp", where anyone can sign in as anyone: only for
	// demos and tests. With neither, the portal offers no sign-in.
	DemoIdP bool

	// Demo turns on what only a demonstration may have: the sandbox bank
	// (payments confirmed by a simulated provider), the demo outbox page
	// open to anyone, and webhooks to plain-HTTP loopback receivers.
	Demo                  bool
	OIDCIssuer            string
	OIDCClientID          string
	OIDCClientSecret      string // personal to this deployment: never logged
	OIDCNationalCodeClaim string // the ID token claim with the national code; "national_code" when empty

	// SMS and email. SMSProvider is "outbox" (the default: the demo
	// outbox, which sends nothing) or "kavenegar". Email goes through the
	// mail relay at SMTPAddr when it is set, else to the demo outbox.
	SMSProvider      string
	KavenegarAPIKey  string // personal to this deployment: never logged (Kavenegar puts it in the URL path)
	KavenegarSender  string // the sender line; empty: the account's default
	KavenegarBaseURL string // https://api.kavenegar.com when empty
	SMTPAddr         string // host:port of the mail relay
	SMTPUsername     string
	SMTPPassword     string // personal to this deployment: never logged
	SMTPFrom         string // the From address, with an optional name
	SMTPReplyTo      string
	SMTPTLS          string // starttls (default), tls, or none (loopback relays only)

	// NoSuggestions switches off the suggestions on the citizen's home
	// page and GET /api/v1/me/suggestions. SuggestK is the fewest distinct
	// people a co-usage pair must be seen for (0: suggest.DefaultK).
	NoSuggestions bool
	SuggestK      int

	// Now replaces the store's clock, and so the time of every event and
	// deadline; nil: the wall clock. Only the synthetic year sets it.
	Now func() time.Time
	// Oversight is the oversight configuration file (targets and ranking
	// weights; see internal/oversight); empty: the built-in one.
	Oversight string
	// oversight is that file as Validate read and checked it.
	oversight oversight.Config
}

// SMS returns the configured SMS provider, nil for the demo outbox.
func (c *Config) SMS() (*notify.Kavenegar, error) {
	switch c.SMSProvider {
	case "", "outbox":
		return nil, nil
	case "kavenegar":
		k, err := notify.NewKavenegar(notify.KavenegarConfig{APIKey: c.KavenegarAPIKey, Sender: c.KavenegarSender, BaseURL: c.KavenegarBaseURL})
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("config: --sms-provider %q: want outbox or kavenegar", c.SMSProvider)
}

// Email returns the configured mail relay, nil for the demo outbox.
func (c *Config) Email() (*notify.SMTP, error) {
	if c.SMTPAddr == "" {
		if c.SMTPUsername != "" || c.SMTPPassword != "" || c.SMTPFrom != "" {
			return nil, errors.New("config: the SMTP settings need --smtp-addr")
		}
		return nil, nil
	}
	s, err := notify.NewSMTP(notify.SMTPConfig{Addr: c.SMTPAddr, Username: c.SMTPUsername, Password: c.SMTPPassword,
		From: c.SMTPFrom, ReplyTo: c.SMTPReplyTo, TLS: c.SMTPTLS})
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return s, nil
}

// Defaults returns the configuration used when nothing is set.
func Defaults() Config {
	return Config{Addr: "127.0.0.1:8080", DataDir: "data", Jobs: true, Migrate: true, LogLevel: "info", Instance: "IR",
		ExchangeAddr: "127.0.0.1:8443", ExchangeLocalAddr: "127.0.0.1:3366"}
}

// Validate checks the configuration and fills what derives from the rest.
func (c *Config) Validate() error {
	if c.DBLanes < -1 || c.DBLanes > 64 {
		return fmt.Errorf("config: --db-lanes %d: want -1 (each transaction alone), 0 (the default) or 1 to 64", c.DBLanes)
	}
	if c.SuggestK != 0 && c.SuggestK < suggest.MinK {
		return fmt.Errorf("config: --suggest-k %d: want at least %d, so that no suggestion tells of fewer people", c.SuggestK, suggest.MinK)
	}
	ov, err := oversight.Load(c.Oversight)
	if err != nil {
		fa, en := errs.Messages(err)
		return fmt.Errorf("config: --oversight %s: %s\n%s", c.Oversight, en, fa)
	}
	c.oversight = ov
	if c.Instance == "" {
		c.Instance = "IR"
	}
	if len(c.Instance) < 2 || len(c.Instance) > 16 || strings.Trim(c.Instance, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return fmt.Errorf("config: --instance %q: want 2 to 16 capital Latin letters, such as IR", c.Instance)
	}
	if c.ExchangeAddr != "" {
		if _, _, err := net.SplitHostPort(c.ExchangeAddr); err != nil {
			return fmt.Errorf("config: --exchange-addr %q: want host:port, such as 127.0.0.1:8443", c.ExchangeAddr)
		}
	}
	if c.ExchangeLocalAddr != "" {
		if err := exchange.CheckLoopback(c.ExchangeLocalAddr); err != nil {
			_, en := errs.Messages(err)
			return fmt.Errorf("config: --exchange-local-addr: %s", en)
		}
	}
	if c.DataDir == "" {
		c.DataDir = "data"
	}
	if c.DB == "" {
		c.DB = "sqlite:" + filepath.Join(c.DataDir, "panjare.db")
	}
	if !strings.HasPrefix(c.DB, "sqlite:") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return fmt.Errorf("config: --db must be sqlite:PATH or a postgres:// URL")
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("config: --addr %q: want host:port, such as 127.0.0.1:8080", c.Addr)
	}
	if c.BaseURL == "" {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.BaseURL = "http://" + net.JoinHostPort(host, port)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.OIDCIssuer != "" && c.DemoIdP {
		return errors.New("config: choose either --oidc-issuer or --demo-idp, not both")
	}
	if c.OIDCIssuer != "" {
		if u, err := url.Parse(c.OIDCIssuer); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("config: --oidc-issuer %q: want the identity provider's https:// URL", c.OIDCIssuer)
		}
		if c.OIDCClientID == "" || c.OIDCClientSecret == "" {
			return errors.New("config: --oidc-issuer needs --oidc-client-id and --oidc-client-secret")
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return errors.New("config: --log-level must be debug, info, warn or error")
	}
	if _, err := c.SMS(); err != nil {
		return err
	}
	if _, err := c.Email(); err != nil {
		return err
	}
	return nil
}
