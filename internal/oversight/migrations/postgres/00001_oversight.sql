-- +goose Up
-- The monthly oversight reports. oversight owns every table prefixed
-- oversight_. A row is written once, when its month's report is built, in
-- the transaction that appends oversight.report.published with the same
-- digests; the month is the key, so two nodes building the same month at
-- once leave one report and one event.
CREATE TABLE oversight_reports (
    month          TEXT PRIMARY KEY,   -- Jalali "1404-07"
    html           BYTEA NOT NULL,       -- the self-contained Persian page
    pdf            BYTEA NOT NULL,
    figures        BYTEA NOT NULL,       -- the figures document (JSON) the report was built from
    signature      TEXT NOT NULL,      -- signed note over the digests (see docs/oversight.md)
    html_sha256    TEXT NOT NULL,
    pdf_sha256     TEXT NOT NULL,
    figures_sha256 TEXT NOT NULL,
    built_at       TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE oversight_reports;
