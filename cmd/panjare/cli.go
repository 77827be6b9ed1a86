package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3"; when
// it is not, the VCS revision recorded by the Go toolchain is used.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		rev, dirty := "", false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			if dirty {
				rev += "-dirty"
			}
			return "dev-" + rev
		}
		if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			return bi.Main.Version
		}
	}
	return "dev"
}

const usage = `panjare: the national single window for government services

Usage:
  panjare serve   [--addr HOST:PORT] [--db DB] [--data DIR] [flags]   serve the portal, API and workers
  panjare demo    [--addr HOST:PORT] [--db DB] [--data DIR]           serve with demo data (SQLite in --data unless --db)
  panjare demo event birth|death|retirement --person CODE [--db DB]  publish a demo life event through the exchange's Pub/Sub
  panjare migrate [--db DB] [--data DIR]                              bring the database schema up to date
  panjare catalog load [--db DB] [--data DIR]                         load the built-in catalogue into an empty database
  panjare apikey issue  --agency CODE --name NAME [--db DB]          issue an agency API key (shown once)
  panjare apikey list   [--agency CODE] [--db DB]                    list API clients
  panjare apikey revoke --id N [--db DB]                             revoke an API client's key
  panjare staff add    --national-code C --agency A --role R [--db DB]  give a person a staff role
  panjare staff list   [--agency A] [--db DB]                         list staff roles
  panjare staff remove --national-code C --agency A --role R [--db DB]  take a staff role away
  panjare exchange member|subsystem|service|cert|grant|revoke|rights ... the exchange registry (panjare exchange help)
  panjare document verify --jwks FILE|URL --jws TOKEN                 check a signed document offline
  panjare suggest rebuild [--suggest-k N] [--db DB]                  recount the "used X then Y" pairs now
  panjare oversight check FILE                                       check an oversight configuration (exit 2 on problems)
  panjare oversight build --month YYYY-MM [--db DB]                  build a past month's report now (idempotent)
  panjare kpi verify [--truth FILE] [--checkpoint FILE] [--out FILE] [--seal] [--db DB]  recompute every oversight figure from the sealed events and compare
  panjare ledger verify [--checkpoint FILE] [--key KEY] [--db DB]    recompute the ledger from the events; exit 1 on any change
  panjare ledger checkpoint [--db DB]                                print the latest signed checkpoint, for an auditor to keep
  panjare simulate --year Y --truth FILE [--seed N] [--scale S] [--db DB]  drive a synthetic year on a fresh database and write its known figures
  panjare version                                                    print the version
  panjare help                                                       print this help

DB is sqlite:PATH or a postgres:// URL; by default a SQLite file in the data
directory (./data). Every flag falls back to an environment variable named
PANJARE_ and the flag in capitals, with dashes as underscores: --db reads
PANJARE_DB, --log-level reads PANJARE_LOG_LEVEL.
`

