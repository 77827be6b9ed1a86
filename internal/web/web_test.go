package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"golang.org/x/net/html"

	"github.com/panjare/panjare/internal/catalog"
	"github.com/panjare/panjare/internal/identity"
	"github.com/panjare/panjare/internal/store"
	"github.com/panjare/panjare/internal/store/storetest"
)

// response is one page fetched from the portal.
type response struct {
	status int
	header http.Header
	body   string
	doc    *html.Node
}

// fetch sends GET path to h, in English when en is true.
func fetch(t *testing.T, h http.Handler, path string, en bool) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if en {
		req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := response{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	if strings.HasPrefix(res.header.Get("Content-Type"), "text/html") {
		doc, err := html.Parse(strings.NewReader(res.body))
		if err != nil {
			t.Fatalf("GET %s: parsing HTML: %v", path, err)
		}
		res.doc = doc
	}
	return res
}

// getPage fetches path and checks it is a well-formed page with status want.
func getPage(t *testing.T, h http.Handler, path string, en bool, want int) response {
	t.Helper()
	res := fetch(t, h, path, en)
	if res.status != want {
		t.Fatalf("GET %s: status %d, want %d\n%s", path, res.status, want, res.body)
	}
	if res.doc == nil {
		t.Fatalf("GET %s: not HTML (%s)", path, res.header.Get("Content-Type"))
	}
	l, d := "fa", "rtl"
	if en {
		l, d = "en", "ltr"
	}
	checkPage(t, path, res.doc, l, d)
	return res
}

// all returns the elements under n for which ok is true, in document order.
func all(n *html.Node, ok func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && ok(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// tags returns the elements with the given tag name.
func tags(n *html.Node, name string) []*html.Node {
	return all(n, func(e *html.Node) bool { return e.Data == name })
}

// withClass returns the elements that have class c.
func withClass(n *html.Node, c string) []*html.Node {
	return all(n, func(e *html.Node) bool {
		return strings.Contains(" "+attr(e, "class")+" ", " "+c+" ")
	})
}

// attr returns the value of attribute name of n.
func attr(n *html.Node, name string) string {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val
		}
	}
	return ""
}

// textOf returns the text under n with spaces collapsed.
func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// checkPage checks what every page must have: its language and direction,
// landmarks, a skip link, one h1 and headings in order, a label for every
// input, and no inline style or script (the CSP forbids them).
func checkPage(t *testing.T, path string, doc *html.Node, lang, dir string) {
	t.Helper()
	root := tags(doc, "html")
	if len(root) != 1 || attr(root[0], "lang") != lang || attr(root[0], "dir") != dir {
		t.Errorf("%s: <html lang=%q dir=%q>, want lang=%q dir=%q", path, attr(root[0], "lang"), attr(root[0], "dir"), lang, dir)
	}
	for _, tag := range []string{"header", "main", "footer", "nav", "title"} {
		if len(tags(doc, tag)) == 0 {
			t.Errorf("%s: no <%s>", path, tag)
		}
	}
	if m := tags(doc, "main"); len(m) != 1 || attr(m[0], "id") != "main" {
		t.Errorf("%s: want one <main id=main>", path)
	}
	if links := withClass(doc, "skip-link"); len(links) != 1 || attr(links[0], "href") != "#main" {
		t.Errorf("%s: no skip link to #main", path)
	}
	// Headings: one h1, and no level skipped on the way down.
	heads := all(doc, func(e *html.Node) bool {
		return len(e.Data) == 2 && e.Data[0] == 'h' && e.Data[1] >= '1' && e.Data[1] <= '6'
	})
	if len(heads) == 0 || heads[0].Data != "h1" {
		t.Errorf("%s: the first heading is not an h1", path)
	}
	prev := 0
	for _, h := range heads {
		lvl := int(h.Data[1] - '0')
		if lvl == 1 && prev != 0 {
			t.Errorf("%s: a second h1 %q", path, textOf(h))
		}
		if lvl > prev+1 {
			t.Errorf("%s: heading %s %q skips a level after h%d", path, h.Data, textOf(h), prev)
		}
		prev = lvl
	}
	// Every input has a label.
	labels := map[string]bool{}
	for _, l := range tags(doc, "label") {
		labels[attr(l, "for")] = true
	}
	for _, in := range append(tags(doc, "input"), append(tags(doc, "select"), tags(doc, "textarea")...)...) {
		if typ := attr(in, "type"); typ == "hidden" || typ == "submit" {
			continue
		}
		if id := attr(in, "id"); id == "" || !labels[id] {
			if attr(in, "aria-label") == "" {
				t.Errorf("%s: <%s name=%q> has no label", path, in.Data, attr(in, "name"))
			}
		}
	}
	// A script from our own origin (src, no body) is what the CSP allows:
	// the dashboards' charts.
	inline := func(e *html.Node) bool { return e.Data == "script" && (attr(e, "src") == "" || e.FirstChild != nil) }
	if n := all(doc, func(e *html.Node) bool { return attr(e, "style") != "" || e.Data == "style" || inline(e) }); len(n) > 0 {
		t.Errorf("%s: inline style or script in <%s>", path, n[0].Data)
	}
	for _, img := range tags(doc, "img") {
		if _, ok := attrOK(img, "alt"); !ok {
			t.Errorf("%s: <img src=%q> without alt", path, attr(img, "src"))
		}
	}
}

func attrOK(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

var (
	jalaliRE  = regexp.MustCompile(`[۰-۹]{1,2} (فروردین|اردیبهشت|خرداد|تیر|مرداد|شهریور|مهر|آبان|آذر|دی|بهمن|اسفند) [۰-۹]{4}`)
	englishRE = regexp.MustCompile(`\b\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}\b`)
)

func TestPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		st := mustSite(t, s)
		h := st.handler

		t.Run("home", func(t *testing.T) {
			res := getPage(t, h, "/", false, http.StatusOK)
			forms := tags(res.doc, "form")
			if len(forms) != 1 || attr(forms[0], "action") != "/services" || attr(forms[0], "method") != "get" {
				t.Fatalf("home: want one GET form to /services")
			}
			body := textOf(res.doc)
			for _, want := range []string{"پنجره ملی خدمات دولت هوشمند", "خدمات بر پایهٔ حوزه", "انتظامی و گذرنامه", "سفر به خارج", "صدور گذرنامهٔ عادی",
				"۳ خدمت از ۳ دستگاه اجرایی؛ ۶۷٪ از خدمات تمام‌الکترونیک است."} {
				if !strings.Contains(body, want) {
					t.Errorf("home lacks %q", want)
				}
			}
			if !hasLink(res.doc, "/services?domain=police") || !hasLink(res.doc, "/services?event=travel") || !hasLink(res.doc, "/services/"+st.passport) {
				t.Errorf("home lacks the domain, event or popular links")
			}
		})

		t.Run("search", func(t *testing.T) {
			for _, q := range []string{"گذرنامه", "پاسپورت", "گذرنامه‌", "passport"} {
				res := getPage(t, h, "/services?q="+url.QueryEscape(q), false, http.StatusOK)
				if !hasLink(res.doc, "/services/"+st.passport) {
					t.Errorf("search %q does not list the passport", q)
				}
			}
			res := getPage(t, h, "/services?domain=police", false, http.StatusOK)
			sel := withClass(res.doc, "chip")
			if len(sel) != 1 || attr(sel[0], "href") != "/services" || !strings.Contains(textOf(sel[0]), "انتظامی و گذرنامه") {
				t.Errorf("the selected domain is not shown as removable")
			}
			if !hasLink(res.doc, "/services/"+st.passport) || hasLink(res.doc, "/services/"+st.certificate) {
				t.Errorf("the domain filter does not filter")
			}
			// Facets are links with counts.
			res = getPage(t, h, "/services", false, http.StatusOK)
			if !hasLink(res.doc, "/services?level=L3") || !strings.Contains(textOf(res.doc), "۳ خدمت") {
				t.Errorf("facets or the count are missing: %s", textOf(res.doc))
			}
			// No results, with suggestions.
			res = getPage(t, h, "/services?q=zzzzqqq&domain=health", false, http.StatusOK)
			if b := textOf(res.doc); !strings.Contains(b, "خدمتی پیدا نشد") || !strings.Contains(b, "پالایه‌ها را حذف کنید") {
				t.Errorf("no-results page lacks its suggestions: %s", b)
			}
			// The search text is kept in the box.
			res = getPage(t, h, "/services?q="+url.QueryEscape("گذرنامه"), false, http.StatusOK)
			if in := tags(res.doc, "input"); len(in) != 1 || attr(in[0], "value") != "گذرنامه" {
				t.Errorf("the search box does not keep the text")
			}
		})

		t.Run("service", func(t *testing.T) {
			res := getPage(t, h, "/services/"+st.passport, false, http.StatusOK)
			body := textOf(res.doc)
			h1 := tags(res.doc, "h1")
			if len(h1) != 1 || textOf(h1[0]) != "صدور گذرنامهٔ عادی" {
				t.Errorf("h1 = %q", textOf(h1[0]))
			}
			for _, want := range []string{
				"۱٬۲۰۰٬۰۰۰ ریال", "۱۰ روز", "۱ بار",
				"لازم نیست ارائه کنید؛ از سازمان ثبت احوال کشور استعلام می‌شود.",
				"تصویر آن را بارگذاری می‌کنید.",
				"درخواست برخط", // the level's name
				"قانون گذرنامه", "ماده ۱۴", "سفر به خارج",
				"کامل بودن شناسنامهٔ این خدمت",
			} {
				if !strings.Contains(body, want) {
					t.Errorf("service page lacks %q", want)
				}
			}
			if !jalaliRE.MatchString(body) {
				t.Errorf("no Jalali date on the service page")
			}
			if !hasLink(res.doc, "/agencies/POLICE") || !hasLink(res.doc, "https://epolice.ir/passport") {
				t.Errorf("no agency link or start button")
			}
			// The identifier is isolated, in Persian digits.
			found := false
			for _, b := range tags(res.doc, "bdi") {
				if textOf(b) == digitsIn(fa, st.passport) {
					found = true
				}
			}
			if !found {
				t.Errorf("the identifier is not in a <bdi>")
			}
			cost := withClass(res.doc, "cost")
			if len(cost) != 1 || strings.ContainsAny(textOf(cost[0]), "0123456789") {
				t.Errorf("the cost has ASCII digits: %q", textOf(cost[0]))
			}
			// Stages checklist: three online, one not.
			if y, n := len(withClass(res.doc, "checklist__item--yes")), len(withClass(res.doc, "checklist__item--no")); y != 3 || n != 1 {
				t.Errorf("stages: %d online, %d not; want 3 and 1", y, n)
			}
			// Persian digits also work in the address.
			getPage(t, h, "/services/"+digitsIn(fa, st.passport), false, http.StatusOK)

			// A permit shows its refusal grounds and validity.
			res = getPage(t, h, "/services/"+st.permit, false, http.StatusOK)
			if b := textOf(res.doc); !strings.Contains(b, "محل کسب با کاربری مجاز منطقه سازگار نیست.") || !strings.Contains(b, "۵ سال") || !strings.Contains(b, "۴ ساعت") {
				t.Errorf("permit page lacks its grounds, validity or time: %s", b)
			}
			// A retired service says so and offers no start button.
			res = getPage(t, h, "/services/"+st.retired, false, http.StatusOK)
			if n := withClass(res.doc, "notice"); len(n) != 1 || !strings.Contains(textOf(n[0]), "دیگر ارائه نمی‌شود") {
				t.Errorf("retired service has no notice")
			}
			if len(withClass(res.doc, "button--start")) != 0 {
				t.Errorf("retired service offers a start button")
			}
		})

		t.Run("english", func(t *testing.T) {
			res := getPage(t, h, "/services/"+st.passport, true, http.StatusOK)
			body := textOf(res.doc)
			for _, want := range []string{"Issuing an ordinary passport", "1,200,000 rials", "10 days",
				"You do not need to provide this; it is checked with National Organization for Civil Registration."} {
				if !strings.Contains(body, want) {
					t.Errorf("English service page lacks %q", want)
				}
			}
			if !englishRE.MatchString(body) {
				t.Errorf("no Gregorian date on the English page")
			}
			// The record's own Persian text may hold Persian digits; what
			// the portal formats may not.
			for _, n := range append(withClass(res.doc, "summary"), withClass(res.doc, "meta")...) {
				if strings.ContainsAny(textOf(n), "۰۱۲۳۴۵۶۷۸۹") {
					t.Errorf("Persian digits in the English summary: %s", textOf(n))
				}
			}
			for _, p := range []string{"/", "/services?q=passport", "/agencies", "/agencies/POLICE", "/about"} {
				getPage(t, h, p, true, http.StatusOK)
			}
			// The record without English text shows its Persian, marked as such.
			res = getPage(t, h, "/services/"+st.retired, true, http.StatusOK)
			if h1 := tags(res.doc, "h1"); len(h1) != 1 || len(all(h1[0], func(e *html.Node) bool { return attr(e, "lang") == "fa" && attr(e, "dir") == "rtl" })) != 1 {
				t.Errorf("Persian title on an English page is not marked lang=fa dir=rtl")
			}

			// ?lang=en sets the cookie and redirects to the same page without it.
			req := httptest.NewRequest(http.MethodGet, "/services?q=x&lang=en", nil)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/services?q=x" {
				t.Fatalf("?lang=en: %d to %q", rec.Code, rec.Header().Get("Location"))
			}
			c := rec.Result().Cookies()
			if len(c) != 1 || c[0].Name != langCookie || c[0].Value != "en" || !c[0].HttpOnly {
				t.Fatalf("?lang=en set cookies %v", c)
			}
			// The redirect never leaves the site.
			req = httptest.NewRequest(http.MethodGet, "/x?lang=en", nil)
			req.URL.Path = "//evil.example/x"
			rec = httptest.NewRecorder()
			st.web.handle(st.web.notFound).ServeHTTP(rec, req)
			if loc := rec.Header().Get("Location"); loc != "/" {
				t.Fatalf("?lang=en on //evil.example/x redirects to %q", loc)
			}
			// The switch link in the header points there.
			res = getPage(t, h, "/services?q=x", false, http.StatusOK)
			sw := withClass(res.doc, "header__lang")
			if len(sw) != 1 || attr(sw[0], "href") != "/services?lang=en&q=x" || attr(sw[0], "lang") != "en" {
				t.Errorf("language switch = %v", sw)
			}
		})

		t.Run("agencies", func(t *testing.T) {
			res := getPage(t, h, "/agencies", false, http.StatusOK)
			if !hasLink(res.doc, "/agencies/POLICE") || !strings.Contains(textOf(res.doc), "انتظامی و گذرنامه") {
				t.Errorf("agencies page lacks an agency or its domain")
			}
			res = getPage(t, h, "/agencies/POLICE", false, http.StatusOK)
			b := textOf(res.doc)
			if !strings.Contains(b, "تمام‌الکترونیک (سطح ۲ و بالاتر): ۰٪ (۰ خدمت)") || !strings.Contains(b, "متصل به پنجرهٔ ملی") {
				t.Errorf("agency figures missing: %s", b)
			}
			if len(withClass(res.doc, "w0")) == 0 || !hasLink(res.doc, "/services/"+st.passport) {
				t.Errorf("agency page lacks its bar or its services")
			}
			res = getPage(t, h, "/agencies/jud", false, http.StatusOK)
			if b := textOf(res.doc); !strings.Contains(b, "هوشمند (سطح ۳ و بالاتر): ۱۰۰٪ (۱ خدمت)") || len(withClass(res.doc, "w100")) < 2 {
				t.Errorf("JUD figures wrong: %s", b)
			}
		})

		t.Run("about", func(t *testing.T) {
			res := getPage(t, h, "/about", false, http.StatusOK)
			b := textOf(res.doc)
			for _, l := range catalog.Levels {
				if !strings.Contains(b, l.Fa) {
					t.Errorf("about lacks level %s", l.Code)
				}
			}
			if !strings.Contains(b, "تمام‌الکترونیک") || !strings.Contains(b, "هوشمند") {
				t.Errorf("about does not explain the terms")
			}
		})

		t.Run("errors", func(t *testing.T) {
			long := strings.Repeat("گ", 201)
			bad := map[string]int{
				"/services?page=abc":                           400,
				"/services?page=0":                             400,
				"/services?page=-3":                            400,
				"/services?page=99999999999999999999999":       400,
				"/services?q=" + url.QueryEscape(long):         400,
				"/services?q=%ff%fe":                           400,
				"/services?q=%zz":                              400,
				"/services?level=L9":                           400,
				"/services?audience=ALIENS":                    400,
				"/services?domain=space":                       400,
				"/services?agency=" + strings.Repeat("A", 100): 400,
				"/services?permit=maybe":                       400,
				"/services?q=a&q=b":                            400,
				"/services/" + badCheck(st.passport):           400,
				"/services/12":                                 400,
				"/services/abcdefg":                            400,
				"/services/" + strings.Repeat("9", 5000):       400,
				"/services/" + catalog.FormatID(999999):        404,
				"/agencies/NONE":                               404,
				"/agencies/a%20b":                              400,
				"/nowhere":                                     404,
				"/services/1/2":                                404,
				"/static/nothing.css":                          404,
				"/static/vendor/README.md":                     404,
			}
			for path, want := range bad {
				res := getPage(t, h, path, false, want)
				if h1 := tags(res.doc, "h1"); len(h1) != 1 || textOf(h1[0]) == "" {
					t.Errorf("%s: error page without a heading", path)
				}
			}
			// The check digit error says what is wrong.
			res := getPage(t, h, "/services/"+badCheck(st.passport), false, 400)
			if !strings.Contains(textOf(res.doc), "رقم کنترل") {
				t.Errorf("bad check digit page does not say so: %s", textOf(res.doc))
			}
			res = getPage(t, h, "/services/"+badCheck(st.passport), true, 400)
			if !strings.Contains(textOf(res.doc), "check digit") {
				t.Errorf("bad check digit page in English does not say so")
			}
			res = getPage(t, h, "/services?page=abc", true, 400)
			if !strings.Contains(textOf(res.doc), "The page number must be a positive whole number.") {
				t.Errorf("English 400 page: %s", textOf(res.doc))
			}
			res = getPage(t, h, "/nowhere", true, 404)
			if textOf(tags(res.doc, "h1")[0]) != "Page not found" {
				t.Errorf("English 404 page: %s", textOf(res.doc))
			}
			// Other methods get no page and no 5xx.
			req := httptest.NewRequest(http.MethodPost, "/services", strings.NewReader("x"))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code >= 500 || rec.Code == 200 {
				t.Errorf("POST /services: %d", rec.Code)
			}
		})

		t.Run("concurrent", func(t *testing.T) {
			paths := []string{"/", "/services?q=" + url.QueryEscape("گذرنامه"), "/services/" + st.passport,
				"/services/" + st.certificate, "/agencies", "/agencies/JUD", "/about"}
			var wg sync.WaitGroup
			codes := make(chan int, 8*len(paths))
			for i := 0; i < 8; i++ {
				for _, p := range paths {
					wg.Add(1)
					go func(p string, en bool) {
						defer wg.Done()
						req := httptest.NewRequest(http.MethodGet, p, nil)
						if en {
							req.AddCookie(&http.Cookie{Name: langCookie, Value: "en"})
						}
						rec := httptest.NewRecorder()
						h.ServeHTTP(rec, req)
						codes <- rec.Code
					}(p, i%2 == 1)
				}
			}
			wg.Wait()
			close(codes)
			for c := range codes {
				if c != http.StatusOK {
					t.Fatalf("concurrent request: status %d", c)
				}
			}
		})

		t.Run("static", func(t *testing.T) {
			css := st.web.staticURL("css/panjare.css")
			if !strings.Contains(css, "?v=") {
				t.Fatalf("static URL %q has no fingerprint", css)
			}
			res := fetch(t, h, css, false)
			if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/css") ||
				!strings.Contains(res.header.Get("Cache-Control"), "immutable") || !strings.Contains(res.body, "@font-face") {
				t.Fatalf("GET %s: %d %v", css, res.status, res.header)
			}
			res = fetch(t, h, "/static/css/panjare.css", false)
			if res.status != 200 || strings.Contains(res.header.Get("Cache-Control"), "immutable") {
				t.Fatalf("unversioned static file cached for ever: %v", res.header)
			}
			// The page links the fingerprinted stylesheet.
			home := getPage(t, h, "/", false, 200)
			found := false
			for _, l := range tags(home.doc, "link") {
				if attr(l, "rel") == "stylesheet" && attr(l, "href") == css {
					found = true
				}
			}
			if !found {
				t.Errorf("the page does not link %s", css)
			}
		})
	}, catalogMigrations()...)
}

