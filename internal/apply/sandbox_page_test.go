package apply_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestSandboxPageStyled opens the sandbox bank's page over HTTP and checks
// that it is a styled page: the portal's stylesheet, a header and a main,
// and no class the stylesheet does not define (the first version used
// "container" and "secondary", which it never had, and so looked bare).
func TestSandboxPageStyled(t *testing.T) {
	css, err := os.ReadFile(filepath.Join("..", "web", "static", "css", "panjare.css"))
	if err != nil {
		t.Fatal(err)
	}
	defined := map[string]bool{}
	for _, m := range regexp.MustCompile(`\.([a-zA-Z][a-zA-Z0-9_-]*)`).FindAllStringSubmatch(string(css), -1) {
		defined[m[1]] = true
	}
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		f := mustFixture(t, s, fixtureOpts{})
		c := f.mustSubmitPermit(t, ali)
		id := f.startPayment(t, c.Tracking)
		srv := httptest.NewServer(f.sandbox.Handler())
		defer srv.Close()
		resp, err := http.Get(srv.URL + "/sandbox/pay/" + id)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		doc, err := html.Parse(strings.NewReader(string(b)))
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET the sandbox page: %d %v", resp.StatusCode, err)
		}
		var sheet, header, main bool
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				for _, a := range n.Attr {
					switch {
					case a.Key == "class":
						for _, c := range strings.Fields(a.Val) {
							if !defined[c] {
								t.Errorf("<%s class=%q>: the stylesheet has no .%s", n.Data, a.Val, c)
							}
						}
					case n.Data == "link" && a.Key == "href" && a.Val == "/static/css/panjare.css":
						sheet = true
					}
				}
				header = header || n.Data == "header"
				main = main || n.Data == "main"
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(doc)
		if !sheet || !header || !main {
			t.Errorf("stylesheet %v, header %v, main %v: want all", sheet, header, main)
		}
	}, sets...)
}
