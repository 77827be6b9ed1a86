package httpx

import (
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Metrics holds the request metrics, labelled by route pattern (never by raw
// path, which would leak identifiers and explode cardinality).
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inflight prometheus.Gauge
}

// NewMetrics registers the request metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "panjare_http_requests_total", Help: "HTTP requests by route pattern, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "panjare_http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route pattern and method.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route", "method"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "panjare_http_requests_in_flight", Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.inflight)
	return m
}

type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Observe records metrics and a log line for every request, by route
// pattern, and turns panics into a 500 that is logged.
func Observe(next http.Handler, m *Metrics, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		m.inflight.Inc()
		defer func() {
			m.inflight.Dec()
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic", "route", r.Pattern, "method", r.Method, "panic", p, "stack", string(debug.Stack()))
				if rec.status == 0 {
					WriteProblem(rec, r, nil, errs.E("panic", errs.Internal, "", ""))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			code := rec.status
			if code == 0 {
				code = http.StatusOK
			}
			elapsed := time.Since(start)
			m.requests.WithLabelValues(route, r.Method, strconv.Itoa(code)).Inc()
			m.duration.WithLabelValues(route, r.Method).Observe(elapsed.Seconds())
			lvl := slog.LevelInfo
			if code >= 500 {
				lvl = slog.LevelError
			}
			log.Log(r.Context(), lvl, "request", "route", route, "method", r.Method, "status", code,
				"duration_ms", float64(elapsed.Microseconds())/1000)
		}()
		next.ServeHTTP(rec, r)
	})
}

// SecureHeaders sets the headers every response should carry. The content
// security policy allows only our own origin: pages need no third party.
func SecureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
		next.ServeHTTP(w, r)
	})
}

// RateLimiter limits requests per client address with a token bucket each.
// Buckets unused for ten minutes are forgotten.
type RateLimiter struct {
	rate  rate.Limit
	burst int
	mu    sync.Mutex
	seen  map[string]*bucket
	sweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	last time.Time
}

// NewRateLimiter allows perSecond requests a second per address, with bursts.
func NewRateLimiter(perSecond float64, burst int) *RateLimiter {
	return &RateLimiter{rate: rate.Limit(perSecond), burst: burst, seen: map[string]*bucket{}}
}

// Allow reports whether a request from addr may proceed now.
func (l *RateLimiter) Allow(addr string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > time.Minute {
		for k, b := range l.seen {
			if now.Sub(b.last) > 10*time.Minute {
				delete(l.seen, k)
			}
		}
		l.sweep = now
	}
	b := l.seen[addr]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(l.rate, l.burst)}
		l.seen[addr] = b
	}
	b.last = now
	return b.lim.AllowN(now, 1)
}

// Limit wraps next with the limiter, answering 429 as problem+json.
func (l *RateLimiter) Limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.Allow(ClientAddr(r)) {
			WriteProblem(w, r, nil, errs.E("httpx.RateLimit", errs.RateLimited, "", ""))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// ClientAddr returns the client's IP address (without port) from the
// connection. Deployments behind a proxy set the proxy to pass the address
// through PROXY protocol or terminate at Panjare; forwarded headers are not
// trusted because any client can forge them.
func ClientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
