// The registry details in the console and /api/v1 (issue 4): responsible people (N8.1), training
// (N8.2), graded protection (N7.5), providers (N2.6), re-review and suspension (N2.3), features behind
// the assessment gate (N4.1, N4.5), the parent's dashboard and its CSV/XLSX downloads — each through
// the API and the pages, another city refused and audited, bad input named, CSRF, zh-CN and en.
#include <nlohmann/json.hpp>

#include "console_fixture.h"

namespace sw::console::testing {
namespace {

using nlohmann::json;

class RegistryDetailsConsoleTest : public ConsoleTest {
 protected:
  void SetUp() override {
    ConsoleTest::SetUp();
    if (HasFatalFailure()) return;
    auto wuxi = identity_->create_organisation(system_, root_org_, "无锡市总工会", identity::OrgKind::city);
    ASSERT_TRUE(wuxi);
    wuxi_org_ = wuxi->id;
    auto county = registry_->create_organisation(system_, {city_org_, "玄武区总工会", identity::OrgKind::county, {}, ""});
    ASSERT_TRUE(county) << county.error().to_string();
    county_ = county->id;
    registry::SiteFields f{"玄武工会网", "玄武区总工会", "南京市玄武区北京东路1号", "210008", "025-84561234",
                           "025-12351", registry::Hosting::platform, "", "", {"xwgh.org.cn"}};
    auto site = registry_->apply_for_site(system_, county_, f);
    ASSERT_TRUE(site) << site.error().to_string();
    site_ = site->id;
    ASSERT_TRUE(registry_->approve_opening(system_, site_, true, "同意"));
    ASSERT_TRUE(registry_->record_security_assessment(system_, site_, true, "测评中心", "通过"));
    ASSERT_TRUE(registry_->go_live(system_, site_));
    add_user("nj-sys", "周系统", city_org_, identity::Role::system_admin, identity::Scope::org(city_org_));
    add_user("xw-site", "吴网管", county_, identity::Role::site_admin, identity::Scope::site(site_));
    add_user("wx-admin", "钱无锡", wuxi_org_, identity::Role::system_admin, identity::Scope::org(wuxi_org_));
    add_user("wx-site", "孙无锡", wuxi_org_, identity::Role::site_admin, identity::Scope::org(wuxi_org_));
  }

  void add_user(const std::string& username, const std::string& real_name, std::int64_t org, identity::Role role,
                identity::Scope scope) {
    identity::NewUser nu{username, real_name, org, "13912345699", username + "@njgh.org.cn", std::string(kInitial)};
    auto user = identity_->create_user(system_, nu);
    ASSERT_TRUE(user) << user.error().to_string();
    auto g = identity_->grant_role(system_, user->id, role, scope);
    ASSERT_TRUE(g) << g.error().to_string();
  }

  Browser user(const std::string& username) {
    Browser b = logged_in(username);
    b.get("/");
    return b;
  }

  static Page call(Browser& b, const std::string& method, const std::string& path, const json& body = nullptr) {
    const std::string text = body.is_null() ? std::string{} : body.dump();
    return b.send(method, path, text, text.empty() ? "" : "application/json", "X-CSRF-Token: " + b.csrf() + "\r\n");
  }
  static json body_of(const Page& p) { return json::parse(p.body, nullptr, false); }

  std::string site_path(const std::string& rest = "") const { return "/api/v1/sites/" + std::to_string(site_) + rest; }

  std::size_t denied(const std::string& action, const std::string& actor) {
    std::size_t n = 0;
    for (const auto& e : events(action)) {
      if (e.event.outcome == audit::Outcome::denied && e.event.actor == actor) ++n;
    }
    return n;
  }

  static json person() {
    return {{"duty", "secrecy_review"}, {"person_name", "张保密"}, {"job_title", "办公室副主任"},
            {"phone", "13812345678"}, {"appointed_on", "2026-01-05"}};
  }
  static json provider() {
    return {{"provider_name", "江苏某网络科技有限公司"}, {"uscc", "91320100MA1XXXXX0X"}, {"service", "hosting"},
            {"contract_from", "2026-01-01"}, {"contract_to", "2027-12-31"}, {"nda_signed", true}, {"nda_on", "2026-01-01"}};
  }

