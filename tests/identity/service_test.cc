// IdentityService accounts, grants and the three-officer separation, with their audit events
// (N7.4 access control and audit, N8.1 named people, 三员分立).
#include "identity/fixture.h"

namespace sw::identity::testing {
namespace {

using IdentityAccounts = IdentityTest;

TEST_F(IdentityAccounts, FieldsAreValidatedAndTheErrorNamesTheField) {
  const struct {
    NewUser user;
    const char* code;
  } cases[] = {
      {{"Bad Name", "张伟", 0, "13912345678", "a@b.cn", ""}, "identity.invalid_username"},
      {{"zhangwei", "", 0, "13912345678", "a@b.cn", ""}, "identity.invalid_real_name"},
      {{"zhangwei", "张伟", 0, "12912345678", "a@b.cn", ""}, "identity.invalid_phone"},
      {{"zhangwei", "张伟", 0, "025-123", "a@b.cn", ""}, "identity.invalid_phone"},
      {{"zhangwei", "张伟", 0, "13912345678", "not-an-email", ""}, "identity.invalid_email"},
  };
  for (auto c : cases) {
    c.user.org_id = root_;
    c.user.initial_password = kPassword;
    auto r = service_->create_user(cli(), c.user);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, c.code);
  }
}

TEST_F(IdentityAccounts, LandlineWithAreaCodeIsAccepted) {
  EXPECT_TRUE(validate_phone("025-84567890"));
  EXPECT_TRUE(validate_phone("0512-6543210"));
  EXPECT_FALSE(validate_phone("25-84567890"));
}

TEST_F(IdentityAccounts, NewUserMustChangePasswordAndCreationIsAudited) {
  const User u = make_user("zhangwei", city_);
  EXPECT_TRUE(u.must_change_password);
  const audit::Event e = audit_.with_action("user.create").back();
  EXPECT_EQ(e.object, "user:zhangwei");
  EXPECT_EQ(e.actor, "cli:tester");
  EXPECT_EQ(e.org_id, city_);
  EXPECT_EQ(e.outcome, audit::Outcome::success);
}

TEST_F(IdentityAccounts, UsernameIsUnique) {
  make_user("zhangwei", city_);
  auto again = service_->create_user(
      cli(), NewUser{"zhangwei", "张伟", city_, "13912345678", "z@example.org.cn", std::string(kPassword)});
  EXPECT_EQ(again.error().code, "identity.username_taken");
}

TEST_F(IdentityAccounts, WeakInitialPasswordIsRefused) {
  auto r = service_->create_user(
      cli(), NewUser{"zhangwei", "张伟", city_, "13912345678", "z@example.org.cn", "short"});
  EXPECT_EQ(r.error().code, "identity.password_too_short");
}

TEST_F(IdentityAccounts, SystemAdminManagesAccountsInTheirSubtreeOnly) {
  const Principal admin = with_role("sysadmin", Role::system_admin, Scope::org(city_));
  auto inside = service_->create_user(
      as(admin), NewUser{"lisi", "李四", city_, "13912345678", "l@example.org.cn", std::string(kPassword)});
  EXPECT_TRUE(inside);
  auto outside = service_->create_user(as(admin), NewUser{"wangwu", "王五", other_city_, "13912345678",
                                                          "w@example.org.cn", std::string(kPassword)});
  EXPECT_EQ(outside.error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(audit_.last().action, "user.create");
}

TEST_F(IdentityAccounts, UpdateChangesContactFields) {
  const User u = make_user("zhangwei", city_);
  auto updated = service_->update_user(cli(), u.id, UserUpdate{.phone = "025-84567890"});
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->phone, "025-84567890");
  EXPECT_EQ(service_->update_user(cli(), u.id, UserUpdate{.email = "bad"}).error().code,
            "identity.invalid_email");
}

TEST_F(IdentityAccounts, UsersAreListedBySubtree) {
  make_user("incity", city_);
  make_user("elsewhere", other_city_);
  const Principal admin = with_role("sysadmin", Role::system_admin, Scope::org(city_));
  auto users = service_->list_users(admin, city_);
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 1u);
  EXPECT_EQ(users->front().username, "incity");
  EXPECT_EQ(service_->list_users(admin, other_city_).error().code, "identity.forbidden");
}

TEST_F(IdentityAccounts, UserMayReadThemselves) {
  const User u = make_user("zhangwei", city_);
  EXPECT_TRUE(service_->get_user(Principal::user(u.id, "zhangwei", {}), u.id));
  const User other = make_user("lisi", city_);
  EXPECT_EQ(service_->get_user(Principal::user(u.id, "zhangwei", {}), other.id).error().code,
            "identity.forbidden");
}

// ----- three-officer separation (三员分立) -----

