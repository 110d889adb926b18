-- monitor DNS (issue 7, N7.2; docs/modules/monitor.md "DNS"): the accepted answer of each record set of
-- each domain of a site (the baseline a pass compares with) and the answer the last pass saw. Owned by
-- src/monitor (dns_baselines.cc). Portable SQL; timestamps TEXT RFC 3339 UTC.
--
-- monitor_dns_baselines: one row per (site, domain, record type) accepted, with the owner name asked
-- (the domain, or its zone for NS/DS/MX/CAA) and the records as a sorted JSON array of canonical text
-- (TTLs left out). The first pass records it (accepted_by "monitor"); later an operator accepts a
-- changed answer (`sitewarden monitor dns accept`), which sets replaced_at on the old row and inserts
-- the new one. Rows are never deleted: the accepted history stays.
CREATE TABLE monitor_dns_baselines (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  domain TEXT NOT NULL,
  rtype TEXT NOT NULL,          -- NS | A | AAAA | CNAME | MX | CAA | DS
  owner TEXT NOT NULL,
  records TEXT NOT NULL,        -- JSON array of strings, sorted
  accepted_at TEXT NOT NULL,
  accepted_by TEXT NOT NULL,
  replaced_at TEXT
);
CREATE UNIQUE INDEX monitor_dns_baselines_current ON monitor_dns_baselines(site_id, domain, rtype)
  WHERE replaced_at IS NULL;

-- What the last pass saw of each record set (replaced by each pass): what `accept` makes the baseline.
CREATE TABLE monitor_dns_seen (
  site_id INTEGER NOT NULL REFERENCES sites(id),
  domain TEXT NOT NULL,
  rtype TEXT NOT NULL,
  owner TEXT NOT NULL,
  records TEXT NOT NULL,        -- JSON array of strings, sorted
  secure INTEGER NOT NULL,      -- 1: validated from the trust anchor
  seen_at TEXT NOT NULL,
  PRIMARY KEY (site_id, domain, rtype)
);

CREATE TRIGGER monitor_dns_baselines_no_delete BEFORE DELETE ON monitor_dns_baselines
BEGIN
  SELECT RAISE(ABORT, 'monitor_dns_baselines keeps its history');
END;
