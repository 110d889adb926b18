// Gate and OrgTreeCache (gate.h): the shared permission-then-audit plumbing and the cached tree.
#include "identity/gate.h"

#include "base/log.h"

namespace sw::identity {

Result<std::shared_ptr<const OrgTree>> OrgTreeCache::current() {
  std::lock_guard lock(mu_);
  auto row = db_.query_one("SELECT version, stamp FROM org_tree_version WHERE id = 1");
  std::optional<std::pair<std::int64_t, std::int64_t>> key;
  if (row && *row) key = std::pair{(*row)->integer(0), (*row)->integer(1)};
  if (key && key_ == key && tree_) return tree_;
  // Read after the version: a change landing in between makes the tree newer than its key, and the
  // next check reloads again — never older.
  SW_TRY(tree, load_org_tree(db_));
  ++reloads_;
  auto shared = std::make_shared<const OrgTree>(std::move(tree));
  if (key) {
    key_ = key;
    tree_ = shared;
  }
  return shared;
}

std::int64_t OrgTreeCache::reloads() const {
  std::lock_guard lock(mu_);
  return reloads_;
}

Gate::Gate(store::Database& db, audit::AuditLog& audit, std::string module,
           std::function<bool(const Error&)> is_denial)
    : audit_(audit), module_(std::move(module)), is_denial_(std::move(is_denial)), trees_(db) {}

audit::Event Gate::event_for(const Actor& actor, std::string action, std::string object,
                             std::optional<Scope> scope) const {
  audit::Event a;
  a.actor = actor.principal.name;
  a.actor_role = actor.principal.is_system ? std::string(kSystemRoleName) : "";
  a.action = std::move(action);
  a.object = std::move(object);
  if (scope) (scope->kind == ScopeKind::org ? a.org_id : a.site_id) = scope->id;
  a.client_ip = actor.client_ip;
  a.request_id = actor.request_id;
  return a;
}

Status Gate::record(audit::Event event) {
  auto appended = audit_.append(std::move(event));
  if (!appended) {
    log::error(module_ + ".audit_failed", {{"error", appended.error().to_string()}});
    return std::unexpected(appended.error());
  }
  return ok();
}

std::unexpected<Error> Gate::deny(audit::Event event, Error error) {
  event.outcome = audit::Outcome::denied;
  event.details["reason"] = error.code;
  (void)record(std::move(event));
  return std::unexpected(std::move(error));
}

Status Gate::permit(const Actor& actor, Permission p, const Scope& target, audit::Event& event) {
  return permit_any(actor, {&p, 1}, target, event);
}

Status Gate::permit_any(const Actor& actor, std::span<const Permission> ps, const Scope& target,
                        audit::Event& event) {
  SW_TRY(tree, trees_.current());
  std::optional<Error> first;
  for (Permission p : ps) {
    auto role = authorize_as(actor.principal, p, target, *tree);
    if (role) {
      event.actor_role = *role ? std::string(to_string(**role)) : std::string(kSystemRoleName);
      return ok();
    }
    if (!first) first = role.error();
  }
  if (!first) first = Error{"identity.forbidden", "no permission to check"};
  return deny(event, *first);
}

Status Gate::permit_read(const Principal& who, std::span<const Permission> ps, const Scope& target,
                         std::string action, std::string object) {
  SW_TRY(tree, trees_.current());
  std::optional<Error> first;
  for (Permission p : ps) {
    auto role = authorize_as(who, p, target, *tree);
    if (role) return ok();
    if (!first) first = role.error();
  }
  if (!first) first = Error{"identity.forbidden", "no permission to check"};
  return deny(event_for(Actor{who, "", ""}, std::move(action), std::move(object), target), *first);
}

bool Gate::allows(const Principal& who, Permission p, const Scope& target) {
  auto tree = trees_.current();
  return tree && authorize(who, p, target, **tree).has_value();
}

bool Gate::denial(const Error& e) const { return is_denial_ && is_denial_(e); }

}  // namespace sw::identity
