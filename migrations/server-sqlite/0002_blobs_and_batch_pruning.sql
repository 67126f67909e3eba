-- Which records reference which attachments, so a device may fetch only attachments of records it sees.
CREATE TABLE doc_blobs (
    doc_id TEXT NOT NULL REFERENCES docs (id),
    sha256 TEXT NOT NULL,
    PRIMARY KEY (sha256, doc_id)
) STRICT;

-- Stored answers are kept a week: long enough for any retry; replays after that are harmless
-- anyway, because changes are logged by hash.
CREATE INDEX batches_at ON batches (at);
