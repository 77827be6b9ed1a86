package web

import (
	"net/http"

	"github.com/panjare/panjare/internal/catalog"
)

// about explains the service levels, how they are computed, and what
// "fully electronic" and "smart" mean, /about.
func (w *Web) about(rw http.ResponseWriter, r *http.Request) error {
	return w.render(rw, r, http.StatusOK, "about", translate(langOf(r), "about.title"), "about", catalog.Levels)
}
