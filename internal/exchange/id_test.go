package exchange_test

import (
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
)

func TestParseSubsystemID(t *testing.T) {
	good := []struct {
		in   string
		want exchange.SubsystemID
	}{
		{"IR/GOV/NOCR/population", exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: "NOCR", Subsystem: "population"}},
		{"IR/GOV/FARAJA_PASS/passports", exchange.SubsystemID{Instance: "IR", Class: "GOV", Member: "FARAJA_PASS", Subsystem: "passports"}},
		{"IRTEST/COM/BANK1/core-2", exchange.SubsystemID{Instance: "IRTEST", Class: "COM", Member: "BANK1", Subsystem: "core-2"}},
		{"IR/NGO/AB/0", exchange.SubsystemID{Instance: "IR", Class: "NGO", Member: "AB", Subsystem: "0"}},
		{"ABCDEFGHIJKLMNOP/ABCDEFGH/A" + strings.Repeat("B", 23) + "/" + strings.Repeat("a", 63),
			exchange.SubsystemID{Instance: "ABCDEFGHIJKLMNOP", Class: "ABCDEFGH", Member: "A" + strings.Repeat("B", 23), Subsystem: strings.Repeat("a", 63)}},
	}
	for _, c := range good {
		got, err := exchange.ParseSubsystemID(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseSubsystemID(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		if got.String() != c.in {
			t.Errorf("String() = %q, want %q", got.String(), c.in)
		}
	}
	bad := []string{
		"", "IR", "IR/GOV/NOCR", "IR/GOV/NOCR/population/x", "/IR/GOV/NOCR/population", "IR/GOV/NOCR/population/",
		"IR//NOCR/population", "ir/GOV/NOCR/population", "I/GOV/NOCR/population", "IR/G/NOCR/population",
		"IR/GOVERNMENT/NOCR/population", "IR/GOV/nocr/population", "IR/GOV/1NOCR/population", "IR/GOV/N/population",
		"IR/GOV/NOCR/Population", "IR/GOV/NOCR/-population", "IR/GOV/NOCR/pop.ulation", "IR/GOV/NOCR/..",
		"IR/GOV/NOCR/pop%2fulation", "IR/GOV/NO-CR/population", "IR/GOV/NOCR/pop ulation", "IR/GOV/NOCR/pop_ulation",
		"IR/GOV/NOCR/جمعیت", "IR/GOV/NOCR/population\x00", "IR/GOV/A" + strings.Repeat("B", 24) + "/x",
		"IR/GOV/NOCR/" + strings.Repeat("a", 64), "ABCDEFGHIJKLMNOPQ/GOV/NOCR/x", `IR\GOV\NOCR\population`,
	}
	for _, in := range bad {
		_, err := exchange.ParseSubsystemID(in)
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseSubsystemID(%q) = %v, want an Invalid error", in, err)
			continue
		}
		if fa, en := errs.Messages(err); fa == "" || en == "" {
			t.Errorf("ParseSubsystemID(%q): messages fa=%q en=%q", in, fa, en)
		}
	}
}

func TestParseServiceID(t *testing.T) {
	id, err := exchange.ParseServiceID("IR/GOV/NOCR/population/person-identity")
	if err != nil || id.Code != "person-identity" || id.Provider.Member != "NOCR" || id.String() != "IR/GOV/NOCR/population/person-identity" {
		t.Fatalf("ParseServiceID = %+v, %v", id, err)
	}
	for _, in := range []string{"IR/GOV/NOCR/population", "IR/GOV/NOCR/population/", "IR/GOV/NOCR/population/Person",
		"IR/GOV/NOCR/population/person/x", "IR/GOV/NOCR/population/-x", "ir/GOV/NOCR/population/x"} {
		if _, err := exchange.ParseServiceID(in); !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseServiceID(%q) = %v, want Invalid", in, err)
		}
	}
}

