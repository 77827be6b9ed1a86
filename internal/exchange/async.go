package exchange

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/store"
	"github.com/riverqueue/river"
)

// Asynchronous mode. A client that sends "Prefer: respond-async" accepts an
// answer later: when the provider is unavailable (its breaker is open, it
// refuses connections, times out or answers 5xx), the inquiry is queued as a
// River job in the same transaction as its exchange.inquiry.queued event,
// and the client gets 202 with a Location to poll. The job delivers when the
// provider is back, with River's retries and backoff; the answer is kept in
// exchange_async for polling (until fetched, or AsyncKeep at most) and, when
// the client named a Panjare-Callback URL, POSTed there: the answer is
// delivered once, by whichever of the two comes first.
//
// This is the one place the platform holds payloads: the queued request
// (in the job, until delivered) and the provider's answer (until fetched or
// expired). Without them nothing could be delivered after an outage.
// Delivery is at least once: the same Panjare-Id goes with every attempt, so
// providers can recognise a repeat.

const (
	maxAsyncBody     = 1 << 20 // the largest request body that may be queued
	asyncMaxAttempts = 40
	maxAsyncWait     = 10 * time.Minute
)

// preferAsync reports whether the client asked for an asynchronous answer.
func preferAsync(h http.Header) bool {
	for _, v := range h.Values("Prefer") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "respond-async") {
				return true
			}
		}
	}
	return false
}

// deliverArgs is the exchange.deliver job: one queued inquiry.
type deliverArgs struct {
	MessageID string              `json:"message_id"`
	Client    string              `json:"client"`
	Service   string              `json:"service"`
	Method    string              `json:"method"`
	Rest      string              `json:"rest"`
	Query     string              `json:"query,omitempty"`
	Header    map[string][]string `json:"header"`
	Body      []byte              `json:"body,omitempty"`
	Subject   string              `json:"subject,omitempty"`
	Purpose   string              `json:"purpose,omitempty"`
	Issue     string              `json:"issue,omitempty"`
}

// Kind names the job.
func (deliverArgs) Kind() string { return "exchange.deliver" }

// expireArgs is the exchange.async.expire job: forget an answer nobody
// fetched.
type expireArgs struct {
	MessageID string `json:"message_id"`
}

// Kind names the job.
func (expireArgs) Kind() string { return "exchange.async.expire" }

// callbackArgs is the exchange.async.callback job: POST an answer to the
// client's callback URL.
type callbackArgs struct {
	MessageID string `json:"message_id"`
}

// Kind names the job.
func (callbackArgs) Kind() string { return "exchange.async.callback" }

// RegisterWorkers adds the gateway's job workers (asynchronous delivery,
// callbacks, expiry) to the store. Call it once, before store.StartJobs.
func (g *Gateway) RegisterWorkers() {
	river.AddWorker(g.s.Workers(), &deliverWorker{g: g})
	river.AddWorker(g.s.Workers(), &expireWorker{g: g})
	river.AddWorker(g.s.Workers(), &callbackWorker{g: g})
}

// asyncAccepted is the body of a 202 and of a poll that is still waiting.
type asyncAccepted struct {
	MessageID string `json:"message_id"`
	State     string `json:"state"`
	Location  string `json:"location"`
}

