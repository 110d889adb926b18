#include "cli/demo.h"
#include "cli/demo_registry.h"

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
  return logins;
}

}  // namespace sw::cli