  identity::Actor system_{identity::Principal::system("test"), "127.0.0.1", "setup"};
  std::int64_t wuxi_org_ = 0, county_ = 0, site_ = 0;
};

TEST_F(RegistryDetailsConsoleTest, TheDetailsWorkThroughTheApiForTheRightUsers) {
  Browser site_admin = user("xw-site");
  Browser parent = user("nj-sys");
  Page p = call(site_admin, "POST", site_path("/people"), person());
  ASSERT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "GET", site_path("/details"));
  ASSERT_EQ(p.status, 200) << p.body;
  json d = body_of(p);
  ASSERT_EQ(d["people"].size(), 1u);
  EXPECT_EQ(d["missing_people"].size(), 4u);
  const std::int64_t person_id = d["people"][0]["id"];
  p = call(site_admin, "POST", site_path("/training"),
           {{"person_id", person_id}, {"held_on", "2020-03-01"}, {"course", "保密培训"}, {"hours", "3.5"}, {"organiser", "市保密局"}});
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "POST", site_path("/grading"),
           {{"level", "3"}, {"filing_number", "32010243001-00001"}, {"filed_on", "2024-06-01"}});
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "POST", site_path("/rectifications"), {{"text", "弱口令"}, {"due_on", "2030-01-01"}});
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "POST", site_path("/providers"), provider());
  EXPECT_EQ(p.status, 200) << p.body;
  // Features: no assessment → 409; the forum also needs the parent's approval.
  p = call(site_admin, "POST", site_path("/feature-enable"), {{"feature", "interaction"}});
  EXPECT_EQ(p.status, 409) << p.body;
  EXPECT_EQ(body_of(p)["error"]["code"], "registry.assessment_missing");
  p = call(site_admin, "POST", site_path("/feature-assessment"),
           {{"feature", "forum"}, {"result", "passed"}, {"assessor", "测评中心"}, {"summary", "通过"}});
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "POST", site_path("/feature-enable"), {{"feature", "forum"}});
  EXPECT_EQ(p.status, 409) << p.body;
  EXPECT_EQ(body_of(p)["error"]["code"], "registry.approval_missing");
  p = call(parent, "POST", site_path("/feature-approval"), {{"feature", "forum"}, {"decision", "approve"}, {"summary", "同意"}});
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "POST", site_path("/feature-enable"), {{"feature", "forum"}});
  EXPECT_EQ(p.status, 200) << p.body;
  // Re-review and suspension are the parent's.
  p = call(site_admin, "POST", site_path("/rereview"), {{"result", "passed"}, {"summary", "自己复核"}});
  EXPECT_EQ(p.status, 403) << p.body;
  p = call(parent, "POST", site_path("/rereview"), {{"result", "failed"}, {"summary", "备案信息不符"}, {"suspend", true}});
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "GET", site_path("/details"));
  d = body_of(p);
  EXPECT_EQ(d["features"][0]["feature"], "forum");
  EXPECT_TRUE(d["features"][0]["enabled"]);
  EXPECT_EQ(d["training"][0]["hours"], 3.5);
  EXPECT_EQ(d["grading"][0]["next_due"], "2025-06-01");
  EXPECT_EQ(d["state_history"].back()["to"], "suspended");
  EXPECT_EQ(d["rereviews"][0]["suspended"], true);
  // The parent's dashboard of the city.
  p = call(parent, "GET", "/api/v1/orgs/" + std::to_string(city_org_) + "/dashboard");
  ASSERT_EQ(p.status, 200) << p.body;
  d = body_of(p);
  ASSERT_EQ(d["sites"].size(), 1u);
  EXPECT_EQ(d["by_state"]["suspended"], 1);
  EXPECT_EQ(d["totals"]["missing_filing"], 1);
  EXPECT_EQ(d["totals"]["missing_people"], 1);
  EXPECT_EQ(d["totals"]["training_overdue"], 1);
  EXPECT_EQ(d["totals"]["grading_overdue"], 1);
  EXPECT_EQ(d["totals"]["open_rectifications"], 1);
  EXPECT_EQ(d["totals"]["providers_unreviewed"], 1);
  EXPECT_EQ(d["sites"][0]["grading_level"], 3);
}

