-- Content lifecycle (issue 4; docs/modules/content.md "Withdrawal, correction, scheduling, reporting
-- upward, interaction, blogs, forums"): withdrawal (撤稿) and correction (更正) of published items,
-- scheduled publication and withdrawal (定时发布/下线), reporting upward (信息报送), public messages and
-- forum posts with their moderation (N4.3, N4.5), staff blogs (N4.4) and the new-column gate (N4.1).
-- Owned by src/content. Portable SQL (SQLite and PostgreSQL); timestamps are TEXT in RFC 3339 UTC.
-- Nothing is deleted (triggers below); rows that carry a decision are written once when pending and
-- once more when decided, and a decided row is never changed again.

-- The version the site shows: set when an article is published and when a correction is approved;
-- NULL for an article never published. It stays set after a withdrawal (the article was published).
ALTER TABLE articles ADD COLUMN published_version INTEGER;

-- N4.1: 1 for a column created while its site was live: no article may be created or published in
-- it until the site has a passed security assessment for feature 'column:<id>' (opening_reviews,
-- 0006). Columns made before go-live (and blog columns, covered by the 'blog' feature) have 0.
ALTER TABLE columns ADD COLUMN needs_assessment INTEGER NOT NULL DEFAULT 0;

-- Withdrawal requests. decision: '' (pending) | approved | rejected. secrecy_related: 1 when the
-- reason is a secrecy matter, which a secrecy reviewer may then decide as well as a content reviewer.
CREATE TABLE withdrawal_requests (
  id INTEGER PRIMARY KEY,
  article_id INTEGER NOT NULL REFERENCES articles(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  version_n INTEGER NOT NULL,
  reason TEXT NOT NULL,
  secrecy_related INTEGER NOT NULL,
  requested_by TEXT NOT NULL,
  requested_by_user_id INTEGER NOT NULL,
  requested_at TEXT NOT NULL,
  decision TEXT NOT NULL DEFAULT '',
  decided_by TEXT NOT NULL DEFAULT '',
  decided_at TEXT,
  decision_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX withdrawal_requests_article ON withdrawal_requests(article_id, id);

-- Scheduled publication and withdrawal. kind: publish|withdraw. version_n: the approved version a
-- scheduled publication publishes (it is void when another version is current at the time).
-- status: pending|done|void|cancelled; outcome says why a schedule was void or cancelled. One
-- pending schedule per article and kind.
CREATE TABLE article_schedules (
  id INTEGER PRIMARY KEY,
  article_id INTEGER NOT NULL REFERENCES articles(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  kind TEXT NOT NULL,
  due_at TEXT NOT NULL,
  version_n INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  set_by TEXT NOT NULL,
  set_by_user_id INTEGER NOT NULL,
  set_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  finished_at TEXT,
  outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX article_schedules_due ON article_schedules(status, due_at, id);
CREATE UNIQUE INDEX article_schedules_pending ON article_schedules(article_id, kind) WHERE status = 'pending';

-- Reporting upward (信息报送): an item of a unit's site submitted to a column of an ancestor
-- organisation's site, where it became target_article_id and entered that site's review. Adopted
-- (采用) when the target article is published (articles.published_version set). Append-only.
CREATE TABLE upward_submissions (
  id INTEGER PRIMARY KEY,
  source_article_id INTEGER NOT NULL REFERENCES articles(id),
  source_version INTEGER NOT NULL,
  source_site_id INTEGER NOT NULL REFERENCES sites(id),
  source_org_id INTEGER NOT NULL REFERENCES organisations(id),
  target_article_id INTEGER NOT NULL REFERENCES articles(id),
  target_site_id INTEGER NOT NULL REFERENCES sites(id),
  target_org_id INTEGER NOT NULL REFERENCES organisations(id),
  submitted_by TEXT NOT NULL,
  submitted_by_user_id INTEGER NOT NULL,
  submitted_at TEXT NOT NULL
);
CREATE INDEX upward_submissions_source ON upward_submissions(source_org_id, submitted_at);
CREATE INDEX upward_submissions_target ON upward_submissions(target_article_id);

-- Staff blogs (N4.4): a blog is a column of the site owned by one user with a real name and a grant
-- on the site's organisation; only the owner writes in it, and every post is reviewed as usual.
CREATE TABLE blogs (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  column_id INTEGER NOT NULL UNIQUE REFERENCES columns(id),
  owner_user_id INTEGER NOT NULL REFERENCES users(id),
  owner_real_name TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX blogs_site ON blogs(site_id, owner_user_id);

-- Public messages (留言/咨询/投诉, N4.3) and forum posts (N4.5). kind: message|consultation|
-- complaint|forum. status: pending|approved|rejected (moderation). highest / findings_json: what the
-- review scanner found in the text. phone '' when not given.
CREATE TABLE interaction_items (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  phone TEXT NOT NULL,
  body TEXT NOT NULL,
  client_ip TEXT NOT NULL,
  highest TEXT NOT NULL,
  findings_json TEXT NOT NULL,
  submitted_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  moderated_by TEXT NOT NULL DEFAULT '',
  moderated_at TEXT,
  moderation_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX interaction_items_site ON interaction_items(site_id, status, id);

-- The unit's replies: written (content.edit), then approved or rejected by another person
-- (content.review). status: pending|approved|rejected.
CREATE TABLE interaction_replies (
  id INTEGER PRIMARY KEY,
  item_id INTEGER NOT NULL REFERENCES interaction_items(id),
  body TEXT NOT NULL,
  written_by TEXT NOT NULL,
  written_by_user_id INTEGER NOT NULL,
  written_at TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',
  reviewed_by TEXT NOT NULL DEFAULT '',
  reviewed_at TEXT,
  review_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX interaction_replies_item ON interaction_replies(item_id, id);

-- Never deleted; a decided row never changes again.
CREATE TRIGGER withdrawal_requests_no_delete BEFORE DELETE ON withdrawal_requests
BEGIN
  SELECT RAISE(ABORT, 'withdrawal_requests are never deleted');
END;
CREATE TRIGGER withdrawal_requests_decided BEFORE UPDATE ON withdrawal_requests WHEN OLD.decision <> ''
BEGIN
  SELECT RAISE(ABORT, 'a decided withdrawal request does not change');
END;
CREATE TRIGGER article_schedules_no_delete BEFORE DELETE ON article_schedules
BEGIN
  SELECT RAISE(ABORT, 'article_schedules are never deleted');
END;
CREATE TRIGGER article_schedules_finished BEFORE UPDATE ON article_schedules WHEN OLD.status <> 'pending'
BEGIN
  SELECT RAISE(ABORT, 'a finished schedule does not change');
END;
CREATE TRIGGER upward_submissions_no_update BEFORE UPDATE ON upward_submissions
BEGIN
  SELECT RAISE(ABORT, 'upward_submissions is append-only');
END;
CREATE TRIGGER upward_submissions_no_delete BEFORE DELETE ON upward_submissions
BEGIN
  SELECT RAISE(ABORT, 'upward_submissions is append-only');
END;
CREATE TRIGGER blogs_no_delete BEFORE DELETE ON blogs
BEGIN
  SELECT RAISE(ABORT, 'blogs are never deleted');
END;
CREATE TRIGGER interaction_items_no_delete BEFORE DELETE ON interaction_items
BEGIN
  SELECT RAISE(ABORT, 'interaction_items are never deleted');
END;
CREATE TRIGGER interaction_items_moderated BEFORE UPDATE ON interaction_items WHEN OLD.status <> 'pending'
BEGIN
  SELECT RAISE(ABORT, 'a moderated item does not change');
END;
CREATE TRIGGER interaction_replies_no_delete BEFORE DELETE ON interaction_replies
BEGIN
  SELECT RAISE(ABORT, 'interaction_replies are never deleted');
END;
CREATE TRIGGER interaction_replies_reviewed BEFORE UPDATE ON interaction_replies WHEN OLD.status <> 'pending'
BEGIN
  SELECT RAISE(ABORT, 'a reviewed reply does not change');
END;
