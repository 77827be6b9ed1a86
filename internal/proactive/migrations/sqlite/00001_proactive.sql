-- +goose Up
-- Subscriptions of services to life events. condition is a CEL boolean over
-- event (compiled against the event type's schema when saved); applicant
-- names the event field that holds the national code of whom the service
-- is started for; data maps form fields to event fields. A subscription is
-- written as a draft by one admin of the service's agency and activated by
-- another.
CREATE TABLE proactive_subscriptions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    service      TEXT NOT NULL,
    agency       TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    condition    TEXT NOT NULL,
    mode         TEXT NOT NULL CHECK (mode IN ('offer', 'nostop')),
    applicant    TEXT NOT NULL,
    data         TEXT NOT NULL DEFAULT '{}',
    status       TEXT NOT NULL CHECK (status IN ('draft', 'active', 'retired')),
    created_by   TEXT NOT NULL,
    approved_by  TEXT NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    activated_at DATETIME,
    retired_at   DATETIME
);
CREATE INDEX proactive_subscriptions_service ON proactive_subscriptions (service, id);
CREATE INDEX proactive_subscriptions_active ON proactive_subscriptions (status, event_type);

-- What a subscription did for one event and one person: an offer (mode
-- offer) or a no-stop start (mode nostop). One row per event, service and
-- person, whatever the number of deliveries. person is a national code
-- (personal data: never logged).
CREATE TABLE proactive_actions (
    id           TEXT PRIMARY KEY,
    mode         TEXT NOT NULL CHECK (mode IN ('offer', 'nostop')),
    subscription INTEGER NOT NULL REFERENCES proactive_subscriptions (id),
    event_id     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    service      TEXT NOT NULL,
    person       TEXT NOT NULL,
    about        TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL CHECK (state IN ('offered', 'accepted', 'declined', 'starting', 'started', 'opted_out', 'failed')),
    tracking     TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    data         TEXT NOT NULL DEFAULT '{}',
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    UNIQUE (event_id, service, person)
);
CREATE INDEX proactive_actions_person ON proactive_actions (person, created_at);
CREATE INDEX proactive_actions_event ON proactive_actions (event_id);

-- A person's opt-out of one no-stop service: honoured for every later event.
CREATE TABLE proactive_optouts (
    person     TEXT NOT NULL,
    service    TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    PRIMARY KEY (person, service)
);

-- +goose Down
DROP TABLE proactive_optouts;
DROP TABLE proactive_actions;
DROP TABLE proactive_subscriptions;