TEST_F(IdentityAccounts, SecurityAdminGrantsRolesAndTheGrantIsAudited) {
  const Principal sec = with_role("secadmin", Role::security_admin, Scope::org(root_));
  const User u = make_user("editor1", city_);
  auto g = service_->grant_role(as(sec), u.id, Role::editor, Scope::site(site_));
  ASSERT_TRUE(g) << g.error().to_string();
  const audit::Event& e = audit_.last();
  EXPECT_EQ(e.action, "role.grant");
  EXPECT_EQ(e.actor, "secadmin");
  EXPECT_EQ(e.actor_role, "security_admin");
  EXPECT_EQ(e.site_id, site_);
  EXPECT_EQ(e.details["role"], "editor");
}

TEST_F(IdentityAccounts, SystemAdminCannotGrantRoles) {
  const Principal sys = with_role("sysadmin", Role::system_admin, Scope::org(root_));
  const User u = make_user("editor1", city_);
  auto g = service_->grant_role(as(sys), u.id, Role::editor, Scope::site(site_));
  EXPECT_EQ(g.error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
}

TEST_F(IdentityAccounts, SecondOfficerRoleIsRefused) {
  const Principal sec = with_role("secadmin", Role::security_admin, Scope::org(root_));
  const User u = make_user("officer", city_);
  ASSERT_TRUE(service_->grant_role(as(sec), u.id, Role::system_admin, Scope::org(city_)));
  for (Role second : {Role::security_admin, Role::audit_admin}) {
    auto g = service_->grant_role(as(sec), u.id, second, Scope::org(city_));
    ASSERT_FALSE(g);
    EXPECT_EQ(g.error().code, "identity.separation_of_duties");
    EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  }
}

TEST_F(IdentityAccounts, SeparationHoldsForTheSystemPrincipalToo) {
  const User u = make_user("officer", city_);
  ASSERT_TRUE(service_->grant_role(cli(), u.id, Role::audit_admin, Scope::org(root_)));
  EXPECT_EQ(service_->grant_role(cli(), u.id, Role::security_admin, Scope::org(root_)).error().code,
            "identity.separation_of_duties");
}

TEST_F(IdentityAccounts, SameOfficerRoleOnAnotherScopeIsAllowed) {
  const User u = make_user("officer", city_);
  ASSERT_TRUE(service_->grant_role(cli(), u.id, Role::system_admin, Scope::org(city_)));
  EXPECT_TRUE(service_->grant_role(cli(), u.id, Role::system_admin, Scope::org(other_city_)));
}

TEST_F(IdentityAccounts, OfficerRoleAfterRevocationOfTheOtherIsAllowed) {
  const User u = make_user("officer", city_);
  auto g = service_->grant_role(cli(), u.id, Role::system_admin, Scope::org(city_));
  ASSERT_TRUE(service_->revoke_role(cli(), g->id));
  EXPECT_TRUE(service_->grant_role(cli(), u.id, Role::audit_admin, Scope::org(city_)));
}

TEST_F(IdentityAccounts, SelfGrantIsRefused) {
  const Principal sec = with_role("secadmin", Role::security_admin, Scope::org(root_));
  auto g = service_->grant_role(as(sec), sec.user_id, Role::editor, Scope::site(site_));
  EXPECT_EQ(g.error().code, "identity.self_grant");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
}

TEST_F(IdentityAccounts, OfficerRoleOnASiteIsRefused) {
  const User u = make_user("officer", city_);
  EXPECT_EQ(service_->grant_role(cli(), u.id, Role::audit_admin, Scope::site(site_)).error().code,
            "identity.bad_scope");
}

TEST_F(IdentityAccounts, GrantOutsideTheGrantorsScopeIsRefused) {
  const Principal sec = with_role("secadmin", Role::security_admin, Scope::org(other_city_));
  const User u = make_user("editor1", city_);
  EXPECT_EQ(service_->grant_role(as(sec), u.id, Role::editor, Scope::site(site_)).error().code,
            "identity.forbidden");
}

TEST_F(IdentityAccounts, RevokedGrantIsKeptWithItsRevocationTime) {
  const User u = make_user("editor1", city_);
  auto g = service_->grant_role(cli(), u.id, Role::editor, Scope::site(site_));
  ASSERT_TRUE(service_->revoke_role(cli(), g->id));
  EXPECT_TRUE(service_->list_grants(Principal::system("t"), u.id).value().empty());
  auto all = service_->list_grants(Principal::system("t"), u.id, /*include_revoked=*/true).value();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].revoked_at.has_value());
  EXPECT_EQ(service_->revoke_role(cli(), g->id).error().code, "identity.already_revoked");
  EXPECT_EQ(audit_.with_action("role.revoke").size(), 1u);
}

