// Package kpiverify recomputes every oversight figure from the sealed events,
// independently of the aggregates that the dashboards and reports read, and
// lists every figure that a dashboard, an archived monthly report or a truth
// file shows differently.
//
// It is a second implementation of the KPI definitions on purpose: where
// package kpi keeps incremental aggregates in tables, this one reads the
// events once, in id order, into plain maps and lists, and does the
// arithmetic only when a group's figures are asked for (sorting a slice for
// each percentile). It never imports kpi's aggregation code, only the plain
// types it compares with, so that a mistake in one is not repeated in the
// other.
//
// It must never count an event that the ledger has not sealed, and never
// compute at all when the ledger's own verification finds the events
// changed: figures from a rewritten history would only confirm the rewrite.
// The funnel's distinct (person, service) pairs hold people's codes in
// memory only; no figure, key or discrepancy it writes names a person.
package kpiverify
