#include "cli/demo.h"
#include "cli/demo_registry.h"
#include "cli/demo_monitor.h"

namespace sw::cli {
namespace {

using identity::OrgKind;
using identity::Role;

struct DemoUser {
  const char* username;
  const char* real_name;
  const char* phone;
  Role role;
  bool on_site;  // the grant is on the demo city site (else on the user's organisation)
  const char* what;
};

constexpr const char* kCities[] = {"南京市总工会", "无锡市总工会", "徐州市总工会", "常州市总工会", "苏州市总工会",
                                   "南通市总工会", "连云港市总工会", "淮安市总工会", "盐城市总工会", "扬州市总工会",
                                   "镇江市总工会", "泰州市总工会", "宿迁市总工会"};

identity::OfficerAccount officer(const char* username, const char* real_name, const char* phone) {
  return {username, real_name, phone, std::string(username) + "@jsgh.org.cn", std::string(kDemoPassword)};
}

// --- content (issue 4): columns, and articles in every state of the review workflow ------------------

struct DemoColumns {
  std::int64_t js_news = 0;
  std::int64_t nj_news = 0;
  std::int64_t nj_grassroots = 0;
  std::int64_t nj_notices = 0;
  std::int64_t nj_reprints = 0;
};

// Made before the sites go live: a column opened on a live site needs its own passed security
// assessment before it takes articles (N4.1).
Result<DemoColumns> seed_columns(Platform& p, const identity::Actor& actor, std::int64_t js_site,
                                 std::int64_t nj_site) {
  if (!p.content) return fail("content.unavailable", "the demo needs the content service");
  DemoColumns c;
  SW_TRY(js_news, p.content->create_column(actor, js_site, std::nullopt, "工会要闻", 1));
  c.js_news = js_news.id;
  SW_CHECK(p.content->create_column(actor, js_site, std::nullopt, "通知公告", 2));
  SW_TRY(nj_news, p.content->create_column(actor, nj_site, std::nullopt, "工会要闻", 1));
  c.nj_news = nj_news.id;
  SW_TRY(nj_grassroots, p.content->create_column(actor, nj_site, nj_news.id, "基层动态", 1));
  c.nj_grassroots = nj_grassroots.id;
  SW_TRY(nj_notices, p.content->create_column(actor, nj_site, std::nullopt, "通知公告", 2));
  c.nj_notices = nj_notices.id;
  SW_TRY(nj_reprints, p.content->create_column(actor, nj_site, std::nullopt, "转载文章", 3));
  c.nj_reprints = nj_reprints.id;
  return c;
}

// A demo user acting (their grants as stored), so authors and reviewers are named people (N3.1).
Result<identity::Actor> demo_person(Platform& p, const identity::Actor& system, const char* username) {
  SW_TRY(user, p.identity->find_user(system.principal, username));
  SW_TRY(grants, p.identity->list_grants(system.principal, user.id));
  return identity::Actor{identity::Principal::user(user.id, username, std::move(grants)), "local", "demo-seed"};
}

content::ArticleFields demo_fields(const char* title, std::string body) {
  content::ArticleFields f;
  f.title = title;
  f.summary = std::string(title) + "（演示数据）";
  f.body_html = std::move(body);
  f.byline = "南京工会网记者 吴编辑";
  f.source = "南京工会网";
  return f;
}

// 南京工会网: one article in each state — a draft; submitted with findings (a resident ID number and
// an internal-material marking) and an attachment; content-approved; approved; published; returned
// to draft with a reason; a reprint awaiting the content reviewer's judgement (N3.5).
Status seed_articles(Platform& p, const identity::Actor& system, const DemoColumns& c) {
  SW_TRY(editor, demo_person(p, system, "nj-editor"));
  SW_TRY(reviewer, demo_person(p, system, "nj-reviewer"));
  SW_TRY(secrecy, demo_person(p, system, "nj-secrecy"));
  SW_TRY(ops, demo_person(p, system, "nj-ops"));
  auto write = [&](std::int64_t column, const char* title, std::string body) -> Result<std::int64_t> {
    SW_TRY(saved, p.content->create_article(editor, column, demo_fields(title, std::move(body))));
    return saved.article.id;
  };
  auto through = [&](std::int64_t id, int steps) -> Status {  // 1 submit, 2 content, 3 secrecy, 4 publish
    if (steps >= 1) SW_CHECK(p.content->submit(editor, id));
    if (steps >= 2) SW_CHECK(p.content->approve(reviewer, id, content::Stage::content, {}));
    if (steps >= 3) SW_CHECK(p.content->approve(secrecy, id, content::Stage::secrecy, {}));
    if (steps >= 4) SW_CHECK(p.content->publish(ops, id));
    return ok();
  };
  SW_CHECK(write(c.nj_news, "市总工会部署冬季送温暖活动", "<p>市总工会近日部署冬季送温暖活动，走访慰问困难职工。</p>"));
  SW_TRY(risky, write(c.nj_grassroots, "某公司工会开展职工技能培训",
                      "<p>参训职工张三（身份证号 11010519491231002X，电话 13812345678）获评优秀学员。</p>"
                      "<p>附：培训教材（内部资料，注意保存）。</p>"));
  SW_CHECK(p.content->add_attachment(editor, risky, "培训日程.pdf",
                                     "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
                                     "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
                                     "trailer\n<< /Root 1 0 R >>\n%%EOF\n"));
  SW_CHECK(through(risky, 1));
  SW_TRY(half, write(c.nj_news, "南京市第十五届职工运动会闭幕", "<p>为期三天的职工运动会圆满闭幕。</p>"));
  SW_CHECK(through(half, 2));
  SW_TRY(cleared, write(c.nj_notices, "关于开展2026年度劳模评选的通知", "<p>各区总工会：现就劳模评选工作通知如下。</p>"));
  SW_CHECK(through(cleared, 3));
  SW_TRY(published, write(c.nj_news, "市总工会召开十五届三次全委会议", "<p>会议审议通过了年度工作报告。</p>"));
  SW_CHECK(through(published, 4));
  SW_TRY(returned, write(c.nj_grassroots, "玄武区总工会举办职工读书会", "<p>读书会吸引了两百余名职工参加。</p>"));
  SW_CHECK(through(returned, 1));
  SW_CHECK(p.content->reject(reviewer, returned, content::Stage::content, "参加人数请与主办方核实后再提交"));
  content::ArticleFields reprint = demo_fields("全总发布2026年职工技能提升行动方案",
                                               "<p>中华全国总工会近日发布职工技能提升行动方案。</p>");
  reprint.source = "工人日报";
  reprint.original_author = "工人日报记者 李明";
  reprint.original_url = "https://www.workercn.cn/demo/2026/skills.html";
  SW_TRY(reprinted, p.content->create_article(editor, c.nj_reprints, reprint, true));
  SW_CHECK(through(reprinted.article.id, 1));
  // 江苏工会网: a draft by the machine operator, so the province's list is not empty.
  SW_CHECK(p.content->create_article(system, c.js_news, demo_fields("省总工会召开全省工会宣传工作会议",
                                                                    "<p>会议总结了全年宣传工作。</p>")));
  return ok();
}

}  // namespace

Result<std::vector<DemoLogin>> seed_demo(Platform& p) {
  identity::Actor actor{identity::Principal::system(os_user()), "local", "demo-seed"};
  identity::BootstrapRequest boot{"江苏省总工会", officer("sysadmin", "王建国", "13912345601"),
                                  officer("secadmin", "李保密", "13912345602"),
                                  officer("auditor", "陈审计", "13912345603")};
  SW_TRY(root, p.identity->bootstrap(actor, boot));
  std::vector<std::int64_t> cities;
  for (const char* name : kCities) {
    SW_TRY(org, p.identity->create_organisation(actor, root.root_org_id, name, OrgKind::city));
    cities.push_back(org.id);
  }
  const std::int64_t nanjing = cities[0];
  const std::int64_t suzhou = cities[4];
  for (const char* county : {"玄武区总工会", "秦淮区总工会", "江宁区总工会"}) {
    SW_CHECK(p.identity->create_organisation(actor, nanjing, county, OrgKind::county));
  }
  SW_TRY(gusu, p.identity->create_organisation(actor, suzhou, "姑苏区总工会", OrgKind::county));
  SW_CHECK(p.identity->create_organisation(actor, gusu.id, "苏州工业园区某公司工会", OrgKind::grassroots));
  SW_CHECK(p.identity->create_organisation(actor, root.root_org_id, "江苏省教科文卫体工会", OrgKind::industry));
  SW_CHECK(p.identity->create_organisation(actor, root.root_org_id, "江苏省职工服务中心", OrgKind::affiliated));
  SW_TRY(js_site, p.identity->create_site(actor, root.root_org_id, "江苏工会网"));
  SW_TRY(nj_site, p.identity->create_site(actor, nanjing, "南京工会网"));
  SW_TRY(sz_site, p.identity->create_site(actor, suzhou, "苏州工会网"));
  SW_TRY(columns, seed_columns(p, actor, js_site.id, nj_site.id));  // before go-live (N4.1)
  // The register (N2.2, N4.1): domains and ICP filings; the province's and Nanjing's sites went through
  // opening review and are live, Suzhou's is still an application waiting for the province's approval.
  struct DemoSite {
    std::int64_t id;
    const char* domain;
    const char* icp;
    bool live;
  };
  for (const DemoSite& s : {DemoSite{js_site.id, "jsgh.org.cn", "苏ICP备05012345号-1", true},
                            DemoSite{nj_site.id, "njgh.org.cn", "苏ICP备06023456号-1", true},
                            DemoSite{sz_site.id, "szgh.org.cn", "苏ICP备07034567号-1", false}}) {
    SW_CHECK(p.registry->add_domain(actor, s.id, s.domain));
    SW_CHECK(p.registry->record_icp_filing(actor, s.id, s.icp, std::nullopt));
    if (!s.live) continue;
    SW_CHECK(p.registry->approve_opening(actor, s.id, true, "同意开通（演示数据）"));
    SW_CHECK(p.registry->record_security_assessment(actor, s.id, true, "省总工会网信办", "上线前安全评估通过（演示数据）"));
    SW_CHECK(p.registry->go_live(actor, s.id));
  }

  const DemoUser users[] = {
      {"nj-admin", "周网管", "13912345611", Role::site_admin, true, "南京工会网 site administrator"},
      {"nj-editor", "吴编辑", "13912345612", Role::editor, true, "南京工会网 editor"},
      {"nj-reviewer", "郑审核", "13912345613", Role::content_reviewer, true, "南京工会网 content reviewer"},
      {"nj-secrecy", "孙保密", "13912345614", Role::secrecy_reviewer, true, "南京工会网 secrecy reviewer"},
      {"nj-ops", "钱运维", "025-84561234", Role::operator_, false, "南京市总工会 operator (all its sites)"},
  };
  std::vector<DemoLogin> logins = {{"sysadmin", "system administrator (accounts)"},
                                   {"secadmin", "security administrator (roles, certificates)"},
                                   {"auditor", "audit administrator (audit log)"}};
  // Role grants are the security administrator's; the system principal makes them here on its behalf.
  for (const DemoUser& u : users) {
    identity::NewUser nu{u.username, u.real_name, nanjing, u.phone, std::string(u.username) + "@njgh.org.cn",
                         std::string(kDemoPassword)};
    SW_TRY(user, p.identity->create_user(actor, nu));
    const auto scope = u.on_site ? identity::Scope::site(nj_site.id) : identity::Scope::org(nanjing);
    SW_CHECK(p.identity->grant_role(actor, user.id, u.role, scope));
    logins.push_back({u.username, u.what});
  }
  SW_CHECK(seed_registry_details(p, actor, js_site.id, nj_site.id));
  SW_CHECK(seed_articles(p, actor, columns));
  SW_CHECK(seed_demo_monitoring(p, js_site.id, nj_site.id));  // WAF events and monitor findings (demo data)
  return logins;
}

}  // namespace sw::cli
