package exchange

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/panjare/panjare/internal/errs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/sony/gobreaker/v2"
)

// metrics are the gateway's Prometheus series. Labels are identifiers of
// subsystems and services, never subjects or paths.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	errors   *prometheus.CounterVec
	breaker  *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "panjare_exchange_requests_total",
			Help: "Inquiries through the exchange gateway, by client subsystem, service, provider subsystem and HTTP status.",
		}, []string{"client", "service", "provider", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "panjare_exchange_request_duration_seconds",
			Help:    "Time from receiving an inquiry to logging it, by client subsystem, service and provider subsystem.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"client", "service", "provider"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "panjare_exchange_errors_total",
			Help: "Inquiries the gateway refused or could not complete, by error code and provider subsystem.",
		}, []string{"code", "provider"}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "panjare_exchange_breaker_open",
			Help: "1 while a provider's circuit breaker is open, 0.5 while half-open, 0 when closed.",
		}, []string{"provider"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.duration, m.errors, m.breaker} {
			if err := reg.Register(c); err != nil {
				return nil, fmt.Errorf("exchange.metrics: %w", err)
			}
		}
	}
	return m, nil
}

func idOrNone(s string, zero bool) string {
	if zero {
		return "none"
	}
	return s
}

// observe records one finished inquiry.
func (m *metrics) observe(c *call, status int, code string) {
	client := idOrNone(c.client.String(), c.client.IsZero())
	provider := idOrNone(c.service.Provider.String(), c.service.Provider.IsZero())
	service := idOrNone(c.service.String(), c.service.Provider.IsZero())
	m.requests.WithLabelValues(client, service, provider, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(client, service, provider).Observe(time.Since(c.start).Seconds())
	if code != "" {
		m.errors.WithLabelValues(code, provider).Inc()
	}
}

func (m *metrics) breakerState(provider string, s gobreaker.State) {
	v := 0.0
	switch s {
	case gobreaker.StateOpen:
		v = 1
	case gobreaker.StateHalfOpen:
		v = 0.5
	}
	m.breaker.WithLabelValues(provider).Set(v)
}

// Traffic is the summary of one client, service or provider over a window.
type Traffic struct {
	Key       string         `json:"key"` // the subsystem or service identifier
	Count     int            `json:"count"`
	Errors    int            `json:"errors"` // refused or failed by the gateway, or a provider status of 500 and above
	P50MS     float64        `json:"p50_ms"`
	P95MS     float64        `json:"p95_ms"`
	ByCode    map[string]int `json:"by_code,omitempty"`
	latencies []float64
}

// Summary is the exchange page's view of recent traffic.
type Summary struct {
	Since      time.Time `json:"since"`
	Count      int       `json:"count"`
	Errors     int       `json:"errors"`
	P50MS      float64   `json:"p50_ms"`
	P95MS      float64   `json:"p95_ms"`
	ByClient   []Traffic `json:"by_client"`
	ByService  []Traffic `json:"by_service"`
	ByProvider []Traffic `json:"by_provider"`
	Truncated  bool      `json:"truncated,omitempty"` // more records than summaryMax were in the window: the newest were summarised
}

// summaryMax bounds how many records one summary reads.
const summaryMax = 200000

// Summary computes counts, p50/p95 latencies and errors per client, service
// and provider over the records since the given time, from the message log.
func (g *Gateway) Summary(ctx context.Context, since time.Time) (Summary, error) {
	const op = "exchange.Summary"
	rows, err := g.s.Read().QueryContext(ctx, `SELECT client, service, provider, status, error, latency_ms
		FROM exchange_messages WHERE at >= $1 ORDER BY id DESC LIMIT `+strconv.Itoa(summaryMax+1), since.UTC())
	if err != nil {
		return Summary{}, errs.Wrap(op, err)
	}
	defer rows.Close()
	out := Summary{Since: since.UTC()}
	all := &Traffic{}
	groups := [3]map[string]*Traffic{{}, {}, {}}
	n := 0
	for rows.Next() {
		var client, service, provider, code string
		var status int
		var ms float64
		if err := rows.Scan(&client, &service, &provider, &status, &code, &ms); err != nil {
			return Summary{}, errs.Wrap(op, err)
		}
		if n++; n > summaryMax {
			out.Truncated = true
			break
		}
		failed := code != "" || status >= 500
		for i, key := range []string{client, service, provider} {
			if key == "" {
				key = "none"
			}
			t := groups[i][key]
			if t == nil {
				t = &Traffic{Key: key}
				groups[i][key] = t
			}
			t.add(ms, failed, code)
		}
		all.add(ms, failed, code)
	}
	if err := rows.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return Summary{}, errs.Wrap(op, err)
	}
	all.finish()
	out.Count, out.Errors, out.P50MS, out.P95MS = all.Count, all.Errors, all.P50MS, all.P95MS
	lists := make([][]Traffic, 3)
	for i, m := range groups {
		for _, t := range m {
			t.finish()
			lists[i] = append(lists[i], *t)
		}
		slices.SortFunc(lists[i], func(a, b Traffic) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			if a.Key < b.Key {
				return -1
			}
			return 1
		})
	}
	out.ByClient, out.ByService, out.ByProvider = lists[0], lists[1], lists[2]
	return out, nil
}

func (t *Traffic) add(ms float64, failed bool, code string) {
	t.Count++
	t.latencies = append(t.latencies, ms)
	if failed {
		t.Errors++
		if code == "" {
			code = "provider_error"
		}
		if t.ByCode == nil {
			t.ByCode = map[string]int{}
		}
		t.ByCode[code]++
	}
}

func (t *Traffic) finish() {
	slices.Sort(t.latencies)
	t.P50MS, t.P95MS = percentile(t.latencies, 0.50), percentile(t.latencies, 0.95)
	t.latencies = nil
}

// percentile returns the nearest-rank percentile of sorted values.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}
