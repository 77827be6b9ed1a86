package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// TestBrowserInboxDeliveryStatus signs a citizen in to the demo in
// Chromium and opens the inbox: under the message, its SMS line says, in
// Persian and right to left, that the demo does not really send it.
func TestBrowserInboxDeliveryStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { browserInboxDeliveryStatus(t, d) })
	}
}

func browserInboxDeliveryStatus(t *testing.T, d store.Dialect) {
	srv := mustServe(t, d, nil, nil)
	a := srv.App
	const code = "0067749828"
	err := a.Store.InTx(srv.Ctx, func(tx *store.Tx) error {
		if err := tx.Append(srv.Ctx, store.Event{Kind: "test.caller", Actor: "system"}, nil); err != nil {
			return err
		}
		return a.Notifier.SendTx(srv.Ctx, tx, notify.Notice{To: code, Template: "case.approved", SMS: true, Phone: "۰۹۱۲۷۶۵۴۳۲۱",
			Data: map[string]string{"tracking": "1405-AB12", "service": "پروانهٔ کسب", "link": "/me/cases/1405-AB12"}})
	})
	if err != nil {
		t.Fatal(err)
	}

	ctx := mustChromium(t, 1024, 800, 60*time.Second)
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	step("sign in", chromedp.Navigate(srv.Base+"/me/inbox"), chromedp.WaitVisible(chromedp.CSS("#national_code")),
		chromedp.SendKeys(chromedp.CSS("#national_code"), code),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#otp-shown")))
	otp, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#otp-shown")))
	if err != nil {
		t.Fatal(err)
	}
	step("one-time code", chromedp.SendKeys(chromedp.CSS("#otp"), persian.ASCIIDigits(strings.TrimSpace(otp))),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".inbox__item")))
	// The delivery job runs in the background: reload until it has.
	var line string
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		line, err = chromedp.Run(ctx, chromedp.Evaluate[string](
			`(document.querySelector('.inbox__deliveries li[data-channel="sms"][data-status="sent"]') || {}).innerText || ""`))
		if err != nil {
			t.Fatal(err)
		}
		if line != "" || time.Now().After(deadline) {
			break
		}
		step("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".inbox__item")))
	}
	if strings.TrimSpace(line) != "پیامک: در این نسخهٔ نمایشی واقعاً فرستاده نمی‌شود" {
		t.Errorf("the SMS line reads %q", line)
	}
	dir, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.inbox__deliveries li')).direction`))
	if err != nil || dir != "rtl" {
		t.Errorf("the delivery line's direction is %q (%v)", dir, err)
	}
	shootApp(t, ctx, "inbox-delivery.png")
}
