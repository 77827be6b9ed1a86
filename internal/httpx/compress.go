package httpx

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
)

// etagSuffix marks the entity tag of a gzip-compressed response, so that
// the compressed and the plain bodies, which differ byte for byte, never
// share a strong tag.
const etagSuffix = "-gzip"

// compressedTypes are the responses worth compressing: pages and
// stylesheets. Fonts and images are compressed already; JSON is left to
// its clients' choice.
var compressedTypes = []string{"text/html", "text/css"}

// Compress gzips HTML and CSS responses for clients that accept gzip, and
// adds "Vary: Accept-Encoding" to every response so that caches keep the
// two bodies apart. A compressed response's ETag gets the suffix "-gzip";
// a conditional request that sends such a tag back is matched against the
// plain tag, so a cached stylesheet still revalidates with a 304. Range
// requests are answered uncompressed, as http.ServeContent answers them.
func Compress(next http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.ContentTypes(compressedTypes),
		gzhttp.EnableZstd(false),
		gzhttp.SuffixETag(etagSuffix),
	)
	if err != nil {
		panic("httpx.Compress: " + err.Error()) // the options above are constant and valid
	}
	h := wrap(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if inm := r.Header.Get("If-None-Match"); strings.Contains(inm, etagSuffix+`"`) {
			r.Header.Set("If-None-Match", strings.ReplaceAll(inm, etagSuffix+`"`, `"`))
		}
		h.ServeHTTP(w, r)
	})
}
