-- Releases (issue 5; docs/modules/publish.md "Releases"): every signed release of a site, which one
-- is live, and the history of every switch (N7.1 防篡改, N8.4 accountability). Owned by src/publish
-- (ReleaseStore, src/publish/release_store.h).
-- Portable SQL (SQLite and PostgreSQL); timestamps are TEXT in RFC 3339 UTC.
--
-- releases: one row per committed release. manifest_digest names the signed manifest document, a
-- blob in the content-addressed store. kind: full|incremental. files/bytes: the manifest's entry
-- count and identity bytes. pruned_at: set when the release fell out of the kept window; rows are
-- never deleted (only pruned_at may change, once).
CREATE TABLE releases (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  manifest_digest TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  kind TEXT NOT NULL,
  files INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  pruned_at TEXT
);
CREATE INDEX releases_site ON releases(site_id, id);

CREATE TRIGGER releases_no_delete BEFORE DELETE ON releases
BEGIN
  SELECT RAISE(ABORT, 'releases are never deleted');
END;

CREATE TRIGGER releases_only_pruned_changes BEFORE UPDATE ON releases
WHEN NEW.id IS NOT OLD.id OR NEW.site_id IS NOT OLD.site_id OR NEW.manifest_digest IS NOT OLD.manifest_digest
  OR NEW.created_at IS NOT OLD.created_at OR NEW.created_by IS NOT OLD.created_by OR NEW.kind IS NOT OLD.kind
  OR NEW.files IS NOT OLD.files OR NEW.bytes IS NOT OLD.bytes OR OLD.pruned_at IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'a release row changes only once, when it is pruned');
END;

-- The live release of each site: at most one row per site, replaced in the same transaction that
-- appends to release_switches.
CREATE TABLE site_live_releases (
  site_id INTEGER PRIMARY KEY REFERENCES sites(id),
  release_id INTEGER NOT NULL REFERENCES releases(id),
  switched_at TEXT NOT NULL,
  switched_by TEXT NOT NULL
);

-- Every switch of a site's live release (append-only). from_release is NULL for a site's first
-- release. kind: publish|rollback.
CREATE TABLE release_switches (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  from_release INTEGER REFERENCES releases(id),
  to_release INTEGER NOT NULL REFERENCES releases(id),
  switched_at TEXT NOT NULL,
  switched_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  kind TEXT NOT NULL
);
CREATE INDEX release_switches_site ON release_switches(site_id, id);

CREATE TRIGGER release_switches_no_update BEFORE UPDATE ON release_switches
BEGIN
  SELECT RAISE(ABORT, 'release_switches is append-only');
END;

CREATE TRIGGER release_switches_no_delete BEFORE DELETE ON release_switches
BEGIN
  SELECT RAISE(ABORT, 'release_switches is append-only');
END;
