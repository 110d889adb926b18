// Specification of the content lifecycle (migration 0008): withdrawal (撤稿) and correction (更正) of
// published items with their review records, scheduled publication and withdrawal (定时发布/下线),
// reporting upward (信息报送) and its ranking, staff blogs (N4.4) and the new-column gate (N4.1).
#include <gtest/gtest.h>

#include "content/articles.h"
#include "content_fixture.h"

namespace sw::content {
namespace {

using identity::Role;
using namespace std::chrono_literals;

class LifecycleTest : public testing::ContentFixture {
 protected:
  void SetUp() override {
    open_world();
    service_ = ContentService::open(*db_, audit_, crypto::suite(crypto::SuiteId::gm), *scanner_, clock_);
    editor_ = person(1, "editor", {Role::editor});
    editor2_ = person(2, "editor2", {Role::editor});
    reviewer_ = person(3, "reviewer", {Role::content_reviewer});
    reviewer2_ = person(4, "reviewer2", {Role::content_reviewer});
    secrecy_ = person(5, "secrecy", {Role::secrecy_reviewer});
    operator_ = person(6, "operator", {Role::operator_});
    other_reviewer_ = person(7, "other_reviewer", {Role::content_reviewer}, other_site_);
    other_editor_ = person(8, "other_editor", {Role::editor}, other_site_);
    column_ = service_->create_column(cli(), site_, std::nullopt, "工会要闻").value().id;
    audit_.events.clear();
  }

  std::int64_t approved() {
    auto saved = service_->create_article(as(editor_), column_, fields());
    EXPECT_TRUE(saved) << saved.error().to_string();
    const std::int64_t id = saved->article.id;
    EXPECT_TRUE(service_->submit(as(editor_), id));
    EXPECT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
    EXPECT_TRUE(service_->approve(as(secrecy_), id, Stage::secrecy, {}));
    return id;
  }
  std::int64_t published() {
    const std::int64_t id = approved();
    EXPECT_TRUE(service_->publish(as(operator_), id));
    return id;
  }

  Article article(std::int64_t id) { return service_->get_article(Principal::system("t"), id).value(); }
  std::vector<ReviewRecord> records(std::int64_t id) {
    return service_->review_records(Principal::system("t"), id).value();
  }

  std::int64_t column_ = 0;
  Principal editor_, editor2_, reviewer_, reviewer2_, secrecy_, operator_, other_reviewer_, other_editor_;
};

// ----- withdrawal ------------------------------------------------------------------------------------

TEST_F(LifecycleTest, ARequestedWithdrawalKeepsThePublishedVersionLiveAndIsRecorded) {
  const std::int64_t id = published();
  auto request = service_->request_withdrawal(as(editor_), id, "信息已过时", false);
  ASSERT_TRUE(request) << request.error().to_string();
  EXPECT_EQ(request->decision, "");
  EXPECT_EQ(request->version_n, 1);
  const Article a = article(id);
  EXPECT_EQ(a.state, State::withdrawal_requested);
  EXPECT_EQ(a.published_version, 1);
  EXPECT_EQ(audit_.last().action, "content.withdrawal_request");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::success);
  const auto r = records(id);
  ASSERT_EQ(r.back().stage, "withdrawal");
  EXPECT_EQ(r.back().decision, "requested");
  EXPECT_EQ(r.back().reason, "信息已过时");
}

TEST_F(LifecycleTest, AnOperatorMayRequestAWithdrawalAndAnApprovedOneWithdrawsTheItem) {
  const std::int64_t id = published();
  ASSERT_TRUE(service_->request_withdrawal(as(operator_), id, "链接失效", false));
  ASSERT_TRUE(service_->decide_withdrawal(as(reviewer_), id, true, ""));
  EXPECT_EQ(article(id).state, State::withdrawn);
  EXPECT_EQ(records(id).back().decision, "approved");
  EXPECT_EQ(records(id).back().actor_name, "reviewer");
  const auto requests = service_->withdrawal_requests(Principal::system("t"), id).value();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].decision, "approved");
  EXPECT_EQ(requests[0].decided_by, "reviewer");
  // A decided request never changes (migration 0008 trigger).
  EXPECT_FALSE(db_->exec("UPDATE withdrawal_requests SET decision = 'rejected'"));
  // Withdrawn: publish refused, an edit starts over as a draft.
  EXPECT_EQ(service_->publish(as(operator_), id).error().code, "content.bad_transition");
  auto edited = service_->edit(as(editor_), id, fields("<p>重新修改</p>"));
  ASSERT_TRUE(edited) << edited.error().to_string();
  EXPECT_EQ(edited->article.state, State::draft);
}

