package exchange

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/httpx"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
)

// The gateway's own headers. Requests carry the client (loopback listener
// only), the message id, the citizen the inquiry is about, the purpose and
// the case it serves; responses carry the digests and the platform's
// signature over them.
const (
	HeaderClient          = "Panjare-Client"
	HeaderIMClient        = "Information-Mediator-Client" // the GovStack Information Mediator's name for the client header
	HeaderGovStackClient  = "X-GovStack-Client"           // the GovStack directory API's name for it
	HeaderID              = "Panjare-Id"
	HeaderSubject         = "Panjare-Subject"
	HeaderPurpose         = "Panjare-Purpose"
	HeaderIssue           = "Panjare-Issue"
	HeaderCallback        = "Panjare-Callback"
	HeaderRequestDigest   = "Panjare-Request-Digest"
	HeaderResponseDigest  = "Panjare-Response-Digest"
	HeaderSignature       = "Panjare-Signature"
	HeaderSignedAt        = "Panjare-Signed-At"
	HeaderStatus          = "Panjare-Status" // the provider's status, on a polled asynchronous answer
	maxHeaderValue        = 512
	defaultMaxBody        = 10 << 20
	inlineResponse        = 256 << 10 // responses up to this size are signed in headers; larger ones in trailers
	maxInquireResponse    = 10 << 20
	defaultTimeout        = 10 * time.Second
	defaultRatePerClient  = 500
	defaultBurst          = 1000
	defaultBreakerFailure = 5
)

// ClientMode says how a listener learns who the client is.
type ClientMode int

const (
	// ByCertificate names the client by its TLS client certificate, checked
	// on every request (the mTLS listener). A client header, if sent, must
	// name the same subsystem.
	ByCertificate ClientMode = iota
	// ByHeader names the client by the Information-Mediator-Client (or
	// Panjare-Client) header, like X-Road's NOAUTH mode: only for the
	// loopback listener.
	ByHeader
)

// GatewayConfig tunes the gateway. The zero value of each field means its
// default.
type GatewayConfig struct {
	Log           *slog.Logger
	Metrics       prometheus.Registerer // nil: metrics are kept but not registered
	Timeout       time.Duration         // per call to a provider (default 10s)
	RatePerClient float64               // requests a second per client subsystem (default 500)
	Burst         int                   // (default 1000)
	MaxBody       int64                 // largest request body (default 10 MiB)

	BreakerFailures uint32        // consecutive failures that open a provider's breaker (default 5)
	BreakerOpen     time.Duration // how long it stays open before a trial call (default 30s)
	Retries         int           // extra attempts for idempotent calls (default 2; -1 for none)
	RetryWait       time.Duration // first backoff between attempts (default 50ms)

	AsyncRetryBase time.Duration // first wait before an asynchronous delivery is tried again (default 2s)
	AsyncKeep      time.Duration // how long an asynchronous answer is kept for polling (default 24h)
	LogLinger      time.Duration // under load, how long the message log waits to fill a batch (default 300µs; negative: never)

	// FollowInterval is how often the gateway looks for registry changes
	// made on other nodes (default 1s; see Exchange.Follow). Changes made
	// through this node's Exchange apply at once.
	FollowInterval time.Duration

	// Transport reaches the providers; nil means a tuned http.Transport.
	Transport http.RoundTripper
}

// Gateway forwards inquiries between subsystems: it names the client,
// checks the access right and consent (Authorize), forwards to the
// provider's back end, signs digests of what was exchanged, and logs the
// metadata. It is safe for concurrent use.
type Gateway struct {
	x         *Exchange
	s         *store.Store
	cfg       GatewayConfig
	log       *slog.Logger
	signer    *signer
	mlog      *messageLog
	limiter   *httpx.RateLimiter
	breakers  *breakers
	transport http.RoundTripper
	metrics   *metrics

	stopFollow context.CancelFunc
	followed   chan struct{}

	pubsub atomic.Pointer[PubSub] // the life-events room, once NewPubSub has made it
}

