-- watch (issue 5, N7.1): mirror web roots served by other web servers. One row per root: the site
-- whose live release the root mirrors, the release last written into it and its signed manifest's
-- digest (what `sitewarden watch` holds the root to), and the permission bits its files get.
CREATE TABLE mirrors (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  root TEXT NOT NULL UNIQUE,            -- absolute, canonical (no symlink, no "..")
  release_id INTEGER NOT NULL,
  manifest_digest TEXT NOT NULL,        -- "<alg>:<hex>" of the release's signed manifest document
  file_mode INTEGER NOT NULL,
  dir_mode INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX mirrors_by_site ON mirrors(site_id);
