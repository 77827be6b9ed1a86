package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/store"
)

// TestNoticesInTheDemo runs the assembled demo process: a notice sent in a
// transaction reaches the citizen's inbox (with the count in the header)
// and, through a River job, the demo outbox page, which anyone may open in
// the demo. The phone number never reaches the logs.
func TestNoticesInTheDemo(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			srv := mustServe(t, d, nil, nil)
			a, ctx := srv.App, srv.Ctx

			const code, phone = "0067749828", "09127654321"
			citizen := newBrowser(t, srv.Base)
			if status, _, _ := citizen.signIn("/me", code); status != 200 {
				t.Fatalf("sign-in: %d", status)
			}
			err := a.Store.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.Append(ctx, store.Event{Kind: "test.caller", Actor: "system"}, nil); err != nil {
					return err
				}
				return a.Notifier.SendTx(ctx, tx, notify.Notice{To: code, Template: "case.issued", SMS: true, Phone: "+98 912 765 4321",
					Data: map[string]string{"tracking": "1405-AB12", "service": "پروانهٔ کسب", "document": "D7K3-9QXM-4", "link": "/me/documents/D7K3-9QXM-4"}})
			})
			if err != nil {
				t.Fatal(err)
			}
			status, _, body := citizen.do("GET", "/me/inbox", nil)
			if status != 200 || !strings.Contains(body, "D7K3-9QXM-4") || !strings.Contains(body, "صندوق پیام (۱)") {
				t.Fatalf("inbox: %d\n%s", status, body)
			}
			visitor := newBrowser(t, srv.Base)
			deadline := time.Now().Add(20 * time.Second)
			for {
				status, _, body = visitor.do("GET", "/dev/outbox", nil)
				if status == 200 && strings.Contains(body, phone) && strings.Contains(body, "D7K3-9QXM-4") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the SMS never reached the demo outbox: %d\n%s", status, body)
				}
				time.Sleep(100 * time.Millisecond)
			}
			if !strings.Contains(body, "هیچ پیامک یا رایانامه‌ای واقعاً فرستاده نشده است") {
				t.Error("the outbox does not say that nothing was sent")
			}
			logs := srv.Logs()
			for _, leak := range []string{phone, "9127654321", "912 765", code} {
				if strings.Contains(logs, leak) {
					t.Errorf("the logs hold %q", leak)
				}
			}
		})
	}
}
