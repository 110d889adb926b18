// IdentityService: organisations, accounts, role grants and client certificates. Each mutation is
// permission-checked through authorize_as (N7.4) and audited, refusals included.
#include "identity/password.h"
#include "identity/service_impl.h"

namespace sw::identity {
namespace {

constexpr std::size_t kMaxOrgName = 128;

std::string user_object(std::string_view username) { return "user:" + std::string(username); }
std::string org_object(std::int64_t id) { return "org:" + std::to_string(id); }

Status validate_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxOrgName) return fail("identity.invalid_name", "name: 1 to 128 bytes");
  return ok();
}

Status validate_contact(std::string_view real_name, std::string_view phone, std::string_view email) {
  SW_CHECK(validate_real_name(real_name));
  SW_CHECK(validate_phone(phone));
  return validate_email(email);
}

}  // namespace

// ----- bootstrap -----

Result<BootstrapResult> ServiceImpl::bootstrap(const Actor& actor, const BootstrapRequest& request) {
  if (!actor.principal.is_system) {
    return fail("identity.forbidden", "only the machine operator (sitewarden init) may bootstrap");
  }
  {
    std::lock_guard lock(mu_);
    SW_TRY(count, tables_.user_count());
    if (count > 0) return fail("identity.already_initialised", "the database already has user accounts");
  }
  BootstrapResult result;
  SW_TRY(root, create_organisation(actor, std::nullopt, request.root_org_name, OrgKind::province));
  result.root_org_id = root.id;
  const std::pair<const OfficerAccount*, Role> officers[] = {{&request.system_admin, Role::system_admin},
                                                             {&request.security_admin, Role::security_admin},
                                                             {&request.audit_admin, Role::audit_admin}};
  std::int64_t* ids[] = {&result.system_admin_id, &result.security_admin_id, &result.audit_admin_id};
  for (std::size_t i = 0; i < std::size(officers); ++i) {
    const OfficerAccount& a = *officers[i].first;
    SW_TRY(user, create_user(actor, NewUser{a.username, a.real_name, root.id, a.phone, a.email, a.password}));
    SW_TRY(grant, grant_role(actor, user.id, officers[i].second, Scope::org(root.id)));
    *ids[i] = user.id;
  }
  std::lock_guard lock(mu_);
  SW_CHECK(record(event_for(actor, "identity.bootstrap", org_object(root.id), Scope::org(root.id))));
  return result;
}

// ----- organisations and sites -----

Result<Organisation> ServiceImpl::create_organisation(const Actor& actor,
                                                      std::optional<std::int64_t> parent_id, std::string name,
                                                      OrgKind kind) {
  std::lock_guard lock(mu_);
  Audit event = event_for(actor, "org.create", "org:" + name, std::nullopt);
  std::string role = event.actor_role;
  if (parent_id) {
    event.scope = Scope::org(*parent_id);
    SW_TRY(r, permit(actor, Permission::org_manage, Scope::org(*parent_id), event.action, event.object));
    role = r;
  } else if (!actor.principal.is_system) {
    return deny(event,
                Error{"identity.forbidden", "only the machine operator may create a root organisation"});
  }
  SW_CHECK(validate_name(name));
  SW_TRY(id, tables_.insert_org(parent_id, name, kind));
  event.actor_role = role;
  event.object = org_object(id);
  event.details = {{"name", name}, {"kind", to_string(kind)}};
  SW_CHECK(record(std::move(event)));
  return Organisation{id, parent_id, std::move(name), kind, true};
}

Result<Site> ServiceImpl::create_site(const Actor& actor, std::int64_t org_id, std::string name) {
  std::lock_guard lock(mu_);
  Audit event = event_for(actor, "site.create", "site:" + name, Scope::org(org_id));
  SW_TRY(role, permit(actor, Permission::org_manage, Scope::org(org_id), event.action, event.object));
  SW_CHECK(validate_name(name));
  SW_TRY(id, tables_.insert_site(org_id, name));
  event.actor_role = role;
  event.object = "site:" + std::to_string(id);
  event.details = {{"name", name}};
  SW_CHECK(record(std::move(event)));
  return Site{id, org_id, std::move(name), true};
}

Result<std::vector<Organisation>> ServiceImpl::list_organisations(const Principal& who) {
  std::lock_guard lock(mu_);
  SW_TRY(tree, load_tree());
  SW_TRY(orgs, tables_.orgs());
  std::erase_if(orgs, [&](const Organisation& o) {
    return !identity::authorize(who, Permission::org_read, Scope::org(o.id), *tree);
  });
  return orgs;
}

