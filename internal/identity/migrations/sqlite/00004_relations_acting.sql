-- +goose Up
-- Relations that let a person act for another: a guardian for a minor child
-- (kind guardian_of, other = the child's national code, established from the
-- civil registry's family record) and a legal representative for a company
-- (kind representative_of, other = the company's 11-digit national id,
-- registered by an agency admin). A relation is usable while it is not
-- revoked, valid_until has not passed and, for a child, the child is under
-- eighteen (other_born_at).
CREATE TABLE identity_relations (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id    INTEGER NOT NULL REFERENCES identity_people (id),
    kind         TEXT NOT NULL,
    other        TEXT NOT NULL,
    other_name   TEXT NOT NULL DEFAULT '',
    other_born_at DATETIME,
    source       TEXT NOT NULL,
    verified_at  DATETIME NOT NULL,
    valid_until  DATETIME,
    revoked_at   DATETIME
);
CREATE INDEX identity_relations_person ON identity_relations (person_id);
CREATE UNIQUE INDEX identity_relations_open ON identity_relations (person_id, kind, other) WHERE revoked_at IS NULL;

-- The relation a session is acting under; NULL when the person acts for
-- themselves.
ALTER TABLE identity_sessions ADD COLUMN acting_relation INTEGER REFERENCES identity_relations (id);

-- API keys being rotated stay valid until revoked_at, which may lie in the
-- future; replaced_by names the key that took over.
ALTER TABLE identity_api_clients ADD COLUMN replaced_by INTEGER;

-- +goose Down
ALTER TABLE identity_api_clients DROP COLUMN replaced_by;
ALTER TABLE identity_sessions DROP COLUMN acting_relation;
DROP TABLE identity_relations;
