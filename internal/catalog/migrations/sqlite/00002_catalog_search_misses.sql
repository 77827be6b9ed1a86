-- +goose Up
-- Searches that found nothing, counted per day (UTC) by their normalised
-- text: what the catalogue lacks or the words it does not know. Nothing about
-- who searched is kept. catalog.FlushMisses bounds it: at most 1000 texts a
-- day, 90 days.
CREATE TABLE catalog_search_misses (
    day   TEXT NOT NULL,
    query TEXT NOT NULL,
    count INTEGER NOT NULL CHECK (count > 0),
    PRIMARY KEY (day, query)
);

-- +goose Down
DROP TABLE catalog_search_misses;
