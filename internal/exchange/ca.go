package exchange

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
)

// The platform's internal certificate authority. The root is an ECDSA P-256
// key made on first use and kept in exchange_ca (one row); it signs the
// client certificates of subsystems and the gateway's server certificate.
// A real deployment keeps the root key offline or in an HSM, and runs the
// gateway with an intermediate; this table then holds the intermediate.
//
// A subsystem's certificate names it in a SAN URI,
// urn:panjare:subsystem:IR/GOV/NOCR/population. Its private key is handed
// out once and never stored; the certificate itself is stored, so that a
// presented certificate must be the very one issued.

// SANPrefix starts the SAN URI that names a subsystem in its certificate.
const SANPrefix = "urn:panjare:subsystem:"

const (
	rootValidity        = 20 * 365 * 24 * time.Hour
	defaultCertValidity = 365 * 24 * time.Hour
	maxCertValidity     = 2 * 365 * 24 * time.Hour
	serverValidity      = 365 * 24 * time.Hour
	maxVerifiedCerts    = 10000
)

type rootCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
	pool *x509.CertPool
}

// verifiedCert remembers a client certificate whose chain and name were
// checked, so that each request only re-checks time and revocation.
type verifiedCert struct {
	sub    SubsystemID
	serial string
}

// errLostRace rolls back a root creation that another node won.
var errLostRace = errors.New("exchange: another node created the root first")

// rootCA returns the platform root, loading it or, on first use, creating it.
// Two nodes starting together both try to insert the one row; the loser
// rolls back and reads the winner's.
func (x *Exchange) rootCA(ctx context.Context) (*rootCA, error) {
	const op = "exchange.rootCA"
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.root != nil {
		return x.root, nil
	}
	for attempt := 0; attempt < 3; attempt++ {
		root, err := x.loadRoot(ctx)
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		if root != nil {
			x.root = root
			return root, nil
		}
		certPEM, keyPEM, err := newRoot(x.instance, x.now())
		if err != nil {
			return nil, errs.Wrap(op, err)
		}
		err = x.st.InTx(ctx, func(tx *store.Tx) error {
			res, err := tx.ExecContext(ctx, `INSERT INTO exchange_ca (id, cert_pem, key_pem, created_at) VALUES (1, $1, $2, $3)
				ON CONFLICT (id) DO NOTHING`, string(certPEM), string(keyPEM), x.now())
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				return errLostRace
			}
			block, _ := pem.Decode(certPEM)
			fp := sha256.Sum256(block.Bytes)
			err = tx.Append(ctx, store.Event{Kind: "exchange.ca.created", Actor: "system"},
				map[string]string{"sha256": fmt.Sprintf("%x", fp)})
			return err
		})
		if err != nil && !errors.Is(err, errLostRace) && !isUniqueViolation(err) {
			return nil, errs.Wrap(op, err)
		}
	}
	return nil, errs.E(op, errs.Internal, "the root certificate could not be created", "گواهی ریشه ساخته نشد")
}