// NewGateway returns the gateway over x, loading (or on first start
// creating) the platform's signing key.
func NewGateway(ctx context.Context, x *Exchange, cfg GatewayConfig) (*Gateway, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.RatePerClient <= 0 {
		cfg.RatePerClient = defaultRatePerClient
	}
	if cfg.Burst <= 0 {
		cfg.Burst = defaultBurst
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = defaultMaxBody
	}
	if cfg.BreakerFailures == 0 {
		cfg.BreakerFailures = defaultBreakerFailure
	}
	if cfg.BreakerOpen <= 0 {
		cfg.BreakerOpen = 30 * time.Second
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = 2
	case cfg.Retries < 0:
		cfg.Retries = 0
	}
	if cfg.RetryWait <= 0 {
		cfg.RetryWait = 50 * time.Millisecond
	}
	if cfg.AsyncRetryBase <= 0 {
		cfg.AsyncRetryBase = 2 * time.Second
	}
	switch {
	case cfg.LogLinger == 0:
		cfg.LogLinger = 300 * time.Microsecond
	case cfg.LogLinger < 0:
		cfg.LogLinger = 0
	}
	if cfg.AsyncKeep <= 0 {
		cfg.AsyncKeep = 24 * time.Hour
	}
	sg, err := loadSigner(ctx, x.st)
	if err != nil {
		return nil, err
	}
	g := &Gateway{x: x, s: x.st, cfg: cfg, log: cfg.Log, signer: sg,
		limiter: httpx.NewRateLimiter(cfg.RatePerClient, cfg.Burst), transport: cfg.Transport}
	if g.transport == nil {
		g.transport = &http.Transport{
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:          1024,
			MaxIdleConnsPerHost:   256,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   5 * time.Second,
			ExpectContinueTimeout: time.Second,
			ForceAttemptHTTP2:     true,
			DisableCompression:    true, // pass the provider's bytes through exactly as they were sent and digested
		}
	}
	if g.metrics, err = newMetrics(cfg.Metrics); err != nil {
		return nil, err
	}
	g.breakers = newBreakers(cfg.BreakerFailures, cfg.BreakerOpen, func(provider string, from, to gobreaker.State) {
		g.log.Warn("exchange breaker", "provider", provider, "from", from.String(), "to", to.String())
		g.metrics.breakerState(provider, to)
	})
	g.mlog = newMessageLog(x.st, cfg.LogLinger, 256)
	followCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	g.stopFollow, g.followed = stop, make(chan struct{})
	go func() {
		defer close(g.followed)
		x.Follow(followCtx, cfg.FollowInterval)
	}()
	return g, nil
}

// PublicKey returns the platform's Ed25519 key that signs receipts.
func (g *Gateway) PublicKey() ed25519.PublicKey { return g.signer.pub }

// Close admits no new inquiry, waits for those in flight to be logged, and
// writes what is queued. Call it after the listeners have stopped; an
// inquiry made after Close fails with errs.Unavailable before it reaches a
// provider.
func (g *Gateway) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		g.mlog.close()
		g.stopFollow()
		<-g.followed
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Inquiry is an inquiry made from inside the platform (the once-only hook):
// it goes through the same authorization, logging and signing as a call
// from outside.
type Inquiry struct {
	Client  SubsystemID
	Service ServiceID
	Method  string // default GET
	Path    string // the rest after the service code, starting with /; may carry a query
	Body    []byte
	Subject string // national code, for personal data
	Purpose string
	Issue   string // the case or tracking reference
	Header  http.Header
}

// Reply is the provider's answer to an Inquiry, with the signed receipt.
type Reply struct {
	Status    int
	Header    http.Header
	Body      []byte
	MessageID string
	Receipt   Receipt
}

// call is one exchange in progress.
type call struct {
	id      string
	client  SubsystemID
	service ServiceID
	method  string
	rest    string // the rest path as sent, percent-encoded
	query   string
	subject string
	purpose string
	issue   string
	start   time.Time // the wall clock at the start, for the latency
	at      time.Time // the exchange's clock at the start: the message log's time
	async   bool
	header  http.Header // toward the provider: already filtered
	backend string

	// What allowed the call (Authorize's Decision), logged with it.
	rightID, consentID int64
	basis              string
}

// record builds the message log record of c.
func (c *call) record(status int, code string) *record {
	return &record{Message: Message{
		MessageID: c.id, At: c.at, Client: c.client, Service: c.service, Method: c.method,
		Path: redactPath(c.rest, c.subject), Purpose: c.purpose, Issue: c.issue, Status: status, Error: code,
		LatencyMS: float64(time.Since(c.start).Microseconds()) / 1000, Subject: c.subject, Async: c.async,
		RightID: c.rightID, ConsentID: c.consentID, Basis: c.basis,
	}}
}

