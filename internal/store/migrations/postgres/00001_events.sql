-- +goose Up
-- The append-only event log. Every state change of every capability appends
-- one row here in the same transaction (the event rule). A trigger refuses
-- UPDATE, DELETE and TRUNCATE so that history cannot be rewritten through SQL
-- by accident; the ledger makes deliberate rewrites detectable.
CREATE TABLE events (
    id      BIGSERIAL PRIMARY KEY,
    at      TIMESTAMPTZ NOT NULL,
    kind    TEXT NOT NULL,
    actor   TEXT NOT NULL,
    agency  TEXT NOT NULL DEFAULT '',
    service TEXT NOT NULL DEFAULT '',
    region  TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    payload JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX events_kind ON events (kind, id);
CREATE INDEX events_agency ON events (agency, id) WHERE agency <> '';
CREATE INDEX events_service ON events (service, id) WHERE service <> '';
CREATE INDEX events_subject ON events (subject, id) WHERE subject <> '';

-- +goose StatementBegin
CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER events_no_change BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();

-- +goose Down
DROP TABLE events;
DROP FUNCTION events_append_only();
