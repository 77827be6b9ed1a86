// Package simulate drives a synthetic year of traffic through the real
// platform, so that the oversight figures can be checked against a known
// truth.
//
// Run assembles the whole application (internal/app) on a fresh database
// with the demo catalogue, the demo exchange and its simulated back offices,
// and with the store's clock replaced by a simulated one that starts on
// 1 Farvardin of the year, Tehran time. It then walks the year through a
// queue of timed actions, each taken through the verbs citizens, clerks and
// the payment provider use: drafts, submissions with a city and the online
// channel, the once-only inquiries those make through the exchange, fee
// payments settled by the sandbox bank, decisions by the services' rules,
// clerks' decisions in time or late, objections to automatic refusals
// decided by a clerk, ratings and complaints. Nothing runs on the wall
// clock: no background job is started, and every step that depends on time
// is taken by the simulator at its simulated moment.
//
// While it acts, the simulator counts what it caused in its own tallies,
// following the definitions of docs/oversight.md ("KPIs"), and never reads
// the events or the figures' tables: the truth document it returns is what
// an independent count must find.
//
// It must never run on a database that has events: it would mix invented
// traffic with real history. Run refuses such a database.
package simulate
