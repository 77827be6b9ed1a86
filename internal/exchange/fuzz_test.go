package exchange_test

import (
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
)

// The seed corpus is in testdata/fuzz/<FuzzName>/; run a fuzzer with
// go test -run '^$' -fuzz '^FuzzParseGatewayPath$' -fuzztime 60s ./internal/exchange

func FuzzParseGatewayPath(f *testing.F) {
	f.Add("/r1/IR/GOV/NOCR/population/person-identity/persons/0067749828")
	f.Fuzz(func(t *testing.T, p string) {
		svc, rest, err := exchange.ParseGatewayPath(p)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("error of kind %v, want Invalid: %v", errs.KindOf(err), err)
			}
			return
		}
		if !strings.HasPrefix(rest, "/") {
			t.Fatalf("rest %q does not start with /", rest)
		}
		low := strings.ToLower(rest)
		for _, bad := range []string{"..", "//", "%2f", "%5c", "%2e", "%00", "%25", "\x00", "\\", "?", "#"} {
			if strings.Contains(low, bad) {
				t.Fatalf("rest %q of %q contains %q", rest, p, bad)
			}
		}
		for _, seg := range strings.Split(rest, "/") {
			if seg == "." {
				t.Fatalf("rest %q of %q has a . segment", rest, p)
			}
		}
		// What parses round-trips: the service through String, and the path
		// rebuilt from the parts parses to the same parts.
		again, err := exchange.ParseServiceID(svc.String())
		if err != nil || again != svc {
			t.Fatalf("service %v does not round-trip: %v, %v", svc, again, err)
		}
		svc2, rest2, err := exchange.ParseGatewayPath("/r1/" + svc.String() + rest)
		if err != nil || svc2 != svc || rest2 != rest {
			t.Fatalf("%q: rebuilt path parses to %v %q %v, want %v %q", p, svc2, rest2, err, svc, rest)
		}
		if err := exchange.CheckRestPath(rest); err != nil {
			t.Fatalf("rest %q fails CheckRestPath: %v", rest, err)
		}
	})
}

func FuzzParseSubsystemID(f *testing.F) {
	f.Add("IR/GOV/NOCR/population")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := exchange.ParseSubsystemID(s)
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("error of kind %v, want Invalid: %v", errs.KindOf(err), err)
			}
			if _, err := exchange.ParseServiceID(s); err == nil && strings.Count(s, "/") != 4 {
				t.Fatalf("%q parses as a service but has %d slashes", s, strings.Count(s, "/"))
			}
			return
		}
		if id.String() != s {
			t.Fatalf("%q parses to %v, which prints as %q", s, id, id.String())
		}
		if err := id.Validate(); err != nil {
			t.Fatalf("%q parses but does not validate: %v", s, err)
		}
		for _, bad := range []string{"..", "//", "%", "\x00", "\\", " ", "."} {
			if strings.Contains(s, bad) {
				t.Fatalf("%q parses but contains %q", s, bad)
			}
		}
		svc, err := exchange.ParseServiceID(s + "/x")
		if err != nil || svc.Provider != id || svc.String() != s+"/x" {
			t.Fatalf("%q/x does not parse as a service of %v: %v, %v", s, id, svc, err)
		}
	})
}