TEST_F(RegistryDetailsConsoleTest, AnotherCityIsRefusedEverywhereAndTheDenialIsAudited) {
  const auto person_id = registry_->appoint_person(system_, site_, registry::Duty::leader,
                                                   {"张三", "主席", "13812345678", std::nullopt, "2026-01-05"});
  ASSERT_TRUE(person_id);
  const std::string city = "/api/v1/orgs/" + std::to_string(city_org_);
  struct Case {
    std::string method, path;
    json body;
    std::string action;
  };
  const std::vector<Case> cases = {
      {"GET", site_path("/details"), nullptr, "site.read"},
      {"POST", site_path("/edit"), {{"name", "x"}}, "site.edit"},
      {"POST", site_path("/suspend"), {{"reason", "x"}}, "site.suspend"},
      {"POST", site_path("/close"), {{"reason", "x"}}, "site.close"},
      {"POST", site_path("/people"), person(), "site.person_appoint"},
      {"POST", site_path("/training"), {{"person_id", person_id->id}, {"held_on", "2026-01-01"}, {"course", "x"}, {"hours", 1}, {"organiser", "x"}}, "site.training_record"},
      {"POST", site_path("/grading"), {{"level", 2}, {"filing_number", "A-1"}, {"filed_on", "2024-06-01"}}, "site.grading_record"},
      {"POST", site_path("/rectifications"), {{"text", "x"}, {"due_on", "2030-01-01"}}, "site.rectification_open"},
      {"POST", site_path("/providers"), provider(), "site.provider_add"},
      {"POST", site_path("/rereview"), {{"result", "passed"}, {"summary", "x"}}, "site.rereview"},
      {"POST", site_path("/feature-assessment"), {{"feature", "blog"}, {"result", "passed"}, {"assessor", "x"}, {"summary", "x"}}, "site.security_assessment"},
      {"POST", site_path("/feature-approval"), {{"feature", "forum"}, {"decision", "approve"}, {"summary", "x"}}, "site.feature_approval"},
      {"POST", site_path("/feature-enable"), {{"feature", "blog"}}, "site.feature_enable"},
      {"GET", city + "/dashboard", nullptr, "registry.dashboard"},
      {"GET", city + "/training", nullptr, "org.read"},
      {"GET", city + "/rereviews-due", nullptr, "org.read"},
      {"GET", city + "/export?what=dashboard&format=csv", nullptr, "registry.export"},
  };
  for (const char* who : {"wx-admin", "wx-site"}) {
    Browser other = user(who);
    for (const auto& c : cases) {
      const std::size_t before = denied(c.action, who);
      const Page p = call(other, c.method, c.path, c.body);
      EXPECT_EQ(p.status, 403) << who << " " << c.method << " " << c.path << ": " << p.body;
      EXPECT_EQ(denied(c.action, who), before + 1) << who << " " << c.path;
    }
    EXPECT_EQ(other.get("/dashboard?org=" + std::to_string(city_org_)).status, 403);
    EXPECT_EQ(other.get("/dashboard.csv?org=" + std::to_string(city_org_)).status, 403);
    EXPECT_EQ(other.get("/sites/" + std::to_string(site_)).status, 403);
  }
  EXPECT_EQ(registry_->people(identity::Principal::system("t"), site_)->size(), 1u);
  EXPECT_EQ(registry_->get_site(identity::Principal::system("t"), site_)->state, registry::SiteState::live);
}

