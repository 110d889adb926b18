// Specification of the registry details (issue 4): site edits and lifecycle (N2.1, N2.3),
// responsible people (N8.1) and their training (N8.2), graded protection (N7.5), providers (N2.6),
// qualification re-review (N2.3), features behind the assessment gate (N4.1, N4.5), the parent's
// dashboard and its exports. Permissions scoped to site and parent, one audit event per call.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

#include "identity/fixture.h"  // FakeAuditLog
#include "registry/export.h"
#include "registry/registry_fixture.h"
#include "registry/registry.h"

namespace sw::registry {
namespace {

using identity::Role;
using identity::Scope;
using testing::as;
using testing::cli;
using testing::site_fields;
using testing::with_role;

constexpr const char* kUscc = "91320100MA1XXXXX0X";

template <class T>
Status st(const Result<T>& r) {
  return r ? ok() : Status(std::unexpected(r.error()));
}

class DetailsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open_memory();
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, '江苏省总工会', 'province')"));
    root_ = db_->last_insert_id();
    clock_.set(*parse_rfc3339("2026-11-26T02:00:00Z"));  // 2026-11-26 10:00 in Beijing
    registry_ = Registry::open(*db_, audit_, DomainRules{}, clock_);
    nanjing_ = make_org(root_, "南京市总工会", OrgKind::city);
    suzhou_ = make_org(root_, "苏州市总工会", OrgKind::city);
    xuanwu_ = make_org(nanjing_, "玄武区总工会", OrgKind::county);
    nanjing_admin_ = with_role(2, "nanjing_admin", Role::system_admin, Scope::org(nanjing_));
    suzhou_admin_ = with_role(5, "suzhou_admin", Role::system_admin, Scope::org(suzhou_));
    site_ = live_site(xuanwu_, "玄武工会网", "xwgh.org.cn");
    other_site_ = live_site(suzhou_, "苏州工会网", "szgh.org.cn");
    xuanwu_site_admin_ = with_role(3, "xuanwu_site_admin", Role::site_admin, Scope::site(site_));
    suzhou_site_admin_ = with_role(4, "suzhou_site_admin", Role::site_admin, Scope::site(other_site_));
    audit_.events.clear();
  }


  std::int64_t make_org(std::int64_t parent, const std::string& name, OrgKind level) {
    auto o = registry_->create_organisation(cli(), NewOrganisation{parent, name, level, std::nullopt, "苏"});
    EXPECT_TRUE(o) << o.error().to_string();
    return o ? o->id : 0;
  }

  static SiteFields fields(const std::string& name) { return site_fields(name); }

  std::int64_t live_site(std::int64_t org, const std::string& name, const std::string& domain) {
    SiteFields f = fields(name);
    f.domains = {domain};
    auto s = registry_->apply_for_site(cli(), org, f);
    EXPECT_TRUE(s) << s.error().to_string();
    EXPECT_TRUE(registry_->approve_opening(cli(), s->id, true, "同意"));
    EXPECT_TRUE(registry_->record_security_assessment(cli(), s->id, true, "测评机构", "通过"));
    EXPECT_TRUE(registry_->go_live(cli(), s->id));
    return s->id;
  }

  static PersonFields person(const std::string& name, const std::string& phone = "13812345678") {
    return PersonFields{name, "办公室主任", phone, std::nullopt, "2026-01-05"};
  }
  static ProviderFields provider() {
    return ProviderFields{"江苏某网络科技有限公司", kUscc, ProviderService::hosting, "2026-01-01", "2027-12-31", true,
                          "2026-01-01"};
  }

  SiteState state_of(std::int64_t site) { return registry_->get_site(Principal::system("t"), site)->state; }
  void advance_days(int days) { clock_.set(clock_.now() + std::chrono::days(days)); }

  std::unique_ptr<store::Database> db_;
  identity::testing::FakeAuditLog audit_;
  FakeClock clock_;
  std::unique_ptr<Registry> registry_;
  std::int64_t root_ = 0, nanjing_ = 0, suzhou_ = 0, xuanwu_ = 0, site_ = 0, other_site_ = 0;
  Principal nanjing_admin_, suzhou_admin_, xuanwu_site_admin_, suzhou_site_admin_;
};

// ---- edits and lifecycle ------------------------------------------------------------------------

TEST_F(DetailsTest, EditChangesTheFieldsAndKeepsEachChangeInHistory) {
  SiteFields f = fields("玄武区工会网");
  f.phone = "13912345678";
  ASSERT_TRUE(registry_->edit_site(as(xuanwu_site_admin_), site_, f));
  const auto site = registry_->get_site(xuanwu_site_admin_, site_).value();
  EXPECT_EQ(site.fields.name, "玄武区工会网");
  EXPECT_EQ(site.fields.domains, std::vector<std::string>{"xwgh.org.cn"});  // domains untouched
  const auto changes = registry_->site_changes(xuanwu_site_admin_, site_).value();
  ASSERT_EQ(changes.size(), 3u);  // name, sponsor (name + 主办单位), phone
  EXPECT_EQ(changes[0].field, "name");
  EXPECT_EQ(changes[0].old_value, "玄武工会网");
  EXPECT_EQ(changes[0].new_value, "玄武区工会网");
  EXPECT_EQ(changes[2].field, "phone");
  EXPECT_EQ(changes[2].actor, "xuanwu_site_admin");
  EXPECT_EQ(audit_.last().action, "site.edit");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::success);
}

