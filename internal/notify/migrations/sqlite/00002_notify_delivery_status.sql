-- +goose Up
-- What the inbox shows of each SMS and email. error_class is the kind of
-- the last failure (timeout, unreachable, refused, rejected, malformed,
-- auth, other) in words a citizen can be shown; last_error keeps the
-- provider's redacted text for operators. delivered_at is set when the
-- provider reports that the message reached the phone or mailbox;
-- report is the provider's last delivery report (such as "undelivered").
ALTER TABLE notify_deliveries ADD COLUMN error_class TEXT NOT NULL DEFAULT '';
ALTER TABLE notify_deliveries ADD COLUMN report TEXT NOT NULL DEFAULT '';
ALTER TABLE notify_deliveries ADD COLUMN delivered_at DATETIME;

-- +goose Down
ALTER TABLE notify_deliveries DROP COLUMN delivered_at;
ALTER TABLE notify_deliveries DROP COLUMN report;
ALTER TABLE notify_deliveries DROP COLUMN error_class;
