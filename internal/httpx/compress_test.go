package httpx

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// TestCompress serves a page, a stylesheet with an ETag (as the portal's
// static files are served) and a JSON body through Compress on a real
// server, and checks what a browser and a cache see.
func TestCompress(t *testing.T) {
	page := "<!DOCTYPE html><p>" + strings.Repeat("پنجره ملی خدمات ", 200) + "</p>"
	css := "body { font-family: Vazirmatn; }\n" + strings.Repeat(".a { color: #0b5c4a; }\n", 200)
	files := fstest.MapFS{"site.css": {Data: []byte(css)}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Add("Vary", "Cookie")
		io.WriteString(w, page)
	})
	mux.HandleFunc("GET /site.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"abc123"`)
		http.ServeFileFS(w, r, files, "site.css")
	})
	mux.HandleFunc("GET /data.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"a":"`+strings.Repeat("x", 4000)+`"}`)
	})
	srv := httptest.NewServer(Compress(mux))
	defer srv.Close()

	// get asks for path with the given request headers; the transport's own
	// decompression is off, so the body is what came over the wire.
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	get := func(path string, hdr ...string) (*http.Response, []byte) {
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
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	gunzip := func(b []byte) string {
		t.Helper()
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("not gzip: %v", err)
		}
		out, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	varies := func(resp *http.Response, want string) bool {
		for _, v := range resp.Header.Values("Vary") {
			for _, f := range strings.Split(v, ",") {
				if strings.EqualFold(strings.TrimSpace(f), want) {
					return true
				}
			}
		}
		return false
	}

	// A page: gzip when asked, plain otherwise, and both vary.
	resp, body := get("/page", "Accept-Encoding", "gzip, deflate, br")
	if resp.Header.Get("Content-Encoding") != "gzip" || gunzip(body) != page {
		t.Errorf("page with gzip accepted: Content-Encoding %q, %d bytes", resp.Header.Get("Content-Encoding"), len(body))
	}
	if len(body) >= len(page)/2 {
		t.Errorf("compressed page is %d bytes of %d", len(body), len(page))
	}
	if !varies(resp, "Accept-Encoding") || !varies(resp, "Cookie") {
		t.Errorf("page Vary = %q, want Accept-Encoding and the handler's Cookie", resp.Header.Values("Vary"))
	}
	resp, body = get("/page")
	if resp.Header.Get("Content-Encoding") != "" || string(body) != page {
		t.Errorf("page without Accept-Encoding: Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}
	if !varies(resp, "Accept-Encoding") {
		t.Errorf("plain page Vary = %q", resp.Header.Values("Vary"))
	}
	resp, body = get("/page", "Accept-Encoding", "gzip;q=0, identity")
	if resp.Header.Get("Content-Encoding") != "" || string(body) != page {
		t.Errorf("page with gzip refused (q=0): Content-Encoding %q", resp.Header.Get("Content-Encoding"))
	}

	// The stylesheet: compressed with its own tag, which revalidates.
	resp, body = get("/site.css", "Accept-Encoding", "gzip")
	etag := resp.Header.Get("ETag")
	if resp.Header.Get("Content-Encoding") != "gzip" || gunzip(body) != css || etag != `"abc123-gzip"` {
		t.Errorf("css: Content-Encoding %q, ETag %q", resp.Header.Get("Content-Encoding"), etag)
	}
	resp, _ = get("/site.css", "Accept-Encoding", "gzip", "If-None-Match", etag)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("css revalidated with the compressed tag: %d, want 304", resp.StatusCode)
	}
	resp, body = get("/site.css")
	if resp.Header.Get("ETag") != `"abc123"` || string(body) != css {
		t.Errorf("plain css: ETag %q", resp.Header.Get("ETag"))
	}
	resp, _ = get("/site.css", "If-None-Match", `"abc123"`)
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("plain css revalidated: %d, want 304", resp.StatusCode)
	}
	resp, _ = get("/site.css", "If-None-Match", `"other-gzip"`)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("css with another tag: %d, want 200", resp.StatusCode)
	}
	// A range is served as asked, from the plain bytes.
	resp, body = get("/site.css", "Accept-Encoding", "gzip", "Range", "bytes=0-3")
	if resp.StatusCode != http.StatusPartialContent || string(body) != css[:4] || resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("range: %d %q, Content-Encoding %q", resp.StatusCode, body, resp.Header.Get("Content-Encoding"))
	}

	// JSON is left alone.
	resp, _ = get("/data.json", "Accept-Encoding", "gzip")
	if resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("JSON: Content-Encoding %q, want none", resp.Header.Get("Content-Encoding"))
	}
}