TEST_F(LifecycleTest, ARejectedWithdrawalNeedsAReasonAndReturnsToPublished) {
  const std::int64_t id = published();
  ASSERT_TRUE(service_->request_withdrawal(as(editor_), id, "信息已过时", false));
  EXPECT_EQ(service_->decide_withdrawal(as(reviewer_), id, false, "").error().code,
            "content.reason_required");
  ASSERT_TRUE(service_->decide_withdrawal(as(reviewer_), id, false, "内容仍然有效"));
  EXPECT_EQ(article(id).state, State::published);
  EXPECT_EQ(records(id).back().decision, "rejected");
  EXPECT_EQ(service_->decide_withdrawal(as(reviewer_), id, true, "").error().code, "content.bad_transition");
}

TEST_F(LifecycleTest, TheRequesterOrTheAuthorCannotDecideAWithdrawal) {
  const std::int64_t id = published();
  const Principal editor_reviewer = person(20, "editor_reviewer", {Role::editor, Role::content_reviewer});
  ASSERT_TRUE(service_->request_withdrawal(as(editor_reviewer), id, "重复发布", false));
  auto refused = service_->decide_withdrawal(as(editor_reviewer), id, true, "");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.separation_of_duties");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(article(id).state, State::withdrawal_requested);
}

TEST_F(LifecycleTest, OnlyASecrecyRelatedWithdrawalMayBeDecidedByTheSecrecyReviewer) {
  const std::int64_t plain = published();
  ASSERT_TRUE(service_->request_withdrawal(as(editor_), plain, "信息已过时", false));
  auto refused = service_->decide_withdrawal(as(secrecy_), plain, true, "");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);

  const std::int64_t secret = published();
  ASSERT_TRUE(service_->request_withdrawal(as(editor_), secret, "疑似涉及内部敏感信息", true));
  EXPECT_EQ(records(secret).back().stage, "secrecy_withdrawal");
  ASSERT_TRUE(service_->decide_withdrawal(as(secrecy_), secret, true, ""));
  EXPECT_EQ(article(secret).state, State::withdrawn);
}

