package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/app"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// TestBrowserReports signs an overseer in to the demo in Chromium, builds
// a past month's report from /reports and reads it: the archived page is
// Persian, right to left, styled by its own inline styles (which the
// page's security policy allows by their digest), and the archive lists
// the month with its PDF.
func TestBrowserReports(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { browserReports(t, d) })
	}
}

func browserReports(t *testing.T, d store.Dialect) {
	const code = "4567890124"
	srv := mustServe(t, d, nil, func(ctx context.Context, a *app.App) error {
		_, err := a.Identity.AddStaff(ctx, identity.System, code, "", identity.RoleOverseer)
		return err
	})
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
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(".header__signout")))

	step("build", chromedp.Navigate(srv.Base+"/reports"), chromedp.WaitVisible(chromedp.CSS("#build-report")),
		chromedp.SetValue(chromedp.CSS("#report-month"), "1404-01"),
		chromedp.Click(chromedp.CSS("#build-report button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("main section h2")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != srv.Base+"/reports/1404-01" {
		t.Fatalf("after building: %q (%v)", loc, err)
	}
	dir, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.dir"))
	title, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	// #0b5c4a: the report's own heading colour, so its inline styles applied.
	colour, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("getComputedStyle(document.querySelector('h1')).color"))
	if dir != "rtl" || !strings.Contains(title, "گزارش ماهانهٔ نظارت") || !strings.Contains(title, "فروردین ۱۴۰۴") || colour != "rgb(11, 92, 74)" {
		t.Errorf("the report: dir %q, title %q, heading colour %q", dir, title, colour)
	}
	shootApp(t, ctx, "report.png")

	step("archive", chromedp.Navigate(srv.Base+"/reports"), chromedp.WaitVisible(chromedp.CSS(`#reports tr[data-month="1404-01"]`)))
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#reports a[href="/reports/1404-01.pdf"]').length`))
	if err != nil || n != 1 {
		t.Errorf("the archive links the PDF %d times (%v)", n, err)
	}
}
