-- +goose Up
-- Signed documents. permit owns every table prefixed permit_; nothing else
-- writes them. Each change also appends an event (store's rule).

-- Issuing keys, one active Ed25519 key per agency. Retired keys stay so that
-- the documents they signed still verify (they remain in the JWKS). The
-- private key is kept here for the demo and small deployments; a real
-- deployment keeps it in an HSM and stores only a handle.
CREATE TABLE permit_keys (
    id          BIGSERIAL PRIMARY KEY,
    kid         TEXT NOT NULL UNIQUE,
    agency      TEXT NOT NULL,
    public_key  TEXT NOT NULL,  -- base64url of the 32-byte Ed25519 public key
    private_key TEXT NOT NULL,  -- base64url of the 32-byte seed
    active      BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    retired_at  TIMESTAMPTZ
);
-- At most one active key per agency: two nodes creating an agency's first
-- key race on this index, and the loser re-reads the winner's row.
CREATE UNIQUE INDEX permit_keys_active ON permit_keys (agency) WHERE active;

-- Issued documents with their compact JWS.
CREATE TABLE permit_documents (
    id            TEXT PRIMARY KEY,       -- canonical, without dashes
    agency        TEXT NOT NULL,
    service       TEXT NOT NULL,
    holder        TEXT NOT NULL,          -- national code or company id: personal data
    holder_name   TEXT NOT NULL,
    case_ref      TEXT NOT NULL DEFAULT '',
    kid           TEXT NOT NULL REFERENCES permit_keys (kid),
    claims        TEXT NOT NULL,          -- the signed payload, JSON
    jws           TEXT NOT NULL,
    issued_at     TIMESTAMPTZ NOT NULL,
    valid_from    TIMESTAMPTZ NOT NULL,
    valid_until   TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ,
    revoke_reason TEXT NOT NULL DEFAULT '',
    revoked_by    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX permit_documents_holder ON permit_documents (holder, issued_at);
CREATE INDEX permit_documents_agency ON permit_documents (agency, issued_at);
CREATE INDEX permit_documents_case ON permit_documents (case_ref);

-- +goose Down
DROP TABLE permit_documents;
DROP TABLE permit_keys;