// receipt returns the signed receipt of c's exchange. Its time is cut to
// microseconds, the precision both engines keep, so that a receipt rebuilt
// from the database verifies.
func (g *Gateway) receipt(c *call, status int, reqDigest, respDigest string) Receipt {
	p := c.rest
	if c.query != "" {
		p += "?" + c.query
	}
	r := Receipt{MessageID: c.id, Client: c.client.String(), Service: c.service.String(), Method: c.method,
		Path: p, Status: status, At: time.Now().UTC().Truncate(time.Microsecond), RequestDigest: reqDigest, ResponseDigest: respDigest}
	g.signer.sign(&r)
	return r
}

// newMessageID returns a new identifier, a UUID version 7 (RFC 9562): 48
// bits of Unix milliseconds, then 74 random bits. Ids made later sort later,
// so the message log's index on them grows at its end instead of touching
// a random page for every record, which keeps group commits small.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[6:])
	ms := uint64(time.Now().UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// checkMessageID accepts a caller's message id: 1 to 128 characters of
// letters, digits and . _ : -.
func checkMessageID(id string) error {
	ok := len(id) > 0 && len(id) <= 128
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = isUpper(c) || isLower(c) || isDigit(c) || strings.IndexByte("._:-", c) >= 0
	}
	if !ok {
		return errs.E(CodeBadRequest, errs.Invalid,
			"Panjare-Id must be 1 to 128 letters, digits or . _ : -",
			"Panjare-Id باید ۱ تا ۱۲۸ نویسه از حروف لاتین، رقم یا . _ : - باشد")
	}
	return nil
}

// checkText accepts a purpose or issue header value.
func checkText(name, v string) error {
	if len(v) > maxHeaderValue || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return errs.E(CodeBadRequest, errs.Invalid,
			fmt.Sprintf("%s must be at most %d bytes of text without control characters", name, maxHeaderValue),
			fmt.Sprintf("%s باید حداکثر %d بایت متن بدون نویسهٔ کنترلی باشد", name, maxHeaderValue))
	}
	return nil
}

// checkSubject normalises and checks a national code.
func checkSubject(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	code := persian.NormalizeNationalCode(v)
	if persian.CheckNationalCode(code) != nil {
		return "", errs.E(CodeBadRequest, errs.Invalid,
			"Panjare-Subject is not a valid national code", "Panjare-Subject کد ملی معتبری نیست")
	}
	return code, nil
}

// errorCode returns the typed code of err.
func errorCode(err error) string {
	if e, ok := errs.As(err); ok {
		switch e.Op {
		case CodeUnknownClient, CodeUnknownService, CodeAccessDenied, CodeConsentRequired, CodeBadRequest,
			CodeProviderUnavailable, CodeTimeout, CodeRateLimited:
			return e.Op
		}
	}
	switch errs.KindOf(err) {
	case errs.Invalid, errs.TooLarge:
		return CodeBadRequest
	case errs.NotFound:
		return CodeUnknownService
	case errs.Forbidden:
		return CodeAccessDenied
	case errs.Unauthorized:
		return CodeUnknownClient
	case errs.Unavailable:
		return CodeProviderUnavailable
	case errs.RateLimited:
		return CodeRateLimited
	}
	return "exchange.internal"
}

// ExchangeProblem is the problem document of a gateway error: an
// httpx.Problem whose type is urn:panjare:exchange:<code>, with the code and
// the message id.
type ExchangeProblem struct {
	httpx.Problem
	Code      string `json:"code"`
	MessageID string `json:"message_id,omitempty"`
}

// ProblemOf builds the problem document of err: its typed code, status and
// messages in Persian and English.
func ProblemOf(err error, messageID string) ExchangeProblem {
	code := errorCode(err)
	p := ExchangeProblem{Problem: httpx.ProblemOf(err), Code: code, MessageID: messageID}
	p.Type = "urn:panjare:exchange:" + strings.TrimPrefix(code, "exchange.")
	switch {
	case code == CodeTimeout:
		p.Status = http.StatusGatewayTimeout
	case code == CodeProviderUnavailable && errs.KindOf(err) == errs.Unavailable:
		p.Status = http.StatusServiceUnavailable
	}
	return p
}

