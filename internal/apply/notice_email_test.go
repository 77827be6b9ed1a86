package apply_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/notify/notifytest"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestChosenEmailArrives: through a real SMTP server, a citizen who chose
// email (and confirmed the address by its link) gets the notice of their
// application by email and no SMS; one who confirmed an address but chose
// SMS only gets no email.
func TestChosenEmailArrives(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mp := notifytest.StartMailpit(t)
		relay, err := notify.NewSMTP(notify.SMTPConfig{Addr: mp.SMTP, From: "no-reply@panjare.example.ir", TLS: "none"})
		if err != nil {
			t.Fatal(err)
		}
		f := mustFixture(t, s, fixtureOpts{sms: true, email: relay})
		f.notes.RegisterWorkers()
		if err := s.StartJobs(ctx); err != nil {
			t.Fatal(err)
		}
		defer s.StopJobs(ctx)
		link := regexp.MustCompile(regexp.QuoteMeta(notify.ConfirmPath) + `\?token=([A-Za-z0-9_-]+)`)
		choose := func(p identity.Principal, addr string, sms, email bool) {
			t.Helper()
			if _, err := f.notes.Choose(ctx, p, notify.ChoiceRequest{SMS: sms, Email: email, Address: addr}); err != nil {
				t.Fatal(err)
			}
			m := link.FindStringSubmatch(mp.WaitFor(t, addr, notify.ConfirmPath).Text)
			if m == nil {
				t.Fatal("no link in the confirmation email")
			}
			if err := f.notes.ConfirmEmail(ctx, m[1]); err != nil {
				t.Fatal(err)
			}
		}
		choose(ali, "ali.rezaei@example.ir", false, true)
		choose(maryam, "maryam@example.ir", true, false)

		submit := func(p identity.Principal) string {
			c, err := f.app.Submit(ctx, p, f.plain, map[string]string{"phone": "09121234567", "decl_story": "کالای معیوب"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			return c.Tracking
		}
		aliCase, maryamCase := submit(ali), submit(maryam)
		mp.WaitFor(t, "ali.rezaei@example.ir", aliCase)

		// Each inbox shows the one channel its owner chose, sent.
		for _, w := range []struct {
			who     identity.Principal
			channel string
		}{{ali, "email"}, {maryam, "sms"}} {
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				inbox, err := f.notes.Inbox(ctx, w.who.NationalCode)
				if err != nil {
					t.Fatal(err)
				}
				ds := inbox[0].Deliveries
				if inbox[0].Template != "case.submitted" || len(ds) != 1 || ds[0].Channel != w.channel {
					t.Fatalf("%s: %s %+v, want one %s", w.who.Name, inbox[0].Template, ds, w.channel)
				}
				if ds[0].Status == "sent" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%s: %+v", w.who.Name, ds)
				}
			}
		}
		for _, m := range mp.Messages(t) {
			if strings.Contains(m.Text, maryamCase) {
				t.Errorf("an email about the case of someone who chose SMS only went to %v", m.To)
			}
		}
	}, sets...)
}