// serveAsyncCall tries an inquiry once and queues it when the provider is
// unavailable.
func (g *Gateway) serveAsyncCall(w http.ResponseWriter, r *http.Request, c *call, callback string) (int, string) {
	fail := func(err error) (int, string) {
		code := errorCode(err)
		st := g.writeProblem(w, r, err, c.id)
		if lerr := g.mlog.submit(r.Context(), c.record(st, code)); lerr != nil {
			g.log.Error("exchange log failed", "err", lerr.Error())
		}
		return st, code
	}
	limit := min(g.cfg.MaxBody, maxAsyncBody)
	if r.ContentLength > limit {
		return fail(errs.E(CodeBadRequest, errs.TooLarge, "the request body is larger than an asynchronous inquiry may carry",
			"حجم بدنهٔ درخواست بیش از حد مجاز برای استعلام ناهمگام است"))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return fail(errs.E(CodeBadRequest, errs.TooLarge, "the request body is larger than an asynchronous inquiry may carry",
				"حجم بدنهٔ درخواست بیش از حد مجاز برای استعلام ناهمگام است"))
		}
		return fail(errs.E(CodeBadRequest, errs.Invalid, "the request body could not be read", "بدنهٔ درخواست خوانده نشد"))
	}
	c.async = true
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.Timeout)
	defer cancel()
	req, err := providerRequest(ctx, c, bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return fail(err)
	}
	resp, err := g.roundTrip(req, c.service.Provider.String())
	if err == nil && !failureStatus(resp.StatusCode) {
		defer resp.Body.Close()
		d := newDigester()
		d.Write(body)
		code, _ := g.relay(w, r, c, resp, d)
		return resp.StatusCode, code
	}
	if err != nil {
		if code := errorCode(err); code != CodeProviderUnavailable && code != CodeTimeout {
			return fail(err)
		}
	} else {
		drain(resp)
	}
	if err := g.enqueue(r.Context(), c, body, callback); err != nil {
		if errs.Is(err, errs.Conflict) {
			return fail(err)
		}
		return fail(errs.Wrap("exchange.enqueue", err))
	}
	loc := "/r1/async/" + c.id
	w.Header().Set("Location", loc)
	w.Header().Set("Preference-Applied", "respond-async")
	w.Header().Set("Retry-After", "2")
	_ = writeJSON(w, http.StatusAccepted, asyncAccepted{MessageID: c.id, State: "queued", Location: loc})
	return http.StatusAccepted, ""
}

// enqueue queues an inquiry: the exchange_async row, the job and the event
// in one transaction.
func (g *Gateway) enqueue(ctx context.Context, c *call, body []byte, callback string) error {
	args := deliverArgs{MessageID: c.id, Client: c.client.String(), Service: c.service.String(), Method: c.method,
		Rest: c.rest, Query: c.query, Header: c.header, Body: body, Subject: c.subject, Purpose: c.purpose, Issue: c.issue}
	return g.s.InTx(ctx, func(tx *store.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM exchange_async WHERE message_id = $1`, c.id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return errs.E(CodeBadRequest, errs.Conflict, "this Panjare-Id was already used for an asynchronous inquiry",
				"این Panjare-Id پیش‌تر برای استعلام ناهمگام به کار رفته است")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO exchange_async (message_id, client, service, state, callback, request_digest, created_at)
			VALUES ($1, $2, $3, 'queued', $4, $5, $6)`, c.id, c.client.String(), c.service.String(), callback, Digest(body), g.s.Now()); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, args, &river.InsertOpts{MaxAttempts: asyncMaxAttempts}); err != nil {
			return err
		}
		err := tx.Append(ctx, store.Event{Kind: "exchange.inquiry.queued", Actor: "subsystem:" + c.client.String(),
			Agency: c.client.Member, Service: c.service.String(), Subject: c.subject},
			map[string]any{"message_id": c.id, "client": c.client.String(), "provider": c.service.Provider.String(),
				"service": c.service.String(), "method": c.method, "path": redactPath(c.rest, c.subject),
				"purpose": c.purpose, "request_digest": Digest(body)})
		return err
	})
}

// deliverWorker delivers queued inquiries.
type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	g *Gateway
}

// NextRetry backs off exponentially from AsyncRetryBase up to ten minutes.
func (w *deliverWorker) NextRetry(j *river.Job[deliverArgs]) time.Time {
	d := w.g.cfg.AsyncRetryBase
	for i := 1; i < j.Attempt && d < maxAsyncWait; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, maxAsyncWait))
}

// Timeout bounds one delivery attempt a little above the per-call timeout.
func (w *deliverWorker) Timeout(*river.Job[deliverArgs]) time.Duration {
	return w.g.cfg.Timeout + 30*time.Second
}

