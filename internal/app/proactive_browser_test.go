package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/panjare/panjare/internal/demo/backoffice"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/persian"
	"github.com/panjare/panjare/internal/store"
)

// TestBrowserLifeEventChain: on the demo page a mother publishes a birth
// and watches its chain run to the issued birth certificate and an offer;
// she opens the offer from her inbox, accepts it with consent, and sees the
// case decided.
func TestBrowserLifeEventChain(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { browserLifeEventChain(t, d) })
	}
}

func browserLifeEventChain(t *testing.T, d store.Dialect) {
	srv, _ := mustServeDemo(t, d)
	ctx := mustChromium(t, 1280, 900, 120*time.Second)
	step := func(name string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, srv.Logs()[max(0, len(srv.Logs())-3000):])
		}
	}
	step("sign in", chromedp.Navigate(srv.Base+"/demo/life-events"), chromedp.WaitVisible(chromedp.CSS("#national_code")),
		chromedp.SendKeys(chromedp.CSS("#national_code"), backoffice.CitizenMaryam),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#otp-shown")))
	otp, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#otp-shown")))
	if err != nil {
		t.Fatal(err)
	}
	step("one-time code", chromedp.SendKeys(chromedp.CSS("#otp"), persian.ASCIIDigits(strings.TrimSpace(otp))),
		chromedp.Click(chromedp.CSS("form button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#demo-publish")))
	step("publish a birth", chromedp.SetValue(chromedp.CSS("#kind"), "birth"), chromedp.SetValue(chromedp.CSS("#person"), backoffice.CitizenMaryam),
		chromedp.Click(chromedp.CSS("#demo-publish button[type=submit]")), chromedp.WaitVisible(chromedp.CSS("#chain")))
	// The chain runs in the background: follow the page's own link until
	// the certificate is issued and the offer is made.
	var docs, offers int
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		docs, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#chain-actions tr[data-document]:not([data-document=""])').length`))
		if err != nil {
			t.Fatal(err)
		}
		offers, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#chain-actions tr[data-mode="offer"][data-state="offer.state.offered"]').length`))
		if err != nil {
			t.Fatal(err)
		}
		if (docs >= 1 && offers >= 1) || time.Now().After(deadline) {
			break
		}
		step("refresh", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#chain")))
	}
	if docs < 1 || offers < 1 {
		t.Fatalf("the chain shows %d documents and %d offers", docs, offers)
	}
	shootApp(t, ctx, "life-event-chain.png")

	step("inbox", chromedp.Navigate(srv.Base+"/me/inbox"), chromedp.WaitVisible(chromedp.CSS(".inbox__item")))
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('.inbox a[href^="/offers/"]') || {}).getAttribute ? document.querySelector('.inbox a[href^="/offers/"]').getAttribute('href') : ""`))
	if err != nil || href == "" {
		t.Fatalf("no offer in the inbox (%v)", err)
	}
	step("offer", chromedp.Navigate(srv.Base+href), chromedp.WaitVisible(chromedp.CSS("#offer-accept")))
	fetched, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#offer-data li').length`))
	if err != nil || fetched == 0 {
		t.Errorf("the offer names %d pieces of data it will fetch (%v)", fetched, err)
	}
	step("accept with consent", chromedp.Click(chromedp.CSS("#consent")), chromedp.Click(chromedp.CSS("#offer-accept button[type=submit]")))
	// Accepting starts the case, fetches its evidence and lets the rules
	// decide before the answer redirects to the case page.
	var url string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		url, err = chromedp.Run(ctx, chromedp.Location())
		if err != nil || strings.Contains(url, "/me/cases/") || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || !strings.Contains(url, "/me/cases/") {
		t.Fatalf("after accepting the browser is at %q (%v)", url, err)
	}
	tracking := url[strings.LastIndex(url, "/")+1:]
	c, err := srv.Apply.Case(srv.Ctx, identity.System, tracking)
	if err != nil {
		t.Fatal(err)
	}
	if !c.State.Complete() {
		t.Errorf("the accepted offer's case is %s, want decided", c.State)
	}
}