TEST_F(DetailsTest, AnEditWithOneBadFieldChangesNothing) {
  const std::vector<std::pair<std::function<void(SiteFields&)>, std::string>> cases = {
      {[](SiteFields& f) { f.name = ""; }, "registry.invalid_name"},
      {[](SiteFields& f) { f.sponsor = std::string(200, 'x'); }, "registry.invalid_sponsor"},
      {[](SiteFields& f) { f.address = "a\nb"; }, "registry.invalid_address"},
      {[](SiteFields& f) { f.postcode = "21000"; }, "registry.invalid_postcode"},
      {[](SiteFields& f) { f.phone = "12345"; }, "registry.invalid_phone"},
      {[](SiteFields& f) { f.hotline_12351 = "12345"; }, "registry.invalid_hotline"},
      {[](SiteFields& f) { f.external_host = "host.example.org"; }, "registry.invalid_external_host"},
      {[](SiteFields& f) { f.mail_domain = "bad_domain"; }, "registry.invalid_mail_domain"},
  };
  for (const auto& [change, code] : cases) {
    SiteFields f = fields("新名称");
    change(f);
    const auto edited = registry_->edit_site(cli(), site_, f);
    ASSERT_FALSE(edited) << code;
    EXPECT_EQ(edited.error().code, code);
  }
  EXPECT_EQ(registry_->get_site(Principal::system("t"), site_)->fields.name, "玄武工会网");
  EXPECT_TRUE(registry_->site_changes(Principal::system("t"), site_)->empty());
}

TEST_F(DetailsTest, TheParentSuspendsResumesAndClosesWithReasonsInHistory) {
  ASSERT_TRUE(registry_->suspend_site(as(nanjing_admin_), site_, "整改期间暂停"));
  EXPECT_EQ(state_of(site_), SiteState::suspended);
  EXPECT_EQ(registry_->suspend_site(as(nanjing_admin_), site_, "again").error().code, "registry.bad_state");
  ASSERT_TRUE(registry_->resume_site(as(nanjing_admin_), site_, ""));
  EXPECT_EQ(state_of(site_), SiteState::live);
  ASSERT_TRUE(registry_->close_site(as(nanjing_admin_), site_, "机构撤并"));
  EXPECT_EQ(state_of(site_), SiteState::closed);
  const auto history = registry_->state_history(nanjing_admin_, site_).value();
  ASSERT_EQ(history.size(), 6u);  // application, approved, live, suspended, live, closed
  EXPECT_EQ(history[3].to, SiteState::suspended);
  EXPECT_EQ(history[3].reason, "整改期间暂停");
  EXPECT_EQ(history[5].reason, "机构撤并");
  EXPECT_EQ(audit_.last().action, "site.close");
}

TEST_F(DetailsTest, SuspendAndCloseNeedAReasonAndTheParentsPermission) {
  EXPECT_EQ(registry_->suspend_site(cli(), site_, "").error().code, "registry.invalid_reason");
  EXPECT_EQ(registry_->close_site(cli(), site_, " ").error().code, "registry.invalid_reason");
  const auto own = registry_->suspend_site(as(xuanwu_site_admin_), site_, "自己暂停");
  ASSERT_FALSE(own);
  EXPECT_EQ(own.error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(state_of(site_), SiteState::live);
}

TEST_F(DetailsTest, AClosedSiteKeepsItsRowsAndRefusesChanges) {
  ASSERT_TRUE(registry_->appoint_person(cli(), site_, Duty::leader, person("张三")));
  ASSERT_TRUE(registry_->close_site(cli(), site_, "撤销"));
  EXPECT_EQ(registry_->people(Principal::system("t"), site_)->size(), 1u);
  EXPECT_EQ(registry_->get_site(Principal::system("t"), site_)->fields.domains.size(), 1u);
  EXPECT_EQ(registry_->edit_site(cli(), site_, fields("x")).error().code, "registry.bad_state");
  EXPECT_EQ(registry_->appoint_person(cli(), site_, Duty::operations, person("李四")).error().code,
            "registry.bad_state");
  EXPECT_EQ(registry_->close_site(cli(), site_, "again").error().code, "registry.bad_state");
  EXPECT_FALSE(db_->exec("DELETE FROM site_people"));
}

// ---- people and training (N8.1, N8.2) -----------------------------------------------------------

TEST_F(DetailsTest, AppointingASuccessorEndsThePreviousAppointment) {
  ASSERT_TRUE(registry_->appoint_person(as(xuanwu_site_admin_), site_, Duty::secrecy_review, person("张三")));
  advance_days(1);
  ASSERT_TRUE(registry_->appoint_person(as(xuanwu_site_admin_), site_, Duty::secrecy_review, person("李四")));
  const auto current = registry_->people(xuanwu_site_admin_, site_).value();
  ASSERT_EQ(current.size(), 1u);
  EXPECT_EQ(current[0].fields.name, "李四");
  const auto all = registry_->people(xuanwu_site_admin_, site_, true).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].fields.name, "张三");
  EXPECT_EQ(all[0].ended_at, clock_.now());
  EXPECT_EQ(all[0].ended_by, "xuanwu_site_admin");
  EXPECT_EQ(audit_.last().action, "site.person_appoint");
}

TEST_F(DetailsTest, MissingDutiesAreListed) {
  EXPECT_EQ(registry_->missing_people(Principal::system("t"), site_)->size(), 5u);
  ASSERT_TRUE(registry_->appoint_person(cli(), site_, Duty::leader, person("王五")));
  ASSERT_TRUE(registry_->appoint_person(cli(), site_, Duty::operations, person("赵六", "025-83201234")));
  const auto missing = registry_->missing_people(Principal::system("t"), site_).value();
  EXPECT_EQ(missing, (std::vector<Duty>{Duty::content_review, Duty::secrecy_review, Duty::application}));
}

