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
// catalog owns the tables prefixed catalog_. Every change goes through a
// method of Catalog that writes its rows and an event in one store
// transaction; nothing else writes these tables. Search is an in-process
// index that follows the published records.
package catalog
