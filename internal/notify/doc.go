// Package notify owns the notices Panjare sends to citizens and agencies: the
// in-app inbox, the Persian (and English) templates they are rendered from,
// and the delivery of SMS and email through providers.
//
// The model: a capability that changes state (apply approving a case, permit
// revoking a document) calls SendTx inside its own transaction. SendTx
// renders the template, writes the inbox row, appends a notify.notice.sent
// event and enqueues one River job per SMS or email, all in that
// transaction: if the caller rolls back, nothing is written and nothing is
// sent. The delivery jobs call a Provider (Kavenegar for SMS, SMTP for a
// mail relay; in the demo the Outbox, which only writes to a table shown on
// /dev/outbox), retry transient failures with backoff, record permanent ones
// with the class of their failure, and ask a Reporter whether the message
// arrived.
//
// Each person chooses their channels besides the inbox and gives an email
// address, used only once they open the link sent to it (choice.go); a
// notice with AsChosen follows that choice.
//
// Phone numbers and email addresses are personal data. notify keeps them
// only in notify_deliveries, notify_choices and the demo outbox: never in
// job arguments, events or logs. Events carry the template and ids, never rendered text.
// notify must never decide what to say on its own: the caller chooses the
// template and the facts; notify only renders and delivers them.
package notify
