-- monitor fingerprints (issue 7, N5.3; docs/modules/monitor.md "Fingerprint"): what an external site's
-- sampled pages looked like when an operator accepted them, and what they look like now. Owned by
-- src/monitor (fingerprint_store.h). A fingerprint is JSON: {"shingles": [bottom-k text shingle
-- hashes], "link_hosts": [...], "code_sources": [...], "text_bytes": n}.
--
-- monitor_fingerprints: the accepted fingerprint of each sampled page (URL) of a site. The first pass
-- records one (audited "monitor.fingerprint_record"); `sitewarden monitor fingerprint accept` retires
-- the site's rows (retired_at) and inserts the latest ones (audited "monitor.fingerprint_accept").
-- Rows are never deleted.
CREATE TABLE monitor_fingerprints (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  url TEXT NOT NULL,
  fingerprint TEXT NOT NULL,    -- JSON object
  accepted_at TEXT NOT NULL,
  accepted_by TEXT NOT NULL,    -- "monitor" (first pass) or the operator's principal
  retired_at TEXT
);
CREATE UNIQUE INDEX monitor_fingerprints_current ON monitor_fingerprints(site_id, url) WHERE retired_at IS NULL;

-- The fingerprints of the site's last fingerprint pass, one row per sampled page (replaced each pass):
-- what an accept takes.
CREATE TABLE monitor_fingerprint_latest (
  site_id INTEGER NOT NULL REFERENCES sites(id),
  url TEXT NOT NULL,
  fingerprint TEXT NOT NULL,    -- JSON object
  seen_at TEXT NOT NULL,
  PRIMARY KEY (site_id, url)
);
