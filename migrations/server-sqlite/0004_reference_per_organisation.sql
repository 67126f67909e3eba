-- Schema 4: an organisation's edits to shared reference data (agencies, articles, the rulebook)
-- are its own. The shipped document stays the common base; an organisation's changes to it live
-- in its own copy (org_reference) and in change-log rows marked with it, and reach only its
-- devices. Reference records an organisation creates belong to it (docs.org_id). Changes made
-- before this schema stay shared. Never edit; add a new file.
CREATE TABLE org_reference (
    org_id   INTEGER NOT NULL REFERENCES orgs (id),
    doc_id   TEXT NOT NULL REFERENCES docs (id),
    snapshot BLOB NOT NULL,
    PRIMARY KEY (org_id, doc_id)
) STRICT;
ALTER TABLE change_log ADD COLUMN org_id INTEGER REFERENCES orgs (id);

-- Assignment by person id: the case names its case worker; the server keeps whose that is.
ALTER TABLE docs ADD COLUMN assignee_person TEXT REFERENCES people (id);
UPDATE docs SET assignee_person =
    (SELECT p.id FROM people p WHERE p.org_id = docs.org_id AND p.name = docs.assignee)
    WHERE assignee IS NOT NULL;
CREATE INDEX docs_assignee_person ON docs (org_id, assignee_person);