// Work delivers one queued inquiry. It is idempotent: an inquiry already
// answered is left alone. The access right and consent are checked again at
// delivery: a right revoked while the inquiry waited stops it.
func (w *deliverWorker) Work(ctx context.Context, j *river.Job[deliverArgs]) error {
	g, a := w.g, j.Args
	var state string
	err := g.s.DB().QueryRowContext(ctx, `SELECT state FROM exchange_async WHERE message_id = $1`, a.MessageID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && state != "queued") {
		return nil
	}
	if err != nil {
		return err
	}
	c := &call{id: a.MessageID, method: a.Method, rest: a.Rest, query: a.Query, subject: a.Subject, purpose: a.Purpose,
		issue: a.Issue, start: time.Now(), at: g.x.now(), async: true, header: http.Header(a.Header)}
	if c.client, err = ParseSubsystemID(a.Client); err != nil {
		return river.JobCancel(err)
	}
	if c.service, err = ParseServiceID(a.Service); err != nil {
		return river.JobCancel(err)
	}
	status, code := 0, ""
	defer func() { g.metrics.observe(c, status, code) }()
	if err := g.authorize(ctx, c); err != nil {
		if errs.KindOf(err) == errs.Internal {
			return err
		}
		code = errorCode(err)
		status = ProblemOf(err, c.id).Status
		return g.finishAsync(ctx, c, j.Attempt, status, code, problemResult(err, c.id), a.Body)
	}
	cctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	req, err := providerRequest(cctx, c, bytes.NewReader(a.Body), int64(len(a.Body)))
	if err != nil {
		code = errorCode(err)
		status = ProblemOf(err, c.id).Status
		return g.finishAsync(ctx, c, j.Attempt, status, code, problemResult(err, c.id), a.Body)
	}
	resp, err := g.roundTrip(req, c.service.Provider.String())
	if err == nil && failureStatus(resp.StatusCode) {
		drain(resp)
		err = g.unavailable(cctx, errProviderStatus{resp.StatusCode})
	}
	if err != nil {
		code = errorCode(err)
		if j.Attempt >= j.MaxAttempts {
			status = ProblemOf(err, c.id).Status
			return g.finishAsync(ctx, c, j.Attempt, status, code, problemResult(err, c.id), a.Body)
		}
		return err // River tries again after NextRetry
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxInquireResponse+1))
	if err != nil || len(body) > maxInquireResponse {
		if err == nil {
			err = errors.New("the provider's answer is larger than the limit")
		}
		return g.unavailable(cctx, err)
	}
	h := resp.Header.Clone()
	stripHopByHop(h)
	stripOwn(h)
	h.Del("Content-Length")
	status = resp.StatusCode
	return g.finishAsync(ctx, c, j.Attempt, resp.StatusCode, "", asyncResult{header: h, body: body}, a.Body)
}

// asyncResult is the answer kept for polling.
type asyncResult struct {
	header http.Header
	body   []byte
}

// problemResult turns a refusal into a stored answer.
func problemResult(err error, messageID string) asyncResult {
	b, _ := json.Marshal(ProblemOf(err, messageID))
	return asyncResult{header: http.Header{"Content-Type": {"application/problem+json; charset=utf-8"}}, body: b}
}

