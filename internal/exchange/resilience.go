package exchange

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/panjare/panjare/internal/errs"
	"github.com/sony/gobreaker/v2"
)

// breakers holds one circuit breaker per provider subsystem. A provider whose
// calls keep failing (connection errors, timeouts, 500/502/503/504) is cut
// off for a while: calls to it then fail at once with
// CodeProviderUnavailable instead of piling up on a dead back end. After the
// open period one trial call goes through; if it succeeds the breaker closes.
type breakers struct {
	failures uint32
	open     time.Duration
	onChange func(provider string, from, to gobreaker.State)

	mu sync.Mutex
	m  map[string]*gobreaker.CircuitBreaker[*http.Response]
}

func newBreakers(failures uint32, open time.Duration, onChange func(string, gobreaker.State, gobreaker.State)) *breakers {
	return &breakers{failures: failures, open: open, onChange: onChange, m: map[string]*gobreaker.CircuitBreaker[*http.Response]{}}
}

func (b *breakers) get(provider string) *gobreaker.CircuitBreaker[*http.Response] {
	b.mu.Lock()
	defer b.mu.Unlock()
	cb, ok := b.m[provider]
	if !ok {
		failures := b.failures
		cb = gobreaker.NewCircuitBreaker[*http.Response](gobreaker.Settings{
			Name:        provider,
			MaxRequests: 1,
			Timeout:     b.open,
			ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= failures },
			OnStateChange: func(name string, from, to gobreaker.State) {
				if b.onChange != nil {
					b.onChange(name, from, to)
				}
			},
			// A call the caller cancelled says nothing about the provider.
			IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
		})
		b.m[provider] = cb
	}
	return cb
}

// State reports the breaker state of a provider subsystem: "closed", "open"
// or "half-open".
func (g *Gateway) BreakerState(provider SubsystemID) string {
	return g.breakers.get(provider.String()).State().String()
}

// errProviderStatus marks a response whose status counts as a provider
// failure; the response itself is still passed on.
type errProviderStatus struct{ status int }

func (e errProviderStatus) Error() string { return "provider answered " + http.StatusText(e.status) }

// failureStatus reports whether a provider status counts against its breaker.
func failureStatus(code int) bool {
	switch code {
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// retryStatus reports whether an idempotent call may be retried on code.
func retryStatus(code int) bool {
	return code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout
}

// idempotent reports whether a call may be retried: only GET and HEAD, and
// only without a body, since a body is streamed once.
func idempotent(req *http.Request) bool {
	return (req.Method == http.MethodGet || req.Method == http.MethodHead) && (req.Body == nil || req.Body == http.NoBody)
}

// roundTrip sends req to provider through its breaker, retrying idempotent
// calls with backoff on connection errors and 502/503/504, within req's
// context (which carries the per-call timeout). It returns the provider's
// response, or an error whose Op is CodeProviderUnavailable or CodeTimeout.
func (g *Gateway) roundTrip(req *http.Request, provider string) (*http.Response, error) {
	cb := g.breakers.get(provider)
	tries := uint(1 + g.cfg.Retries)
	n := uint(0)
	attempt := func() (*http.Response, error) {
		n++
		resp, err := cb.Execute(func() (*http.Response, error) {
			resp, err := g.transport.RoundTrip(req)
			if err != nil {
				return nil, err
			}
			if failureStatus(resp.StatusCode) {
				return resp, errProviderStatus{resp.StatusCode}
			}
			return resp, nil
		})
		var ps errProviderStatus
		switch {
		case err == nil:
			return resp, nil
		case errors.As(err, &ps):
			if idempotent(req) && retryStatus(ps.status) && n < tries {
				// Retry: the response is dropped, its connection reused.
				drain(resp)
				return nil, err
			}
			return resp, backoff.Permanent(err)
		case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
			return nil, backoff.Permanent(err)
		case req.Context().Err() != nil:
			return nil, backoff.Permanent(err)
		case idempotent(req):
			return nil, err
		}
		return nil, backoff.Permanent(err)
	}
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval = g.cfg.RetryWait
	bo.MaxInterval = 10 * g.cfg.RetryWait
	resp, err := backoff.Retry(req.Context(), attempt, backoff.WithBackOff(bo), backoff.WithMaxTries(tries))
	var ps errProviderStatus
	if errors.As(err, &ps) && resp != nil {
		// The provider answered with a failure status: pass its answer on.
		return resp, nil
	}
	if err != nil {
		drain(resp)
		return nil, g.unavailable(req.Context(), err)
	}
	return resp, nil
}

// unavailable turns a failed call into a typed error.
func (g *Gateway) unavailable(ctx context.Context, err error) error {
	var ps errProviderStatus
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err):
		return &errs.Error{Op: CodeTimeout, Kind: errs.Unavailable, Err: err,
			En: "the provider did not answer in time", Fa: "سامانهٔ ارائه‌دهنده به‌موقع پاسخ نداد"}
	case errors.Is(err, gobreaker.ErrOpenState), errors.Is(err, gobreaker.ErrTooManyRequests):
		return &errs.Error{Op: CodeProviderUnavailable, Kind: errs.Unavailable, Err: err,
			En: "the provider is unavailable after repeated failures; calls to it are paused for a short while",
			Fa: "سامانهٔ ارائه‌دهنده پس از خطاهای پیاپی در دسترس نیست؛ درخواست‌ها به آن مدت کوتاهی متوقف شده‌اند"}
	case errors.As(err, &ps):
		return &errs.Error{Op: CodeProviderUnavailable, Kind: errs.Unavailable, Err: err,
			En: "the provider is unavailable", Fa: "سامانهٔ ارائه‌دهنده در دسترس نیست"}
	}
	return &errs.Error{Op: CodeProviderUnavailable, Kind: errs.Unavailable, Err: err,
		En: "the provider could not be reached", Fa: "ارتباط با سامانهٔ ارائه‌دهنده برقرار نشد"}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// connectionRefused reports whether err means nothing listens at the
// provider's address.
func connectionRefused(err error) bool { return errors.Is(err, syscall.ECONNREFUSED) }

// drain reads and closes a response body we do not pass on, so that its
// connection can be reused.
func drain(resp *http.Response) {
	if resp == nil || resp.Body == nil {
		return
	}
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	_ = resp.Body.Close()
}
