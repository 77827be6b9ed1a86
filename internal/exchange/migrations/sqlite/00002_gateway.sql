-- +goose Up
-- The gateway's tables. The message log keeps metadata and SHA-256 digests of
-- every exchange, never a byte of a request or response body: the data stays
-- with the provider. Each row is written in the same transaction as its
-- exchange.inquiry event, so the ledger seals it.
CREATE TABLE exchange_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      TEXT NOT NULL,
    at              DATETIME NOT NULL,
    client          TEXT NOT NULL,
    client_member   TEXT NOT NULL,
    provider        TEXT NOT NULL,
    provider_member TEXT NOT NULL,
    service         TEXT NOT NULL,
    method          TEXT NOT NULL,
    path            TEXT NOT NULL,               -- the rest path with the subject replaced by {subject}; never the query
    purpose         TEXT NOT NULL DEFAULT '',
    issue           TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',    -- national code; personal data: never logged elsewhere
    status          INTEGER NOT NULL,
    error           TEXT NOT NULL DEFAULT '',    -- a Code* constant when the gateway refused or failed
    latency_ms      REAL NOT NULL,
    request_digest  TEXT NOT NULL DEFAULT '',
    response_digest TEXT NOT NULL DEFAULT '',
    request_bytes   INTEGER NOT NULL DEFAULT 0,
    response_bytes  INTEGER NOT NULL DEFAULT 0,
    signature       TEXT NOT NULL DEFAULT '',
    signed_at       DATETIME,
    async           BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX exchange_messages_subject ON exchange_messages (subject, id) WHERE subject <> '';
CREATE INDEX exchange_messages_client ON exchange_messages (client_member, id);
CREATE INDEX exchange_messages_provider ON exchange_messages (provider_member, id);
CREATE INDEX exchange_messages_at ON exchange_messages (at);
CREATE INDEX exchange_messages_message ON exchange_messages (message_id);

-- The platform's Ed25519 signing key: exactly one row (id = 1), created on
-- first start. A real deployment keeps it in an HSM or a key service.
CREATE TABLE exchange_keys (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    algorithm   TEXT NOT NULL,
    public_key  BLOB NOT NULL,
    private_key BLOB NOT NULL,
    created_at  DATETIME NOT NULL
);

-- Asynchronous inquiries: queued when the provider was down, delivered by a
-- River job. The provider's answer (body) is the one place the platform holds
-- a payload: only until the client fetches it, or 24 hours, whichever comes
-- first.
CREATE TABLE exchange_async (
    message_id      TEXT PRIMARY KEY,
    client          TEXT NOT NULL,
    service         TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'done', 'failed', 'fetched', 'expired')),
    callback        TEXT NOT NULL DEFAULT '',
    status          INTEGER NOT NULL DEFAULT 0,
    header          TEXT NOT NULL DEFAULT '{}',
    body            BLOB,
    request_digest  TEXT NOT NULL DEFAULT '',
    response_digest TEXT NOT NULL DEFAULT '',
    signature       TEXT NOT NULL DEFAULT '',
    signed_at       DATETIME,
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      DATETIME NOT NULL,
    done_at         DATETIME
);
CREATE INDEX exchange_async_done ON exchange_async (done_at) WHERE body IS NOT NULL;

-- +goose Down
DROP TABLE exchange_async;
DROP TABLE exchange_keys;
DROP TABLE exchange_messages;
