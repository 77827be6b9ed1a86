package app_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/notify/notifytest"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// TestBrowserChooseEmail: in Chromium, a citizen gives an email address on
// their account page and chooses email only; the link mailpit received
// opens a page whose button confirms it; a notice then arrives by email,
// and the inbox shows, right to left, that its email was sent.
func TestBrowserChooseEmail(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { browserChooseEmail(t, d) })
	}
}

func browserChooseEmail(t *testing.T, d store.Dialect) {
	mp := notifytest.StartMailpit(t)
	srv := mustServe(t, d, func(c *app.Config) {
		c.SMTPAddr, c.SMTPTLS, c.SMTPFrom = mp.SMTP, "none", "no-reply@panjare.example.ir"
	}, nil)
	const code, addr = "0067749828", "maryam.ahmadi@example.ir"

	ctx := mustChromium(t, 1024, 900, 90*time.Second)
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	step("sign in", chromedp.Navigate(srv.Base+"/me"), chromedp.WaitVisible(chromedp.CSS("#national_code")),
		chromedp.SendKeys(chromedp.CSS("#national_code"), code),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#otp-shown")))
	otp, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#otp-shown")))
	if err != nil {
		t.Fatal(err)
	}
	step("one-time code", chromedp.SendKeys(chromedp.CSS("#otp"), persian.ASCIIDigits(strings.TrimSpace(otp))),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#notice-address")))
	step("choose email", chromedp.Click(chromedp.CSS("#notice-sms")), chromedp.Click(chromedp.CSS("#notice-email")),
		chromedp.SendKeys(chromedp.CSS("#notice-address"), addr),
		chromedp.Click(chromedp.CSS("#notice-save")), chromedp.WaitVisible(chromedp.CSS("#notice-pending")))
	shootApp(t, ctx, "notifications-me.png")

	link := regexp.MustCompile(`https?://\S+` + regexp.QuoteMeta(notify.ConfirmPath) + `\?token=[A-Za-z0-9_-]+`).
		FindString(mp.WaitFor(t, addr, notify.ConfirmPath).Text)
	if !strings.HasPrefix(link, srv.Base) {
		t.Fatalf("the confirmation email's link %q is not on the portal", link)
	}
	step("open the link", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#confirm-button")))
	if c, _ := srv.App.Notifier.Choice(srv.Ctx, identity.Principal{Kind: "user", NationalCode: code}); c.Address != "" {
		t.Fatalf("opening the link confirmed the address: %+v", c)
	}
	step("confirm", chromedp.Click(chromedp.CSS("#confirm-button")), chromedp.WaitVisible(chromedp.CSS("#confirm-done")))

	err = srv.App.Store.InTx(srv.Ctx, func(tx *store.Tx) error {
		if err := tx.Append(srv.Ctx, store.Event{Kind: "test.caller", Actor: "system"}, nil); err != nil {
			return err
		}
		return srv.App.Notifier.SendTx(srv.Ctx, tx, notify.Notice{To: code, Template: "case.approved", SMS: true, Phone: "09127654321", AsChosen: true,
			Data: map[string]string{"tracking": "1405-AB12", "service": "پروانهٔ کسب", "link": "/me/cases/1405-AB12"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	mp.WaitFor(t, addr, "1405-AB12")

	step("inbox", chromedp.Navigate(srv.Base+"/me/inbox"), chromedp.WaitVisible(chromedp.CSS(".inbox__item")))
	var line string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		line, err = chromedp.Run(ctx, chromedp.Evaluate[string](
			`(document.querySelector('.inbox__item .inbox__deliveries li[data-channel="email"][data-status="sent"]') || {}).innerText || ""`))
		if err != nil {
			t.Fatal(err)
		}
		if line != "" || time.Now().After(deadline) {
			break
		}
		step("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".inbox__item")))
	}
	if strings.TrimSpace(line) != "رایانامه: فرستاده شد" {
		t.Errorf("the email line reads %q", line)
	}
	sms, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector('.inbox__item').querySelectorAll('li[data-channel="sms"]').length`))
	if err != nil || sms != 0 {
		t.Errorf("the notice went by SMS too, which was not chosen (%d, %v)", sms, err)
	}
	dir, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.inbox__deliveries li')).direction`))
	if err != nil || dir != "rtl" {
		t.Errorf("the delivery line's direction is %q (%v)", dir, err)
	}
	shootApp(t, ctx, "notifications-email.png")
}
