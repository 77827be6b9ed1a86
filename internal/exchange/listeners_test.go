package exchange_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestPlainListenerOnlyFromThisMachine checks that the header naming the
// client is not believed from a remote peer, even if the plain listener were
// reachable (by a proxy or a mistaken bind).
func TestPlainListenerOnlyFromThisMachine(t *testing.T) {
	s := storetest.MustOpen(t, store.SQLite, gwSets...)
	f := gwSetup(t, s, exchange.GatewayConfig{})
	for remote, want := range map[string]int{"203.0.113.9:40000": 403, "10.0.0.2:1": 403, "127.0.0.1:5000": 200, "[::1]:5000": 200} {
		req := httptest.NewRequest("GET", "/r1/IR/GOV/NOCR/population/status/ping", nil)
		req.RemoteAddr = remote
		req.Header.Set(exchange.HeaderIMClient, gwClient.String())
		rec := httptest.NewRecorder()
		f.g.Handler(exchange.ByHeader).ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("from %s: %d %s, want %d", remote, rec.Code, rec.Body, want)
		}
		if want == 403 {
			wantProblem(t, rec.Result(), rec.Body.Bytes(), 403, exchange.CodeUnknownClient)
		}
	}
}

func TestCheckLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:3366": true, "127.8.9.10:1": true, "[::1]:3366": true, "localhost:3366": true,
		"0.0.0.0:3366": false, ":3366": false, "[::]:3366": false, "10.0.0.5:3366": false, "192.168.1.2:80": false,
		"example.org:3366": false, "[::ffff:10.0.0.1]:1": false, "127.0.0.1": false, "": false,
	} {
		err := exchange.CheckLoopback(addr)
		if (err == nil) != ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok %v", addr, err, ok)
		}
		if err != nil && !errs.Is(err, errs.Invalid) {
			t.Errorf("CheckLoopback(%q): kind %v", addr, errs.KindOf(err))
		}
	}
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		if ln, err := exchange.ListenLocal(addr); err == nil {
			ln.Close()
			t.Fatalf("ListenLocal(%q) bound to %s", addr, ln.Addr())
		} else if fa, en := errs.Messages(err); !strings.Contains(en, "loopback") || fa == "" {
			t.Fatalf("unclear refusal: %q / %q", en, fa)
		}
	}
	ln, err := exchange.ListenLocal("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
}

// gwTLSClient returns an HTTP client presenting certPEM/keyPEM (none when
// nil) and trusting the platform root.
func gwTLSClient(t *testing.T, f *gwFixture, certPEM, keyPEM []byte, maxVersion uint16) *http.Client {
	t.Helper()
	pool, _, err := f.x.RootPool(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12, MaxVersion: maxVersion}
	if certPEM != nil {
		c, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{c}
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}, Timeout: 10 * time.Second}
}

