-- +goose Up
-- API clients: agency back-office systems that call the agency API. Only a
-- SHA-256 digest of each key is kept; the key itself is shown once, at issue.
CREATE TABLE identity_api_clients (
    id         BIGSERIAL PRIMARY KEY,
    agency     TEXT NOT NULL,
    name       TEXT NOT NULL,
    key_prefix TEXT NOT NULL UNIQUE,
    key_hash   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX identity_api_clients_agency ON identity_api_clients (agency);

-- +goose Down
DROP TABLE identity_api_clients;
