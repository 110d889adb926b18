// Internal: the IdentityService implementation, split by topic over service_*.cc.
#pragma once

#include <mutex>
#include <string>

#include "identity/identity.h"
#include "identity/gate.h"
#include "identity/identity_tables.h"

namespace sw::identity {

class ServiceImpl final : public IdentityService {
 public:
  ServiceImpl(store::Database& db, audit::AuditLog& audit, const crypto::Suite& suite, std::string seal_key,
              Policy policy, const Clock& clock);

  Status authorize(const Principal& who, Permission p, const Scope& target) override;
  Result<BootstrapResult> bootstrap(const Actor& actor, const BootstrapRequest& request) override;

  Result<Organisation> create_organisation(const Actor& actor, std::optional<std::int64_t> parent_id,
                                           std::string name, OrgKind kind) override;
  Result<Site> create_site(const Actor& actor, std::int64_t org_id, std::string name) override;
  Result<std::vector<Organisation>> list_organisations(const Principal& who) override;
  Result<std::vector<Site>> list_sites(const Principal& who) override;

  Result<User> create_user(const Actor& actor, const NewUser& user) override;
  Result<User> update_user(const Actor& actor, std::int64_t user_id, const UserUpdate& update) override;
  Status lock_user(const Actor& actor, std::int64_t user_id, std::string reason,
                   std::optional<TimePoint> until) override;
  Status unlock_user(const Actor& actor, std::int64_t user_id) override;
  Status reset_password(const Actor& actor, std::int64_t user_id, std::string_view new_password) override;
  Status set_disabled(const Actor& actor, std::int64_t user_id, bool disabled) override;
  Status logout_everywhere(const Actor& actor, std::int64_t user_id) override;
  Result<User> get_user(const Principal& who, std::int64_t user_id) override;
  Result<User> find_user(const Principal& who, std::string_view username) override;
  Result<std::vector<User>> list_users(const Principal& who, std::int64_t org_id) override;

  Result<Grant> grant_role(const Actor& actor, std::int64_t user_id, Role role, const Scope& scope) override;
  Status revoke_role(const Actor& actor, std::int64_t grant_id) override;
  Result<std::vector<Grant>> list_grants(const Principal& who, std::int64_t user_id,
                                         bool include_revoked) override;

  Result<ClientCertificate> register_certificate(const Actor& actor, std::int64_t user_id,
                                                 std::string_view fingerprint, std::string subject) override;
  Status revoke_certificate(const Actor& actor, std::int64_t certificate_id) override;
  Result<std::vector<ClientCertificate>> list_certificates(const Principal& who,
                                                           std::int64_t user_id) override;

  Result<LoginStep> login_password(const LoginRequest& request) override;
  Result<LoginStep> verify_totp(std::string_view session_id, std::string_view code,
                                const RequestContext& ctx) override;
  Result<TotpEnrolment> begin_totp_enrolment(std::string_view session_id, const RequestContext& ctx) override;
  Result<LoginStep> confirm_totp_enrolment(std::string_view session_id, std::string_view code,
                                           const RequestContext& ctx) override;
  Result<LoginStep> change_password(std::string_view session_id, std::string_view current_password,
                                    std::string_view new_password, const RequestContext& ctx) override;
  Result<Session> authenticate(std::string_view session_id) override;
  Status logout(std::string_view session_id, const RequestContext& ctx) override;

 private:
  // One audit event. `role` is the role the actor acted under (from authorize_as).
  struct Audit {
    std::string actor;
    std::string actor_role;
    std::string action;
    std::string object;
    audit::Outcome outcome = audit::Outcome::success;
    std::optional<Scope> scope;
    std::string client_ip;
    std::string request_id;
    nlohmann::json details = nlohmann::json::object();
  };
  Status record(Audit event);
  Audit event_for(const Actor& actor, std::string action, std::string object,
                  std::optional<Scope> scope) const;
  // Checks p on target for the actor; a refusal is audited as `action` denied and returned.
  Result<std::string> permit(const Actor& actor, Permission p, const Scope& target, const std::string& action,
                             const std::string& object);
  // Audits a refusal (outcome denied) and returns the error.
  std::unexpected<Error> deny(Audit event, Error error);

  // The organisation tree, cached until org_tree_version changes (gate.h OrgTreeCache).
  Result<std::shared_ptr<const OrgTree>> load_tree() { return trees_.current(); }
  Result<UserRow> user_row(std::int64_t user_id);
  // The public view of a user: the admin lock merged with the failed-login lockout.
  Result<User> view(UserRow row);
  // Reads allowed to the user themselves or with `p` on their organisation.
  Status permit_read(const Principal& who, Permission p, const User& user);
  Status check_new_password(const UserRow& row, std::string_view password);
  Status store_password(std::int64_t user_id, std::string_view password, bool must_change);

  // sessions
  struct OpenSession {
    SessionRow row;
    UserRow user;
  };
  Result<OpenSession> open_session(std::string_view session_id);
  SessionStage stage_of(const SessionRow& s, const UserRow& u) const;
  Result<LoginStep> start_session(const UserRow& user, const std::string& client_ip, bool second_factor_done,
                                  bool via_cert, std::optional<SessionRow> rotated_from);
  Result<Session> session_view(const SessionRow& s, const UserRow& u);
  std::string hash_id(std::string_view session_id) const;
  // Counts a failed login proof for the account and client IP, auditing any lockout it starts.
  Status count_failure(const std::string& username, const RequestContext& ctx);
  Result<std::optional<std::string>> lock_message(const std::string& username, const UserRow* user,
                                                  const std::string& client_ip);
  Result<std::string> sealed_secret(std::int64_t user_id, const std::string& sealed_b64);
  Result<std::int64_t> check_code(const OpenSession& s, const std::string& sealed, std::string_view code,
                                  const RequestContext& ctx, const std::string& action,
                                  std::int64_t last_step);

  Result<User> create_user_locked(const Actor& actor, const NewUser& user);

  std::mutex mu_;  // serialises all database work
  IdentityTables tables_;
  OrgTreeCache trees_;
  audit::AuditLog& audit_;
  const crypto::Suite& suite_;
  std::string seal_key_;
  Policy policy_;
  const Clock& clock_;
  // Verified against for unknown users so they take the same time. An argon2id hash costs a good part of a
  // second, so it is made on the first login that needs it, not when the service opens (every CLI command
  // opens the node).
  const std::string& dummy_hash();
  std::once_flag dummy_once_;
  std::string dummy_hash_;
};

}  // namespace sw::identity