TEST_F(DetailsTest, DeputiesOfTheReviewDutiesAreOptionalAndAppointedLikeAnyDuty) {  // N8.1
  ASSERT_TRUE(db_->exec("INSERT INTO users (id, username, real_name, org_id, phone, email, password_hash, "
                        "password_changed_at, created_at) VALUES (41, 'deputy', '钱副审', ?, '13812345678', "
                        "'d@example.org', 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                        {root_}));
  PersonFields deputy = person("钱副审");
  deputy.user_id = 41;
  ASSERT_TRUE(registry_->appoint_person(as(xuanwu_site_admin_), site_, Duty::content_review_deputy, deputy));
  EXPECT_EQ(audit_.last().action, "site.person_appoint");
  EXPECT_EQ(audit_.last().details["duty"], "content_review_deputy");
  ASSERT_TRUE(registry_->appoint_person(cli(), site_, Duty::secrecy_review_deputy, person("孙副审")));
  EXPECT_EQ(parse_duty("secrecy_review_deputy").value(), Duty::secrecy_review_deputy);
  // Deputies are never "missing"; a deputy without an account is an unlinked reviewer.
  EXPECT_EQ(registry_->missing_people(Principal::system("t"), site_)->size(), 5u);
  EXPECT_EQ(registry_->unlinked_reviewers(Principal::system("t"), site_).value(),
            (std::vector<Duty>{Duty::secrecy_review_deputy}));
  EXPECT_EQ(registry_->people(Principal::system("t"), site_)->size(), 2u);
}

TEST_F(DetailsTest, UnlinkedReviewersAreReadOnlyWithSiteRead) {
  ASSERT_TRUE(registry_->appoint_person(cli(), site_, Duty::content_review, person("张三")));
  EXPECT_EQ(registry_->unlinked_reviewers(xuanwu_site_admin_, site_).value(),
            (std::vector<Duty>{Duty::content_review}));
  auto refused = registry_->unlinked_reviewers(suzhou_site_admin_, site_);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "identity.forbidden");
}

TEST_F(DetailsTest, BadPersonFieldsAreRefusedByName) {
  const std::vector<std::pair<PersonFields, std::string>> cases = {
      {PersonFields{"", "主任", "13812345678", std::nullopt, "2026-01-05"}, "registry.invalid_person_name"},
      {PersonFields{"张三", std::string(65, 'x'), "13812345678", std::nullopt, "2026-01-05"},
       "registry.invalid_job_title"},
      {PersonFields{"张三", "主任", "1381234567", std::nullopt, "2026-01-05"}, "registry.invalid_phone"},
      {PersonFields{"张三", "主任", "13812345678", std::nullopt, "2026-02-30"}, "registry.invalid_appointed_on"},
      {PersonFields{"张三", "主任", "13812345678", std::nullopt, "26-1-5"}, "registry.invalid_appointed_on"},
      {PersonFields{"张三", "主任", "13812345678", 999, "2026-01-05"}, "registry.invalid_user_id"},
  };
  for (const auto& [f, code] : cases) {
    const auto appointed = registry_->appoint_person(cli(), site_, Duty::leader, f);
    ASSERT_FALSE(appointed) << code;
    EXPECT_EQ(appointed.error().code, code);
  }
  EXPECT_EQ(parse_duty("boss").error().code, "registry.unknown_duty");
  EXPECT_TRUE(registry_->people(Principal::system("t"), site_)->empty());
}

TEST_F(DetailsTest, TrainingIsRecordedAndAPersonUntrainedFor12MonthsIsFlagged) {
  const auto p = registry_->appoint_person(cli(), site_, Duty::content_review, person("张三")).value();
  const auto q = registry_->appoint_person(cli(), site_, Duty::operations, person("李四")).value();
  ASSERT_TRUE(registry_->record_training(as(xuanwu_site_admin_), p.id,
                                         TrainingFields{"2026-03-01", "网络安全培训", 35, "省总工会网信办", "GH-2026-01"}));
  ASSERT_TRUE(registry_->record_training(cli(), q.id, TrainingFields{"2025-10-01", "保密培训", 20, "市保密局", ""}));
  EXPECT_EQ(audit_.last().action, "site.training_record");
  EXPECT_EQ(registry_->training_of_site(xuanwu_site_admin_, site_)->size(), 2u);
  const auto status = registry_->training_of_subtree(nanjing_admin_, nanjing_).value();
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].person.fields.name, "张三");
  EXPECT_EQ(status[0].last_trained_on, "2026-03-01");
  EXPECT_FALSE(status[0].overdue);
  EXPECT_TRUE(status[1].overdue);  // 2025-10-01 + 12 months < 2026-11-26
  advance_days(120);
  EXPECT_TRUE(registry_->training_of_subtree(nanjing_admin_, nanjing_)->at(0).overdue);
}

TEST_F(DetailsTest, BadTrainingFieldsAreRefusedByName) {
  const auto p = registry_->appoint_person(cli(), site_, Duty::leader, person("张三")).value();
  const std::vector<std::pair<TrainingFields, std::string>> cases = {
      {TrainingFields{"2026-13-01", "课程", 10, "主办", ""}, "registry.invalid_held_on"},
      {TrainingFields{"2027-01-01", "课程", 10, "主办", ""}, "registry.invalid_held_on"},  // future
      {TrainingFields{"2026-03-01", "", 10, "主办", ""}, "registry.invalid_course"},
      {TrainingFields{"2026-03-01", "课程", 0, "主办", ""}, "registry.invalid_hours"},
      {TrainingFields{"2026-03-01", "课程", 2401, "主办", ""}, "registry.invalid_hours"},
      {TrainingFields{"2026-03-01", "课程", 10, "", ""}, "registry.invalid_organiser"},
      {TrainingFields{"2026-03-01", "课程", 10, "主办", "<b>x</b>"}, "registry.invalid_certificate"},
  };
  for (const auto& [f, code] : cases) {
    const auto recorded = registry_->record_training(cli(), p.id, f);
    ASSERT_FALSE(recorded) << code;
    EXPECT_EQ(recorded.error().code, code);
  }
  EXPECT_EQ(registry_->record_training(cli(), 9999, cases[0].first).error().code, "registry.not_found");
  EXPECT_TRUE(registry_->training_of_site(Principal::system("t"), site_)->empty());
}