TEST_F(LifecycleTest, AnotherSitesPeopleCannotRequestOrDecideAWithdrawal) {
  const std::int64_t id = published();
  // Refused as forbidden, not as a bad transition: the refusal says nothing of the article's state.
  EXPECT_EQ(service_->decide_withdrawal(as(other_reviewer_), id, true, "").error().code, "identity.forbidden");
  EXPECT_EQ(service_->request_withdrawal(as(other_editor_), id, "x", false).error().code,
            "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  ASSERT_TRUE(service_->request_withdrawal(as(editor_), id, "信息已过时", false));
  EXPECT_EQ(service_->decide_withdrawal(as(other_reviewer_), id, true, "").error().code,
            "identity.forbidden");
  EXPECT_EQ(article(id).state, State::withdrawal_requested);
}

TEST_F(LifecycleTest, AWithdrawalNeedsAPublishedItemAndAReasonOfBoundedLength) {
  const std::int64_t draft = service_->create_article(as(editor_), column_, fields()).value().article.id;
  EXPECT_EQ(service_->request_withdrawal(as(editor_), draft, "x", false).error().code,
            "content.bad_transition");
  const std::int64_t id = published();
  auto empty = service_->request_withdrawal(as(editor_), id, "", false);
  EXPECT_EQ(empty.error().code, "content.invalid_field");
  EXPECT_NE(empty.error().message.find("reason"), std::string::npos);
  EXPECT_EQ(service_->request_withdrawal(as(editor_), id, std::string(kMaxReasonBytes + 1, 'x'), false)
                .error()
                .code,
            "content.invalid_field");
  EXPECT_EQ(article(id).state, State::published);
  ASSERT_TRUE(service_->request_withdrawal(as(editor_), id, "信息已过时", false));
  // Pending: no edit, no second request.
  EXPECT_EQ(service_->edit(as(editor_), id, fields()).error().code, "content.bad_transition");
  EXPECT_EQ(service_->request_withdrawal(as(editor_), id, "again", false).error().code,
            "content.bad_transition");
}

// ----- correction ------------------------------------------------------------------------------------

TEST_F(LifecycleTest, ACorrectionGoesThroughBothStagesWhileThePublishedVersionStaysLive) {
  const std::int64_t id = published();
  ArticleFields corrected = fields("<p>更正：会议于周五召开。</p>");
  auto scan = service_->correct(as(editor2_), id, corrected, "日期有误");
  ASSERT_TRUE(scan) << scan.error().to_string();
  Article a = article(id);
  EXPECT_EQ(a.state, State::correction_submitted);
  EXPECT_EQ(a.current_version, 2);
  EXPECT_EQ(a.published_version, 1);
  EXPECT_EQ(records(id).back().stage, "correction");
  EXPECT_EQ(records(id).back().decision, "requested");
  EXPECT_EQ(records(id).back().version_n, 2);
  // It waits in the content reviewers' queue like any submission.
  const auto queue = service_->review_queue(reviewer_, site_, Stage::content).value();
  ASSERT_EQ(queue.size(), 1u);
  EXPECT_EQ(queue[0].article.id, id);
  // Secrecy before content is refused (N3.1).
  EXPECT_EQ(service_->approve(as(secrecy_), id, Stage::secrecy, {}).error().code, "content.bad_transition");
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  a = article(id);
  EXPECT_EQ(a.state, State::correction_content_approved);
  EXPECT_EQ(a.published_version, 1);
  ASSERT_TRUE(service_->approve(as(secrecy_), id, Stage::secrecy, {}));
  a = article(id);
  EXPECT_EQ(a.state, State::published);
  EXPECT_EQ(a.published_version, 2);
  EXPECT_TRUE(service_->verify_review_records(Principal::system("t"), site_).value().ok);
}

TEST_F(LifecycleTest, ARejectedCorrectionLeavesThePublishedVersion) {
  const std::int64_t id = published();
  ASSERT_TRUE(service_->correct(as(editor_), id, fields("<p>更正稿</p>"), "补充内容"));
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  ASSERT_TRUE(service_->reject(as(secrecy_), id, Stage::secrecy, "更正稿涉及内部数据"));
  const Article a = article(id);
  EXPECT_EQ(a.state, State::published);
  EXPECT_EQ(a.published_version, 1);
  EXPECT_EQ(a.current_version, 2);
  // A later correction starts again at content review.
  ASSERT_TRUE(service_->correct(as(editor_), id, fields("<p>第二次更正</p>"), "再次更正"));
  EXPECT_EQ(article(id).current_version, 3);
}

TEST_F(LifecycleTest, TheCorrectorCannotReviewTheCorrection) {
  const std::int64_t id = published();
  const Principal editor_reviewer = person(20, "editor_reviewer", {Role::editor, Role::content_reviewer});
  ASSERT_TRUE(service_->correct(as(editor_reviewer), id, fields("<p>更正稿</p>"), "补充内容"));
  EXPECT_EQ(service_->approve(as(editor_reviewer), id, Stage::content, {}).error().code,
            "content.separation_of_duties");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
}

TEST_F(LifecycleTest, ACorrectionNeedsAPublishedItemAReasonAndValidFieldsAndAnEditorOfTheSite) {
  const std::int64_t draft = service_->create_article(as(editor_), column_, fields()).value().article.id;
  EXPECT_EQ(service_->correct(as(editor_), draft, fields(), "x").error().code, "content.bad_transition");
  const std::int64_t id = published();
  EXPECT_EQ(service_->correct(as(editor_), id, fields(), "").error().code, "content.invalid_field");
  ArticleFields untitled = fields();
  untitled.title.clear();
  EXPECT_EQ(service_->correct(as(editor_), id, untitled, "x").error().code, "content.invalid_field");
  EXPECT_EQ(service_->correct(as(other_editor_), id, fields(), "x").error().code, "identity.forbidden");
  EXPECT_EQ(service_->correct(as(reviewer_), id, fields(), "x").error().code, "identity.forbidden");
  const Article a = article(id);
  EXPECT_EQ(a.state, State::published);
  EXPECT_EQ(a.current_version, 1);
}

// ----- scheduling ------------------------------------------------------------------------------------

TEST_F(LifecycleTest, AScheduledPublicationRunsOnceWhenDueAndNamesWhoScheduledIt) {
  const std::int64_t id = approved();
  auto s = service_->schedule(as(operator_), id, ScheduleKind::publish, clock_.now() + 1h);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->status, "pending");
  EXPECT_EQ(s->version_n, 1);

  auto early = service_->run_due(cli(), clock_.now() + 30min);
  ASSERT_TRUE(early);
  EXPECT_TRUE(early->done.empty());
  EXPECT_EQ(article(id).state, State::approved);

  audit_.events.clear();
  auto due = service_->run_due(cli(), clock_.now() + 2h);
  ASSERT_TRUE(due) << due.error().to_string();
  EXPECT_EQ(due->done, std::vector<std::int64_t>{s->id});
  EXPECT_EQ(article(id).state, State::published);
  EXPECT_EQ(article(id).published_version, 1);
  ASSERT_EQ(audit_.events.size(), 1u);
  EXPECT_EQ(audit_.last().action, "content.scheduled_publish");
  EXPECT_EQ(audit_.last().actor_role, "system");
  EXPECT_EQ(audit_.last().details["scheduled_by"], "operator");

  auto again = service_->run_due(cli(), clock_.now() + 3h);  // idempotent
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->done.empty());
  EXPECT_TRUE(again->voided.empty());
  EXPECT_EQ(service_->schedules(Principal::system("t"), id).value().at(0).status, "done");
}

