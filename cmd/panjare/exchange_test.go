package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const cliOpenAPI = `{"openapi": "3.0.3", "info": {"title": "هویت اشخاص", "version": "1"},
 "paths": {"/persons/{code}": {"get": {"responses": {"200": {"description": "ok"}}}},
           "/persons/{code}/family": {"get": {"responses": {"200": {"description": "ok"}}}}}}`

// TestExchangeCommands registers members, subsystems and a service, issues
// and revokes certificates, and grants and revokes rights, end to end on a
// SQLite database.
func TestExchangeCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := env(map[string]string{"PANJARE_DATA": dir})
	exec := func(want int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := run(ctx, append([]string{"exchange"}, args...), e, &out, &errb); code != want {
			t.Fatalf("exchange %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, out.String(), errb.String())
		}
		if want == 0 {
			return out.String()
		}
		return out.String() + errb.String()
	}
	api := filepath.Join(dir, "person.json")
	if err := os.WriteFile(api, []byte(cliOpenAPI), 0o644); err != nil {
		t.Fatal(err)
	}

	exec(2)
	exec(2, "member")
	exec(2, "frobnicate")
	exec(2, "member", "add", "--code", "NOCR")
	exec(0, "help")

	exec(0, "member", "add", "--class", "GOV", "--code", "NOCR", "--name", "سازمان ثبت احوال کشور")
	exec(0, "member", "add", "--code", "INTA", "--name", "سازمان امور مالیاتی کشور")
	if out := exec(1, "member", "add", "--code", "NOCR", "--name", "x"); !strings.Contains(out, "already registered") {
		t.Errorf("second member add: %s", out)
	}
	if out := exec(0, "member", "list"); !strings.Contains(out, "NOCR") || !strings.Contains(out, "سازمان امور مالیاتی کشور") {
		t.Errorf("member list: %s", out)
	}
	exec(0, "subsystem", "add", "--id", "IR/GOV/NOCR/population", "--name", "سامانهٔ جمعیت")
	exec(0, "subsystem", "add", "--id", "IR/GOV/INTA/tax", "--name", "سامانهٔ مالیات")
	if out := exec(1, "subsystem", "add", "--id", "IR/GOV/NOCR/../x", "--name", "x"); !strings.Contains(out, "subsystem") {
		t.Errorf("bad subsystem id: %s", out)
	}
	exec(1, "subsystem", "add", "--id", "IR/GOV/NOPE/x", "--name", "x")
	if out := exec(0, "subsystem", "list"); !strings.Contains(out, "IR/GOV/INTA/tax") {
		t.Errorf("subsystem list: %s", out)
	}
	exec(2, "subsystem", "callback", "--id", "IR/GOV/INTA/tax")
	exec(2, "subsystem", "callback", "--id", "IR/GOV/INTA/tax", "--url", "https://tax.example.ir/cb", "--clear")
	if out := exec(1, "subsystem", "callback", "--id", "IR/GOV/INTA/tax", "--url", "ftp://tax.example.ir/cb"); !strings.Contains(out, "callback base") {
		t.Errorf("bad callback base: %s", out)
	}
	if out := exec(0, "subsystem", "callback", "--id", "IR/GOV/INTA/tax", "--url", "https://tax.example.ir/cb"); !strings.Contains(out, "https://tax.example.ir/cb") {
		t.Errorf("subsystem callback: %s", out)
	}
	exec(0, "subsystem", "callback", "--id", "IR/GOV/INTA/tax", "--clear")

	svc := "IR/GOV/NOCR/population/person-identity"
	exec(2, "service", "add", "--id", svc, "--backend", "http://127.0.0.1:9101/identity")
	exec(1, "service", "add", "--id", svc, "--backend", "http://127.0.0.1:9101/identity", "--openapi", filepath.Join(dir, "missing.json"))
	exec(1, "service", "add", "--id", svc, "--backend", "ftp://x", "--openapi", api, "--personal")
	if out := exec(0, "service", "add", "--id", svc, "--backend", "http://127.0.0.1:9101/identity", "--openapi", api, "--personal"); !strings.Contains(out, "version 1 with 2 endpoints") {
		t.Errorf("service add: %s", out)
	}
	if out := exec(0, "service", "add", "--id", svc, "--backend", "http://127.0.0.1:9102/identity", "--openapi", api, "--personal"); !strings.Contains(out, "version 2") {
		t.Errorf("service add, second version: %s", out)
	}
	if out := exec(0, "service", "list", "--provider", "IR/GOV/NOCR/population"); !strings.Contains(out, "9102") || !strings.Contains(out, "GET /persons/{code}") {
		t.Errorf("service list: %s", out)
	}

	// Grants act for the provider's agency; the client must exist.
	exec(2, "grant", "--service", svc, "--client", "IR/GOV/INTA/tax")
	exec(2, "grant", "--service", svc, "--client", "IR/GOV/INTA/tax", "--legal-basis", "x", "--consent")
	exec(2, "grant", "--service", svc, "--client", "IR/GOV/INTA/tax", "--consent", "--endpoint", "GET")
	exec(2, "grant", "--service", svc, "--client", "IR/GOV/INTA/tax", "--consent", "--expires", "tomorrow")
	exec(1, "grant", "--service", svc, "--client", "IR/GOV/INTA/nothing", "--consent")
	out := exec(0, "grant", "--service", svc, "--client", "IR/GOV/INTA/tax", "--legal-basis", "قانون مالیات‌های مستقیم", "--endpoint", "GET /persons/{code}", "--expires", "2099-03-21")
	m := regexp.MustCompile(`granted right (\d+)`).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "GET /persons/{code}") {
		t.Fatalf("grant: %s", out)
	}
	exec(0, "grant", "--service", svc, "--client", "IR/GOV/INTA/tax", "--consent")
	out = exec(0, "rights", "--provider", "IR/GOV/NOCR/population")
	if !strings.Contains(out, "legal basis: قانون مالیات‌های مستقیم") || !strings.Contains(out, "consent required") || !strings.Contains(out, "2099-03-21") {
		t.Errorf("rights: %s", out)
	}
	exec(2, "revoke")
	exec(1, "revoke", "--right", "999")
	exec(0, "revoke", "--right", m[1])
	exec(1, "revoke", "--right", m[1])
	if out := exec(0, "rights", "--provider", "IR/GOV/NOCR/population"); strings.Count(out, "\n") != 3 || !strings.Contains(out, "Z\n") {
		t.Errorf("rights after revoke: %s", out)
	}

	// Certificates: cert.pem, key.pem (owner only) and ca.pem, which verify.
	certDir := filepath.Join(dir, "tax-cert")
	exec(2, "cert", "issue", "--subsystem", "IR/GOV/INTA/tax")
	exec(1, "cert", "issue", "--subsystem", "IR/GOV/INTA/nothing", "--out", filepath.Join(dir, "x"))
	out = exec(0, "cert", "issue", "--subsystem", "IR/GOV/INTA/tax", "--out", certDir)
	serial := regexp.MustCompile(`issued certificate ([0-9a-f]+)`).FindStringSubmatch(out)
	if serial == nil {
		t.Fatalf("cert issue: %s", out)
	}
	if out := exec(1, "cert", "issue", "--subsystem", "IR/GOV/INTA/tax", "--out", certDir); !strings.Contains(out, "already exists") {
		t.Errorf("cert issue over existing files: %s", out)
	}
	if fi, err := os.Stat(filepath.Join(certDir, "key.pem")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key.pem: %v %v", fi, err)
	}
	pair, err := tls.LoadX509KeyPair(filepath.Join(certDir, "cert.pem"), filepath.Join(certDir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := os.ReadFile(filepath.Join(certDir, "ca.pem"))
	block, _ := pem.Decode(caPEM)
	root, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(pair.Certificate[0])
	pool := x509.NewCertPool()
	pool.AddCert(root)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("issued certificate does not verify against ca.pem: %v", err)
	}
	if len(leaf.URIs) != 1 || leaf.URIs[0].String() != "urn:panjare:subsystem:IR/GOV/INTA/tax" {
		t.Errorf("SAN URIs: %v", leaf.URIs)
	}
	rotated := filepath.Join(dir, "tax-cert-2")
	if out := exec(0, "cert", "rotate", "--serial", serial[1], "--out", rotated); !strings.Contains(out, "rotated") {
		t.Errorf("cert rotate: %s", out)
	}
	out = exec(0, "cert", "list", "--subsystem", "IR/GOV/INTA/tax")
	if !strings.Contains(out, serial[1]) || !strings.Contains(out, "rotated") || strings.Count(out, "\n") != 3 {
		t.Errorf("cert list: %s", out)
	}
	newSerial := regexp.MustCompile(`(?m)^([0-9a-f]+)\s.*\s-\s*$`).FindStringSubmatch(out)
	if newSerial == nil {
		t.Fatalf("no live certificate in: %s", out)
	}
	exec(2, "cert", "revoke", "--serial", newSerial[1])
	exec(0, "cert", "revoke", "--serial", newSerial[1], "--reason", "key lost")
	exec(1, "cert", "revoke", "--serial", newSerial[1], "--reason", "again")
	if out := exec(0, "cert", "list", "--subsystem", "IR/GOV/INTA/tax"); !strings.Contains(out, "key lost") {
		t.Errorf("cert list after revoke: %s", out)
	}
}