// ---- graded protection (N7.5) -------------------------------------------------------------------

TEST_F(DetailsTest, Level3IsDueYearlyLevel2EveryTwoYearsAndHistoryIsKept) {
  auto g = registry_->record_grading(as(xuanwu_site_admin_), site_,
                                     GradingFields{3, "32010243001-00001", "2024-06-01", "2025-11-01", "江苏某测评中心"});
  ASSERT_TRUE(g) << g.error().to_string();
  EXPECT_EQ(g->next_due, "2026-11-01");
  EXPECT_TRUE(g->overdue);
  g = registry_->record_grading(cli(), site_, GradingFields{2, "32010243001-00001", "2024-06-01", "2025-11-01", "江苏某测评中心"});
  EXPECT_EQ(g->next_due, "2027-11-01");
  EXPECT_FALSE(g->overdue);
  g = registry_->record_grading(cli(), site_, GradingFields{2, "苏公网安32010243001", "2025-01-31", "", ""});
  EXPECT_EQ(g->next_due, "2027-01-31");
  EXPECT_EQ(registry_->grading_history(Principal::system("t"), site_)->size(), 3u);
  EXPECT_EQ(registry_->grading(Principal::system("t"), site_)->value().fields.level, 2);
  EXPECT_FALSE(db_->exec("UPDATE graded_protection SET level = 1"));
}

TEST_F(DetailsTest, BadGradingFieldsAreRefusedByName) {
  const std::vector<std::pair<GradingFields, std::string>> cases = {
      {GradingFields{0, "A-1", "2024-06-01", "", ""}, "registry.invalid_level"},
      {GradingFields{6, "A-1", "2024-06-01", "", ""}, "registry.invalid_level"},
      {GradingFields{3, "", "2024-06-01", "", ""}, "registry.invalid_filing_number"},
      {GradingFields{3, "A 1", "2024-06-01", "", ""}, "registry.invalid_filing_number"},
      {GradingFields{3, "<script>", "2024-06-01", "", ""}, "registry.invalid_filing_number"},
      {GradingFields{3, std::string(65, '1'), "2024-06-01", "", ""}, "registry.invalid_filing_number"},
      {GradingFields{3, "A-1", "2024/06/01", "", ""}, "registry.invalid_filed_on"},
      {GradingFields{3, "A-1", "2024-06-01", "2025-02-29", "机构"}, "registry.invalid_last_assessed_on"},
      {GradingFields{3, "A-1", "2024-06-01", "2025-02-01", ""}, "registry.invalid_institution"},
  };
  for (const auto& [f, code] : cases) {
    const auto recorded = registry_->record_grading(cli(), site_, f);
    ASSERT_FALSE(recorded) << code;
    EXPECT_EQ(recorded.error().code, code);
  }
  EXPECT_FALSE(registry_->grading(Principal::system("t"), site_)->has_value());
}

TEST_F(DetailsTest, RectificationItemsAreClosedOnceWithHow) {
  const auto item = registry_->open_rectification(cli(), site_, "弱口令整改", "2026-12-31").value();
  EXPECT_EQ(registry_->open_rectification(cli(), site_, "", "2026-12-31").error().code, "registry.invalid_text");
  EXPECT_EQ(registry_->open_rectification(cli(), site_, "x", "明天").error().code, "registry.invalid_due_on");
  EXPECT_EQ(registry_->close_rectification(cli(), item.id, "2026-12-01", "").error().code, "registry.invalid_how");
  ASSERT_TRUE(registry_->close_rectification(as(xuanwu_site_admin_), item.id, "2026-12-01", "已启用强口令策略"));
  EXPECT_EQ(registry_->close_rectification(cli(), item.id, "2026-12-02", "again").error().code, "registry.bad_state");
  const auto list = registry_->rectifications(Principal::system("t"), site_).value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].closed_on, "2026-12-01");
  EXPECT_EQ(list[0].closed_how, "已启用强口令策略");
  EXPECT_EQ(registry_->close_rectification(cli(), 999, "2026-12-01", "x").error().code, "registry.not_found");
}

// ---- providers (N2.6) ---------------------------------------------------------------------------

TEST_F(DetailsTest, ProvidersAreReviewedAndEndedProvidersAreKept) {
  const auto p = registry_->add_provider(as(xuanwu_site_admin_), site_, provider()).value();
  ASSERT_TRUE(registry_->record_provider_review(cli(), p.id, "2026-02-01", true, "市总工会网信办", "资质齐全"));
  ASSERT_TRUE(registry_->end_provider(cli(), p.id, "合同到期"));
  EXPECT_EQ(registry_->end_provider(cli(), p.id, "again").error().code, "registry.bad_state");
  EXPECT_EQ(registry_->record_provider_review(cli(), p.id, "2026-03-01", true, "x", "").error().code,
            "registry.bad_state");
  const auto list = registry_->providers(xuanwu_site_admin_, site_).value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_TRUE(list[0].ended_at.has_value());
  EXPECT_EQ(list[0].end_reason, "合同到期");
  ASSERT_EQ(list[0].reviews.size(), 1u);
  EXPECT_TRUE(list[0].reviews[0].passed);
  EXPECT_EQ(audit_.last().action, "site.provider_review");
}

