package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
)

const exchangeUsage = `panjare exchange: the inter-agency exchange registry

  exchange member add    --class GOV --code NOCR --name NAME [--name-en NAME]
  exchange member list
  exchange subsystem add --id IR/GOV/NOCR/population --name NAME
  exchange subsystem list
  exchange subsystem callback --id ID (--url URL | --clear)   the base URL its asynchronous answers may be POSTed to
  exchange service add   --id IR/GOV/NOCR/population/person-identity --backend URL --openapi FILE
                         [--personal] [--title TITLE] [--title-en TITLE] [--version V]
  exchange service list  --provider IR/GOV/NOCR/population
  exchange cert issue    --subsystem ID --out DIR [--days N]     writes cert.pem, key.pem (0600) and ca.pem
  exchange cert rotate   --serial S --out DIR                   a new certificate; the old one is revoked
  exchange cert revoke   --serial S --reason R
  exchange cert list     --subsystem ID
  exchange grant  --service ID --client ID (--legal-basis TEXT | --consent) [--endpoint "GET /persons/{code}"] [--expires 2027-03-21]
  exchange revoke --right N
  exchange rights --provider ID
  exchange inquire --client ID --service ID --path /x [--subject CODE] [--purpose TEXT]   one inquiry through the gateway

Every command also takes --db, --data and --instance (default IR). The
command line runs with operator access to the database: grant and revoke act
for the agency that owns the service, service add for the provider's agency,
and all are recorded with the actor "cli".
`

// cliAdmin is the command line acting as the platform's operator.
var cliAdmin = identity.Principal{Kind: "cli", Name: "cli", Roles: []identity.Role{identity.RolePlatformAdmin}}

func exchangeCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, exchangeUsage)
		return usageError{"exchange: want member, subsystem, service, cert, grant, revoke or rights"}
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "member", "subsystem", "service", "cert":
		if len(args) == 0 {
			return usageError{"exchange " + cmd + ": want a verb (see panjare exchange)"}
		}
		cmd, args = cmd+" "+args[0], args[1:]
	case "inquire":
		return exchangeInquire(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, exchangeUsage)
		return nil
	}
	cfg := app.Defaults()
	fs := flag.NewFlagSet("exchange "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	fs.StringVar(&cfg.Instance, "instance", cfg.Instance, "the exchange instance of this platform")
	var (
		class, code, name, nameEn, id, backend, openapiFile, title, titleEn, version string
		provider, subsystem, out, serial, reason, service, clientID, basis, endpoint string
		expires                                                                      string
		personal, consent, clear                                                     bool
		callbackURL                                                                  string
		days                                                                         int
		right                                                                        int64
	)
	switch cmd {
	case "member add":
		fs.StringVar(&class, "class", "GOV", "member class: GOV, COM or NGO")
		fs.StringVar(&code, "code", "", "member code; for GOV the agency code, such as NOCR")
		fs.StringVar(&name, "name", "", "the member's name in Persian")
		fs.StringVar(&nameEn, "name-en", "", "the member's name in English")
	case "member list", "subsystem list":
	case "subsystem add":
		fs.StringVar(&id, "id", "", "subsystem identifier INSTANCE/CLASS/MEMBER/SUBSYSTEM")
		fs.StringVar(&name, "name", "", "the subsystem's name in Persian")
	case "subsystem callback":
		fs.StringVar(&id, "id", "", "subsystem identifier INSTANCE/CLASS/MEMBER/SUBSYSTEM")
		fs.StringVar(&callbackURL, "url", "", "the base URL, such as https://tax.example.ir/exchange/callbacks; callbacks must lie under it")
		fs.BoolVar(&clear, "clear", false, "remove the registered base: the subsystem's answers are then only polled")
	case "service add":
		fs.StringVar(&id, "id", "", "service identifier INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE")
		fs.StringVar(&backend, "backend", "", "the provider's back end, http(s)://host:port/base")
		fs.StringVar(&openapiFile, "openapi", "", "the service's OpenAPI 3 description (a JSON file)")
		fs.BoolVar(&personal, "personal", false, "the service returns personal data")
		fs.StringVar(&title, "title", "", "title in Persian (default: the OpenAPI info.title)")
		fs.StringVar(&titleEn, "title-en", "", "title in English")
		fs.StringVar(&version, "version", "", "version (default: the next whole number)")
	case "service list":
		fs.StringVar(&provider, "provider", "", "provider subsystem identifier")
	case "cert issue":
		fs.StringVar(&subsystem, "subsystem", "", "subsystem identifier")
		fs.StringVar(&out, "out", "", "directory to write cert.pem, key.pem and ca.pem to")
		fs.IntVar(&days, "days", 365, "validity in days (at most 730)")
	case "cert rotate":
		fs.StringVar(&serial, "serial", "", "serial of the certificate to replace")
		fs.StringVar(&out, "out", "", "directory to write cert.pem, key.pem and ca.pem to")
	case "cert revoke":
		fs.StringVar(&serial, "serial", "", "serial of the certificate")
		fs.StringVar(&reason, "reason", "", "why it is revoked")
	case "cert list":
		fs.StringVar(&subsystem, "subsystem", "", "subsystem identifier")
	case "grant":
		fs.StringVar(&service, "service", "", "service identifier")
		fs.StringVar(&clientID, "client", "", "client subsystem identifier")
		fs.StringVar(&basis, "legal-basis", "", "the law or purpose that allows the access")
		fs.BoolVar(&consent, "consent", false, "each inquiry needs the citizen's consent instead of a legal basis")
		fs.StringVar(&endpoint, "endpoint", "", `one endpoint only, as "METHOD /path/{param}" (default: the whole service)`)
		fs.StringVar(&expires, "expires", "", "the right ends at this date (YYYY-MM-DD, UTC) or RFC 3339 time")
	case "revoke":
		fs.Int64Var(&right, "right", 0, "the access right's number (see exchange rights)")
	case "rights":
		fs.StringVar(&provider, "provider", "", "provider subsystem identifier")
	default:
		fmt.Fprint(stderr, exchangeUsage)
		return usageError{fmt.Sprintf("exchange: unknown command %q", cmd)}
	}
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	required := func(pairs ...string) error {
		var missing []string
		for i := 0; i < len(pairs); i += 2 {
			if strings.TrimSpace(pairs[i+1]) == "" {
				missing = append(missing, "--"+pairs[i])
			}
		}
		if len(missing) > 0 {
			return usageError{fmt.Sprintf("exchange %s: %s required", cmd, strings.Join(missing, ", "))}
		}
		return nil
	}
	var err error
	switch cmd {
	case "member add":
		err = required("class", class, "code", code, "name", name)
	case "subsystem add":
		err = required("id", id, "name", name)
	case "subsystem callback":
		if err = required("id", id); err == nil && (callbackURL == "") == !clear {
			err = usageError{"exchange subsystem callback: give either --url URL or --clear"}
		}
	case "service add":
		err = required("id", id, "backend", backend, "openapi", openapiFile)
	case "service list", "rights":
		err = required("provider", provider)
	case "cert issue":
		err = required("subsystem", subsystem, "out", out)
	case "cert rotate":
		err = required("serial", serial, "out", out)
	case "cert revoke":
		err = required("serial", serial, "reason", reason)
	case "cert list":
		err = required("subsystem", subsystem)
	case "grant":
		if err = required("service", service, "client", clientID); err == nil && (basis == "") == !consent {
			err = usageError{"exchange grant: give either --legal-basis TEXT or --consent"}
		}
	case "revoke":
		if right <= 0 {
			err = usageError{"exchange revoke: --right is required"}
		}
	}
	if err != nil {
		return err
	}
	var openapi []byte
	if cmd == "service add" {
		if openapi, err = os.ReadFile(openapiFile); err != nil {
			return fmt.Errorf("exchange service add: %w", err)
		}
	}
	cfg.Jobs = false
	a, err := app.New(ctx, cfg, newLogger(stderr, "warn"))
	if err != nil {
		return err
	}
	defer a.Close()
	x := a.Exchange

	switch cmd {
	case "member add":
		if err := x.RegisterMember(ctx, cliAdmin, exchange.Member{Class: class, Code: code, NameFa: name, NameEn: nameEn}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "registered member %s/%s\n", class, code)
	case "member list":
		list, err := x.Members(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLASS\tCODE\tNAME\tREGISTERED")
		for _, m := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.Class, m.Code, m.NameFa, m.CreatedAt.Format("2006-01-02"))
		}
		return tw.Flush()
	case "subsystem add":
		sid, err := exchange.ParseSubsystemID(id)
		if err != nil {
			return err
		}
		if err := x.RegisterSubsystem(ctx, exchange.OperatorFor(sid.Member), exchange.Subsystem{ID: sid, NameFa: name}); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "registered subsystem", sid)
	case "subsystem callback":
		sid, err := exchange.ParseSubsystemID(id)
		if err != nil {
			return err
		}
		if err := x.SetCallback(ctx, exchange.OperatorFor(sid.Member), sid, callbackURL); err != nil {
			return err
		}
		if clear {
			fmt.Fprintln(stdout, "removed the callback base of", sid)
		} else {
			fmt.Fprintln(stdout, "callbacks of", sid, "may go under", callbackURL)
		}
	case "subsystem list":
		list, err := x.Subsystems(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SUBSYSTEM\tNAME\tREGISTERED")
		for _, s := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", s.ID, s.NameFa, s.CreatedAt.Format("2006-01-02"))
		}
		return tw.Flush()
	case "service add":
		sid, err := exchange.ParseServiceID(id)
		if err != nil {
			return err
		}
		if title == "" {
			var doc struct {
				Info struct{ Title string } `json:"info"`
			}
			_ = json.Unmarshal(openapi, &doc)
			title = doc.Info.Title
		}
		if title == "" {
			title = sid.Code
		}
		svc := exchange.DataService{ID: sid, Version: version, TitleFa: title, TitleEn: titleEn, OpenAPI: string(openapi),
			BackendURL: backend, Personal: personal}
		if err := x.RegisterService(ctx, exchange.OperatorFor(sid.Provider.Member), svc); err != nil {
			return err
		}
		got, err := x.Service(ctx, sid)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "registered service %s version %s with %d endpoints\n", sid, got.Version, len(got.Endpoints))
	case "service list":
		pid, err := exchange.ParseSubsystemID(provider)
		if err != nil {
			return err
		}
		list, err := x.Services(ctx, pid)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SERVICE\tVERSION\tPERSONAL\tBACKEND\tENDPOINTS")
		for _, s := range list {
			eps := make([]string, len(s.Endpoints))
			for i, e := range s.Endpoints {
				eps[i] = e.String()
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\n", s.ID, s.Version, s.Personal, s.BackendURL, strings.Join(eps, ", "))
		}
		return tw.Flush()
	case "cert issue":
		sid, err := exchange.ParseSubsystemID(subsystem)
		if err != nil {
			return err
		}
		if err := freshFiles(out); err != nil {
			return err
		}
		c, certPEM, keyPEM, err := x.IssueCertificate(ctx, cliAdmin, sid, time.Duration(days)*24*time.Hour)
		if err != nil {
			return err
		}
		return writeCert(ctx, x, out, c, certPEM, keyPEM, stdout)
	case "cert rotate":
		if err := freshFiles(out); err != nil {
			return err
		}
		c, certPEM, keyPEM, err := x.RotateCertificate(ctx, cliAdmin, strings.ToLower(serial))
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "revoked certificate", strings.ToLower(serial), "(rotated)")
		return writeCert(ctx, x, out, c, certPEM, keyPEM, stdout)
	case "cert revoke":
		if err := x.RevokeCertificate(ctx, cliAdmin, serial, reason); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "revoked certificate", strings.ToLower(serial))
	case "cert list":
		sid, err := exchange.ParseSubsystemID(subsystem)
		if err != nil {
			return err
		}
		list, err := x.Certificates(ctx, sid)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "SERIAL\tNOT BEFORE\tNOT AFTER\tREVOKED\tREASON")
		for _, c := range list {
			revoked := "-"
			if c.RevokedAt != nil {
				revoked = c.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.Serial, c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339), revoked, c.Reason)
		}
		return tw.Flush()
	case "grant":
		r := exchange.AccessRight{LegalBasis: basis, RequiresConsent: consent}
		if r.Service, err = exchange.ParseServiceID(service); err != nil {
			return err
		}
		if r.Client, err = exchange.ParseSubsystemID(clientID); err != nil {
			return err
		}
		if endpoint != "" {
			method, path, ok := strings.Cut(strings.TrimSpace(endpoint), " ")
			if !ok {
				return usageError{`exchange grant: --endpoint must be "METHOD /path", such as "GET /persons/{code}"`}
			}
			r.Endpoint = &exchange.Endpoint{Method: strings.ToUpper(method), Path: strings.TrimSpace(path)}
		}
		if expires != "" {
			t, err := parseWhen(expires)
			if err != nil {
				return usageError{"exchange grant: --expires: " + err.Error()}
			}
			r.ExpiresAt = &t
		}
		got, err := x.Grant(ctx, exchange.OperatorFor(r.Service.Provider.Member), r)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "granted right %d: %s may call %s%s (%s)\n", got.ID, got.Client, got.Service, endpointSuffix(got.Endpoint), basisText(got))
	case "revoke":
		r, err := x.Right(ctx, right)
		if err != nil {
			return err
		}
		if err := x.RevokeRight(ctx, exchange.OperatorFor(r.Service.Provider.Member), right); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "revoked right %d: %s may no longer call %s%s\n", r.ID, r.Client, r.Service, endpointSuffix(r.Endpoint))
	case "rights":
		pid, err := exchange.ParseSubsystemID(provider)
		if err != nil {
			return err
		}
		list, err := x.Rights(ctx, pid)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSERVICE\tENDPOINT\tCLIENT\tBASIS\tGRANTED\tEXPIRES\tREVOKED")
		for _, r := range list {
			ep, exp, rev := "*", "-", "-"
			if r.Endpoint != nil {
				ep = r.Endpoint.String()
			}
			if r.ExpiresAt != nil {
				exp = r.ExpiresAt.Format(time.RFC3339)
			}
			if r.RevokedAt != nil {
				rev = r.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Service, ep, r.Client, basisText(r), r.GrantedAt.Format(time.RFC3339), exp, rev)
		}
		return tw.Flush()
	}
	return nil
}

