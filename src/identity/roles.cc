// Roles, permissions and the one permission check (N7.4 access control, 三员分立).
#include "identity/roles.h"

#include <algorithm>
#include <array>
#include <utility>

#include "identity/enum_names.h"

namespace sw::identity {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 8> kRoleNames{{
    {Role::system_admin, "system_admin"},
    {Role::security_admin, "security_admin"},
    {Role::audit_admin, "audit_admin"},
    {Role::site_admin, "site_admin"},
    {Role::editor, "editor"},
    {Role::content_reviewer, "content_reviewer"},
    {Role::secrecy_reviewer, "secrecy_reviewer"},
    {Role::operator_, "operator"},
}};

constexpr std::array<std::pair<Permission, std::string_view>, 17> kPermissionNames{{
    {Permission::org_read, "org.read"},
    {Permission::org_manage, "org.manage"},
    {Permission::user_read, "user.read"},
    {Permission::user_manage, "user.manage"},
    {Permission::role_read, "role.read"},
    {Permission::role_grant, "role.grant"},
    {Permission::cert_register, "cert.register"},
    {Permission::audit_read, "audit.read"},
    {Permission::audit_export, "audit.export"},
    {Permission::site_read, "site.read"},
    {Permission::site_manage, "site.manage"},
    {Permission::site_configure, "site.configure"},
    {Permission::site_operate, "site.operate"},
    {Permission::content_edit, "content.edit"},
    {Permission::content_review, "content.review"},
    {Permission::secrecy_review, "secrecy.review"},
    {Permission::monitor_read, "monitor.read"},
}};

constexpr std::array<std::pair<ScopeKind, std::string_view>, 2> kScopeKindNames{{
    {ScopeKind::org, "org"},
    {ScopeKind::site, "site"},
}};

constexpr std::array<std::pair<OrgKind, std::string_view>, 6> kOrgKindNames{{
    {OrgKind::province, "province"},
    {OrgKind::city, "city"},
    {OrgKind::county, "county"},
    {OrgKind::grassroots, "grassroots"},
    {OrgKind::industry, "industry"},
    {OrgKind::affiliated, "affiliated"},
}};

using P = Permission;

// THE role → permission table (docs/modules/identity.md mirrors it). Every role may see the
// organisations and sites its grants cover; beyond that each officer has only its own duty, and each
// site role only its own step of the work (N8.1: named people per site for review, secrecy review,
// operations and administration).
constexpr P kSystemAdmin[] = {P::org_read, P::site_read, P::org_manage, P::user_read, P::user_manage};
// monitor.read (issue 7): the security office, site administrators and operators see what the
// monitors found on the sites they cover.
constexpr P kSecurityAdmin[] = {P::org_read,  P::site_read,  P::user_read,    P::role_read,
                                P::role_grant, P::cert_register, P::monitor_read};
constexpr P kAuditAdmin[] = {P::org_read, P::site_read, P::audit_read, P::audit_export};
constexpr P kSiteAdmin[] = {P::org_read, P::site_read, P::site_manage, P::site_configure, P::monitor_read};
constexpr P kEditor[] = {P::org_read, P::site_read, P::content_edit};
constexpr P kContentReviewer[] = {P::org_read, P::site_read, P::content_review};
constexpr P kSecrecyReviewer[] = {P::org_read, P::site_read, P::secrecy_review};
constexpr P kOperator[] = {P::org_read, P::site_read, P::site_operate, P::monitor_read};

std::unexpected<Error> forbidden(const Principal& who, Permission p, const Scope& target) {
  return fail("identity.forbidden", "\"" + who.name + "\" lacks permission " + std::string(to_string(p)) +
                                        " on " + target.to_string());
}

}  // namespace

std::string_view to_string(Role r) { return name_of(kRoleNames, r); }
Result<Role> parse_role(std::string_view text) {
  return parse_name(kRoleNames, text, "identity.unknown_role", "role");
}
bool is_officer(Role r) {
  return r == Role::system_admin || r == Role::security_admin || r == Role::audit_admin;
}

std::string_view to_string(Permission p) { return name_of(kPermissionNames, p); }
Result<Permission> parse_permission(std::string_view text) {
  return parse_name(kPermissionNames, text, "identity.unknown_permission", "permission");
}

