-- +goose Up
-- The exchange registry. exchange owns every table prefixed exchange_;
-- nothing else writes them. Each change also appends an event (store's rule).
-- No table holds the payload of an inquiry.

-- Members: agencies and other organisations (class GOV, COM, NGO).
CREATE TABLE exchange_members (
    class      TEXT NOT NULL,
    code       TEXT NOT NULL,
    name_fa    TEXT NOT NULL,
    name_en    TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (class, code)
);

-- Subsystems: the information systems of members. id is the full
-- identifier INSTANCE/CLASS/MEMBER/SUBSYSTEM.
CREATE TABLE exchange_subsystems (
    id         TEXT PRIMARY KEY,
    instance   TEXT NOT NULL,
    class      TEXT NOT NULL,
    member     TEXT NOT NULL,
    code       TEXT NOT NULL,
    name_fa    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (class, member) REFERENCES exchange_members (class, code)
);
CREATE INDEX exchange_subsystems_member ON exchange_subsystems (class, member);

-- Data services; current names the version the gateway uses.
CREATE TABLE exchange_services (
    id         TEXT PRIMARY KEY,
    provider   TEXT NOT NULL REFERENCES exchange_subsystems (id),
    code       TEXT NOT NULL,
    current    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX exchange_services_provider ON exchange_services (provider);

-- Every version of every service, kept: its OpenAPI description, its back
-- end and its endpoints (JSON [{"method":..,"path":..}]).
CREATE TABLE exchange_service_versions (
    service     TEXT NOT NULL REFERENCES exchange_services (id),
    version     TEXT NOT NULL,
    title_fa    TEXT NOT NULL,
    title_en    TEXT NOT NULL DEFAULT '',
    openapi     TEXT NOT NULL,
    backend_url TEXT NOT NULL,
    personal    BOOLEAN NOT NULL,
    endpoints   TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (service, version)
);

-- Access rights, granted by the provider's agency. method and path are ''
-- for a right to the whole service; legal_basis '' means consent is required.
CREATE TABLE exchange_rights (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service     TEXT NOT NULL REFERENCES exchange_services (id),
    provider    TEXT NOT NULL,
    method      TEXT NOT NULL DEFAULT '',
    path        TEXT NOT NULL DEFAULT '',
    client      TEXT NOT NULL REFERENCES exchange_subsystems (id),
    legal_basis TEXT NOT NULL DEFAULT '',
    granted_by  TEXT NOT NULL,
    granted_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    revoked_by  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX exchange_rights_service_client ON exchange_rights (service, client);
CREATE INDEX exchange_rights_provider ON exchange_rights (provider);

-- Citizens' consents. subject is a national code: personal data.
CREATE TABLE exchange_consents (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject      TEXT NOT NULL,
    client       TEXT NOT NULL REFERENCES exchange_subsystems (id),
    service      TEXT NOT NULL REFERENCES exchange_services (id),
    purpose      TEXT NOT NULL,
    given_at     TIMESTAMPTZ NOT NULL,
    until        TIMESTAMPTZ NOT NULL,
    withdrawn_at TIMESTAMPTZ
);
CREATE INDEX exchange_consents_lookup ON exchange_consents (subject, client, service);

-- Subsystem client certificates issued by the platform CA. The private key
-- is given to the subsystem once and never stored.
CREATE TABLE exchange_certificates (
    serial     TEXT PRIMARY KEY,
    subsystem  TEXT NOT NULL REFERENCES exchange_subsystems (id),
    not_before TIMESTAMPTZ NOT NULL,
    not_after  TIMESTAMPTZ NOT NULL,
    cert_pem   TEXT NOT NULL,
    issued_by  TEXT NOT NULL,
    revoked_at TIMESTAMPTZ,
    reason     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX exchange_certificates_subsystem ON exchange_certificates (subsystem);

-- The platform root: one row (id = 1), so that two nodes starting together
-- cannot both create a root. A real deployment keeps the root key offline
-- or in an HSM and loads only an intermediate here.
CREATE TABLE exchange_ca (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    cert_pem   TEXT NOT NULL,
    key_pem    TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE exchange_ca;
DROP TABLE exchange_certificates;
DROP TABLE exchange_consents;
DROP TABLE exchange_rights;
DROP TABLE exchange_service_versions;
DROP TABLE exchange_services;
DROP TABLE exchange_subsystems;
DROP TABLE exchange_members;
