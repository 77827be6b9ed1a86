package web

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// chromiumPath is where Debian installs Chromium (CI installs it there).
const chromiumPath = "/usr/bin/chromium"

// artifacts is where the browser test leaves its screenshots (git-ignored).
var artifacts = filepath.Join("..", "..", "test", "artifacts")

// TestBrowserJourney walks a citizen's way in a real browser over the demo
// data: from the home page, search for «پاسپورت», open the passport service
// and read it; then it saves a full-page screenshot of the service page.
func TestBrowserJourney(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s is missing (install Debian's chromium package to run it)", chromiumPath)
	}
	s := storetest.MustOpen(t, store.SQLite, catalog.Migrations())
	st := newSite(t, s, func(tb testing.TB, ctx context.Context, c *catalog.Catalog, _ *site) {
		if _, err := demo.Load(ctx, c); err != nil {
			tb.Fatalf("demo.Load: %v", err)
		}
	})
	srv := httptest.NewServer(st.handler)
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTime()

	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	step("home", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#q")))
	// The first Tab reaches the skip link, which then shows.
	step("tab", chromedp.KeyEvent("\t"))
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.activeElement.className + ' ' + getComputedStyle(document.activeElement).top"))
	if err != nil || !strings.HasPrefix(focused, "skip-link ") || strings.HasPrefix(strings.Fields(focused)[1], "-") {
		t.Errorf("after one Tab the focus is on %q (%v), want the visible skip link", focused, err)
	}
	step("tab to the search box", chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"), chromedp.KeyEvent("\t"))
	shoot(t, ctx, "home-focus.png")
	step("search",
		chromedp.SendKeys(chromedp.CSS("#q"), "پاسپورت"),
		chromedp.Click(chromedp.CSS("form.search button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("ul.results")),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(loc, "/services?q=") {
		t.Fatalf("after searching, at %q (%v)", loc, err)
	}
	step("open the passport service",
		chromedp.Click(`//ul[contains(@class, "results")]//a[contains(., "گذرنامه")]`),
		chromedp.WaitVisible(chromedp.CSS("dl.summary")),
	)

	dir, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.dir"))
	if err != nil || dir != "rtl" {
		t.Errorf("<html dir> = %q (%v), want rtl", dir, err)
	}
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	if err != nil || !strings.Contains(title, "گذرنامه") {
		t.Errorf("service page h1 = %q (%v)", title, err)
	}
	main, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if !jalaliRE.MatchString(main) {
		t.Errorf("no Jalali date (Persian month and digits) on the service page")
	}
	if !regexp.MustCompile(`[۰-۹]`).MatchString(main) {
		t.Errorf("no Persian digits on the service page")
	}
	cost, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("dd.cost")))
	if err != nil || cost == "" || strings.ContainsAny(cost, "0123456789") {
		t.Errorf("cost = %q (%v): want Persian digits only", cost, err)
	}

	shoot(t, ctx, "service-page.png")
	top, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(filepath.Join(artifacts, "service-page-top.png"), top, 0o644); err != nil {
		t.Fatal(err)
	}

	// The other pages, for people to look at: the search results, the home
	// page, an agency, the service page on a phone and in English.
	step("search again", chromedp.Navigate(loc), chromedp.WaitVisible(chromedp.CSS("ul.results")))
	shoot(t, ctx, "search.png")
	step("home again", chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#q")))
	shoot(t, ctx, "home.png")
	step("agency", chromedp.Navigate(srv.URL+"/agencies/JUDICIARY"), chromedp.WaitVisible(chromedp.CSS("h1")))
	shoot(t, ctx, "agency.png")
	step("agencies", chromedp.Navigate(srv.URL+"/agencies"), chromedp.WaitVisible(chromedp.CSS("h1")))
	shoot(t, ctx, "agencies.png")
	step("about", chromedp.Navigate(srv.URL+"/about"), chromedp.WaitVisible(chromedp.CSS("h1")))
	shoot(t, ctx, "about.png")
	step("english", chromedp.Navigate(loc+"&lang=en"), chromedp.WaitVisible(chromedp.CSS("ul.results")))
	dir, err = chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.dir"))
	if err != nil || dir != "ltr" {
		t.Errorf("English: <html dir> = %q (%v), want ltr", dir, err)
	}
	shoot(t, ctx, "search-en.png")
	step("english service", chromedp.Click(`//ul[contains(@class, "results")]//a`), chromedp.WaitVisible(chromedp.CSS("dl.summary")))
	shoot(t, ctx, "service-page-en.png")
	step("phone", chromedp.EmulateViewport(390, 844), chromedp.Navigate(srv.URL+"/?lang=fa"), chromedp.WaitVisible(chromedp.CSS("h1")))
	shoot(t, ctx, "home-phone.png")
}

// shoot saves a full-page screenshot of the current page as a test artefact.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(artifacts, name)
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot saved to %s", out)
}
