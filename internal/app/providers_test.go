package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/notify/notifytest"
	"github.com/panjare/panjare/internal/store"
)

// TestNoticesThroughRealProviders runs the assembled process with Kavenegar
// for SMS (a local server speaking its API) and a mail relay for email
// (mailpit, with authentication): a notice's SMS and email really leave,
// the inbox page says they were sent, and neither the secrets nor the
// destinations reach the logs.
func TestNoticesThroughRealProviders(t *testing.T) {
	mp := notifytest.StartMailpit(t, "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			gw := notifytest.NewKavenegar(t)
			const password = "relay-Pa55-word"
			srv := mustServe(t, d, func(c *app.Config) {
				c.Demo = false
				c.SMSProvider, c.KavenegarAPIKey, c.KavenegarSender, c.KavenegarBaseURL = "kavenegar", notifytest.KavenegarKey, notifytest.KavenegarSender, gw.URL
				c.SMTPAddr, c.SMTPUsername, c.SMTPPassword, c.SMTPTLS = mp.SMTP, "panjare", password, "none"
				c.SMTPFrom, c.SMTPReplyTo = "پنجرهٔ ملی <no-reply@panjare.example.ir>", "help@panjare.example.ir"
			}, nil)
			a, ctx := srv.App, srv.Ctx
			before := len(mp.Raw(t))

			const code, phone, address = "0067749828", "09127654321", "sara.ahmadi@example.ir"
			citizen := newBrowser(t, srv.Base)
			if status, _, _ := citizen.signIn("/me", code); status != 200 {
				t.Fatalf("sign-in: %d", status)
			}
			err := a.Store.InTx(ctx, func(tx *store.Tx) error {
				if err := tx.Append(ctx, store.Event{Kind: "test.caller", Actor: "system"}, nil); err != nil {
					return err
				}
				return a.Notifier.SendTx(ctx, tx, notify.Notice{To: code, Template: "case.issued", SMS: true, Phone: "+98 912 765 4321",
					Email: true, Address: address,
					Data: map[string]string{"tracking": "1405-AB12", "service": "پروانهٔ کسب", "document": "D7K3-9QXM-4", "link": "/me/documents/D7K3-9QXM-4"}})
			})
			if err != nil {
				t.Fatal(err)
			}
			var body string
			for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
				_, _, body = citizen.do("GET", "/me/inbox", nil)
				if strings.Contains(body, `data-channel="sms" data-status="sent"`) && strings.Contains(body, `data-channel="email" data-status="sent"`) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the SMS and email were never sent:\n%s", body)
				}
			}
			if sms := gw.Messages(); len(sms) != 1 || sms[0].Receptor != phone || !strings.Contains(sms[0].Message, "D7K3-9QXM-4") {
				t.Errorf("the gateway has %+v", sms)
			}
			if got := mp.Raw(t)[before:]; len(got) != 1 || !strings.Contains(string(got[0]), "To: <"+address+">") ||
				!strings.Contains(string(got[0]), "Reply-To: <help@panjare.example.ir>") {
				t.Errorf("mailpit received %d messages", len(got))
			}
			if strings.Contains(body, "واقعاً فرستاده نمی‌شود") {
				t.Error("the inbox says nothing is sent, with real providers")
			}
			logs := srv.Logs()
			for _, leak := range []string{notifytest.KavenegarKey, password, gw.URL + "/v1", phone, "9127654321", address, code} {
				if strings.Contains(logs, leak) {
					t.Errorf("the logs hold %q", leak)
				}
			}
			if !strings.Contains(logs, `"sms":"kavenegar"`) || !strings.Contains(logs, `"email":"smtp"`) || strings.Contains(logs, "demo outbox") {
				t.Errorf("the start-up logs do not say which providers deliver")
			}
		})
	}
}

func TestProviderConfigValidate(t *testing.T) {
	base := func() app.Config { return app.Config{Addr: ":8080", LogLevel: "info"} }
	for _, c := range []struct {
		set  func(*app.Config)
		want string
	}{
		{func(c *app.Config) { c.SMSProvider = "twilio" }, "--sms-provider"},
		{func(c *app.Config) { c.SMSProvider = "kavenegar" }, "PANJARE_KAVENEGAR_API_KEY"},
		{func(c *app.Config) { c.SMSProvider, c.KavenegarAPIKey, c.KavenegarSender = "kavenegar", "k", "ten" }, "--kavenegar-sender"},
		{func(c *app.Config) { c.SMTPAddr, c.SMTPFrom = "mail.example.ir", "a@example.ir" }, "--smtp-addr"},
		{func(c *app.Config) { c.SMTPAddr = "mail.example.ir:587" }, "--smtp-from"},
		{func(c *app.Config) { c.SMTPAddr, c.SMTPFrom, c.SMTPTLS = "mail.example.ir:25", "a@example.ir", "none" }, "--smtp-tls"},
		{func(c *app.Config) {
			c.SMTPAddr, c.SMTPFrom, c.SMTPUsername = "mail.example.ir:587", "a@example.ir", "u"
		}, "PANJARE_SMTP_PASSWORD"},
		{func(c *app.Config) { c.SMTPPassword = "secret-xyz" }, "--smtp-addr"},
	} {
		cfg := base()
		c.set(&cfg)
		err := cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate() = %v, want an error about %s", err, c.want)
		} else if strings.Contains(err.Error(), "secret-xyz") {
			t.Errorf("the error repeats the password: %v", err)
		}
	}
	cfg := base()
	cfg.SMSProvider, cfg.KavenegarAPIKey, cfg.KavenegarSender = "kavenegar", "k", "10004346"
	cfg.SMTPAddr, cfg.SMTPFrom, cfg.SMTPUsername, cfg.SMTPPassword = "mail.example.ir:587", "پنجره <a@example.ir>", "u", "p"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}