// writeProblem writes err as application/problem+json.
func (g *Gateway) writeProblem(w http.ResponseWriter, r *http.Request, err error, messageID string) int {
	p := ProblemOf(err, messageID)
	if p.Status >= 500 && p.Code == "exchange.internal" {
		g.log.Error("exchange failed", "method", r.Method, "err", err.Error())
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json; charset=utf-8")
	h.Set("Content-Language", "fa, en")
	if p.Status == http.StatusTooManyRequests || p.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	w.WriteHeader(p.Status)
	_ = jsonEncode(w, p)
	return p.Status
}

// clientFromRequest names the client of r.
func (g *Gateway) clientFromRequest(r *http.Request, mode ClientMode) (SubsystemID, error) {
	named := firstHeader(r.Header, HeaderIMClient, HeaderClient, HeaderGovStackClient)
	switch mode {
	case ByCertificate:
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			return SubsystemID{}, errs.E(CodeUnknownClient, errs.Unauthorized,
				"a client certificate is required", "گواهی کلاینت لازم است")
		}
		id, err := g.x.ClientFromCertificate(r.Context(), r.TLS.PeerCertificates[0])
		if err != nil {
			return SubsystemID{}, err
		}
		if named != "" && named != id.String() {
			return SubsystemID{}, errs.E(CodeUnknownClient, errs.Forbidden,
				"the client header names another subsystem than the client certificate",
				"سرآیند کلاینت زیرسامانه‌ای جز زیرسامانهٔ گواهی کلاینت را نام می‌برد")
		}
		return id, nil
	default:
		// The header is trusted only from this machine: refuse a request that
		// came from elsewhere or through a proxy, which would expose the
		// plain listener to the network.
		if !loopbackPeer(r.RemoteAddr) || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Forwarded-For") != "" {
			return SubsystemID{}, errs.E(CodeUnknownClient, errs.Forbidden,
				"the plain exchange listener serves only direct requests from this machine; other systems use the mTLS listener",
				"شنوندهٔ سادهٔ تبادل تنها به درخواست‌های مستقیم از همین رایانه پاسخ می‌دهد؛ سامانه‌های دیگر از شنوندهٔ mTLS استفاده کنند")
		}
		if named == "" {
			return SubsystemID{}, errs.E(CodeUnknownClient, errs.Unauthorized,
				"name the client subsystem in the Information-Mediator-Client header",
				"زیرسامانهٔ کلاینت را در سرآیند Information-Mediator-Client نام ببرید")
		}
		return g.knownClient(r.Context(), named)
	}
}

// knownClient parses a client identifier and checks that it is registered.
func (g *Gateway) knownClient(ctx context.Context, s string) (SubsystemID, error) {
	id, err := ParseSubsystemID(s)
	if err != nil {
		return SubsystemID{}, &errs.Error{Op: CodeUnknownClient, Kind: errs.Unauthorized, Err: err,
			En: "the client header is not a subsystem identifier INSTANCE/CLASS/MEMBER/SUBSYSTEM",
			Fa: "سرآیند کلاینت شناسهٔ زیرسامانه به شکل INSTANCE/CLASS/MEMBER/SUBSYSTEM نیست"}
	}
	if _, err := g.x.cachedSubsystem(ctx, id); err != nil {
		if errs.Is(err, errs.NotFound) {
			return SubsystemID{}, &errs.Error{Op: CodeUnknownClient, Kind: errs.Unauthorized, Err: err,
				En: "the client subsystem is not registered", Fa: "زیرسامانهٔ کلاینت ثبت نشده است"}
		}
		return SubsystemID{}, err
	}
	return id, nil
}

// loopbackPeer reports whether a request's remote address is loopback.
func loopbackPeer(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := h.Get(n); v != "" {
			return v
		}
	}
	return ""
}

// hopByHop are the headers that belong to one connection, never forwarded.
var hopByHop = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade"}

// stripHopByHop removes hop-by-hop headers, including those named in
// Connection.
func stripHopByHop(h http.Header) {
	for _, v := range h.Values("Connection") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				h.Del(f)
			}
		}
	}
	for _, k := range hopByHop {
		h.Del(k)
	}
}

// stripOwn removes every Panjare-* header and the client headers: toward the
// provider the gateway sets its own, and from the provider it never passes
// one on (a provider cannot forge the platform's signature headers).
func stripOwn(h http.Header) {
	for k := range h {
		if strings.HasPrefix(k, "Panjare-") {
			delete(h, k)
		}
	}
	h.Del(HeaderIMClient)
	h.Del(HeaderGovStackClient)
}

