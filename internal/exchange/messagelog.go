package exchange

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// Message is one record of the message log: who asked which service, when,
// about whom and why, how it ended, and the digests of what was exchanged.
// It never holds a byte of a request or response body.
type Message struct {
	ID             int64       `json:"id"`
	MessageID      string      `json:"message_id"`
	At             time.Time   `json:"at"`
	Client         SubsystemID `json:"client"`
	Service        ServiceID   `json:"service"`
	Method         string      `json:"method"`
	Path           string      `json:"path"` // with the subject replaced by {subject}; never the query
	Purpose        string      `json:"purpose,omitempty"`
	Issue          string      `json:"issue,omitempty"`
	Status         int         `json:"status"`
	Error          string      `json:"error,omitempty"` // a Code* constant when the gateway refused or failed
	LatencyMS      float64     `json:"latency_ms"`
	RequestDigest  string      `json:"request_digest,omitempty"`
	ResponseDigest string      `json:"response_digest,omitempty"`
	Subject        string      `json:"subject,omitempty"` // national code; personal data
	Async          bool        `json:"async,omitempty"`
	RightID        int64       `json:"right_id,omitempty"`   // the access right that allowed it; 0 when refused
	ConsentID      int64       `json:"consent_id,omitempty"` // the citizen's consent that allowed it; 0 when a legal basis did
	Basis          string      `json:"basis,omitempty"`      // the right's legal basis, or "consent"; empty when refused
}

// MessageFilter selects message log records. Zero fields match everything.
type MessageFilter struct {
	Subject        string // the citizen's national code (the data tracker)
	ClientMember   string // inquiries an agency made
	ProviderMember string // inquiries an agency served
	Limit          int    // default 100, at most 1000
	BeforeID       int64  // paging: only records older than this id
}

// EventInquiry is the kind of the event each message log record appends.
const EventInquiry = "exchange.inquiry"

// record is a message log entry on its way to the database.
type record struct {
	Message
	signature     string
	signedAt      time.Time
	requestBytes  int64
	responseBytes int64
}

// logEntry is a submitted record and the channel its committer answers on.
type logEntry struct {
	rec  *record
	done chan error
}

// messageLog writes records with group commit: submitters queue their record
// and wait; a writer (one on SQLite, a few on PostgreSQL) takes everything
// queued (up to maxBatch), writes it in one transaction (rows and events),
// and answers every waiter. Under light
// load a record commits at once; under heavy load many share a commit, so
// logging does not become the bottleneck, and no caller gets its answer
// before its record is durable.
type messageLog struct {
	s        *store.Store
	in       chan logEntry
	linger   time.Duration
	maxBatch int
	wg       sync.WaitGroup
	closeMu  sync.RWMutex
	closing  bool           // no new exchange may begin
	active   sync.WaitGroup // exchanges begun and not yet logged
	closed   bool           // the writer is stopping: no record is taken
	stop     chan struct{}

	stmt    *sql.Stmt     // the single-row insert, prepared on first use (SQLite); nil on PostgreSQL
	batches atomic.Uint64 // transactions written
	records atomic.Uint64 // records written in them
}

func newMessageLog(s *store.Store, linger time.Duration, maxBatch int) *messageLog {
	if maxBatch <= 0 {
		maxBatch = 256
	}
	l := &messageLog{s: s, in: make(chan logEntry, 4*maxBatch), linger: linger, maxBatch: maxBatch, stop: make(chan struct{})}
	// SQLite has one writer connection, so one writer. PostgreSQL commits
	// transactions side by side, and a batch there spends most of its time
	// in round trips (one per event): several writers keep the log's
	// latency from queueing behind one batch.
	writers := 1
	if s.Dialect() == store.Postgres {
		writers = postgresLogWriters
	}
	l.wg.Add(writers)
	for range writers {
		go l.run()
	}
	return l
}

// postgresLogWriters is how many batches the message log writes at once on
// PostgreSQL.
const postgresLogWriters = 4

// errLogClosed is returned to submitters after Close.
var errLogClosed = errs.E("exchange.log", errs.Unavailable, "the gateway is shutting down", "درگاه در حال توقف است")

