-- Content (issue 4; docs/modules/content.md): columns, articles and their versions, the scans made at
-- submission, the per-site review settings and the permanent archive of review records (N3.1, N3.2,
-- N3.5). Owned by src/content.
-- Portable SQL (SQLite and PostgreSQL); timestamps are TEXT in RFC 3339 UTC. Articles are deleted only
-- by setting deleted_at; versions, scans, settings and review records are append-only (triggers below).

-- A tree of columns (栏目) per site. parent_id NULL: a top-level column. Deactivated, never deleted.
CREATE TABLE columns (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  parent_id INTEGER REFERENCES columns(id),
  name TEXT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  deactivated_at TEXT
);
CREATE INDEX columns_site ON columns(site_id, parent_id, position);

-- state: draft|submitted|content_approved|approved|published (src/content/workflow.h).
-- current_version: the n of the latest article_versions row. author_user_id is 0 and author_name
-- "cli:<os user>" for an article made by the machine operator. deleted_at: soft delete only; the
-- versions and review records stay (N3.1).
CREATE TABLE articles (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  column_id INTEGER NOT NULL REFERENCES columns(id),
  state TEXT NOT NULL,
  current_version INTEGER NOT NULL,
  author_user_id INTEGER NOT NULL,
  author_name TEXT NOT NULL,
  is_reprint INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  deleted_at TEXT,
  deleted_by TEXT
);
CREATE INDEX articles_site_state ON articles(site_id, state, id);

-- Every saved version, append-only. body_html is the sanitised body. byline: the author named on
-- the page (作者), which may differ from the account that wrote it (created_by). Reprints (N3.5):
-- source, original_author and original_url are required by the service. content_hash: the suite
-- hash ("<alg>:<hex>") of the canonical version (docs/modules/content.md), which review records
-- cite as version_hash.
CREATE TABLE article_versions (
  article_id INTEGER NOT NULL REFERENCES articles(id),
  n INTEGER NOT NULL,
  title TEXT NOT NULL,
  summary TEXT NOT NULL,
  body_html TEXT NOT NULL,
  byline TEXT NOT NULL,
  source TEXT NOT NULL,
  publish_date TEXT,
  original_author TEXT NOT NULL DEFAULT '',
  original_url TEXT NOT NULL DEFAULT '',
  content_hash TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (article_id, n)
);

-- The review scanner's findings for a version, made at each submission (N3.2), append-only.
-- highest: info|low|medium|high|critical. findings_json: a JSON array (docs/modules/content.md).
CREATE TABLE article_scans (
  id INTEGER PRIMARY KEY,
  article_id INTEGER NOT NULL REFERENCES articles(id),
  version_n INTEGER NOT NULL,
  highest TEXT NOT NULL,
  findings_json TEXT NOT NULL,
  scanned_at TEXT NOT NULL
);
CREATE INDEX article_scans_version ON article_scans(article_id, version_n, id);

-- Whether one person may approve both stages of the same version on a site (N3.1: two distinct
-- people unless the site configures otherwise). Append-only: the latest row per site is in force;
-- a site without rows does not allow it.
CREATE TABLE site_review_settings (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  same_person_both_stages INTEGER NOT NULL,
  set_by TEXT NOT NULL,
  set_at TEXT NOT NULL
);
CREATE INDEX site_review_settings_site ON site_review_settings(site_id, id);

-- The review archive (N3.1), kept for ever: one row per review action, hash-chained per site like
-- the audit log: hash = H_hash_alg(bytes(prev_hash) || canonical(row)), prev_hash of a site's first
-- record = 64 zeros. stage: content|secrecy ('' for a reset); decision: approved|rejected|reset.
-- role: the role acted under. same_person: 1 when the site's exception let one person approve both
-- stages. reprint_*: the content reviewer's judgement of a reprint (N3.5), '' otherwise.
-- findings_json: the findings the reviewer saw. No foreign keys: records outlive everything.
CREATE TABLE review_records (
  seq INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL,
  article_id INTEGER NOT NULL,
  version_n INTEGER NOT NULL,
  version_hash TEXT NOT NULL,
  actor_user_id INTEGER NOT NULL,
  actor_name TEXT NOT NULL,
  role TEXT NOT NULL,
  stage TEXT NOT NULL,
  decision TEXT NOT NULL,
  reason TEXT NOT NULL,
  justification TEXT NOT NULL,
  same_person INTEGER NOT NULL,
  reprint_relevance TEXT NOT NULL,
  reprint_authenticity TEXT NOT NULL,
  reprint_copyright TEXT NOT NULL,
  findings_json TEXT NOT NULL,
  at TEXT NOT NULL,
  hash_alg TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX review_records_site ON review_records(site_id, seq);
CREATE INDEX review_records_article ON review_records(article_id, seq);

-- Defence in depth, as for audit_events: the platform never rewrites history. Someone with write
-- access to the file can drop these triggers, which is why verify_review_records exists.
CREATE TRIGGER article_versions_no_update BEFORE UPDATE ON article_versions
BEGIN
  SELECT RAISE(ABORT, 'article_versions is append-only');
END;

CREATE TRIGGER article_versions_no_delete BEFORE DELETE ON article_versions
BEGIN
  SELECT RAISE(ABORT, 'article_versions is append-only');
END;

CREATE TRIGGER article_scans_no_update BEFORE UPDATE ON article_scans
BEGIN
  SELECT RAISE(ABORT, 'article_scans is append-only');
END;

CREATE TRIGGER article_scans_no_delete BEFORE DELETE ON article_scans
BEGIN
  SELECT RAISE(ABORT, 'article_scans is append-only');
END;

CREATE TRIGGER site_review_settings_no_update BEFORE UPDATE ON site_review_settings
BEGIN
  SELECT RAISE(ABORT, 'site_review_settings is append-only');
END;

CREATE TRIGGER site_review_settings_no_delete BEFORE DELETE ON site_review_settings
BEGIN
  SELECT RAISE(ABORT, 'site_review_settings is append-only');
END;

CREATE TRIGGER review_records_no_update BEFORE UPDATE ON review_records
BEGIN
  SELECT RAISE(ABORT, 'review_records is append-only');
END;

CREATE TRIGGER review_records_no_delete BEFORE DELETE ON review_records
BEGIN
  SELECT RAISE(ABORT, 'review_records is append-only');
END;

-- An article row is never deleted (soft delete): refusing it keeps its versions reachable.
CREATE TRIGGER articles_no_delete BEFORE DELETE ON articles
BEGIN
  SELECT RAISE(ABORT, 'articles are deleted by setting deleted_at');
END;
