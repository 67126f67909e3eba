-- Schema 7: how the organisation's public face took a case in (web, sms, whatsapp, open311;
-- none for a volunteer's capture), for the triage queue: the public's cases nobody has looked
-- at yet. Cases that arrive after this migration are projected with it; none came before.
-- Never edit; add a new file.
ALTER TABLE grievances ADD COLUMN intake TEXT;
CREATE INDEX grievances_triage ON grievances (created_at) WHERE intake IS NOT NULL AND status = 'new';
