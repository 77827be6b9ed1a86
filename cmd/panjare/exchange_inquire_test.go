package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExchangeInquire registers a provider, a client, a service and a right
// with the exchange commands, then makes inquiries with exchange inquire.
func TestExchangeInquire(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := env(map[string]string{"PANJARE_DATA": dir})
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Panjare-Client") != "IR/GOV/INTA/tax" {
			http.Error(w, "no client", http.StatusBadRequest)
			return
		}
		fmt.Fprintf(w, `{"path":%q,"subject":%q}`, r.URL.Path, r.Header.Get("Panjare-Subject"))
	}))
	defer backend.Close()
	api := filepath.Join(dir, "openapi.json")
	os.WriteFile(api, []byte(`{"openapi":"3.0.3","info":{"title":"هویت","version":"1"},"paths":{"/persons/{code}":{"get":{"responses":{"200":{"description":"ok"}}}}}}`), 0o600)

	for _, args := range [][]string{
		{"exchange", "member", "add", "--code", "NOCR", "--name", "سازمان ثبت احوال کشور"},
		{"exchange", "member", "add", "--code", "INTA", "--name", "سازمان امور مالیاتی کشور"},
		{"exchange", "subsystem", "add", "--id", "IR/GOV/NOCR/population", "--name", "ثبت جمعیت"},
		{"exchange", "subsystem", "add", "--id", "IR/GOV/INTA/tax", "--name", "مالیات"},
		{"exchange", "service", "add", "--id", "IR/GOV/NOCR/population/person-identity", "--backend", backend.URL, "--openapi", api, "--personal"},
		{"exchange", "grant", "--service", "IR/GOV/NOCR/population/person-identity", "--client", "IR/GOV/INTA/tax", "--legal-basis", "قانون مالیات‌های مستقیم"},
	} {
		var out, errb bytes.Buffer
		if code := run(ctx, args, e, &out, &errb); code != 0 {
			t.Fatalf("%v: %d %s", args, code, errb.String())
		}
	}

	var out, errb bytes.Buffer
	code := run(ctx, []string{"exchange", "inquire", "--client", "IR/GOV/INTA/tax", "--service", "IR/GOV/NOCR/population/person-identity",
		"--path", "/persons/0067749828", "--subject", "0067749828", "--purpose", "آزمون"}, e, &out, &errb)
	if code != 0 || out.String() != `{"path":"/persons/0067749828","subject":"0067749828"}` {
		t.Fatalf("inquire: %d %q %s", code, out.String(), errb.String())
	}
	_, rc, ok := strings.Cut(errb.String(), "receipt ")
	var receipt struct {
		Signature string `json:"signature"`
	}
	if !ok || json.Unmarshal([]byte(rc), &receipt) != nil || receipt.Signature == "" || !strings.Contains(errb.String(), "status 200") {
		t.Fatalf("no receipt on stderr: %s", errb.String())
	}

	// Refusals exit 1 with the typed code.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--client", "IR/GOV/INTA/ghost", "--service", "IR/GOV/NOCR/population/person-identity", "--path", "/persons/0067749828", "--subject", "0067749828"}, "exchange.unknown_client"},
		{[]string{"--client", "IR/GOV/INTA/tax", "--service", "IR/GOV/NOCR/population/nothing"}, "exchange.unknown_service"},
		{[]string{"--client", "IR/GOV/INTA/tax", "--service", "IR/GOV/NOCR/population/person-identity", "--path", "/persons/0067749828", "--subject", "0684159415"}, "exchange.bad_request"},
	} {
		out.Reset()
		errb.Reset()
		if code := run(ctx, append([]string{"exchange", "inquire"}, c.args...), e, &out, &errb); code != 1 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: %d %s, want %s", c.args, code, errb.String(), c.want)
		}
	}
	if code := run(ctx, []string{"exchange", "inquire", "--client", "IR/GOV/INTA/tax"}, e, &out, &errb); code != 2 {
		t.Errorf("without --service: %d", code)
	}
	if code := run(ctx, []string{"exchange", "inquire", "--client", "tax", "--service", "IR/GOV/NOCR/population/person-identity"}, e, &out, &errb); code != 2 {
		t.Errorf("a malformed --client: %d", code)
	}
}
