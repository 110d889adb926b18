#include "cli/demo_registry.h"

#include <chrono>
#include <map>
#include <optional>

namespace sw::cli {
namespace {

using registry::Duty;

registry::SiteFields register_fields(const char* name, const char* sponsor, const char* address, const char* postcode,
                                     const char* phone, const char* hotline) {
  registry::SiteFields f;
  f.name = name;
  f.sponsor = sponsor;
  f.address = address;
  f.postcode = postcode;
  f.phone = phone;
  f.hotline_12351 = hotline;
  return f;
}

struct DemoPerson {
  Duty duty;
  const char* name;
  const char* title;
  const char* phone;
  const char* trained_on;  // "" when never trained
};

// The demo account of a person, by username; nullopt when there is none (e.g. 江苏工会网's people).
std::optional<std::int64_t> demo_account(Platform& p, const identity::Actor& actor, const char* username) {
  if (auto u = p.identity->find_user(actor.principal, username)) return u->id;
  return std::nullopt;
}

// accounts: the linked platform account per duty (N8.1; the workflow lets only the named, linked
// reviewers decide their stage).
Status seed_people(Platform& p, const identity::Actor& actor, std::int64_t site, std::initializer_list<DemoPerson> people,
                   const std::map<Duty, std::optional<std::int64_t>>& accounts) {
  for (const DemoPerson& d : people) {
    registry::PersonFields f{d.name, d.title, d.phone, std::nullopt, "2026-01-05"};
    if (auto it = accounts.find(d.duty); it != accounts.end()) f.user_id = it->second;
    SW_TRY(person, p.registry->appoint_person(actor, site, d.duty, f));
    if (std::string_view(d.trained_on).empty()) continue;
    SW_CHECK(p.registry->record_training(
        actor, person.id,
        registry::TrainingFields{d.trained_on, "网络安全与保密管理培训", 40, "江苏省总工会网信办", ""}));
  }
  return ok();
}

}  // namespace

Status seed_registry_details(Platform& p, const identity::Actor& actor, std::int64_t js_site, std::int64_t nj_site) {
  auto& reg = *p.registry;
  SW_CHECK(reg.edit_site(actor, js_site,
                         register_fields("江苏工会网", "江苏省总工会", "南京市玄武区北京东路29号", "210008",
                                         "025-83361234", "025-12351")));
  SW_CHECK(reg.edit_site(actor, nj_site,
                         register_fields("南京工会网", "南京市总工会", "南京市秦淮区长白街1号", "210001",
                                         "025-84561234", "025-12351")));
  // N8.1 / N8.2: 江苏 complete and trained; 南京 without 应用管理, its secrecy reviewer's training overdue.
  SW_CHECK(seed_people(p, actor, js_site,
                       {{Duty::leader, "王主席", "副主席", "13912345621", "2026-03-12"},
                        {Duty::content_review, "赵审核", "宣教部部长", "13912345622", "2026-03-12"},
                        {Duty::secrecy_review, "钱保密", "办公室主任", "13912345623", "2026-03-12"},
                        {Duty::operations, "孙运维", "网信办工程师", "025-83361235", "2026-06-18"},
                        {Duty::application, "李应用", "网信办副主任", "13912345625", "2026-06-18"}},
                       {}));
  // 南京's reviewers are the demo reviewer accounts, so only they decide its reviews (N3.1).
  const std::map<Duty, std::optional<std::int64_t>> nj_accounts = {
      {Duty::operations, demo_account(p, actor, "nj-ops")},
      {Duty::content_review, demo_account(p, actor, "nj-reviewer")},
      {Duty::secrecy_review, demo_account(p, actor, "nj-secrecy")}};
  SW_CHECK(seed_people(p, actor, nj_site,
                       {{Duty::leader, "周主席", "副主席", "13912345631", "2026-04-08"},
                        {Duty::content_review, "郑审核", "宣教部副部长", "13912345613", "2026-04-08"},
                        {Duty::secrecy_review, "孙保密", "办公室副主任", "13912345614", "2025-05-20"},
                        {Duty::operations, "钱运维", "信息中心工程师", "025-84561234", "2026-04-08"}},
                       nj_accounts));
  // N7.5: 江苏 level 3 (assessed yearly), 南京 level 2 (every two years).
  SW_CHECK(reg.record_grading(actor, js_site,
                              registry::GradingFields{3, "32010243001-00012", "2023-05-10", "2025-12-15",
                                                      "江苏省网络安全等级保护测评中心"}));
  SW_CHECK(reg.record_grading(actor, nj_site,
                              registry::GradingFields{2, "32010443002-00034", "2024-03-01", "2025-06-01",
                                                      "南京某信息安全测评有限公司"}));
  SW_TRY(weak, reg.open_rectification(actor, js_site, "后台管理口令强度不足，需启用强口令与双因素认证", "2026-12-31"));
  (void)weak;
  SW_TRY(logs, reg.open_rectification(actor, nj_site, "日志留存不足六个月", "2026-09-30"));
  SW_CHECK(reg.close_rectification(actor, logs.id, "2026-09-20", "日志集中存储，保留 12 个月"));
  // N2.6: 南京's host reviewed; 江苏's developer not yet.
  SW_TRY(nj_host, reg.add_provider(actor, nj_site,
                                   registry::ProviderFields{"南京某云计算有限公司", "91320100MA1XXXXX0X",
                                                            registry::ProviderService::hosting, "2026-01-01",
                                                            "2027-12-31", true, "2026-01-01"}));
  SW_CHECK(reg.record_provider_review(actor, nj_host.id, "2026-01-10", true, "南京市总工会网信办",
                                      "机房位于南京，资质齐全（演示数据）"));
  SW_CHECK(reg.add_provider(actor, js_site,
                            registry::ProviderFields{"江苏某软件科技有限公司", "91320000134756000E",
                                                     registry::ProviderService::development, "2026-02-01",
                                                     "2026-12-31", true, "2026-02-01"}));
  // N2.3: 南京's last re-review was thirteen months ago, so the next one is overdue; it is recorded
  // through a registry whose clock stands then (the audit event carries the real time).
  FakeClock last_year(std::chrono::system_clock::now() - std::chrono::days(395));
  auto past = registry::Registry::open(*p.db, *p.audit, registry::rules_from(p.config), last_year);
  SW_CHECK(past->record_rereview(actor, nj_site, true, "年度资格复核通过（演示数据）", false));
  // N4.1: 江苏工会网 opens 留言/咨询 after its assessment passed.
  SW_CHECK(reg.record_feature_assessment(actor, js_site, "interaction", true, "省总工会网信办",
                                         "互动功能上线前安全评估通过（演示数据）"));
  SW_CHECK(reg.enable_feature(actor, js_site, "interaction"));
  return ok();
}

}  // namespace sw::cli