// finishAsync records a delivered (or finally refused) inquiry: the message
// log row and its event, the answer for polling, the job that forgets it,
// and the callback job, in one transaction.
func (g *Gateway) finishAsync(ctx context.Context, c *call, attempts, status int, code string, res asyncResult, reqBody []byte) error {
	rc := g.receipt(c, status, Digest(reqBody), Digest(res.body))
	rec := c.record(status, code)
	rec.RequestDigest, rec.ResponseDigest, rec.signature, rec.signedAt = rc.RequestDigest, rc.ResponseDigest, rc.Signature, rc.At
	rec.requestBytes, rec.responseBytes = int64(len(reqBody)), int64(len(res.body))
	hdr, err := json.Marshal(res.header)
	if err != nil {
		return err
	}
	state := "done"
	if code != "" {
		state = "failed"
	}
	return ignoreDone(g.s.InTx(ctx, func(tx *store.Tx) error {
		var callback string
		err := tx.QueryRowContext(ctx, `SELECT callback FROM exchange_async WHERE message_id = $1 AND state = 'queued'`, c.id).Scan(&callback)
		if errors.Is(err, sql.ErrNoRows) {
			return errAlreadyDone
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE exchange_async SET state = $1, status = $2, header = $3, body = $4,
			response_digest = $5, signature = $6, signed_at = $7, attempts = $8, done_at = $9 WHERE message_id = $10`,
			state, status, string(hdr), res.body, rc.ResponseDigest, rc.Signature, rc.At, attempts, g.s.Now(), c.id); err != nil {
			return err
		}
		if err := writeRecords(ctx, tx, []*record{rec}, nil); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, expireArgs{MessageID: c.id}, &river.InsertOpts{ScheduledAt: time.Now().Add(g.cfg.AsyncKeep)}); err != nil {
			return err
		}
		if callback != "" {
			return tx.Enqueue(ctx, callbackArgs{MessageID: c.id}, &river.InsertOpts{MaxAttempts: 10})
		}
		return nil
	}))
}

// errAlreadyDone ends a transaction that found its work already done.
var errAlreadyDone = errors.New("exchange: already done")

// ignoreDone turns errAlreadyDone into success: jobs are idempotent.
func ignoreDone(err error) error {
	if errors.Is(err, errAlreadyDone) {
		return nil
	}
	return err
}

// storedAnswer is an exchange_async row.
type storedAnswer struct {
	client, service, state, callback string
	status                           int
	header                           http.Header
	body                             []byte
	rc                               Receipt
}

func (g *Gateway) loadAnswer(ctx context.Context, id string) (*storedAnswer, error) {
	var a storedAnswer
	var hdr string
	var signedAt sql.NullTime
	err := g.s.DB().QueryRowContext(ctx, `SELECT client, service, state, callback, status, header, body,
		request_digest, response_digest, signature, signed_at FROM exchange_async WHERE message_id = $1`, id).Scan(
		&a.client, &a.service, &a.state, &a.callback, &a.status, &hdr, &a.body,
		&a.rc.RequestDigest, &a.rc.ResponseDigest, &a.rc.Signature, &signedAt)
	if err != nil {
		return nil, err
	}
	_ = json.Unmarshal([]byte(hdr), &a.header)
	a.rc.MessageID, a.rc.Client, a.rc.Service, a.rc.Status = id, a.client, a.service, a.status
	if signedAt.Valid {
		a.rc.At = signedAt.Time.UTC()
	}
	return &a, nil
}

var errNoAnswer = errs.E(CodeBadRequest, errs.NotFound, "no asynchronous answer with this message id for this client",
	"پاسخ ناهمگامی با این شناسهٔ پیام برای این کلاینت نیست")

// serveAsync answers a poll: 202 while the inquiry waits, then the
// provider's answer once, after which its body is deleted.
func (g *Gateway) serveAsync(w http.ResponseWriter, r *http.Request, mode ClientMode, id string) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		g.writeProblem(w, r, errs.E(CodeBadRequest, errs.Invalid, "poll with GET", "با GET بپرسید"), id)
		return
	}
	if err := checkMessageID(id); err != nil {
		g.writeProblem(w, r, err, "")
		return
	}
	client, err := g.clientFromRequest(r, mode)
	if err != nil {
		g.writeProblem(w, r, err, id)
		return
	}
	a, err := g.loadAnswer(r.Context(), id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && a.client != client.String()) {
		g.writeProblem(w, r, errNoAnswer, id)
		return
	}
	if err != nil {
		g.writeProblem(w, r, errs.Wrap("exchange.poll", err), id)
		return
	}
	w.Header().Set(HeaderID, id)
	switch a.state {
	case "queued":
		w.Header().Set("Retry-After", "2")
		_ = writeJSON(w, http.StatusAccepted, asyncAccepted{MessageID: id, State: "queued", Location: "/r1/async/" + id})
		return
	case "fetched", "expired":
		g.writeProblem(w, r, errs.E(CodeBadRequest, errs.NotFound, "this answer was already fetched or has expired",
			"این پاسخ پیش‌تر دریافت شده یا منقضی شده است"), id)
		return
	}
	h := w.Header()
	for k, v := range a.header {
		h[k] = v
	}
	setReceiptHeaders(h, a.rc)
	h.Set(HeaderStatus, strconv.Itoa(a.status))
	h.Set("Content-Length", strconv.Itoa(len(a.body)))
	w.WriteHeader(a.status)
	if _, err := w.Write(a.body); err != nil {
		return // not delivered: keep it for another poll
	}
	if err := ignoreDone(g.forgetAnswer(context.WithoutCancel(r.Context()), id, "fetched")); err != nil {
		g.log.Error("exchange async forget failed", "err", err.Error())
	}
}

// forgetAnswer deletes an answer's body and marks it fetched or expired.
func (g *Gateway) forgetAnswer(ctx context.Context, id, state string) error {
	return g.s.InTx(ctx, func(tx *store.Tx) error {
		var client, service string
		err := tx.QueryRowContext(ctx, `SELECT client, service FROM exchange_async WHERE message_id = $1 AND state IN ('done', 'failed')`, id).Scan(&client, &service)
		if errors.Is(err, sql.ErrNoRows) {
			return errAlreadyDone
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE exchange_async SET state = $1, body = NULL, header = '{}' WHERE message_id = $2`, state, id); err != nil {
			return err
		}
		member := ""
		if cid, err := ParseSubsystemID(client); err == nil {
			member = cid.Member
		}
		err = tx.Append(ctx, store.Event{Kind: "exchange.async." + state, Actor: "system", Agency: member, Service: service},
			map[string]any{"message_id": id})
		return err
	})
}

// expireWorker forgets answers nobody fetched in time.
type expireWorker struct {
	river.WorkerDefaults[expireArgs]
	g *Gateway
}

// Work deletes the answer's body, then any other body kept past AsyncKeep
// whose own job was lost; it is idempotent.
func (w *expireWorker) Work(ctx context.Context, j *river.Job[expireArgs]) error {
	if err := ignoreDone(w.g.forgetAnswer(ctx, j.Args.MessageID, "expired")); err != nil {
		return err
	}
	return ignoreDone(w.g.sweepAnswers(ctx))
}

// sweepAnswers deletes every answer body kept longer than AsyncKeep.
func (g *Gateway) sweepAnswers(ctx context.Context) error {
	cutoff := g.s.Now().Add(-g.cfg.AsyncKeep)
	return g.s.InTx(ctx, func(tx *store.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT message_id FROM exchange_async
			WHERE body IS NOT NULL AND done_at < $1 ORDER BY done_at LIMIT 1000`, cutoff)
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return errAlreadyDone
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE exchange_async SET state = 'expired', body = NULL, header = '{}' WHERE message_id = $1`, id); err != nil {
				return err
			}
		}
		err = tx.Append(ctx, store.Event{Kind: "exchange.async.expired", Actor: "system"},
			map[string]any{"message_ids": ids, "swept": true})
		return err
	})
}

