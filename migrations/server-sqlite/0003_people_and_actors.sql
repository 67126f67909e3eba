-- Schema 3: people. A device belongs to the person its coordinator named on the enrolment code
-- (the device cannot choose); records belong to people, so ownership survives a new laptop or
-- a re-enrolment; each device declares the Automerge actor it writes with, and no other
-- person's device may add changes under it. Never edit; add a new file.

CREATE TABLE people (
    id     TEXT PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    name   TEXT NOT NULL,
    UNIQUE (org_id, name)
) STRICT;

-- Devices enrolled before people existed: one person per organisation and typed name.
INSERT INTO people (id, org_id, name)
    SELECT lower(hex(randomblob(16))), org_id, user FROM devices GROUP BY org_id, user;

ALTER TABLE enrolment_codes ADD COLUMN person_id TEXT REFERENCES people (id);
ALTER TABLE devices ADD COLUMN person_id TEXT REFERENCES people (id);
UPDATE devices SET person_id =
    (SELECT p.id FROM people p WHERE p.org_id = devices.org_id AND p.name = devices.user);
ALTER TABLE devices ADD COLUMN actor TEXT;
-- The code a device enrolled with, so the same laptop repeating its enrolment after a lost
-- answer (same code, actor and device secret) gets the same device instead of a burnt code.
ALTER TABLE devices ADD COLUMN code_hash BLOB;
CREATE UNIQUE INDEX devices_actor ON devices (actor) WHERE actor IS NOT NULL;

ALTER TABLE docs ADD COLUMN creator_person TEXT;
UPDATE docs SET creator_person =
    (SELECT person_id FROM devices WHERE devices.id = docs.creator_device);
CREATE INDEX docs_person ON docs (org_id, creator_person);
