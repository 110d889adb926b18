-- Site looks (issue 5, part B; docs/modules/publish.md "Themes and the site's look"): the primary
-- colour and logo each site's published pages use with the default theme. Owned by src/publish
-- (SiteLooks, src/publish/site_looks.h). Append-only: every change is a new row, the newest row of a
-- site is its look, so who changed the look and when stays on record.
-- Portable SQL (SQLite and PostgreSQL); timestamps are TEXT in RFC 3339 UTC.
CREATE TABLE site_looks (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  primary_colour TEXT NOT NULL CHECK (length(primary_colour) = 7),
  logo_digest TEXT,             -- the logo blob ("<alg>:<hex>"), NULL for none
  logo_type TEXT,               -- "image/png" | "image/jpeg"
  logo_size INTEGER,
  set_by TEXT NOT NULL,
  set_at TEXT NOT NULL
);
CREATE INDEX site_looks_site ON site_looks(site_id, id);

CREATE TRIGGER site_looks_no_update BEFORE UPDATE ON site_looks
BEGIN
  SELECT RAISE(ABORT, 'site looks are append-only');
END;

CREATE TRIGGER site_looks_no_delete BEFORE DELETE ON site_looks
BEGIN
  SELECT RAISE(ABORT, 'site looks are append-only');
END;
