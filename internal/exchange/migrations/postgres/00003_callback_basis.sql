-- +goose Up
-- Each subsystem registers the base URL its asynchronous answers may be
-- POSTed to; the gateway accepts a Panjare-Callback only under it, so a
-- client cannot make the platform call an address of its choosing.
ALTER TABLE exchange_subsystems ADD COLUMN callback_url TEXT NOT NULL DEFAULT '';

-- What allowed each inquiry, recorded when it was made: the access right,
-- the consent (0 when a legal basis allowed it) and the basis text (the
-- right's legal basis, or "consent"). The data tracker reads these instead
-- of reconstructing them from rights that may have changed since.
ALTER TABLE exchange_messages ADD COLUMN right_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE exchange_messages ADD COLUMN consent_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE exchange_messages ADD COLUMN basis TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE exchange_messages DROP COLUMN basis;
ALTER TABLE exchange_messages DROP COLUMN consent_id;
ALTER TABLE exchange_messages DROP COLUMN right_id;
ALTER TABLE exchange_subsystems DROP COLUMN callback_url;
