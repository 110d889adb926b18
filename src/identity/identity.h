// IdentityService: accounts, password policy, lockout, second factor, sessions and role grants
// (N6.3, N6.4, N7.4, N8.1). The module's page is docs/modules/identity.md.
//
// Login is a session that climbs stages (see SessionStage). login_password() checks the password and
// creates a session in the first stage that still needs something; every step up
// (verify_totp, confirm_totp_enrolment, change_password) ends the old session id and returns a new
// one (rotation), so an id seen before login is never a logged-in id. Only a Stage::full session's
// Principal carries grants.
//
// Every mutating call takes an Actor and appends one audit event (action names below) with outcome
// success, failure or denied; denied and failed attempts are audited too. Passwords, TOTP secrets
// and codes, session ids and CSRF tokens never reach the audit log or the logs.
//
// Error codes (Error::code), so the console can map them to catalogue messages:
//   identity.invalid_username | invalid_real_name | invalid_phone | invalid_email  (field named)
//   identity.unknown_org | unknown_site | not_found | username_taken | already_initialised
//   identity.password_too_short | password_weak | password_contains_name | password_reused
//   identity.bad_credentials  (wrong password or unknown user: same error, same time)
//   identity.locked           (account or client IP locked; message says until when)
//   identity.disabled | identity.forbidden | identity.separation_of_duties | identity.self_grant
//   identity.bad_scope        (an officer role granted on a site)
//   identity.session_invalid | session_expired | wrong_stage | csrf_mismatch
//   identity.bad_code | code_replayed | no_enrolment | bad_fingerprint | certificate_taken
//
// Thread-safety: all methods may be called from any thread; database work is serialised inside,
// the argon2id verification of login runs outside the lock. Argon2id takes tens of milliseconds
// and 64 MiB by default: callers on an event loop should post login/password calls to a worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "base/result.h"
#include "identity/policy.h"
#include "identity/roles.h"
#include "store/database.h"