// run executes one command line and returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = serve(ctx, rest, getenv, stdout, stderr, false)
	case "demo":
		if len(rest) > 0 && rest[0] == "event" {
			err = demoEvent(ctx, rest[1:], getenv, stdout, stderr)
			break
		}
		err = serve(ctx, rest, getenv, stdout, stderr, true)
	case "migrate":
		err = migrate(ctx, rest, getenv, stdout, stderr)
	case "catalog":
		err = catalogCmd(ctx, rest, getenv, stdout, stderr)
	case "apikey":
		err = apikey(ctx, rest, getenv, stdout, stderr)
	case "exchange":
		err = exchangeCmd(ctx, rest, getenv, stdout, stderr)
	case "staff":
		err = staff(ctx, rest, getenv, stdout, stderr)
	case "document":
		err = document(ctx, rest, getenv, stdout, stderr)
	case "suggest":
		err = suggestCmd(ctx, rest, getenv, stdout, stderr)
	case "oversight":
		err = oversightCmd(ctx, rest, getenv, stdout, stderr)
	case "kpi":
		err = kpiCmd(ctx, rest, getenv, stdout, stderr)
	case "ledger":
		err = ledgerCmd(ctx, rest, getenv, stdout, stderr)
	case "simulate":
		err = simulateCmd(ctx, rest, getenv, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "panjare", buildVersion())
	case "help", "-h", "--help", "-help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "panjare: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintln(stderr, "panjare:", err)
			return 2
		}
		fmt.Fprintln(stderr, "panjare:", err)
		return 1
	}
	return 0
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// configFlags binds the flags that fill an app.Config.
func configFlags(fs *flag.FlagSet, cfg *app.Config) {
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "HTTP listen address")
	fs.StringVar(&cfg.DB, "db", cfg.DB, "database: sqlite:PATH or a postgres:// URL (default: a SQLite file in --data)")
	fs.IntVar(&cfg.DBLanes, "db-lanes", cfg.DBLanes, "PostgreSQL: how many groups of transactions commit at once (0: the default, 4; -1: each transaction alone)")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	fs.StringVar(&cfg.BaseURL, "base-url", cfg.BaseURL, "public URL of the portal (default: derived from --addr)")
	fs.BoolVar(&cfg.Dev, "dev", cfg.Dev, "reload templates from disk on every request")
	fs.BoolVar(&cfg.Jobs, "jobs", cfg.Jobs, "work background jobs in this process")
	fs.BoolVar(&cfg.Migrate, "migrate", cfg.Migrate, "migrate the database at start-up")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "log level: debug, info, warn or error")
	fs.StringVar(&cfg.Instance, "instance", cfg.Instance, "the exchange identifier instance of this platform")
	fs.StringVar(&cfg.ExchangeAddr, "exchange-addr", cfg.ExchangeAddr, "the exchange's mTLS listen address (empty: off)")
	fs.StringVar(&cfg.ExchangeLocalAddr, "exchange-local-addr", cfg.ExchangeLocalAddr, "the exchange's plain-HTTP listener, loopback only, clients named by header (empty: off)")
	fs.StringVar(&cfg.OIDCIssuer, "oidc-issuer", cfg.OIDCIssuer, "issuer URL of the national identity provider (without it and without --demo-idp, no sign-in)")
	fs.BoolVar(&cfg.DemoIdP, "demo-idp", cfg.DemoIdP, "run the built-in demo identity provider at BASE-URL/idp, where anyone can sign in as anyone (demos only)")
	fs.StringVar(&cfg.OIDCClientID, "oidc-client-id", cfg.OIDCClientID, "the portal's client id at the identity provider")
	fs.StringVar(&cfg.OIDCClientSecret, "oidc-client-secret", cfg.OIDCClientSecret, "the portal's client secret at the identity provider (prefer PANJARE_OIDC_CLIENT_SECRET)")
	fs.StringVar(&cfg.OIDCNationalCodeClaim, "oidc-national-code-claim", cfg.OIDCNationalCodeClaim, "the ID token claim that holds the national code (default national_code)")
	fs.StringVar(&cfg.SMSProvider, "sms-provider", cfg.SMSProvider, "SMS provider: outbox (sends nothing; the default) or kavenegar")
	fs.StringVar(&cfg.KavenegarAPIKey, "kavenegar-api-key", cfg.KavenegarAPIKey, "Kavenegar API key (prefer PANJARE_KAVENEGAR_API_KEY)")
	fs.StringVar(&cfg.KavenegarSender, "kavenegar-sender", cfg.KavenegarSender, "Kavenegar sender line, such as 10004346 (default: the account's)")
	fs.StringVar(&cfg.KavenegarBaseURL, "kavenegar-url", cfg.KavenegarBaseURL, "Kavenegar API base URL (default https://api.kavenegar.com)")
	fs.StringVar(&cfg.SMTPAddr, "smtp-addr", cfg.SMTPAddr, "mail relay host:port for email (empty: email goes to the demo outbox)")
	fs.StringVar(&cfg.SMTPUsername, "smtp-username", cfg.SMTPUsername, "mail relay user name (empty: no authentication)")
	fs.StringVar(&cfg.SMTPPassword, "smtp-password", cfg.SMTPPassword, "mail relay password (prefer PANJARE_SMTP_PASSWORD)")
	fs.StringVar(&cfg.SMTPFrom, "smtp-from", cfg.SMTPFrom, "the From of email, such as 'پنجره ملی <no-reply@example.ir>'")
	fs.StringVar(&cfg.SMTPReplyTo, "smtp-reply-to", cfg.SMTPReplyTo, "the Reply-To of email (optional)")
	fs.StringVar(&cfg.SMTPTLS, "smtp-tls", cfg.SMTPTLS, "starttls (default), tls (port 465) or none (a relay on loopback only)")
	fs.BoolVar(&cfg.NoSuggestions, "no-suggestions", cfg.NoSuggestions, "switch off the services suggested to each citizen")
	fs.IntVar(&cfg.SuggestK, "suggest-k", cfg.SuggestK, "the fewest distinct people a \"used X then Y\" suggestion must be seen for (default 5, at least 3)")
	fs.StringVar(&cfg.Oversight, "oversight", cfg.Oversight, "the oversight configuration file: targets and ranking weights (default: the built-in oversight.json)")
}