TEST_F(DetailsTest, BadProviderFieldsAreRefusedByName) {
  const std::vector<std::pair<std::function<void(ProviderFields&)>, std::string>> cases = {
      {[](ProviderFields& f) { f.name = ""; }, "registry.invalid_provider_name"},
      {[](ProviderFields& f) { f.uscc = "91320100MA1XXXXX01"; }, "registry.invalid_uscc"},  // check char
      {[](ProviderFields& f) { f.uscc = "9132010"; }, "registry.invalid_uscc"},
      {[](ProviderFields& f) { f.uscc = "91320100MA1XXXXXOX"; }, "registry.invalid_uscc"},  // letter O
      {[](ProviderFields& f) { f.contract_from = "2026-1-1"; }, "registry.invalid_contract_from"},
      {[](ProviderFields& f) { f.contract_to = "2025-12-31"; }, "registry.invalid_contract_to"},
      {[](ProviderFields& f) { f.nda_on = ""; }, "registry.invalid_nda_on"},
      {[](ProviderFields& f) { f.nda_signed = false; }, "registry.invalid_nda_on"},
  };
  for (const auto& [change, code] : cases) {
    ProviderFields f = provider();
    change(f);
    const auto added = registry_->add_provider(cli(), site_, f);
    ASSERT_FALSE(added) << code;
    EXPECT_EQ(added.error().code, code);
  }
  EXPECT_TRUE(registry_->providers(Principal::system("t"), site_)->empty());
  EXPECT_EQ(parse_provider_service("cloud").error().code, "registry.unknown_service");
  EXPECT_TRUE(validate_uscc("12100000400010098N"));  // an all-digit institution code is valid
}

// ---- re-review (N2.3) ---------------------------------------------------------------------------

TEST_F(DetailsTest, ReReviewIsDueAYearAfterGoLiveThenAfterTheLastReReview) {
  auto due = registry_->rereview_due(Principal::system("t"), site_).value();
  ASSERT_TRUE(due);
  EXPECT_EQ(due->due_on, "2027-11-26");
  EXPECT_EQ(due->days_left, 365);
  advance_days(340);  // 2027-11-01: due within 30 days
  auto list = registry_->rereviews_due(nanjing_admin_, nanjing_).value();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].site_id, site_);
  ASSERT_TRUE(registry_->record_rereview(as(nanjing_admin_), site_, true, "复核通过", false));
  EXPECT_EQ(registry_->rereview_due(Principal::system("t"), site_)->value().due_on, "2028-10-31");
  EXPECT_TRUE(registry_->rereviews_due(nanjing_admin_, nanjing_)->empty());
  EXPECT_EQ(audit_.last().action, "site.rereview");
  EXPECT_EQ(audit_.last().details["reviewer_org"], nanjing_);
}

TEST_F(DetailsTest, AFailedReReviewSuspendsWhenTheParentSaysSoOtherwiseItIsDueAtOnce) {
  ASSERT_TRUE(registry_->record_rereview(cli(), site_, false, "备案信息不符", false));
  EXPECT_EQ(state_of(site_), SiteState::live);
  EXPECT_EQ(registry_->rereview_due(Principal::system("t"), site_)->value().days_left, 0);
  advance_days(1);
  EXPECT_EQ(registry_->rereviews_due(nanjing_admin_, nanjing_)->at(0).days_left, -1);
  ASSERT_TRUE(registry_->record_rereview(cli(), site_, false, "仍未整改", true));
  EXPECT_EQ(state_of(site_), SiteState::suspended);
  EXPECT_EQ(registry_->state_history(Principal::system("t"), site_)->back().reason, "仍未整改");
  EXPECT_EQ(registry_->record_rereview(cli(), site_, true, "x", false).error().code, "registry.bad_state");
  EXPECT_EQ(registry_->rereviews(Principal::system("t"), site_)->size(), 2u);
  EXPECT_FALSE(db_->exec("DELETE FROM site_rereviews"));
}

TEST_F(DetailsTest, ReReviewIsTheParentsAndNeedsASummary) {
  EXPECT_EQ(registry_->record_rereview(as(xuanwu_site_admin_), site_, true, "x", false).error().code,
            "identity.forbidden");
  EXPECT_EQ(registry_->record_rereview(cli(), site_, true, "", false).error().code, "registry.invalid_summary");
  EXPECT_EQ(registry_->record_rereview(cli(), site_, true, "x", true).error().code, "registry.invalid_suspend");
}

TEST_F(DetailsTest, TheReReviewIntervalIsAnOption) {
  RegistryOptions options;
  options.rereview_interval_days = 180;
  auto reg = Registry::open(*db_, audit_, options, clock_);
  EXPECT_EQ(reg->rereview_due(Principal::system("t"), site_)->value().due_on, "2027-05-25");
}

// ---- features (N4.1, N4.5) ----------------------------------------------------------------------

TEST_F(DetailsTest, AFeatureWithoutAPassedAssessmentIsNotEnabled) {
  EXPECT_EQ(registry_->enable_feature(cli(), site_, "interaction").error().code, "registry.assessment_missing");
  ASSERT_TRUE(registry_->record_feature_assessment(cli(), site_, "interaction", false, "测评机构", "存在XSS"));
  EXPECT_EQ(registry_->enable_feature(cli(), site_, "interaction").error().code, "registry.assessment_missing");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::failure);
  // the opening assessment is not a feature assessment
  EXPECT_EQ(registry_->enable_feature(cli(), site_, "blog").error().code, "registry.assessment_missing");
}

