// Package search is the full-text index over the published services of the
// catalogue: bleve indexes held in memory, with our own Persian analysis
// (the one normaliser of package persian before bleve's Persian pipeline),
// query-time synonyms for the words people actually type, filters, facets
// and paging. It implements catalog.Index.
//
// How a query is answered: the text is folded and analysed like the
// documents; every word should match, exactly in any field, with one wrong
// letter in a title or keyword (words of five letters or more), as the start
// of a title or keyword word (the last word, which may be unfinished), glued
// to its neighbour («گواهی نامه» and «گواهینامه»), or through a synonym
// phrase of synonyms.go. A word in Latin letters that the index does not
// know as English is read as Finglish (finglish.go): its likeliest Persian
// reading stands in for it. When fewer than three services match every
// word, the services that match some of them follow, the most words first,
// and Results.Partial says how many they are. bleve finds and scores the
// matches; the filters, the facet counts and the order are computed from
// the services kept here, which is far cheaper than bleve's doc values.
//
// It owns no table and no event: catalog feeds it (Put after a publication,
// Delete after a retirement) and rebuilds it from the database at start-up,
// so it holds nothing that cannot be rebuilt. It must never write state,
// never import a Panjare package but catalog, errs and persian, and never be
// given a service that is not published.
package search
