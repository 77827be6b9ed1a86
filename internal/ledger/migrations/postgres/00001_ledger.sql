-- +goose Up
-- The ledger: every event is a leaf of an RFC 6962 Merkle tree, in the
-- order the sealer saw the events commit. idx is the leaf's position in the
-- tree; hash is the RFC 6962 leaf hash of the event's canonical encoding.
CREATE TABLE ledger_leaves (
    idx       BIGINT PRIMARY KEY,
    event_id  BIGINT NOT NULL UNIQUE,
    hash      BYTEA NOT NULL,
    sealed_at TIMESTAMPTZ NOT NULL
);

-- The roots of perfect subtrees of height 8 and more (256 leaves and
-- more). Lower nodes are recomputed from at most 256 leaves when a proof
-- needs them, so the table holds under 1% as many rows as the tree has
-- leaves while every proof still reads O(log n) rows.
CREATE TABLE ledger_nodes (
    level SMALLINT NOT NULL,
    idx   BIGINT NOT NULL,
    hash  BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

-- The tree as the sealer left it: its size and root, the compact range
-- of [0, size) (the roots of its perfect subtrees, left to right, 32
-- bytes each), and the highest event id below which every event is
-- sealed or recorded as a gap. One row.
CREATE TABLE ledger_state (
    id             SMALLINT PRIMARY KEY CHECK (id = 1),
    size           BIGINT NOT NULL,
    root           BYTEA NOT NULL,
    frontier       BYTEA NOT NULL,
    sealed_through BIGINT NOT NULL
);
INSERT INTO ledger_state (id, size, root, frontier, sealed_through)
VALUES (1, 0, '\xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'::bytea, ''::bytea, 0);

-- Every signed checkpoint: a C2SP signed note over origin, size and root.
CREATE TABLE ledger_checkpoints (
    size      BIGINT PRIMARY KEY,
    root      BYTEA NOT NULL,
    note      TEXT NOT NULL,
    signed_at TIMESTAMPTZ NOT NULL
);

-- Event ids that were missing when the sealer passed them (a transaction
-- that rolled back after taking its ids, or one that had not committed
-- yet). An event that commits later with such an id is sealed then, at
-- the end of the tree, if it appears within the recheck window.
CREATE TABLE ledger_gaps (
    first_id   BIGINT PRIMARY KEY,
    last_id    BIGINT NOT NULL,
    noticed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ledger_gaps_noticed ON ledger_gaps (noticed_at);

-- The checkpoint signing key (Ed25519, as golang.org/x/mod/sumdb/note
-- encodes it). One active key; retired keys stay so that old checkpoints
-- keep verifying.
CREATE TABLE ledger_keys (
    kid        TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    vkey       TEXT NOT NULL,
    skey       TEXT NOT NULL,
    active     BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    retired_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX ledger_keys_active ON ledger_keys (active) WHERE active;

-- +goose Down
DROP TABLE ledger_keys;
DROP TABLE ledger_gaps;
DROP TABLE ledger_checkpoints;
DROP TABLE ledger_state;
DROP TABLE ledger_nodes;
DROP TABLE ledger_leaves;
