// The site register in the console and /api/v1 (issue 4): organisations, sites, domains, ICP
// filings, opening review — each endpoint's happy path, cross-tenant refusals audited as denied,
// named validation errors, CSRF, and the pages in Chinese and English.
#include "console_fixture.h"

#include <nlohmann/json.hpp>

namespace sw::console::testing {
namespace {

using nlohmann::json;

class RegistryConsoleTest : public ConsoleTest {
 protected:
  void SetUp() override {
    ConsoleTest::SetUp();
    if (HasFatalFailure()) return;
    auto wuxi = identity_->create_organisation(system_, root_org_, "无锡市总工会", identity::OrgKind::city);
    ASSERT_TRUE(wuxi);
    wuxi_org_ = wuxi->id;
    add_user("nj-sys", "周系统", city_org_, {identity::Role::system_admin});
    add_user("nj-site", "吴网管", city_org_, {identity::Role::site_admin});
    add_user("wx-admin", "钱无锡", wuxi_org_, {identity::Role::system_admin, identity::Role::site_admin});
  }

  void add_user(const std::string& username, const std::string& real_name, std::int64_t org,
                std::vector<identity::Role> roles) {
    identity::NewUser nu{username, real_name, org, "13912345699", username + "@njgh.org.cn", std::string(kInitial)};
    auto user = identity_->create_user(system_, nu);
    ASSERT_TRUE(user) << user.error().to_string();
    for (auto role : roles) {
      auto g = identity_->grant_role(system_, user->id, role, identity::Scope::org(org));
      ASSERT_TRUE(g) << g.error().to_string();
    }
  }

  // Logged in, with the session's CSRF token taken from a page.
  Browser user(const std::string& username) {
    Browser b = logged_in(username);
    b.get("/");
    return b;
  }

  // A JSON call with the session cookie and (unless told not to) the X-CSRF-Token header.
  static Page call(Browser& b, const std::string& method, const std::string& path, const json& body = nullptr,
                   bool with_csrf = true) {
    const std::string text = body.is_null() ? std::string{} : body.dump();
    const std::string headers = with_csrf ? "X-CSRF-Token: " + b.csrf() + "\r\n" : std::string{};
    return b.send(method, path, text, text.empty() ? "" : "application/json", headers);
  }
  static json body_of(const Page& p) { return json::parse(p.body, nullptr, false); }

  json site_application(std::int64_t org) const {
    return {{"org_id", org},          {"name", "南京工会网"},    {"sponsor", "南京市总工会"},
            {"address", "南京市玄武区北京东路1号"}, {"postcode", "210008"}, {"phone", "025-84561234"},
            {"hotline_12351", "025-12351"}, {"hosting", "platform"}, {"domains", json::array({"njgh.org.cn"})}};
  }

  // A Nanjing county, a grassroots unit under it and a Nanjing site with one domain, made directly.
  void seed_nanjing() {
    auto county = registry_->create_organisation(system_, {city_org_, "玄武区总工会", identity::OrgKind::county, {}, ""});
    ASSERT_TRUE(county) << county.error().to_string();
    county_ = county->id;
    auto unit = registry_->create_organisation(system_, {county_, "某公司工会", identity::OrgKind::grassroots, {}, ""});
    ASSERT_TRUE(unit) << unit.error().to_string();
    unit_ = unit->id;
    registry::SiteFields f{"南京工会网", "南京市总工会", "南京市玄武区北京东路1号", "210008", "025-84561234",
                           "025-12351", registry::Hosting::platform, "", "", {"njgh.org.cn"}};
    auto site = registry_->apply_for_site(system_, city_org_, f);
    ASSERT_TRUE(site) << site.error().to_string();
    site_ = site->id;
  }

  std::size_t denied(const std::string& action, const std::string& actor) {
    std::size_t n = 0;
    for (const auto& e : events(action)) {
      if (e.event.outcome == audit::Outcome::denied && e.event.actor == actor) ++n;
    }
    return n;
  }

