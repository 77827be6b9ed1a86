-- +goose Up
-- Applications. apply owns every table prefixed apply_; nothing else writes
-- them. Each change also appends an event in the same transaction.

-- Drafts: one per applicant and service, the form data as JSON.
CREATE TABLE apply_drafts (
    applicant  TEXT NOT NULL,
    service    TEXT NOT NULL,
    data       TEXT NOT NULL,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (applicant, service)
);

-- Cases: one submitted application. tracking is the code people read aloud.
CREATE TABLE apply_cases (
    id           INTEGER PRIMARY KEY,
    tracking     TEXT NOT NULL UNIQUE,
    service      TEXT NOT NULL,
    agency       TEXT NOT NULL,
    applicant    TEXT NOT NULL,
    applicant_name TEXT NOT NULL DEFAULT '',
    state        TEXT NOT NULL,
    data         TEXT NOT NULL,
    fee_rials    INTEGER NOT NULL DEFAULT 0,
    paid         INTEGER NOT NULL DEFAULT 0,
    submitted_at DATETIME NOT NULL,
    deadline     DATETIME NOT NULL,
    overdue_at   DATETIME,
    decided_at   DATETIME,
    ground       TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    document     TEXT NOT NULL DEFAULT '',
    updated_at   DATETIME NOT NULL
);
CREATE INDEX apply_cases_applicant ON apply_cases (applicant, submitted_at);
CREATE INDEX apply_cases_agency ON apply_cases (agency, state, deadline);
CREATE INDEX apply_cases_open ON apply_cases (deadline) WHERE overdue_at IS NULL;

-- Uploads: the bytes of evidence no agency holds, with their SHA-256.
CREATE TABLE apply_uploads (
    id           INTEGER PRIMARY KEY,
    case_id      INTEGER NOT NULL REFERENCES apply_cases (id),
    code         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    data         BLOB NOT NULL,
    created_at   DATETIME NOT NULL
);
CREATE INDEX apply_uploads_case ON apply_uploads (case_id);

-- Evidence: one row per evidence of the record, and where it came from.
-- answer holds an inquiry's answer, readable only by the applicant and the
-- competent agency's staff.
CREATE TABLE apply_evidence (
    case_id    INTEGER NOT NULL REFERENCES apply_cases (id),
    code       TEXT NOT NULL,
    name_fa    TEXT NOT NULL,
    source     TEXT NOT NULL,
    held_by    TEXT NOT NULL DEFAULT '',
    inquiry    TEXT NOT NULL DEFAULT '',
    state      TEXT NOT NULL,
    message_id TEXT NOT NULL DEFAULT '',
    digest     TEXT NOT NULL DEFAULT '',
    answer     TEXT NOT NULL DEFAULT '',
    upload_id  INTEGER,
    attempts   INTEGER NOT NULL DEFAULT 0,
    updated_at DATETIME NOT NULL,
    PRIMARY KEY (case_id, code)
);

-- Payments: ours. state pending → paid | cancelled, only by the provider's
-- callback.
CREATE TABLE apply_payments (
    id          TEXT PRIMARY KEY,
    case_id     INTEGER NOT NULL REFERENCES apply_cases (id),
    provider    TEXT NOT NULL,
    amount      INTEGER NOT NULL,
    state       TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE INDEX apply_payments_case ON apply_payments (case_id);

-- Callbacks seen, so that a replayed one changes nothing.
CREATE TABLE apply_payment_callbacks (
    provider    TEXT NOT NULL,
    callback_id TEXT NOT NULL,
    payment     TEXT NOT NULL,
    at          DATETIME NOT NULL,
    PRIMARY KEY (provider, callback_id)
);

-- The sandbox payment provider's own records (a simulated bank).
CREATE TABLE apply_sandbox_payments (
    id         TEXT PRIMARY KEY,
    amount     INTEGER NOT NULL,
    return_url TEXT NOT NULL,
    state      TEXT NOT NULL,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);

-- Feedback: one per case.
CREATE TABLE apply_feedback (
    case_id    INTEGER PRIMARY KEY REFERENCES apply_cases (id),
    rating     INTEGER NOT NULL,
    comment    TEXT NOT NULL,
    created_at DATETIME NOT NULL
);

-- Complaints, with their own code and flow: received → answered → closed.
CREATE TABLE apply_complaints (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    case_id     INTEGER NOT NULL REFERENCES apply_cases (id),
    state       TEXT NOT NULL,
    text        TEXT NOT NULL,
    answer      TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL
);
CREATE INDEX apply_complaints_case ON apply_complaints (case_id);

-- +goose Down
DROP TABLE apply_complaints;
DROP TABLE apply_feedback;
DROP TABLE apply_sandbox_payments;
DROP TABLE apply_payment_callbacks;
DROP TABLE apply_payments;
DROP TABLE apply_evidence;
DROP TABLE apply_uploads;
DROP TABLE apply_cases;
DROP TABLE apply_drafts;
