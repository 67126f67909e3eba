-- Attachments held on this laptop (encrypted files under blobs/), and whether the server has them.
CREATE TABLE blobs (
    sha256   TEXT PRIMARY KEY,
    size     INTEGER NOT NULL,
    uploaded INTEGER NOT NULL DEFAULT 0
) STRICT;
