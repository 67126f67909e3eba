-- Schema 8: the agency desk. Agencies' liaison officers sign in (a passphrase and a second
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
    org_id          INTEGER NOT NULL REFERENCES orgs (id),
    agency          TEXT NOT NULL,
    name            TEXT NOT NULL,
    login           TEXT NOT NULL UNIQUE,
    code_hash       BLOB NOT NULL UNIQUE,
    code_expires_at INTEGER NOT NULL,
    passphrase      TEXT,
    totp_secret     BLOB,
    active          INTEGER NOT NULL,
    totp_step       INTEGER NOT NULL,
    failures        INTEGER NOT NULL,
    locked_until    INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER,
    phone_hash      BLOB UNIQUE
) STRICT;

CREATE TABLE desk_sessions (
    hash       BLOB PRIMARY KEY,
    officer_id TEXT NOT NULL REFERENCES desk_officers (id),
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX desk_sessions_officer ON desk_sessions (officer_id);
