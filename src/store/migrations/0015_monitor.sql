-- monitor (issue 7; docs/modules/monitor.md): what the probes saw, what they found, and the incidents
-- opened when a site keeps failing. Owned by src/monitor. Portable SQL; timestamps TEXT RFC 3339 UTC.
--
-- monitor_results: one row per probe of one target (a URL or host:port) of one site: ok or not, how
-- long it took, and the detail as JSON (status, error, the certificate's dates...). Availability and
-- the inspection rule (>= 5% of a week's probes not loaded within 15 s fails a site) are counted here.
CREATE TABLE monitor_results (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  probe TEXT NOT NULL,          -- uptime | tls | links (and, later, dns | fingerprint | location | lookalike)
  target TEXT NOT NULL,
  ok INTEGER NOT NULL,          -- 1 loaded / passed, 0 failed
  elapsed_ms INTEGER NOT NULL,
  detail TEXT NOT NULL,         -- JSON object
  at TEXT NOT NULL
);
CREATE INDEX monitor_results_site ON monitor_results(site_id, probe, target, id);
CREATE INDEX monitor_results_time ON monitor_results(probe, at);

-- One pass of one probe (the scheduler runs a probe when its last pass is older than its interval).
CREATE TABLE monitor_runs (
  id INTEGER PRIMARY KEY,
  probe TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  sites INTEGER NOT NULL DEFAULT 0,
  targets INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  started_by TEXT NOT NULL
);
CREATE INDEX monitor_runs_probe ON monitor_runs(probe, id);

-- A finding: something a probe found wrong with a site, named by (site, kind, subject) — e.g.
-- (3, "tls.expiring", "www.example.org.cn:443"). It stays open while the probe keeps seeing it
-- (last_seen moves, evidence is the latest) and is resolved when a pass no longer sees it; seen again
-- later, it is a new row. clause: the notice's clause it serves (N3.6, N7.2, N5.3...).
CREATE TABLE monitor_findings (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  probe TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  severity TEXT NOT NULL,       -- info | warning | critical
  clause TEXT NOT NULL,
  evidence TEXT NOT NULL,       -- JSON object
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  state TEXT NOT NULL,          -- open | resolved
  resolved_at TEXT
);
CREATE UNIQUE INDEX monitor_findings_open ON monitor_findings(site_id, kind, subject) WHERE state = 'open';
CREATE INDEX monitor_findings_site ON monitor_findings(site_id, state, id);

-- An incident: a target of a site failed N consecutive probes (config [monitor] incident_after);
-- closed by the first probe that passes again. Its timeline is monitor_incident_events (append-only).
CREATE TABLE monitor_incidents (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  probe TEXT NOT NULL,
  target TEXT NOT NULL,
  summary TEXT NOT NULL,
  opened_at TEXT NOT NULL,
  closed_at TEXT
);
CREATE UNIQUE INDEX monitor_incidents_open ON monitor_incidents(site_id, probe, target) WHERE closed_at IS NULL;
CREATE INDEX monitor_incidents_site ON monitor_incidents(site_id, id);

CREATE TABLE monitor_incident_events (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES monitor_incidents(id),
  at TEXT NOT NULL,
  kind TEXT NOT NULL,           -- opened | failed | recovered
  detail TEXT NOT NULL          -- JSON object
);
CREATE INDEX monitor_incident_events_incident ON monitor_incident_events(incident_id, id);

-- Suitability of links (N3.6): the hosts a site may link to besides its own domains. A host entry
-- covers itself and its subdomains. Removing sets removed_at; rows are never deleted.
CREATE TABLE monitor_link_allowlist (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES sites(id),
  host TEXT NOT NULL,
  added_at TEXT NOT NULL,
  added_by TEXT NOT NULL,
  removed_at TEXT
);
CREATE UNIQUE INDEX monitor_link_allowlist_current ON monitor_link_allowlist(site_id, host) WHERE removed_at IS NULL;

-- The dead links of each link-check pass of a site: the target, the page it was found on and its
-- anchor text (history and trend come from the runs).
CREATE TABLE monitor_dead_links (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES monitor_runs(id),
  site_id INTEGER NOT NULL REFERENCES sites(id),
  url TEXT NOT NULL,
  page TEXT NOT NULL,
  anchor TEXT NOT NULL,
  status INTEGER NOT NULL,      -- HTTP status, 0 when none (connection failed, timeout...)
  reason TEXT NOT NULL          -- http_404 | soft_404 | timeout | connect | redirect_loop | ...
);
CREATE INDEX monitor_dead_links_site ON monitor_dead_links(site_id, run_id);

-- Link targets checked in the last day (config [monitor] link_cache_hours): not fetched again.
CREATE TABLE monitor_link_cache (
  url TEXT PRIMARY KEY,
  status INTEGER NOT NULL,
  reason TEXT NOT NULL,         -- "" when the target is alive
  checked_at TEXT NOT NULL
);

-- The timeline is history: never changed, never deleted (as 0002_audit.sql).
CREATE TRIGGER monitor_incident_events_no_update BEFORE UPDATE ON monitor_incident_events
BEGIN
  SELECT RAISE(ABORT, 'monitor_incident_events is append-only');
END;
CREATE TRIGGER monitor_incident_events_no_delete BEFORE DELETE ON monitor_incident_events
BEGIN
  SELECT RAISE(ABORT, 'monitor_incident_events is append-only');
END;
CREATE TRIGGER monitor_incidents_no_delete BEFORE DELETE ON monitor_incidents
BEGIN
  SELECT RAISE(ABORT, 'monitor_incidents keeps its history');
END;
CREATE TRIGGER monitor_findings_no_delete BEFORE DELETE ON monitor_findings
BEGIN
  SELECT RAISE(ABORT, 'monitor_findings keeps its history');
END;
CREATE TRIGGER monitor_link_allowlist_no_delete BEFORE DELETE ON monitor_link_allowlist
BEGIN
  SELECT RAISE(ABORT, 'monitor_link_allowlist keeps its history');
END;
