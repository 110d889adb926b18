-- Per-site attachment policy (issue 4: "allowed types per site, size limits"; N7.3). Owned by
-- src/content (ContentService::set_attachment_policy, docs/modules/content.md "Attachment policy").
-- Portable SQL (SQLite and PostgreSQL); timestamps are TEXT in RFC 3339 UTC.
--
-- Append-only: the newest row per site is in force; a site without rows uses the default policy
-- (AttachmentPolicy in src/content/attachments.h). allowed_types_json: a JSON array of our short type
-- names ("pdf", "docx", …), never active content; max_bytes: the largest file accepted.
CREATE TABLE site_attachment_policies (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  allowed_types_json TEXT NOT NULL,
  max_bytes INTEGER NOT NULL,
  set_by TEXT NOT NULL,
  set_at TEXT NOT NULL
);
CREATE INDEX site_attachment_policies_site ON site_attachment_policies(site_id, id);

CREATE TRIGGER site_attachment_policies_no_update BEFORE UPDATE ON site_attachment_policies
BEGIN
  SELECT RAISE(ABORT, 'site_attachment_policies is append-only');
END;

CREATE TRIGGER site_attachment_policies_no_delete BEFORE DELETE ON site_attachment_policies
BEGIN
  SELECT RAISE(ABORT, 'site_attachment_policies is append-only');
END;