Result<std::vector<Site>> ServiceImpl::list_sites(const Principal& who) {
  std::lock_guard lock(mu_);
  SW_TRY(tree, load_tree());
  SW_TRY(sites, tables_.sites());
  std::erase_if(sites, [&](const Site& s) {
    return !identity::authorize(who, Permission::site_read, Scope::site(s.id), *tree);
  });
  return sites;
}

// ----- accounts -----

Result<User> ServiceImpl::create_user(const Actor& actor, const NewUser& user) {
  std::lock_guard lock(mu_);
  return create_user_locked(actor, user);
}

Result<User> ServiceImpl::create_user_locked(const Actor& actor, const NewUser& nu) {
  Audit event = event_for(actor, "user.create", user_object(nu.username), Scope::org(nu.org_id));
  SW_TRY(role, permit(actor, Permission::user_manage, Scope::org(nu.org_id), event.action, event.object));
  event.actor_role = role;
  SW_CHECK(validate_username(nu.username));
  SW_CHECK(validate_contact(nu.real_name, nu.phone, nu.email));
  SW_TRY(existing, tables_.user_by_name(nu.username));
  if (existing) return fail("identity.username_taken", "username: \"" + nu.username + "\" is taken");
  SW_CHECK(check_password_strength(nu.initial_password, nu.username, nu.real_name, policy_));
  SW_TRY(hash, hash_password(nu.initial_password, policy_));
  const TimePoint now = clock_.now();
  SW_TRY(tx, tables_.begin());
  SW_TRY(id, tables_.insert_user(nu, hash, now));
  SW_CHECK(tables_.insert_history(id, hash, now));
  SW_CHECK(tx.commit());
  SW_CHECK(record(std::move(event)));
  SW_TRY(row, user_row(id));
  return view(std::move(row));
}

Result<User> ServiceImpl::update_user(const Actor& actor, std::int64_t user_id, const UserUpdate& update) {
  std::lock_guard lock(mu_);
  SW_TRY(row, user_row(user_id));
  User u = row.user;
  Audit event = event_for(actor, "user.update", user_object(u.username), Scope::org(u.org_id));
  SW_TRY(role, permit(actor, Permission::user_manage, Scope::org(u.org_id), event.action, event.object));
  if (update.org_id && *update.org_id != u.org_id) {
    SW_CHECK(permit(actor, Permission::user_manage, Scope::org(*update.org_id), event.action, event.object));
    event.details["org_id"] = *update.org_id;
  }
  u.real_name = update.real_name.value_or(u.real_name);
  u.org_id = update.org_id.value_or(u.org_id);
  u.phone = update.phone.value_or(u.phone);
  u.email = update.email.value_or(u.email);
  SW_CHECK(validate_contact(u.real_name, u.phone, u.email));
  SW_CHECK(tables_.update_user(u));
  event.actor_role = role;
  SW_CHECK(record(std::move(event)));
  SW_TRY(updated, user_row(user_id));
  return view(std::move(updated));
}

Status ServiceImpl::lock_user(const Actor& actor, std::int64_t user_id, std::string reason,
                              std::optional<TimePoint> until) {
  std::lock_guard lock(mu_);
  SW_TRY(row, user_row(user_id));
  Audit event = event_for(actor, "user.lock", user_object(row.user.username), Scope::org(row.user.org_id));
  SW_TRY(role,
         permit(actor, Permission::user_manage, Scope::org(row.user.org_id), event.action, event.object));
  const TimePoint end = until.value_or(locked_until_unlocked());
  SW_CHECK(tables_.set_lock(user_id, end, reason.empty() ? "locked by an administrator" : reason));
  SW_CHECK(tables_.end_user_sessions(user_id, clock_.now()));
  event.actor_role = role;
  event.details = {{"until", format_rfc3339(end)}, {"reason", reason}};
  return record(std::move(event));
}

Status ServiceImpl::unlock_user(const Actor& actor, std::int64_t user_id) {
  std::lock_guard lock(mu_);
  SW_TRY(row, user_row(user_id));
  Audit event = event_for(actor, "user.unlock", user_object(row.user.username), Scope::org(row.user.org_id));
  SW_TRY(role,
         permit(actor, Permission::user_manage, Scope::org(row.user.org_id), event.action, event.object));
  SW_CHECK(tables_.set_lock(user_id, std::nullopt, ""));
  SW_CHECK(tables_.clear_throttle(ThrottleKind::account, row.user.username));
  event.actor_role = role;
  return record(std::move(event));
}