// catalogMigrations are the migration sets the portal's store needs.
func catalogMigrations() []store.MigrationSet {
	return []store.MigrationSet{catalog.Migrations()}
}

// badCheck returns id with its check digit changed.
func badCheck(id string) string {
	last := id[len(id)-1]
	return id[:len(id)-1] + string('0'+(last-'0'+1)%10)
}

// hasLink reports whether doc has a link to href.
func hasLink(doc *html.Node, href string) bool {
	for _, a := range tags(doc, "a") {
		if attr(a, "href") == href {
			return true
		}
	}
	return false
}

func TestTemplateFuncs(t *testing.T) {
	at := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) // 2 Azar 1405
	cases := []struct {
		name, got, want string
	}{
		{"digits fa int", digitsIn(fa, 1405), "۱۴۰۵"},
		{"digits fa string", digitsIn(fa, "1000013"), "۱۰۰۰۰۱۳"},
		{"digits en", digitsIn(en, "۱۲3"), "123"},
		{"digits int64", digitsIn(fa, int64(42)), "۴۲"},
		{"jdate fa", dateIn(fa, at), "۲ آذر ۱۴۰۵"},
		{"jdate fa pointer", dateIn(fa, &at), "۲ آذر ۱۴۰۵"},
		{"jdate en", dateIn(en, at), "23 November 2026"},
		{"jdate nil", dateIn(fa, (*time.Time)(nil)), ""},
		{"jdate zero", dateIn(fa, time.Time{}), ""},
		{"money fa", moneyIn(fa, 1200000), "۱٬۲۰۰٬۰۰۰ ریال"},
		{"money fa small", moneyIn(fa, 500), "۵۰۰ ریال"},
		{"money en", moneyIn(en, 1200000), "1,200,000 rials"},
		{"money thousand", moneyIn(en, 1000), "1,000 rials"},
		{"money free", moneyIn(fa, 0), "رایگان"},
		{"money free en", moneyIn(en, 0), "Free"},
		{"dur days", durIn(fa, catalog.Duration{Days: 10}), "۱۰ روز"},
		{"dur hours", durIn(fa, catalog.Duration{Hours: 4}), "۴ ساعت"},
		{"dur both", durIn(fa, catalog.Duration{Days: 1, Hours: 12}), "۱ روز و ۱۲ ساعت"},
		{"dur en", durIn(en, catalog.Duration{Days: 10}), "10 days"},
		{"dur en one", durIn(en, catalog.Duration{Days: 1, Hours: 1}), "1 day and 1 hour"},
		{"dur zero", durIn(fa, catalog.Duration{}), "بی‌درنگ"},
		{"label fa", labelIn(fa, catalog.Levels[2]), "تمام‌الکترونیک"},
		{"label en", labelIn(en, catalog.Levels[2]), "Fully electronic"},
		{"label en fallback", labelIn(en, catalog.Label{Code: "x", Fa: "ایکس"}), "ایکس"},
		{"num fa", numIn(fa, 3000000), "۳٬۰۰۰٬۰۰۰"},
		{"num en", numIn(en, 999), "999"},
		{"num negative", numIn(en, -1234), "-1,234"},
		{"level fa", levelText(fa, "L2"), "سطح ۲: تمام‌الکترونیک"},
		{"level en", levelText(en, "L5"), "Level 5: Smart: no-stop"},
		{"period years", periodIn(fa, 1825), "۵ سال"},
		{"period year en", periodIn(en, 365), "1 year"},
		{"period months", periodIn(en, 180), "6 months"},
		{"period days", periodIn(fa, 45), "۴۵ روز"},
		{"period day", periodIn(en, 1), "1 day"},
		{"pct fa", pctIn(fa, 0.4235), "۴۲٪"},
		{"pct en", pctIn(en, 1), "100%"},
		{"bdi", string(bdi("A<1>")), "<bdi>A&lt;1&gt;</bdi>"},
		{"pick fa", string(pickIn(fa, "گذرنامه", "Passport")), "گذرنامه"},
		{"pick en", string(pickIn(en, "گذرنامه", "Passport")), "Passport"},
		{"pick en fallback", string(pickIn(en, "گذرنامه", "")), `<span lang="fa" dir="rtl">گذرنامه</span>`},
		{"pick escapes", string(pickIn(fa, "<b>", "")), "&lt;b&gt;"},
		{"t", translate(fa, "search.title.q", "گذرنامه"), "نتایج جست‌وجو برای «گذرنامه»"},
		{"t en", translate(en, "pager.of", "2", "5"), "Page 2 of 5"},
		{"t missing", translate(fa, "no.such.key"), "[no.such.key]"},
	}
	for _, c := range cases {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
	// The template function t formats numbers in the page's language.
	w := &Web{}
	tf := w.funcs(fa)["t"].(func(string, ...any) string)
	if got := tf("count.services", 12); got != "۱۲ خدمت" {
		t.Errorf("t with a number = %q", got)
	}
	tf = w.funcs(en)["t"].(func(string, ...any) string)
	if got := tf("count.services", 12); got != "12 services" {
		t.Errorf("t en with a number = %q", got)
	}
}