// begin admits one exchange, whose record will be submitted before end.
// It reports false once close has begun: an exchange that could no longer
// be logged must not reach a provider.
func (l *messageLog) begin() bool {
	l.closeMu.RLock()
	defer l.closeMu.RUnlock()
	if l.closing {
		return false
	}
	l.active.Add(1)
	return true
}

// end marks an exchange admitted by begin as logged (or abandoned).
func (l *messageLog) end() { l.active.Done() }

// submit queues rec and waits until it is committed. It does not give up
// when ctx is done: a record once queued is always written.
func (l *messageLog) submit(_ context.Context, rec *record) error {
	e := logEntry{rec: rec, done: make(chan error, 1)}
	l.closeMu.RLock()
	if l.closed {
		l.closeMu.RUnlock()
		return errLogClosed
	}
	l.in <- e
	l.closeMu.RUnlock()
	// The record is queued and will be written even if the caller goes
	// away; the caller still waits for it, so that no answer is sent before
	// its record is durable.
	return <-e.done
}

// close admits no new exchange, waits for those in flight to submit their
// records, writes everything queued, and returns.
func (l *messageLog) close() {
	l.closeMu.Lock()
	l.closing = true
	l.closeMu.Unlock()
	l.active.Wait()
	l.closeMu.Lock()
	if !l.closed {
		l.closed = true
		close(l.stop)
	}
	l.closeMu.Unlock()
	l.wg.Wait()
}

func (l *messageLog) run() {
	defer l.wg.Done()
	batch := make([]logEntry, 0, l.maxBatch)
	loaded := false
	for {
		select {
		case e := <-l.in:
			batch = append(batch[:0], e)
		case <-l.stop:
			// Write what was queued before close, in batches.
			for {
				batch = batch[:0]
			drain:
				for len(batch) < l.maxBatch {
					select {
					case e := <-l.in:
						batch = append(batch, e)
					default:
						break drain
					}
				}
				if len(batch) == 0 {
					if l.stmt != nil {
						l.stmt.Close()
					}
					return
				}
				l.flush(batch)
			}
		}
	more0:
		for len(batch) < l.maxBatch {
			select {
			case e := <-l.in:
				batch = append(batch, e)
			default:
				break more0
			}
		}
		// Under load (the last commit was shared) wait a little for more
		// records, so that many share one commit: the commit, not the rows,
		// is what costs most. A lone record under light load commits at once.
		if l.linger > 0 && loaded && len(batch) < l.maxBatch {
			timer := time.NewTimer(l.linger)
		collect:
			for len(batch) < l.maxBatch {
				select {
				case e := <-l.in:
					batch = append(batch, e)
				case <-timer.C:
					break collect
				}
			}
			timer.Stop()
		}
	more:
		for len(batch) < l.maxBatch {
			select {
			case e := <-l.in:
				batch = append(batch, e)
			default:
				break more
			}
		}
		l.flush(batch)
		loaded = len(batch) > 1
	}
}

// flush writes a batch in one transaction and answers its submitters. A
// batch that fails is retried record by record, so one bad record cannot
// lose the others.
func (l *messageLog) flush(batch []logEntry) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	recs := make([]*record, len(batch))
	for i, e := range batch {
		recs[i] = e.rec
	}
	stmt := l.prepared(ctx)
	err := l.s.InTx(ctx, func(tx *store.Tx) error { return writeRecords(ctx, tx, recs, stmt) })
	if err == nil {
		l.batches.Add(1)
		l.records.Add(uint64(len(recs)))
	}
	if err == nil || len(batch) == 1 {
		for _, e := range batch {
			e.done <- err
		}
		return
	}
	for _, e := range batch {
		err := l.s.InTx(ctx, func(tx *store.Tx) error { return writeRecords(ctx, tx, []*record{e.rec}, stmt) })
		if err == nil {
			l.batches.Add(1)
			l.records.Add(1)
		}
		e.done <- err
	}
}

