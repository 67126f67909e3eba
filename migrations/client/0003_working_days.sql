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
