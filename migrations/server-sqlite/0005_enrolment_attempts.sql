-- Schema 5: enrolment attempts per client address and minute, in the database so the rate
-- limit holds across server instances and restarts. Never edit; add a new file.
CREATE TABLE enrolment_attempts (
    client TEXT NOT NULL,
    minute INTEGER NOT NULL,
    count  INTEGER NOT NULL,
    PRIMARY KEY (client, minute)
) STRICT;