TEST_F(LifecycleTest, AScheduledPublicationOfAVersionEditedSinceIsVoid) {
  const std::int64_t id = approved();
  ASSERT_TRUE(service_->schedule(as(operator_), id, ScheduleKind::publish, clock_.now() + 1h));
  ASSERT_TRUE(service_->edit(as(editor_), id, fields("<p>又改了</p>")));
  auto run = service_->run_due(cli(), clock_.now() + 2h);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->voided.size(), 1u);
  EXPECT_EQ(article(id).state, State::draft);
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::failure);
  const auto s = service_->schedules(Principal::system("t"), id).value().at(0);
  EXPECT_EQ(s.status, "void");
  EXPECT_FALSE(s.outcome.empty());
}

TEST_F(LifecycleTest, EachDueScheduleCommitsWithItsStateChangeOrNotAtAll) {
  const std::int64_t first = approved();
  const std::int64_t second = approved();
  ASSERT_TRUE(service_->schedule(as(operator_), first, ScheduleKind::publish, clock_.now() + 1h));
  ASSERT_TRUE(service_->schedule(as(operator_), second, ScheduleKind::publish, clock_.now() + 1h));
  // The second schedule cannot be marked done: as if the process died in the middle of it.
  ASSERT_TRUE(
      db_->exec("CREATE TEMP TRIGGER crash BEFORE UPDATE ON article_schedules WHEN NEW.status = 'done' "
                "AND NEW.article_id = " +
                std::to_string(second) + " BEGIN SELECT RAISE(ABORT, 'crash'); END"));
  auto run = service_->run_due(cli(), clock_.now() + 2h);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->done.size(), 1u);
  EXPECT_EQ(article(first).state, State::published);
  EXPECT_EQ(article(second).state, State::approved);  // its publication rolled back with it
  EXPECT_FALSE(article(second).published_version);
  EXPECT_NE(service_->schedules(Principal::system("t"), second).value().at(0).status, "done");
}

TEST_F(LifecycleTest, AScheduledWithdrawalIsAReviewDecisionMadeInAdvance) {
  const std::int64_t id = published();
  EXPECT_EQ(service_->schedule(as(operator_), id, ScheduleKind::withdraw, clock_.now() + 1h, "活动结束")
                .error()
                .code,
            "identity.forbidden");
  EXPECT_EQ(service_->schedule(as(reviewer_), id, ScheduleKind::withdraw, clock_.now() + 1h).error().code,
            "content.invalid_field");  // reason required
  EXPECT_EQ(service_->schedule(as(reviewer_), id, ScheduleKind::withdraw, clock_.now() - 1h, "活动结束")
                .error()
                .code,
            "content.invalid_field");  // in the past
  ASSERT_TRUE(service_->schedule(as(reviewer_), id, ScheduleKind::withdraw, clock_.now() + 1h, "活动结束"));
  EXPECT_EQ(records(id).back().decision, "scheduled");
  auto run = service_->run_due(cli(), clock_.now() + 2h);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->done.size(), 1u);
  EXPECT_EQ(article(id).state, State::withdrawn);
  EXPECT_EQ(records(id).back().decision, "withdrawn");
  EXPECT_EQ(records(id).back().role, "system");
  EXPECT_EQ(audit_.last().action, "content.scheduled_withdraw");
  EXPECT_EQ(audit_.last().details["scheduled_by"], "reviewer");
  EXPECT_TRUE(service_->verify_review_records(Principal::system("t"), site_).value().ok);
}

TEST_F(LifecycleTest, SchedulesAreRefusedInTheWrongStateForAnotherSiteAndCanBeCancelled) {
  const std::int64_t draft = service_->create_article(as(editor_), column_, fields()).value().article.id;
  EXPECT_EQ(service_->schedule(as(operator_), draft, ScheduleKind::publish, clock_.now() + 1h).error().code,
            "content.bad_transition");
  const std::int64_t id = approved();
  EXPECT_EQ(
      service_->schedule(as(reviewer_), id, ScheduleKind::withdraw, clock_.now() + 1h, "x").error().code,
      "content.bad_transition");  // not published yet
  const Principal other_operator = person(30, "other_operator", {Role::operator_}, other_site_);
  EXPECT_EQ(service_->schedule(as(other_operator), id, ScheduleKind::publish, clock_.now() + 1h).error().code,
            "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  ASSERT_TRUE(service_->schedule(as(operator_), id, ScheduleKind::publish, clock_.now() + 1h));
  ASSERT_TRUE(service_->schedule(as(operator_), id, ScheduleKind::publish, clock_.now() + 3h));  // replaces
  auto all = service_->schedules(Principal::system("t"), id).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, "cancelled");
  EXPECT_EQ(all[1].status, "pending");
  ASSERT_TRUE(service_->cancel_schedule(as(operator_), id, ScheduleKind::publish));
  EXPECT_EQ(service_->cancel_schedule(as(operator_), id, ScheduleKind::publish).error().code,
            "content.not_found");
  EXPECT_TRUE(service_->run_due(cli(), clock_.now() + 5h)->done.empty());
  EXPECT_EQ(article(id).state, State::approved);
}

