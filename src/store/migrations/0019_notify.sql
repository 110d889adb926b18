-- Notifications of the monitors (issue 7; docs/monitoring.md "Notifications"): the durable outbox.
-- One row per event and channel: an incident opened or closed, or a finding that became critical.
-- event_key names the event across restarts ("incident_open:12", "incident_close:12",
-- "finding_critical:40"), so queueing it again is a no-op and a restart neither loses nor repeats it.
-- queued → sent (sent_at, delivery_id: the message that carried it; a digest carries several) or →
-- failed after max_attempts (last_error says why). Written only by src/monitor/notify_outbox.cc.
CREATE TABLE notify_outbox (
  id INTEGER PRIMARY KEY,
  event_key TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
  site_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('incident_open', 'incident_close', 'finding_critical')),
  detail TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at TEXT NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  sent_at TEXT,
  delivery_id TEXT,
  UNIQUE (event_key, channel)
);
CREATE INDEX notify_outbox_due ON notify_outbox (state, next_attempt_at);
CREATE INDEX notify_outbox_site ON notify_outbox (channel, site_id, sent_at);
