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