// parse parses args and then, for every flag not given on the command line,
// takes its value from PANJARE_<NAME> when that is set.
func parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		env := "PANJARE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(env); v != "" {
			if e := fs.Set(f.Name, v); e != nil {
				err = usageError{fmt.Sprintf("%s=%q: %v", env, v, e)}
			}
		}
	})
	return err
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, demo bool) error {
	cfg := app.Defaults()
	cfg.Version = buildVersion()
	name := "serve"
	if demo {
		name = "demo"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configFlags(fs, &cfg)
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if demo {
		// The demo runs on --db when one is given (PostgreSQL included),
		// else on its own SQLite file in the data directory, with the demo
		// identity provider unless a real one is named.
		cfg.DemoIdP = cfg.OIDCIssuer == ""
		cfg.Demo = true
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	log := newLogger(stderr, cfg.LogLevel)
	slog.SetDefault(log)
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	if demo {
		loaded, err := a.LoadDemo(ctx)
		if err != nil {
			a.Close()
			return fmt.Errorf("loading demo data: %w", err)
		}
		if loaded {
			log.Info("demo data loaded")
		}
		if _, err := a.StartDemoExchange(ctx, demoBackOfficePort); err != nil {
			a.Close()
			return fmt.Errorf("starting the demo back offices: %w", err)
		}
	}
	ln, err := a.Listen()
	if err != nil {
		a.Close()
		return err
	}
	exMTLS, exLocal, err := a.ListenExchange(ctx)
	if err != nil {
		ln.Close()
		a.Close()
		return err
	}
	if demo {
		base := a.Config.BaseURL
		fmt.Fprintf(stdout, `
  پنجره ملی خدمات دولت هوشمند — Panjare %s (demo)

  Portal (Persian):   %s/
  Portal (English):   %s/?lang=en
  Sign in (demo ID):  %s/signin   (any valid national code, e.g. 0067749828)
  Search:             %s/services?q=%%D9%%BE%%D8%%A7%%D8%%B3%%D9%%BE%%D9%%88%%D8%%B1%%D8%%AA
  API:                %s/api/v1/services
  OpenAPI:            %s/api/v1/openapi.json
  Open data (CPSV-AP): %s/api/v1/catalog.jsonld
  Health and metrics: %s/readyz  %s/metrics

  Database: %s   (Ctrl-C to stop)

`, cfg.Version, base, base, base, base, base, base, base, base, base, a.Store.String())
	}
	if demo && (exMTLS != nil || exLocal != nil) {
		fmt.Fprintln(stdout, "  Exchange gateway:")
		if exMTLS != nil {
			fmt.Fprintf(stdout, "    mTLS:     https://%s/r1/...   (subsystem certificates: panjare exchange cert issue)\n", exMTLS.Addr())
		}
		if exLocal != nil {
			fmt.Fprintf(stdout, "    loopback: http://%s/listClients   (client named by Information-Mediator-Client)\n", exLocal.Addr())
		}
		fmt.Fprintln(stdout)
	}
	if demo {
		printDemoExchange(stdout, a, exLocal)
		printDemoPeople(stdout, a)
	}
	return a.Run(ctx, ln)
}

// demoBackOfficePort is the first port of the demo's simulated agency back
// offices (one port each, upwards; an ephemeral port when one is taken).
const demoBackOfficePort = 3401

// printDemoExchange prints the demo back offices, a sample inquiry through
// the loopback listener, and the pages that show inquiries and consents.
func printDemoExchange(w io.Writer, a *app.App, local net.Listener) {
	set := a.BackOffices()
	if set == nil {
		return
	}
	fmt.Fprintln(w, "  Agency back offices (simulated, reached only through the gateway):")
	for _, o := range set.Offices {
		fmt.Fprintf(w, "    %-14s %-30s %s\n", o.Member, a.Config.Instance+"/GOV/"+o.Member+"/"+o.Subsystem, o.URL)
	}
	if local != nil {
		fmt.Fprintf(w, `
  A sample inquiry (the tax administration asks the civil registry about a citizen):
    curl -H 'Information-Mediator-Client: %s/GOV/INTA/tax' \
         -H 'Panjare-Subject: 0067749828' -H 'Panjare-Purpose: tax-file-review' \
         http://%s/r1/%s/GOV/NOCR/population/person-identity/persons/0067749828
`, a.Config.Instance, local.Addr(), a.Config.Instance)
	}
	base := a.Config.BaseURL
	fmt.Fprintf(w, `
  Who looked at my data:  %s/me/data    (sign in as 0067749828)
  My consents:            %s/me/consents   (sign in as 0499370899)
  Exchange (admin):       %s/admin/exchange   (platform admins; agency staff: /agency/exchange)

`, base, base, base)
}

func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return usageError{err.Error()}
	}
	st, err := store.Open(ctx, cfg.DB, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx, newLogger(stderr, "info"), app.Migrations()...); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "database is up to date:", st.String())
	return nil
}

