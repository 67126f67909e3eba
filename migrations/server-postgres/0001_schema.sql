-- Citizens Connect sync server (PostgreSQL backend), schema 1: the SQLite backend's schema 5 in
-- PostgreSQL's types. Never edit; add a new file. Run by `citizens-server migrate`.

CREATE TABLE orgs (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    public_key TEXT NOT NULL,
    checksum   BYTEA NOT NULL
);

CREATE TABLE people (
    id     TEXT PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    name   TEXT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE enrolment_codes (
    code_hash  BYTEA PRIMARY KEY,
    org_id     BIGINT NOT NULL REFERENCES orgs (id),
    role       TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT,
    created_at BIGINT NOT NULL,
    person_id  TEXT REFERENCES people (id)
);

CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    org_id      BIGINT NOT NULL REFERENCES orgs (id),
    role        TEXT NOT NULL,
    "user"      TEXT NOT NULL,
    name        TEXT NOT NULL,
    device_code TEXT NOT NULL UNIQUE,
    secret_hash BYTEA NOT NULL,
    created_at  BIGINT NOT NULL,
    last_seen   BIGINT,
    revoked_at  BIGINT,
    person_id   TEXT REFERENCES people (id),
    actor       TEXT UNIQUE,
    code_hash   BYTEA
);

CREATE TABLE tokens (
    hash       BYTEA PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES devices (id),
    expires_at BIGINT NOT NULL
);
CREATE INDEX tokens_device ON tokens (device_id);

-- One row per record: its document, its scope and its checksum digest.
CREATE TABLE docs (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    org_id          BIGINT REFERENCES orgs (id),
    creator_device  TEXT,
    creator_person  TEXT,
    assignee        TEXT,
    assignee_person TEXT REFERENCES people (id),
    snapshot        BYTEA NOT NULL,
    heads           BYTEA NOT NULL,
    digest          BYTEA NOT NULL
);
CREATE INDEX docs_person ON docs (org_id, creator_person);
CREATE INDEX docs_assignee_person ON docs (org_id, assignee_person);
CREATE INDEX docs_assignee ON docs (org_id, assignee);

-- An organisation's own copy of a shared reference record.
CREATE TABLE org_reference (
    org_id   BIGINT NOT NULL REFERENCES orgs (id),
    doc_id   TEXT NOT NULL REFERENCES docs (id),
    snapshot BYTEA NOT NULL,
    PRIMARY KEY (org_id, doc_id)
);

-- The change log. Rows are appended under one advisory lock held to the commit, so the order of
-- seq is the order of commits and a reader paging by seq never skips a row still in flight.
CREATE TABLE change_log (
    seq           BIGSERIAL PRIMARY KEY,
    doc_id        TEXT NOT NULL REFERENCES docs (id),
    hash          BYTEA NOT NULL UNIQUE,
    change        BYTEA NOT NULL,
    origin_device TEXT NOT NULL,
    org_id        BIGINT REFERENCES orgs (id)
);
CREATE INDEX change_log_doc ON change_log (doc_id);

-- Stored answers, so a replayed batch gets the same answer and changes nothing.
CREATE TABLE batches (
    device_id TEXT NOT NULL,
    batch_id  TEXT NOT NULL,
    response  BYTEA NOT NULL,
    at        BIGINT NOT NULL,
    PRIMARY KEY (device_id, batch_id)
);
CREATE INDEX batches_at ON batches (at);

-- Which records reference which attachments.
CREATE TABLE doc_blobs (
    doc_id TEXT NOT NULL REFERENCES docs (id),
    sha256 TEXT NOT NULL,
    PRIMARY KEY (sha256, doc_id)
);

-- Enrolment attempts per client address and minute (the rate limit, shared by every instance).
CREATE TABLE enrolment_attempts (
    client TEXT NOT NULL,
    minute BIGINT NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (client, minute)
);
