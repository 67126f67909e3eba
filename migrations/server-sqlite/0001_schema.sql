-- Citizens Connect sync server (SQLite backend), schema 1. Never edit; add a new file.

CREATE TABLE orgs (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL,
    checksum   BLOB NOT NULL
) STRICT;

CREATE TABLE enrolment_codes (
    code_hash  BLOB PRIMARY KEY,
    org_id     INTEGER NOT NULL REFERENCES orgs (id),
    role       TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES orgs (id),
    role        TEXT NOT NULL,
    user        TEXT NOT NULL,
    name        TEXT NOT NULL,
    device_code TEXT NOT NULL UNIQUE,
    secret_hash BLOB NOT NULL,
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER,
    revoked_at  INTEGER
) STRICT;

CREATE TABLE tokens (
    hash       BLOB PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES devices (id),
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX tokens_device ON tokens (device_id);

-- One row per record: its document, its scope and its checksum digest.
CREATE TABLE docs (
    id             TEXT PRIMARY KEY,
    kind           TEXT NOT NULL,
    org_id         INTEGER REFERENCES orgs (id),
    creator_device TEXT,
    assignee       TEXT,
    snapshot       BLOB NOT NULL,
    heads          BLOB NOT NULL,
    digest         BLOB NOT NULL
) STRICT;
CREATE INDEX docs_scope ON docs (org_id, creator_device);

CREATE TABLE change_log (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id        TEXT NOT NULL REFERENCES docs (id),
    hash          BLOB NOT NULL UNIQUE,
    change        BLOB NOT NULL,
    origin_device TEXT NOT NULL
) STRICT;
CREATE INDEX change_log_doc ON change_log (doc_id);

-- Stored answers, so a replayed batch gets the same answer and changes nothing.
CREATE TABLE batches (
    device_id TEXT NOT NULL,
    batch_id  TEXT NOT NULL,
    response  BLOB NOT NULL,
    at        INTEGER NOT NULL,
    PRIMARY KEY (device_id, batch_id)
) STRICT;