// TestTranslations checks the table itself and that every key a template
// uses is in it.
func TestTranslations(t *testing.T) {
	placeholder := regexp.MustCompile(`\{[0-9]\}`)
	for key, tx := range texts {
		bare := placeholder.ReplaceAllString(tx.fa, "")
		if strings.TrimSpace(tx.fa) == "" || strings.TrimSpace(tx.en) == "" {
			t.Errorf("%s: missing a language", key)
		}
		if strings.ContainsAny(tx.fa, "يك") {
			t.Errorf("%s: Arabic yeh or kaf in Persian text %q", key, tx.fa)
		}
		if strings.ContainsAny(bare, "0123456789") {
			t.Errorf("%s: ASCII digits in Persian text %q", key, tx.fa)
		}
		if strings.ContainsAny(tx.en, "۰۱۲۳۴۵۶۷۸۹") {
			t.Errorf("%s: Persian digits in English text %q", key, tx.en)
		}
		if strings.Count(tx.fa, "{") != strings.Count(tx.en, "{") {
			t.Errorf("%s: the two languages take different arguments", key)
		}
		persianLetters, letters := 0, 0
		for _, r := range bare {
			if unicode.IsLetter(r) {
				letters++
				if unicode.Is(unicode.Arabic, r) {
					persianLetters++
				}
			}
		}
		if letters > 0 && persianLetters == 0 && key != "lang.switch" && key != "lang.switch.hint" {
			t.Errorf("%s: Persian text %q has no Persian in it", key, tx.fa)
		}
	}
	used := regexp.MustCompile(`\bt "([a-zA-Z0-9_.]+)"`)
	files, err := filepath.Glob("templates/*/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("no templates: %v", err)
	}
	files = append(files, "templates/layout.html")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if _, ok := texts[m[1]]; !ok {
				t.Errorf("%s uses %q, which is not in the translation table", f, m[1])
			}
		}
	}
	// Keys built in templates from data.
	for _, l := range catalog.Levels {
		if _, ok := texts["level."+l.Code+".means"]; !ok {
			t.Errorf("no explanation of level %s", l.Code)
		}
	}
	for _, k := range []string{"document", "decision", "payment", "registration", "information"} {
		if _, ok := texts["output."+k]; !ok {
			t.Errorf("no name for output kind %s", k)
		}
	}
}

