-- Schema 6: paper complaint form numbers this laptop has issued for printing (the town-hall
-- kit). Each is `F-{device code}-{seq}`: the device code is this laptop's own, so two laptops
-- never issue the same number, and `seq` only grows. A number is used once a case names it as
-- its form number. Never edit; add a new file.
CREATE TABLE form_numbers (
    seq INTEGER PRIMARY KEY CHECK (seq > 0),
    number TEXT NOT NULL UNIQUE,
    session_id TEXT,
    reserved_at INTEGER NOT NULL
);
CREATE INDEX grievances_form_number ON grievances (form_number);