namespace sw::identity {

// Who does a mutating call, from where, in which request (all three go into the audit event).
struct Actor {
  Principal principal;
  std::string client_ip;
  std::string request_id;
};

// The organisation tree as authorize() needs it (each organisation's parent, each site's
// organisation), read from the database. Modules that check permissions themselves (registry,
// content) use it with authorize_as().
Result<OrgTree> load_org_tree(store::Database& db);

// ----- field validation (errors name the field) -------------------------------------------------

// 3..32 characters of [a-z0-9._-], starting with a letter or digit ("identity.invalid_username").
Status validate_username(std::string_view username);
// 1..64 bytes of UTF-8, no control characters ("identity.invalid_real_name").
Status validate_real_name(std::string_view real_name);
// A Chinese mobile number 1[3-9]\d{9} or a landline 0\d{2,3}-\d{7,8} ("identity.invalid_phone").
Status validate_phone(std::string_view phone);
// local@domain.tld, at most 254 characters, no spaces ("identity.invalid_email").
Status validate_email(std::string_view email);

// ----- organisations and sites (minimal; the registry issue extends them) ------------------------

struct Organisation {
  std::int64_t id = 0;
  std::optional<std::int64_t> parent_id;  // nullopt for the root (the provincial federation)
  std::string name;
  OrgKind kind = OrgKind::province;
  bool active = true;
};

struct Site {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::string name;
  bool active = true;
};

// ----- users ------------------------------------------------------------------------------------

struct User {
  std::int64_t id = 0;
  std::string username;
  std::string real_name;
  std::int64_t org_id = 0;
  std::string phone;
  std::string email;
  TimePoint created_at;
  TimePoint password_changed_at;
  bool must_change_password = false;      // set by admin-set, initial and reset passwords
  std::optional<TimePoint> locked_until;  // the later of an admin lock and a failed-login lockout
  std::string lock_reason;                // "" when not locked
  bool disabled = false;
  bool totp_enabled = false;
  int active_certificates = 0;  // registered, unrevoked client certificates
};

// Locked by an administrator "until unlocked" reads as this time point.
TimePoint locked_until_unlocked();

struct NewUser {
  std::string username;
  std::string real_name;
  std::int64_t org_id = 0;
  std::string phone;
  std::string email;
  std::string initial_password;  // checked against the policy; the user must change it at first login
};

// Fields left empty are not changed.
struct UserUpdate {
  std::optional<std::string> real_name;
  std::optional<std::int64_t> org_id;
  std::optional<std::string> phone;
  std::optional<std::string> email;
};

// ----- client certificates (N6.4) ---------------------------------------------------------------

struct ClientCertificate {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string fingerprint;  // SHA-256 of the DER certificate, 64 lowercase hex digits
  std::string subject;
  TimePoint added_at;
  std::optional<TimePoint> revoked_at;
};

// Accepts 64 hex digits, upper or lower case, with or without ':' separators; returns lowercase
// hex without separators ("identity.bad_fingerprint").
Result<std::string> normalize_fingerprint(std::string_view text);

// ----- sessions ---------------------------------------------------------------------------------

enum class SessionStage {
  second_factor_required,    // password ok; TOTP code (or a client certificate at login) still due
  enrolment_required,        // password ok, no second factor yet and policy requires one: enrol TOTP
  password_change_required,  // first login, reset, or password older than password_max_age
  full,                      // logged in
};
std::string_view to_string(SessionStage s);

struct Session {
  std::int64_t user_id = 0;
  std::string username;
  SessionStage stage = SessionStage::full;
  std::string csrf_token;  // put it in every form; check with check_csrf()
  bool via_client_certificate = false;
  TimePoint created_at;
  TimePoint last_seen_at;
  TimePoint expires_at;  // the absolute limit (idle timeout applies before it)
  std::string client_ip;
  Principal principal;  // grants only when stage == full
};

// What a step of login returns: the new session id (the cookie value; shown only here, stored
// hashed) and the session it opens.
struct LoginStep {
  std::string session_id;
  Session session;
};

struct LoginRequest {
  std::string username;
  std::string password;
  std::string client_ip;
  std::string request_id;
  // SHA-256 fingerprint of the TLS client certificate, when the connection presented one. If it
  // matches an active registration of this user it satisfies the second factor (N6.4).
  std::optional<std::string> client_certificate_fingerprint;
};

// Where a request came from, for calls made before there is a principal.
struct RequestContext {
  std::string client_ip;
  std::string request_id;
};

struct TotpEnrolment {
  std::string secret_base32;  // show once, for manual entry
  std::string otpauth_uri;    // otpauth://totp/<issuer>:<user>?secret=...&issuer=<issuer>
};

// Compares a form's CSRF token with the session's in constant time ("identity.csrf_mismatch").
Status check_csrf(const Session& session, std::string_view token);

// ----- bootstrap (`sitewarden init`, demo seeding) ----------------------------------------------

struct OfficerAccount {
  std::string username;
  std::string real_name;
  std::string phone;
  std::string email;
  std::string password;  // initial: must be changed at first login
};

struct BootstrapRequest {
  std::string root_org_name;  // the provincial federation
  OfficerAccount system_admin;
  OfficerAccount security_admin;
  OfficerAccount audit_admin;
};

struct BootstrapResult {
  std::int64_t root_org_id = 0;
  std::int64_t system_admin_id = 0;
  std::int64_t security_admin_id = 0;
  std::int64_t audit_admin_id = 0;
};

// ----- the service ------------------------------------------------------------------------------

class IdentityService {
 public:
  // `db` (migrations applied), `audit` and `clock` must outlive the service. `totp_seal_key` is
  // suite.seal_key_size() secret bytes used to seal TOTP secrets at rest (aad binds each to its
  // user); session ids are stored as suite hashes, so switching suites ends open sessions.
  static Result<std::unique_ptr<IdentityService>> open(store::Database& db, audit::AuditLog& audit,
                                                       const crypto::Suite& suite, std::string totp_seal_key,
                                                       Policy policy = {},
                                                       const Clock& clock = system_clock());
  virtual ~IdentityService() = default;

  // The one permission check against the current organisation tree (see roles.h authorize()).
  virtual Status authorize(const Principal& who, Permission p, const Scope& target) = 0;

  // --- bootstrap: audited as "identity.bootstrap"; only on a database with no users yet.
  // Creates the root organisation and the three officers, each granted at the root.
  virtual Result<BootstrapResult> bootstrap(const Actor& actor, const BootstrapRequest& request) = 0;

  // --- organisations and sites. Create needs org.manage on the parent org ("org.create",
  // "site.create"); the root org can only be made by bootstrap or the system principal.
  virtual Result<Organisation> create_organisation(const Actor& actor, std::optional<std::int64_t> parent_id,
                                                   std::string name, OrgKind kind) = 0;
  virtual Result<Site> create_site(const Actor& actor, std::int64_t org_id, std::string name) = 0;
  // Organisations/sites the principal may org.read / site.read, root first then by id.
  virtual Result<std::vector<Organisation>> list_organisations(const Principal& who) = 0;
  virtual Result<std::vector<Site>> list_sites(const Principal& who) = 0;

