// Package apply owns applications (cases): the form generated from a
// service's record, drafts, submission with a tracking code people can read
// aloud, once-only evidence fetched from the agency that holds it, uploads of
// evidence no agency holds, the case state machine and its deadlines, fees
// through a payment provider, and the applicant's feedback and complaints.
//
// The state machine (Transition):
//
//	submitted → in_review → needs_info → in_review (the applicant answers)
//	in_review → approved | rejected;  approved → issued
//	submitted | in_review | needs_info → withdrawn (the applicant only)
//
// Every change happens in one store.InTx that writes the rows, appends the
// event (Agency, Service, Region = the case's city, and Subject = the
// applicant's national code) and
// sends any notice and enqueues any job, so a change that rolls back leaves
// nothing behind. Approving a service whose output is a document issues it
// through permit.IssueTx in the same transaction: approval and document
// commit together, and the case ends issued.
//
// A case belongs to a city (apply_cases.region, a catalogue region code):
// the one the applicant chose on the form, else the city of the address the
// rules last fetched for them, else none. Its submission event also names
// the channel it came through ("online"; "counter" for a counter office),
// so that the oversight figures can be counted by province, city and
// channel.
//
// Evidence from an inquiry is fetched at submission through the exchange
// gateway (exchange.Gateway.Evidence), which logs and signs it like any
// inquiry, so the citizen sees it in their data tracker. The receipt's
// message id and response digest are kept, and the answer itself is stored
// in apply_evidence because the competent agency needs it to decide; it is
// shown only to the applicant and to that agency's staff, never to anyone
// else, and never logged. An inquiry that fails leaves the evidence pending,
// due again after a backoff (next_at), and a periodic sweep asks again.
//
// Payments are confirmed only by the provider's authenticated callback
// (PaymentCallback), never by the browser coming back; a replayed callback
// changes nothing, and Reconcile compares the provider's records with ours.
//
// apply must never log a national code, a form's contents, an upload or an
// inquiry's answer, and must never show one applicant's case to anyone but
// that applicant and the competent agency: to everyone else it does not
// exist (errs.NotFound).
package apply
