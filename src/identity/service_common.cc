// IdentityService: construction, field validation, the audit trail and the permission check.
#include <regex>

#include "base/log.h"
#include "identity/password.h"
#include "identity/service_impl.h"

namespace sw::identity {
namespace {

constexpr std::size_t kMaxRealName = 64;
constexpr std::size_t kMaxEmail = 254;
constexpr std::size_t kFingerprintHexDigits = 64;
constexpr std::int64_t kUnlockedSentinelSeconds = 7'258'118'399;  // 2199-12-31T23:59:59Z
constexpr std::string_view kSystemRole = "system";
constexpr std::string_view kDummyPassword = "sitewarden-dummy-password-for-timing";

bool matches(std::string_view text, const std::regex& re) {
  return std::regex_match(text.begin(), text.end(), re);
}

std::unexpected<Error> invalid(std::string_view field, std::string_view why) {
  return fail("identity.invalid_" + std::string(field), std::string(field) + ": " + std::string(why));
}

}  // namespace

TimePoint locked_until_unlocked() { return TimePoint{std::chrono::seconds{kUnlockedSentinelSeconds}}; }

Status validate_username(std::string_view username) {
  static const std::regex re("[a-z0-9][a-z0-9._-]{2,31}");
  if (!matches(username, re))
    return invalid("username", "3 to 32 of a-z 0-9 . _ - starting with a letter or digit");
  return ok();
}

Status validate_real_name(std::string_view real_name) {
  const bool control = std::ranges::any_of(real_name, [](unsigned char c) { return c < 0x20 || c == 0x7f; });
  if (real_name.empty() || real_name.size() > kMaxRealName || control) {
    return invalid("real_name", "1 to 64 bytes without control characters");
  }
  return ok();
}

Status validate_phone(std::string_view phone) {
  static const std::regex re("1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8}");
  if (!matches(phone, re))
    return invalid("phone", "a mobile number 1[3-9]XXXXXXXXX or a landline 0XX(X)-XXXXXXX(X)");
  return ok();
}

Status validate_email(std::string_view email) {
  static const std::regex re("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");
  if (email.size() > kMaxEmail || !matches(email, re))
    return invalid("email", "an address like name@example.org.cn");
  return ok();
}

Result<std::string> normalize_fingerprint(std::string_view text) {
  std::string hex;
  for (unsigned char c : text) {
    if (c == ':') continue;
    if (!std::isxdigit(c))
      return fail("identity.bad_fingerprint", "fingerprint: only hex digits and ':' allowed");
    hex.push_back(static_cast<char>(std::tolower(c)));
  }
  if (hex.size() != kFingerprintHexDigits) {
    return fail("identity.bad_fingerprint", "fingerprint: a SHA-256 fingerprint has 64 hex digits");
  }
  return hex;
}

std::string_view to_string(SessionStage s) {
  switch (s) {
    case SessionStage::second_factor_required:
      return "second_factor_required";
    case SessionStage::enrolment_required:
      return "enrolment_required";
    case SessionStage::password_change_required:
      return "password_change_required";
    case SessionStage::full:
      return "full";
  }
  return "unknown";
}

Status check_csrf(const Session& session, std::string_view token) {
  if (session.csrf_token.empty() || !crypto::equal_constant_time(session.csrf_token, token)) {
    return fail("identity.csrf_mismatch", "the form's CSRF token does not match the session");
  }
  return ok();
}

Result<std::unique_ptr<IdentityService>> IdentityService::open(store::Database& db, audit::AuditLog& audit,
                                                               const crypto::Suite& suite,
                                                               std::string totp_seal_key, Policy policy,
                                                               const Clock& clock) {
  SW_CHECK(validate(policy));
  if (totp_seal_key.size() != suite.seal_key_size()) {
    return fail("identity.bad_seal_key", "the TOTP seal key must be " +
                                             std::to_string(suite.seal_key_size()) + " bytes for suite " +
                                             std::string(crypto::to_string(suite.id())));
  }
  return std::make_unique<ServiceImpl>(db, audit, suite, std::move(totp_seal_key), std::move(policy), clock);
}

const std::string& ServiceImpl::dummy_hash() {
  std::call_once(dummy_once_, [this] {
    // The policy was validated at open, so this fails only when memory runs out; an empty hash then
    // verifies nothing (the unknown user is still refused, only faster).
    auto hashed = hash_password(kDummyPassword, policy_);
    if (hashed) dummy_hash_ = std::move(*hashed);
  });
  return dummy_hash_;
}

ServiceImpl::ServiceImpl(store::Database& db, audit::AuditLog& audit, const crypto::Suite& suite,
                         std::string seal_key, Policy policy, const Clock& clock)
    : tables_(db),
      trees_(db),
      audit_(audit),
      suite_(suite),
      seal_key_(std::move(seal_key)),
      policy_(std::move(policy)),
      clock_(clock) {}

// ----- audit -----

Status ServiceImpl::record(Audit e) {
  audit::Event event;
  event.actor = std::move(e.actor);
  event.actor_role = std::move(e.actor_role);
  if (e.scope) (e.scope->kind == ScopeKind::org ? event.org_id : event.site_id) = e.scope->id;
  event.action = std::move(e.action);
  event.object = std::move(e.object);
  event.outcome = e.outcome;
  event.client_ip = std::move(e.client_ip);
  event.request_id = std::move(e.request_id);
  event.details = std::move(e.details);
  auto appended = audit_.append(std::move(event));
  if (!appended) {
    log::error("identity.audit_failed", {{"error", appended.error().to_string()}});
    return std::unexpected(appended.error());
  }
  return ok();
}

ServiceImpl::Audit ServiceImpl::event_for(const Actor& actor, std::string action, std::string object,
                                          std::optional<Scope> scope) const {
  Audit e;
  e.actor = actor.principal.name;
  e.actor_role = actor.principal.is_system ? std::string(kSystemRole) : "";
  e.action = std::move(action);
  e.object = std::move(object);
  e.scope = scope;
  e.client_ip = actor.client_ip;
  e.request_id = actor.request_id;
  return e;
}

std::unexpected<Error> ServiceImpl::deny(Audit event, Error error) {
  event.outcome = audit::Outcome::denied;
  event.details["reason"] = error.code;
  (void)record(std::move(event));  // the refusal stands even if auditing it failed (logged in record)
  return std::unexpected(std::move(error));
}

Result<std::string> ServiceImpl::permit(const Actor& actor, Permission p, const Scope& target,
                                        const std::string& action, const std::string& object) {
  SW_TRY(tree, load_tree());
  auto role = authorize_as(actor.principal, p, target, *tree);
  if (!role) return deny(event_for(actor, action, object, target), role.error());
  return *role ? std::string(to_string(**role)) : std::string(kSystemRole);
}

Status ServiceImpl::authorize(const Principal& who, Permission p, const Scope& target) {
  std::lock_guard lock(mu_);
  SW_TRY(tree, load_tree());
  return identity::authorize(who, p, target, *tree);
}

Result<OrgTree> load_org_tree(store::Database& db) {
  SW_TRY(orgs, db.query("SELECT id, parent_id FROM organisations"));
  SW_TRY(sites, db.query("SELECT id, org_id FROM sites"));
  OrgTree tree;
  for (const store::Row& r : orgs)
    tree.add_org(r.integer(0), r.is_null(1) ? std::nullopt : std::optional<std::int64_t>(r.integer(1)));
  for (const store::Row& r : sites) tree.add_site(r.integer(0), r.integer(1));
  return tree;
}


// ----- users: shared helpers -----

Result<UserRow> ServiceImpl::user_row(std::int64_t user_id) {
  SW_TRY(row, tables_.user_by_id(user_id));
  if (!row) return fail("identity.not_found", "no user with id " + std::to_string(user_id));
  return std::move(*row);
}

Result<User> ServiceImpl::view(UserRow row) {
  User u = std::move(row.user);
  SW_TRY(throttle, tables_.throttle(ThrottleKind::account, u.username));
  const TimePoint now = clock_.now();
  if (u.locked_until && now >= *u.locked_until) {
    u.locked_until.reset();
    u.lock_reason.clear();
  }
  if (is_locked(throttle, now) && (!u.locked_until || *throttle.locked_until > *u.locked_until)) {
    u.locked_until = throttle.locked_until;
    if (u.lock_reason.empty()) u.lock_reason = "failed logins";
  }
  return u;
}

Status ServiceImpl::permit_read(const Principal& who, Permission p, const User& user) {
  if (!who.is_system && who.user_id == user.id) return ok();
  SW_TRY(tree, load_tree());
  return identity::authorize(who, p, Scope::org(user.org_id), *tree);
}

Status ServiceImpl::check_new_password(const UserRow& row, std::string_view password) {
  SW_CHECK(check_password_strength(password, row.user.username, row.user.real_name, policy_));
  SW_TRY(history, tables_.recent_history(row.user.id, policy_.password_history));
  for (const std::string& old : history) {
    if (verify_password(password, old)) {
      return fail("identity.password_reused", "password: must differ from the last " +
                                                  std::to_string(policy_.password_history) + " passwords");
    }
  }
  return ok();
}

Status ServiceImpl::store_password(std::int64_t user_id, std::string_view password, bool must_change) {
  SW_TRY(hash, hash_password(password, policy_));
  const TimePoint now = clock_.now();
  SW_TRY(tx, tables_.begin());
  SW_CHECK(tables_.set_password(user_id, hash, now, must_change));
  SW_CHECK(tables_.insert_history(user_id, hash, now));
  SW_CHECK(tables_.end_user_sessions(user_id, now));
  return tx.commit();
}

}  // namespace sw::identity