func TestParseGatewayPath(t *testing.T) {
	good := []struct{ in, service, rest string }{
		{"/r1/IR/GOV/NOCR/population/person-identity", "IR/GOV/NOCR/population/person-identity", "/"},
		{"/r1/IR/GOV/NOCR/population/person-identity/", "IR/GOV/NOCR/population/person-identity", "/"},
		{"/r1/IR/GOV/NOCR/population/person-identity/persons/0067749828", "IR/GOV/NOCR/population/person-identity", "/persons/0067749828"},
		{"/r1/IR/GOV/NOCR/population/person-identity/persons/", "IR/GOV/NOCR/population/person-identity", "/persons/"},
		{"/r1/IR/GOV/INTA/tax/clearance/a/b.json", "IR/GOV/INTA/tax/clearance", "/a/b.json"},
		{"/r1/IR/GOV/INTA/tax/clearance/%D8%A7", "IR/GOV/INTA/tax/clearance", "/%D8%A7"},
		{"/r1/IR/GOV/INTA/tax/clearance/a:b@c;d=e,f+g!$&'()*~_-", "IR/GOV/INTA/tax/clearance", "/a:b@c;d=e,f+g!$&'()*~_-"},
		{"/r1/IR/GOV/INTA/tax/clearance/.well", "IR/GOV/INTA/tax/clearance", "/.well"},
	}
	for _, c := range good {
		svc, rest, err := exchange.ParseGatewayPath(c.in)
		if err != nil || svc.String() != c.service || rest != c.rest {
			t.Errorf("ParseGatewayPath(%q) = %v, %q, %v; want %s, %q", c.in, svc, rest, err, c.service, c.rest)
		}
	}
	bad := []string{
		"", "/", "/r1", "/r1/", "/r2/IR/GOV/NOCR/population/x", "r1/IR/GOV/NOCR/population/x", "/r1/IR/GOV/NOCR/population",
		"/r1/IR/GOV/NOCR/population/", "/r1/IR/GOV/NOCR//x", "//r1/IR/GOV/NOCR/population/x",
		"/r1/IR/GOV/NOCR/population/x/..", "/r1/IR/GOV/NOCR/population/x/../../y", "/r1/IR/GOV/NOCR/population/x/a/../b",
		"/r1/IR/GOV/NOCR/population/x/a..b", "/r1/IR/GOV/NOCR/population/x/./a", "/r1/IR/GOV/NOCR/population/x/.",
		"/r1/IR/GOV/NOCR/population/x//a", "/r1/IR/GOV/NOCR/population/x/a//", "/r1/IR/GOV/NOCR/population/x/a%2fb",
		"/r1/IR/GOV/NOCR/population/x/a%2Fb", "/r1/IR/GOV/NOCR/population/x/a%5cb", "/r1/IR/GOV/NOCR/population/x/%2e%2e",
		"/r1/IR/GOV/NOCR/population/x/%2E", "/r1/IR/GOV/NOCR/population/x/a%00", "/r1/IR/GOV/NOCR/population/x/a%252f",
		"/r1/IR/GOV/NOCR/population/x/a%", "/r1/IR/GOV/NOCR/population/x/a%2", "/r1/IR/GOV/NOCR/population/x/a%zz",
		"/r1/IR/GOV/NOCR/population/x/a\\b", "/r1/IR/GOV/NOCR/population/x/a\x00b", "/r1/IR/GOV/NOCR/population/x/a b",
		"/r1/IR/GOV/NOCR/population/x/a?b", "/r1/IR/GOV/NOCR/population/x/a#b", "/r1/IR/GOV/NOCR/population/x/جمعیت",
		"/r1/IR/GOV/NOCR/population/x/a%0a", "/r1/IR/GOV/NOCR/population/x/a\nb", "/r1/IR/GOV/NOCR/population/X/a",
		"/r1/IR/GOV/NOCR/population/%78", "/r1/IR/GOV/NOCR/population/x/" + strings.Repeat("a", 5000),
		"/r1/IR/GOV/NOCR/../population/x", "/r1/ir/GOV/NOCR/population/x",
	}
	for _, in := range bad {
		svc, rest, err := exchange.ParseGatewayPath(in)
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("ParseGatewayPath(%q) = %v, %q, %v; want Invalid", in, svc, rest, err)
			continue
		}
		if e, _ := errs.As(err); e.Op != exchange.CodeBadRequest {
			t.Errorf("ParseGatewayPath(%q): Op %q, want %q", in, e.Op, exchange.CodeBadRequest)
		}
	}
}

func TestEndpointMatches(t *testing.T) {
	cases := []struct {
		tmpl, method, path string
		want               bool
	}{
		{"/persons/{code}", "GET", "/persons/0067749828", true},
		{"/persons/{code}", "POST", "/persons/0067749828", false},
		{"/persons/{code}", "get", "/persons/0067749828", false},
		{"/persons/{code}", "GET", "/persons/", false},
		{"/persons/{code}", "GET", "/persons", false},
		{"/persons/{code}", "GET", "/persons/1/family", false},
		{"/persons/{code}/family", "GET", "/persons/1/family", true},
		{"/persons/{code}/family", "GET", "/persons/1/alive", false},
		{"/persons/*", "GET", "/persons", true},
		{"/persons/*", "GET", "/persons/1", true},
		{"/persons/*", "GET", "/persons/1/family", true},
		{"/persons/*", "GET", "/personsx", false},
		{"/persons/*", "GET", "/vehicles/1", false},
		{"/*", "GET", "/anything/at/all", true},
		{"/*", "GET", "/", true},
		{"/", "GET", "/", true},
		{"/", "GET", "/x", false},
		{"/status", "GET", "/status", true},
		{"/status", "GET", "/status/", false},
		{"/persons/{code}/*", "GET", "/persons/1/a/b", true},
		{"/persons/{code}/*", "GET", "/persons", false},
	}
	for _, c := range cases {
		e := exchange.Endpoint{Method: "GET", Path: c.tmpl}
		if got := e.Matches(c.method, c.path); got != c.want {
			t.Errorf("%s matches %s %s = %v, want %v", e, c.method, c.path, got, c.want)
		}
	}
}