  identity::Actor system_{identity::Principal::system("test"), "127.0.0.1", "setup"};
  std::int64_t wuxi_org_ = 0;
  std::int64_t county_ = 0;
  std::int64_t unit_ = 0;
  std::int64_t site_ = 0;
};

TEST_F(RegistryConsoleTest, EveryEndpointWorksForTheRightUser) {
  Browser sys = user("nj-sys");
  Browser site_admin = user("nj-site");
  Browser root = user("sysadmin");
  const std::string city = std::to_string(city_org_);

  // Organisations: create, rename, move, deactivate, subtree.
  Page p = call(sys, "POST", "/api/v1/orgs", {{"parent_id", city_org_}, {"name", "玄武区工会"}, {"level", "county"}});
  ASSERT_EQ(p.status, 201) << p.body;
  const std::int64_t county = body_of(p)["id"];
  EXPECT_EQ(body_of(p)["level"], "county");
  p = call(sys, "POST", "/api/v1/orgs",
           {{"parent_id", county}, {"name", "某公司工会"}, {"level", "grassroots"}, {"code", "NJ-0001"}});
  ASSERT_EQ(p.status, 201) << p.body;
  const std::int64_t unit = body_of(p)["id"];
  p = call(sys, "POST", "/api/v1/orgs/" + std::to_string(county) + "/rename", {{"name", "玄武区总工会"}});
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(sys, "POST", "/api/v1/orgs/" + std::to_string(unit) + "/move", {{"parent_id", city_org_}});
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(sys, "GET", "/api/v1/orgs/" + city + "/subtree");
  ASSERT_EQ(p.status, 200) << p.body;
  json orgs = body_of(p)["organisations"];
  ASSERT_EQ(orgs.size(), 3u);
  EXPECT_EQ(orgs[0]["depth"], 0);
  EXPECT_EQ(orgs[1]["name"], "玄武区总工会");
  EXPECT_EQ(orgs[2]["parent_id"], city_org_) << "moved under the city";
  EXPECT_EQ(orgs[2]["depth"], 1);
  p = call(sys, "POST", "/api/v1/orgs/" + std::to_string(unit) + "/deactivate");
  EXPECT_EQ(p.status, 200) << p.body;
  EXPECT_FALSE(registry_->get_organisation(identity::Principal::system("t"), unit)->active);

  // A site: apply, read, domains, ICP filing, filings of the subtree.
  p = call(sys, "POST", "/api/v1/sites", site_application(city_org_));
  ASSERT_EQ(p.status, 201) << p.body;
  const std::string site = std::to_string(body_of(p)["id"].get<std::int64_t>());
  EXPECT_EQ(body_of(p)["state"], "application");
  p = call(site_admin, "GET", "/api/v1/sites/" + site);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(body_of(p)["domains"], json::array({"njgh.org.cn"}));
  EXPECT_TRUE(body_of(p)["icp_filing"].is_null());
  p = call(sys, "GET", "/api/v1/orgs/" + city + "/filings");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(body_of(p)["missing"].size(), 1u);
  p = call(site_admin, "POST", "/api/v1/sites/" + site + "/domains", {{"domain", "WWW.njgh.org.cn"}});
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "POST", "/api/v1/sites/" + site + "/domains", {{"domain", "m.njgh.org.cn"}});
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "DELETE", "/api/v1/sites/" + site + "/domains/m.njgh.org.cn");
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "POST", "/api/v1/sites/" + site + "/domains/www.njgh.org.cn/remove");
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "POST", "/api/v1/sites/" + site + "/icp-filings",
           {{"number", "苏ICP备12345678号-1"}, {"reported_to_parent_at", "2026-03-01T00:00:00Z"}});
  ASSERT_EQ(p.status, 201) << p.body;
  EXPECT_EQ(body_of(p)["number"], "苏ICP备12345678号-1");
  p = call(sys, "GET", "/api/v1/orgs/" + city + "/filings");
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(body_of(p)["filings"].size(), 1u);
  EXPECT_TRUE(body_of(p)["missing"].empty());

  // Opening review: going live early is refused, then approval, assessment, go-live.
  p = call(site_admin, "POST", "/api/v1/sites/" + site + "/go-live");
  EXPECT_EQ(p.status, 409) << p.body;
  EXPECT_EQ(body_of(p)["error"]["code"], "registry.approval_missing");
  p = call(root, "POST", "/api/v1/sites/" + site + "/approve-opening", {{"approved", true}, {"summary", "同意开办"}});
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "POST", "/api/v1/sites/" + site + "/go-live");
  EXPECT_EQ(p.status, 409) << p.body;
  EXPECT_EQ(body_of(p)["error"]["code"], "registry.assessment_missing");
  p = call(site_admin, "POST", "/api/v1/sites/" + site + "/security-assessment",
           {{"passed", true}, {"assessor", "江苏省网络安全测评中心"}, {"summary", "未发现高危漏洞"}});
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "POST", "/api/v1/sites/" + site + "/go-live");
  EXPECT_EQ(p.status, 200) << p.body;
  p = call(site_admin, "GET", "/api/v1/sites/" + site);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(body_of(p)["state"], "live");
  EXPECT_EQ(body_of(p)["reviews"].size(), 2u);
  EXPECT_EQ(body_of(p)["icp_filing"]["number"], "苏ICP备12345678号-1");
  EXPECT_EQ(events("site.go_live").size(), 3u) << "two refusals and the success, audited by the registry";
}

