// Package proactive owns the services the platform starts for people on its
// own when a life event reaches it through the exchange: the subscriptions
// of services to life events, the offers they make (level 4) and the cases
// they start without the person acting (level 5, no-stop), and each
// person's opt-outs of no-stop services.
//
// The model:
//
//   - An admin of a service's agency writes a subscription: the event type,
//     a CEL condition over the event's facts (compiled against the event
//     type's JSON Schema when saved, so that an unknown field is an error
//     in place), the mode (offer or nostop), and which of the event's facts
//     names the person the service is for (by default event.national_code;
//     event.mother_national_code for a child allowance). A second admin of
//     the same agency activates it, and only while the rules capability has
//     an active ruleset for the service: a proactive service is always
//     decided by rules, never by a clerk who was not asked.
//   - The platform subscribes, as the subscriber application "proactive",
//     to every event type an active subscription needs (exchange Pub/Sub,
//     delivered at least once, in order per person). Handle receives each
//     event; for every active subscription of its type whose condition
//     matches it makes one action per (event, service, person), whatever
//     the number of deliveries (UNIQUE in proactive_actions).
//   - An offer goes to the person's inbox (and by SMS or email as they
//     chose) with a link to /offers/{id}. Signed in, they see what will be
//     done and which data will be fetched; with consent, one click starts
//     the application through apply (Origin "offer"), whose rules decide it.
//     They may decline instead.
//   - A no-stop action starts the application through apply at once (Origin
//     "nostop"), unless the person opted out of that service, and tells them
//     what was done, the outcome, how to object (the case page) and how to
//     opt out (/me/proactive).
//
// proactive owns the tables prefixed proactive_ and writes them only through
// the verbs of Proactive, each in one store transaction with its event.
// It never writes another capability's tables: cases are apply's, notices
// notify's. It must never log a national code: events carry the person as
// their Subject, which is never logged.
package proactive
