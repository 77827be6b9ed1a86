package web

import (
	"net/http"
	"strconv"

	"github.com/panjare/panjare/internal/errs"
	"github.com/panjare/panjare/internal/notify"
	"github.com/panjare/panjare/internal/persian"
)

// inboxRow is one message of the inbox page, in the page's language.
type inboxRow struct {
	ID     int64
	Title  string
	Body   string
	Link   string
	When   string
	Unread bool

	// Deliveries says what became of the message's SMS and email.
	Deliveries []deliveryRow
}

// deliveryRow is the status of one SMS or email of a message.
type deliveryRow struct {
	Channel, Status string // for tests and styles
	Text            string
}

// deliveryText says where one SMS or email of a message stands: waiting,
// being retried or failed after how many tries and why, sent, delivered;
// or, from the demo outbox, that it is not really sent.
func deliveryText(l lang, d notify.DeliveryStatus) string {
	channel := translate(l, "delivery."+d.Channel)
	if d.Provider == "outbox" && d.Status != "failed" {
		return translate(l, "delivery.outbox", channel)
	}
	class := ""
	if d.ErrorClass != "" {
		class = translate(l, "delivery.class."+d.ErrorClass)
	}
	return translate(l, "delivery."+d.Status, channel, numIn(l, int64(d.Attempts)), class)
}

// inboxView is the data of /me/inbox.
type inboxView struct {
	Messages []inboxRow
	Unread   int    // of all the messages, not only this page's
	Done     bool   // a message was just marked as read
	Next     string // the next page's address, "" on the last
}

// inboxPage is how many messages the inbox page shows at a time.
const inboxPage = 50

// errNoNotices answers the inbox pages when the notifier is not wired in.
var errNoNotices = errs.E("web.inbox", errs.Unavailable, "The inbox is not available on this server.", "صندوق پیام در این سامانه فعال نیست.")

// inbox lists the signed-in citizen's messages, newest first, /me/inbox.
func (w *Web) inbox(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.notes == nil {
		return errNoNotices
	}
	before, _ := strconv.ParseInt(persian.ASCIIDigits(r.URL.Query().Get("before")), 10, 64)
	list, next, err := w.notes.InboxPage(r.Context(), p.Subject(), before, inboxPage)
	if err != nil {
		return err
	}
	l := langOf(r)
	v := inboxView{Done: r.URL.Query().Get("done") == "read"}
	if v.Unread, err = w.notes.Unread(r.Context(), p.Subject()); err != nil {
		return err
	}
	if next != 0 {
		v.Next = "/me/inbox?before=" + strconv.FormatInt(next, 10)
	}
	for _, m := range list {
		row := inboxRow{ID: m.ID, Title: pickText(l, m.TitleFa, m.TitleEn), Body: pickText(l, m.BodyFa, m.BodyEn),
			Link: m.Link, When: dateTimeIn(l, m.CreatedAt), Unread: m.Unread()}
		for _, d := range m.Deliveries {
			row.Deliveries = append(row.Deliveries, deliveryRow{Channel: d.Channel, Status: d.Status, Text: deliveryText(l, d)})
		}
		v.Messages = append(v.Messages, row)
	}
	return w.render(rw, r, http.StatusOK, "inbox", translate(l, "inbox.title"), "inbox", v)
}

// markRead marks one message as read and goes back to the inbox: a plain
// form, so it works without JavaScript. Someone else's message is not found.
func (w *Web) markRead(rw http.ResponseWriter, r *http.Request) error {
	p, ok := w.citizen(rw, r)
	if !ok {
		return nil
	}
	if w.notes == nil {
		return errNoNotices
	}
	id, err := strconv.ParseInt(persian.ASCIIDigits(r.PathValue("id")), 10, 64)
	if err != nil || id <= 0 {
		return errs.NotFoundf("web.markRead", "message", "پیام")
	}
	if err := w.notes.MarkRead(r.Context(), p.Subject(), id); err != nil {
		return err
	}
	http.Redirect(rw, r, "/me/inbox?done=read#msg-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
	return nil
}