// prepared returns the prepared single-row insert on SQLite, preparing it
// on first use; nil on PostgreSQL or when it cannot be prepared (the
// multi-row insert then serves). Only the one SQLite writer calls it.
func (l *messageLog) prepared(ctx context.Context) *sql.Stmt {
	if l.stmt != nil || l.s.Dialect() != store.SQLite {
		return l.stmt
	}
	stmt, err := l.s.DB().PrepareContext(ctx, insertOne)
	if err != nil {
		return nil
	}
	l.stmt = stmt
	return stmt
}

// inquiryPayload is the payload of an exchange.inquiry event: the record
// without the subject, which is the event's own column.
type inquiryPayload struct {
	MessageID      string  `json:"message_id"`
	Client         string  `json:"client"`
	Provider       string  `json:"provider"`
	Service        string  `json:"service"`
	Method         string  `json:"method"`
	Path           string  `json:"path"` // the template: no national code, no query
	Purpose        string  `json:"purpose"`
	Issue          string  `json:"issue,omitempty"`
	Status         int     `json:"status"`
	Error          string  `json:"error,omitempty"`
	LatencyMS      float64 `json:"latency_ms"`
	RequestDigest  string  `json:"request_digest"`
	ResponseDigest string  `json:"response_digest"`
	Async          bool    `json:"async,omitempty"`
	Right          int64   `json:"right,omitempty"`   // the access right that allowed it
	Consent        int64   `json:"consent,omitempty"` // the consent that allowed it
	Basis          string  `json:"basis,omitempty"`   // the right's legal basis, or "consent"
}

// messageColumns are the columns writeRecords fills, in order.
const messageColumns = 25

// insertMessage is the INSERT of one message log row, prepared once.
const insertMessage = `INSERT INTO exchange_messages (message_id, at, client, client_member,
		provider, provider_member, service, method, path, purpose, issue, subject, status, error, latency_ms,
		request_digest, response_digest, request_bytes, response_bytes, signature, signed_at, async,
		right_id, consent_id, basis) VALUES `

// placeholders returns "($from, ..., $from+n-1)".
func placeholders(b []byte, from, n int) []byte {
	b = append(b, '(')
	for j := range n {
		if j > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(from+j), 10)
	}
	return append(b, ')')
}

// insertOne is the single-row insert, prepared once per message log.
var insertOne = insertMessage + string(placeholders(nil, 1, messageColumns))

// recordArgs appends the column values of r, in insertMessage's order.
func recordArgs(args []any, r *record) []any {
	var signedAt any
	if !r.signedAt.IsZero() {
		signedAt = r.signedAt.UTC()
	}
	return append(args, r.MessageID, r.At.UTC(), subsystemString(r.Client), r.Client.Member, subsystemString(r.Service.Provider),
		r.Service.Provider.Member, serviceString(r.Service), r.Method, r.Path, r.Purpose, r.Issue, r.Subject, r.Status, r.Error,
		r.LatencyMS, r.RequestDigest, r.ResponseDigest, r.requestBytes, r.responseBytes, r.signature, signedAt, r.Async,
		r.RightID, r.ConsentID, r.Basis)
}

// writeRecords writes message log rows and their events in tx. With one a
// prepared single-row insert (stmt, prepared on the store's pool) is run
// per record: SQLite then parses the statement once per process instead
// of once per batch. Without one (PostgreSQL, where pgx caches statements
// itself and every statement is a round trip) all rows go in one
// multi-row INSERT.
func writeRecords(ctx context.Context, tx *store.Tx, recs []*record, stmt *sql.Stmt) error {
	if stmt != nil {
		st := tx.StmtContext(ctx, stmt)
		args := make([]any, 0, messageColumns)
		for _, r := range recs {
			if _, err := st.ExecContext(ctx, recordArgs(args[:0], r)...); err != nil {
				return fmt.Errorf("exchange.log: %w", err)
			}
		}
	} else {
		q := make([]byte, 0, len(insertMessage)+len(recs)*(messageColumns*6+4))
		q = append(q, insertMessage...)
		args := make([]any, 0, len(recs)*messageColumns)
		for i, r := range recs {
			if i > 0 {
				q = append(q, ", "...)
			}
			q = placeholders(q, i*messageColumns+1, messageColumns)
			args = recordArgs(args, r)
		}
		if _, err := tx.ExecContext(ctx, string(q), args...); err != nil {
			return fmt.Errorf("exchange.log: %w", err)
		}
	}
	for _, r := range recs {
		payload := inquiryPayload{MessageID: r.MessageID, Client: subsystemString(r.Client), Provider: subsystemString(r.Service.Provider),
			Service: serviceString(r.Service), Method: r.Method, Path: r.Path, Purpose: r.Purpose, Issue: r.Issue, Status: r.Status,
			Error: r.Error, LatencyMS: r.LatencyMS, RequestDigest: r.RequestDigest, ResponseDigest: r.ResponseDigest, Async: r.Async,
			Right: r.RightID, Consent: r.ConsentID, Basis: r.Basis}
		actor := "subsystem:" + subsystemString(r.Client)
		if r.Client.IsZero() {
			actor = "anonymous"
		}
		if err := tx.Append(ctx, store.Event{Kind: EventInquiry, At: r.At, Actor: actor,
			Agency: r.Client.Member, Service: serviceString(r.Service), Subject: r.Subject}, payload); err != nil {
			return err
		}
	}
	return nil
}

