// Specification of ContentService: articles and versions, the two-stage review by named people
// (N3.1), scanning at submission and findings that block approval (N3.2), reprint records (N3.5),
// the permanent hash-chained review archive (N3.1), one audit event per mutating call.
#include "content/articles.h"

#include <gtest/gtest.h>

#include <sstream>

#include "content_fixture.h"

namespace sw::content {
namespace {

using identity::Role;

class ContentTest : public testing::ContentFixture {
 protected:
  void SetUp() override {
    open_world();
    service_ = ContentService::open(*db_, audit_, crypto::suite(crypto::SuiteId::gm), *scanner_, clock_);
    editor_ = person(1, "editor", {Role::editor});
    editor2_ = person(2, "editor2", {Role::editor});
    reviewer_ = person(3, "reviewer", {Role::content_reviewer});
    secrecy_ = person(4, "secrecy", {Role::secrecy_reviewer});
    both_ = person(5, "both", {Role::content_reviewer, Role::secrecy_reviewer});
    writer_reviewer_ = person(6, "writer_reviewer", {Role::editor, Role::content_reviewer});
    operator_ = person(7, "operator", {Role::operator_});
    auditor_ = person(8, "auditor", {Role::audit_admin});
    other_reviewer_ = person(9, "other_reviewer", {Role::content_reviewer}, other_site_);
    column_ = service_->create_column(cli(), site_, std::nullopt, "工会要闻").value().id;
    other_column_ = service_->create_column(cli(), other_site_, std::nullopt, "要闻").value().id;
    audit_.events.clear();
  }

  std::int64_t draft(const Principal& author, std::string body = "<p>全省工会系统召开会议。</p>",
                     std::int64_t column = 0) {
    auto saved = service_->create_article(as(author), column ? column : column_, fields(std::move(body)));
    EXPECT_TRUE(saved) << saved.error().to_string();
    return saved ? saved->article.id : 0;
  }

  std::int64_t submitted(std::string body = "<p>全省工会系统召开会议。</p>") {
    const std::int64_t id = draft(editor_, std::move(body));
    EXPECT_TRUE(service_->submit(as(editor_), id));
    return id;
  }

  State state_of(std::int64_t id) { return service_->get_article(Principal::system("t"), id).value().state; }
  std::vector<ReviewRecord> records(std::int64_t id) {
    return service_->review_records(Principal::system("t"), id).value();
  }

  std::int64_t column_ = 0, other_column_ = 0;
  Principal editor_, editor2_, reviewer_, secrecy_, both_, writer_reviewer_, operator_, auditor_, other_reviewer_;
};

TEST_F(ContentTest, MigrationCreatesTheTablesAndTheArchiveRefusesRewrites) {
  for (const char* table :
       {"columns", "articles", "article_versions", "article_scans", "site_review_settings", "review_records"}) {
    EXPECT_TRUE(db_->query(std::string("SELECT COUNT(*) FROM ") + table)) << table;
  }
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  EXPECT_FALSE(db_->exec("UPDATE review_records SET reason = 'x'"));
  EXPECT_FALSE(db_->exec("DELETE FROM review_records"));
  EXPECT_FALSE(db_->exec("UPDATE article_versions SET title = 'x'"));
  EXPECT_FALSE(db_->exec("DELETE FROM articles"));
}

TEST_F(ContentTest, TheFullWorkflowEndsPublishedWithTwoRecordsAndOneAuditEventPerCall) {
  const std::int64_t id = draft(editor_);
  EXPECT_EQ(state_of(id), State::draft);
  auto scan = service_->submit(as(editor_), id);
  ASSERT_TRUE(scan) << scan.error().to_string();
  EXPECT_EQ(state_of(id), State::submitted);
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  EXPECT_EQ(state_of(id), State::content_approved);
  ASSERT_TRUE(service_->approve(as(secrecy_), id, Stage::secrecy, {}));
  EXPECT_EQ(state_of(id), State::approved);
  ASSERT_TRUE(service_->publish(as(operator_), id));
  EXPECT_EQ(state_of(id), State::published);

  const auto r = records(id);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].stage, "content");
  EXPECT_EQ(r[0].decision, "approved");
  EXPECT_EQ(r[0].actor_name, "reviewer");
  EXPECT_EQ(r[0].role, "content_reviewer");
  EXPECT_EQ(r[1].stage, "secrecy");
  EXPECT_EQ(r[1].role, "secrecy_reviewer");
  EXPECT_EQ(r[0].version_hash, service_->get_version(Principal::system("t"), id, 1).value().content_hash);
  EXPECT_EQ(r[1].prev_hash, r[0].hash);
  ASSERT_EQ(audit_.events.size(), 5u);
  for (const auto& e : audit_.events) EXPECT_EQ(e.outcome, audit::Outcome::success) << e.action;
  EXPECT_EQ(audit_.with_action("content.approve").size(), 2u);
  EXPECT_EQ(audit_.last().action, "content.publish");
}

