-- Schema 5: each case's milestones with the agency now responsible (citizens_core::milestones)
-- and who reported it, in aggregate only, for the performance and trend reports, which read the
-- projection and never open documents. The store re-projects every case once after this
-- migration (meta 'reproject'), filling the columns for cases captured before it. Never edit;
-- add a new file.
ALTER TABLE grievances ADD COLUMN forwarded_on TEXT;
ALTER TABLE grievances ADD COLUMN acknowledged_on TEXT;
ALTER TABLE grievances ADD COLUMN answered_on TEXT;
ALTER TABLE grievances ADD COLUMN resolved_on TEXT;
ALTER TABLE grievances ADD COLUMN escalations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE grievances ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;
ALTER TABLE grievances ADD COLUMN gender TEXT;
ALTER TABLE grievances ADD COLUMN age_band TEXT;
ALTER TABLE grievances ADD COLUMN disability INTEGER;
INSERT INTO meta (key, value) VALUES ('reproject', '1')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
