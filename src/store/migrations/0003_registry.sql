-- Registry (issue 4; docs/modules/registry.md): the organisation tree and the site register (N2.1),
-- domains and their history, ICP filings and their report to the parent union (N2.2), opening
-- review (N2.3) and the pre-launch security assessment (N4.1). Extends the minimal organisations
-- and sites of 0001_identity.sql; owned by src/registry.
-- Portable SQL (SQLite and PostgreSQL); timestamps are TEXT in RFC 3339 UTC. Nothing with history
-- is deleted: organisations are deactivated, domains removed by setting removed_at, filings
-- superseded by setting superseded_at; review records and history rows are append-only.

-- organisations.kind (0001) already holds the level: province|city|county|grassroots|industry|
-- affiliated. code: the organisation's own code (e.g. the administrative division code), unique
-- when set; region: the province abbreviation (e.g. 苏). Rows made before this migration or by
-- IdentityService keep code NULL and created_at NULL.
ALTER TABLE organisations ADD COLUMN code TEXT;
ALTER TABLE organisations ADD COLUMN region TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN created_at TEXT;
ALTER TABLE organisations ADD COLUMN deactivated_at TEXT;
CREATE UNIQUE INDEX organisations_code ON organisations(code) WHERE code IS NOT NULL;

-- Every rename, move and deactivation of an organisation (append-only).
CREATE TABLE organisation_history (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  change TEXT NOT NULL,
  old_value TEXT NOT NULL,
  new_value TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX organisation_history_org ON organisation_history(org_id, id);

-- The site register (N2.1; the footer fields the notice asks for in 五). state: application|
-- approved|live|suspended|closed. A site that predates this migration, or was made by
-- IdentityService::create_site, starts as an application: it goes live only through opening review.
ALTER TABLE sites ADD COLUMN sponsor TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN postcode TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN hotline_12351 TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN hosting TEXT NOT NULL DEFAULT 'platform';
ALTER TABLE sites ADD COLUMN external_host TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN mail_domain TEXT NOT NULL DEFAULT '';
ALTER TABLE sites ADD COLUMN state TEXT NOT NULL DEFAULT 'application';
ALTER TABLE sites ADD COLUMN created_at TEXT;

-- A site's domains. Removing sets removed_at; rows are never deleted. A domain belongs to at most
-- one site at a time (the partial unique index).
CREATE TABLE site_domains (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  domain TEXT NOT NULL,
  added_at TEXT NOT NULL,
  added_by TEXT NOT NULL,
  removed_at TEXT,
  removed_by TEXT
);
CREATE INDEX site_domains_site ON site_domains(site_id, id);
CREATE UNIQUE INDEX site_domains_current ON site_domains(domain) WHERE removed_at IS NULL;

-- ICP filings (N2.2). A new filing supersedes the current one (superseded_at set); rows are never
-- deleted. reported_to_parent_at: when the filing was reported to the parent union (NULL: not yet).
CREATE TABLE icp_filings (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  number TEXT NOT NULL,
  reported_to_parent_at TEXT,
  recorded_at TEXT NOT NULL,
  recorded_by TEXT NOT NULL,
  superseded_at TEXT
);
CREATE INDEX icp_filings_site ON icp_filings(site_id, id);

-- Opening review (N2.3) and security assessments (N4.1), append-only. kind: approval|
-- security_assessment. result: approved|rejected (approval), passed|failed (assessment).
-- reviewer_org_id: the organisation in whose name an approval was given (the site's parent union);
-- assessor: who carried out an assessment (e.g. the testing institution).
CREATE TABLE opening_reviews (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  kind TEXT NOT NULL,
  result TEXT NOT NULL,
  summary TEXT NOT NULL,
  reviewer_org_id INTEGER REFERENCES organisations(id),
  assessor TEXT NOT NULL DEFAULT '',
  recorded_by TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);
CREATE INDEX opening_reviews_site ON opening_reviews(site_id, id);

-- Every change of a site's state (append-only).
CREATE TABLE site_state_history (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  from_state TEXT,
  to_state TEXT NOT NULL,
  actor TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX site_state_history_site ON site_state_history(site_id, id);

-- Defence in depth, as in 0002_audit.sql: history never changes.
-- (PostgreSQL: the same as BEFORE UPDATE OR DELETE trigger functions that raise.)
CREATE TRIGGER organisation_history_no_update BEFORE UPDATE ON organisation_history
BEGIN
  SELECT RAISE(ABORT, 'organisation_history is append-only');
END;

CREATE TRIGGER organisation_history_no_delete BEFORE DELETE ON organisation_history
BEGIN
  SELECT RAISE(ABORT, 'organisation_history is append-only');
END;

CREATE TRIGGER opening_reviews_no_update BEFORE UPDATE ON opening_reviews
BEGIN
  SELECT RAISE(ABORT, 'opening_reviews is append-only');
END;

CREATE TRIGGER opening_reviews_no_delete BEFORE DELETE ON opening_reviews
BEGIN
  SELECT RAISE(ABORT, 'opening_reviews is append-only');
END;

CREATE TRIGGER site_state_history_no_update BEFORE UPDATE ON site_state_history
BEGIN
  SELECT RAISE(ABORT, 'site_state_history is append-only');
END;

CREATE TRIGGER site_state_history_no_delete BEFORE DELETE ON site_state_history
BEGIN
  SELECT RAISE(ABORT, 'site_state_history is append-only');
END;

-- Domains and filings: nothing is deleted, and the only changes allowed are setting a NULL
-- removed_at (domains), superseded_at or reported_to_parent_at (filings) once.
CREATE TRIGGER site_domains_close_only BEFORE UPDATE ON site_domains
WHEN OLD.removed_at IS NOT NULL OR NEW.removed_at IS NULL OR NEW.site_id IS NOT OLD.site_id
  OR NEW.domain IS NOT OLD.domain OR NEW.added_at IS NOT OLD.added_at OR NEW.added_by IS NOT OLD.added_by
BEGIN
  SELECT RAISE(ABORT, 'site_domains rows only change by being removed once');
END;

CREATE TRIGGER site_domains_no_delete BEFORE DELETE ON site_domains
BEGIN
  SELECT RAISE(ABORT, 'site_domains keeps its history');
END;

CREATE TRIGGER icp_filings_close_only BEFORE UPDATE ON icp_filings
WHEN NEW.site_id IS NOT OLD.site_id OR NEW.number IS NOT OLD.number
  OR NEW.recorded_at IS NOT OLD.recorded_at OR NEW.recorded_by IS NOT OLD.recorded_by
  OR (OLD.superseded_at IS NOT NULL AND NEW.superseded_at IS NOT OLD.superseded_at)
  OR (OLD.reported_to_parent_at IS NOT NULL AND NEW.reported_to_parent_at IS NOT OLD.reported_to_parent_at)
BEGIN
  SELECT RAISE(ABORT, 'icp_filings rows only change by being superseded or reported once');
END;

CREATE TRIGGER icp_filings_no_delete BEFORE DELETE ON icp_filings
BEGIN
  SELECT RAISE(ABORT, 'icp_filings keeps its history');
END;

-- Organisations and sites are deactivated or closed, never deleted.
CREATE TRIGGER organisations_no_delete BEFORE DELETE ON organisations
BEGIN
  SELECT RAISE(ABORT, 'organisations are deactivated, never deleted');
END;

CREATE TRIGGER sites_no_delete BEFORE DELETE ON sites
BEGIN
  SELECT RAISE(ABORT, 'sites are closed, never deleted');
END;
