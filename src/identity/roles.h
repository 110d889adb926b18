// Roles, permissions, scopes and the one permission check (N7.4 access control, N8.1 named people
// per site, 三员分立 three-officer separation).
//
// A Grant gives one Role to one user over one Scope: an organisation (and its whole subtree) or one
// site. What each role may do is the single table role_permissions() (documented in
// docs/modules/identity.md); authorize() is the only place that decides "may this principal do this
// here". It is pure: the caller passes the organisation tree (IdentityService::authorize loads it).
//
// Scope coverage, in full:
//   grant on org G  covers target org T   when T is G or a descendant of G;
//   grant on org G  covers target site S  when S's organisation is G or a descendant of G;
//   grant on site S covers target site S  only;
//   grant on site S covers target org T   never, except for Permission::org_read where T is S's
//                                         organisation (a site's people may see their own unit).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace sw::identity {

// The roles. The first three are the officer roles of the three-officer separation: one person
// never holds two of them (at any scope).
enum class Role {
  system_admin,      // 系统管理员: manages accounts; cannot grant roles or read the audit log
  security_admin,    // 安全管理员: grants and revokes roles, registers client certificates
  audit_admin,       // 安全审计员: reads and exports the audit log, nothing else
  site_admin,        // site administration and site configuration
  editor,            // writes content
  content_reviewer,  // publication review (N3.1)
  secrecy_reviewer,  // confidentiality review (N3.1)
  operator_,         // operations of a site ("operator" is a C++ keyword; text form "operator")
};
inline constexpr Role kAllRoles[] = {Role::system_admin,     Role::security_admin, Role::audit_admin,
                                     Role::site_admin,       Role::editor,         Role::content_reviewer,
                                     Role::secrecy_reviewer, Role::operator_};
// "system_admin", "security_admin", "audit_admin", "site_admin", "editor", "content_reviewer",
// "secrecy_reviewer", "operator".
std::string_view to_string(Role r);
// Parses the text form; the error ("identity.unknown_role") names the bad value.
Result<Role> parse_role(std::string_view text);
// True for system_admin, security_admin and audit_admin.
bool is_officer(Role r);

enum class Permission {
  org_read,        // "org.read": see the organisations (and sites) of a subtree
  org_manage,      // "org.manage": create organisations and site records (until the registry lands)
  user_read,       // "user.read": list and view accounts
  user_manage,     // "user.manage": create, update, lock, unlock, reset password, disable, logout_all
  role_read,       // "role.read": see role grants
  role_grant,      // "role.grant": grant and revoke roles
  cert_register,   // "cert.register": register and revoke client certificates (N6.4)
  audit_read,      // "audit.read": read the audit log
  audit_export,    // "audit.export": export the audit log
  site_read,       // "site.read": see a site and its state
  site_manage,     // "site.manage": administer a site
  site_configure,  // "site.configure": change a site's configuration (N4.2)
  site_operate,    // "site.operate": operate a site (releases, monitors, incidents)
  content_edit,    // "content.edit"
  content_review,  // "content.review"
  secrecy_review,  // "secrecy.review"
  monitor_read,    // "monitor.read": see the monitors' findings and incidents of a subtree (issue 7, N3.6, N7.2)
};
inline constexpr Permission kAllPermissions[] = {
    Permission::org_read,      Permission::org_manage,   Permission::user_read,
    Permission::user_manage,   Permission::role_read,    Permission::role_grant,
    Permission::cert_register, Permission::audit_read,   Permission::audit_export,
    Permission::site_read,     Permission::site_manage,  Permission::site_configure,
    Permission::site_operate,  Permission::content_edit, Permission::content_review,
    Permission::secrecy_review, Permission::monitor_read};
std::string_view to_string(Permission p);                    // the dotted text form above
Result<Permission> parse_permission(std::string_view text);  // "identity.unknown_permission"

// THE table: the permissions each role carries. Every permission check goes through authorize(),
// which consults only this.
std::span<const Permission> role_permissions(Role r);
bool role_has(Role r, Permission p);

enum class ScopeKind { org, site };
std::string_view to_string(ScopeKind k);  // "org" | "site"
Result<ScopeKind> parse_scope_kind(std::string_view text);

// Where a grant applies, or what an action targets.
struct Scope {
  ScopeKind kind = ScopeKind::org;
  std::int64_t id = 0;

  static Scope org(std::int64_t id) { return {ScopeKind::org, id}; }
  static Scope site(std::int64_t id) { return {ScopeKind::site, id}; }
  std::string to_string() const;  // "org:3" | "site:12"
  bool operator==(const Scope&) const = default;
};

// Kinds of organisation in the union tree (N2.1). The registry issue extends organisations.
enum class OrgKind { province, city, county, grassroots, industry, affiliated };
std::string_view to_string(OrgKind k);
Result<OrgKind> parse_org_kind(std::string_view text);  // "identity.unknown_org_kind"

// One active or revoked role grant.
struct Grant {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  Role role = Role::editor;
  Scope scope;
  std::string granted_by;  // actor name
  TimePoint granted_at;
  std::optional<TimePoint> revoked_at;  // grants are never deleted; revoking sets this

  bool active() const { return !revoked_at.has_value(); }
};

// Who is acting. Either a logged-in user (with the active grants of a fully authenticated session;
// a session still waiting for a second factor or a password change has none), or the machine
// operator acting through the CLI (Principal::system), who is allowed every permission: whoever runs
// `sitewarden` on the host already holds the database. The separation-of-duties and no-self-grant
// rules still apply to grants the system principal makes.
struct Principal {
  std::int64_t user_id = 0;   // 0 for the system principal
  std::string name;           // username, or "cli:<os user>"
  std::vector<Grant> grants;  // active grants only
  bool is_system = false;

  static Principal system(std::string os_user);  // name "cli:<os_user>"
  static Principal user(std::int64_t id, std::string username, std::vector<Grant> grants);
};

// The organisation tree as authorize() needs it: each org's parent and each site's org.
class OrgTree {
 public:
  void add_org(std::int64_t id, std::optional<std::int64_t> parent_id);
  void add_site(std::int64_t site_id, std::int64_t org_id);

  bool has_org(std::int64_t id) const;
  bool has_site(std::int64_t id) const;
  // The organisation a site belongs to, if the site is known.
  std::optional<std::int64_t> org_of_site(std::int64_t site_id) const;
  // True when `org` is `ancestor` or lies below it. Unknown ids are never covered.
  bool in_subtree(std::int64_t org, std::int64_t ancestor) const;
  // True when a grant on `grant` scope covers `target` for `p` (rules at the top of this file).
  bool covers(const Scope& grant, const Scope& target, Permission p) const;

 private:
  std::unordered_map<std::int64_t, std::optional<std::int64_t>> parent_;
  std::unordered_map<std::int64_t, std::int64_t> site_org_;
};

// The one permission check. Returns the role the principal acts under (Role is nullopt for the
// system principal), or "identity.forbidden" whose message names the principal, permission and
// scope. An unknown target scope is forbidden.
Result<std::optional<Role>> authorize_as(const Principal& who, Permission p, const Scope& target,
                                         const OrgTree& tree);
// authorize_as without the role.
Status authorize(const Principal& who, Permission p, const Scope& target, const OrgTree& tree);

}  // namespace sw::identity
