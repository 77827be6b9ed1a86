-- +goose Up
-- The service registry. catalog owns every table prefixed catalog_; nothing
-- else writes them. Each change also appends an event (store's rule).

-- Executive agencies (دستگاه‌های اجرایی).
CREATE TABLE catalog_agencies (
    code           TEXT PRIMARY KEY,
    name_fa        TEXT NOT NULL,
    name_en        TEXT NOT NULL DEFAULT '',
    parent         TEXT NOT NULL DEFAULT '',
    domain         TEXT NOT NULL,
    connected      BOOLEAN NOT NULL DEFAULT FALSE,
    website        TEXT NOT NULL DEFAULT '',
    description_fa TEXT NOT NULL DEFAULT '',
    created_at     DATETIME NOT NULL,
    updated_at     DATETIME NOT NULL
);

-- Provinces and their cities.
CREATE TABLE catalog_regions (
    code       TEXT PRIMARY KEY,
    name_fa    TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    kind       TEXT NOT NULL CHECK (kind IN ('province', 'city')),
    province   TEXT NOT NULL DEFAULT '',
    capital    BOOLEAN NOT NULL DEFAULT FALSE,
    pilot      BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at DATETIME NOT NULL
);

-- One row per service. identifier is NULL until the first publication. The
-- listing columns (title_fa … annual_volume, level, quality) describe the
-- published version, or the draft while the service was never published, so
-- that lists and statistics need not decode records.
CREATE TABLE catalog_services (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    identifier        TEXT UNIQUE,
    agency            TEXT NOT NULL REFERENCES catalog_agencies (code),
    status            TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    title_fa          TEXT NOT NULL DEFAULT '',
    title_en          TEXT NOT NULL DEFAULT '',
    domain            TEXT NOT NULL DEFAULT '',
    level             INTEGER NOT NULL DEFAULT 0,
    quality           INTEGER NOT NULL DEFAULT 0,
    audience          TEXT NOT NULL DEFAULT '',
    permit            BOOLEAN NOT NULL DEFAULT FALSE,
    annual_volume     BIGINT NOT NULL DEFAULT 0,
    published_version INTEGER NOT NULL DEFAULT 0,
    draft_version     INTEGER NOT NULL DEFAULT 0,
    needs_review      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    published_at      DATETIME,
    retired_at        DATETIME
);
CREATE INDEX catalog_services_agency ON catalog_services (agency, status);
CREATE INDEX catalog_services_popular ON catalog_services (status, annual_volume DESC, title_fa);

-- Every version of every service record, kept for the history.
CREATE TABLE catalog_service_versions (
    service_id   INTEGER NOT NULL REFERENCES catalog_services (id),
    version      INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded', 'retired')),
    record       TEXT NOT NULL,
    actor        TEXT NOT NULL,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL,
    published_at DATETIME,
    note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (service_id, version)
);

-- Counters for identifiers, one row each, advanced inside the transaction
-- that uses the value (so a rolled-back publication wastes no number).
CREATE TABLE catalog_counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO catalog_counters (name, value) VALUES ('service', 100000);

-- +goose Down
DROP TABLE catalog_counters;
DROP TABLE catalog_service_versions;
DROP TABLE catalog_services;
DROP TABLE catalog_regions;
DROP TABLE catalog_agencies;
