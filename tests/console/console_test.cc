// The console as a person (and an API client) uses it, over a real socket (N6.3, N6.4, N7.4, N8.4).
#include "console_fixture.h"

#include <nlohmann/json.hpp>

namespace sw::console::testing {
namespace {

using nlohmann::json;

TEST_F(ConsoleTest, LoginPageIsChineseByDefaultWithStrictHeaders) {
  Browser b(port_);
  Page p = b.get("/login");
  EXPECT_EQ(p.status, 200);
  EXPECT_NE(p.body.find("<html lang=\"zh-CN\">"), std::string::npos);
  EXPECT_NE(p.body.find("登录"), std::string::npos);
  EXPECT_EQ(p.headers.get("Content-Security-Policy").value_or(""), kContentSecurityPolicy);
  EXPECT_EQ(p.headers.get("X-Frame-Options").value_or(""), "DENY");
  EXPECT_EQ(p.headers.get("X-Content-Type-Options").value_or(""), "nosniff");
  EXPECT_EQ(p.body.find("<script>"), std::string::npos) << "no inline script";
  EXPECT_EQ(p.body.find("style="), std::string::npos) << "no inline style";
}

TEST_F(ConsoleTest, EnglishIsSelectedByQueryAndRemembered) {
  Browser b(port_);
  Page p = b.get("/login?lang=en");
  EXPECT_NE(p.body.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(p.body.find("Log in"), std::string::npos);
  EXPECT_EQ(b.cookies()[std::string(kLanguageCookie)], "en");
  p = b.get("/login");
  EXPECT_NE(p.body.find("<html lang=\"en\">"), std::string::npos);
}

TEST_F(ConsoleTest, SessionCookieIsHttpOnlySecureSameSiteStrict) {
  Browser b(port_);
  b.get("/login");
  Page p = b.post("/login", {{"username", "sysadmin"}, {"password", std::string(kInitial)}});
  ASSERT_EQ(p.status, 303);
  bool found = false;
  for (const auto& [name, value] : p.headers.fields()) {
    if (http::iequals(name, "Set-Cookie") && value.starts_with("sw_session=")) {
      found = true;
      EXPECT_NE(value.find("HttpOnly"), std::string::npos);
      EXPECT_NE(value.find("Secure"), std::string::npos);
      EXPECT_NE(value.find("SameSite=Strict"), std::string::npos);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(ConsoleTest, LoginWithoutTheFormTokenIsRefusedAndAudited) {
  Browser b(port_);
  Page p = b.post("/login", {{"username", "sysadmin"}, {"password", std::string(kInitial)}, {"csrf", "forged"}});
  EXPECT_EQ(p.status, 403);
  EXPECT_FALSE(b.cookies().contains(std::string(kSessionCookie)));
  EXPECT_FALSE(events("console.csrf").empty());
}

TEST_F(ConsoleTest, WrongPasswordShowsAnErrorAndOpensNoSession) {
  Browser b(port_);
  b.get("/login");
  Page p = b.post("/login", {{"username", "sysadmin"}, {"password", "wrong-password-123"}});
  EXPECT_EQ(p.status, 401);
  EXPECT_NE(p.body.find("用户名或密码错误"), std::string::npos);
  EXPECT_FALSE(b.cookies().contains(std::string(kSessionCookie)));
  auto logins = events("auth.login");
  ASSERT_FALSE(logins.empty());
  EXPECT_EQ(logins.front().event.outcome, audit::Outcome::failure);
  EXPECT_EQ(logins.front().event.details.dump().find("wrong-password"), std::string::npos) << "no password in audit";
}

TEST_F(ConsoleTest, FiveWrongPasswordsLockTheAccountEvenForTheRightOne) {
  Browser b(port_);
  for (int i = 0; i < 5; ++i) {
    b.get("/login");
    b.post("/login", {{"username", "sysadmin"}, {"password", "wrong-password-123"}});
  }
  b.get("/login");
  Page p = b.post("/login", {{"username", "sysadmin"}, {"password", std::string(kInitial)}});
  EXPECT_EQ(p.status, 423);
  EXPECT_NE(p.body.find("锁定"), std::string::npos);
  EXPECT_FALSE(events("auth.lockout").empty());
}

TEST_F(ConsoleTest, PagesBeforeTheSecondFactorRedirectToEnrolment) {
  Browser b(port_);
  b.get("/login");
  b.post("/login", {{"username", "sysadmin"}, {"password", std::string(kInitial)}});
  Page p = b.get("/users");
  EXPECT_EQ(p.status, 303);
  EXPECT_EQ(p.location(), "/account/totp");
}

TEST_F(ConsoleTest, WrongTotpCodeDuringEnrolmentIsRefused) {
  Browser b(port_);
  b.get("/login");
  b.post("/login", {{"username", "sysadmin"}, {"password", std::string(kInitial)}});
  b.get("/account/totp");
  Page p = b.post("/account/totp", {{"code", "000000"}});
  EXPECT_EQ(p.status, 400);
  EXPECT_NE(p.body.find("动态口令不正确"), std::string::npos);
}

TEST_F(ConsoleTest, FullLoginReachesTheDashboard) {
  Browser b = logged_in("sysadmin");
  Page p = b.get("/");
  EXPECT_EQ(p.status, 200);
  EXPECT_NE(p.body.find("用户管理"), std::string::npos);
  EXPECT_EQ(p.body.find("href=\"/audit\""), std::string::npos) << "a system administrator has no audit menu";
}

TEST_F(ConsoleTest, SecondLoginAsksForTheTotpCode) {
  logged_in("sysadmin");
  clock_.advance(std::chrono::seconds(60));
  Browser b(port_);
  b.get("/login");
  Page p = b.post("/login", {{"username", "sysadmin"}, {"password", std::string(kChanged)}});
  EXPECT_EQ(p.location(), "/login/second-factor");
}

TEST_F(ConsoleTest, SystemAdministratorCreatesAUserAndTheEventIsAudited) {
  Browser b = logged_in("sysadmin");
  b.get("/users");
  Page p = b.post("/users", {{"username", "zhang-wei"}, {"real_name", "张伟"}, {"org_id", std::to_string(city_org_)},
                             {"phone", "13800138000"}, {"email", "zw@njgh.org.cn"}, {"password", "Qiuyue-Taihu#5820"}});
  EXPECT_EQ(p.status, 303);
  EXPECT_EQ(p.location(), "/users?msg=msg_user_created");
  p = b.get("/users?msg=msg_user_created");
  EXPECT_NE(p.body.find("zhang-wei"), std::string::npos);
  EXPECT_NE(p.body.find("用户已创建"), std::string::npos);
  auto created = events("user.create");
  ASSERT_FALSE(created.empty());
  EXPECT_EQ(created[0].event.actor, "sysadmin") << "newest first: the console's create, after the bootstrap's";
  EXPECT_NE(created[0].event.object.find("zhang-wei"), std::string::npos) << created[0].event.object;
  EXPECT_EQ(created[0].event.outcome, audit::Outcome::success);
}

TEST_F(ConsoleTest, BadPhoneNumberIsRefusedWithTheFieldNamed) {
  Browser b = logged_in("sysadmin");
  b.get("/users");
  Page p = b.post("/users", {{"username", "zhang-wei"}, {"real_name", "张伟"}, {"org_id", std::to_string(city_org_)},
                             {"phone", "12345"}, {"password", "Qiuyue-Taihu#5820"}});
  EXPECT_EQ(p.status, 400);
  EXPECT_NE(p.body.find("phone"), std::string::npos);
  EXPECT_NE(p.body.find("value=\"zhang-wei\""), std::string::npos) << "the form keeps what was typed";
}

TEST_F(ConsoleTest, PostWithoutOrWithAWrongCsrfTokenChangesNothing) {
  Browser b = logged_in("sysadmin");
  b.get("/users");
  std::map<std::string, std::string> form = {{"username", "li-na"}, {"real_name", "李娜"}, {"phone", "13800138000"}, {"email", "ln@njgh.org.cn"},
                                             {"org_id", std::to_string(city_org_)}, {"password", "Qiuyue-Taihu#5820"}};
  form["csrf"] = "";
  EXPECT_EQ(b.post("/users", form).status, 403);
  form["csrf"] = std::string(64, 'a');
  EXPECT_EQ(b.post("/users", form).status, 403);
  for (const auto& e : events("user.create")) EXPECT_NE(e.event.actor, "sysadmin");
  EXPECT_GE(events("console.csrf").size(), 2u);
}

TEST_F(ConsoleTest, OutputIsEscaped) {
  Browser b = logged_in("sysadmin");
  b.get("/users");
  b.post("/users", {{"username", "x-user"}, {"real_name", "<script>alert(1)</script>"}, {"phone", "13800138000"}, {"email", "x@njgh.org.cn"},
                    {"org_id", std::to_string(city_org_)}, {"password", "Qiuyue-Taihu#5820"}});
  Page p = b.get("/users");
  EXPECT_EQ(p.body.find("<script>alert(1)"), std::string::npos);
  ASSERT_NE(p.body.find("x-user"), std::string::npos) << "the user was created";
  EXPECT_NE(p.body.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST_F(ConsoleTest, SystemAdministratorCannotReadTheAuditLogAndTheAttemptIsAudited) {
  Browser b = logged_in("sysadmin");
  EXPECT_EQ(b.get("/audit").status, 403);
  auto denied = events("audit.view");
  ASSERT_FALSE(denied.empty());
  EXPECT_EQ(denied.front().event.outcome, audit::Outcome::denied);
}

TEST_F(ConsoleTest, AuditAdministratorReadsTheLogWithFilters) {
  logged_in("sysadmin");
  Browser b = logged_in("auditor");
  Page p = b.get("/audit?action=auth.login");
  EXPECT_EQ(p.status, 200);
  EXPECT_NE(p.body.find("auth.login"), std::string::npos);
  EXPECT_NE(p.body.find("sysadmin"), std::string::npos);
  EXPECT_EQ(p.body.find("user.create"), std::string::npos);
  EXPECT_EQ(b.get("/audit?from=yesterday").status, 400);
  EXPECT_EQ(b.get("/users").status, 403) << "the audit administrator manages no accounts";
}

TEST_F(ConsoleTest, SecurityAdministratorGrantsASiteRoleButNotASecondOfficerRole) {
  Browser admin = logged_in("sysadmin");
  admin.get("/users");
  admin.post("/users", {{"username", "zhang-wei"}, {"real_name", "张伟"}, {"org_id", std::to_string(city_org_)},
                        {"phone", "13800138000"}, {"email", "zw@njgh.org.cn"}, {"password", "Qiuyue-Taihu#5820"}});
  identity::Principal system = identity::Principal::system("test");
  auto zhang = identity_->find_user(system, "zhang-wei");
  auto sysadmin = identity_->find_user(system, "sysadmin");
  ASSERT_TRUE(zhang) << zhang.error().to_string();
  ASSERT_TRUE(sysadmin) << sysadmin.error().to_string();
  Browser sec = logged_in("secadmin");
  sec.get("/roles");
  Page p = sec.post("/roles", {{"user_id", std::to_string(zhang->id)}, {"role", "editor"},
                               {"scope", "org:" + std::to_string(city_org_)}});
  EXPECT_EQ(p.location(), "/roles?msg=msg_role_granted");
  p = sec.post("/roles", {{"user_id", std::to_string(sysadmin->id)}, {"role", "audit_admin"},
                          {"scope", "org:" + std::to_string(root_org_)}});
  EXPECT_EQ(p.status, 400);
  EXPECT_NE(p.body.find("三员分立"), std::string::npos);
  p = sec.post("/roles", {{"user_id", std::to_string(zhang->id)}, {"role", "editor"}, {"scope", "org:abc"}});
  EXPECT_EQ(p.status, 400);
}

TEST_F(ConsoleTest, IdleSessionExpiresAfterFifteenMinutes) {
  Browser b = logged_in("sysadmin");
  EXPECT_EQ(b.get("/").status, 200);
  clock_.advance(std::chrono::minutes(16));
  Page p = b.get("/");
  EXPECT_EQ(p.status, 303);
  EXPECT_EQ(p.location(), "/login?msg=err_session");
  EXPECT_NE(b.get(p.location()).body.find("会话已过期"), std::string::npos);
}

TEST_F(ConsoleTest, LogoutEndsTheSession) {
  Browser b = logged_in("sysadmin");
  const std::string old_cookie = b.cookies()[std::string(kSessionCookie)];
  b.get("/");
  EXPECT_EQ(b.post("/logout", {}).location(), "/login");
  Browser replay(port_);
  replay.cookies()[std::string(kSessionCookie)] = old_cookie;
  EXPECT_EQ(replay.get("/").status, 303);
}

TEST_F(ConsoleTest, MalformedFormEncodingIsABadRequest) {
  Browser b = logged_in("sysadmin");
  Page p = b.send("POST", "/users", "username=%zz", "application/x-www-form-urlencoded");
  EXPECT_EQ(p.status, 400);
}

TEST_F(ConsoleTest, OversizeBodyIsRefusedBeforeItIsRead) {
  Browser b(port_);
  Page p = b.send("POST", "/login", std::string(128 * 1024, 'a'), "application/x-www-form-urlencoded");
  EXPECT_EQ(p.status, 413);
}

TEST_F(ConsoleTest, UnknownStaticFileIsNotFound) {
  Browser b(port_);
  EXPECT_EQ(b.get("/static/console.css").status, 200);
  EXPECT_EQ(b.get("/static/..%2fconsole.cc").status, 404);
}

// ----- the JSON API ----------------------------------------------------------------------------------

TEST_F(ConsoleTest, ApiLoginGivesAStagedSessionThatMustFinishLogin) {
  Browser api(port_);
  Page p = api.send("POST", "/api/v1/login", R"({"username":"sysadmin","password":"Su-Gonghui#2026"})",
                    "application/json");
  ASSERT_EQ(p.status, 200) << p.body;
  const json body = json::parse(p.body);
  EXPECT_EQ(body["stage"], "enrolment_required");
  const std::string bearer = "Authorization: Bearer " + body["session"].get<std::string>() + "\r\n";
  p = api.send("GET", "/api/v1/me", "", "", bearer);
  EXPECT_EQ(p.status, 200);
  EXPECT_EQ(json::parse(p.body)["username"], "sysadmin");
  p = api.send("GET", "/api/v1/users", "", "", bearer);
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(json::parse(p.body)["error"]["code"], "identity.wrong_stage");
}

TEST_F(ConsoleTest, ApiRejectsBadJsonAndWrongPasswords) {
  Browser api(port_);
  Page p = api.send("POST", "/api/v1/login", "{not json", "application/json");
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(json::parse(p.body)["error"]["code"], "console.bad_json");
  p = api.send("POST", "/api/v1/login", R"({"username":"sysadmin","password":"nope-nope-nope"})", "application/json");
  EXPECT_EQ(p.status, 401);
  EXPECT_EQ(json::parse(p.body)["error"]["code"], "identity.bad_credentials");
}

TEST_F(ConsoleTest, ApiWithTheCookieNeedsTheCsrfHeader) {
  Browser b = logged_in("sysadmin");
  const std::string user = R"({"username":"li-na","real_name":"李娜","org_id":)" + std::to_string(city_org_) +
                           R"(,"phone":"025-84561234","email":"ln@njgh.org.cn","password":"Qiuyue-Taihu#5820"})";
  Page p = b.send("POST", "/api/v1/users", user, "application/json");
  EXPECT_EQ(p.status, 403);
  b.get("/account");
  p = b.send("POST", "/api/v1/users", user, "application/json", "X-CSRF-Token: " + b.csrf() + "\r\n");
  ASSERT_EQ(p.status, 201) << p.body;
  EXPECT_EQ(json::parse(p.body)["username"], "li-na");
}

TEST_F(ConsoleTest, ApiAuditNeedsTheAuditRole) {
  Browser admin = logged_in("sysadmin");
  EXPECT_EQ(admin.get("/api/v1/audit").status, 403);
  Browser auditor = logged_in("auditor");
  Page p = auditor.get("/api/v1/audit?action=auth.&limit=5");
  ASSERT_EQ(p.status, 200);
  const json body = json::parse(p.body);
  EXPECT_GT(body["total"].get<int>(), 0);
  EXPECT_LE(body["events"].size(), 5u);
  EXPECT_TRUE(body["events"][0]["hash"].get<std::string>().starts_with("sm3:"));
}

}  // namespace
}  // namespace sw::console::testing
