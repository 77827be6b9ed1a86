-- +goose Up
CREATE TABLE rules_rulesets (
    service      TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    body         TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    created_by   TEXT    NOT NULL,
    requested_by TEXT    NOT NULL DEFAULT '',
    approved_by  TEXT    NOT NULL DEFAULT '',
    created_at   DATETIME NOT NULL,
    activated_at DATETIME,
    was_active   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (service, version)
);
CREATE UNIQUE INDEX rules_rulesets_one_active ON rules_rulesets (service) WHERE status = 'active';

-- One row per service: bumped on every change, so that each node can see
-- cheaply whether its compiled program is stale.
CREATE TABLE rules_stamps (
    service TEXT    PRIMARY KEY,
    stamp   INTEGER NOT NULL
);

-- +goose Down
DROP TABLE rules_stamps;
DROP TABLE rules_rulesets;