TEST_F(RegistryDetailsConsoleTest, BadInputIsRefusedWithTheFieldNamed) {
  Browser site_admin = user("xw-site");
  struct Case {
    std::string action;
    json body;
    std::string code;
  };
  json bad_phone = person();
  bad_phone["phone"] = "12345";
  json bad_date = person();
  bad_date["appointed_on"] = "2026-02-30";
  json bad_duty = person();
  bad_duty["duty"] = "boss";
  json bad_uscc = provider();
  bad_uscc["uscc"] = "913201000000000000";
  const std::vector<Case> cases = {
      {"/people", bad_phone, "registry.invalid_phone"},
      {"/people", bad_date, "registry.invalid_appointed_on"},
      {"/people", bad_duty, "registry.unknown_duty"},
      {"/providers", bad_uscc, "registry.invalid_uscc"},
      {"/grading", {{"level", "9"}, {"filing_number", "A-1"}, {"filed_on", "2024-06-01"}}, "registry.invalid_level"},
      {"/rectifications", {{"text", "x"}, {"due_on", "soon"}}, "registry.invalid_due_on"},
      {"/feature-assessment", {{"feature", "chat"}, {"result", "passed"}, {"assessor", "x"}, {"summary", "x"}},
       "registry.invalid_feature"},
      {"/edit", {{"name", "玄武工会网"}, {"sponsor", "x"}, {"address", "x"}, {"postcode", "1"}, {"phone", "025-84561234"},
                 {"hotline_12351", "12351"}},
       "registry.invalid_postcode"},
  };
  for (const auto& c : cases) {
    const Page p = call(site_admin, "POST", site_path(c.action), c.body);
    EXPECT_EQ(p.status, 400) << c.action << ": " << p.body;
    EXPECT_EQ(body_of(p)["error"]["code"], c.code) << c.action;
  }
  EXPECT_TRUE(registry_->people(identity::Principal::system("t"), site_)->empty());
  EXPECT_TRUE(registry_->providers(identity::Principal::system("t"), site_)->empty());
}

TEST_F(RegistryDetailsConsoleTest, TheSitePageShowsTheSectionsAndItsFormsPostBack) {
  Browser site_admin = user("xw-site");
  const std::string page = "/sites/" + std::to_string(site_);
  Page p = site_admin.get(page);
  ASSERT_EQ(p.status, 200) << p.body;
  for (const char* text : {"网站负责人员", "安全培训", "等级保护", "第三方服务商", "资格复核", "功能开通", "变更记录",
                           "action=\"" "/sites/"}) {
    EXPECT_NE(p.body.find(text), std::string::npos) << text;
  }
  EXPECT_NE(p.body.find("href=\"" + page + "/releases\""), std::string::npos) << "the site's releases (issue 5)";
  EXPECT_EQ(p.body.find("action=\"" + page + "/suspend\""), std::string::npos) << "not the site admin's decision";
  p = site_admin.post(page + "/people", {{"duty", "leader"}, {"person_name", "王<主席>"}, {"job_title", "主席"},
                                         {"phone", "025-84561234"}, {"appointed_on", "2026-01-05"}});
  EXPECT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), page + "?msg=msg_reg_people");
  p = site_admin.get(page + "?msg=msg_reg_people");
  EXPECT_NE(p.body.find("负责人员已指定"), std::string::npos);
  EXPECT_NE(p.body.find("王&lt;主席&gt;"), std::string::npos) << "escaped";
  EXPECT_EQ(p.body.find("王<主席>"), std::string::npos);
  // A refused form shows the page again with the named error; no CSRF token → refused.
  p = site_admin.post(page + "/providers", {{"provider_name", "某公司"}, {"uscc", "123"}, {"service", "hosting"},
                                            {"contract_from", "2026-01-01"}, {"contract_to", "2026-12-31"}});
  EXPECT_EQ(p.status, 400);
  EXPECT_NE(p.body.find("统一社会信用代码不正确"), std::string::npos);
  p = site_admin.post(page + "/grading", {{"level", "2"}, {"filing_number", "A-1"}, {"filed_on", "2024-06-01"}}, false);
  EXPECT_EQ(p.status, 403);
  EXPECT_TRUE(registry_->grading_history(identity::Principal::system("t"), site_)->empty());
  // English.
  p = site_admin.get(page + "?lang=en");
  EXPECT_NE(p.body.find("Responsible people"), std::string::npos);
  EXPECT_NE(p.body.find("Graded protection"), std::string::npos);
}

