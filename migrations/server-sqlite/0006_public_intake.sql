-- Schema 6: the public face. Citizens report through the web page, SMS, WhatsApp and Open311;
-- the server files each as a case of its own intake device (one per organisation) and keeps,
-- beside the document, only what it needs to answer: the reference a receipt names, and each
-- provider's message id (so a resent message makes one case) with a keyed hash of the sender
-- (never the number itself; blanked after a day) to join follow-ups within a day; a web or
-- Open311 report keeps no sender at all. The rate-limit counts are no longer only for
-- enrolment. Never edit; add a new file.
ALTER TABLE enrolment_attempts RENAME TO attempts;

CREATE TABLE site_secret (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    secret BLOB NOT NULL
) STRICT;

CREATE TABLE intake_devices (
    org_id   INTEGER PRIMARY KEY REFERENCES orgs (id),
    device_id TEXT NOT NULL REFERENCES devices (id),
    next_seq INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE receipts (
    org_id     INTEGER NOT NULL REFERENCES orgs (id),
    reference  TEXT NOT NULL,
    doc_id     TEXT NOT NULL REFERENCES docs (id),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (org_id, reference)
) STRICT;

CREATE TABLE inbound_messages (
    provider    TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    sender      BLOB NOT NULL,
    doc_id      TEXT REFERENCES docs (id),
    received_at INTEGER NOT NULL,
    PRIMARY KEY (provider, message_id)
) STRICT;
CREATE INDEX inbound_by_sender ON inbound_messages (sender, received_at);
CREATE INDEX inbound_by_time ON inbound_messages (received_at);
