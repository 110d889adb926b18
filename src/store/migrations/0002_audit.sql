-- The tamper-evident audit log (N7.4 security audit, N8.4 accountability); owned by src/audit.
-- Rows are hash-chained (see docs/modules/audit.md): hash = H(prev_hash bytes || canonical(row)),
-- with the algorithm named per row. Hashes are lowercase hex; times are RFC 3339 UTC text.

CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  actor TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  org_id INTEGER,
  site_id INTEGER,
  action TEXT NOT NULL,
  object TEXT NOT NULL,
  outcome TEXT NOT NULL,
  client_ip TEXT NOT NULL,
  request_id TEXT NOT NULL,
  details TEXT NOT NULL,
  hash_alg TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);

-- The console's filters (actor, action, site, time), each newest first.
CREATE INDEX audit_events_actor ON audit_events (actor, seq);
CREATE INDEX audit_events_action ON audit_events (action, seq);
CREATE INDEX audit_events_site ON audit_events (site_id, seq);
CREATE INDEX audit_events_time ON audit_events (time);

-- Signed statements "the chain hash at seq is hash", made with the node key.
CREATE TABLE audit_checkpoints (
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  time TEXT NOT NULL,
  signature TEXT NOT NULL,
  public_key TEXT NOT NULL
);

-- Defence in depth: the platform itself can never rewrite the trail. An attacker with write access
-- to the file can drop these triggers, which is why `audit verify` exists.
-- (PostgreSQL: the same as a BEFORE UPDATE OR DELETE trigger function that raises.)
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
  SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
  SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
  SELECT RAISE(ABORT, 'audit_checkpoints is append-only');
END;
