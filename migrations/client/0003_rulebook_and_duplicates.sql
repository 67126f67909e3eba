-- Citizens Connect client store, schema 3. Released: never edit; add a new numbered file.

-- A new kind of record: the organisation's rulebook (routing rules and public holidays).
-- SQLite cannot change a CHECK in place, so the table is rebuilt (the runner turns foreign
-- keys off around migrations and checks them afterwards).
CREATE TABLE documents_new (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL
                 CHECK (kind IN ('grievance', 'session', 'agency', 'article', 'rulebook')),
    snapshot     BLOB NOT NULL,
    heads        BLOB NOT NULL,
    synced_heads BLOB,
    updated_at   INTEGER NOT NULL
) STRICT;
INSERT INTO documents_new (id, kind, snapshot, heads, synced_heads, updated_at)
    SELECT id, kind, snapshot, heads, synced_heads, updated_at FROM documents;
DROP TABLE documents;
ALTER TABLE documents_new RENAME TO documents;
CREATE INDEX documents_kind ON documents (kind);

-- SLA due dates count working days: keep each open case's step start and allowance so a change
-- of public holidays recomputes every due date without reading the documents.
ALTER TABLE grievances ADD COLUMN sla_start TEXT;
ALTER TABLE grievances ADD COLUMN sla_days INTEGER;

-- Projection of the rulebook's public holidays.
CREATE TABLE holidays (
    day  TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

-- Duplicates: which case a case duplicates or was merged into, what each case is compared on,
-- and the suggestions made when a case first arrived here (from capture, sync or a bundle).
ALTER TABLE grievances ADD COLUMN duplicate_of TEXT;
ALTER TABLE grievances ADD COLUMN merged_into TEXT;
CREATE INDEX grievances_merged_into ON grievances (merged_into) WHERE merged_into IS NOT NULL;

-- Clustered by topic and day: the words of a state's cases on one topic within a month, read
-- for every arriving case, sit on a few neighbouring pages.
CREATE TABLE fingerprints (
    state       TEXT NOT NULL,
    category    TEXT NOT NULL,
    day         TEXT NOT NULL,
    id          TEXT NOT NULL UNIQUE,
    lga         TEXT NOT NULL,
    ward        TEXT,
    agency_id   TEXT,
    merged_into TEXT,
    phone       TEXT,
    form_number TEXT,
    words       TEXT NOT NULL,
    PRIMARY KEY (state, category, day, id)
) STRICT, WITHOUT ROWID;
CREATE INDEX fingerprints_place ON fingerprints (state, lga, category, day);
CREATE INDEX fingerprints_phone ON fingerprints (phone) WHERE phone IS NOT NULL;
CREATE INDEX fingerprints_form ON fingerprints (form_number) WHERE form_number IS NOT NULL;

-- Cases that arrived and are not yet compared (the pass runs after capture, import and sync).
CREATE TABLE duplicate_queue (
    seq INTEGER PRIMARY KEY,
    id  TEXT NOT NULL UNIQUE
) STRICT;

-- A pair is stored once: case_id is the case that arrived later.
CREATE TABLE duplicate_suggestions (
    case_id    TEXT NOT NULL,
    other_id   TEXT NOT NULL,
    score      REAL NOT NULL,
    words      REAL NOT NULL,
    days_apart INTEGER NOT NULL,
    reasons    TEXT NOT NULL,
    dismissed  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (case_id, other_id)
) STRICT;
CREATE INDEX duplicate_suggestions_other ON duplicate_suggestions (other_id);
