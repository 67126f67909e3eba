-- Which records reference which attachments, so a device may fetch only attachments of records it sees.
CREATE TABLE doc_blobs (
    doc_id TEXT NOT NULL REFERENCES docs (id),
    sha256 TEXT NOT NULL,
    PRIMARY KEY (sha256, doc_id)
) STRICT;