TEST_F(ContentTest, TheBodyIsSanitisedOnSave) {
  auto saved = service_->create_article(as(editor_), column_, fields("<p onclick=\"x()\">正文</p><script>bad()</script>"));
  ASSERT_TRUE(saved) << saved.error().to_string();
  EXPECT_FALSE(saved->removed.empty());
  const auto v = service_->get_version(Principal::system("t"), saved->article.id, 1).value();
  EXPECT_EQ(v.fields.body_html, "<p>正文</p>");
}

TEST_F(ContentTest, ARefusedTransitionIsAFailureNamingIt) {
  const std::int64_t id = draft(editor_);
  auto refused = service_->approve(as(secrecy_), id, Stage::secrecy, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.bad_transition");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::failure);
  EXPECT_FALSE(service_->publish(as(operator_), id));
  ASSERT_TRUE(service_->submit(as(editor_), id));
  EXPECT_EQ(service_->approve(as(secrecy_), id, Stage::content, {}).error().code, "identity.forbidden");
  EXPECT_EQ(service_->approve(as(both_), id, Stage::secrecy, {}).error().code, "content.bad_transition");
  EXPECT_EQ(service_->reject(as(both_), id, Stage::secrecy, "不妥").error().code, "content.bad_transition");
}

TEST_F(ContentTest, TheAuthorCannotReviewTheirOwnArticle) {  // N3.1
  const std::int64_t id = draft(writer_reviewer_);
  ASSERT_TRUE(service_->submit(as(writer_reviewer_), id));
  auto refused = service_->approve(as(writer_reviewer_), id, Stage::content, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.separation_of_duties");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(audit_.last().details["reason"], "content.separation_of_duties");
  EXPECT_EQ(service_->reject(as(writer_reviewer_), id, Stage::content, "自审").error().code,
            "content.separation_of_duties");
  EXPECT_EQ(state_of(id), State::submitted);
  EXPECT_TRUE(records(id).empty());
}

TEST_F(ContentTest, WhoeverSavedTheVersionCannotReviewIt) {
  const std::int64_t id = draft(editor_);
  ASSERT_TRUE(service_->edit(as(writer_reviewer_), id, fields("<p>改过的正文</p>")));
  ASSERT_TRUE(service_->submit(as(editor_), id));
  EXPECT_EQ(service_->approve(as(writer_reviewer_), id, Stage::content, {}).error().code,
            "content.separation_of_duties");
}

TEST_F(ContentTest, OnePersonCannotApproveBothStagesUnlessTheSiteAllowsItAndThenItIsRecorded) {
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(both_), id, Stage::content, {}));
  auto refused = service_->approve(as(both_), id, Stage::secrecy, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.same_reviewer");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);

  const Principal admin = person(10, "site_admin", {Role::site_admin});
  ASSERT_TRUE(service_->set_review_settings(as(admin), site_, true));
  EXPECT_EQ(audit_.last().action, "content.review_settings");
  EXPECT_EQ(audit_.last().details["same_person_both_stages"], true);
  ASSERT_TRUE(service_->approve(as(both_), id, Stage::secrecy, {}));
  EXPECT_EQ(audit_.last().details["same_person"], true);
  const auto r = records(id);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_FALSE(r[0].same_person);
  EXPECT_TRUE(r[1].same_person);
  EXPECT_EQ(state_of(id), State::approved);
}

TEST_F(ContentTest, AnEditAfterAReviewResetsItAndRecordsTheReset) {
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  auto saved = service_->edit(as(editor_), id, fields("<p>审核后又改了正文。</p>"));
  ASSERT_TRUE(saved) << saved.error().to_string();
  EXPECT_EQ(saved->article.state, State::draft);
  EXPECT_EQ(saved->article.current_version, 2);
  const auto r = records(id);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].decision, "reset");
  EXPECT_EQ(r[1].version_n, 1);
  EXPECT_EQ(r[1].actor_name, "editor");
  EXPECT_EQ(service_->approve(as(secrecy_), id, Stage::secrecy, {}).error().code, "content.bad_transition");
  // The new version goes through both stages again.
  ASSERT_TRUE(service_->submit(as(editor_), id));
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  EXPECT_EQ(records(id).back().version_n, 2);
}

