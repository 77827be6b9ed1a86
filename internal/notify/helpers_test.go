package notify_test

import (
	"context"
	"sync"
	"testing"

	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
)

// Two valid national codes (the check digit holds).
const (
	citizenA = "0013542419"
	citizenB = "0067749828"
)

// sample holds a realistic value for every field any template takes.
var sample = map[string]string{
	"tracking":   "۱۴۰۵-۷K۳M-۹Q",
	"service":    "صدور پروانهٔ کسب برای واحدهای صنفی",
	"reason":     "تصویر سند مالکیت یا اجاره‌نامهٔ محل کسب خوانا نیست.",
	"document":   "D7K3-9QXM-4",
	"link":       "/me/documents/D7K3-9QXM-4",
	"deadline":   "2026-11-20",
	"amount":     "1250000",
	"complaint":  "C-4821-77",
	"evidence":   "ممنوع‌الخروجی",
	"holder":     "مرکز آمار و فناوری اطلاعات قوهٔ قضاییه",
	"service_en": "Business licence for guild units",
	"outcome":    "صادر شد",
	"outcome_en": "Issued",
}

// dataFor returns the sample values of the fields template key requires.
func dataFor(key string) map[string]string {
	d := map[string]string{}
	for _, f := range notify.Fields(key) {
		d[f] = sample[f]
	}
	return d
}

// recipientFor returns a recipient the template is meant for.
func recipientFor(key string) string {
	if key == "case.overdue" || key == "case.evidence_failed" || key == "case.objected" {
		return "agency:NOCR"
	}
	return citizenA
}

// ProviderFunc is a provider at the edge of the world for tests.
type ProviderFunc struct {
	NameStr string
	SendFn  func(ctx context.Context, m notify.Outgoing) error

	mu   sync.Mutex
	sent []notify.Outgoing
}

var _ notify.Provider = (*ProviderFunc)(nil)

func (p *ProviderFunc) Name() string { return p.NameStr }

func (p *ProviderFunc) Send(ctx context.Context, m notify.Outgoing) error {
	p.mu.Lock()
	p.sent = append(p.sent, m)
	p.mu.Unlock()
	return p.SendFn(ctx, m)
}

func (p *ProviderFunc) Sent() []notify.Outgoing {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]notify.Outgoing(nil), p.sent...)
}

// mustSend sends notice in its own transaction with a caller's event.
func mustSend(tb testing.TB, s *store.Store, n *notify.Notifier, notice notify.Notice) {
	tb.Helper()
	if err := send(s, n, notice); err != nil {
		tb.Fatalf("SendTx: %v", err)
	}
}

func send(s *store.Store, n *notify.Notifier, notice notify.Notice) error {
	ctx := context.Background()
	return s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.Append(ctx, store.Event{Kind: "test.caller", Actor: "system"}, nil); err != nil {
			return err
		}
		return n.SendTx(ctx, tx, notice)
	})
}
