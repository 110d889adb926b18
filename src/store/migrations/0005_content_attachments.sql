-- Attachments of article versions (issue 4; docs/modules/content.md "Attachments of an article").
-- Owned by src/content. Portable SQL (SQLite and PostgreSQL); timestamps are TEXT in RFC 3339 UTC.
--
-- An attachment belongs to one version: adding one makes a new version that carries the previous
-- version's attachments forward plus the new one, and every edit carries them forward too, so a
-- version's rows say exactly which files its reviewers saw. The bytes are in the blob store under
-- blob_hash ("<alg>:<64 hex>", BlobStore::parse_digest), verified on every read. detected_type and
-- mime: what check_attachment found from the bytes (libmagic); warnings_json: its warnings, a JSON
-- array of "code: message" strings. position orders a version's attachments (0, 1, ...).
-- Append-only (triggers below), like the versions themselves.
CREATE TABLE article_attachments (
  id INTEGER PRIMARY KEY,
  article_id INTEGER NOT NULL,
  version_n INTEGER NOT NULL,
  position INTEGER NOT NULL,
  file_name TEXT NOT NULL,
  blob_hash TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  detected_type TEXT NOT NULL,
  mime TEXT NOT NULL,
  warnings_json TEXT NOT NULL,
  added_by TEXT NOT NULL,
  added_at TEXT NOT NULL,
  FOREIGN KEY (article_id, version_n) REFERENCES article_versions(article_id, n),
  UNIQUE (article_id, version_n, file_name)
);
CREATE INDEX article_attachments_version ON article_attachments(article_id, version_n, position);

CREATE TRIGGER article_attachments_no_update BEFORE UPDATE ON article_attachments
BEGIN
  SELECT RAISE(ABORT, 'article_attachments is append-only');
END;

CREATE TRIGGER article_attachments_no_delete BEFORE DELETE ON article_attachments
BEGIN
  SELECT RAISE(ABORT, 'article_attachments is append-only');
END;
