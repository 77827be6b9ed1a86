package exchange_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/exchange"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

func TestCertificates(t *testing.T) {
	storetest.Run(t, testCertificates, exchange.Migrations())
}

// mtlsServer starts an HTTPS server that requires a client certificate from
// the exchange's root and answers with the subsystem ClientFromCertificate
// finds, or with the error's status. skew moves both the handshake's and the
// exchange's clocks.
func mtlsServer(t *testing.T, x *exchange.Exchange, skew *atomic.Int64) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	ctx := context.Background()
	pool, rootPEM, err := x.RootPool(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rootPEM), "BEGIN CERTIFICATE") {
		t.Fatalf("root PEM = %q", rootPEM)
	}
	serverCert, err := x.ServerCertificate(ctx, []string{"127.0.0.1", "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	exchange.SetClock(x, now)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := x.ClientFromCertificate(r.Context(), r.TLS.PeerCertificates[0])
		if err != nil {
			e, _ := errs.As(err)
			if e == nil || e.Op != exchange.CodeUnknownClient {
				t.Errorf("ClientFromCertificate error %v has no Op %s", err, exchange.CodeUnknownClient)
			}
			http.Error(w, err.Error(), errs.StatusOf(errs.KindOf(err)))
			return
		}
		io.WriteString(w, id.String())
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{serverCert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
		MinVersion:   tls.VersionTLS12,
		Time:         now,
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, pool
}

// client returns an HTTPS client that trusts pool and presents the key pair,
// if any.
func client(t *testing.T, pool *x509.CertPool, certPEM, keyPEM []byte) *http.Client {
	t.Helper()
	cfg := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	if certPEM != nil {
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
}

// call returns the status and body of a GET, or status 0 when the
// connection was refused.
func call(c *http.Client, url string) (int, string) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// selfSigned makes a certificate naming subsystem id, signed by its own key
// or by parent.
func selfSigned(t *testing.T, id string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (certPEM, keyPEM []byte, cert *x509.Certificate) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	san, _ := url.Parse(exchange.SANPrefix + id)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: id},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		URIs: []*url.URL{san}, BasicConstraintsValid: true, IsCA: parent == nil}
	signer, signKey := tmpl, key
	if parent != nil {
		signer, signKey = parent, parentKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signKey)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalPKCS8PrivateKey(key)
	cert, _ = x509.ParseCertificate(der)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), cert
}

