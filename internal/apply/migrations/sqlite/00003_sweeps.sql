-- +goose Up
-- Deadlines and evidence retries are found by sweeps over these columns,
-- not by a River job per case: a scheduled job per case would sit in
-- River's table for months, and inserting it was the most expensive part
-- of a submission.

-- next_at: when pending evidence is next asked for; NULL once it is no
-- longer pending or the retries are exhausted.
ALTER TABLE apply_evidence ADD COLUMN next_at DATETIME;
UPDATE apply_evidence SET next_at = updated_at WHERE state = 'pending';
CREATE INDEX apply_evidence_due ON apply_evidence (next_at) WHERE state = 'pending' AND next_at IS NOT NULL;

-- +goose Down
DROP INDEX apply_evidence_due;
ALTER TABLE apply_evidence DROP COLUMN next_at;
