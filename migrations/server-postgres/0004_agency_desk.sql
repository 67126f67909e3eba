-- Schema 4: the agency desk. Agencies' liaison officers sign in (a passphrase and a second
-- factor) to answer the cases forwarded to their agency; a phone registered for one (its keyed
-- hash) acknowledges by SMS. A case notes the agency it was
-- forwarded to (`forwarded_to`: NULL until noted, at start, for cases stored before; '' when
-- none). Never edit; add a new file.
ALTER TABLE docs ADD COLUMN forwarded_to TEXT;
CREATE INDEX docs_forwarded_to ON docs (org_id, forwarded_to);
-- The cases still to note at start: none after the first, found without reading every case.
CREATE INDEX docs_forwarded_unknown ON docs (id) WHERE kind = 'grievance' AND forwarded_to IS NULL;

CREATE TABLE desk_officers (
    id              TEXT PRIMARY KEY,
    org_id          BIGINT NOT NULL REFERENCES orgs (id),
    agency          TEXT NOT NULL,
    name            TEXT NOT NULL,
    login           TEXT NOT NULL UNIQUE,
    code_hash       BYTEA NOT NULL UNIQUE,
    code_expires_at BIGINT NOT NULL,
    passphrase      TEXT,
    totp_secret     BYTEA,
    active          BOOLEAN NOT NULL,
    totp_step       BIGINT NOT NULL,
    failures        BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL,
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT,
    phone_hash      BYTEA UNIQUE
);

CREATE TABLE desk_sessions (
    hash       BYTEA PRIMARY KEY,
    officer_id TEXT NOT NULL REFERENCES desk_officers (id),
    created_at BIGINT NOT NULL,
    seen_at    BIGINT NOT NULL
);
CREATE INDEX desk_sessions_officer ON desk_sessions (officer_id);
