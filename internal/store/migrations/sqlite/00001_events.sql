-- +goose Up
-- The append-only event log. Every state change of every capability appends
-- one row here in the same transaction (the event rule). Triggers refuse
-- UPDATE and DELETE so that history cannot be rewritten through SQL by
-- accident; the ledger makes deliberate rewrites detectable.
CREATE TABLE events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      DATETIME NOT NULL,
    kind    TEXT NOT NULL,
    actor   TEXT NOT NULL,
    agency  TEXT NOT NULL DEFAULT '',
    service TEXT NOT NULL DEFAULT '',
    region  TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_kind ON events (kind, id);
CREATE INDEX events_agency ON events (agency, id) WHERE agency <> '';
CREATE INDEX events_service ON events (service, id) WHERE service <> '';
CREATE INDEX events_subject ON events (subject, id) WHERE subject <> '';

-- +goose StatementBegin
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE events;
