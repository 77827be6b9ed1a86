-- +goose Up
-- The in-app inbox: one row per notice, rendered once at SendTx in Persian
-- and English. recipient is a national code (personal data: never logged)
-- or "agency:CODE".
CREATE TABLE notify_inbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient   TEXT NOT NULL,
    template    TEXT NOT NULL,
    title_fa    TEXT NOT NULL,
    body_fa     TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    body_en     TEXT NOT NULL,
    link        TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    read_at     DATETIME
);
CREATE INDEX notify_inbox_recipient ON notify_inbox (recipient, id);

-- One row per SMS or email to deliver. The destination (a phone number or
-- an email address) is personal data: it lives only here, never in the
-- River job's arguments, an event or a log. last_error is redacted before
-- it is stored.
CREATE TABLE notify_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id   INTEGER NOT NULL REFERENCES notify_inbox (id),
    channel     TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    destination TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    provider    TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    sent_at     DATETIME
);
CREATE INDEX notify_deliveries_notice ON notify_deliveries (notice_id);

-- The demo outbox: what the demo provider "sent". Nothing in it left the
-- machine. One row per notice and channel, so a retried send is not shown
-- twice.
CREATE TABLE notify_outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    notice_id   INTEGER NOT NULL,
    channel     TEXT NOT NULL,
    destination TEXT NOT NULL,
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    UNIQUE (notice_id, channel)
);

-- +goose Down
DROP TABLE notify_outbox;
DROP TABLE notify_deliveries;
DROP TABLE notify_inbox;
