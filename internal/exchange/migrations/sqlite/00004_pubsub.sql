-- +goose Up
-- Life events (the GovStack Information Mediator Pub/Sub room
-- IR/GOV/PANJARE/life-events): event types with their JSON Schemas, the
-- subsystems the room manager lets publish each type, the events published,
-- the subscriptions, and one delivery row per (subscription, event) that
-- carries its state until it is acknowledged, so that nothing is lost while
-- a subscriber is down or the platform restarts.
CREATE TABLE exchange_pubsub_types (
    event_type  TEXT PRIMARY KEY,
    schema      TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  DATETIME NOT NULL
);

CREATE TABLE exchange_pubsub_publishers (
    event_type  TEXT NOT NULL,
    publisher   TEXT NOT NULL,            -- a subsystem id INSTANCE/CLASS/MEMBER/SUBSYSTEM
    granted_by  TEXT NOT NULL,
    granted_at  DATETIME NOT NULL,
    PRIMARY KEY (event_type, publisher)
);

CREATE TABLE exchange_pubsub_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,    -- uuid
    event_type   TEXT NOT NULL,
    publisher    TEXT NOT NULL,
    person       TEXT NOT NULL,           -- national code: personal data, never logged
    body         TEXT NOT NULL,           -- the validated event, canonical JSON
    digest       TEXT NOT NULL,           -- SHA-256 of the canonical body
    published_at DATETIME NOT NULL,
    stopped_at   DATETIME,                -- the publisher stopped its processing (deleteEvent)
    UNIQUE (publisher, event_type, digest)
);
CREATE INDEX exchange_pubsub_events_person ON exchange_pubsub_events (person, seq);

CREATE TABLE exchange_pubsub_subs (
    id           TEXT PRIMARY KEY,        -- uuid
    subscriber   TEXT NOT NULL,           -- a subsystem id
    event_type   TEXT NOT NULL,
    delivery     TEXT NOT NULL CHECK (delivery IN ('PUSH', 'PULL', 'LOCAL')),
    ttl          INTEGER NOT NULL DEFAULT 0,   -- seconds an undelivered event is kept for it; 0: until delivered
    fifo         INTEGER NOT NULL DEFAULT 0,   -- 1: strictly in publication order; 0: in order per person
    created_at   DATETIME NOT NULL,
    cancelled_at DATETIME
);
CREATE UNIQUE INDEX exchange_pubsub_subs_live ON exchange_pubsub_subs (subscriber, event_type) WHERE cancelled_at IS NULL;
CREATE INDEX exchange_pubsub_subs_type ON exchange_pubsub_subs (event_type) WHERE cancelled_at IS NULL;

CREATE TABLE exchange_pubsub_deliveries (
    sub_id       TEXT NOT NULL,
    event_seq    INTEGER NOT NULL,
    person       TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'expired', 'stopped')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      DATETIME NOT NULL,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    done_at      DATETIME,
    PRIMARY KEY (sub_id, event_seq)
);
CREATE INDEX exchange_pubsub_deliveries_due ON exchange_pubsub_deliveries (next_at) WHERE state = 'pending';
CREATE INDEX exchange_pubsub_deliveries_person ON exchange_pubsub_deliveries (sub_id, person, event_seq) WHERE state = 'pending';
CREATE INDEX exchange_pubsub_deliveries_event ON exchange_pubsub_deliveries (event_seq);

-- +goose Down
DROP TABLE exchange_pubsub_deliveries;
DROP TABLE exchange_pubsub_subs;
DROP TABLE exchange_pubsub_events;
DROP TABLE exchange_pubsub_publishers;
DROP TABLE exchange_pubsub_types;