TEST_F(IdentityAccounts, AuditAdminCannotManageUsers) {
  const Principal aud = with_role("auditor", Role::audit_admin, Scope::org(root_));
  const User u = make_user("zhangwei", city_);
  EXPECT_EQ(service_->lock_user(as(aud), u.id, "", std::nullopt).error().code, "identity.forbidden");
  EXPECT_EQ(service_->reset_password(as(aud), u.id, kOtherPasswords[1]).error().code, "identity.forbidden");
  EXPECT_TRUE(service_->authorize(aud, Permission::audit_read, Scope::org(root_)));
}

TEST_F(IdentityAccounts, ServiceAuthorizeUsesTheStoredTree) {
  const Principal editor = with_role("editor1", Role::editor, Scope::org(city_));
  EXPECT_TRUE(service_->authorize(editor, Permission::content_edit, Scope::site(site_)));
  const std::int64_t other_site = service_->create_site(cli(), other_city_, "苏州工会网").value().id;
  EXPECT_EQ(service_->authorize(editor, Permission::content_edit, Scope::site(other_site)).error().code,
            "identity.forbidden");
}

TEST_F(IdentityAccounts, OrganisationListFollowsGrants) {
  const Principal editor = with_role("editor1", Role::editor, Scope::site(site_));
  auto orgs = service_->list_organisations(editor).value();
  ASSERT_EQ(orgs.size(), 1u);
  EXPECT_EQ(orgs[0].id, city_);
  EXPECT_EQ(service_->list_sites(editor).value().size(), 1u);
}

TEST_F(IdentityAccounts, OnlyTheMachineOperatorCreatesARootOrganisation) {
  const Principal sys = with_role("sysadmin", Role::system_admin, Scope::org(root_));
  EXPECT_EQ(service_->create_organisation(as(sys), std::nullopt, "另一个省", OrgKind::province).error().code,
            "identity.forbidden");
  EXPECT_TRUE(service_->create_organisation(as(sys), city_, "玄武区总工会", OrgKind::county));
}

// ----- bootstrap -----

TEST(IdentityBootstrap, CreatesTheThreeOfficersAtTheRootOnce) {
  auto db = store::Database::open_memory().value();
  FakeAuditLog audit;
  FakeClock clock;
  Policy policy;
  policy.argon2_opslimit = kArgon2OpsMin;
  policy.argon2_memlimit = kArgon2MemMin;
  const crypto::Suite& suite = crypto::suite(crypto::SuiteId::intl);
  auto service =
      IdentityService::open(*db, audit, suite, std::string(suite.seal_key_size(), 'k'), policy, clock)
          .value();
  const Actor cli{Principal::system("root"), "127.0.0.1", "init"};
  BootstrapRequest req{
      "江苏省总工会",
      {"sysadmin", "系统管理员", "13900000001", "sys@example.org.cn", std::string(kPassword)},
      {"secadmin", "安全管理员", "13900000002", "sec@example.org.cn", std::string(kPassword)},
      {"auditor", "审计管理员", "13900000003", "aud@example.org.cn", std::string(kPassword)}};
  auto result = service->bootstrap(cli, req);
  ASSERT_TRUE(result) << result.error().to_string();
  auto grants = service->list_grants(cli.principal, result->security_admin_id).value();
  ASSERT_EQ(grants.size(), 1u);
  EXPECT_EQ(grants[0].role, Role::security_admin);
  EXPECT_EQ(grants[0].scope, Scope::org(result->root_org_id));
  EXPECT_EQ(audit.last().action, "identity.bootstrap");
  EXPECT_EQ(service->bootstrap(cli, req).error().code, "identity.already_initialised");
}

TEST(IdentityBootstrap, BadSealKeyIsRefused) {
  auto db = store::Database::open_memory().value();
  FakeAuditLog audit;
  auto service = IdentityService::open(*db, audit, crypto::suite(crypto::SuiteId::gm), "short");
  EXPECT_EQ(service.error().code, "identity.bad_seal_key");
}

// ----- client certificates -----

TEST_F(IdentityAccounts, FingerprintsAreNormalised) {
  const std::string colons =
      "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";
  EXPECT_EQ(normalize_fingerprint(colons).value(),
            "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
  EXPECT_EQ(normalize_fingerprint("abc").error().code, "identity.bad_fingerprint");
  EXPECT_EQ(normalize_fingerprint(std::string(64, 'z')).error().code, "identity.bad_fingerprint");
}

TEST_F(IdentityAccounts, SystemAdminCannotRegisterCertificates) {
  const Principal sys = with_role("sysadmin", Role::system_admin, Scope::org(root_));
  const User u = make_user("zhangwei", city_);
  EXPECT_EQ(service_->register_certificate(as(sys), u.id, std::string(64, 'a'), "CN=zhangwei").error().code,
            "identity.forbidden");
}

}  // namespace
}  // namespace sw::identity::testing