TEST_F(DetailsTest, AFeatureWithAPassedAssessmentIsEnabledAndTheRowRecordsIt) {
  ASSERT_TRUE(registry_->record_feature_assessment(as(xuanwu_site_admin_), site_, "interaction", true, "测评机构", "通过"));
  ASSERT_TRUE(registry_->enable_feature(as(xuanwu_site_admin_), site_, "interaction"));
  EXPECT_EQ(registry_->enable_feature(cli(), site_, "interaction").error().code, "registry.bad_state");
  const auto features = registry_->features(xuanwu_site_admin_, site_).value();
  ASSERT_EQ(features.size(), 1u);
  EXPECT_TRUE(features[0].enabled);
  EXPECT_TRUE(features[0].assessment_id.has_value());
  // the meaning content reads: newest row per (site, feature) with change = 'enabled'
  const auto row = db_->query_one(
      "SELECT change, assessment_id FROM site_feature_changes WHERE site_id = ? AND feature = 'interaction' "
      "ORDER BY id DESC LIMIT 1",
      {site_});
  EXPECT_EQ((*row)->text(0), "enabled");
  EXPECT_EQ((*row)->integer(1), *features[0].assessment_id);
  ASSERT_TRUE(registry_->disable_feature(cli(), site_, "interaction", "暂停留言"));
  EXPECT_FALSE(registry_->features(xuanwu_site_admin_, site_)->at(0).enabled);
  EXPECT_EQ(registry_->disable_feature(cli(), site_, "interaction", "x").error().code, "registry.bad_state");
}

TEST_F(DetailsTest, AForumNeedsTheParentsApprovalToo) {
  ASSERT_TRUE(registry_->record_feature_assessment(cli(), site_, "forum", true, "测评机构", "通过"));
  EXPECT_EQ(registry_->enable_feature(cli(), site_, "forum").error().code, "registry.approval_missing");
  EXPECT_EQ(registry_->record_feature_approval(as(xuanwu_site_admin_), site_, "forum", true, "同意").error().code,
            "identity.forbidden");
  ASSERT_TRUE(registry_->record_feature_approval(as(nanjing_admin_), site_, "forum", false, "不同意"));
  EXPECT_EQ(registry_->enable_feature(cli(), site_, "forum").error().code, "registry.approval_missing");
  ASSERT_TRUE(registry_->record_feature_approval(as(nanjing_admin_), site_, "forum", true, "同意开设论坛"));
  ASSERT_TRUE(registry_->enable_feature(cli(), site_, "forum"));
  EXPECT_TRUE(registry_->features(Principal::system("t"), site_)->at(0).approval_id.has_value());
  EXPECT_EQ(registry_->feature_reviews(Principal::system("t"), site_)->size(), 3u);
  EXPECT_EQ(registry_->opening_reviews(Principal::system("t"), site_)->size(), 2u);  // opening ones only
}

TEST_F(DetailsTest, TheApplicantCannotApproveAFeature) {
  SiteFields f = fields("玄武二号网");
  auto s = registry_->apply_for_site(as(nanjing_admin_), xuanwu_, f).value();
  ASSERT_TRUE(registry_->approve_opening(cli(), s.id, true, "同意"));
  EXPECT_EQ(registry_->record_feature_approval(as(nanjing_admin_), s.id, "forum", true, "同意").error().code,
            "registry.separation_of_duties");
}

TEST_F(DetailsTest, BadFeaturesAndStatesAreRefused) {
  for (const char* bad : {"", "Forum", "chat", "column:", "column:0", "column:12a", "column:-1"}) {
    EXPECT_EQ(registry_->record_feature_assessment(cli(), site_, bad, true, "x", "y").error().code,
              "registry.invalid_feature")
        << bad;
  }
  EXPECT_TRUE(registry_->record_feature_assessment(cli(), site_, "column:12", true, "x", "y"));
  ASSERT_TRUE(registry_->close_site(cli(), site_, "撤销"));
  EXPECT_EQ(registry_->record_feature_assessment(cli(), site_, "blog", true, "x", "y").error().code,
            "registry.bad_state");
  EXPECT_EQ(registry_->enable_feature(cli(), site_, "column:12").error().code, "registry.bad_state");
}

TEST_F(DetailsTest, TheRemainingFieldsAreCheckedToo) {
  const auto item = registry_->open_rectification(cli(), site_, "整改", "2026-12-31").value();
  EXPECT_EQ(registry_->close_rectification(cli(), item.id, "2026-13-01", "x").error().code, "registry.invalid_closed_on");
  const auto p = registry_->add_provider(cli(), site_, provider()).value();
  EXPECT_EQ(registry_->record_provider_review(cli(), p.id, "", true, "x", "").error().code, "registry.invalid_reviewed_on");
  EXPECT_EQ(registry_->record_provider_review(cli(), p.id, "2026-02-01", true, "", "").error().code,
            "registry.invalid_reviewer");
  EXPECT_EQ(registry_->record_provider_review(cli(), p.id, "2026-02-01", true, "x", "a\x01b").error().code,
            "registry.invalid_summary");
  EXPECT_EQ(registry_->end_provider(cli(), p.id, "").error().code, "registry.invalid_reason");
  EXPECT_EQ(registry_->record_feature_assessment(cli(), site_, "blog", true, "", "y").error().code,
            "registry.invalid_assessor");
  EXPECT_EQ(registry_->record_feature_assessment(cli(), site_, "blog", true, "x", "").error().code,
            "registry.invalid_summary");
  EXPECT_EQ(registry_->record_feature_approval(cli(), site_, "forum", true, "").error().code, "registry.invalid_summary");
  ASSERT_TRUE(registry_->record_feature_assessment(cli(), site_, "blog", true, "x", "y"));
  ASSERT_TRUE(registry_->enable_feature(cli(), site_, "blog"));
  EXPECT_EQ(registry_->disable_feature(cli(), site_, "blog", "").error().code, "registry.invalid_reason");
  EXPECT_TRUE(registry_->features(Principal::system("t"), site_)->at(0).enabled);
  EXPECT_TRUE(registry_->providers(Principal::system("t"), site_)->at(0).reviews.empty());
  EXPECT_FALSE(registry_->providers(Principal::system("t"), site_)->at(0).ended_at);
}

