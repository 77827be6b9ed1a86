-- +goose Up
-- The ledger: every event is a leaf of an RFC 6962 Merkle tree, in the
-- order the sealer saw the events commit. idx is the leaf's position in the
-- tree; hash is the RFC 6962 leaf hash of the event's canonical encoding.
CREATE TABLE ledger_leaves (
    idx       INTEGER PRIMARY KEY,
    event_id  INTEGER NOT NULL UNIQUE,
    hash      BLOB NOT NULL,
    sealed_at DATETIME NOT NULL
);

-- The roots of perfect subtrees of height 8 and more (256 leaves and
-- more). Lower nodes are recomputed from at most 256 leaves when a proof
-- needs them, so the table holds under 1% as many rows as the tree has
-- leaves while every proof still reads O(log n) rows.
CREATE TABLE ledger_nodes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- The tree as the sealer left it: its size and root, the compact range
-- of [0, size) (the roots of its perfect subtrees, left to right, 32
-- bytes each), and the highest event id below which every event is
-- sealed or recorded as a gap. One row.
CREATE TABLE ledger_state (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    size           INTEGER NOT NULL,
    root           BLOB NOT NULL,
    frontier       BLOB NOT NULL,
    sealed_through INTEGER NOT NULL
);
INSERT INTO ledger_state (id, size, root, frontier, sealed_through)
VALUES (1, 0, x'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', x'', 0);

-- Every signed checkpoint: a C2SP signed note over origin, size and root.
CREATE TABLE ledger_checkpoints (
    size      INTEGER PRIMARY KEY,
    root      BLOB NOT NULL,
    note      TEXT NOT NULL,
    signed_at DATETIME NOT NULL
);

-- Event ids that were missing when the sealer passed them (a transaction
-- that rolled back after taking its ids, or one that had not committed
-- yet). An event that commits later with such an id is sealed then, at
-- the end of the tree, if it appears within the recheck window.
CREATE TABLE ledger_gaps (
    first_id   INTEGER PRIMARY KEY,
    last_id    INTEGER NOT NULL,
    noticed_at DATETIME NOT NULL
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
    created_at DATETIME NOT NULL,
    retired_at DATETIME
);
CREATE UNIQUE INDEX ledger_keys_active ON ledger_keys (active) WHERE active;

-- +goose Down
DROP TABLE ledger_keys;
DROP TABLE ledger_gaps;
DROP TABLE ledger_checkpoints;
DROP TABLE ledger_state;
DROP TABLE ledger_nodes;
DROP TABLE ledger_leaves;