TEST_F(ContentTest, AnEditOfADraftRecordsNoReset) {
  const std::int64_t id = draft(editor_);
  ASSERT_TRUE(service_->edit(as(editor_), id, fields("<p>第二稿</p>")));
  EXPECT_TRUE(records(id).empty());
}

TEST_F(ContentTest, AHighFindingBlocksApprovalWithoutAJustification) {  // N3.2
  const std::int64_t id = draft(editor_, "<p>本文件属绝密级，不得外传。</p>");
  auto scan = service_->submit(as(editor_), id);
  ASSERT_TRUE(scan) << scan.error().to_string();
  EXPECT_GE(scan->highest, review::Severity::high);
  ASSERT_FALSE(scan->findings.empty());

  auto blocked = service_->approve(as(reviewer_), id, Stage::content, {});
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code, "content.findings_block");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::failure);
  EXPECT_EQ(state_of(id), State::submitted);

  ReviewInput justified;
  justified.justification = "“绝密”一词出现在公开报道的引文中，经核实不涉密";
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, justified));
  const auto r = records(id);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].justification, justified.justification);
  EXPECT_NE(r[0].findings_json.find("绝密"), std::string::npos);
  // The secrecy reviewer sees the same finding and must justify too.
  EXPECT_EQ(service_->approve(as(secrecy_), id, Stage::secrecy, {}).error().code, "content.findings_block");
}

TEST_F(ContentTest, AResidentIdNumberInTheBodyIsAFindingReviewersSee) {
  const std::int64_t id = draft(editor_, "<p>联系人身份证号11010519491231002X。</p>");
  auto scan = service_->submit(as(editor_), id);
  ASSERT_TRUE(scan);
  EXPECT_FALSE(scan->findings.empty());
  auto queue = service_->review_queue(reviewer_, site_, Stage::content);
  ASSERT_TRUE(queue) << queue.error().to_string();
  ASSERT_EQ(queue->size(), 1u);
  EXPECT_EQ((*queue)[0].article.id, id);
  EXPECT_EQ((*queue)[0].highest, scan->highest);
  EXPECT_GT((*queue)[0].findings, 0u);
}

TEST_F(ContentTest, RejectionNeedsAReasonAndReturnsTheArticleToDraft) {
  const std::int64_t id = submitted();
  EXPECT_EQ(service_->reject(as(reviewer_), id, Stage::content, "").error().code, "content.reason_required");
  ASSERT_TRUE(service_->reject(as(reviewer_), id, Stage::content, "标题有误"));
  EXPECT_EQ(state_of(id), State::draft);
  const auto r = records(id);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].decision, "rejected");
  EXPECT_EQ(r[0].reason, "标题有误");
}

TEST_F(ContentTest, AReprintNeedsItsSourceAuthorAndUrlAndTheReviewersJudgement) {  // N3.5
  ArticleFields f = fields();
  f.original_author = "张三";
  auto missing = service_->create_article(as(editor_), column_, f, true);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "content.reprint_missing");
  EXPECT_NE(missing.error().message.find("original_url"), std::string::npos);
  f.original_url = "https://www.acftu.org/news/1.html";
  auto saved = service_->create_article(as(editor_), column_, f, true);
  ASSERT_TRUE(saved) << saved.error().to_string();
  ASSERT_TRUE(service_->submit(as(editor_), saved->article.id));

  ReviewInput input;
  input.reprint.relevance = "与工会工作相关";
  auto refused = service_->approve(as(reviewer_), saved->article.id, Stage::content, input);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.reprint_judgement_missing");
  EXPECT_NE(refused.error().message.find("authenticity"), std::string::npos);
  input.reprint.authenticity = "已核对原文";
  input.reprint.copyright = "已获授权转载";
  ASSERT_TRUE(service_->approve(as(reviewer_), saved->article.id, Stage::content, input));
  const auto r = records(saved->article.id);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].reprint.copyright, "已获授权转载");
}

TEST_F(ContentTest, TheReviewArchiveSurvivesArticleDeletion) {  // N3.1
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  ASSERT_TRUE(service_->delete_article(as(editor_), id));
  EXPECT_EQ(audit_.last().action, "content.delete");
  EXPECT_TRUE(service_->get_article(Principal::system("t"), id).value().deleted_at);
  EXPECT_EQ(service_->approve(as(secrecy_), id, Stage::secrecy, {}).error().code, "content.not_found");
  EXPECT_EQ(records(id).size(), 1u);
  EXPECT_TRUE(service_->verify_review_records(auditor_, site_).value().ok);
  EXPECT_TRUE(service_->review_queue(secrecy_, site_, Stage::secrecy).value().empty());
}