// tenDigits finds runs of ten ASCII digits: candidate national codes.
var tenDigits = regexp.MustCompile(`(^|[^0-9])([0-9]{10})($|[^0-9])`)

// redactPath returns p with the subject, and any other valid national code,
// replaced by "{subject}", so that the log's path column and the events never
// carry a national code outside the subject column.
func redactPath(p, subject string) string {
	if subject != "" {
		p = strings.ReplaceAll(p, subject, "{subject}")
	}
	return tenDigits.ReplaceAllStringFunc(p, func(m string) string {
		sub := tenDigits.FindStringSubmatch(m)
		if persian.ValidNationalCode(sub[2]) {
			return sub[1] + "{subject}" + sub[3]
		}
		return m
	})
}

// Messages reads the message log, newest first.
func (g *Gateway) Messages(ctx context.Context, f MessageFilter) ([]Message, error) {
	const op = "exchange.Messages"
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Subject != "" {
		add("subject = $%d", f.Subject)
	}
	if f.ClientMember != "" {
		add("client_member = $%d", f.ClientMember)
	}
	if f.ProviderMember != "" {
		add("provider_member = $%d", f.ProviderMember)
	}
	if f.BeforeID > 0 {
		add("id < $%d", f.BeforeID)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	q := `SELECT id, message_id, at, client, service, method, path, purpose, issue, subject, status, error,
		latency_ms, request_digest, response_digest, async, right_id, consent_id, basis FROM exchange_messages`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit)
	rows, err := g.s.Read().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var client, service string
		if err := rows.Scan(&m.ID, &m.MessageID, &m.At, &client, &service, &m.Method, &m.Path, &m.Purpose, &m.Issue,
			&m.Subject, &m.Status, &m.Error, &m.LatencyMS, &m.RequestDigest, &m.ResponseDigest, &m.Async,
			&m.RightID, &m.ConsentID, &m.Basis); err != nil {
			return nil, errs.Wrap(op, err)
		}
		m.At = m.At.UTC()
		if client != "" {
			if m.Client, err = ParseSubsystemID(client); err != nil {
				return nil, errs.Wrap(op, err)
			}
		}
		if service != "" {
			if m.Service, err = ParseServiceID(service); err != nil {
				return nil, errs.Wrap(op, err)
			}
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, errs.Wrap(op, err)
	}
	return out, nil
}

// subsystemString is id's identifier, or "" for the zero id (a client the
// gateway could not name).
func subsystemString(id SubsystemID) string {
	if id.IsZero() {
		return ""
	}
	return id.String()
}

// serviceString is id's identifier, or "" for the zero id.
func serviceString(id ServiceID) string {
	if id.Provider.IsZero() {
		return ""
	}
	return id.String()
}

// LogStats reports how many message log transactions the gateway has
// committed and how many records they held: their ratio is the batch size
// group commit reached.
func (g *Gateway) LogStats() (batches, records uint64) {
	return g.mlog.batches.Load(), g.mlog.records.Load()
}
