package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// TestCompressionAndIcon fetches a page, the stylesheet and the icon over
// real HTTP through the app's middleware: HTML and CSS come gzipped to a
// browser that accepts it, every response varies by Accept-Encoding (the
// page by Cookie too), the stylesheet revalidates by its ETag, and
// /favicon.ico is the emblem rather than a 404 page.
func TestCompressionAndIcon(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		st := mustSite(t, s)
		srv := httptest.NewServer(st.handler)
		defer srv.Close()
		client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
		get := func(path string, hdr ...string) (*http.Response, string) {
			t.Helper()
			req, _ := http.NewRequest("GET", srv.URL+path, nil)
			for i := 0; i+1 < len(hdr); i += 2 {
				req.Header.Set(hdr[i], hdr[i+1])
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, string(b)
		}
		vary := func(resp *http.Response) string { return strings.Join(resp.Header.Values("Vary"), ", ") }

		resp, _ := get("/", "Accept-Encoding", "gzip")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("home page: %d, Content-Encoding %q, want gzip", resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		if v := vary(resp); !strings.Contains(v, "Accept-Encoding") || !strings.Contains(v, "Cookie") {
			t.Errorf("home page Vary = %q, want Accept-Encoding and Cookie", v)
		}
		resp, body := get("/")
		if resp.Header.Get("Content-Encoding") != "" || !strings.HasPrefix(body, "<!DOCTYPE html>") {
			t.Errorf("home page without Accept-Encoding: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
		}
		resp, _ = get("/no/such/page", "Accept-Encoding", "gzip")
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Content-Encoding") != "gzip" {
			t.Errorf("404 page: %d, Content-Encoding %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}

		css := st.web.staticURL("css/panjare.css")
		resp, _ = get(css, "Accept-Encoding", "gzip")
		etag := resp.Header.Get("ETag")
		if resp.Header.Get("Content-Encoding") != "gzip" || !strings.HasSuffix(etag, `-gzip"`) {
			t.Errorf("stylesheet: Content-Encoding %q, ETag %q", resp.Header.Get("Content-Encoding"), etag)
		}
		if !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
			t.Errorf("fingerprinted stylesheet: Cache-Control %q", resp.Header.Get("Cache-Control"))
		}
		resp, _ = get("/static/css/panjare.css", "Accept-Encoding", "gzip", "If-None-Match", etag)
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("stylesheet revalidated with %s: %d, want 304", etag, resp.StatusCode)
		}
		resp, _ = get("/static/css/panjare.css", "If-None-Match", strings.Replace(etag, "-gzip", "", 1))
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("plain stylesheet revalidated: %d, want 304", resp.StatusCode)
		}

		resp, body = get("/favicon.ico")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(body, "<svg") {
			t.Errorf("/favicon.ico: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}, catalogMigrations()...)
}
