-- Site features (issue 4; docs/modules/registry.md): N4.1 asks for the pre-launch security assessment
-- again whenever a new column or interactive feature is enabled, and N4.5 forbids forums without a
-- recorded approval. Owned by src/registry; src/content reads site_feature_changes and the feature
-- assessments to gate interaction, blogs, forums and new columns on live sites.
-- Portable SQL (SQLite and PostgreSQL); timestamps are TEXT in RFC 3339 UTC; append-only.

-- feature: '' for the site's opening (every row before this migration), otherwise what the
-- assessment or approval was for: 'interaction' (留言/咨询, N4.3), 'blog' (N4.4), 'forum' (N4.5),
-- 'search', or 'column:<columns.id>' (a new column of a live site).
ALTER TABLE opening_reviews ADD COLUMN feature TEXT NOT NULL DEFAULT '';
CREATE INDEX opening_reviews_feature ON opening_reviews(site_id, feature, id);

-- Each enabling or disabling of a feature of a site. A feature is enabled when its newest row has
-- change = 'enabled'. assessment_id: the passed security assessment for that feature (required to
-- enable, N4.1); approval_id: the recorded approval (required for forums, N4.5).
CREATE TABLE site_feature_changes (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  feature TEXT NOT NULL,
  change TEXT NOT NULL,
  assessment_id INTEGER REFERENCES opening_reviews(id),
  approval_id INTEGER REFERENCES opening_reviews(id),
  reason TEXT NOT NULL DEFAULT '',
  actor TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX site_feature_changes_site ON site_feature_changes(site_id, feature, id);

CREATE TRIGGER site_feature_changes_no_update BEFORE UPDATE ON site_feature_changes
BEGIN
  SELECT RAISE(ABORT, 'site_feature_changes is append-only');
END;

CREATE TRIGGER site_feature_changes_no_delete BEFORE DELETE ON site_feature_changes
BEGIN
  SELECT RAISE(ABORT, 'site_feature_changes is append-only');
END;