Status ServiceImpl::reset_password(const Actor& actor, std::int64_t user_id, std::string_view new_password) {
  std::lock_guard lock(mu_);
  SW_TRY(row, user_row(user_id));
  Audit event =
      event_for(actor, "user.reset_password", user_object(row.user.username), Scope::org(row.user.org_id));
  SW_TRY(role,
         permit(actor, Permission::user_manage, Scope::org(row.user.org_id), event.action, event.object));
  SW_CHECK(check_new_password(row, new_password));
  SW_CHECK(store_password(user_id, new_password, /*must_change=*/true));
  event.actor_role = role;
  return record(std::move(event));
}

Status ServiceImpl::set_disabled(const Actor& actor, std::int64_t user_id, bool disabled) {
  std::lock_guard lock(mu_);
  SW_TRY(row, user_row(user_id));
  Audit event = event_for(actor, disabled ? "user.disable" : "user.enable", user_object(row.user.username),
                          Scope::org(row.user.org_id));
  SW_TRY(role,
         permit(actor, Permission::user_manage, Scope::org(row.user.org_id), event.action, event.object));
  SW_CHECK(tables_.set_disabled(user_id, disabled));
  if (disabled) SW_CHECK(tables_.end_user_sessions(user_id, clock_.now()));
  event.actor_role = role;
  return record(std::move(event));
}

Status ServiceImpl::logout_everywhere(const Actor& actor, std::int64_t user_id) {
  std::lock_guard lock(mu_);
  SW_TRY(row, user_row(user_id));
  Audit event =
      event_for(actor, "auth.logout_all", user_object(row.user.username), Scope::org(row.user.org_id));
  const bool self = !actor.principal.is_system && actor.principal.user_id == user_id;
  if (!self) {
    SW_TRY(role,
           permit(actor, Permission::user_manage, Scope::org(row.user.org_id), event.action, event.object));
    event.actor_role = role;
  }
  SW_CHECK(tables_.end_user_sessions(user_id, clock_.now()));
  return record(std::move(event));
}

Result<User> ServiceImpl::get_user(const Principal& who, std::int64_t user_id) {
  std::lock_guard lock(mu_);
  SW_TRY(row, user_row(user_id));
  SW_CHECK(permit_read(who, Permission::user_read, row.user));
  return view(std::move(row));
}

Result<User> ServiceImpl::find_user(const Principal& who, std::string_view username) {
  std::lock_guard lock(mu_);
  SW_TRY(row, tables_.user_by_name(std::string(username)));
  if (!row) return fail("identity.not_found", "no user named \"" + std::string(username) + "\"");
  SW_CHECK(permit_read(who, Permission::user_read, row->user));
  return view(std::move(*row));
}

Result<std::vector<User>> ServiceImpl::list_users(const Principal& who, std::int64_t org_id) {
  std::lock_guard lock(mu_);
  SW_TRY(tree, load_tree());
  SW_CHECK(identity::authorize(who, Permission::user_read, Scope::org(org_id), *tree));
  SW_TRY(rows, tables_.users());
  std::vector<User> out;
  for (UserRow& row : rows) {
    if (!tree->in_subtree(row.user.org_id, org_id)) continue;
    SW_TRY(u, view(std::move(row)));
    out.push_back(std::move(u));
  }
  return out;
}

// ----- role grants (三员分立) -----

Result<Grant> ServiceImpl::grant_role(const Actor& actor, std::int64_t user_id, Role role,
                                      const Scope& scope) {
  std::lock_guard lock(mu_);
  SW_TRY(row, user_row(user_id));
  Audit event = event_for(actor, "role.grant", user_object(row.user.username), scope);
  event.details = {{"role", to_string(role)}, {"scope", scope.to_string()}};
  SW_TRY(acting_role, permit(actor, Permission::role_grant, scope, event.action, event.object));
  event.actor_role = acting_role;
  if (!actor.principal.is_system && actor.principal.user_id == user_id) {
    return deny(event, Error{"identity.self_grant", "nobody may change their own roles"});
  }
  if (is_officer(role) && scope.kind != ScopeKind::org) {
    return deny(event, Error{"identity.bad_scope",
                             std::string(to_string(role)) + " is granted on organisations only"});
  }
  SW_TRY(held, tables_.grants_of(user_id, /*include_revoked=*/false));
  for (const Grant& g : held) {
    if (is_officer(role) && is_officer(g.role) && g.role != role) {
      return deny(event,
                  Error{"identity.separation_of_duties",
                        "\"" + row.user.username + "\" already holds " + std::string(to_string(g.role)) +
                            "; nobody holds two of system_admin, security_admin, audit_admin"});
    }
  }
  const TimePoint now = clock_.now();
  SW_TRY(id, tables_.insert_grant(user_id, role, scope, actor.principal.name, now));
  SW_CHECK(record(std::move(event)));
  return Grant{id, user_id, role, scope, actor.principal.name, now, std::nullopt};
}

