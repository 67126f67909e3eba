-- Schema 4: changes the server refused for one record (not this person's to change, reference
-- data, another person's writer id, a clashing history). They wait here, shown on the Sync
-- screen with the server's reason, while the rest of the outbox keeps moving; each sync offers
-- them once more (a case reassigned back is then accepted). Never edit; add a new file.
CREATE TABLE set_aside (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id     TEXT NOT NULL REFERENCES documents (id),
    kind       TEXT NOT NULL,
    change     BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    code       TEXT NOT NULL,
    reason     TEXT NOT NULL
) STRICT;
CREATE INDEX set_aside_doc ON set_aside (doc_id);

-- Records from elsewhere this laptop could not apply (a clash with a record here, such as an
-- agency short name another organisation reused). Sync goes on without them; they are shown on
-- the Sync screen, and tried again whenever they arrive again.
CREATE TABLE held_back (
    doc_id TEXT PRIMARY KEY,
    kind   TEXT NOT NULL,
    reason TEXT NOT NULL
) STRICT;

-- Which cases hold which attachment (the projection writes it), so opening a sealed attachment
-- is recorded on its case.
CREATE TABLE case_attachments (
    sha256 TEXT NOT NULL,
    doc_id TEXT NOT NULL REFERENCES documents (id),
    PRIMARY KEY (sha256, doc_id)
) STRICT, WITHOUT ROWID;

-- Two cases may carry the same reference code (two laptops drew the same device code before
-- enrolment): each then shows it with the end of its own id, on every laptop alike.
ALTER TABLE grievances ADD COLUMN doc_reference TEXT;
UPDATE grievances SET doc_reference = reference;
CREATE INDEX grievances_doc_reference ON grievances (doc_reference);
