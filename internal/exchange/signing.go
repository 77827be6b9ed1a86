package exchange

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

// Receipt is what the gateway signs for every exchange: who asked which
// service for what, and the SHA-256 digests of what was sent and answered.
// Either side keeps it to prove later what was exchanged; VerifyReceipt
// checks it against the platform's public key.
type Receipt struct {
	MessageID      string    `json:"message_id"`
	Client         string    `json:"client"`  // the client subsystem identifier
	Service        string    `json:"service"` // the service identifier
	Method         string    `json:"method"`
	Path           string    `json:"path"` // the rest path after the service code, with the query if any, as forwarded
	Status         int       `json:"status"`
	At             time.Time `json:"at"`
	RequestDigest  string    `json:"request_digest"`  // lowercase hex SHA-256 of the request body
	ResponseDigest string    `json:"response_digest"` // lowercase hex SHA-256 of the response body
	Signature      string    `json:"signature"`       // standard base64 Ed25519 signature over Canonical()
}

// receiptVersion starts every canonical string, so that a signature over one
// layout can never be read as one over another.
const receiptVersion = "panjare-exchange-receipt-v1"

// Canonical returns the exact bytes that are signed: the fields in a fixed
// order, one a line. Fields cannot hold a newline (identifiers and paths are
// checked before signing), so the encoding is unambiguous.
func (r Receipt) Canonical() []byte {
	b := make([]byte, 0, len(receiptVersion)+len(r.MessageID)+len(r.Client)+len(r.Service)+len(r.Method)+len(r.Path)+
		len(r.RequestDigest)+len(r.ResponseDigest)+48)
	for _, s := range []string{receiptVersion, r.MessageID, r.Client, r.Service, r.Method, r.Path} {
		b = append(b, s...)
		b = append(b, '\n')
	}
	b = strconv.AppendInt(b, int64(r.Status), 10)
	b = append(b, '\n')
	b = r.At.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '\n')
	b = append(b, r.RequestDigest...)
	b = append(b, '\n')
	b = append(b, r.ResponseDigest...)
	return append(b, '\n')
}

func (r Receipt) valid() bool {
	for _, s := range []string{r.MessageID, r.Client, r.Service, r.Method, r.Path, r.RequestDigest, r.ResponseDigest} {
		if strings.ContainsAny(s, "\r\n") {
			return false
		}
	}
	return true
}

// VerifyReceipt reports whether r carries a valid signature by pub. Any change
// to any field, or to the signature, makes it fail.
func VerifyReceipt(pub ed25519.PublicKey, r Receipt) error {
	const op = "exchange.VerifyReceipt"
	if len(pub) != ed25519.PublicKeySize {
		return errs.E(op, errs.Invalid, "the public key is not an Ed25519 key", "کلید عمومی از نوع Ed25519 نیست")
	}
	sig, err := base64.StdEncoding.DecodeString(r.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize || !r.valid() {
		return errs.E(op, errs.Invalid, "the signature is malformed", "امضا ساختار درستی ندارد")
	}
	if !ed25519.Verify(pub, r.Canonical(), sig) {
		return errs.E(op, errs.Invalid, "the signature does not match the receipt", "امضا با رسید هم‌خوانی ندارد")
	}
	return nil
}

// signer signs receipts with the platform's key.
type signer struct {
	priv ed25519.PrivateKey
	pub  ed25519.PublicKey
}

func (s *signer) sign(r *Receipt) {
	r.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(s.priv, r.Canonical()))
}

// errKeyExists rolls back a key insert that lost the race to another node.
var errKeyExists = errors.New("exchange: signing key already exists")

// loadSigner returns the platform's signing key, creating it on first use.
// Several nodes starting at once create at most one: the row has a fixed id,
// the insert does nothing on conflict, and every node then reads the winner.
func loadSigner(ctx context.Context, s *store.Store) (*signer, error) {
	const op = "exchange.loadSigner"
	if k, err := readKey(ctx, s); err == nil {
		return k, nil
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, errs.Wrap(op, err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO exchange_keys (id, algorithm, public_key, private_key, created_at)
			VALUES (1, 'Ed25519', $1, $2, $3) ON CONFLICT (id) DO NOTHING`, []byte(pub), priv.Seed(), s.Now())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errKeyExists
		}
		sum := sha256.Sum256(pub)
		err = tx.Append(ctx, store.Event{Kind: "exchange.key.created", Actor: "system"},
			map[string]any{"algorithm": "Ed25519", "public_key_sha256": hex.EncodeToString(sum[:])})
		return err
	})
	if err != nil && !errors.Is(err, errKeyExists) {
		return nil, errs.Wrap(op, err)
	}
	k, err := readKey(ctx, s)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	return k, nil
}

func readKey(ctx context.Context, s *store.Store) (*signer, error) {
	var pub, seed []byte
	err := s.DB().QueryRowContext(ctx, `SELECT public_key, private_key FROM exchange_keys WHERE id = 1`).Scan(&pub, &seed)
	if err != nil {
		return nil, err
	}
	if len(seed) != ed25519.SeedSize || len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("exchange: the stored signing key is malformed")
	}
	priv := ed25519.NewKeyFromSeed(seed)
	if !priv.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(pub)) {
		return nil, fmt.Errorf("exchange: the stored signing key does not match its public key")
	}
	return &signer{priv: priv, pub: ed25519.PublicKey(pub)}, nil
}

// digester hashes a body while it streams and counts its bytes.
type digester struct {
	h hash.Hash
	n int64
}

func newDigester() *digester { return &digester{h: sha256.New()} }

func (d *digester) Write(p []byte) (int, error) {
	d.h.Write(p)
	d.n += int64(len(p))
	return len(p), nil
}

func (d *digester) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }

// Digest returns the lowercase hex SHA-256 of b, as the gateway writes it in
// Panjare-Request-Digest and Panjare-Response-Digest.
func Digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