Status ServiceImpl::revoke_role(const Actor& actor, std::int64_t grant_id) {
  std::lock_guard lock(mu_);
  SW_TRY(grant, tables_.grant_by_id(grant_id));
  if (!grant) return fail("identity.not_found", "no role grant with id " + std::to_string(grant_id));
  SW_TRY(row, user_row(grant->user_id));
  Audit event = event_for(actor, "role.revoke", user_object(row.user.username), grant->scope);
  event.details = {
      {"role", to_string(grant->role)}, {"scope", grant->scope.to_string()}, {"grant_id", grant_id}};
  SW_TRY(acting_role, permit(actor, Permission::role_grant, grant->scope, event.action, event.object));
  event.actor_role = acting_role;
  if (!actor.principal.is_system && actor.principal.user_id == grant->user_id) {
    return deny(event, Error{"identity.self_grant", "nobody may change their own roles"});
  }
  if (!grant->active())
    return fail("identity.already_revoked", "grant " + std::to_string(grant_id) + " is revoked");
  SW_CHECK(tables_.revoke_grant(grant_id, clock_.now()));
  return record(std::move(event));
}

Result<std::vector<Grant>> ServiceImpl::list_grants(const Principal& who, std::int64_t user_id,
                                                    bool include_revoked) {
  std::lock_guard lock(mu_);
  SW_TRY(row, user_row(user_id));
  SW_CHECK(permit_read(who, Permission::role_read, row.user));
  return tables_.grants_of(user_id, include_revoked);
}

// ----- client certificates (N6.4) -----

Result<ClientCertificate> ServiceImpl::register_certificate(const Actor& actor, std::int64_t user_id,
                                                            std::string_view fingerprint,
                                                            std::string subject) {
  std::lock_guard lock(mu_);
  SW_TRY(row, user_row(user_id));
  Audit event =
      event_for(actor, "cert.register", user_object(row.user.username), Scope::org(row.user.org_id));
  SW_TRY(role,
         permit(actor, Permission::cert_register, Scope::org(row.user.org_id), event.action, event.object));
  SW_TRY(fp, normalize_fingerprint(fingerprint));
  SW_TRY(existing, tables_.certificate_by_fingerprint(fp));
  if (existing)
    return fail("identity.certificate_taken", "fingerprint: this certificate is already registered");
  const TimePoint now = clock_.now();
  SW_TRY(id, tables_.insert_certificate(user_id, fp, subject, now));
  event.actor_role = role;
  event.details = {{"fingerprint", fp}, {"subject", subject}};
  SW_CHECK(record(std::move(event)));
  return ClientCertificate{id, user_id, fp, std::move(subject), now, std::nullopt};
}

Status ServiceImpl::revoke_certificate(const Actor& actor, std::int64_t certificate_id) {
  std::lock_guard lock(mu_);
  SW_TRY(cert, tables_.certificate_by_id(certificate_id));
  if (!cert)
    return fail("identity.not_found", "no client certificate with id " + std::to_string(certificate_id));
  SW_TRY(row, user_row(cert->user_id));
  Audit event = event_for(actor, "cert.revoke", user_object(row.user.username), Scope::org(row.user.org_id));
  SW_TRY(role,
         permit(actor, Permission::cert_register, Scope::org(row.user.org_id), event.action, event.object));
  SW_CHECK(tables_.revoke_certificate(certificate_id, clock_.now()));
  event.actor_role = role;
  event.details = {{"fingerprint", cert->fingerprint}};
  return record(std::move(event));
}

Result<std::vector<ClientCertificate>> ServiceImpl::list_certificates(const Principal& who,
                                                                      std::int64_t user_id) {
  std::lock_guard lock(mu_);
  SW_TRY(row, user_row(user_id));
  SW_CHECK(permit_read(who, Permission::cert_register, row.user));
  return tables_.certificates_of(user_id);
}

}  // namespace sw::identity