// providerHeader builds the headers sent to the provider.
func providerHeader(in http.Header, c *call) http.Header {
	h := in.Clone()
	if h == nil {
		h = http.Header{}
	}
	stripHopByHop(h)
	stripOwn(h)
	h.Del("Prefer")
	h.Del("Host")
	h.Del("Forwarded")
	h.Del("X-Forwarded-For")
	h.Set(HeaderID, c.id)
	h.Set(HeaderClient, c.client.String())
	if c.subject != "" {
		h.Set(HeaderSubject, c.subject)
	}
	if c.purpose != "" {
		h.Set(HeaderPurpose, c.purpose)
	}
	if c.issue != "" {
		h.Set(HeaderIssue, c.issue)
	}
	return h
}

// providerRequest builds the request to the provider's back end.
func providerRequest(ctx context.Context, c *call, body io.Reader, length int64) (*http.Request, error) {
	target := strings.TrimRight(c.backend, "/") + c.rest
	if c.query != "" {
		target += "?" + c.query
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errs.E(CodeProviderUnavailable, errs.Unavailable,
			"the service's back-end address is not a valid http(s) URL", "نشانی سامانهٔ پشتیبان سرویس نشانی http(s) معتبری نیست")
	}
	if body == nil {
		body = http.NoBody
	}
	req, err := http.NewRequestWithContext(ctx, c.method, u.String(), body)
	if err != nil {
		return nil, errs.Wrap("exchange.forward", err)
	}
	req.Header = c.header
	req.ContentLength = length
	if length == 0 {
		req.Body = http.NoBody
	}
	return req, nil
}

// authorize identifies c's right to call and fills c.backend.
func (g *Gateway) authorize(ctx context.Context, c *call) error {
	d, err := g.x.Authorize(ctx, AccessRequest{Client: c.client, Service: c.service, Method: c.method,
		Path: c.rest, Subject: c.subject, Purpose: c.purpose, At: c.start})
	if err != nil {
		return err
	}
	c.backend = d.Service.BackendURL
	c.rightID, c.consentID, c.basis = d.Right.ID, d.ConsentID, d.Basis
	return nil
}

// Handler returns the exchange's HTTP handler for one listener: the gateway
// (/r1/...), the asynchronous answers (/r1/async/{id}) and the directory
// (/listClients and the metaservices), with the client named as mode says.
func (g *Gateway) Handler(mode ClientMode) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		switch {
		case strings.HasPrefix(p, "/r1/async/"):
			g.serveAsync(w, r, mode, strings.TrimPrefix(p, "/r1/async/"))
		case g.pubsubRoute(p):
			g.pubsub.Load().serveHTTP(w, r, mode)
		case g.directoryRoute(p):
			g.serveDirectory(w, r, mode)
		case strings.HasPrefix(p, "/r1/"):
			g.serveGateway(w, r, mode)
		default:
			g.writeProblem(w, r, errs.E(CodeBadRequest, errs.NotFound,
				"no such exchange endpoint: inquiries go to /r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE/...",
				"چنین نشانی‌ای در درگاه تبادل نیست: استعلام‌ها به ‎/r1/INSTANCE/CLASS/MEMBER/SUBSYSTEM/SERVICE/...‎ فرستاده می‌شوند"), "")
		}
	})
}

// serviceOnly cuts a gateway path after the service code, so that a refused
// path still names its service in the log.
func serviceOnly(p string) string {
	seg := strings.SplitN(p, "/", 8)
	if len(seg) < 7 {
		return p
	}
	return strings.Join(seg[:7], "/")
}

// hashingReader hashes a request body as the provider reads it and notes
// when the body is over the limit. The transport reads it in its own
// goroutine and may go on after the response has come, until it closes the
// body: the digest is read only after Close (closed).
type hashingReader struct {
	r        io.Reader
	d        *digester
	tooLarge atomic.Bool
	closed   chan struct{}
	once     sync.Once
}

func newHashingReader(r io.Reader, d *digester) *hashingReader {
	return &hashingReader{r: r, d: d, closed: make(chan struct{})}
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.d.Write(p[:n])
	if err != nil && err != io.EOF {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			h.tooLarge.Store(true)
		}
	}
	return n, err
}

// Close marks the body as released by the transport; the client's body
// itself is closed by the server.
func (h *hashingReader) Close() error {
	h.once.Do(func() { close(h.closed) })
	return nil
}

var errTooLarge = errs.E(CodeBadRequest, errs.TooLarge, "the request body is larger than the limit", "حجم بدنهٔ درخواست بیش از حد مجاز است")