// ---- tenancy: another site's or city's people can neither read nor change -----------------------

TEST_F(DetailsTest, AnotherSitesAdminAndAnotherCityCanNeitherReadNorChange) {
  const auto person_id = registry_->appoint_person(cli(), site_, Duty::leader, person("张三"))->id;
  const auto provider_id = registry_->add_provider(cli(), site_, provider())->id;
  const auto item_id = registry_->open_rectification(cli(), site_, "整改", "2026-12-31")->id;
  const std::vector<std::pair<std::string, std::function<Status(const Principal&)>>> calls = {
      {"edit_site", [&](const Principal& p) { return registry_->edit_site(as(p), site_, fields("x")); }},
      {"suspend", [&](const Principal& p) { return registry_->suspend_site(as(p), site_, "x"); }},
      {"close", [&](const Principal& p) { return registry_->close_site(as(p), site_, "x"); }},
      {"site_changes", [&](const Principal& p) { return st(registry_->site_changes(p, site_)); }},
      {"state_history", [&](const Principal& p) { return st(registry_->state_history(p, site_)); }},
      {"appoint", [&](const Principal& p) { return st(registry_->appoint_person(as(p), site_, Duty::operations, person("x"))); }},
      {"people", [&](const Principal& p) { return st(registry_->people(p, site_)); }},
      {"training", [&](const Principal& p) { return st(registry_->record_training(as(p), person_id, TrainingFields{"2026-03-01", "课", 10, "主办", ""})); }},
      {"training_of_site", [&](const Principal& p) { return st(registry_->training_of_site(p, site_)); }},
      {"training_of_subtree", [&](const Principal& p) { return st(registry_->training_of_subtree(p, xuanwu_)); }},
      {"grading", [&](const Principal& p) { return st(registry_->record_grading(as(p), site_, GradingFields{2, "A-1", "2024-06-01", "", ""})); }},
      {"grading_read", [&](const Principal& p) { return st(registry_->grading(p, site_)); }},
      {"rectification", [&](const Principal& p) { return st(registry_->open_rectification(as(p), site_, "x", "2026-12-31")); }},
      {"close_rectification", [&](const Principal& p) { return registry_->close_rectification(as(p), item_id, "2026-12-01", "x"); }},
      {"provider", [&](const Principal& p) { return st(registry_->add_provider(as(p), site_, provider())); }},
      {"provider_review", [&](const Principal& p) { return registry_->record_provider_review(as(p), provider_id, "2026-02-01", true, "x", ""); }},
      {"end_provider", [&](const Principal& p) { return registry_->end_provider(as(p), provider_id, "x"); }},
      {"providers", [&](const Principal& p) { return st(registry_->providers(p, site_)); }},
      {"rereview", [&](const Principal& p) { return st(registry_->record_rereview(as(p), site_, true, "x", false)); }},
      {"rereview_due", [&](const Principal& p) { return st(registry_->rereview_due(p, site_)); }},
      {"rereviews_due", [&](const Principal& p) { return st(registry_->rereviews_due(p, xuanwu_)); }},
      {"feature_assessment", [&](const Principal& p) { return registry_->record_feature_assessment(as(p), site_, "blog", true, "x", "y"); }},
      {"feature_approval", [&](const Principal& p) { return registry_->record_feature_approval(as(p), site_, "forum", true, "y"); }},
      {"enable", [&](const Principal& p) { return registry_->enable_feature(as(p), site_, "blog"); }},
      {"features", [&](const Principal& p) { return st(registry_->features(p, site_)); }},
      {"dashboard", [&](const Principal& p) { return st(registry_->dashboard(p, xuanwu_)); }},
      {"export", [&](const Principal& p) { return st(registry_->export_dashboard(as(p), xuanwu_, ExportFormat::csv, [](std::string_view k) { return std::string(k); })); }},
  };
  for (const Principal* who : {&suzhou_site_admin_, &suzhou_admin_}) {
    for (const auto& [name, call] : calls) {
      audit_.events.clear();
      const Status result = call(*who);
      ASSERT_FALSE(result) << who->name << " " << name;
      EXPECT_EQ(result.error().code, "identity.forbidden") << who->name << " " << name;
      ASSERT_FALSE(audit_.events.empty()) << name;
      EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied) << name;
    }
  }
  EXPECT_EQ(registry_->people(Principal::system("t"), site_)->size(), 1u);
  EXPECT_EQ(registry_->providers(Principal::system("t"), site_)->size(), 1u);
}

// ---- dashboard and exports ----------------------------------------------------------------------

