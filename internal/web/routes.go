package web

import "net/http"

// Register adds every page of the portal to mux. This is the one list of
// the portal's routes.
func (w *Web) Register(mux *http.ServeMux) {
	mux.Handle("GET /{$}", w.handle(w.home))
	mux.Handle("GET /services", w.handle(w.search))
	mux.Handle("GET /services/{id}", w.handle(w.service))
	mux.Handle("GET /agencies", w.handle(w.agencies))
	mux.Handle("GET /agencies/{code}", w.handle(w.agency))
	mux.Handle("GET /about", w.handle(w.about))
	mux.Handle("GET /static/{path...}", w.handle(w.serveStatic))
	// Everything else, in the page's language.
	mux.Handle("/", w.handle(w.notFound))
}
