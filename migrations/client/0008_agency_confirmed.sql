-- Schema 8: whether the agency now responsible acknowledged a case itself, on its desk (an
-- entry the server wrote for the agency's officer), beside what volunteers recorded, for the
-- figures' "of which confirmed by the agency". The store re-projects every case once after
-- this migration (meta 'reproject'). Never edit; add a new file.
ALTER TABLE grievances ADD COLUMN acknowledged_by_agency INTEGER NOT NULL DEFAULT 0;
INSERT INTO meta (key, value) VALUES ('reproject', '1')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
