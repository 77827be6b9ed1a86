-- +goose Up
-- An agency's list of the representations its admins registered is read a
-- page at a time, newest first, by id.
CREATE INDEX identity_relations_source ON identity_relations (source, kind, id);

-- +goose Down
DROP INDEX identity_relations_source;