std::span<const Permission> role_permissions(Role r) {
  switch (r) {
    case Role::system_admin:
      return kSystemAdmin;
    case Role::security_admin:
      return kSecurityAdmin;
    case Role::audit_admin:
      return kAuditAdmin;
    case Role::site_admin:
      return kSiteAdmin;
    case Role::editor:
      return kEditor;
    case Role::content_reviewer:
      return kContentReviewer;
    case Role::secrecy_reviewer:
      return kSecrecyReviewer;
    case Role::operator_:
      return kOperator;
  }
  return {};
}

bool role_has(Role r, Permission p) {
  return std::ranges::find(role_permissions(r), p) != role_permissions(r).end();
}

std::string_view to_string(ScopeKind k) { return name_of(kScopeKindNames, k); }
Result<ScopeKind> parse_scope_kind(std::string_view text) {
  return parse_name(kScopeKindNames, text, "identity.unknown_scope_kind", "scope kind");
}

std::string Scope::to_string() const {
  return std::string(identity::to_string(kind)) + ":" + std::to_string(id);
}

std::string_view to_string(OrgKind k) { return name_of(kOrgKindNames, k); }
Result<OrgKind> parse_org_kind(std::string_view text) {
  return parse_name(kOrgKindNames, text, "identity.unknown_org_kind", "organisation kind");
}

Principal Principal::system(std::string os_user) {
  Principal p;
  p.name = "cli:" + os_user;
  p.is_system = true;
  return p;
}

Principal Principal::user(std::int64_t id, std::string username, std::vector<Grant> grants) {
  Principal p;
  p.user_id = id;
  p.name = std::move(username);
  p.grants = std::move(grants);
  return p;
}

void OrgTree::add_org(std::int64_t id, std::optional<std::int64_t> parent_id) { parent_[id] = parent_id; }
void OrgTree::add_site(std::int64_t site_id, std::int64_t org_id) { site_org_[site_id] = org_id; }
bool OrgTree::has_org(std::int64_t id) const { return parent_.contains(id); }
bool OrgTree::has_site(std::int64_t id) const { return site_org_.contains(id); }

std::optional<std::int64_t> OrgTree::org_of_site(std::int64_t site_id) const {
  auto it = site_org_.find(site_id);
  if (it == site_org_.end()) return std::nullopt;
  return it->second;
}

bool OrgTree::in_subtree(std::int64_t org, std::int64_t ancestor) const {
  // Walks up from `org`; the step limit guards against a cycle in corrupted data.
  std::optional<std::int64_t> current = org;
  for (std::size_t steps = 0; current && steps <= parent_.size(); ++steps) {
    auto it = parent_.find(*current);
    if (it == parent_.end()) return false;
    if (*current == ancestor) return true;
    current = it->second;
  }
  return false;
}

bool OrgTree::covers(const Scope& grant, const Scope& target, Permission p) const {
  if (grant.kind == ScopeKind::org && target.kind == ScopeKind::org) return in_subtree(target.id, grant.id);
  if (grant.kind == ScopeKind::org) {
    auto org = org_of_site(target.id);
    return org && in_subtree(*org, grant.id);
  }
  if (target.kind == ScopeKind::site) return has_site(target.id) && grant.id == target.id;
  // A site grant reaches its own organisation for org.read only.
  return p == Permission::org_read && has_org(target.id) && org_of_site(grant.id) == target.id;
}

Result<std::optional<Role>> authorize_as(const Principal& who, Permission p, const Scope& target,
                                         const OrgTree& tree) {
  const bool known = target.kind == ScopeKind::org ? tree.has_org(target.id) : tree.has_site(target.id);
  if (!known) return forbidden(who, p, target);
  if (who.is_system) return std::optional<Role>{};
  for (const Grant& g : who.grants) {
    if (g.active() && role_has(g.role, p) && tree.covers(g.scope, target, p))
      return std::optional<Role>{g.role};
  }
  return forbidden(who, p, target);
}

Status authorize(const Principal& who, Permission p, const Scope& target, const OrgTree& tree) {
  auto role = authorize_as(who, p, target, tree);
  if (!role) return std::unexpected(role.error());
  return ok();
}

}  // namespace sw::identity