func parsePEM(t *testing.T, b []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(b)
	if block == nil {
		t.Fatalf("not PEM: %q", b)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testCertificates(t *testing.T, s *store.Store) {
	ctx := context.Background()
	x := fixture(t, s)
	tax, police := sub(t, "IR/GOV/INTA/tax"), sub(t, "IR/GOV/FARAJA/police")

	// Who may ask, and for what.
	_, _, _, err := x.IssueCertificate(ctx, agency("NOCR"), tax, 0)
	wantErr(t, "certificate by another agency", err, errs.Forbidden, "")
	_, _, _, err = x.IssueCertificate(ctx, citizen("0067749828"), tax, 0)
	wantErr(t, "certificate by a citizen", err, errs.Forbidden, "")
	_, _, _, err = x.IssueCertificate(ctx, agency("INTA"), sub(t, "IR/GOV/INTA/nothing"), 0)
	wantErr(t, "certificate of an unknown subsystem", err, errs.NotFound, "")
	_, _, _, err = x.IssueCertificate(ctx, agency("INTA"), tax, 3*365*24*time.Hour)
	wantErr(t, "certificate for three years", err, errs.Invalid, "")

	var skew atomic.Int64
	srv, pool := mtlsServer(t, x, &skew)
	taxCert, taxPEM, taxKey, err := x.IssueCertificate(ctx, agency("INTA"), tax, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, policePEM, policeKey, err := x.IssueCertificate(ctx, identity.System, police, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf := parsePEM(t, taxPEM)
	if len(leaf.URIs) != 1 || leaf.URIs[0].String() != "urn:panjare:subsystem:IR/GOV/INTA/tax" {
		t.Errorf("SAN URIs = %v", leaf.URIs)
	}
	if leaf.SerialNumber.BitLen() > 128 || leaf.SerialNumber.Text(16) != taxCert.Serial || taxCert.Subsystem != tax {
		t.Errorf("serial %s (%d bits), certificate %+v", leaf.SerialNumber.Text(16), leaf.SerialNumber.BitLen(), taxCert)
	}
	if _, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || !strings.Contains(string(taxKey), "PRIVATE KEY") {
		t.Errorf("key %T", leaf.PublicKey)
	}
	if d := taxCert.NotAfter.Sub(taxCert.NotBefore); d < 364*24*time.Hour || d > 366*24*time.Hour {
		t.Errorf("default validity %v", d)
	}

	// A good certificate is accepted and maps to its own subsystem: A never
	// passes as B.
	if code, body := call(client(t, pool, taxPEM, taxKey), srv.URL); code != 200 || body != tax.String() {
		t.Fatalf("tax certificate: %d %s", code, body)
	}
	policeClient := client(t, pool, policePEM, policeKey)
	if code, body := call(policeClient, srv.URL); code != 200 || body != police.String() {
		t.Fatalf("police certificate: %d %s", code, body)
	}
	// Without a certificate, with a self-signed one naming a subsystem, and
	// with one from another authority, the handshake fails.
	if code, body := call(client(t, pool, nil, nil), srv.URL); code != 0 {
		t.Errorf("no certificate: %d %s", code, body)
	}
	forgedPEM, forgedKey, forged := selfSigned(t, police.String(), nil, nil)
	if code, body := call(client(t, pool, forgedPEM, forgedKey), srv.URL); code != 0 {
		t.Errorf("self-signed certificate naming police: %d %s", code, body)
	}
	if _, err := x.ClientFromCertificate(ctx, forged); !errs.Is(err, errs.Unauthorized) {
		t.Errorf("ClientFromCertificate(self-signed) = %v", err)
	}
	other := fixture(t, storetest.MustOpen(t, s.Dialect(), exchange.Migrations()))
	_, otherPEM, otherKey, err := other.IssueCertificate(ctx, agency("FARAJA"), police, 0)
	if err != nil {
		t.Fatal(err)
	}
	if code, body := call(client(t, pool, otherPEM, otherKey), srv.URL); code != 0 {
		t.Errorf("certificate of another authority: %d %s", code, body)
	}
	if _, err := x.ClientFromCertificate(ctx, parsePEM(t, otherPEM)); !errs.Is(err, errs.Unauthorized) {
		t.Errorf("ClientFromCertificate(other authority) = %v", err)
	}
	if _, err := x.ClientFromCertificate(ctx, nil); !errs.Is(err, errs.Unauthorized) {
		t.Errorf("ClientFromCertificate(nil) = %v", err)
	}

	// Revocation takes effect at once, on a connection already open.
	wantErr(t, "revoke by another agency", x.RevokeCertificate(ctx, agency("NOCR"), taxCert.Serial, "x"), errs.Forbidden, "")
	wantErr(t, "revoke unknown", x.RevokeCertificate(ctx, agency("INTA"), "abc", "x"), errs.NotFound, "")
	taxClient := client(t, pool, taxPEM, taxKey)
	if code, _ := call(taxClient, srv.URL); code != 200 {
		t.Fatalf("before revocation: %d", code)
	}
	if err := x.RevokeCertificate(ctx, agency("INTA"), taxCert.Serial, "key lost"); err != nil {
		t.Fatal(err)
	}
	if code, body := call(taxClient, srv.URL); code != http.StatusForbidden {
		t.Errorf("revoked certificate: %d %s", code, body)
	}
	if code, _ := call(client(t, pool, taxPEM, taxKey), srv.URL); code != http.StatusForbidden {
		t.Errorf("revoked certificate, new connection: %d", code)
	}
	wantErr(t, "revoke twice", x.RevokeCertificate(ctx, agency("INTA"), taxCert.Serial, "x"), errs.Conflict, "")

	// Rotation: the new certificate works, the old one is revoked as rotated.
	_, _, _, err = x.RotateCertificate(ctx, agency("INTA"), taxCert.Serial)
	wantErr(t, "rotate a revoked certificate", err, errs.Conflict, "")
	policeCerts, err := x.Certificates(ctx, police)
	if err != nil || len(policeCerts) != 1 {
		t.Fatalf("Certificates(police) = %+v, %v", policeCerts, err)
	}
	_, _, _, err = x.RotateCertificate(ctx, agency("INTA"), policeCerts[0].Serial)
	wantErr(t, "rotate another agency's certificate", err, errs.Forbidden, "")
	newCert, newPEM, newKey, err := x.RotateCertificate(ctx, agency("FARAJA"), policeCerts[0].Serial)
	if err != nil || newCert.Serial == policeCerts[0].Serial || newCert.Subsystem != police {
		t.Fatalf("RotateCertificate = %+v, %v", newCert, err)
	}
	if code, body := call(client(t, pool, newPEM, newKey), srv.URL); code != 200 || body != police.String() {
		t.Errorf("rotated certificate: %d %s", code, body)
	}
	if code, _ := call(policeClient, srv.URL); code != http.StatusForbidden {
		t.Errorf("certificate replaced by rotation: %d", code)
	}
	policeCerts, _ = x.Certificates(ctx, police)
	if len(policeCerts) != 2 || policeCerts[0].Reason != "rotated" || policeCerts[0].RevokedAt == nil || policeCerts[1].RevokedAt != nil {
		t.Errorf("after rotation: %+v", policeCerts)
	}

	// Expiry: a one-minute certificate works now and is refused two minutes
	// later, at the handshake and by ClientFromCertificate.
	_, shortPEM, shortKey, err := x.IssueCertificate(ctx, agency("INTA"), tax, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if code, _ := call(client(t, pool, shortPEM, shortKey), srv.URL); code != 200 {
		t.Fatalf("short certificate before expiry: %d", code)
	}
	skew.Store(int64(2 * time.Minute))
	if code, body := call(client(t, pool, shortPEM, shortKey), srv.URL); code != 0 {
		t.Errorf("expired certificate: %d %s", code, body)
	}
	if _, err := x.ClientFromCertificate(ctx, parsePEM(t, shortPEM)); !errs.Is(err, errs.Unauthorized) {
		t.Errorf("ClientFromCertificate(expired) = %v", err)
	}
	if code, _ := call(client(t, pool, newPEM, newKey), srv.URL); code != 200 {
		t.Errorf("valid certificate after the clock moved: %d", code)
	}

	if i, r := countEvents(t, s, "exchange.certificate.issued"), countEvents(t, s, "exchange.certificate.revoked"); i != 4 || r != 2 {
		t.Errorf("%d issued and %d revoked events, want 4 and 2", i, r)
	}
}

// TestRootOnce starts several exchanges on one database at once: they must
// agree on a single root.
func TestRootOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var wg sync.WaitGroup
		roots := make([]string, 4)
		for i := range roots {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, pemBytes, err := exchange.New(s, "IR").RootPool(ctx)
				if err != nil {
					t.Error(err)
				}
				roots[i] = string(pemBytes)
			}()
		}
		wg.Wait()
		for _, r := range roots[1:] {
			if r != roots[0] || r == "" {
				t.Fatalf("exchanges disagree on the root")
			}
		}
		root := parsePEM(t, []byte(roots[0]))
		if !root.IsCA || root.PublicKeyAlgorithm != x509.ECDSA || root.PublicKey.(*ecdsa.PublicKey).Curve != elliptic.P256() {
			t.Errorf("root: CA %v, %v", root.IsCA, root.PublicKeyAlgorithm)
		}
		if n := countEvents(t, s, "exchange.ca.created"); n != 1 {
			t.Errorf("%d root creation events, want 1", n)
		}
	}, exchange.Migrations())
}
