-- Schema 7: the transparency page. A coordinator's laptop counts the organisation's public
-- figures (every figure from fewer than 5 cases already withheld) and publishes them at sync;
-- the server checks them again and keeps the latest, as JSON, for its public pages. Never
-- edit; add a new file.
CREATE TABLE published_figures (
    org_id       INTEGER PRIMARY KEY REFERENCES orgs (id),
    figures      TEXT NOT NULL,
    published_at INTEGER NOT NULL
) STRICT;
