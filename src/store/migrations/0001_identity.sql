-- Identity: organisations (minimal; the registry extends them), sites (minimal), users, password
-- history, role grants, sessions, login throttles and client certificates (N6.3, N6.4, N7.4, N8.1).
-- Portable SQL (SQLite and PostgreSQL); timestamps are TEXT in RFC 3339 UTC.

CREATE TABLE organisations (
  id INTEGER PRIMARY KEY,
  parent_id INTEGER REFERENCES organisations(id),
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX organisations_parent ON organisations(parent_id);

CREATE TABLE sites (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  name TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX sites_org ON sites(org_id);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  real_name TEXT NOT NULL,
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  phone TEXT NOT NULL,
  email TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  password_changed_at TEXT NOT NULL,
  must_change_password INTEGER NOT NULL DEFAULT 1,
  locked_until TEXT,
  lock_reason TEXT NOT NULL DEFAULT '',
  disabled INTEGER NOT NULL DEFAULT 0,
  totp_secret_sealed TEXT,
  totp_pending_sealed TEXT,
  totp_enabled INTEGER NOT NULL DEFAULT 0,
  totp_last_step INTEGER NOT NULL DEFAULT -1,
  created_at TEXT NOT NULL
);
CREATE INDEX users_org ON users(org_id);

CREATE TABLE password_history (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  hash TEXT NOT NULL,
  set_at TEXT NOT NULL
);
CREATE INDEX password_history_user ON password_history(user_id, id);

-- Grants are never deleted: revoking sets revoked_at.
CREATE TABLE role_grants (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  scope_kind TEXT NOT NULL,
  scope_id INTEGER NOT NULL,
  granted_by TEXT NOT NULL,
  granted_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX role_grants_user ON role_grants(user_id);

-- id_hash is the suite hash of the session id; the id itself is never stored.
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  ended_at TEXT,
  client_ip TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  second_factor_done INTEGER NOT NULL DEFAULT 0,
  via_client_cert INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Failed-login counters per account (subject = username, known or not, so unknown names lock the
-- same way) and per client IP (subject = the address).
CREATE TABLE login_throttles (
  subject_kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  window_started_at TEXT NOT NULL,
  locked_until TEXT,
  lockouts INTEGER NOT NULL DEFAULT 0,
  last_lockout_at TEXT,
  PRIMARY KEY (subject_kind, subject)
);

CREATE TABLE client_certificates (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  fingerprint TEXT NOT NULL UNIQUE,
  subject TEXT NOT NULL,
  added_at TEXT NOT NULL,
  revoked_at TEXT
);
CREATE INDEX client_certificates_user ON client_certificates(user_id);
