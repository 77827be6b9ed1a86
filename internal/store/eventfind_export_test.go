package store

// EventIDsByQuery is the query of EventIDsBy, for its plan test.
const EventIDsByQuery = eventIDsByQuery
