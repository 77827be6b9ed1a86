package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/permit"
	"github.com/panjare/panjare/internal/persian"
)

// document is "panjare document verify": it checks a signed document (the
// text of its QR code) against the agencies' published keys, with no
// database and no connection to the platform beyond fetching the key set
// when it is given as a URL. It cannot see revocations; the verify page
// can.
func document(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return usageError{"document: want verify"}
	}
	fs := flag.NewFlagSet("document verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	jwksFrom := fs.String("jwks", "", "the agencies' public keys: a file, or the URL of /.well-known/jwks.json")
	jws := fs.String("jws", "", "the signed document: the text of its QR code")
	jwsFile := fs.String("jws-file", "", "a file holding the signed document, instead of --jws")
	if err := parse(fs, args[1:], getenv); err != nil {
		return err
	}
	if *jwksFrom == "" || (*jws == "") == (*jwsFile == "") {
		return usageError{"document verify: give --jwks, and one of --jws or --jws-file"}
	}
	token := *jws
	if *jwsFile != "" {
		b, err := os.ReadFile(*jwsFile)
		if err != nil {
			return err
		}
		token = string(b)
	}
	keys, err := readJWKS(ctx, *jwksFrom)
	if err != nil {
		return fmt.Errorf("reading the key set: %w", err)
	}
	c, err := permit.VerifyOffline(strings.TrimSpace(token), keys)
	switch {
	case errors.Is(err, permit.ErrForged):
		fmt.Fprintln(stdout, "forged: the signature matches none of the published keys, or the document was altered")
		return errors.New("the document is forged")
	case errors.Is(err, permit.ErrExpired):
		fmt.Fprintln(stdout, "expired: the document is genuine but no longer valid")
	case err != nil:
		return err
	default:
		fmt.Fprintln(stdout, "valid signature: issued by", c.Agency, "(revocations are not checked offline; check online at "+c.Issuer+"/verify)")
	}
	fmt.Fprintf(stdout, "  document  %s\n  service   %s (%s)\n  agency    %s (%s)\n  holder    %s\n  issued    %s\n",
		c.ID, c.ServiceTitleFa, c.Service, c.AgencyNameFa, c.Agency, c.HolderName, persian.JalaliDate(time.Unix(c.IssuedAt, 0)))
	if c.ValidUntil != 0 {
		fmt.Fprintf(stdout, "  valid to  %s\n", persian.JalaliDate(time.Unix(c.ValidUntil, 0)))
	}
	for _, f := range c.Facts {
		label := f.LabelEn
		if label == "" {
			label = f.LabelFa
		}
		fmt.Fprintf(stdout, "  %s: %s\n", label, f.Value)
	}
	if errors.Is(err, permit.ErrExpired) {
		return errors.New("the document has expired")
	}
	return nil
}

// readJWKS reads a key set from a file or an http(s) URL, at most 1 MiB.
func readJWKS(ctx context.Context, from string) ([]byte, error) {
	if !strings.HasPrefix(from, "https://") && !strings.HasPrefix(from, "http://") {
		return os.ReadFile(from)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, from, nil)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", from, res.Status)
	}
	return io.ReadAll(io.LimitReader(res.Body, 1<<20))
}
