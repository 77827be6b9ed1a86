package web

import (
	"net/http"
	"strings"

	"github.com/panjare/panjare/internal/identity"
)

// outboxRow is one SMS or email the demo provider pretended to send.
type outboxRow struct {
	NoticeID int64
	Channel  string
	To       string
	Subject  string
	Lines    []string // the body, line by line
	When     string
}

// outboxView is the data of /dev/outbox.
type outboxView struct {
	Entries []outboxRow
	Next    string // the next page's address, "" on the last
}

// outboxPage is how many entries the outbox page shows at a time.
const outboxPage = 200

// outbox shows the demo outbox, /dev/outbox: the SMS and email that would
// have been sent. It exists only when the demo outbox is the provider; then
// anyone may open it in the demo (OutboxOpen) and only platform admins
// elsewhere. Everyone else gets the same 404 as for a page that does not
// exist, so the page does not reveal itself.
func (w *Web) outbox(rw http.ResponseWriter, r *http.Request) error {
	if w.notes == nil || w.notes.Outbox() == nil {
		return w.notFound(rw, r)
	}
	rw.Header().Set("Cache-Control", "no-store")
	if !w.outboxOpen {
		if p, ok := identity.FromContext(r.Context()); !ok || !p.Has(identity.RolePlatformAdmin) {
			return w.notFound(rw, r)
		}
	}
	list, next, err := w.notes.Outbox().List(r.Context(), r.URL.Query().Get("cursor"), outboxPage)
	if err != nil {
		return err
	}
	l := langOf(r)
	v := outboxView{}
	v.Next = cursorLink("/dev/outbox", next)
	for _, e := range list {
		v.Entries = append(v.Entries, outboxRow{NoticeID: e.NoticeID, Channel: e.Channel, To: e.To, Subject: e.Subject,
			Lines: strings.Split(e.Body, "\n"), When: dateTimeIn(l, e.CreatedAt)})
	}
	rw.Header().Set("X-Robots-Tag", "noindex")
	return w.render(rw, r, http.StatusOK, "outbox", translate(l, "outbox.title"), "", v)
}
