package app_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/persian"
)

// TestBrowserSignIn signs a citizen in with the demo provider in Chromium:
// the login page is Persian and right to left with the portal's look, the
// one-time code is read off the screen and typed back, and the browser lands
// on the profile with the session cookie (Secure, on a loopback address).
func TestBrowserSignIn(t *testing.T) {
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
	ctx0, cancel0 := context.WithCancel(context.Background())
	defer cancel0()
	a, err := app.New(ctx0, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx0, ln) }()
	defer func() { cancel0(); <-done }()

	ctx := mustChromium(t, 1024, 800, 60*time.Second)
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}

	step("sign-in link", chromedp.Navigate(cfg.BaseURL+"/about"), chromedp.Click(chromedp.CSS(`a[href="/signin"]`)),
		chromedp.WaitVisible(chromedp.CSS("#national_code")))
	dir, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.dir"))
	if err != nil || dir != "rtl" {
		t.Errorf("login page dir = %q (%v), want rtl", dir, err)
	}
	// The portal's stylesheet applies: the header has the brand colour.
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string]("getComputedStyle(document.querySelector('header')).backgroundColor"))
	if err != nil || bg == "" || bg == "rgba(0, 0, 0, 0)" {
		t.Errorf("login page header background = %q (%v): the stylesheet did not load", bg, err)
	}
	step("national code", chromedp.SendKeys(chromedp.CSS("#national_code"), "۰۰۶۷۷۴۹۸۲۸"),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#otp-shown")))
	otp, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#otp-shown")))
	if err != nil || len([]rune(strings.TrimSpace(otp))) != 6 {
		t.Fatalf("one-time code on screen = %q (%v)", otp, err)
	}
	shootApp(t, ctx, "signin-otp.png")
	step("one-time code", chromedp.SendKeys(chromedp.CSS("#otp"), persian.ASCIIDigits(strings.TrimSpace(otp))),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".header__signout")))
	// Signing in from the header brings the person back to the page they were on.
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != cfg.BaseURL+"/about" {
		t.Errorf("location after sign-in: %q (%v), want the about page", loc, err)
	}
	step("profile", chromedp.Click(chromedp.CSS("a.header__account")), chromedp.WaitVisible(chromedp.CSS("#masked-code")))
	masked, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#masked-code")))
	if err != nil || !strings.HasSuffix(masked, "۹۸۲۸") || strings.Contains(masked, "۰۰۶۷") {
		t.Errorf("masked national code = %q (%v)", masked, err)
	}
	shootApp(t, ctx, "profile.png")
	step("sign out", chromedp.Click(chromedp.CSS(".header__signout button")), chromedp.WaitVisible(chromedp.CSS(`a[href="/signin"]`)))
}

// shootApp saves a screenshot for people to look at (git-ignored).
func shootApp(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := filepath.Join("..", "..", "test", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(dir, name), png, 0o644)
	}
}
