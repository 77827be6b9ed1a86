package app_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/persian"
)

// TestBrowserTrackerAndConsent: in Chromium, a citizen signs in with the
// demo provider, finds in «ردپای داده‌های من» the inquiry the platform made
// about them, gives a bank consent through the form (no JavaScript needed)
// and withdraws it.
func TestBrowserTrackerAndConsent(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s is missing", chromiumPath)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := app.Defaults()
	cfg.DemoIdP, cfg.Demo = true, true
	cfg.Addr = ln.Addr().String()
	cfg.BaseURL = "http://" + ln.Addr().String()
	cfg.DataDir = t.TempDir()
	cfg.ExchangeAddr, cfg.ExchangeLocalAddr = "", ""
	ctx0, cancel0 := context.WithCancel(context.Background())
	defer cancel0()
	a, err := app.New(ctx0, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.StartDemoExchange(ctx0, 0); err != nil {
		t.Fatal(err)
	}
	code := backoffice.CitizenAli
	for _, inq := range []string{"NOCR/person-identity", "MSRT/degrees"} {
		if _, _, err := a.Gateway.Evidence(ctx0, code, inq, "درخواست بورس تحصیلی"); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx0, ln) }()
	defer func() { cancel0(); <-done }()

	ctx := mustChromium(t, 1280, 900, 60*time.Second)
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	// Asking for the tracker sends the visitor to sign in and back.
	step("tracker, signing in", chromedp.Navigate(cfg.BaseURL+"/me/data"), chromedp.WaitVisible(chromedp.CSS("#national_code")),
		chromedp.SendKeys(chromedp.CSS("#national_code"), code),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#otp-shown")))
	otp, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#otp-shown")))
	if err != nil {
		t.Fatal(err)
	}
	step("one-time code", chromedp.SendKeys(chromedp.CSS("#otp"), persian.ASCIIDigits(strings.TrimSpace(otp))),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("table.inquiries")))
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table.inquiries tbody")))
	if err != nil || strings.Count(text, "درخواست بورس تحصیلی") != 2 || !strings.Contains(text, "وزارت علوم") {
		t.Errorf("tracker rows: %q (%v)", text, err)
	}
	shootApp(t, ctx, "tracker.png")

	// Give the bank consent to read vehicle ownership, then withdraw it.
	step("consents", chromedp.Navigate(cfg.BaseURL+"/me/consents"), chromedp.WaitVisible(chromedp.CSS("#right")),
		chromedp.SetValue(chromedp.CSS("#purpose"), "وام خرید خودرو"),
		chromedp.SetValue(chromedp.CSS("#until"), "۱۴۰۸/۰۱/۱۵"),
		chromedp.Click(chromedp.CSS("form.form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".notice--done")))
	state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("tr[data-state]").dataset.state`))
	if err != nil || state != "active" {
		t.Errorf("consent state %q (%v)", state, err)
	}
	shootApp(t, ctx, "consents.png")
	step("withdraw", chromedp.Click(chromedp.CSS(`tr[data-state="active"] form button`)), chromedp.WaitVisible(chromedp.CSS(`tr[data-state="withdrawn"]`)))
	state, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("tr[data-state]").dataset.state`))
	if err != nil || state != "withdrawn" {
		t.Errorf("consent state after withdrawing %q (%v)", state, err)
	}
}
