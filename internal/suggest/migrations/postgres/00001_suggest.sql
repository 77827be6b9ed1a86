-- +goose Up

-- Co-usage: "people who used first_service then used next_service". One row per ordered
-- pair of services, with the number of distinct applicants who filed a case
-- for first_service and, within a year after it, a case for next_service. Rebuilt by the
-- suggest.pairs job from apply_cases; a pair seen for fewer than k people
-- is never stored (k-anonymity), so nothing here names or counts fewer.
CREATE TABLE suggest_pairs (
    first_service TEXT NOT NULL,
    next_service  TEXT NOT NULL,
    people     INTEGER NOT NULL,
    PRIMARY KEY (first_service, next_service)
);

-- Suggestions a person dismissed: never shown to them again.
CREATE TABLE suggest_dismissed (
    person     TEXT NOT NULL,
    service    TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person, service)
);

-- +goose Down
DROP TABLE suggest_dismissed;
DROP TABLE suggest_pairs;
