-- WAF settings per site (issue 6, N7.3; docs/modules/waf.md): paranoia level and mode, and the site's
-- rule exclusions scoped to a path prefix. A site without a row uses the [waf] defaults of the config.
-- Written only by src/waf/site_settings_store.cc, each change audited as "waf.settings_changed".
CREATE TABLE waf_site_settings (
  site_id INTEGER PRIMARY KEY REFERENCES sites(id),
  paranoia INTEGER NOT NULL CHECK (paranoia BETWEEN 1 AND 4),
  mode TEXT NOT NULL CHECK (mode IN ('blocking', 'detection_only')),
  updated_at TEXT NOT NULL,
  updated_by TEXT NOT NULL
);

CREATE TABLE waf_exclusions (
  id INTEGER PRIMARY KEY,
  site_id INTEGER NOT NULL REFERENCES waf_site_settings(site_id),
  path_prefix TEXT NOT NULL,
  rule_id INTEGER NOT NULL CHECK (rule_id BETWEEN 1 AND 999999999),
  target TEXT NOT NULL,
  UNIQUE (site_id, path_prefix, rule_id, target)
);
