// Package catalog is the service registry: agencies, regions (provinces,
// cities, pilot cities), and services and permits described by the standard
// service record (the union of CPSV-AP 3.2's mandatory properties and the
// Iranian service card, شناسنامه خدمت).
//
// Records are versioned: an agency edits a draft, publishing validates it and
// assigns the platform's service identifier on first publication, and a
// published record can later be retired. Each version is kept. The level of a
// service (L0–L5) and its quality score are computed from the record, never
// typed in.
//
// Invariants, kept by the verbs of Catalog:
//   - a service has at most one open draft, and its identifier never changes
//     once assigned (seven digits with a Damm check digit, see ParseID);
//   - catalog_services.published_version is the version shown to the public,
//     and the listing columns of that row describe it;
//   - the search index holds exactly the published services: the node that
//     publishes updates it after the commit, and other nodes catch up from
//     the events (Follow);
//   - searches that find nothing are counted by normalised text and day only
//     (catalog_search_misses, misses.go): never who searched, never a long
//     number or an address, at most MissTextsPerDay texts a day for MissDays
//     days.
//
// catalog owns the tables prefixed catalog_. Every change goes through a
// method of Catalog that writes its rows and an event in one store
// transaction; nothing else writes these tables, and catalog never writes
// another capability's. It decides who may change what through
// identity.Principal, but never reads identity's tables.
package catalog
