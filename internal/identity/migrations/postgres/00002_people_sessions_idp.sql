-- +goose Up
-- People: everyone who signs in, known by their national code (personal
-- data: never logged). A person's roles beyond citizen come from staff rows.
CREATE TABLE identity_people (
    id            BIGSERIAL PRIMARY KEY,
    national_code TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL
);

-- Staff roles. Agency roles name an agency; the platform-wide roles
-- (overseer, platform_admin) have agency ''.
CREATE TABLE identity_staff (
    person_id  BIGINT NOT NULL REFERENCES identity_people (id),
    agency     TEXT NOT NULL,
    role       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (person_id, agency, role)
);
CREATE INDEX identity_staff_agency ON identity_staff (agency);

-- Server-side sessions. Only the SHA-256 digest of the token is kept.
CREATE TABLE identity_sessions (
    id           BIGSERIAL PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    person_id    BIGINT NOT NULL REFERENCES identity_people (id),
    created_at   TIMESTAMPTZ NOT NULL,
    last_seen_at TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX identity_sessions_person ON identity_sessions (person_id);

-- Secrets the platform makes for itself once (cookie signing keys, the demo
-- provider's client secret), shared by every node through the database.
CREATE TABLE identity_secrets (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- The demo identity provider's state. Its signing key is made once.
CREATE TABLE identity_idp_keys (
    kid         TEXT PRIMARY KEY,
    purpose     TEXT NOT NULL UNIQUE,
    algorithm   TEXT NOT NULL,
    private_der TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE identity_idp_auth_requests (
    id                    TEXT PRIMARY KEY,
    client_id             TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    state                 TEXT NOT NULL DEFAULT '',
    nonce                 TEXT NOT NULL DEFAULT '',
    scopes                TEXT NOT NULL DEFAULT '',
    response_type         TEXT NOT NULL,
    response_mode         TEXT NOT NULL DEFAULT '',
    code_challenge        TEXT NOT NULL DEFAULT '',
    code_challenge_method TEXT NOT NULL DEFAULT '',
    created_at            TIMESTAMPTZ NOT NULL,
    expires_at            TIMESTAMPTZ NOT NULL,
    national_code         TEXT NOT NULL DEFAULT '',
    otp_hash              TEXT NOT NULL DEFAULT '',
    otp_expires_at        TIMESTAMPTZ,
    otp_attempts          INTEGER NOT NULL DEFAULT 0,
    done                  BOOLEAN NOT NULL DEFAULT FALSE,
    auth_time             TIMESTAMPTZ
);
CREATE INDEX identity_idp_auth_requests_expires ON identity_idp_auth_requests (expires_at);

CREATE TABLE identity_idp_codes (
    code_hash       TEXT PRIMARY KEY,
    auth_request_id TEXT NOT NULL REFERENCES identity_idp_auth_requests (id) ON DELETE CASCADE,
    expires_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE identity_idp_tokens (
    id            TEXT PRIMARY KEY,
    client_id     TEXT NOT NULL,
    subject       TEXT NOT NULL,
    national_code TEXT NOT NULL,
    audience      TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    revoked_at    TIMESTAMPTZ
);
CREATE INDEX identity_idp_tokens_subject ON identity_idp_tokens (subject, client_id);

-- +goose Down
DROP TABLE identity_idp_tokens;
DROP TABLE identity_idp_codes;
DROP TABLE identity_idp_auth_requests;
DROP TABLE identity_idp_keys;
DROP TABLE identity_secrets;
DROP TABLE identity_sessions;
DROP TABLE identity_staff;
DROP TABLE identity_people;
