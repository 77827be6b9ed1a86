-- +goose Up
-- Automatic decisions (a service's active ruleset decides a case once its
-- evidence is in), the applicant's profile they read, objections to them,
-- and cases the platform started for a citizen after a life event.

-- One automatic decision per case, at most: the ruleset version, what it
-- decided and why, which rules fired, and every input it read with where
-- that input came from (the exchange's message id for an inquiry's answer).
CREATE TABLE apply_decisions (
    case_id    BIGINT PRIMARY KEY REFERENCES apply_cases (id),
    service    TEXT NOT NULL,
    version    INTEGER NOT NULL,
    outcome    TEXT NOT NULL,
    ground     TEXT NOT NULL DEFAULT '',
    fired      TEXT NOT NULL,
    inputs     TEXT NOT NULL,
    explain_fa TEXT NOT NULL,
    explain_en TEXT NOT NULL,
    failure    TEXT NOT NULL DEFAULT '',
    decided_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX apply_decisions_service ON apply_decisions (service, decided_at);

-- The applicant's profile as the civil registry (and the postal address
-- registry) gave it for the case: age, sex, residence. Personal data, shown
-- only to the applicant and the competent agency, like evidence.
CREATE TABLE apply_profiles (
    case_id    BIGINT PRIMARY KEY REFERENCES apply_cases (id),
    applicant  TEXT NOT NULL,
    sources    TEXT NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL
);

-- The applicant's objection to an automatic decision, and the final
-- decision of a clerk who did not write the rules.
CREATE TABLE apply_objections (
    case_id     BIGINT PRIMARY KEY REFERENCES apply_cases (id),
    agency      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    objected_at TIMESTAMPTZ NOT NULL,
    decided_at  TIMESTAMPTZ,
    decided_by  TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL DEFAULT '',
    overturned  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX apply_objections_agency ON apply_objections (agency);

-- A case the platform started for a citizen (a proactive service): why,
-- and from which life event. One case per event, service and applicant.
ALTER TABLE apply_cases ADD COLUMN origin_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE apply_cases ADD COLUMN origin_event TEXT NOT NULL DEFAULT '';
ALTER TABLE apply_cases ADD COLUMN origin_subscription BIGINT NOT NULL DEFAULT 0;
ALTER TABLE apply_cases ADD COLUMN origin_note TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX apply_cases_origin ON apply_cases (origin_event, service, applicant) WHERE origin_event <> '';

-- +goose Down
DROP INDEX apply_cases_origin;
ALTER TABLE apply_cases DROP COLUMN origin_note;
ALTER TABLE apply_cases DROP COLUMN origin_subscription;
ALTER TABLE apply_cases DROP COLUMN origin_event;
ALTER TABLE apply_cases DROP COLUMN origin_kind;
DROP TABLE apply_objections;
DROP TABLE apply_profiles;
DROP TABLE apply_decisions;