TEST_F(RegistryDetailsConsoleTest, TheParentSuspendsFromTheSitePage) {
  Browser parent = user("nj-sys");
  const std::string page = "/sites/" + std::to_string(site_);
  Page p = parent.get(page);
  EXPECT_NE(p.body.find("action=\"" + page + "/suspend\""), std::string::npos);
  p = parent.post(page + "/suspend", {{"reason", ""}});
  EXPECT_EQ(p.status, 400);
  p = parent.post(page + "/suspend", {{"reason", "整改期间暂停"}});
  EXPECT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(registry_->get_site(identity::Principal::system("t"), site_)->state, registry::SiteState::suspended);
  p = parent.get(page);
  EXPECT_NE(p.body.find("整改期间暂停"), std::string::npos) << "in the history";
}

TEST_F(RegistryDetailsConsoleTest, TheDashboardPageAndItsDownloads) {
  ASSERT_TRUE(registry_->record_icp_filing(system_, site_, "苏ICP备12345678号-1", std::nullopt));
  ASSERT_TRUE(registry_->appoint_person(system_, site_, registry::Duty::operations,
                                        {"未培训的运维", "工程师", "13812345678", std::nullopt, "2026-01-05"}));
  Browser parent = user("nj-sys");
  const std::string org = std::to_string(city_org_);
  Page p = parent.get("/dashboard?org=" + org);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("玄武工会网"), std::string::npos);
  EXPECT_NE(p.body.find("href=\"/dashboard.xlsx?org=" + org + "\""), std::string::npos);
  EXPECT_NE(p.body.find("id=\"total-sites\">1<"), std::string::npos);
  EXPECT_NE(p.body.find("资格复核逾期及 30 天内到期"), std::string::npos);
  EXPECT_NE(p.body.find("未培训的运维"), std::string::npos) << "listed: no training in 12 months (N8.2)";
  EXPECT_NE(p.body.find("id=\"total-unlinked-reviewers\">0<"), std::string::npos);
  EXPECT_EQ(p.body.find("id=\"dashboard-deadlines\""), std::string::npos) << "no interaction service here";
  // A content reviewer named without a platform account is a gap on the dashboard and the site page.
  ASSERT_TRUE(registry_->appoint_person(system_, site_, registry::Duty::content_review,
                                        {"无账号的审核", "部长", "13812345679", std::nullopt, "2026-01-05"}));
  p = parent.get("/dashboard?org=" + org);
  EXPECT_NE(p.body.find("id=\"total-unlinked-reviewers\">1<"), std::string::npos) << p.body;
  EXPECT_NE(p.body.find("<td>信息审核</td>"), std::string::npos);
  p = parent.get("/sites/" + std::to_string(site_));
  ASSERT_EQ(p.status, 200);
  const auto unlinked = p.body.find("id=\"unlinked-reviewers\"");
  ASSERT_NE(unlinked, std::string::npos);
  EXPECT_NE(p.body.find("信息审核", unlinked), std::string::npos);
  p = parent.get("/dashboard.csv?org=" + org);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.headers.get("Content-Type").value_or(""), "text/csv; charset=utf-8");
  const std::string disposition(p.headers.get("Content-Disposition").value_or(""));
  EXPECT_TRUE(disposition.starts_with("attachment; filename=\"dashboard-org" + org + "-")) << disposition;
  EXPECT_NE(disposition.find("filename*=UTF-8''%E7%BD%91"), std::string::npos) << disposition;  // 网站总览
  EXPECT_TRUE(p.body.starts_with("\xEF\xBB\xBF网站,所属工会,")) << p.body.substr(0, 40);
  EXPECT_NE(p.body.find("苏ICP备12345678号-1"), std::string::npos);
  p = parent.get("/dashboard.xlsx?org=" + org);
  ASSERT_EQ(p.status, 200);
  EXPECT_TRUE(p.body.starts_with("PK")) << "a zip (OOXML) file";
  p = parent.get("/filings.csv?org=" + org);
  ASSERT_EQ(p.status, 200);
  EXPECT_NE(p.body.find("玄武工会网,玄武区总工会,已上线,苏ICP备12345678号-1"), std::string::npos) << p.body;
  std::size_t exports = 0;
  for (const auto& e : events("registry.export")) exports += e.event.outcome == audit::Outcome::success;
  EXPECT_EQ(exports, 3u);
  p = parent.get("/dashboard?org=" + org + "&lang=en");
  EXPECT_NE(p.body.find("Site overview"), std::string::npos);
}

}  // namespace
}  // namespace sw::console::testing
