-- +goose Up

-- The follower's single row: the last event folded into the figures, the
-- ledger checkpoint at that moment, and the key that hashes people in
-- kpi_pairs. The fold locks this row, so only one process folds at a time.
CREATE TABLE kpi_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    through     BIGINT  NOT NULL DEFAULT 0,
    ledger_size BIGINT  NOT NULL DEFAULT 0,
    ledger_root TEXT    NOT NULL DEFAULT '',
    hash_key    BYTEA   NOT NULL,
    folded_at   TIMESTAMPTZ
);

-- Counters of each group: (month, agency, service, province, city), '' for
-- all. Every apply event is added to up to nine groups (agency and service,
-- agency, none × city, province, none), so that a page reads a handful of
-- rows whatever the number of events. hours and promised are exact
-- histograms (value, count) of the group's decided cases, from which the
-- nearest-rank percentiles are read. gkey is the five parts joined by a
-- unit separator, so that a fold finds the rows it touches by one key.
CREATE TABLE kpi_groups (
    gkey         TEXT   PRIMARY KEY,
    month        TEXT   NOT NULL,
    agency       TEXT   NOT NULL,
    service      TEXT   NOT NULL,
    province     TEXT   NOT NULL,
    city         TEXT   NOT NULL,
    started      BIGINT NOT NULL DEFAULT 0,
    completed    BIGINT NOT NULL DEFAULT 0,
    submitted    BIGINT NOT NULL DEFAULT 0,
    decided      BIGINT NOT NULL DEFAULT 0,
    decided_auto BIGINT NOT NULL DEFAULT 0,
    overturned   BIGINT NOT NULL DEFAULT 0,
    on_time      BIGINT NOT NULL DEFAULT 0,
    ratings      BIGINT NOT NULL DEFAULT 0,
    rating_sum   BIGINT NOT NULL DEFAULT 0,
    complaints   BIGINT NOT NULL DEFAULT 0,
    online       BIGINT NOT NULL DEFAULT 0,
    counter      BIGINT NOT NULL DEFAULT 0,
    hours        BYTEA  NOT NULL DEFAULT '\x',
    promised     BYTEA  NOT NULL DEFAULT '\x'
) WITH (fillfactor = 70);
CREATE INDEX kpi_groups_by_region  ON kpi_groups (month, agency, service, city, province);
CREATE INDEX kpi_groups_by_agency  ON kpi_groups (month, service, province, city, agency);

-- Each case's decision, so that a later objection is attributed to the
-- group and month of the decision it overturned. Times are microseconds
-- since 1970 UTC.
CREATE TABLE kpi_cases (
    tracking     TEXT    PRIMARY KEY,
    submitted_us BIGINT,
    deadline_us  BIGINT,
    decided_us   BIGINT,
    month        TEXT    NOT NULL DEFAULT '',
    agency       TEXT    NOT NULL DEFAULT '',
    service      TEXT    NOT NULL DEFAULT '',
    province     TEXT    NOT NULL DEFAULT '',
    city         TEXT    NOT NULL DEFAULT '',
    auto         BOOLEAN NOT NULL DEFAULT FALSE,
    overturned   BOOLEAN NOT NULL DEFAULT FALSE
);

-- (person, service) pairs started in a month, for the distinct counts of
-- the funnel. pair is a keyed hash (HMAC-SHA-256, cut to 16 bytes, key in
-- kpi_state) of month, service and person: the national code is never stored.
CREATE TABLE kpi_pairs (
    pair      BYTEA   PRIMARY KEY,
    month     TEXT    NOT NULL,
    service   TEXT    NOT NULL,
    completed BOOLEAN NOT NULL
);

-- The catalogue events of each service, its timeline, from which its state
-- at the end of each month is computed again whenever one arrives.
CREATE TABLE kpi_service_events (
    service  TEXT    NOT NULL,
    event_id BIGINT  NOT NULL,
    at_us    BIGINT  NOT NULL,
    agency   TEXT    NOT NULL,
    kind     TEXT    NOT NULL, -- published | retired | level
    level    INTEGER NOT NULL, -- -1: the event names no level
    PRIMARY KEY (service, event_id)
);

-- Live services by true level as changes: n is the change in the number of
-- live services at that level from the end of the previous month. The
-- count at the end of month M is the sum of n over months up to M. Rows of
-- each service, of each agency (service '') and of all (both '').
CREATE TABLE kpi_catalog (
    month   TEXT    NOT NULL,
    agency  TEXT    NOT NULL,
    service TEXT    NOT NULL,
    level   INTEGER NOT NULL,
    n       BIGINT  NOT NULL,
    PRIMARY KEY (agency, service, month, level)
);
CREATE INDEX kpi_catalog_by_service ON kpi_catalog (service, agency, month);

-- Inquiries by provider member and month, with an exact histogram of
-- latencies in whole milliseconds.
CREATE TABLE kpi_providers (
    pkey      TEXT   PRIMARY KEY,
    month     TEXT   NOT NULL,
    provider  TEXT   NOT NULL,
    inquiries BIGINT NOT NULL DEFAULT 0,
    succeeded BIGINT NOT NULL DEFAULT 0,
    latency   BYTEA  NOT NULL DEFAULT '\x'
);
CREATE INDEX kpi_providers_by_month ON kpi_providers (month, provider);

-- Months that have any figure.
CREATE TABLE kpi_months (
    month TEXT PRIMARY KEY
);

-- +goose Down
DROP TABLE kpi_months;
DROP TABLE kpi_providers;
DROP TABLE kpi_catalog;
DROP TABLE kpi_service_events;
DROP TABLE kpi_pairs;
DROP TABLE kpi_cases;
DROP TABLE kpi_groups;
DROP TABLE kpi_state;
