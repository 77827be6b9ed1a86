-- +goose Up
-- Each person's choice of channels besides the inbox, and their email
-- address. A row exists only once the person has chosen: without one,
-- notices go as the caller asks (apply: SMS to the form's number).
-- address is used only once confirmed (confirmed_at); an address waiting
-- for its confirmation link is pending_address, and the link's token is
-- kept only as its SHA-256 (pending_token), until pending_expires_at.
-- Addresses are personal data: never logged, never in an event.
CREATE TABLE notify_choices (
    person             TEXT PRIMARY KEY,
    sms                BOOLEAN NOT NULL,
    email              BOOLEAN NOT NULL,
    address            TEXT NOT NULL DEFAULT '',
    confirmed_at       TIMESTAMPTZ,
    pending_address    TEXT NOT NULL DEFAULT '',
    pending_token      TEXT NOT NULL DEFAULT '',
    pending_expires_at TIMESTAMPTZ,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX notify_choices_pending_token ON notify_choices (pending_token);

-- +goose Down
DROP TABLE notify_choices;
