-- Schema 5: status messages to reporters who asked for them. A subscription holds the phone
-- only while the case is open (the row goes when it ends, or at STOP); a queued message forgets
-- its phone once sent, and what is kept of it (when, which provider) is what the month cost.
-- Never edit; add a new file.
CREATE TABLE update_subscriptions (
    doc_id     TEXT PRIMARY KEY,
    org_id     BIGINT NOT NULL REFERENCES orgs (id),
    phone      TEXT NOT NULL,
    phone_hash BYTEA NOT NULL,
    provider   TEXT NOT NULL,
    lang       TEXT NOT NULL,
    discreet   BOOLEAN NOT NULL,
    told       TEXT NOT NULL,
    day        BIGINT NOT NULL,
    today      BIGINT NOT NULL,
    sent       BIGINT NOT NULL
);
CREATE INDEX update_subscriptions_phone ON update_subscriptions (phone_hash);

CREATE TABLE update_messages (
    id         BIGSERIAL PRIMARY KEY,
    doc_id     TEXT NOT NULL,
    key        TEXT NOT NULL,
    provider   TEXT NOT NULL,
    phone      TEXT,
    lang       TEXT NOT NULL,
    reference  TEXT NOT NULL,
    agency     TEXT,
    created_at BIGINT NOT NULL,
    sent_at    BIGINT,
    UNIQUE (doc_id, key)
);
CREATE INDEX update_messages_pending ON update_messages (id) WHERE sent_at IS NULL;