// callbackWorker POSTs an answer to the client's callback URL.
type callbackWorker struct {
	river.WorkerDefaults[callbackArgs]
	g *Gateway
}

// Work sends the answer with its receipt headers. A 2xx ends the job and
// deletes the answer, as a poll would; anything else is retried by River,
// and the answer stays for polling meanwhile. Whichever comes first
// delivers it.
func (w *callbackWorker) Work(ctx context.Context, j *river.Job[callbackArgs]) error {
	a, err := w.g.loadAnswer(ctx, j.Args.MessageID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if a.callback == "" || (a.state != "done" && a.state != "failed") {
		return nil
	}
	// The callback was checked when the inquiry came; check it again
	// against the base registered now, which its agency may have changed.
	// A callback no longer allowed is not called; the answer stays for
	// polling.
	u, err := parseCallbackURL(a.callback)
	if err == nil {
		var client SubsystemID
		if client, err = ParseSubsystemID(a.client); err == nil {
			err = w.g.x.callbackAllowed(ctx, client, u)
		}
	}
	if err != nil {
		if errs.KindOf(err) == errs.Internal {
			return err
		}
		w.g.log.Warn("exchange callback refused", "message_id", j.Args.MessageID, "err", err.Error())
		return river.JobCancel(err)
	}
	cctx, cancel := context.WithTimeout(ctx, w.g.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodPost, u.String(), bytes.NewReader(a.body))
	if err != nil {
		return river.JobCancel(err)
	}
	if ct := a.header.Get("Content-Type"); ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set(HeaderID, j.Args.MessageID)
	req.Header.Set(HeaderStatus, strconv.Itoa(a.status))
	setReceiptHeaders(req.Header, a.rc)
	resp, err := w.g.transport.RoundTrip(req)
	if err != nil {
		return err
	}
	drain(resp)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("exchange: the callback answered %d", resp.StatusCode)
	}
	// Delivered: the answer is not kept any longer.
	return ignoreDone(w.g.forgetAnswer(ctx, j.Args.MessageID, "fetched"))
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return jsonEncode(w, v)
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
