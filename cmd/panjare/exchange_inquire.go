package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/exchange"
)

const exchangeInquireUsage = `panjare exchange inquire: make one inquiry through the gateway

  exchange inquire --client IR/GOV/INTA/tax --service IR/GOV/NOCR/population/person-identity
                   --path /persons/0067749828 [--method GET] [--body FILE]
                   [--subject CODE] [--purpose TEXT] [--issue REF] [--db DB] [--data DIR]

It goes through the same access check, consent, message log and signature as
an inquiry over the network, acting as the client subsystem. The provider's
answer goes to standard output; the status, message id and signed receipt
(JSON) go to standard error. It exits 1 when the gateway refuses, printing
the typed error code, or when the provider answers with a status of 400 or
more (its answer is still printed).
`

// inquireStatusError reports that the inquiry went through but the provider
// answered with an error status.
type inquireStatusError struct{ status int }

func (e inquireStatusError) Error() string { return fmt.Sprintf("the provider answered %d", e.status) }

// exchangeInquire makes one inquiry from the command line, for operators and
// tests, calling the gateway directly on the database.
func exchangeInquire(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := app.Defaults()
	fs := flag.NewFlagSet("exchange inquire", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, exchangeInquireUsage) }
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH or a postgres:// URL")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory")
	fs.StringVar(&cfg.Instance, "instance", cfg.Instance, "the exchange instance of this platform")
	var client, service, path, method, bodyFile, subject, purpose, issue string
	fs.StringVar(&client, "client", "", "client subsystem identifier, such as IR/GOV/INTA/tax")
	fs.StringVar(&service, "service", "", "service identifier, such as IR/GOV/NOCR/population/person-identity")
	fs.StringVar(&path, "path", "/", "the path after the service code, with the query if any")
	fs.StringVar(&method, "method", "GET", "HTTP method")
	fs.StringVar(&bodyFile, "body", "", "a file whose bytes are the request body (- for standard input)")
	fs.StringVar(&subject, "subject", "", "the national code the inquiry is about (for personal data)")
	fs.StringVar(&purpose, "purpose", "", "why the data is asked for")
	fs.StringVar(&issue, "issue", "", "the case or tracking reference")
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if client == "" || service == "" {
		return usageError{"exchange inquire: --client and --service are required"}
	}
	cid, err := exchange.ParseSubsystemID(client)
	if err != nil {
		return usageError{"exchange inquire: --client: " + err.Error()}
	}
	sid, err := exchange.ParseServiceID(service)
	if err != nil {
		return usageError{"exchange inquire: --service: " + err.Error()}
	}
	var body []byte
	switch bodyFile {
	case "":
	case "-":
		body, err = io.ReadAll(io.LimitReader(os.Stdin, 10<<20))
	default:
		body, err = os.ReadFile(bodyFile)
	}
	if err != nil {
		return fmt.Errorf("exchange inquire: --body: %w", err)
	}
	cfg.Jobs = false
	cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "", ""
	a, err := app.New(ctx, cfg, newLogger(stderr, "warn"))
	if err != nil {
		return err
	}
	defer a.Close()
	reply, err := a.Gateway.Inquire(ctx, exchange.Inquiry{Client: cid, Service: sid, Method: strings.ToUpper(method), Path: path,
		Body: body, Subject: subject, Purpose: purpose, Issue: issue})
	if err != nil {
		p := exchange.ProblemOf(err, "")
		return fmt.Errorf("%s (%d): %s", p.Code, p.Status, firstNonEmpty(p.Detail, p.Title))
	}
	if _, err := stdout.Write(reply.Body); err != nil {
		return err
	}
	rc, _ := json.Marshal(reply.Receipt)
	fmt.Fprintf(stderr, "status %d, message %s\nreceipt %s\n", reply.Status, reply.MessageID, rc)
	if reply.Status >= 400 {
		return inquireStatusError{reply.Status}
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
