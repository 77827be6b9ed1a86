package catalog

// Query is a search of the published catalogue. Empty fields match all.
type Query struct {
	Text     string `json:"q,omitempty"`        // free text, Persian or English, any spelling variant
	Agency   string `json:"agency,omitempty"`   // agency code
	Domain   string `json:"domain,omitempty"`   // Domain
	Event    string `json:"event,omitempty"`    // life or business event code
	Level    string `json:"level,omitempty"`    // "L0".."L5"
	Audience string `json:"audience,omitempty"` // "G2C", "G2B", "G2G"
	Permit   string `json:"permit,omitempty"`   // "yes" for permits only, "no" for non-permits only
	Page     int    `json:"page,omitempty"`     // 1-based; 0 means 1
	PerPage  int    `json:"per_page,omitempty"` // default 20, at most 100
}

// Facet names, as used in Results.Facets and in query parameters.
const (
	FacetAgency   = "agency"
	FacetDomain   = "domain"
	FacetEvent    = "event"
	FacetLevel    = "level"
	FacetAudience = "audience"
)

// FacetValue is one value of a facet and how many results have it.
type FacetValue struct {
	Code  string `json:"code"`
	Count int    `json:"count"`
}

// Results is one page of search results, with the facet counts of the whole
// result set.
//
// When few services match every word of the text, the services that match
// only some of them follow, the most words first: Partial of the Total are
// such, and they come after the Total-Partial that match every word.
type Results struct {
	Items   []Service               `json:"items"`
	Total   int                     `json:"total"`
	Page    int                     `json:"page"`
	Pages   int                     `json:"pages"`
	Facets  map[string][]FacetValue `json:"facets,omitempty"`
	Partial int                     `json:"partial,omitempty"`
}