// TestDevReload checks that Dev mode reads templates from disk.
func TestDevReload(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		st := mustSite(t, s)
		w, err := New(Config{Catalog: st.cat, Dev: true})
		if err != nil {
			t.Fatal(err)
		}
		if w.srcDir == "" {
			t.Skip("the source tree is not here")
		}
		mux := http.NewServeMux()
		w.Register(mux)
		res := getPage(t, mux, "/about", false, 200)
		if len(tags(res.doc, "h1")) != 1 {
			t.Fatal("no h1")
		}
		res = fetch(t, mux, "/static/css/panjare.css", false)
		if res.status != 200 || res.header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("dev static: %d %q", res.status, res.header.Get("Cache-Control"))
		}
	}, catalogMigrations()...)
}

// BenchmarkServicePage measures the server time of the service page, the
// page with the most to render, over SQLite, without the network.
// Run: go test ./internal/web -run '^$' -bench ServicePage -benchtime 2s
func BenchmarkServicePage(b *testing.B) {
	s := storetest.MustOpen(b, store.SQLite, catalog.Migrations())
	st := mustSite(b, s)
	path := "/services/" + st.passport
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			rec := httptest.NewRecorder()
			st.handler.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Errorf("status %d", rec.Code)
				return
			}
		}
	})
}