func (x *Exchange) loadRoot(ctx context.Context) (*rootCA, error) {
	var certPEM, keyPEM string
	err := x.st.DB().QueryRowContext(ctx, `SELECT cert_pem, key_pem FROM exchange_ca WHERE id = 1`).Scan(&certPEM, &keyPEM)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cb, _ := pem.Decode([]byte(certPEM))
	kb, _ := pem.Decode([]byte(keyPEM))
	if cb == nil || kb == nil {
		return nil, errors.New("the stored root is not PEM")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, err
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("the stored root key is not ECDSA")
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &rootCA{cert: cert, key: key, pem: []byte(certPEM), pool: pool}, nil
}

// newRoot makes a self-signed ECDSA P-256 root.
func newRoot(instance string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Panjare exchange root CA " + instance, Organization: []string{"Panjare"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(rootValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            1,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	keyPEM, err = pemKey(key)
	return pemCert(der), keyPEM, err
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func pemKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// randomSerial returns a random positive 128-bit serial number.
func randomSerial() (*big.Int, error) {
	for {
		n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
		if err != nil {
			return nil, err
		}
		if n.Sign() > 0 {
			return n, nil
		}
	}
}

// serialString is the form serials take in the API and the database:
// lowercase hexadecimal without leading zeros.
func serialString(n *big.Int) string { return n.Text(16) }

// RootPool returns a pool holding the platform root, and the root in PEM,
// for the mTLS listener's ClientCAs and for subsystems to trust the gateway.
func (x *Exchange) RootPool(ctx context.Context) (*x509.CertPool, []byte, error) {
	root, err := x.rootCA(ctx)
	if err != nil {
		return nil, nil, err
	}
	return root.pool.Clone(), append([]byte(nil), root.pem...), nil
}

// ServerCertificate issues a certificate for the gateway's mTLS listener,
// signed by the root, with hosts as its DNS names and IP addresses
// (localhost and 127.0.0.1 when hosts is empty). It is kept in memory only.
func (x *Exchange) ServerCertificate(ctx context.Context, hosts []string) (tls.Certificate, error) {
	const op = "exchange.ServerCertificate"
	root, err := x.rootCA(ctx)
	if err != nil {
		return tls.Certificate{}, err
	}
	if len(hosts) == 0 {
		hosts = []string{"localhost", "127.0.0.1", "::1"}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, errs.Wrap(op, err)
	}
	serial, err := randomSerial()
	if err != nil {
		return tls.Certificate{}, errs.Wrap(op, err)
	}
	now := x.now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "Panjare exchange gateway", Organization: []string{"Panjare"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(serverValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if host, _, err := net.SplitHostPort(h); err == nil {
			h = host
		}
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root.cert, &key.PublicKey, root.key)
	if err != nil {
		return tls.Certificate{}, errs.Wrap(op, err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, errs.Wrap(op, err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
}

// IssueCertificate issues a client certificate for a registered subsystem,
// valid for validity (a year when zero, at most two years). The member's
// agency or a platform admin may. The private key is returned once, in
// PKCS#8 PEM, and never stored.
func (x *Exchange) IssueCertificate(ctx context.Context, p identity.Principal, sub SubsystemID, validity time.Duration) (cert Certificate, certPEM, keyPEM []byte, err error) {
	const op = "exchange.IssueCertificate"
	if err := sub.Validate(); err != nil {
		return Certificate{}, nil, nil, err
	}
	if !p.CanManageAgency(sub.Member) {
		return Certificate{}, nil, nil, forbidden(op, "only the member's agency or a platform admin requests certificates for its subsystems",
			"تنها خود دستگاه عضو یا مدیر سامانه برای زیرسامانه‌های آن گواهی درخواست می‌کند")
	}
	if validity == 0 {
		validity = defaultCertValidity
	}
	if validity < time.Minute || validity > maxCertValidity {
		return Certificate{}, nil, nil, invalid(op, "validity", "a certificate is valid for one minute to two years",
			"اعتبار گواهی از یک دقیقه تا دو سال است")
	}
	if _, err := x.Subsystem(ctx, sub); err != nil {
		return Certificate{}, nil, nil, err
	}
	root, err := x.rootCA(ctx)
	if err != nil {
		return Certificate{}, nil, nil, err
	}
	err = x.st.InTx(ctx, func(tx *store.Tx) error {
		cert, certPEM, keyPEM, err = x.issueTx(ctx, tx, p, root, sub, validity)
		return err
	})
	if err != nil {
		return Certificate{}, nil, nil, errs.Wrap(op, err)
	}
	return cert, certPEM, keyPEM, nil
}

// issueTx makes, stores and records one client certificate in tx.
func (x *Exchange) issueTx(ctx context.Context, tx *store.Tx, p identity.Principal, root *rootCA, sub SubsystemID, validity time.Duration) (Certificate, []byte, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return Certificate{}, nil, nil, err
	}
	serial, err := randomSerial()
	if err != nil {
		return Certificate{}, nil, nil, err
	}
	san, err := url.Parse(SANPrefix + sub.String())
	if err != nil {
		return Certificate{}, nil, nil, err
	}
	now := x.now().Truncate(time.Second)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: sub.String(), Organization: []string{sub.Member}, OrganizationalUnit: []string{sub.Subsystem}},
		NotBefore:    now.Add(-time.Minute), // tolerate clocks a little behind
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
		URIs:         []*url.URL{san},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root.cert, &key.PublicKey, root.key)
	if err != nil {
		return Certificate{}, nil, nil, err
	}
	keyPEM, err := pemKey(key)
	if err != nil {
		return Certificate{}, nil, nil, err
	}
	c := Certificate{Serial: serialString(serial), Subsystem: sub, NotBefore: tmpl.NotBefore.UTC(), NotAfter: tmpl.NotAfter.UTC()}
	certPEM := pemCert(der)
	if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_certificates (serial, subsystem, not_before, not_after, cert_pem, issued_by)
		VALUES ($1, $2, $3, $4, $5, $6)`, c.Serial, sub.String(), c.NotBefore, c.NotAfter, string(certPEM), actor(p)); err != nil {
		return Certificate{}, nil, nil, err
	}
	err = tx.Append(ctx, store.Event{Kind: "exchange.certificate.issued", Actor: actor(p), Agency: sub.Member},
		map[string]any{"serial": c.Serial, "subsystem": sub.String(), "not_after": c.NotAfter})
	if err != nil {
		return Certificate{}, nil, nil, err
	}
	return c, certPEM, keyPEM, nil
}

// certificate loads one certificate row by serial.
func (x *Exchange) certificate(ctx context.Context, serial string) (Certificate, []byte, error) {
	list, raw, err := queryCertificates(ctx, x.st.Read(), `WHERE serial = $1`, serial)
	if err != nil || len(list) == 0 {
		return Certificate{}, nil, err
	}
	return list[0], raw[0], nil
}

// RotateCertificate issues a new certificate for the subsystem of serial,
// with the same validity period, and revokes the old one with the reason
// "rotated", in one transaction.
func (x *Exchange) RotateCertificate(ctx context.Context, p identity.Principal, serial string) (Certificate, []byte, []byte, error) {
	const op = "exchange.RotateCertificate"
	old, _, err := x.certificate(ctx, serial)
	if err != nil {
		return Certificate{}, nil, nil, errs.Wrap(op, err)
	}
	if old.Serial == "" {
		return Certificate{}, nil, nil, errs.NotFoundf(op, "certificate", "گواهی")
	}
	if !p.CanManageAgency(old.Subsystem.Member) {
		return Certificate{}, nil, nil, forbidden(op, "only the member's agency or a platform admin rotates its certificates",
			"تنها خود دستگاه عضو یا مدیر سامانه گواهی‌های آن را نو می‌کند")
	}
	if old.RevokedAt != nil {
		return Certificate{}, nil, nil, errs.E(op, errs.Conflict, "this certificate is revoked; issue a new one instead",
			"این گواهی باطل شده است؛ به جای نو کردن، گواهی تازه‌ای صادر کنید")
	}
	root, err := x.rootCA(ctx)
	if err != nil {
		return Certificate{}, nil, nil, err
	}
	validity := min(max(old.NotAfter.Sub(old.NotBefore)-time.Minute, time.Minute), maxCertValidity)
	var cert Certificate
	var certPEM, keyPEM []byte
	err = x.st.InTx(ctx, func(tx *store.Tx) error {
		if err := x.revokeTx(ctx, tx, p, old, "rotated"); err != nil {
			return err
		}
		cert, certPEM, keyPEM, err = x.issueTx(ctx, tx, p, root, old.Subsystem, validity)
		return err
	})
	if err != nil {
		return Certificate{}, nil, nil, errs.Wrap(op, err)
	}
	return cert, certPEM, keyPEM, nil
}

// RevokeCertificate revokes a certificate at once: the gateway checks
// revocation on every request. The member's agency or a platform admin may.
func (x *Exchange) RevokeCertificate(ctx context.Context, p identity.Principal, serial, reason string) error {
	const op = "exchange.RevokeCertificate"
	reason, err := cleanText(op, "reason", reason, 200, false)
	if err != nil {
		return err
	}
	if reason == "" {
		reason = "unspecified"
	}
	c, _, err := x.certificate(ctx, strings.ToLower(serial))
	if err != nil {
		return errs.Wrap(op, err)
	}
	if c.Serial == "" {
		return errs.NotFoundf(op, "certificate", "گواهی")
	}
	if !p.CanManageAgency(c.Subsystem.Member) {
		return forbidden(op, "only the member's agency or a platform admin revokes its certificates",
			"تنها خود دستگاه عضو یا مدیر سامانه گواهی‌های آن را باطل می‌کند")
	}
	err = x.st.InTx(ctx, func(tx *store.Tx) error { return x.revokeTx(ctx, tx, p, c, reason) })
	return errs.Wrap(op, err)
}

func (x *Exchange) revokeTx(ctx context.Context, tx *store.Tx, p identity.Principal, c Certificate, reason string) error {
	res, err := tx.ExecContext(ctx, `UPDATE exchange_certificates SET revoked_at = $1, reason = $2 WHERE serial = $3 AND revoked_at IS NULL`,
		x.now(), reason, c.Serial)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return errs.E("exchange.RevokeCertificate", errs.Conflict, "this certificate is already revoked", "این گواهی پیش‌تر باطل شده است")
	}
	err = tx.Append(ctx, store.Event{Kind: "exchange.certificate.revoked", Actor: actor(p), Agency: c.Subsystem.Member},
		map[string]string{"serial": c.Serial, "subsystem": c.Subsystem.String(), "reason": reason})
	return err
}

// Certificates lists a subsystem's certificates, oldest first.
func (x *Exchange) Certificates(ctx context.Context, sub SubsystemID) ([]Certificate, error) {
	// Within one second (a rotation), the revoked certificate is the older.
	list, _, err := queryCertificates(ctx, x.st.Read(), `WHERE subsystem = $1
		ORDER BY not_before, CASE WHEN revoked_at IS NULL THEN 1 ELSE 0 END, serial`, sub.String())
	return list, errs.Wrap("exchange.Certificates", err)
}

func queryCertificates(ctx context.Context, q querier, where string, args ...any) ([]Certificate, [][]byte, error) {
	rows, err := q.QueryContext(ctx, `SELECT serial, subsystem, not_before, not_after, cert_pem, revoked_at, reason
		FROM exchange_certificates `+where, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []Certificate
	var raws [][]byte
	for rows.Next() {
		var c Certificate
		var sub, certPEM string
		var revoked sql.NullTime
		if err := rows.Scan(&c.Serial, &sub, &c.NotBefore, &c.NotAfter, &certPEM, &revoked, &c.Reason); err != nil {
			return nil, nil, err
		}
		if c.Subsystem, err = ParseSubsystemID(sub); err != nil {
			return nil, nil, err
		}
		c.NotBefore, c.NotAfter, c.RevokedAt = c.NotBefore.UTC(), c.NotAfter.UTC(), timePtr(revoked)
		var raw []byte
		if b, _ := pem.Decode([]byte(certPEM)); b != nil {
			raw = b.Bytes
		}
		out = append(out, c)
		raws = append(raws, raw)
	}
	return out, raws, rows.Err()
}

// unknownClient is the error of every certificate that names no client.
func unknownClient(en, fa string) error { return errs.E(CodeUnknownClient, errs.Unauthorized, en, fa) }

// ClientFromCertificate maps a peer certificate to its subsystem: it must
// chain to the platform root, be valid now for client authentication, name
// exactly one subsystem in its SAN URI, and be the very certificate issued
// under its serial, which must not be revoked (the subsystem then exists, as
// certificates are only issued to registered subsystems). It is meant to run
// on every request, so that a revocation takes effect at once. Errors have
// Op CodeUnknownClient: Unauthorized, or Forbidden for a revoked certificate.
func (x *Exchange) ClientFromCertificate(ctx context.Context, cert *x509.Certificate) (SubsystemID, error) {
	if cert == nil {
		return SubsystemID{}, unknownClient("no client certificate was presented", "گواهی کلاینت ارائه نشد")
	}
	now := x.now()
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return SubsystemID{}, unknownClient("the client certificate has expired or is not yet valid", "گواهی کلاینت منقضی شده یا هنوز معتبر نیست")
	}
	fp := sha256.Sum256(cert.Raw)
	x.mu.Lock()
	v, seen := x.certs[fp]
	x.mu.Unlock()
	if !seen {
		var err error
		if v, err = x.verifyClientCert(ctx, cert, now); err != nil {
			return SubsystemID{}, err
		}
	}
	c, raw, err := x.certificate(ctx, v.serial)
	if err != nil {
		return SubsystemID{}, errs.Wrap("exchange.ClientFromCertificate", err)
	}
	if c.Serial == "" || c.Subsystem != v.sub || string(raw) != string(cert.Raw) {
		return SubsystemID{}, unknownClient("the client certificate was not issued by this exchange", "گواهی کلاینت را این سامانهٔ تبادل صادر نکرده است")
	}
	if c.RevokedAt != nil && !c.RevokedAt.After(now) {
		return SubsystemID{}, errs.E(CodeUnknownClient, errs.Forbidden, "the client certificate has been revoked", "گواهی کلاینت باطل شده است")
	}
	if !seen {
		x.mu.Lock()
		if x.certs == nil || len(x.certs) >= maxVerifiedCerts {
			x.certs = map[[32]byte]verifiedCert{}
		}
		x.certs[fp] = v
		x.mu.Unlock()
	}
	return v.sub, nil
}

// verifyClientCert checks the chain to the root and the SAN URI.
func (x *Exchange) verifyClientCert(ctx context.Context, cert *x509.Certificate, now time.Time) (verifiedCert, error) {
	root, err := x.rootCA(ctx)
	if err != nil {
		return verifiedCert{}, err
	}
	if _, err := cert.Verify(x509.VerifyOptions{Roots: root.pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		return verifiedCert{}, unknownClient("the client certificate is not issued by this exchange's authority", "گواهی کلاینت را مرجع صدور این سامانهٔ تبادل صادر نکرده است")
	}
	var sub SubsystemID
	found := 0
	for _, u := range cert.URIs {
		if s := u.String(); strings.HasPrefix(s, SANPrefix) {
			found++
			if sub, err = ParseSubsystemID(strings.TrimPrefix(s, SANPrefix)); err != nil {
				found = 2 // a malformed name counts as no name
			}
		}
	}
	if found != 1 {
		return verifiedCert{}, unknownClient("the client certificate does not name exactly one subsystem", "گواهی کلاینت دقیقاً یک زیرسامانه را نام نمی‌برد")
	}
	return verifiedCert{sub: sub, serial: serialString(cert.SerialNumber)}, nil
}
