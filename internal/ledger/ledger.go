package ledger

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Migrations returns the ledger's tables: leaves, nodes, state,
// checkpoints, gaps and the signing key.
func Migrations() store.MigrationSet {
	sub, _ := fs.Sub(migrations, "migrations")
	return store.MigrationSet{Name: "ledger", FS: sub}
}

// DefaultOrigin is the checkpoints' origin line when no base URL is known.
const DefaultOrigin = "panjare.ledger"

// OriginFor returns the origin line for a platform served at baseURL:
// "<host>/panjare/ledger", or DefaultOrigin when baseURL has no host.
func OriginFor(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return DefaultOrigin
	}
	return u.Host + "/panjare/ledger"
}

// Config configures a Ledger.
type Config struct {
	Store *store.Store
	// Origin is the first line of every checkpoint (OriginFor); empty
	// means DefaultOrigin.
	Origin string
	Log    *slog.Logger
	// Interval is how often Run looks for new events; zero means 250ms,
	// and more than a second is taken as a second.
	Interval time.Duration
}

// Checkpoint is a signed statement of the tree's size and root.
type Checkpoint struct {
	Origin   string
	Size     uint64
	Root     [32]byte
	Note     []byte // the full signed note: body and signature lines
	SignedAt time.Time
}

// Entry is one leaf of the tree with the event it seals. Event is zero
// when the event is no longer in the events table.
type Entry struct {
	Index   uint64
	EventID int64
	Hash    [32]byte
	Event   store.Event
}

// ErrBeyondTree is returned for a proof or an entry request that reaches
// beyond the tree's current size.
var ErrBeyondTree = errs.E("ledger", errs.Invalid,
	"the request reaches beyond the ledger's tree: ask for a size no larger than the latest checkpoint's",
	"درخواست از درخت دفتر رویدادها فراتر می‌رود: اندازه‌ای بزرگ‌تر از آخرین نقطهٔ بازبینی امضاشده نخواهید")

// Ledger seals the events table into a Merkle tree and answers proofs.
// It is safe for concurrent use.
type Ledger struct {
	s        *store.Store
	origin   string
	log      *slog.Logger
	interval time.Duration

	signer   note.Signer
	verifier note.Verifier
	vkey     string

	// Sealing tunables; tests shorten them.
	batch      int           // events read per round
	gapGrace   time.Duration // how long a missing id holds the sealer back
	lateWindow time.Duration // how long a gap is rechecked for a late event

	mu          sync.Mutex // one sealing round at a time in this process; guards the fields below
	tree        *compact.Range
	through     int64
	pending     map[int64]time.Time // first id of a missing run → when this process first saw it missing, on its own clock
	signed      time.Time           // when this process last signed a checkpoint
	signedSize  uint64              // the size it last knew to have a checkpoint
	signedKnown bool                // whether signedSize is known yet
}

var (
	hasher  = rfc6962.DefaultHasher
	factory = &compact.RangeFactory{Hash: hasher.HashChildren}
)

