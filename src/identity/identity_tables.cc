// SQL for the identity tables (migration 0001_identity.sql): one method per statement.
#include "identity/identity_tables.h"

namespace sw::identity {
namespace {

using store::Row;
using store::Value;

Value text(const std::string& s) { return Value{s}; }
Value integer(std::int64_t i) { return Value{i}; }
Value flag(bool b) { return Value{std::int64_t{b ? 1 : 0}}; }
Value time_value(TimePoint t) { return Value{format_rfc3339(t)}; }
Value optional_time(const std::optional<TimePoint>& t) { return t ? time_value(*t) : Value{}; }
Value optional_id(const std::optional<std::int64_t>& id) { return id ? integer(*id) : Value{}; }

Result<TimePoint> time_at(const Row& r, std::size_t i) { return parse_rfc3339(r.text(i)); }

Result<std::optional<TimePoint>> optional_time_at(const Row& r, std::size_t i) {
  if (r.is_null(i)) return std::optional<TimePoint>{};
  SW_TRY(t, parse_rfc3339(r.text(i)));
  return std::optional<TimePoint>{t};
}

std::optional<std::int64_t> optional_int_at(const Row& r, std::size_t i) {
  if (r.is_null(i)) return std::nullopt;
  return r.integer(i);
}

constexpr std::string_view kUserColumns =
    "SELECT u.id, u.username, u.real_name, u.org_id, u.phone, u.email, u.created_at, u.password_changed_at, "
    "u.must_change_password, u.locked_until, u.lock_reason, u.disabled, u.totp_enabled, "
    "(SELECT COUNT(*) FROM client_certificates c WHERE c.user_id = u.id AND c.revoked_at IS NULL), "
    "u.password_hash, u.totp_secret_sealed, u.totp_pending_sealed, u.totp_last_step FROM users u ";

Result<UserRow> user_from(const Row& r) {
  UserRow row;
  User& u = row.user;
  u.id = r.integer(0);
  u.username = r.text(1);
  u.real_name = r.text(2);
  u.org_id = r.integer(3);
  u.phone = r.text(4);
  u.email = r.text(5);
  SW_TRY(created, time_at(r, 6));
  SW_TRY(changed, time_at(r, 7));
  SW_TRY(locked, optional_time_at(r, 9));
  u.created_at = created;
  u.password_changed_at = changed;
  u.must_change_password = r.integer(8) != 0;
  u.locked_until = locked;
  u.lock_reason = r.text(10);
  u.disabled = r.integer(11) != 0;
  u.totp_enabled = r.integer(12) != 0;
  u.active_certificates = static_cast<int>(r.integer(13));
  row.password_hash = r.text(14);
  row.totp_secret_sealed = r.optional_text(15);
  row.totp_pending_sealed = r.optional_text(16);
  row.totp_last_step = r.integer(17);
  return row;
}

Result<std::optional<UserRow>> one_user(Result<std::optional<Row>> found) {
  if (!found) return std::unexpected(found.error());
  if (!*found) return std::optional<UserRow>{};
  SW_TRY(row, user_from(**found));
  return std::optional<UserRow>{std::move(row)};
}

constexpr std::string_view kGrantColumns =
    "SELECT id, user_id, role, scope_kind, scope_id, granted_by, granted_at, revoked_at FROM role_grants ";

Result<Grant> grant_from(const Row& r) {
  Grant g;
  g.id = r.integer(0);
  g.user_id = r.integer(1);
  SW_TRY(role, parse_role(r.text(2)));
  SW_TRY(kind, parse_scope_kind(r.text(3)));
  SW_TRY(at, time_at(r, 6));
  SW_TRY(revoked, optional_time_at(r, 7));
  g.role = role;
  g.scope = Scope{kind, r.integer(4)};
  g.granted_by = r.text(5);
  g.granted_at = at;
  g.revoked_at = revoked;
  return g;
}

constexpr std::string_view kCertificateColumns =
    "SELECT id, user_id, fingerprint, subject, added_at, revoked_at FROM client_certificates ";

Result<ClientCertificate> certificate_from(const Row& r) {
  ClientCertificate c;
  c.id = r.integer(0);
  c.user_id = r.integer(1);
  c.fingerprint = r.text(2);
  c.subject = r.text(3);
  SW_TRY(added, time_at(r, 4));
  SW_TRY(revoked, optional_time_at(r, 5));
  c.added_at = added;
  c.revoked_at = revoked;
  return c;
}

template <class T, class F>
Result<std::vector<T>> all_of(Result<std::vector<Row>> rows, F from) {
  if (!rows) return std::unexpected(rows.error());
  std::vector<T> out;
  for (const Row& r : *rows) {
    SW_TRY(item, from(r));
    out.push_back(std::move(item));
  }
  return out;
}

template <class T, class F>
Result<std::optional<T>> optional_of(Result<std::optional<Row>> row, F from) {
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<T>{};
  SW_TRY(item, from(**row));
  return std::optional<T>{std::move(item)};
}

Status done(Result<std::int64_t> changed) {
  if (!changed) return std::unexpected(changed.error());
  return ok();
}

}  // namespace

std::string_view to_string(ThrottleKind k) { return k == ThrottleKind::account ? "account" : "client_ip"; }

// ----- organisations and sites -----

Result<std::int64_t> IdentityTables::insert_org(std::optional<std::int64_t> parent_id,
                                                const std::string& name, OrgKind kind) {
  SW_CHECK(done(db_.exec("INSERT INTO organisations (parent_id, name, kind, active) VALUES (?, ?, ?, 1)",
                         {optional_id(parent_id), text(name), text(std::string(to_string(kind)))})));
  return db_.last_insert_id();
}

Result<std::int64_t> IdentityTables::insert_site(std::int64_t org_id, const std::string& name) {
  SW_CHECK(done(
      db_.exec("INSERT INTO sites (org_id, name, active) VALUES (?, ?, 1)", {integer(org_id), text(name)})));
  return db_.last_insert_id();
}

Result<std::vector<Organisation>> IdentityTables::orgs() {
  return all_of<Organisation>(
      db_.query("SELECT id, parent_id, name, kind, active FROM organisations ORDER BY id"),
      [](const Row& r) -> Result<Organisation> {
        SW_TRY(kind, parse_org_kind(r.text(3)));
        return Organisation{r.integer(0), optional_int_at(r, 1), r.text(2), kind, r.integer(4) != 0};
      });
}

Result<std::vector<Site>> IdentityTables::sites() {
  return all_of<Site>(db_.query("SELECT id, org_id, name, active FROM sites ORDER BY id"),
                      [](const Row& r) -> Result<Site> {
                        return Site{r.integer(0), r.integer(1), r.text(2), r.integer(3) != 0};
                      });
}

// ----- users -----

Result<std::int64_t> IdentityTables::insert_user(const NewUser& u, const std::string& hash, TimePoint now) {
  SW_CHECK(done(db_.exec(
      "INSERT INTO users (username, real_name, org_id, phone, email, password_hash, password_changed_at, "
      "must_change_password, lock_reason, disabled, totp_enabled, totp_last_step, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, 1, '', 0, 0, -1, ?)",
      {text(u.username), text(u.real_name), integer(u.org_id), text(u.phone), text(u.email), text(hash),
       time_value(now), time_value(now)})));
  return db_.last_insert_id();
}

Result<std::optional<UserRow>> IdentityTables::user_by_id(std::int64_t id) {
  return one_user(db_.query_one(std::string(kUserColumns) + "WHERE u.id = ?", {integer(id)}));
}

Result<std::optional<UserRow>> IdentityTables::user_by_name(const std::string& username) {
  return one_user(db_.query_one(std::string(kUserColumns) + "WHERE u.username = ?", {text(username)}));
}

Result<std::vector<UserRow>> IdentityTables::users() {
  return all_of<UserRow>(db_.query(std::string(kUserColumns) + "ORDER BY u.username"), user_from);
}

Result<std::int64_t> IdentityTables::user_count() {
  SW_TRY(row, db_.query_one("SELECT COUNT(*) FROM users"));
  return row ? row->integer(0) : 0;
}

Status IdentityTables::update_user(const User& u) {
  return done(db_.exec("UPDATE users SET real_name = ?, org_id = ?, phone = ?, email = ? WHERE id = ?",
                       {text(u.real_name), integer(u.org_id), text(u.phone), text(u.email), integer(u.id)}));
}

Status IdentityTables::set_password(std::int64_t id, const std::string& hash, TimePoint now,
                                    bool must_change) {
  return done(db_.exec(
      "UPDATE users SET password_hash = ?, password_changed_at = ?, must_change_password = ? WHERE id = ?",
      {text(hash), time_value(now), flag(must_change), integer(id)}));
}

Status IdentityTables::set_lock(std::int64_t id, std::optional<TimePoint> until, const std::string& reason) {
  return done(db_.exec("UPDATE users SET locked_until = ?, lock_reason = ? WHERE id = ?",
                       {optional_time(until), text(reason), integer(id)}));
}

Status IdentityTables::set_disabled(std::int64_t id, bool disabled) {
  return done(db_.exec("UPDATE users SET disabled = ? WHERE id = ?", {flag(disabled), integer(id)}));
}

Status IdentityTables::set_totp_pending(std::int64_t id, const std::string& sealed) {
  return done(db_.exec("UPDATE users SET totp_pending_sealed = ? WHERE id = ?", {text(sealed), integer(id)}));
}

Status IdentityTables::enable_totp(std::int64_t id, std::int64_t used_step) {
  return done(
      db_.exec("UPDATE users SET totp_secret_sealed = totp_pending_sealed, totp_pending_sealed = NULL, "
               "totp_enabled = 1, "
               "totp_last_step = ? WHERE id = ? AND totp_pending_sealed IS NOT NULL",
               {integer(used_step), integer(id)}));
}

Status IdentityTables::set_totp_last_step(std::int64_t id, std::int64_t step) {
  return done(db_.exec("UPDATE users SET totp_last_step = ? WHERE id = ?", {integer(step), integer(id)}));
}

// ----- password history -----

Status IdentityTables::insert_history(std::int64_t user_id, const std::string& hash, TimePoint now) {
  return done(db_.exec("INSERT INTO password_history (user_id, hash, set_at) VALUES (?, ?, ?)",
                       {integer(user_id), text(hash), time_value(now)}));
}

Result<std::vector<std::string>> IdentityTables::recent_history(std::int64_t user_id, std::size_t n) {
  return all_of<std::string>(
      db_.query("SELECT hash FROM password_history WHERE user_id = ? ORDER BY id DESC LIMIT ?",
                {integer(user_id), integer(static_cast<std::int64_t>(n))}),
      [](const Row& r) -> Result<std::string> { return r.text(0); });
}

// ----- role grants -----

Result<std::int64_t> IdentityTables::insert_grant(std::int64_t user_id, Role role, const Scope& scope,
                                                  const std::string& by, TimePoint now) {
  SW_CHECK(done(
      db_.exec("INSERT INTO role_grants (user_id, role, scope_kind, scope_id, granted_by, granted_at) VALUES "
               "(?, ?, ?, ?, ?, ?)",
               {integer(user_id), text(std::string(to_string(role))),
                text(std::string(to_string(scope.kind))), integer(scope.id), text(by), time_value(now)})));
  return db_.last_insert_id();
}

Result<std::optional<Grant>> IdentityTables::grant_by_id(std::int64_t id) {
  return optional_of<Grant>(db_.query_one(std::string(kGrantColumns) + "WHERE id = ?", {integer(id)}),
                            grant_from);
}

Result<std::vector<Grant>> IdentityTables::grants_of(std::int64_t user_id, bool include_revoked) {
  const std::string sql =
      std::string(kGrantColumns) + "WHERE user_id = ? AND (? = 1 OR revoked_at IS NULL) ORDER BY id";
  return all_of<Grant>(db_.query(sql, {integer(user_id), flag(include_revoked)}), grant_from);
}

Status IdentityTables::revoke_grant(std::int64_t id, TimePoint now) {
  return done(db_.exec("UPDATE role_grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                       {time_value(now), integer(id)}));
}

// ----- sessions -----

Status IdentityTables::insert_session(const SessionRow& s) {
  return done(db_.exec(
      "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, client_ip, csrf_token, "
      "second_factor_done, via_client_cert) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {text(s.id_hash), integer(s.user_id), time_value(s.created_at), time_value(s.last_seen_at),
       time_value(s.expires_at), text(s.client_ip), text(s.csrf_token), flag(s.second_factor_done),
       flag(s.via_client_cert)}));
}

Result<std::optional<SessionRow>> IdentityTables::session(const std::string& id_hash) {
  return optional_of<SessionRow>(
      db_.query_one(
          "SELECT id_hash, user_id, created_at, last_seen_at, expires_at, ended_at, client_ip, csrf_token, "
          "second_factor_done, via_client_cert FROM sessions WHERE id_hash = ?",
          {text(id_hash)}),
      [](const Row& r) -> Result<SessionRow> {
        SessionRow s;
        s.id_hash = r.text(0);
        s.user_id = r.integer(1);
        SW_TRY(created, time_at(r, 2));
        SW_TRY(seen, time_at(r, 3));
        SW_TRY(expires, time_at(r, 4));
        SW_TRY(ended, optional_time_at(r, 5));
        s.created_at = created;
        s.last_seen_at = seen;
        s.expires_at = expires;
        s.ended_at = ended;
        s.client_ip = r.text(6);
        s.csrf_token = r.text(7);
        s.second_factor_done = r.integer(8) != 0;
        s.via_client_cert = r.integer(9) != 0;
        return s;
      });
}

Status IdentityTables::touch_session(const std::string& id_hash, TimePoint now) {
  return done(
      db_.exec("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", {time_value(now), text(id_hash)}));
}

Status IdentityTables::end_session(const std::string& id_hash, TimePoint now) {
  return done(db_.exec("UPDATE sessions SET ended_at = ? WHERE id_hash = ? AND ended_at IS NULL",
                       {time_value(now), text(id_hash)}));
}

Status IdentityTables::end_user_sessions(std::int64_t user_id, TimePoint now) {
  return done(db_.exec("UPDATE sessions SET ended_at = ? WHERE user_id = ? AND ended_at IS NULL",
                       {time_value(now), integer(user_id)}));
}

// ----- login throttles -----

Result<Throttle> IdentityTables::throttle(ThrottleKind kind, const std::string& subject) {
  SW_TRY(row, db_.query_one("SELECT failures, window_started_at, locked_until, lockouts FROM login_throttles "
                            "WHERE subject_kind = ? AND subject = ?",
                            {text(std::string(to_string(kind))), text(subject)}));
  if (!row) return Throttle{};
  SW_TRY(window, time_at(*row, 1));
  SW_TRY(locked, optional_time_at(*row, 2));
  return Throttle{static_cast<int>(row->integer(0)), window, locked, static_cast<int>(row->integer(3))};
}

Status IdentityTables::put_throttle(ThrottleKind kind, const std::string& subject, const Throttle& t) {
  return done(
      db_.exec("INSERT INTO login_throttles (subject_kind, subject, failures, window_started_at, "
               "locked_until, lockouts) "
               "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (subject_kind, subject) DO UPDATE SET failures = "
               "excluded.failures, "
               "window_started_at = excluded.window_started_at, locked_until = excluded.locked_until, "
               "lockouts = excluded.lockouts",
               {text(std::string(to_string(kind))), text(subject), integer(t.failures),
                time_value(t.window_started_at), optional_time(t.locked_until), integer(t.lockouts)}));
}

Status IdentityTables::clear_throttle(ThrottleKind kind, const std::string& subject) {
  return done(db_.exec("DELETE FROM login_throttles WHERE subject_kind = ? AND subject = ?",
                       {text(std::string(to_string(kind))), text(subject)}));
}

// ----- client certificates -----

Result<std::int64_t> IdentityTables::insert_certificate(std::int64_t user_id, const std::string& fingerprint,
                                                        const std::string& subject, TimePoint now) {
  SW_CHECK(done(db_.exec(
      "INSERT INTO client_certificates (user_id, fingerprint, subject, added_at) VALUES (?, ?, ?, ?)",
      {integer(user_id), text(fingerprint), text(subject), time_value(now)})));
  return db_.last_insert_id();
}

Result<std::optional<ClientCertificate>> IdentityTables::certificate_by_id(std::int64_t id) {
  return optional_of<ClientCertificate>(
      db_.query_one(std::string(kCertificateColumns) + "WHERE id = ?", {integer(id)}), certificate_from);
}

Result<std::optional<ClientCertificate>> IdentityTables::certificate_by_fingerprint(
    const std::string& fingerprint) {
  return optional_of<ClientCertificate>(
      db_.query_one(std::string(kCertificateColumns) + "WHERE fingerprint = ?", {text(fingerprint)}),
      certificate_from);
}

Result<std::vector<ClientCertificate>> IdentityTables::certificates_of(std::int64_t user_id) {
  return all_of<ClientCertificate>(
      db_.query(std::string(kCertificateColumns) + "WHERE user_id = ? ORDER BY id", {integer(user_id)}),
      certificate_from);
}

Status IdentityTables::revoke_certificate(std::int64_t id, TimePoint now) {
  return done(db_.exec("UPDATE client_certificates SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                       {time_value(now), integer(id)}));
}

}  // namespace sw::identity
