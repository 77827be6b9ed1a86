-- +goose Up
-- The city a case belongs to (a catalogue region code such as "YZD-01"),
-- chosen by the applicant at submission or taken from the address the
-- rules fetched; '' when unknown. Its events carry it, so that figures can
-- be counted by province and city.
ALTER TABLE apply_cases ADD COLUMN region TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE apply_cases DROP COLUMN region;
