-- +goose Up
-- The agency side for back-office systems: the feed behind the pull queue
-- and webhooks, assignments, webhook endpoints and deliveries, and
-- idempotency keys of decisions taken through the API.

-- The feed: each case event an agency's back office should hear about, in
-- the order the feeder copied it from the events table. seq is the cursor.
CREATE TABLE apply_feed (
    seq      INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL UNIQUE,
    agency   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    tracking TEXT NOT NULL,
    service  TEXT NOT NULL,
    state    TEXT NOT NULL DEFAULT '',
    from_state TEXT NOT NULL DEFAULT '',
    actor    TEXT NOT NULL,
    at       DATETIME NOT NULL
);
CREATE INDEX apply_feed_agency ON apply_feed (agency, seq);

-- The feeder's position in the events table: one row.
CREATE TABLE apply_feed_position (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    event_id INTEGER NOT NULL
);
INSERT INTO apply_feed_position (id, event_id) VALUES (1, 0);

-- Each API client's acknowledged position in its agency's feed.
CREATE TABLE apply_feed_acks (
    client_id  INTEGER PRIMARY KEY,
    agency     TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    updated_at DATETIME NOT NULL
);

-- Who of the agency's staff handles a case.
CREATE TABLE apply_assignments (
    case_id       INTEGER PRIMARY KEY REFERENCES apply_cases (id),
    assignee      INTEGER NOT NULL,
    assignee_name TEXT NOT NULL,
    assigned_by   TEXT NOT NULL,
    at            DATETIME NOT NULL
);
CREATE INDEX apply_assignments_assignee ON apply_assignments (assignee);

-- Webhook endpoints an agency registered. kinds is a comma-separated list
-- of feed kinds ('' for all). The secret signs deliveries.
CREATE TABLE apply_webhooks (
    id          INTEGER PRIMARY KEY,
    agency      TEXT NOT NULL,
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    kinds       TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    disabled_at DATETIME
);
CREATE INDEX apply_webhooks_agency ON apply_webhooks (agency);

-- One delivery of one feed item to one endpoint; a River job sends it.
CREATE TABLE apply_webhook_deliveries (
    id           TEXT PRIMARY KEY,
    webhook_id   INTEGER NOT NULL REFERENCES apply_webhooks (id),
    agency       TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    next_retry   DATETIME,
    created_at   DATETIME NOT NULL,
    delivered_at DATETIME
);
CREATE INDEX apply_webhook_deliveries_agency ON apply_webhook_deliveries (agency, created_at);

-- Idempotency keys of API decisions: the first answer, replayed for the
-- same key and body until expires_at.
CREATE TABLE apply_idempotency (
    client_id  INTEGER NOT NULL,
    key        TEXT NOT NULL,
    digest     TEXT NOT NULL,
    state      TEXT NOT NULL,
    status     INTEGER NOT NULL DEFAULT 0,
    body       TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    PRIMARY KEY (client_id, key)
);
CREATE INDEX apply_idempotency_expires ON apply_idempotency (expires_at);

-- +goose Down
DROP TABLE apply_idempotency;
DROP TABLE apply_webhook_deliveries;
DROP TABLE apply_webhooks;
DROP TABLE apply_assignments;
DROP TABLE apply_feed_acks;
DROP TABLE apply_feed_position;
DROP TABLE apply_feed;
