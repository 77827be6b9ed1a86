package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/demo"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestBrowserSearchForgives searches the demo catalogue in a real browser
// the way people type: in Finglish, and with a word no service has; then a
// platform administrator reads the searches that found nothing.
func TestBrowserSearchForgives(t *testing.T) {
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
	// Everyone who visits is a platform administrator, put in the request
	// as the session middleware does.
	admin := identity.Principal{Kind: "user", ID: 7, Name: "مدیر سامانه", Roles: []identity.Role{identity.RolePlatformAdmin}}
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		st.handler.ServeHTTP(rw, r.WithContext(identity.WithPrincipal(r.Context(), admin)))
	}))
	defer srv.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900),
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
	search := func(text string) string {
		t.Helper()
		step("search "+text,
			chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#q")),
			chromedp.SendKeys(chromedp.CSS("#q"), text),
			chromedp.Click(chromedp.CSS("form.search button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#results-h")),
		)
		main, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		if err != nil {
			t.Fatal(err)
		}
		return main
	}

	if main := search("sabt sherkat"); !strings.Contains(main, "ثبت شرکت") {
		t.Errorf("«sabt sherkat» does not list company registration")
	}
	main := search("گذرنامه زیارتی")
	// Only the Arbaeen pilgrimage has both words (زیارتی through its
	// synonyms); the passport services follow it.
	if !strings.Contains(main, "صدور گذرنامهٔ عادی") || !strings.Contains(main, "۱ خدمت همهٔ واژه‌های شما را دارد؛ پس از آن خدماتی آمده‌اند") {
		t.Errorf("«گذرنامه زیارتی»: no passport service, or no note that some results match only some words")
	}
	shoot(t, ctx, "search-partial.png")
	if main := search("ماهواره مریخ"); !strings.Contains(main, "خدمتی پیدا نشد") {
		t.Fatalf("«ماهواره مریخ» found something")
	}
	if err := st.cat.FlushMisses(context.Background()); err != nil {
		t.Fatal(err)
	}
	step("searches that found nothing", chromedp.Navigate(srv.URL+"/admin/search-misses"), chromedp.WaitVisible(chromedp.CSS("table.misses")))
	rows, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table.misses tbody")))
	if err != nil || !strings.Contains(rows, "ماهواره مریخ") || !strings.Contains(rows, "۱") || strings.ContainsAny(rows, "0123456789") {
		t.Errorf("misses table %q (%v): want «ماهواره مریخ» once, in Persian digits", rows, err)
	}
	shoot(t, ctx, "admin-search-misses.png")
}