func endpointSuffix(e *exchange.Endpoint) string {
	if e == nil {
		return ""
	}
	return " " + e.String()
}

func basisText(r exchange.AccessRight) string {
	if r.RequiresConsent {
		return "consent required"
	}
	return "legal basis: " + r.LegalBasis
}

// parseWhen reads a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time.
func parseWhen(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, errors.New("want YYYY-MM-DD or an RFC 3339 time")
	}
	return t.UTC(), nil
}

// certFiles are the files cert issue and rotate write.
var certFiles = []string{"cert.pem", "key.pem", "ca.pem"}

// freshFiles makes dir if needed and refuses to overwrite a key pair in it.
func freshFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for _, f := range certFiles {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("exchange cert: %s already exists; choose an empty --out directory", filepath.Join(dir, f))
		}
	}
	return nil
}

// writeCert writes the certificate, its key (readable by the owner only) and
// the platform root, refusing to replace existing files.
func writeCert(ctx context.Context, x *exchange.Exchange, dir string, c exchange.Certificate, certPEM, keyPEM []byte, stdout io.Writer) error {
	_, rootPEM, err := x.RootPool(ctx)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		body []byte
		mode os.FileMode
	}{{"key.pem", keyPEM, 0o600}, {"cert.pem", certPEM, 0o644}, {"ca.pem", rootPEM, 0o644}} {
		path := filepath.Join(dir, f.name)
		fh, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, f.mode)
		if err != nil {
			return fmt.Errorf("exchange cert: the certificate %s is issued, but %w", c.Serial, err)
		}
		_, err = fh.Write(f.body)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("exchange cert: the certificate %s is issued, but writing %s failed: %w", c.Serial, path, err)
		}
	}
	fmt.Fprintf(stdout, "issued certificate %s for %s, valid until %s\nwrote %s, %s (owner only) and %s\n",
		c.Serial, c.Subsystem, c.NotAfter.Format(time.RFC3339),
		filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), filepath.Join(dir, "ca.pem"))
	return nil
}
