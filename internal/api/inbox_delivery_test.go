package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/api"
	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/catalog/search"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// timeoutGateway is an SMS provider at the edge of the world that never
// answers in time.
type timeoutGateway struct{}

var _ notify.Provider = timeoutGateway{}

func (timeoutGateway) Name() string { return "gateway" }

func (timeoutGateway) Send(context.Context, notify.Outgoing) error {
	return notify.Fail(notify.ClassTimeout, errors.New("no answer in 15s"))
}

// TestMyInboxDeliveries: the inbox API says, for each message, where its
// SMS stands (being retried after a timeout), without the number.
func TestMyInboxDeliveries(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		idx, err := search.New()
		if err != nil {
			t.Fatal(err)
		}
		defer idx.Close()
		cat, err := catalog.New(ctx, s, idx)
		if err != nil {
			t.Fatal(err)
		}
		id := identity.New(s)
		n := notify.New(s, timeoutGateway{}, nil)
		n.RegisterWorkers()
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.StopJobs(ctx)
		mux := http.NewServeMux()
		api.New(api.Config{Catalog: cat, Identity: id, Notifier: n, Log: slog.New(slog.DiscardHandler), Version: "test"}).Register(mux)
		h := id.Middleware(identity.Cookies{}, nil)(mux)

		const code = "0013542419"
		err = s.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.Append(ctx, store.Event{Kind: "test.caller", Actor: "system"}, nil); err != nil {
				return err
			}
			return n.SendTx(ctx, tx, notify.Notice{To: code, Template: "case.submitted", SMS: true, Phone: "09121234567",
				Data: map[string]string{"tracking": "1405-AB12", "service": "پروانهٔ کسب"}})
		})
		if err != nil {
			t.Fatal(err)
		}
		p, err := id.EnsurePerson(ctx, code, "")
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := id.StartSession(ctx, p, "test")
		if err != nil {
			t.Fatal(err)
		}
		var l struct {
			Items []struct {
				Deliveries []struct {
					Channel    string `json:"channel"`
					Status     string `json:"status"`
					Attempts   int    `json:"attempts"`
					ErrorClass string `json:"error_class"`
					Provider   string `json:"provider"`
				} `json:"deliveries"`
			} `json:"items"`
		}
		var body string
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/me/inbox", nil)
			req.AddCookie(&http.Cookie{Name: identity.SessionCookie, Value: tok})
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			body = rec.Body.String()
			if err := json.Unmarshal(rec.Body.Bytes(), &l); err != nil || len(l.Items) != 1 || len(l.Items[0].Deliveries) != 1 {
				t.Fatalf("inbox: %d %s", rec.Code, body)
			}
			if l.Items[0].Deliveries[0].Attempts > 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the SMS was never tried: %s", body)
			}
		}
		d := l.Items[0].Deliveries[0]
		if d.Channel != "sms" || d.Status != "retrying" || d.Attempts != 1 || d.ErrorClass != "timeout" || d.Provider != "gateway" {
			t.Errorf("delivery %+v", d)
		}
		if strings.Contains(body, "09121234567") || strings.Contains(body, "no answer") {
			t.Errorf("the API shows the number or the provider's words: %s", body)
		}
	}, identity.Migrations(), catalog.Migrations(), notify.Migrations())
}