TEST_F(LifecycleTest, OnlyTheMachineOperatorRunsDueSchedules) {
  const Principal admin = person(40, "site_admin", {Role::site_admin, Role::operator_});
  auto refused = service_->run_due(as(admin), clock_.now());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
}

// ----- the new-column gate (N4.1) --------------------------------------------------------------------

TEST_F(LifecycleTest, ANewColumnOfALiveSiteIsUnusableUntilItsAssessmentPassed) {
  const std::int64_t approved_before = approved();  // in a column made before go-live
  ASSERT_TRUE(db_->exec("UPDATE sites SET state = 'live' WHERE id = ?", {site_}));
  const std::int64_t fresh = service_->create_column(cli(), site_, std::nullopt, "新栏目").value().id;
  auto refused = service_->create_article(as(editor_), fresh, fields());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.column_not_assessed");
  EXPECT_NE(refused.error().message.find("column:" + std::to_string(fresh)), std::string::npos);
  // Old columns keep working.
  EXPECT_TRUE(service_->create_article(as(editor_), column_, fields()));
  EXPECT_TRUE(service_->publish(as(operator_), approved_before));

  const std::string feature = "column:" + std::to_string(fresh);
  auto assess = [&](const char* result) {
    ASSERT_TRUE(
        db_->exec("INSERT INTO opening_reviews (site_id, kind, result, summary, recorded_by, recorded_at, "
                  "feature) VALUES (?, 'security_assessment', ?, '测评', 'cli:t', '2026-11-26T00:00:00Z', ?)",
                  {site_, std::string(result), feature}));
  };
  assess("failed");
  EXPECT_EQ(service_->create_article(as(editor_), fresh, fields()).error().code,
            "content.column_not_assessed");
  assess("passed");
  auto saved = service_->create_article(as(editor_), fresh, fields());
  ASSERT_TRUE(saved) << saved.error().to_string();
  const std::int64_t id = saved->article.id;
  ASSERT_TRUE(service_->submit(as(editor_), id));
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  ASSERT_TRUE(service_->approve(as(secrecy_), id, Stage::secrecy, {}));
  assess("failed");  // the newest assessment counts: publication is stopped again
  EXPECT_EQ(service_->publish(as(operator_), id).error().code, "content.column_not_assessed");
  EXPECT_EQ(article(id).state, State::approved);
}

// ----- reporting upward (信息报送) ---------------------------------------------------------------------

class UpwardTest : public LifecycleTest {
 protected:
  void SetUp() override {
    LifecycleTest::SetUp();
    // The province (root, sites site_ and other_site_) → 南京市总工会 (city_) → 玄武区总工会 (county_);
    // 苏州市总工会 (other_city_) beside Nanjing.
    root_ = db_->query_one("SELECT org_id FROM sites WHERE id = ?", {site_}).value()->integer(0);
    city_ = org("南京市总工会", root_, "city");
    county_ = org("玄武区总工会", city_, "county");
    other_city_ = org("苏州市总工会", root_, "city");
    city_site_ = site(city_, "南京工会");
    county_site_ = site(county_, "玄武工会");
    other_city_site_ = site(other_city_, "苏州工会");
    city_column_ = service_->create_column(cli(), city_site_, std::nullopt, "基层动态").value().id;
    county_column_ = service_->create_column(cli(), county_site_, std::nullopt, "要闻").value().id;
    other_city_column_ = service_->create_column(cli(), other_city_site_, std::nullopt, "要闻").value().id;
    county_editor_ = person(50, "county_editor", {Role::editor}, county_site_);
    county_reviewer_ = person(51, "county_reviewer", {Role::content_reviewer}, county_site_);
    county_secrecy_ = person(52, "county_secrecy", {Role::secrecy_reviewer}, county_site_);
    city_reviewer_ = person(53, "city_reviewer", {Role::content_reviewer}, city_site_);
    city_secrecy_ = person(54, "city_secrecy", {Role::secrecy_reviewer}, city_site_);
    city_operator_ = person(55, "city_operator", {Role::operator_}, city_site_);
  }