// serveGateway serves one inquiry.
func (g *Gateway) serveGateway(w http.ResponseWriter, r *http.Request, mode ClientMode) {
	if !g.mlog.begin() {
		g.writeProblem(w, r, errLogClosed, "")
		return
	}
	defer g.mlog.end()
	c := &call{start: time.Now(), at: g.x.now(), method: r.Method, query: r.URL.RawQuery}
	status, code := 0, ""
	defer func() { g.metrics.observe(c, status, code) }()
	fail := func(err error) {
		code = errorCode(err)
		status = g.writeProblem(w, r, err, c.id)
		if !c.service.Provider.IsZero() || !c.client.IsZero() {
			if lerr := g.mlog.submit(r.Context(), c.record(status, code)); lerr != nil {
				g.log.Error("exchange log failed", "err", lerr.Error())
			}
		}
	}
	// Name the message, the service and the client before refusing
	// anything, so that a refusal is logged with whatever could be named.
	c.id = r.Header.Get(HeaderID)
	idErr := error(nil)
	if c.id == "" {
		c.id = newMessageID()
	} else if idErr = checkMessageID(c.id); idErr != nil {
		c.id = newMessageID()
	}
	w.Header().Set(HeaderID, c.id)
	var pathErr, clientErr error
	c.service, c.rest, pathErr = ParseGatewayPath(r.URL.EscapedPath())
	if pathErr != nil {
		c.service, _, _ = ParseGatewayPath(serviceOnly(r.URL.EscapedPath()))
	}
	c.client, clientErr = g.clientFromRequest(r, mode)
	if clientErr != nil {
		c.client = SubsystemID{}
	}
	for _, err := range []error{clientErr, idErr, pathErr} {
		if err != nil {
			fail(err)
			return
		}
	}
	var err error
	if !g.limiter.Allow(c.client.String()) {
		fail(errs.E(CodeRateLimited, errs.RateLimited, "too many requests from this client subsystem; slow down",
			"درخواست‌های این زیرسامانه بیش از حد مجاز است؛ آهسته‌تر بفرستید"))
		return
	}
	if c.subject, err = checkSubject(r.Header.Get(HeaderSubject)); err != nil {
		fail(err)
		return
	}
	c.purpose, c.issue = r.Header.Get(HeaderPurpose), r.Header.Get(HeaderIssue)
	if err := errors.Join(checkText(HeaderPurpose, c.purpose), checkText(HeaderIssue, c.issue)); err != nil {
		fail(err)
		return
	}
	if r.ContentLength > g.cfg.MaxBody {
		fail(errTooLarge)
		return
	}
	callback, err := g.checkCallback(r.Context(), c.client, r.Header.Get(HeaderCallback))
	if err != nil {
		fail(err)
		return
	}
	if err := g.authorize(r.Context(), c); err != nil {
		fail(err)
		return
	}
	c.header = providerHeader(r.Header, c)
	if preferAsync(r.Header) {
		status, code = g.serveAsyncCall(w, r, c, callback)
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.Timeout)
	defer cancel()
	reqDigest := newDigester()
	body := newHashingReader(http.MaxBytesReader(w, r.Body, g.cfg.MaxBody), reqDigest)
	var in io.Reader = body
	if r.ContentLength == 0 {
		in = nil
		body.Close()
	}
	req, err := providerRequest(ctx, c, in, r.ContentLength)
	if err != nil {
		fail(err)
		return
	}
	resp, err := g.roundTrip(req, c.service.Provider.String())
	if err != nil {
		if body.tooLarge.Load() {
			err = errTooLarge
		}
		fail(err)
		return
	}
	defer resp.Body.Close()
	// Wait until the transport has let go of the body, then hash whatever
	// the provider left unread, so the digest covers the whole request the
	// client sent.
	select {
	case <-body.closed:
	case <-ctx.Done():
		drain(resp)
		fail(g.unavailable(ctx, ctx.Err()))
		return
	}
	if _, err := io.Copy(io.Discard, body); err != nil || body.tooLarge.Load() {
		drain(resp)
		if body.tooLarge.Load() {
			fail(errTooLarge)
		} else {
			fail(errs.E(CodeBadRequest, errs.Invalid, "the request body could not be read", "بدنهٔ درخواست خوانده نشد"))
		}
		return
	}
	status = resp.StatusCode
	code, err = g.relay(w, r, c, resp, reqDigest)
	if err != nil && code != "" {
		g.log.Warn("exchange relay failed", "service", c.service.String(), "code", code, "err", err.Error())
	}
}

