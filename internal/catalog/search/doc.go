// Package search is the full-text index over the published services of the
// catalogue: an in-memory bleve index with our own Persian analysis (the one
// normaliser of package persian before bleve's Persian pipeline), query-time
// synonyms for the words people actually type, facets and paging.
//
// It owns no table and no event: catalog feeds it through catalog.Index (Put
// after a publication, Delete after a retirement) and rebuilds it from the
// database at start-up, so it holds nothing that cannot be rebuilt. It must
// never import anything but catalog, errs and persian from Panjare, never
// write state, and never see a service that is not published.
package search