  std::int64_t org(const char* name, std::int64_t parent, const char* kind) {
    EXPECT_TRUE(db_->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (?, ?, ?)",
                          {parent, std::string(name), std::string(kind)}));
    return db_->last_insert_id();
  }
  std::int64_t site(std::int64_t org_id, const char* name) {
    EXPECT_TRUE(db_->exec("INSERT INTO sites (org_id, name) VALUES (?, ?)", {org_id, std::string(name)}));
    return db_->last_insert_id();
  }

  // An approved item of the county site.
  std::int64_t county_item(const std::string& title = "玄武区总工会开展职工技能竞赛") {
    ArticleFields f = fields();
    f.title = title;
    const std::int64_t id =
        service_->create_article(as(county_editor_), county_column_, f).value().article.id;
    EXPECT_TRUE(service_->submit(as(county_editor_), id));
    EXPECT_TRUE(service_->approve(as(county_reviewer_), id, Stage::content, {}));
    EXPECT_TRUE(service_->approve(as(county_secrecy_), id, Stage::secrecy, {}));
    return id;
  }

  // The city adopts: both reviews and publication on the city site.
  void adopt(std::int64_t target) {
    ASSERT_TRUE(service_->approve(as(city_reviewer_), target, Stage::content, {}));
    ASSERT_TRUE(service_->approve(as(city_secrecy_), target, Stage::secrecy, {}));
    ASSERT_TRUE(service_->publish(as(city_operator_), target));
  }

  std::int64_t root_ = 0, city_ = 0, county_ = 0, other_city_ = 0;
  std::int64_t city_site_ = 0, county_site_ = 0, other_city_site_ = 0;
  std::int64_t city_column_ = 0, county_column_ = 0, other_city_column_ = 0;
  Principal county_editor_, county_reviewer_, county_secrecy_, city_reviewer_, city_secrecy_, city_operator_;
};

TEST_F(UpwardTest, ASubmissionBecomesASubmittedArticleOnTheParentsSiteLinkedToItsSource) {
  const std::int64_t source = county_item();
  auto up = service_->submit_upward(as(county_editor_), source, city_column_);
  ASSERT_TRUE(up) << up.error().to_string();
  EXPECT_EQ(up->source_org_id, county_);
  EXPECT_EQ(up->target_org_id, city_);
  EXPECT_EQ(up->target_site_id, city_site_);
  EXPECT_EQ(up->submitted_by, "county_editor");
  EXPECT_EQ(audit_.last().action, "content.upward_submit");
  const Article target = article(up->target_article_id);
  EXPECT_EQ(target.site_id, city_site_);
  EXPECT_EQ(target.state, State::submitted);
  EXPECT_EQ(target.author_name, "county_editor");
  const auto v = service_->get_version(Principal::system("t"), target.id, 1).value();
  EXPECT_EQ(v.fields.source, "玄武工会");
  EXPECT_EQ(v.fields.title, "玄武区总工会开展职工技能竞赛");
  // It enters the city's own review queue; the county's reviewers have no say there.
  EXPECT_EQ(service_->review_queue(city_reviewer_, city_site_, Stage::content).value().size(), 1u);
  EXPECT_EQ(service_->approve(as(county_reviewer_), target.id, Stage::content, {}).error().code,
            "identity.forbidden");
  adopt(target.id);
  EXPECT_EQ(article(target.id).published_version, 1);
  EXPECT_EQ(service_->upward_submissions(Principal::system("t"), source).value().size(), 1u);
}