// relay passes the provider's response to the client, digests and signs it,
// and logs the exchange. Responses up to inlineResponse bytes are read
// first, signed and logged, and only then sent, with the signature in
// headers: no such answer leaves the gateway unlogged. Larger ones stream
// through, and their digest and signature follow in HTTP trailers.
func (g *Gateway) relay(w http.ResponseWriter, r *http.Request, c *call, resp *http.Response, reqDigest *digester) (string, error) {
	h := w.Header()
	ph := resp.Header.Clone()
	stripHopByHop(ph)
	stripOwn(ph)
	ph.Del("Content-Length")
	for k, v := range ph {
		h[k] = v
	}
	reqSum := reqDigest.sum()
	h.Set(HeaderRequestDigest, reqSum)

	respDigest := newDigester()
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, resp.Body, inlineResponse+1)
	if err != nil && err != io.EOF {
		return g.relayFailed(w, r, c, resp.StatusCode, err)
	}
	if n <= inlineResponse {
		respDigest.Write(buf.Bytes())
		rc := g.receipt(c, resp.StatusCode, reqSum, respDigest.sum())
		rec := c.record(resp.StatusCode, "")
		rec.RequestDigest, rec.ResponseDigest, rec.signature, rec.signedAt = rc.RequestDigest, rc.ResponseDigest, rc.Signature, rc.At
		rec.requestBytes, rec.responseBytes = reqDigest.n, respDigest.n
		if err := g.mlog.submit(r.Context(), rec); err != nil {
			for k := range ph {
				h.Del(k)
			}
			g.writeProblem(w, r, errs.Wrap("exchange.log", err), c.id)
			return "exchange.internal", err
		}
		setReceiptHeaders(h, rc)
		h.Set("Content-Length", strconv.Itoa(buf.Len()))
		w.WriteHeader(resp.StatusCode)
		_, err := w.Write(buf.Bytes())
		return "", err
	}
	h.Add("Trailer", HeaderResponseDigest)
	h.Add("Trailer", HeaderSignature)
	h.Add("Trailer", HeaderSignedAt)
	w.WriteHeader(resp.StatusCode)
	cw := &clientWriter{w: w}
	_, err = io.Copy(io.MultiWriter(cw, respDigest), io.MultiReader(&buf, resp.Body))
	code := ""
	switch {
	case err == nil:
	case cw.err != nil, r.Context().Err() != nil: // the client hung up (which also cancels the provider call)
		code = codeAborted
	case errors.Is(err, context.DeadlineExceeded):
		code = CodeTimeout
	default:
		code = CodeProviderUnavailable
	}
	rc := g.receipt(c, resp.StatusCode, reqSum, respDigest.sum())
	rec := c.record(resp.StatusCode, code)
	rec.RequestDigest, rec.ResponseDigest, rec.signature, rec.signedAt = rc.RequestDigest, rc.ResponseDigest, rc.Signature, rc.At
	rec.requestBytes, rec.responseBytes = reqDigest.n, respDigest.n
	if lerr := g.mlog.submit(r.Context(), rec); lerr != nil {
		return "exchange.internal", lerr
	}
	if err == nil {
		h.Set(HeaderResponseDigest, rc.ResponseDigest)
		h.Set(HeaderSignature, rc.Signature)
		h.Set(HeaderSignedAt, rc.At.Format(time.RFC3339Nano))
	}
	return code, err
}

// codeAborted is logged when the client went away while a streamed answer
// was being sent. It is never returned to a client.
const codeAborted = "exchange.aborted"

// clientWriter remembers whether writing to the client failed, to tell a
// client that went away from a provider that broke off.
type clientWriter struct {
	w   io.Writer
	err error
}

func (c *clientWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err != nil && c.err == nil {
		c.err = err
	}
	return n, err
}

// relayFailed answers when the provider's response broke off before the
// gateway sent anything.
func (g *Gateway) relayFailed(w http.ResponseWriter, r *http.Request, c *call, status int, err error) (string, error) {
	for k := range w.Header() {
		if k != HeaderID {
			w.Header().Del(k)
		}
	}
	e := g.unavailable(r.Context(), err)
	st := g.writeProblem(w, r, e, c.id)
	code := errorCode(e)
	if lerr := g.mlog.submit(r.Context(), c.record(st, code)); lerr != nil {
		g.log.Error("exchange log failed", "err", lerr.Error())
	}
	return code, err
}