TEST_F(ContentTest, EditingARecordInTheDatabaseIsDetectedAtItsSeq) {
  for (int i = 0; i < 3; ++i) {
    const std::int64_t id = submitted();
    ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  }
  auto report = service_->verify_review_records(auditor_, site_);
  ASSERT_TRUE(report) << report.error().to_string();
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->records_checked, 3);

  ASSERT_TRUE(db_->exec("DROP TRIGGER review_records_no_update"));
  ASSERT_TRUE(db_->exec("UPDATE review_records SET decision = 'rejected' WHERE seq = 2"));
  report = service_->verify_review_records(auditor_, site_);
  ASSERT_TRUE(report);
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_seq, 2);
}

TEST_F(ContentTest, DeletingARecordInTheDatabaseIsDetectedAtTheNextSeq) {
  for (int i = 0; i < 3; ++i) {
    const std::int64_t id = submitted();
    ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  }
  ASSERT_TRUE(db_->exec("DROP TRIGGER review_records_no_delete"));
  ASSERT_TRUE(db_->exec("DELETE FROM review_records WHERE seq = 2"));
  const auto report = service_->verify_review_records(auditor_, site_).value();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3);
}

TEST_F(ContentTest, AReviewerOfOneSiteCannotReviewAnotherSitesArticle) {
  const std::int64_t id = submitted();
  auto refused = service_->approve(as(other_reviewer_), id, Stage::content, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(audit_.last().site_id, site_);
  EXPECT_FALSE(service_->review_queue(other_reviewer_, site_, Stage::content));
  EXPECT_FALSE(service_->create_article(as(editor_), other_column_, fields()));
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
}

TEST_F(ContentTest, RecordsOfEachSiteChainSeparately) {
  const Principal other_editor = person(11, "other_editor", {Role::editor}, other_site_);
  const std::int64_t a = submitted();
  const std::int64_t b = draft(other_editor, "<p>南京</p>", other_column_);
  ASSERT_TRUE(service_->submit(as(other_editor), b));
  ASSERT_TRUE(service_->approve(as(reviewer_), a, Stage::content, {}));
  ASSERT_TRUE(service_->approve(as(other_reviewer_), b, Stage::content, {}));
  EXPECT_EQ(records(b)[0].prev_hash, std::string(64, '0'));
  EXPECT_TRUE(service_->verify_review_records(Principal::system("t"), other_site_).value().ok);
}

TEST_F(ContentTest, ExportGivesTheSitesRecordsOfAPeriodAsJsonLines) {
  const std::int64_t id = submitted();
  const TimePoint t0 = clock_.now();
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  clock_.advance(std::chrono::hours(48));
  const TimePoint t1 = clock_.now();
  ASSERT_TRUE(service_->approve(as(secrecy_), id, Stage::secrecy, {}));

  EXPECT_EQ(service_->export_review_records(editor_, site_, t0, t1).error().code, "identity.forbidden");
  auto first_day = service_->export_review_records(auditor_, site_, t0, t0 + std::chrono::hours(24));
  ASSERT_TRUE(first_day) << first_day.error().to_string();
  std::istringstream lines(*first_day);
  std::string line;
  std::vector<nlohmann::json> rows;
  while (std::getline(lines, line)) rows.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["stage"], "content");
  EXPECT_EQ(rows[0]["actor_name"], "reviewer");
  EXPECT_TRUE(rows[0]["findings"].is_array());
  EXPECT_EQ(audit_.last().action, "content.records_export");

  auto all = service_->export_review_records(auditor_, site_, t0, t1).value();
  EXPECT_EQ(std::count(all.begin(), all.end(), '\n'), 2);
  EXPECT_EQ(service_->export_review_records(auditor_, other_site_, t0, t1).error().code, "identity.forbidden");
  EXPECT_TRUE(service_->export_review_records(Principal::system("t"), other_site_, t0, t1).value().empty());
}

TEST_F(ContentTest, PublishingNeedsSiteOperate) {
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(reviewer_), id, Stage::content, {}));
  ASSERT_TRUE(service_->approve(as(secrecy_), id, Stage::secrecy, {}));
  EXPECT_EQ(service_->publish(as(editor_), id).error().code, "identity.forbidden");
  EXPECT_TRUE(service_->publish(as(operator_), id));
}

}  // namespace
}  // namespace sw::content