TEST_F(DetailsTest, TheDashboardCountsWhatIsMissingInTheSubtree) {
  // site_: filing, all five people (one trained), level 3 overdue, one open item, a provider unreviewed.
  ASSERT_TRUE(registry_->record_icp_filing(cli(), site_, "苏ICP备12345678号-1", std::nullopt));
  std::int64_t trained = 0;
  for (Duty d : kRequiredDuties) trained = registry_->appoint_person(cli(), site_, d, person("张三"))->id;
  ASSERT_TRUE(registry_->record_training(cli(), trained, TrainingFields{"2026-06-01", "培训", 10, "主办", ""}));
  ASSERT_TRUE(registry_->record_grading(cli(), site_, GradingFields{3, "A-1", "2024-06-01", "2025-06-01", "测评中心"}));
  ASSERT_TRUE(registry_->open_rectification(cli(), site_, "整改", "2026-12-31"));
  ASSERT_TRUE(registry_->add_provider(cli(), site_, provider()));
  // a second, unfinished application in the subtree
  ASSERT_TRUE(registry_->apply_for_site(cli(), nanjing_, fields("南京工会网")));
  const auto d = registry_->dashboard(nanjing_admin_, nanjing_).value();
  ASSERT_EQ(d.rows.size(), 2u);
  EXPECT_EQ(d.sites, 2);
  EXPECT_EQ(d.by_state[0], (std::pair{SiteState::application, 1}));
  EXPECT_EQ(d.by_state[2], (std::pair{SiteState::live, 1}));
  const DashboardRow& row = d.rows[0];
  EXPECT_EQ(row.site.id, site_);
  EXPECT_EQ(row.org_name, "玄武区总工会");
  EXPECT_EQ(row.icp_number, "苏ICP备12345678号-1");
  EXPECT_TRUE(row.missing_people.empty());
  EXPECT_EQ(row.training_overdue, 4);
  EXPECT_EQ(row.grading_level, 3);
  EXPECT_TRUE(row.grading_overdue);
  EXPECT_EQ(row.open_rectifications, 1);
  EXPECT_EQ(row.rereview_due, "2027-11-26");
  EXPECT_FALSE(row.rereview_overdue);
  EXPECT_EQ(row.providers_unreviewed, 1);
  EXPECT_EQ(d.rows[1].missing_people.size(), 5u);
  // both reviewers are named without a platform account (N8.1: they cannot decide reviews)
  EXPECT_EQ(row.unlinked_reviewers, (std::vector<Duty>{Duty::content_review, Duty::secrecy_review}));
  EXPECT_TRUE(d.rows[1].unlinked_reviewers.empty()) << "nobody named: missing, not unlinked";
  EXPECT_EQ(d.unlinked_reviewers, 1);
  EXPECT_EQ(d.missing_filing, 1);
  EXPECT_EQ(d.missing_people, 1);
  EXPECT_EQ(d.training_overdue, 1);
  EXPECT_EQ(d.grading_missing, 1);
  EXPECT_EQ(d.grading_overdue, 1);
  EXPECT_EQ(d.open_rectifications, 1);
  EXPECT_EQ(d.providers_unreviewed, 1);
  EXPECT_EQ(d.rereview_overdue, 0);
  // the other city's site is not in Nanjing's dashboard
  EXPECT_EQ(registry_->dashboard(Principal::system("t"), root_)->rows.size(), 3u);
}

std::string label(std::string_view key) {
  if (key == "col_site") return "网站";
  if (key == "site_state_live") return "已上线";
  return std::string(key);
}

TEST_F(DetailsTest, TheCsvExportHasABomQuotesAndNeutralisesFormulas) {
  SiteFields f = fields("=HYPERLINK(\"http://x\",\"点我\")");
  ASSERT_TRUE(registry_->edit_site(cli(), site_, f));
  const auto file = registry_->export_dashboard(as(nanjing_admin_), nanjing_, ExportFormat::csv, label).value();
  EXPECT_TRUE(file.bytes.starts_with("\xEF\xBB\xBF网站,"));
  EXPECT_NE(file.bytes.find("\"'=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\""), std::string::npos) << file.bytes;
  EXPECT_NE(file.bytes.find(",已上线,"), std::string::npos);
  EXPECT_NE(file.bytes.find("\r\n"), std::string::npos);
  EXPECT_TRUE(file.filename.ends_with(".csv"));
  EXPECT_EQ(file.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(audit_.last().action, "registry.export");
  EXPECT_EQ(audit_.last().details["what"], "dashboard");
  EXPECT_EQ(audit_.last().details["rows"], 1);
}

TEST(Export, CsvFieldsFollowRfc4180AndFormulasAreNeutralised) {
  Table t{"x", {"a", "b"}, {{Cell{"plain"}, Cell{"with,comma"}}, {Cell{"say \"hi\""}, Cell{"two\nlines"}},
                           {Cell{"+1"}, Cell{"-1", true}}, {Cell{"@SUM(A1)"}, Cell{"\tx"}}}};
  EXPECT_EQ(write_csv(t), "\xEF\xBB\xBF" "a,b\r\nplain,\"with,comma\"\r\n\"say \"\"hi\"\"\",\"two\nlines\"\r\n'+1,-1\r\n"
                          "'@SUM(A1),'\tx\r\n");
}

TEST_F(DetailsTest, TheXlsxExportOpensAndHoldsTheChineseNames) {
  ASSERT_TRUE(registry_->record_icp_filing(cli(), site_, "苏ICP备12345678号-1", std::nullopt));
  const auto file = registry_->export_filings(as(nanjing_admin_), nanjing_, ExportFormat::xlsx, label).value();
  EXPECT_TRUE(file.filename.ends_with(".xlsx"));
  const auto path = std::filesystem::temp_directory_path() / ("registry-export-test-" + std::to_string(::getpid()) + ".xlsx");
  std::ofstream(path, std::ios::binary) << file.bytes;
  const std::string cmd = "python3 -c \"import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); "
                          "s=z.read('xl/sharedStrings.xml').decode(); "
                          "sys.exit(0 if '玄武工会网' in s and '苏ICP备12345678号-1' in s and '玄武区总工会' in s else 3)\" " +
                          path.string();
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  std::filesystem::remove(path);
  EXPECT_EQ(audit_.last().details["what"], "filings");
  EXPECT_EQ(audit_.last().details["format"], "xlsx");
}

}  // namespace
}  // namespace sw::registry