// gwSelfSigned returns a certificate naming gwClient that no one issued.
func gwSelfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	u, _ := url.Parse(exchange.SANPrefix + gwClient.String())
	tpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: gwClient.String()}, URIs: []*url.URL{u},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestMutualTLSListener(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := gwSetup(t, s, exchange.GatewayConfig{})
		ctx := context.Background()
		taxCert, taxPEM, taxKey, err := f.x.IssueCertificate(ctx, identity.System, gwClient, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		_, auditPEM, auditKey, err := f.x.IssueCertificate(ctx, identity.System, gwOther, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := f.g.ListenTLS(ctx, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := f.g.Server(exchange.ByCertificate, nil)
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		base := "https://" + ln.Addr().String()

		do := func(t *testing.T, c *http.Client, path string, hdr map[string]string) (*http.Response, []byte) {
			t.Helper()
			req, _ := http.NewRequest("GET", base+path, nil)
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, b
		}
		ping := "/r1/IR/GOV/NOCR/population/status/ping"
		tax := gwTLSClient(t, f, taxPEM, taxKey, 0)
		audit := gwTLSClient(t, f, auditPEM, auditKey, 0)

		resp, body := do(t, tax, ping, nil)
		if resp.StatusCode != 200 || string(body) != "pong" || resp.TLS.Version != tls.VersionTLS13 {
			t.Fatalf("tax: %d %s", resp.StatusCode, body)
		}
		rc, _ := exchange.ReceiptFromResponse(resp.Header, gwClient.String(), gwStatus.String(), "GET", "/ping", 200)
		if err := exchange.VerifyReceipt(f.g.PublicKey(), rc); err != nil {
			t.Fatal(err)
		}
		if req, _ := f.backend.seen(); req.Header.Get(exchange.HeaderClient) != gwClient.String() {
			t.Fatalf("provider saw client %q", req.Header.Get(exchange.HeaderClient))
		}
		// A header naming the certificate's own subsystem is fine.
		if resp, _ := do(t, tax, ping, map[string]string{exchange.HeaderIMClient: gwClient.String()}); resp.StatusCode != 200 {
			t.Fatalf("tax naming itself: %d", resp.StatusCode)
		}
		// Audit has no right, and cannot borrow tax's by naming it.
		resp, body = do(t, audit, ping, nil)
		wantProblem(t, resp, body, 403, exchange.CodeAccessDenied)
		for _, h := range []string{exchange.HeaderIMClient, exchange.HeaderClient, exchange.HeaderGovStackClient} {
			resp, body = do(t, audit, ping, map[string]string{h: gwClient.String()})
			wantProblem(t, resp, body, 403, exchange.CodeUnknownClient)
		}
		// The directory is served on the same listener.
		resp, body = do(t, audit, "/IR/GOV/NOCR/population/allowedMethods", nil)
		if resp.StatusCode != 200 || string(body) != "{\"member\":[]}\n" {
			t.Fatalf("audit's allowedMethods: %d %s", resp.StatusCode, body)
		}
		resp, body = do(t, tax, "/IR/GOV/NOCR/population/allowedMethods", nil)
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"serviceCode":"status"`) {
			t.Fatalf("tax's allowedMethods: %d %s", resp.StatusCode, body)
		}
		if resp, _ := do(t, tax, "/listClients", nil); resp.StatusCode != 200 {
			t.Fatalf("listClients: %d", resp.StatusCode)
		}

		// Without a certificate, with one nobody issued, or below TLS 1.3:
		// no connection.
		for name, c := range map[string]*http.Client{
			"no certificate": gwTLSClient(t, f, nil, nil, 0),
			"TLS 1.2":        gwTLSClient(t, f, taxPEM, taxKey, tls.VersionTLS12),
		} {
			if resp, err := c.Get(base + ping); err == nil {
				resp.Body.Close()
				t.Errorf("%s: connected with status %d", name, resp.StatusCode)
			}
		}
		forged := gwTLSClient(t, f, nil, nil, 0)
		forged.Transport.(*http.Transport).TLSClientConfig.Certificates = []tls.Certificate{gwSelfSigned(t)}
		if resp, err := forged.Get(base + ping); err == nil {
			resp.Body.Close()
			t.Errorf("a self-signed certificate connected with status %d", resp.StatusCode)
		}

		// Revocation takes effect at once, even on an open connection.
		if err := f.x.RevokeCertificate(ctx, identity.System, taxCert.Serial, "key compromise"); err != nil {
			t.Fatal(err)
		}
		resp, body = do(t, tax, ping, nil)
		if resp.StatusCode != 401 && resp.StatusCode != 403 {
			t.Fatalf("revoked: %d %s", resp.StatusCode, body)
		}
		wantProblem(t, resp, body, resp.StatusCode, exchange.CodeUnknownClient)
		resp, body = do(t, tax, "/listClients", nil)
		wantProblem(t, resp, body, resp.StatusCode, exchange.CodeUnknownClient)
	}, gwSets...)
}
