// The permission specification, table-driven: every role × scope relation × permission is allowed
// or denied exactly as docs/modules/identity.md says (N7.4 access control, 三员分立).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "identity/roles.h"

namespace sw::identity {
namespace {

// The tree: province 1 → city 2 → county 3; province 1 → city 4. Site 10 in county 3, site 11 in city 4.
constexpr std::int64_t kProvince = 1, kCity = 2, kCounty = 3, kOtherCity = 4;
constexpr std::int64_t kSiteInSubtree = 10, kSiteOutside = 11;

OrgTree tree() {
  OrgTree t;
  t.add_org(kProvince, std::nullopt);
  t.add_org(kCity, kProvince);
  t.add_org(kCounty, kCity);
  t.add_org(kOtherCity, kProvince);
  t.add_site(kSiteInSubtree, kCounty);
  t.add_site(kSiteOutside, kOtherCity);
  return t;
}

// The specification, written out independently of role_permissions().
const std::map<Role, std::set<std::string>> kSpec = {
    {Role::system_admin, {"org.read", "site.read", "org.manage", "user.read", "user.manage"}},
    {Role::security_admin,
     {"org.read", "site.read", "user.read", "role.read", "role.grant", "cert.register", "monitor.read"}},
    {Role::audit_admin, {"org.read", "site.read", "audit.read", "audit.export"}},
    {Role::site_admin, {"org.read", "site.read", "site.manage", "site.configure", "monitor.read"}},
    {Role::editor, {"org.read", "site.read", "content.edit"}},
    {Role::content_reviewer, {"org.read", "site.read", "content.review"}},
    {Role::secrecy_reviewer, {"org.read", "site.read", "secrecy.review"}},
    {Role::operator_, {"org.read", "site.read", "site.operate", "monitor.read"}},
};

struct Relation {
  const char* name;
  Scope target;
  bool covered_by_org_grant;   // grant on org kCity
  bool covered_by_site_grant;  // grant on site kSiteInSubtree (org.read of its own org aside)
};

const Relation kRelations[] = {
    {"same org", Scope::org(kCity), true, false},
    {"descendant org", Scope::org(kCounty), true, false},
    {"ancestor org", Scope::org(kProvince), false, false},
    {"sibling org", Scope::org(kOtherCity), false, false},
    {"site in subtree", Scope::site(kSiteInSubtree), true, true},
    {"site outside", Scope::site(kSiteOutside), false, false},
};

Principal holder(Role role, Scope scope) {
  Grant g;
  g.id = 1;
  g.user_id = 7;
  g.role = role;
  g.scope = scope;
  return Principal::user(7, "holder", {g});
}

TEST(Permissions, EveryRoleScopeAndPermissionMatchesTheSpecification) {
  const OrgTree t = tree();
  for (Role role : kAllRoles) {
    for (const Relation& rel : kRelations) {
      for (Permission p : kAllPermissions) {
        const bool in_role = kSpec.at(role).contains(std::string(to_string(p)));
        const bool org_allowed = in_role && rel.covered_by_org_grant;
        EXPECT_EQ(authorize(holder(role, Scope::org(kCity)), p, rel.target, t).has_value(), org_allowed)
            << to_string(role) << "@org " << rel.name << " " << to_string(p);
        const bool site_reads_own_org = p == Permission::org_read && rel.target == Scope::org(kCounty);
        const bool site_allowed = in_role && (rel.covered_by_site_grant || site_reads_own_org);
        EXPECT_EQ(authorize(holder(role, Scope::site(kSiteInSubtree)), p, rel.target, t).has_value(),
                  site_allowed)
            << to_string(role) << "@site " << rel.name << " " << to_string(p);
      }
    }
  }
}

TEST(Permissions, TableMatchesTheSpecification) {
  for (Role role : kAllRoles) {
    std::set<std::string> actual;
    for (Permission p : role_permissions(role)) actual.insert(std::string(to_string(p)));
    EXPECT_EQ(actual, kSpec.at(role)) << to_string(role);
  }
}

TEST(Permissions, SystemAdminCannotGrantRolesOrReadAudit) {
  const Principal p = holder(Role::system_admin, Scope::org(kProvince));
  EXPECT_FALSE(authorize(p, Permission::role_grant, Scope::org(kProvince), tree()));
  EXPECT_FALSE(authorize(p, Permission::audit_read, Scope::org(kProvince), tree()));
  EXPECT_TRUE(authorize(p, Permission::user_manage, Scope::org(kCounty), tree()));
}

TEST(Permissions, AuditAdminReadsAuditButCannotManageUsers) {
  const Principal p = holder(Role::audit_admin, Scope::org(kProvince));
  EXPECT_TRUE(authorize(p, Permission::audit_read, Scope::org(kProvince), tree()));
  EXPECT_FALSE(authorize(p, Permission::user_manage, Scope::org(kProvince), tree()));
  EXPECT_FALSE(authorize(p, Permission::role_grant, Scope::org(kProvince), tree()));
}

TEST(Permissions, RefusalNamesPermissionAndScope) {
  auto r = authorize(holder(Role::editor, Scope::site(kSiteInSubtree)), Permission::content_edit,
                     Scope::site(kSiteOutside), tree());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "identity.forbidden");
  EXPECT_NE(r.error().message.find("content.edit"), std::string::npos);
  EXPECT_NE(r.error().message.find("site:11"), std::string::npos);
}

TEST(Permissions, RevokedGrantGivesNothing) {
  Principal p = holder(Role::editor, Scope::site(kSiteInSubtree));
  p.grants[0].revoked_at = TimePoint{};
  EXPECT_FALSE(authorize(p, Permission::content_edit, Scope::site(kSiteInSubtree), tree()));
}

TEST(Permissions, UnknownTargetIsForbiddenEvenForTheSystemPrincipal) {
  EXPECT_FALSE(authorize(Principal::system("root"), Permission::org_read, Scope::org(999), tree()));
  EXPECT_TRUE(authorize(Principal::system("root"), Permission::audit_read, Scope::org(kProvince), tree()));
}

TEST(Permissions, UserWithoutGrantsHasNoPermission) {
  for (Permission p : kAllPermissions) {
    EXPECT_FALSE(authorize(Principal::user(3, "nobody", {}), p, Scope::org(kProvince), tree()));
  }
}

TEST(RoleNames, RoundTripAndBadInput) {
  for (Role r : kAllRoles) EXPECT_EQ(parse_role(to_string(r)).value(), r);
  for (Permission p : kAllPermissions) EXPECT_EQ(parse_permission(to_string(p)).value(), p);
  EXPECT_EQ(to_string(Role::operator_), "operator");
  EXPECT_EQ(parse_role("root").error().code, "identity.unknown_role");
  EXPECT_EQ(parse_permission("everything").error().code, "identity.unknown_permission");
  EXPECT_EQ(parse_org_kind("planet").error().code, "identity.unknown_org_kind");
}

TEST(RoleNames, OnlyTheThreeOfficersAreOfficers) {
  std::set<Role> officers;
  for (Role r : kAllRoles) {
    if (is_officer(r)) officers.insert(r);
  }
  EXPECT_EQ(officers, (std::set<Role>{Role::system_admin, Role::security_admin, Role::audit_admin}));
}

TEST(OrgTree, CycleInDataDoesNotHang) {
  OrgTree t;
  t.add_org(1, 2);
  t.add_org(2, 1);
  EXPECT_FALSE(t.in_subtree(1, 3));
}

}  // namespace
}  // namespace sw::identity