// New returns the ledger of cfg.Store, creating its signing key on first
// use (with the event ledger.key.created). It starts nothing; Run does.
func New(ctx context.Context, cfg Config) (*Ledger, error) {
	if cfg.Store == nil {
		return nil, errors.New("ledger.New: no store")
	}
	l := &Ledger{
		s: cfg.Store, origin: cfg.Origin, log: cfg.Log, interval: cfg.Interval,
		batch: 10000, gapGrace: 2 * time.Second, lateWindow: 10 * time.Minute,
		pending: map[int64]time.Time{},
	}
	if l.origin == "" {
		l.origin = DefaultOrigin
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.interval <= 0 {
		l.interval = 250 * time.Millisecond
	}
	l.interval = min(l.interval, time.Second)
	skey, err := l.key(ctx)
	if err != nil {
		return nil, errs.Wrap("ledger.New", err)
	}
	if l.signer, err = note.NewSigner(skey); err != nil {
		return nil, fmt.Errorf("ledger.New: signing key: %w", err)
	}
	if l.verifier, err = note.NewVerifier(l.vkey); err != nil {
		return nil, fmt.Errorf("ledger.New: verifier key: %w", err)
	}
	return l, nil
}

// key returns the active signing key, creating it when there is none.
// Two processes creating it at once race on the unique index of active
// keys; the loser inserts nothing and reads the winner's.
func (l *Ledger) key(ctx context.Context) (skey string, err error) {
	read := func() (string, error) {
		var skey string
		err := l.s.DB().QueryRowContext(ctx, `SELECT skey, vkey FROM ledger_keys WHERE active`).Scan(&skey, &l.vkey)
		return skey, err
	}
	if skey, err = read(); err == nil {
		return skey, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, l.origin)
	if err != nil {
		return "", err
	}
	kid := keyID(vkey)
	err = l.s.InTx(ctx, func(tx *store.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO ledger_keys (kid, name, vkey, skey, active, created_at)
			VALUES ($1, $2, $3, $4, TRUE, $5) ON CONFLICT DO NOTHING`, kid, l.origin, vkey, skey, l.s.Now())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return store.ErrNothingToDo // another process made it first
		}
		return tx.Append(ctx, store.Event{Kind: "ledger.key.created", Actor: "system"},
			map[string]string{"kid": kid, "name": l.origin, "vkey": vkey})
	})
	if err != nil && !errors.Is(err, store.ErrNothingToDo) {
		return "", err
	}
	return read()
}

// keyID names a key by a digest of its verifier key.
func keyID(vkey string) string {
	sum := sha256.Sum256([]byte(vkey))
	return hex.EncodeToString(sum[:8])
}

// Origin returns the checkpoints' origin line.
func (l *Ledger) Origin() string { return l.origin }

// VerifierKey returns the checkpoints' verifier key in note's encoding,
// "name+hash+base64", for auditors to keep.
func (l *Ledger) VerifierKey() string { return l.vkey }

// Verifier returns a verifier of the ledger's signatures.
func (l *Ledger) Verifier() note.Verifier { return l.verifier }

// Sign returns a signed note over text with the ledger's key. text must
// be non-empty, end in a newline, and be valid UTF-8 without control
// characters other than newlines (note's rules).
func (l *Ledger) Sign(text string) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: text}, l.signer)
	if err != nil {
		return nil, &errs.Error{Op: "ledger.Sign", Kind: errs.Invalid, Err: err,
			En: "the text to sign must end in a newline and contain no control characters",
			Fa: "متنی که امضا می‌شود باید با خط تازه تمام شود و نویسهٔ کنترلی نداشته باشد"}
	}
	return msg, nil
}

// checkpointBody is the C2SP tlog-checkpoint body for a tree.
func checkpointBody(origin string, size uint64, root []byte) string {
	return origin + "\n" + strconv.FormatUint(size, 10) + "\n" + base64.StdEncoding.EncodeToString(root) + "\n"
}

// ParseCheckpoint opens a signed checkpoint note with v and returns what
// it says. It fails when the signature does not verify or the body is not
// a checkpoint.
func ParseCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	const op = "ledger.ParseCheckpoint"
	bad := func(err error) (Checkpoint, error) {
		return Checkpoint{}, &errs.Error{Op: op, Kind: errs.Invalid, Err: err,
			En: "the checkpoint is not a signed ledger checkpoint that this key verifies",
			Fa: "نقطهٔ بازبینی، نقطهٔ بازبینی امضاشدهٔ دفتر با این کلید نیست"}
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return bad(err)
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 {
		return bad(errors.New("fewer than three lines"))
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil {
		return bad(err)
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != 32 {
		return bad(fmt.Errorf("root %q", lines[2]))
	}
	cp := Checkpoint{Origin: lines[0], Size: size, Note: msg}
	copy(cp.Root[:], root)
	return cp, nil
}

// Checkpoint returns the latest signed checkpoint. When none has been
// signed yet it seals what there is and signs one.
func (l *Ledger) Checkpoint(ctx context.Context) (Checkpoint, error) {
	cp, err := l.latest(ctx, l.s.Read())
	if errors.Is(err, sql.ErrNoRows) {
		return l.SealNow(ctx)
	}
	if err != nil {
		return Checkpoint{}, errs.Wrap("ledger.Checkpoint", err)
	}
	return cp, nil
}

// latest reads the latest stored checkpoint.
func (l *Ledger) latest(ctx context.Context, db queryer) (Checkpoint, error) {
	var (
		cp   Checkpoint
		size int64
		root []byte
		msg  string
	)
	err := db.QueryRowContext(ctx, `SELECT size, root, note, signed_at FROM ledger_checkpoints ORDER BY size DESC LIMIT 1`).
		Scan(&size, &root, &msg, &cp.SignedAt)
	if err != nil {
		return Checkpoint{}, err
	}
	cp.Size, cp.Note, cp.SignedAt = uint64(size), []byte(msg), cp.SignedAt.UTC()
	copy(cp.Root[:], root)
	cp.Origin, _, _ = strings.Cut(msg, "\n")
	return cp, nil
}

// queryer is what both *sql.DB and *sql.Tx offer.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}
