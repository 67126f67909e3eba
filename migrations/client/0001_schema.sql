-- Citizens Connect client store, schema 1. Released: never edit; add a new numbered file.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- One Automerge document per record.
CREATE TABLE documents (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('grievance', 'session', 'agency', 'article')),
    snapshot     BLOB NOT NULL,
    heads        BLOB NOT NULL,
    synced_heads BLOB,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX documents_kind ON documents (kind);

-- Local changes not yet pushed, written in the same transaction as the edit.
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id     TEXT NOT NULL REFERENCES documents (id),
    kind       TEXT NOT NULL,
    change     BLOB NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_doc ON outbox (doc_id);

-- Reference-code sequences, per state, on this device.
CREATE TABLE counters (
    state TEXT PRIMARY KEY,
    last  INTEGER NOT NULL
) STRICT;

CREATE TABLE states (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

CREATE TABLE lgas (
    state_code TEXT NOT NULL REFERENCES states (code),
    name       TEXT NOT NULL,
    PRIMARY KEY (state_code, name)
) STRICT;

-- Projections: what lists, filters and search read. Rebuilt from documents at any time.
CREATE TABLE grievances (
    id           TEXT PRIMARY KEY,
    reference    TEXT NOT NULL,
    kind         TEXT NOT NULL,
    category     TEXT NOT NULL,
    subcategory  TEXT,
    agency_id    TEXT,
    state        TEXT NOT NULL,
    lga          TEXT NOT NULL,
    ward         TEXT,
    title        TEXT NOT NULL,
    status       TEXT NOT NULL,
    conflict     INTEGER NOT NULL,
    priority     TEXT NOT NULL,
    assignee     TEXT,
    session_id   TEXT,
    form_number  TEXT,
    channel      TEXT NOT NULL,
    occurred_on  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    sla_due      TEXT,
    sealed       INTEGER NOT NULL,
    anonymous    INTEGER NOT NULL,
    created_by   TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX grievances_reference ON grievances (reference);
CREATE INDEX grievances_created ON grievances (created_at);
CREATE INDEX grievances_status ON grievances (status, created_at);
CREATE INDEX grievances_place ON grievances (state, lga, created_at);
CREATE INDEX grievances_agency ON grievances (agency_id, created_at);
CREATE INDEX grievances_assignee ON grievances (assignee, created_at);
CREATE INDEX grievances_session ON grievances (session_id);
CREATE INDEX grievances_due ON grievances (sla_due);

-- Full-text search; rowid = grievances.rowid. Diacritics folded (Yoruba, Hausa hooked letters).
CREATE VIRTUAL TABLE grievance_fts USING fts5 (
    reference, title, narrative, place, notes,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    date        TEXT NOT NULL,
    venue       TEXT NOT NULL,
    state       TEXT NOT NULL,
    lga         TEXT NOT NULL,
    total       INTEGER NOT NULL,
    women       INTEGER NOT NULL,
    men         INTEGER NOT NULL,
    pwd         INTEGER NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_date ON sessions (date);

CREATE TABLE commitments (
    id         TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    official   TEXT NOT NULL,
    office     TEXT NOT NULL,
    agency_id  TEXT,
    promise    TEXT NOT NULL,
    due        TEXT,
    status     TEXT NOT NULL
) STRICT;
CREATE INDEX commitments_session ON commitments (session_id);
CREATE INDEX commitments_due ON commitments (status, due);

CREATE TABLE agencies (
    id         TEXT PRIMARY KEY,
    short_name TEXT NOT NULL,
    name       TEXT NOT NULL,
    level      TEXT NOT NULL,
    state      TEXT,
    categories TEXT NOT NULL
) STRICT;
CREATE UNIQUE INDEX agencies_short_name ON agencies (short_name COLLATE NOCASE);

CREATE TABLE articles (
    id    TEXT PRIMARY KEY,
    slug  TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL
) STRICT;