// TestPageCache checks that a cached service page is never stale: a new
// version, a retirement and a renamed agency each give a new page.
func TestPageCache(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		st := mustSite(t, s)
		ctx := context.Background()
		h1 := func() string {
			res := getPage(t, st.handler, "/services/"+st.permit, false, http.StatusOK)
			return textOf(tags(res.doc, "h1")[0])
		}
		if got := h1(); got != "صدور پروانهٔ کسب" {
			t.Fatalf("h1 = %q", got)
		}
		if res := getPage(t, st.handler, "/", false, http.StatusOK); !strings.Contains(textOf(res.doc), "۳ خدمت از") {
			t.Fatalf("home counts: %s", textOf(res.doc))
		}
		h1() // from the cache
		if st.web.pages.bytes == 0 {
			t.Fatalf("the service page was not cached")
		}
		svc, err := st.cat.Service(ctx, st.permit)
		if err != nil {
			t.Fatal(err)
		}
		rec := svc.Record
		rec.TitleFa = "صدور پروانهٔ کسب برای واحدهای صنفی"
		d, err := st.cat.SaveDraft(ctx, identity.System, svc.Key, rec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.cat.Publish(ctx, identity.System, d.Key); err != nil {
			t.Fatal(err)
		}
		if got := h1(); got != rec.TitleFa {
			t.Fatalf("after a new version, h1 = %q", got)
		}
		if err := st.cat.Retire(ctx, identity.System, st.permit, "test"); err != nil {
			t.Fatal(err)
		}
		res := getPage(t, st.handler, "/services/"+st.permit, false, http.StatusOK)
		if len(withClass(res.doc, "notice")) != 1 {
			t.Fatalf("after retirement, no notice")
		}
		// The home page's counts follow once the overview is recomputed.
		st.web.overview.expire()
		res = getPage(t, st.handler, "/", false, http.StatusOK)
		if !strings.Contains(textOf(res.doc), "۲ خدمت از") {
			t.Fatalf("home counts after a retirement: %s", textOf(res.doc))
		}
		// A renamed agency shows once the agency names are reloaded.
		if err := st.cat.PutAgency(ctx, identity.System, catalog.Agency{Code: "MIMT", NameFa: "وزارت صمت", Domain: catalog.DomainIndustry}); err != nil {
			t.Fatal(err)
		}
		st.web.agencyC.expire()
		res = getPage(t, st.handler, "/services/"+st.permit, false, http.StatusOK)
		if !strings.Contains(textOf(res.doc), "وزارت صمت") {
			t.Fatalf("the renamed agency is not shown")
		}
	}, catalogMigrations()...)

	// The cache keeps within its size.
	c := newPageCache(1000)
	for i := 0; i < 100; i++ {
		c.put(pageKey{id: strconv.Itoa(i)}, make([]byte, 60))
		if c.bytes > c.max {
			t.Fatalf("cache holds %d bytes, more than %d", c.bytes, c.max)
		}
	}
	if b, ok := c.get(pageKey{id: "99"}); !ok || len(b) != 60 {
		t.Fatalf("the newest page is not cached")
	}
	c.put(pageKey{id: "big"}, make([]byte, 100)) // over max/16: not kept
	if _, ok := c.get(pageKey{id: "big"}); ok {
		t.Fatalf("a page larger than max/16 was cached")
	}
}