TEST_F(UpwardTest, ASubmissionGoesOnlyUpwardFromAnApprovedItemByAnEditorOfItsSite) {
  const std::int64_t source = county_item();
  // Any ancestor: the province's site too.
  EXPECT_TRUE(service_->submit_upward(as(county_editor_), source, column_));
  // Not sideways, not down, not to itself.
  EXPECT_EQ(service_->submit_upward(as(county_editor_), source, other_city_column_).error().code,
            "content.not_ancestor");
  EXPECT_EQ(service_->submit_upward(as(county_editor_), source, county_column_).error().code,
            "content.not_ancestor");
  const Principal city_editor = person(60, "city_editor", {Role::editor}, city_site_);
  const std::int64_t city_item =
      service_->create_article(as(city_editor), city_column_, fields()).value().article.id;
  EXPECT_EQ(service_->submit_upward(as(city_editor), city_item, county_column_).error().code,
            "content.bad_transition");  // a draft
  // Another unit's editor cannot submit the county's item.
  auto refused = service_->submit_upward(as(city_editor), source, city_column_);
  EXPECT_EQ(refused.error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(service_->submit_upward(as(county_editor_), source, 999999).error().code, "content.not_found");
  EXPECT_EQ(db_->query_one("SELECT COUNT(*) FROM upward_submissions").value()->integer(0), 1);
}

TEST_F(UpwardTest, TheRankingCountsSubmissionsAndAdoptionsPerUnitOfTheSubtreeForThePeriod) {
  // The county: three submissions, two adopted. Nanjing (the city) itself: one to the province, adopted.
  std::vector<std::int64_t> targets;
  for (int i = 0; i < 3; ++i) {
    const std::int64_t source = county_item("条目" + std::to_string(i));
    targets.push_back(
        service_->submit_upward(as(county_editor_), source, city_column_).value().target_article_id);
  }
  adopt(targets[0]);
  adopt(targets[1]);
  ASSERT_TRUE(service_->reject(as(city_reviewer_), targets[2], Stage::content, "与本站栏目无关"));
  const Principal city_editor = person(60, "city_editor", {Role::editor}, city_site_);
  const Principal city_reviewer2 = person(61, "city_reviewer2", {Role::content_reviewer}, city_site_);
  const std::int64_t city_item =
      service_->create_article(as(city_editor), city_column_, fields()).value().article.id;
  ASSERT_TRUE(service_->submit(as(city_editor), city_item));
  ASSERT_TRUE(service_->approve(as(city_reviewer2), city_item, Stage::content, {}));
  ASSERT_TRUE(service_->approve(as(city_secrecy_), city_item, Stage::secrecy, {}));
  const std::int64_t to_province =
      service_->submit_upward(as(city_editor), city_item, column_).value().target_article_id;
  ASSERT_TRUE(service_->approve(as(reviewer_), to_province, Stage::content, {}));
  ASSERT_TRUE(service_->approve(as(secrecy_), to_province, Stage::secrecy, {}));
  ASSERT_TRUE(service_->publish(as(operator_), to_province));

  identity::Grant g;
  g.id = 900;
  g.user_id = 90;
  g.role = Role::content_reviewer;
  g.scope = identity::Scope::org(city_);
  const Principal city_leader = Principal::user(90, "city_leader", {g});
  const TimePoint from = clock_.now() - 24h, to = clock_.now() + 24h;
  auto stats = service_->upward_stats(city_leader, city_, from, to);
  ASSERT_TRUE(stats) << stats.error().to_string();
  ASSERT_EQ(stats->size(), 2u);  // the city and the county, not the province or Suzhou
  EXPECT_EQ((*stats)[0].org_name, "玄武区总工会");
  EXPECT_EQ((*stats)[0].rank, 1);
  EXPECT_EQ((*stats)[0].submitted, 3);
  EXPECT_EQ((*stats)[0].adopted, 2);
  EXPECT_NEAR((*stats)[0].rate, 2.0 / 3.0, 1e-9);
  EXPECT_EQ((*stats)[1].org_name, "南京市总工会");
  EXPECT_EQ((*stats)[1].rank, 2);
  EXPECT_EQ((*stats)[1].submitted, 1);
  EXPECT_EQ((*stats)[1].adopted, 1);

  // Another period: nothing.
  auto later = service_->upward_stats(city_leader, city_, to, to + 24h).value();
  for (const UpwardRow& r : later) EXPECT_EQ(r.submitted, 0) << r.org_name;
  // The whole province: four units, Suzhou with nothing, last.
  auto all = service_->upward_stats(Principal::system("t"), root_, from, to).value();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all.back().submitted, 0);
  // A site-scoped reviewer, or the city's leader for the province, is refused (audited).
  EXPECT_EQ(service_->upward_stats(city_reviewer_, city_, from, to).error().code, "identity.forbidden");
  EXPECT_EQ(service_->upward_stats(city_leader, root_, from, to).error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(audit_.last().action, "content.upward_stats");
}

TEST(UpwardCsv, HasABomCrlfRfc4180QuotingAndNeutralisedFormulas) {
  std::vector<UpwardRow> rows = {{1, 1, "玄武区总工会", 3, 2, 2.0 / 3.0},
                                 {2, 2, "=HYPERLINK(\"http://x\")", 1, 1, 1.0},
                                 {3, 3, "甲,乙\n丙", 0, 0, 0},
                                 {4, 4, "-1+1", 0, 0, 0}};
  const std::string csv = upward_stats_csv(rows);
  EXPECT_TRUE(csv.starts_with("\xEF\xBB\xBF排名,单位,报送数,采用数,采用率\r\n"));
  EXPECT_NE(csv.find("1,玄武区总工会,3,2,66.7%\r\n"), std::string::npos);
  EXPECT_NE(csv.find("2,\"'=HYPERLINK(\"\"http://x\"\")\",1,1,100.0%\r\n"), std::string::npos);
  EXPECT_NE(csv.find("3,\"甲,乙\n丙\",0,0,0.0%\r\n"), std::string::npos);
  EXPECT_NE(csv.find("4,'-1+1,0,0,0.0%\r\n"), std::string::npos);
  UpwardCsvHeader en{"Rank", "Unit", "Submitted", "Adopted", "Rate"};
  EXPECT_TRUE(upward_stats_csv({}, en).ends_with("Rank,Unit,Submitted,Adopted,Rate\r\n"));
}

// ----- staff blogs (N4.4) ----------------------------------------------------------------------------

class BlogTest : public LifecycleTest {
 protected:
  void SetUp() override {
    LifecycleTest::SetUp();
    org_ = db_->query_one("SELECT org_id FROM sites WHERE id = ?", {site_}).value()->integer(0);
    staff_ = user(101, "zhangsan", "张三");
    nameless_ = user(102, "nobody", " ");
    outsider_ = user(103, "outsider", "李四");
    grant(staff_, "editor", "org", org_);
    grant(nameless_, "editor", "site", site_);
    grant(outsider_, "editor", "site", other_site_);
    admin_ = person(70, "site_admin", {Role::site_admin});
  }

  // Ids above the fixture's people (person(1..70)), so no fixture principal is a blog owner by accident.
  std::int64_t user(std::int64_t id, const char* username, const char* real_name) {
    EXPECT_TRUE(
        db_->exec("INSERT INTO users (id, username, real_name, org_id, phone, email, password_hash, "
                  "password_changed_at, created_at) VALUES (?, ?, ?, ?, '', '', 'x', "
                  "'2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                  {id, std::string(username), std::string(real_name), org_}));
    return id;
  }
  void grant(std::int64_t user_id, const char* role, const char* kind, std::int64_t scope) {
    ASSERT_TRUE(
        db_->exec("INSERT INTO role_grants (user_id, role, scope_kind, scope_id, granted_by, granted_at) "
                  "VALUES (?, ?, ?, ?, 'cli:t', '2026-01-01T00:00:00Z')",
                  {user_id, std::string(role), std::string(kind), scope}));
  }
  void enable_blog() {
    ASSERT_TRUE(
        db_->exec("INSERT INTO site_feature_changes (site_id, feature, change, actor, at) "
                  "VALUES (?, 'blog', 'enabled', 'cli:t', '2026-01-01T00:00:00Z')",
                  {site_}));
  }

  std::int64_t org_ = 0, staff_ = 0, nameless_ = 0, outsider_ = 0;
  Principal admin_;
};

TEST_F(BlogTest, ABlogNeedsTheFeatureEnabled) {
  auto refused = service_->create_blog(as(admin_), site_, staff_, "张三的博客");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.feature_disabled");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::failure);
}

TEST_F(BlogTest, ABlogBelongsToStaffWithARealNameAndAGrantOnTheUnit) {
  enable_blog();
  EXPECT_EQ(service_->create_blog(as(admin_), site_, nameless_, "博客").error().code, "content.not_staff");
  EXPECT_EQ(service_->create_blog(as(admin_), site_, outsider_, "博客").error().code, "content.not_staff");
  EXPECT_EQ(service_->create_blog(as(admin_), site_, 99999, "博客").error().code, "content.not_found");
  EXPECT_EQ(service_->create_blog(as(editor_), site_, staff_, "博客").error().code, "identity.forbidden");
  EXPECT_EQ(service_->create_blog(as(admin_), site_, staff_, "").error().code, "content.invalid_field");
  auto blog = service_->create_blog(as(admin_), site_, staff_, "张三的博客");
  ASSERT_TRUE(blog) << blog.error().to_string();
  EXPECT_EQ(blog->owner_real_name, "张三");
  EXPECT_EQ(service_->create_blog(as(admin_), site_, staff_, "第二个").error().code, "content.invalid_field");
  EXPECT_EQ(service_->blogs(admin_, site_).value().size(), 1u);
}

TEST_F(BlogTest, OnlyTheOwnerWritesInABlogAndPostsAreReviewedAsUsual) {
  enable_blog();
  const Blog blog = service_->create_blog(as(admin_), site_, staff_, "张三的博客").value();
  identity::Grant g;
  g.id = 800;
  g.user_id = staff_;
  g.role = Role::editor;
  g.scope = identity::Scope::org(org_);
  const Principal owner = Principal::user(staff_, "zhangsan", {g});
  auto refused = service_->create_article(as(editor_), blog.column_id, fields());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.not_blog_owner");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  auto post = service_->create_article(as(owner), blog.column_id, fields("<p>我的工作日志</p>"));
  ASSERT_TRUE(post) << post.error().to_string();
  EXPECT_EQ(post->article.state, State::draft);
  ASSERT_TRUE(service_->submit(as(owner), post->article.id));
  ASSERT_TRUE(service_->approve(as(reviewer_), post->article.id, Stage::content, {}));
  ASSERT_TRUE(service_->approve(as(secrecy_), post->article.id, Stage::secrecy, {}));
  // The feature switched off: no more posts.
  ASSERT_TRUE(
      db_->exec("INSERT INTO site_feature_changes (site_id, feature, change, actor, at) "
                "VALUES (?, 'blog', 'disabled', 'cli:t', '2026-01-02T00:00:00Z')",
                {site_}));
  EXPECT_EQ(service_->create_article(as(owner), blog.column_id, fields()).error().code,
            "content.feature_disabled");
}

}  // namespace
}  // namespace sw::content