// setReceiptHeaders writes a receipt's digests and signature as headers.
func setReceiptHeaders(h http.Header, rc Receipt) {
	h.Set(HeaderRequestDigest, rc.RequestDigest)
	h.Set(HeaderResponseDigest, rc.ResponseDigest)
	h.Set(HeaderSignature, rc.Signature)
	h.Set(HeaderSignedAt, rc.At.Format(time.RFC3339Nano))
}

// ReceiptFromResponse rebuilds the receipt of a gateway response, for a
// client that wants to keep or verify it: the client knows its own
// identifier, the service, the method and the path it called.
func ReceiptFromResponse(h http.Header, client, service, method, path string, status int) (Receipt, error) {
	at, err := time.Parse(time.RFC3339Nano, h.Get(HeaderSignedAt))
	if err != nil {
		return Receipt{}, errs.E("exchange.ReceiptFromResponse", errs.Invalid, "the response has no valid Panjare-Signed-At", "پاسخ Panjare-Signed-At معتبری ندارد")
	}
	return Receipt{MessageID: h.Get(HeaderID), Client: client, Service: service, Method: method, Path: path, Status: status,
		At: at, RequestDigest: h.Get(HeaderRequestDigest), ResponseDigest: h.Get(HeaderResponseDigest), Signature: h.Get(HeaderSignature)}, nil
}

// Inquire makes an inquiry from inside the platform through the same
// authorization, logging and signing as an external call. Errors carry a
// Code* constant as their Op; a provider's own error status is not an error
// but a Reply.
func (g *Gateway) Inquire(ctx context.Context, q Inquiry) (reply *Reply, err error) {
	if !g.mlog.begin() {
		return nil, errLogClosed
	}
	defer g.mlog.end()
	c := &call{start: time.Now(), at: g.x.now(), id: newMessageID(), client: q.Client, service: q.Service, method: q.Method}
	if c.method == "" {
		c.method = http.MethodGet
	}
	status, code := 0, ""
	defer func() { g.metrics.observe(c, status, code) }()
	fail := func(err error) (*Reply, error) {
		code = errorCode(err)
		status = ProblemOf(err, c.id).Status
		if lerr := g.mlog.submit(ctx, c.record(status, code)); lerr != nil {
			g.log.Error("exchange log failed", "err", lerr.Error())
		}
		return nil, err
	}
	c.rest, c.query, _ = strings.Cut(q.Path, "?")
	if err := CheckRestPath(c.rest); err != nil {
		return fail(err)
	}
	if _, err := g.knownClient(ctx, q.Client.String()); err != nil {
		return fail(err)
	}
	if c.subject, err = checkSubject(q.Subject); err != nil {
		return fail(err)
	}
	c.purpose, c.issue = q.Purpose, q.Issue
	if err := errors.Join(checkText(HeaderPurpose, c.purpose), checkText(HeaderIssue, c.issue)); err != nil {
		return fail(err)
	}
	if int64(len(q.Body)) > g.cfg.MaxBody {
		return fail(errTooLarge)
	}
	if err := g.authorize(ctx, c); err != nil {
		return fail(err)
	}
	c.header = providerHeader(q.Header, c)
	cctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	req, err := providerRequest(cctx, c, bytes.NewReader(q.Body), int64(len(q.Body)))
	if err != nil {
		return fail(err)
	}
	resp, err := g.roundTrip(req, c.service.Provider.String())
	if err != nil {
		return fail(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxInquireResponse+1))
	if err != nil {
		return fail(g.unavailable(cctx, err))
	}
	if len(body) > maxInquireResponse {
		return fail(errs.E(CodeProviderUnavailable, errs.Unavailable, "the provider's answer is larger than the limit",
			"پاسخ سامانهٔ ارائه‌دهنده بیش از حد مجاز است"))
	}
	rc := g.receipt(c, resp.StatusCode, Digest(q.Body), Digest(body))
	rec := c.record(resp.StatusCode, "")
	rec.RequestDigest, rec.ResponseDigest, rec.signature, rec.signedAt = rc.RequestDigest, rc.ResponseDigest, rc.Signature, rc.At
	rec.requestBytes, rec.responseBytes = int64(len(q.Body)), int64(len(body))
	status = resp.StatusCode
	if err := g.mlog.submit(ctx, rec); err != nil {
		code = "exchange.internal"
		return nil, errs.Wrap("exchange.Inquire", err)
	}
	h := resp.Header.Clone()
	stripHopByHop(h)
	stripOwn(h)
	return &Reply{Status: resp.StatusCode, Header: h, Body: body, MessageID: c.id, Receipt: rc}, nil
}