  // --- accounts: user.manage on the user's organisation (for create/update: the target org too).
  virtual Result<User> create_user(const Actor& actor, const NewUser& user) = 0;  // user.create
  virtual Result<User> update_user(const Actor& actor, std::int64_t user_id,
                                   const UserUpdate& update) = 0;  // user.update
  // Locks until `until` (nullopt: until unlocked); the reason is shown to administrators.
  virtual Status lock_user(const Actor& actor, std::int64_t user_id, std::string reason,
                           std::optional<TimePoint> until) = 0;  // user.lock
  // Lifts an admin lock and a failed-login lockout of the account, and resets its back-off.
  virtual Status unlock_user(const Actor& actor, std::int64_t user_id) = 0;  // user.unlock
  // Sets a password chosen by the administrator (policy-checked); the user must change it at next
  // login; ends the user's sessions.
  virtual Status reset_password(const Actor& actor, std::int64_t user_id,
                                std::string_view new_password) = 0;  // user.reset_password
  // Disables or re-enables an account; disabling ends its sessions.
  virtual Status set_disabled(const Actor& actor, std::int64_t user_id,
                              bool disabled) = 0;  // user.disable / user.enable
  // Ends every session of the user: themselves, or user.manage on their org.
  virtual Status logout_everywhere(const Actor& actor, std::int64_t user_id) = 0;  // auth.logout_all

  // user.read on the user's org, or the user themselves.
  virtual Result<User> get_user(const Principal& who, std::int64_t user_id) = 0;
  virtual Result<User> find_user(const Principal& who, std::string_view username) = 0;
  // Users of every org in the subtree of `org_id` (user.read on it), by username.
  virtual Result<std::vector<User>> list_users(const Principal& who, std::int64_t org_id) = 0;

  // --- role grants: role.grant on the target scope. Refused: granting to oneself
  // ("identity.self_grant"), a second officer role ("identity.separation_of_duties"), an officer
  // role on a site ("identity.bad_scope").
  virtual Result<Grant> grant_role(const Actor& actor, std::int64_t user_id, Role role,
                                   const Scope& scope) = 0;                   // role.grant
  virtual Status revoke_role(const Actor& actor, std::int64_t grant_id) = 0;  // role.revoke
  // Active grants (include_revoked: all), role.read on the user's org, or the user themselves.
  virtual Result<std::vector<Grant>> list_grants(const Principal& who, std::int64_t user_id,
                                                 bool include_revoked = false) = 0;

  // --- client certificates: cert.register on the user's org.
  virtual Result<ClientCertificate> register_certificate(const Actor& actor, std::int64_t user_id,
                                                         std::string_view fingerprint,
                                                         std::string subject) = 0;         // cert.register
  virtual Status revoke_certificate(const Actor& actor, std::int64_t certificate_id) = 0;  // cert.revoke
  virtual Result<std::vector<ClientCertificate>> list_certificates(const Principal& who,
                                                                   std::int64_t user_id) = 0;

  // --- login ("auth.login": success or failure; "auth.lockout" when a lock starts) -------------
  // Password step. On success returns a new session in its first needed stage. Failures:
  // identity.bad_credentials, identity.locked, identity.disabled.
  virtual Result<LoginStep> login_password(const LoginRequest& request) = 0;
  // TOTP step for a second_factor_required session ("auth.second_factor"). Rotates the id.
  virtual Result<LoginStep> verify_totp(std::string_view session_id, std::string_view code,
                                        const RequestContext& ctx) = 0;
  // Starts TOTP enrolment for the session's user: a new 20-byte secret, pending until confirmed; while
  // one is pending, the same secret is returned again (page reloads, mistyped codes). Allowed in stage enrolment_required, or full (to replace a factor).
  virtual Result<TotpEnrolment> begin_totp_enrolment(std::string_view session_id,
                                                     const RequestContext& ctx) = 0;
  // Confirms the pending secret with a current code ("totp.enrol"); enables TOTP, satisfies the
  // second factor of this session and rotates the id.
  virtual Result<LoginStep> confirm_totp_enrolment(std::string_view session_id, std::string_view code,
                                                   const RequestContext& ctx) = 0;
  // Changes the session user's own password ("auth.password_change"); needs the current password
  // and a session past the second factor. Ends the user's other sessions, rotates this one's id.
  virtual Result<LoginStep> change_password(std::string_view session_id, std::string_view current_password,
                                            std::string_view new_password, const RequestContext& ctx) = 0;

  // --- sessions ---------------------------------------------------------------------------------
  // Looks a session up by the id from the cookie and touches its idle timer. Fails with
  // identity.session_invalid (unknown, ended) or identity.session_expired (idle or absolute).
  virtual Result<Session> authenticate(std::string_view session_id) = 0;
  // Ends one session ("auth.logout"). Unknown ids are not an error (logging out twice is fine).
  virtual Status logout(std::string_view session_id, const RequestContext& ctx) = 0;
};

}  // namespace sw::identity
