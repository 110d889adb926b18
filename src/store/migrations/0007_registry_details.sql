-- Registry details (issue 4; docs/modules/registry.md): site edits and state reasons, responsible
-- people (N8.1), their training (N8.2), graded protection and rectification (N7.5), third-party
-- service providers and their security reviews (N2.6), periodic qualification re-review (N2.3).
-- Owned by src/registry. Portable SQL (SQLite and PostgreSQL); timestamps are TEXT in RFC 3339 UTC,
-- calendar dates for people (appointed, trained, filed, assessed, due) are TEXT 'YYYY-MM-DD' in
-- Beijing time. Nothing is deleted; rows either never change or only get their end set once.

-- Why a site was suspended, resumed or closed ('' for the earlier steps).
ALTER TABLE site_state_history ADD COLUMN reason TEXT NOT NULL DEFAULT '';

-- Every change of a site's register fields (name, sponsor, address, …), one row per field.
CREATE TABLE site_field_changes (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  field TEXT NOT NULL,
  old_value TEXT NOT NULL,
  new_value TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX site_field_changes_site ON site_field_changes(site_id, id);

-- N8.1: who is responsible for what. duty: leader|content_review|secrecy_review|operations|
-- application. One current person per (site, duty); appointing a successor ends the appointment.
CREATE TABLE site_people (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  duty TEXT NOT NULL,
  name TEXT NOT NULL,
  job_title TEXT NOT NULL,
  phone TEXT NOT NULL,
  user_id INTEGER REFERENCES users(id),
  appointed_on TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  ended_at TEXT,
  ended_by TEXT
);
CREATE INDEX site_people_site ON site_people(site_id, duty, id);
CREATE UNIQUE INDEX site_people_current ON site_people(site_id, duty) WHERE ended_at IS NULL;

-- N8.2: security training of a registered person (append-only). hours in tenths of an hour.
CREATE TABLE training_records (
  id INTEGER PRIMARY KEY,
  person_id INTEGER NOT NULL REFERENCES site_people(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  held_on TEXT NOT NULL,
  course TEXT NOT NULL,
  hours_tenths INTEGER NOT NULL,
  organiser TEXT NOT NULL,
  certificate TEXT NOT NULL DEFAULT '',
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX training_records_person ON training_records(person_id, id);
CREATE INDEX training_records_site ON training_records(site_id, id);

-- N7.5: graded protection (等级保护). Each record is a new version; the newest row per site is current.
CREATE TABLE graded_protection (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  level INTEGER NOT NULL,
  filing_number TEXT NOT NULL,
  filed_on TEXT NOT NULL,
  last_assessed_on TEXT NOT NULL DEFAULT '',
  institution TEXT NOT NULL DEFAULT '',
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX graded_protection_site ON graded_protection(site_id, id);

-- N7.5: rectification items (整改项); closing sets closed_* once.
CREATE TABLE rectification_items (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  text TEXT NOT NULL,
  due_on TEXT NOT NULL,
  opened_by TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  closed_on TEXT,
  closed_how TEXT,
  closed_by TEXT,
  closed_at TEXT
);
CREATE INDEX rectification_items_site ON rectification_items(site_id, id);

-- N2.6: third-party service providers of a site. Ending sets ended_* once; the row stays.
CREATE TABLE site_providers (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  name TEXT NOT NULL,
  uscc TEXT NOT NULL,
  service TEXT NOT NULL,
  contract_from TEXT NOT NULL,
  contract_to TEXT NOT NULL,
  nda_signed INTEGER NOT NULL,
  nda_on TEXT NOT NULL DEFAULT '',
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  ended_at TEXT,
  ended_by TEXT,
  end_reason TEXT
);
CREATE INDEX site_providers_site ON site_providers(site_id, id);

-- N2.6: the security review of a provider (append-only). result: passed|failed.
CREATE TABLE provider_reviews (
  id INTEGER PRIMARY KEY,
  provider_id INTEGER NOT NULL REFERENCES site_providers(id),
  reviewed_on TEXT NOT NULL,
  result TEXT NOT NULL,
  reviewer TEXT NOT NULL,
  summary TEXT NOT NULL DEFAULT '',
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX provider_reviews_provider ON provider_reviews(provider_id, id);

-- N2.3: periodic qualification re-review (资格复核), append-only. result: passed|failed.
-- reviewer_org_id: the parent union that reviewed; suspended: 1 when the failure suspended the site.
CREATE TABLE site_rereviews (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  result TEXT NOT NULL,
  summary TEXT NOT NULL,
  reviewer_org_id INTEGER NOT NULL REFERENCES organisations(id),
  suspended INTEGER NOT NULL DEFAULT 0,
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX site_rereviews_site ON site_rereviews(site_id, id);

-- Append-only tables.
CREATE TRIGGER site_field_changes_no_update BEFORE UPDATE ON site_field_changes
BEGIN
  SELECT RAISE(ABORT, 'site_field_changes is append-only');
END;
CREATE TRIGGER site_field_changes_no_delete BEFORE DELETE ON site_field_changes
BEGIN
  SELECT RAISE(ABORT, 'site_field_changes is append-only');
END;
CREATE TRIGGER training_records_no_update BEFORE UPDATE ON training_records
BEGIN
  SELECT RAISE(ABORT, 'training_records is append-only');
END;
CREATE TRIGGER training_records_no_delete BEFORE DELETE ON training_records
BEGIN
  SELECT RAISE(ABORT, 'training_records is append-only');
END;
CREATE TRIGGER graded_protection_no_update BEFORE UPDATE ON graded_protection
BEGIN
  SELECT RAISE(ABORT, 'graded_protection is append-only');
END;
CREATE TRIGGER graded_protection_no_delete BEFORE DELETE ON graded_protection
BEGIN
  SELECT RAISE(ABORT, 'graded_protection is append-only');
END;
CREATE TRIGGER provider_reviews_no_update BEFORE UPDATE ON provider_reviews
BEGIN
  SELECT RAISE(ABORT, 'provider_reviews is append-only');
END;
CREATE TRIGGER provider_reviews_no_delete BEFORE DELETE ON provider_reviews
BEGIN
  SELECT RAISE(ABORT, 'provider_reviews is append-only');
END;
CREATE TRIGGER site_rereviews_no_update BEFORE UPDATE ON site_rereviews
BEGIN
  SELECT RAISE(ABORT, 'site_rereviews is append-only');
END;
CREATE TRIGGER site_rereviews_no_delete BEFORE DELETE ON site_rereviews
BEGIN
  SELECT RAISE(ABORT, 'site_rereviews is append-only');
END;

-- Rows that end: only the end is set, once.
CREATE TRIGGER site_people_end_only BEFORE UPDATE ON site_people
WHEN OLD.ended_at IS NOT NULL OR NEW.ended_at IS NULL OR NEW.site_id IS NOT OLD.site_id
  OR NEW.duty IS NOT OLD.duty OR NEW.name IS NOT OLD.name OR NEW.job_title IS NOT OLD.job_title
  OR NEW.phone IS NOT OLD.phone OR NEW.user_id IS NOT OLD.user_id OR NEW.appointed_on IS NOT OLD.appointed_on
  OR NEW.recorded_by IS NOT OLD.recorded_by OR NEW.recorded_at IS NOT OLD.recorded_at
BEGIN
  SELECT RAISE(ABORT, 'site_people rows only change by being ended once');
END;
CREATE TRIGGER site_people_no_delete BEFORE DELETE ON site_people
BEGIN
  SELECT RAISE(ABORT, 'site_people keeps its history');
END;
CREATE TRIGGER rectification_items_close_only BEFORE UPDATE ON rectification_items
WHEN OLD.closed_at IS NOT NULL OR NEW.closed_at IS NULL OR NEW.site_id IS NOT OLD.site_id
  OR NEW.text IS NOT OLD.text OR NEW.due_on IS NOT OLD.due_on OR NEW.opened_by IS NOT OLD.opened_by
  OR NEW.opened_at IS NOT OLD.opened_at
BEGIN
  SELECT RAISE(ABORT, 'rectification_items rows only change by being closed once');
END;
CREATE TRIGGER rectification_items_no_delete BEFORE DELETE ON rectification_items
BEGIN
  SELECT RAISE(ABORT, 'rectification_items keeps its history');
END;
CREATE TRIGGER site_providers_end_only BEFORE UPDATE ON site_providers
WHEN OLD.ended_at IS NOT NULL OR NEW.ended_at IS NULL OR NEW.site_id IS NOT OLD.site_id
  OR NEW.name IS NOT OLD.name OR NEW.uscc IS NOT OLD.uscc OR NEW.service IS NOT OLD.service
  OR NEW.contract_from IS NOT OLD.contract_from OR NEW.contract_to IS NOT OLD.contract_to
  OR NEW.nda_signed IS NOT OLD.nda_signed OR NEW.nda_on IS NOT OLD.nda_on
  OR NEW.recorded_by IS NOT OLD.recorded_by OR NEW.recorded_at IS NOT OLD.recorded_at
BEGIN
  SELECT RAISE(ABORT, 'site_providers rows only change by being ended once');
END;
CREATE TRIGGER site_providers_no_delete BEFORE DELETE ON site_providers
BEGIN
  SELECT RAISE(ABORT, 'site_providers keeps its history');
END;