func apikey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError{"apikey: want issue, list or revoke"}
	}
	verb, args := args[0], args[1:]
	cfg := app.Defaults()
	fs := flag.NewFlagSet("apikey "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	var agency, name string
	var id int64
	switch verb {
	case "issue":
		fs.StringVar(&agency, "agency", "", "agency code, e.g. NOCR")
		fs.StringVar(&name, "name", "", "a name for the client system")
	case "list":
		fs.StringVar(&agency, "agency", "", "only this agency's clients")
	case "revoke":
		fs.Int64Var(&id, "id", 0, "the API client's id (see apikey list)")
	default:
		return usageError{fmt.Sprintf("apikey: unknown verb %q: want issue, list or revoke", verb)}
	}
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	cfg.Jobs = false
	a, err := app.New(ctx, cfg, newLogger(stderr, "warn"))
	if err != nil {
		return err
	}
	defer a.Close()
	switch verb {
	case "issue":
		if agency == "" || name == "" {
			return usageError{"apikey issue: --agency and --name are required"}
		}
		if _, err := a.Catalog.Agency(ctx, agency); err != nil {
			return fmt.Errorf("apikey issue: agency %s: %w", agency, err)
		}
		c, key, err := a.Identity.IssueKey(ctx, identity.System, agency, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "issued API client %d for %s; the key is shown only now:\n", c.ID, c.Agency)
		fmt.Fprintln(stdout, key)
	case "list":
		list, err := a.Identity.APIClients(ctx, agency)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tAGENCY\tNAME\tPREFIX\tCREATED\tREVOKED")
		for _, c := range list {
			revoked := "-"
			if c.RevokedAt != nil {
				revoked = c.RevokedAt.Format("2006-01-02")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\tpjk_%s\t%s\t%s\n", c.ID, c.Agency, c.Name, c.Prefix, c.CreatedAt.Format("2006-01-02"), revoked)
		}
		return tw.Flush()
	case "revoke":
		if id <= 0 {
			return usageError{"apikey revoke: --id is required"}
		}
		if err := a.Identity.RevokeKey(ctx, identity.System, id); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "revoked API client", strconv.FormatInt(id, 10))
	}
	return nil
}
