// IdentityService: login (password, lockout, second factor), password change and sessions
// (N6.3, N6.4, N7.4). Login is a session climbing stages; every step up rotates the session id.

#include "identity/password.h"
#include "identity/service_impl.h"
#include "identity/totp.h"

namespace sw::identity {
namespace {

constexpr std::size_t kSessionIdBytes = 32;
constexpr std::size_t kCsrfTokenBytes = 32;
constexpr std::size_t kMaxAuditedNameLength = 64;  // attacker-typed usernames are cut to this

Actor as_actor(std::string_view username, std::int64_t user_id, const RequestContext& ctx) {
  return Actor{Principal::user(user_id, std::string(username.substr(0, kMaxAuditedNameLength)), {}),
               ctx.client_ip, ctx.request_id};
}

std::string user_object(std::string_view username) {
  return "user:" + std::string(username.substr(0, kMaxAuditedNameLength));
}

std::string totp_aad(std::int64_t user_id) { return "sitewarden.totp:" + std::to_string(user_id); }

std::string until_text(TimePoint t) {
  return t == locked_until_unlocked() ? "an administrator unlocks it" : format_rfc3339(t);
}

}  // namespace

// ----- login -----

Result<LoginStep> ServiceImpl::login_password(const LoginRequest& req) {
  const RequestContext ctx{req.client_ip, req.request_id};
  std::optional<UserRow> user;
  auto failed = [&](std::string_view reason) {
    Audit e = event_for(as_actor(req.username, user ? user->user.id : 0, ctx), "auth.login",
                        user_object(req.username), std::nullopt);
    if (user) e.scope = Scope::org(user->user.org_id);
    e.outcome = audit::Outcome::failure;
    e.details["reason"] = reason;
    return record(std::move(e));
  };
  {
    std::lock_guard lock(mu_);
    SW_TRY(found, tables_.user_by_name(req.username));
    user = std::move(found);
    SW_TRY(locked, lock_message(req.username, user ? &*user : nullptr, req.client_ip));
    if (locked) {
      SW_CHECK(failed("identity.locked"));
      return fail("identity.locked", *locked);
    }
  }
  // Unknown users are checked against a dummy hash so they take as long as known ones.
  const bool good =
      verify_password(req.password, user ? user->password_hash : dummy_hash()) && user.has_value();
  std::lock_guard lock(mu_);
  if (!good) {
    SW_CHECK(count_failure(req.username, ctx));
    SW_CHECK(failed("identity.bad_credentials"));
    return fail("identity.bad_credentials", "wrong username or password");
  }
  if (user->user.disabled) {
    SW_CHECK(failed("identity.disabled"));
    return fail("identity.disabled", "the account \"" + user->user.username + "\" is disabled");
  }
  SW_CHECK(tables_.clear_throttle(ThrottleKind::account, user->user.username));
  bool via_cert = false;
  if (req.client_certificate_fingerprint) {
    auto fp = normalize_fingerprint(*req.client_certificate_fingerprint);
    SW_TRY(cert, fp ? tables_.certificate_by_fingerprint(*fp) : Result<std::optional<ClientCertificate>>{});
    via_cert = cert && cert->user_id == user->user.id && !cert->revoked_at;
  }
  SW_TRY(step, start_session(*user, req.client_ip, via_cert, via_cert, std::nullopt));
  Audit e = event_for(as_actor(user->user.username, user->user.id, ctx), "auth.login",
                      user_object(req.username), Scope::org(user->user.org_id));
  e.details = {{"stage", to_string(step.session.stage)}, {"via_client_certificate", via_cert}};
  SW_CHECK(record(std::move(e)));
  return step;
}

Result<std::optional<std::string>> ServiceImpl::lock_message(const std::string& username, const UserRow* user,
                                                             const std::string& client_ip) {
  const TimePoint now = clock_.now();
  SW_TRY(ip, tables_.throttle(ThrottleKind::client_ip, client_ip));
  if (is_locked(ip, now)) {
    return std::optional<std::string>{"too many failed logins from " + client_ip + "; try again after " +
                                      format_rfc3339(*ip.locked_until)};
  }
  SW_TRY(account, tables_.throttle(ThrottleKind::account, username));
  if (is_locked(account, now)) {
    return std::optional<std::string>{"the account is locked after failed logins until " +
                                      format_rfc3339(*account.locked_until)};
  }
  if (user && user->user.locked_until && now < *user->user.locked_until) {
    return std::optional<std::string>{"the account is locked (" + user->user.lock_reason + ") until " +
                                      until_text(*user->user.locked_until)};
  }
  return std::optional<std::string>{};
}

Status ServiceImpl::count_failure(const std::string& username, const RequestContext& ctx) {
  const TimePoint now = clock_.now();
  const std::pair<ThrottleKind, std::string> subjects[] = {{ThrottleKind::account, username},
                                                           {ThrottleKind::client_ip, ctx.client_ip}};
  for (const auto& [kind, subject] : subjects) {
    SW_TRY(t, tables_.throttle(kind, subject));
    const int limit =
        kind == ThrottleKind::account ? policy_.max_account_failures : policy_.max_client_ip_failures;
    const bool locked_now = record_failure(t, now, limit, policy_);
    SW_CHECK(tables_.put_throttle(kind, subject, t));
    if (!locked_now) continue;
    const std::string object = kind == ThrottleKind::account ? user_object(subject) : "client_ip:" + subject;
    Audit e = event_for(as_actor(username, 0, ctx), "auth.lockout", object, std::nullopt);
    e.outcome = audit::Outcome::failure;
    e.details = {
        {"until", format_rfc3339(*t.locked_until)}, {"lockouts", t.lockouts}, {"kind", to_string(kind)}};
    SW_CHECK(record(std::move(e)));
  }
  return ok();
}

// ----- second factor -----

Result<std::string> ServiceImpl::sealed_secret(std::int64_t user_id, const std::string& sealed_b64) {
  SW_TRY(sealed, crypto::from_base64(sealed_b64));
  return suite_.open(seal_key_, sealed, totp_aad(user_id));
}

Result<std::int64_t> ServiceImpl::check_code(const OpenSession& s, const std::string& sealed,
                                             std::string_view code, const RequestContext& ctx,
                                             const std::string& action, std::int64_t last_step) {
  const User& u = s.user.user;
  SW_TRY(locked, lock_message(u.username, &s.user, ctx.client_ip));
  if (locked) return fail("identity.locked", *locked);
  SW_TRY(secret, sealed_secret(u.id, sealed));
  const auto step = match_totp(secret, code, clock_.now(), policy_.totp_window_steps);
  if (step && *step > last_step) return *step;
  const Error error =
      step ? Error{"identity.code_replayed", "this code was already used; wait for the next one"}
           : Error{"identity.bad_code", "the code is wrong or too old"};
  SW_CHECK(count_failure(u.username, ctx));
  Audit e = event_for(as_actor(u.username, u.id, ctx), action, user_object(u.username), Scope::org(u.org_id));
  e.outcome = audit::Outcome::failure;
  e.details["reason"] = error.code;
  SW_CHECK(record(std::move(e)));
  return std::unexpected(error);
}

Result<LoginStep> ServiceImpl::verify_totp(std::string_view session_id, std::string_view code,
                                           const RequestContext& ctx) {
  std::lock_guard lock(mu_);
  SW_TRY(s, open_session(session_id));
  if (stage_of(s.row, s.user) != SessionStage::second_factor_required) {
    return fail("identity.wrong_stage", "this session is not waiting for a second factor");
  }
  if (!s.user.user.totp_enabled || !s.user.totp_secret_sealed) {
    return fail("identity.no_enrolment", "no TOTP enrolled; log in with the registered client certificate");
  }
  SW_TRY(step,
         check_code(s, *s.user.totp_secret_sealed, code, ctx, "auth.second_factor", s.user.totp_last_step));
  SW_CHECK(tables_.set_totp_last_step(s.user.user.id, step));
  SW_TRY(next, start_session(s.user, ctx.client_ip, true, false, s.row));
  const User& u = s.user.user;
  SW_CHECK(record(event_for(as_actor(u.username, u.id, ctx), "auth.second_factor", user_object(u.username),
                            Scope::org(u.org_id))));
  return next;
}

namespace {
// TOTP enrolment happens right after the password step (no second factor yet) or when logged in.
Status may_enrol(SessionStage stage) {
  if (stage == SessionStage::enrolment_required || stage == SessionStage::full) return ok();
  return fail("identity.wrong_stage", "enrol a second factor after the password step, or when logged in");
}
}  // namespace

Result<TotpEnrolment> ServiceImpl::begin_totp_enrolment(std::string_view session_id,
                                                        const RequestContext& ctx) {
  std::lock_guard lock(mu_);
  SW_TRY(s, open_session(session_id));
  SW_CHECK(may_enrol(stage_of(s.row, s.user)));
  const User& u = s.user.user;
  // A pending secret is shown again (a reload or a mistyped code must not invalidate what the user
  // already added to the app); a new one is made only when none is pending.
  if (s.user.totp_pending_sealed) {
    SW_TRY(pending_sealed, crypto::from_base64(*s.user.totp_pending_sealed));
    SW_TRY(pending, suite_.open(seal_key_, pending_sealed, totp_aad(u.id)));
    const std::string base32 = crypto::to_base32(pending);
    return TotpEnrolment{base32, otpauth_uri(policy_.totp_issuer, u.username, base32)};
  }
  const std::string secret = crypto::random_bytes(kTotpSecretBytes);
  SW_TRY(sealed, suite_.seal(seal_key_, secret, totp_aad(u.id)));
  SW_CHECK(tables_.set_totp_pending(u.id, crypto::to_base64(sealed)));
  SW_CHECK(record(event_for(as_actor(u.username, u.id, ctx), "totp.enrol_begin", user_object(u.username),
                            Scope::org(u.org_id))));
  const std::string base32 = crypto::to_base32(secret);
  return TotpEnrolment{base32, otpauth_uri(policy_.totp_issuer, u.username, base32)};
}

Result<LoginStep> ServiceImpl::confirm_totp_enrolment(std::string_view session_id, std::string_view code,
                                                      const RequestContext& ctx) {
  std::lock_guard lock(mu_);
  SW_TRY(s, open_session(session_id));
  SW_CHECK(may_enrol(stage_of(s.row, s.user)));
  if (!s.user.totp_pending_sealed) return fail("identity.no_enrolment", "start TOTP enrolment first");
  // A fresh secret has no used steps yet.
  SW_TRY(step, check_code(s, *s.user.totp_pending_sealed, code, ctx, "totp.enrol", -1));
  const User& u = s.user.user;
  SW_CHECK(tables_.enable_totp(u.id, step));
  SW_TRY(fresh, user_row(u.id));
  SW_TRY(next, start_session(fresh, ctx.client_ip, true, s.row.via_client_cert, s.row));
  SW_CHECK(record(event_for(as_actor(u.username, u.id, ctx), "totp.enrol", user_object(u.username),
                            Scope::org(u.org_id))));
  return next;
}

// ----- password change -----

Result<LoginStep> ServiceImpl::change_password(std::string_view session_id, std::string_view current_password,
                                               std::string_view new_password, const RequestContext& ctx) {
  OpenSession s;
  {
    std::lock_guard lock(mu_);
    SW_TRY(found, open_session(session_id));
    s = std::move(found);
    const SessionStage stage = stage_of(s.row, s.user);
    if (stage != SessionStage::password_change_required && stage != SessionStage::full) {
      return fail("identity.wrong_stage", "complete the second factor before changing the password");
    }
    SW_TRY(locked, lock_message(s.user.user.username, &s.user, ctx.client_ip));
    if (locked) return fail("identity.locked", *locked);
  }
  const bool good = verify_password(current_password, s.user.password_hash);
  std::lock_guard lock(mu_);
  const User& u = s.user.user;
  Audit e = event_for(as_actor(u.username, u.id, ctx), "auth.password_change", user_object(u.username),
                      Scope::org(u.org_id));
  Status changed = good ? check_new_password(s.user, new_password)
                        : fail("identity.bad_credentials", "the current password is wrong");
  if (changed) changed = store_password(u.id, new_password, /*must_change=*/false);
  if (!changed) {
    if (!good) SW_CHECK(count_failure(u.username, ctx));
    e.outcome = audit::Outcome::failure;
    e.details["reason"] = changed.error().code;
    SW_CHECK(record(std::move(e)));
    return std::unexpected(changed.error());
  }
  SW_TRY(fresh, user_row(u.id));
  SW_TRY(next, start_session(fresh, ctx.client_ip, s.row.second_factor_done, s.row.via_client_cert, s.row));
  SW_CHECK(record(std::move(e)));
  return next;
}

// ----- sessions -----

std::string ServiceImpl::hash_id(std::string_view session_id) const {
  return suite_.hash(session_id).to_string();
}

SessionStage ServiceImpl::stage_of(const SessionRow& s, const UserRow& u) const {
  const bool has_factor = u.user.totp_enabled || u.user.active_certificates > 0;
  if (!s.second_factor_done && has_factor) return SessionStage::second_factor_required;
  if (!s.second_factor_done && policy_.require_second_factor) return SessionStage::enrolment_required;
  const bool expired = clock_.now() - u.user.password_changed_at >= policy_.password_max_age;
  if (u.user.must_change_password || expired) return SessionStage::password_change_required;
  return SessionStage::full;
}

Result<ServiceImpl::OpenSession> ServiceImpl::open_session(std::string_view session_id) {
  SW_TRY(row, tables_.session(hash_id(session_id)));
  if (!row || row->ended_at) return fail("identity.session_invalid", "no such session; log in again");
  const TimePoint now = clock_.now();
  if (now - row->last_seen_at >= policy_.session_idle_timeout || now >= row->expires_at) {
    SW_CHECK(tables_.end_session(row->id_hash, now));
    return fail("identity.session_expired", "the session has expired; log in again");
  }
  SW_TRY(user, user_row(row->user_id));
  if (user.user.disabled) {
    SW_CHECK(tables_.end_session(row->id_hash, now));
    return fail("identity.session_invalid", "the account is disabled");
  }
  return OpenSession{std::move(*row), std::move(user)};
}

Result<LoginStep> ServiceImpl::start_session(const UserRow& user, const std::string& client_ip,
                                             bool second_factor_done, bool via_cert,
                                             std::optional<SessionRow> rotated_from) {
  const TimePoint now = clock_.now();
  const std::string id = crypto::to_hex(crypto::random_bytes(kSessionIdBytes));
  SessionRow s;
  s.id_hash = hash_id(id);
  s.user_id = user.user.id;
  s.created_at = rotated_from ? rotated_from->created_at : now;
  s.expires_at = rotated_from ? rotated_from->expires_at : now + policy_.session_absolute_timeout;
  s.last_seen_at = now;
  s.client_ip = client_ip;
  s.csrf_token = crypto::to_hex(crypto::random_bytes(kCsrfTokenBytes));
  s.second_factor_done = second_factor_done;
  s.via_client_cert = via_cert;
  SW_TRY(tx, tables_.begin());
  if (rotated_from) SW_CHECK(tables_.end_session(rotated_from->id_hash, now));
  SW_CHECK(tables_.insert_session(s));
  SW_CHECK(tx.commit());
  SW_TRY(view, session_view(s, user));
  return LoginStep{id, std::move(view)};
}

Result<Session> ServiceImpl::session_view(const SessionRow& s, const UserRow& u) {
  Session out;
  out.user_id = u.user.id;
  out.username = u.user.username;
  out.stage = stage_of(s, u);
  out.csrf_token = s.csrf_token;
  out.via_client_certificate = s.via_client_cert;
  out.created_at = s.created_at;
  out.last_seen_at = s.last_seen_at;
  out.expires_at = s.expires_at;
  out.client_ip = s.client_ip;
  std::vector<Grant> grants;
  if (out.stage == SessionStage::full) {
    SW_TRY(active, tables_.grants_of(u.user.id, /*include_revoked=*/false));
    grants = std::move(active);
  }
  out.principal = Principal::user(u.user.id, u.user.username, std::move(grants));
  return out;
}

Result<Session> ServiceImpl::authenticate(std::string_view session_id) {
  std::lock_guard lock(mu_);
  SW_TRY(s, open_session(session_id));
  s.row.last_seen_at = clock_.now();
  SW_CHECK(tables_.touch_session(s.row.id_hash, s.row.last_seen_at));
  return session_view(s.row, s.user);
}

Status ServiceImpl::logout(std::string_view session_id, const RequestContext& ctx) {
  std::lock_guard lock(mu_);
  SW_TRY(row, tables_.session(hash_id(session_id)));
  if (!row || row->ended_at) return ok();
  SW_CHECK(tables_.end_session(row->id_hash, clock_.now()));
  SW_TRY(user, user_row(row->user_id));
  return record(event_for(as_actor(user.user.username, user.user.id, ctx), "auth.logout",
                          user_object(user.user.username), Scope::org(user.user.org_id)));
}

}  // namespace sw::identity
