// Internal: every SQL statement of the identity module's tables (migration 0001_identity.sql), one
// method per statement, bound parameters only. No rules live here; IdentityService decides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "identity/identity.h"
#include "identity/throttle.h"
#include "store/database.h"

namespace sw::identity {

// A users row: the public User fields (with only the administrator's lock) and the secrets.
struct UserRow {
  User user;
  std::string password_hash;
  std::optional<std::string> totp_secret_sealed;   // base64 of the sealed secret
  std::optional<std::string> totp_pending_sealed;  // enrolment not yet confirmed
  std::int64_t totp_last_step = -1;
};

struct SessionRow {
  std::string id_hash;
  std::int64_t user_id = 0;
  TimePoint created_at;
  TimePoint last_seen_at;
  TimePoint expires_at;
  std::optional<TimePoint> ended_at;
  std::string client_ip;
  std::string csrf_token;
  bool second_factor_done = false;
  bool via_client_cert = false;
};

enum class ThrottleKind { account, client_ip };
std::string_view to_string(ThrottleKind k);

class IdentityTables {
 public:
  explicit IdentityTables(store::Database& db) : db_(db) {}

  Result<store::Database::Transaction> begin() { return db_.begin(); }

  // organisations and sites
  Result<std::int64_t> insert_org(std::optional<std::int64_t> parent_id, const std::string& name,
                                  OrgKind kind);
  Result<std::int64_t> insert_site(std::int64_t org_id, const std::string& name);
  Result<std::vector<Organisation>> orgs();
  Result<std::vector<Site>> sites();

  // users
  Result<std::int64_t> insert_user(const NewUser& u, const std::string& hash, TimePoint now);
  Result<std::optional<UserRow>> user_by_id(std::int64_t id);
  Result<std::optional<UserRow>> user_by_name(const std::string& username);
  Result<std::vector<UserRow>> users();
  Result<std::int64_t> user_count();
  Status update_user(const User& u);  // real_name, org_id, phone, email
  Status set_password(std::int64_t id, const std::string& hash, TimePoint now, bool must_change);
  Status set_lock(std::int64_t id, std::optional<TimePoint> until, const std::string& reason);
  Status set_disabled(std::int64_t id, bool disabled);
  Status set_totp_pending(std::int64_t id, const std::string& sealed);
  Status enable_totp(std::int64_t id, std::int64_t used_step);  // pending → active
  Status set_totp_last_step(std::int64_t id, std::int64_t step);

  // password history
  Status insert_history(std::int64_t user_id, const std::string& hash, TimePoint now);
  Result<std::vector<std::string>> recent_history(std::int64_t user_id, std::size_t n);

  // role grants
  Result<std::int64_t> insert_grant(std::int64_t user_id, Role role, const Scope& scope,
                                    const std::string& by, TimePoint now);
  Result<std::optional<Grant>> grant_by_id(std::int64_t id);
  Result<std::vector<Grant>> grants_of(std::int64_t user_id, bool include_revoked);
  Status revoke_grant(std::int64_t id, TimePoint now);

  // sessions
  Status insert_session(const SessionRow& s);
  Result<std::optional<SessionRow>> session(const std::string& id_hash);
  Status touch_session(const std::string& id_hash, TimePoint now);
  Status end_session(const std::string& id_hash, TimePoint now);
  Status end_user_sessions(std::int64_t user_id, TimePoint now);

  // login throttles
  Result<Throttle> throttle(ThrottleKind kind, const std::string& subject);  // a fresh one if absent
  Status put_throttle(ThrottleKind kind, const std::string& subject, const Throttle& t);
  Status clear_throttle(ThrottleKind kind, const std::string& subject);

  // client certificates
  Result<std::int64_t> insert_certificate(std::int64_t user_id, const std::string& fingerprint,
                                          const std::string& subject, TimePoint now);
  Result<std::optional<ClientCertificate>> certificate_by_id(std::int64_t id);
  Result<std::optional<ClientCertificate>> certificate_by_fingerprint(const std::string& fingerprint);
  Result<std::vector<ClientCertificate>> certificates_of(std::int64_t user_id);
  Status revoke_certificate(std::int64_t id, TimePoint now);

 private:
  store::Database& db_;
};

}  // namespace sw::identity