TEST_F(RegistryConsoleTest, AnotherCitysAdministratorIsRefusedEverywhereAndTheDenialIsAudited) {
  seed_nanjing();
  Browser wx = user("wx-admin");
  const std::string city = std::to_string(city_org_);
  const std::string site = std::to_string(site_);
  struct Case {
    std::string method, path;
    json body;
    std::string action;  // the registry's audit action for the refusal
  };
  const std::vector<Case> cases = {
      {"GET", "/api/v1/orgs/" + city + "/subtree", nullptr, "org.read"},
      {"POST", "/api/v1/orgs", {{"parent_id", city_org_}, {"name", "秦淮区总工会"}, {"level", "county"}}, "org.create"},
      {"POST", "/api/v1/orgs/" + std::to_string(county_) + "/rename", {{"name", "无锡某区"}}, "org.rename"},
      {"POST", "/api/v1/orgs/" + std::to_string(unit_) + "/move", {{"parent_id", wuxi_org_}}, "org.move"},
      {"POST", "/api/v1/orgs/" + std::to_string(unit_) + "/deactivate", nullptr, "org.deactivate"},
      {"POST", "/api/v1/sites", site_application(city_org_), "site.apply"},
      {"GET", "/api/v1/sites/" + site, nullptr, "site.read"},
      {"POST", "/api/v1/sites/" + site + "/domains", {{"domain", "wx.njgh.org.cn"}}, "site.domain_add"},
      {"DELETE", "/api/v1/sites/" + site + "/domains/njgh.org.cn", nullptr, "site.domain_remove"},
      {"POST", "/api/v1/sites/" + site + "/domains/njgh.org.cn/remove", nullptr, "site.domain_remove"},
      {"POST", "/api/v1/sites/" + site + "/icp-filings", {{"number", "苏ICP备12345678号"}}, "icp.record"},
      {"GET", "/api/v1/orgs/" + city + "/filings", nullptr, "icp.read"},
      {"POST", "/api/v1/sites/" + site + "/approve-opening", {{"approved", true}, {"summary", "同意"}},
       "site.approve_opening"},
      {"POST", "/api/v1/sites/" + site + "/security-assessment",
       {{"passed", true}, {"assessor", "某测评机构"}, {"summary", "通过"}}, "site.security_assessment"},
      {"POST", "/api/v1/sites/" + site + "/go-live", nullptr, "site.go_live"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    const std::size_t before = denied(c.action, "wx-admin");
    Page p = call(wx, c.method, c.path, c.body);
    EXPECT_EQ(p.status, 403) << p.body;
    EXPECT_EQ(body_of(p)["error"]["code"], "identity.forbidden");
    EXPECT_EQ(denied(c.action, "wx-admin"), before + 1) << "denial of " << c.action << " audited";
  }
  // Nothing changed.
  auto site_now = registry_->get_site(identity::Principal::system("t"), site_);
  ASSERT_TRUE(site_now);
  EXPECT_EQ(site_now->state, registry::SiteState::application);
  EXPECT_EQ(site_now->fields.domains, std::vector<std::string>{"njgh.org.cn"});

  // The pages refuse too.
  EXPECT_EQ(wx.get("/sites/" + site).status, 403);
  EXPECT_EQ(wx.get("/filings?org=" + city).status, 403);
  EXPECT_EQ(wx.post("/sites/" + site + "/go-live", {}).status, 403);
}

TEST_F(RegistryConsoleTest, BadIcpNumberAndDomainRuleAreNamed) {
  seed_nanjing();
  Browser b = user("nj-site");
  const std::string site = std::to_string(site_);
  Page p = call(b, "POST", "/api/v1/sites/" + site + "/icp-filings", {{"number", "苏ICP证B2-20080001"}});
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(body_of(p)["error"]["code"], "registry.invalid_icp");
  p = call(b, "POST", "/api/v1/sites/" + site + "/domains", {{"domain", "njgh.com"}});
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(body_of(p)["error"]["code"], "registry.domain_rule");
  EXPECT_NE(body_of(p)["error"]["message"].get<std::string>().find(".org"), std::string::npos);
  p = call(b, "POST", "/api/v1/sites/" + site + "/domains", {{"domain", "bad_domain.org"}});
  EXPECT_EQ(p.status, 400);
  EXPECT_EQ(body_of(p)["error"]["code"], "registry.invalid_domain");

  // The same through the site page's forms: the catalogue text names the error, the detail follows.
  b.get("/sites/" + site);
  p = b.post("/sites/" + site + "/icp-filings", {{"number", "苏ICP证B2-20080001"}});
  EXPECT_EQ(p.status, 400);
  EXPECT_NE(p.body.find("ICP 备案号格式不正确"), std::string::npos) << p.body;
  p = b.post("/sites/" + site + "/domains", {{"domain", "njgh.com"}});
  EXPECT_EQ(p.status, 400);
  EXPECT_NE(p.body.find("域名不符合本级工会的域名规则"), std::string::npos);
  EXPECT_NE(p.body.find("njgh.com"), std::string::npos);
  b.get("/sites/" + site + "?lang=en");
  p = b.post("/sites/" + site + "/domains", {{"domain", "njgh.com"}});
  EXPECT_NE(p.body.find("The domain breaks the level&apos;s domain rule"), std::string::npos);
}

TEST_F(RegistryConsoleTest, MissingCsrfTokenIsRefusedAndNothingChanges) {
  seed_nanjing();
  Browser b = user("nj-sys");
  const std::size_t before = events("console.csrf").size();
  const std::size_t created = events("org.create").size();
  Page p = call(b, "POST", "/api/v1/orgs", {{"parent_id", city_org_}, {"name", "秦淮区总工会"}, {"level", "county"}},
                /*with_csrf=*/false);
  EXPECT_EQ(p.status, 403);
  p = call(b, "DELETE", "/api/v1/sites/" + std::to_string(site_) + "/domains/njgh.org.cn", nullptr, false);
  EXPECT_EQ(p.status, 403);
  p = b.post("/orgs", {{"parent_id", std::to_string(city_org_)}, {"name", "秦淮区总工会"}, {"level", "county"}},
             /*with_csrf=*/false);
  EXPECT_EQ(p.status, 403);
  p = b.post("/orgs", {{"parent_id", std::to_string(city_org_)}, {"name", "秦淮区总工会"}, {"level", "county"},
                       {"csrf", "forged"}});
  EXPECT_EQ(p.status, 403);
  EXPECT_EQ(events("console.csrf").size(), before + 4);
  EXPECT_EQ(events("org.create").size(), created) << "nothing created";
  auto site = registry_->get_site(identity::Principal::system("t"), site_);
  ASSERT_TRUE(site);
  EXPECT_EQ(site->fields.domains.size(), 1u);
}

TEST_F(RegistryConsoleTest, FormsPostRedirectAndGetThroughOpeningReview) {
  Browser sys = user("nj-sys");
  sys.get("/orgs");
  Page p = sys.post("/orgs", {{"parent_id", std::to_string(city_org_)}, {"name", "秦淮区总工会"}, {"level", "county"}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), "/orgs?msg=msg_org_created");
  p = sys.get(p.location());
  EXPECT_NE(p.body.find("组织已创建"), std::string::npos);
  EXPECT_NE(p.body.find("秦淮区总工会"), std::string::npos);
  p = sys.post("/orgs", {{"parent_id", std::to_string(city_org_)}, {"name", "某区"}, {"level", "city"}});
  EXPECT_EQ(p.status, 400) << "a city cannot sit under a city";
  EXPECT_NE(p.body.find("该级别不能隶属于所选上级组织"), std::string::npos);

  sys.get("/sites?org=" + std::to_string(city_org_));
  p = sys.post("/sites", {{"org_id", std::to_string(city_org_)}, {"name", "南京工会网"}, {"sponsor", "南京市总工会"},
                          {"address", "南京市玄武区北京东路1号"}, {"postcode", "210008"}, {"phone", "025-84561234"},
                          {"hotline_12351", "025-12351"}, {"hosting", "platform"},
                          {"domains", "njgh.org.cn, www.njgh.org.cn"}});
  ASSERT_EQ(p.status, 303) << p.body;
  ASSERT_TRUE(p.location().starts_with("/sites/"));
  const std::string site_path = p.location().substr(0, p.location().find('?'));
  p = sys.get(p.location());
  EXPECT_NE(p.body.find("网站开办申请已提交"), std::string::npos);
  EXPECT_NE(p.body.find("www.njgh.org.cn"), std::string::npos);

  Browser admin = user("nj-site");
  admin.get(site_path);
  p = admin.post(site_path + "/icp-filings", {{"number", "苏ICP备12345678号-1"}, {"reported", "2026-03-01"}});
  EXPECT_EQ(p.status, 303) << p.body;
  p = admin.post(site_path + "/remove-domain", {{"domain", "www.njgh.org.cn"}});
  EXPECT_EQ(p.status, 303) << p.body;
  p = admin.post(site_path + "/security-assessment",
                 {{"result", "passed"}, {"assessor", "江苏省网络安全测评中心"}, {"summary", "通过"}});
  EXPECT_EQ(p.status, 303) << p.body;

  Browser root = user("sysadmin");
  p = root.get(site_path);
  EXPECT_NE(p.body.find("action=\"" + site_path + "/approve-opening\""), std::string::npos) << "the parent decides";
  p = root.post(site_path + "/approve-opening", {{"decision", "approve"}, {"summary", "同意开办"}});
  EXPECT_EQ(p.status, 303) << p.body;

  p = admin.get(site_path);
  EXPECT_EQ(p.body.find("/approve-opening\""), std::string::npos) << "a site administrator cannot approve";
  EXPECT_NE(p.body.find("苏ICP备12345678号-1"), std::string::npos);
  EXPECT_EQ(p.body.find(">www.njgh.org.cn<"), std::string::npos) << "removed";
  p = admin.post(site_path + "/go-live", {});
  EXPECT_EQ(p.status, 303) << p.body;
  p = admin.get(p.location());
  EXPECT_NE(p.body.find("网站已上线"), std::string::npos);
  EXPECT_NE(p.body.find("已上线"), std::string::npos);

  p = sys.get("/filings?org=" + std::to_string(city_org_));
  EXPECT_EQ(p.status, 200);
  EXPECT_NE(p.body.find("苏ICP备12345678号-1"), std::string::npos);
  EXPECT_NE(p.body.find("所有网站均已备案"), std::string::npos);
}

TEST_F(RegistryConsoleTest, PagesRenderForEachKindOfUserInChineseAndEnglish) {
  seed_nanjing();
  // Escaping by mustache defaults: a name with markup is shown as text.
  auto org = registry_->create_organisation(system_, {city_org_, "<b>江宁</b>区总工会", identity::OrgKind::county, {}, ""});
  ASSERT_TRUE(org) << org.error().to_string();
  const std::string site = std::to_string(site_);
  for (const char* name : {"sysadmin", "auditor", "nj-sys", "nj-site"}) {
    SCOPED_TRACE(name);
    Browser b = user(name);
    Page p = b.get("/orgs");
    EXPECT_EQ(p.status, 200);
    EXPECT_NE(p.body.find("<h1>组织机构</h1>"), std::string::npos);
    EXPECT_NE(p.body.find("href=\"/sites\""), std::string::npos) << "navigation";
    EXPECT_NE(p.body.find("href=\"/filings\""), std::string::npos);
    EXPECT_EQ(p.body.find("<b>江宁</b>"), std::string::npos);
    EXPECT_NE(p.body.find("&lt;b&gt;江宁&lt;/b&gt;"), std::string::npos);
    p = b.get("/sites?org=" + std::to_string(city_org_));
    EXPECT_EQ(p.status, 200);
    EXPECT_NE(p.body.find("南京工会网"), std::string::npos);
    EXPECT_NE(p.body.find("申请中"), std::string::npos);
    p = b.get("/sites/" + site);
    EXPECT_EQ(p.status, 200);
    EXPECT_NE(p.body.find("开办审核"), std::string::npos);
    p = b.get("/filings?org=" + std::to_string(city_org_));
    EXPECT_EQ(p.status, 200);
    EXPECT_NE(p.body.find("未备案网站"), std::string::npos);

    p = b.get("/orgs?lang=en");
    EXPECT_NE(p.body.find("<h1>Organisations</h1>"), std::string::npos);
    p = b.get("/sites?org=" + std::to_string(city_org_));
    EXPECT_NE(p.body.find("Application"), std::string::npos);
    p = b.get("/sites/" + site);
    EXPECT_NE(p.body.find("Opening review"), std::string::npos);
    p = b.get("/filings");
    EXPECT_EQ(p.status, 200);
    EXPECT_NE(p.body.find("Sites without a filing"), std::string::npos);
    EXPECT_EQ(p.body.find("<script>"), std::string::npos);
  }
}

}  // namespace
}  // namespace sw::console::testing
