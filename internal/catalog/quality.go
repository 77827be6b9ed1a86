package catalog

// Quality is the score of a record's completeness and clarity, 0 to 100,
// with what the agency can do to raise it. It is computed, never stored as
// typed by anyone.
type Quality struct {
	Score       int          `json:"score"`
	Suggestions []Suggestion `json:"suggestions,omitempty"`
}

// Suggestion is one improvement and the points it would add.
type Suggestion struct {
	Field  string `json:"field"`
	Fa     string `json:"fa"`
	En     string `json:"en"`
	Points int    `json:"points"`
}
