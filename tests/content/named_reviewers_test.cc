// Specification of the named reviewers (N3.1 "reviewed by the named people", N8.1): the registry's
// current content_review / secrecy_review person or deputy with a linked account decides the stage,
// anyone else is refused naming the duty; with nobody usable named the permission alone decides and
// the review record says so (reviewer_basis, migration 0013). The separation rules still hold.
#include "content/named_reviewers.h"

#include <gtest/gtest.h>

#include "content/articles.h"
#include "content_fixture.h"

namespace sw::content {
namespace {

using identity::Role;

class NamedReviewersTest : public testing::ContentFixture {
 protected:
  void SetUp() override {
    open_world();
    service_ = ContentService::open(*db_, audit_, crypto::suite(crypto::SuiteId::gm), *scanner_, clock_);
    editor_ = person(1, "editor", {Role::editor});
    named_ = person(11, "named", {Role::content_reviewer});
    other_ = person(12, "other", {Role::content_reviewer});
    deputy_ = person(13, "deputy", {Role::content_reviewer});
    secrecy_ = person(14, "secrecy", {Role::secrecy_reviewer});
    both_ = person(15, "both", {Role::content_reviewer, Role::secrecy_reviewer});
    writer_ = person(16, "writer", {Role::editor, Role::content_reviewer});
    for (std::int64_t id : {1, 11, 12, 13, 14, 15, 16}) add_user(id);
    column_ = service_->create_column(cli(), site_, std::nullopt, "工会要闻").value().id;
    audit_.events.clear();
  }

  void add_user(std::int64_t id) {
    ASSERT_TRUE(db_->exec("INSERT INTO users (id, username, real_name, org_id, phone, email, password_hash, "
                          "password_changed_at, created_at) VALUES (?, ?, ?, 1, '13912345678', 'u@example.org', "
                          "'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                          {id, "user" + std::to_string(id), "用户" + std::to_string(id)}));
  }

  // The registry's appointment, as its table holds it (content only reads site_people).
  void name(std::string duty, std::optional<std::int64_t> user_id, std::int64_t site = 0) {
    const store::Value user = user_id ? store::Value{*user_id} : store::Value{std::monostate{}};
    ASSERT_TRUE(db_->exec("INSERT INTO site_people (site_id, duty, name, job_title, phone, user_id, appointed_on, "
                          "recorded_by, recorded_at) VALUES (?, ?, '张审核', '部长', '13912345678', ?, '2026-01-05', "
                          "'t', '2026-01-05T00:00:00Z')",
                          {site ? site : site_, std::move(duty), user}));
  }

  std::int64_t submitted(const Principal& author) {
    auto saved = service_->create_article(as(author), column_, fields());
    EXPECT_TRUE(saved) << saved.error().to_string();
    EXPECT_TRUE(service_->submit(as(author), saved->article.id));
    return saved->article.id;
  }
  std::int64_t submitted() { return submitted(editor_); }

  State state_of(std::int64_t id) { return service_->get_article(Principal::system("t"), id).value().state; }
  std::vector<ReviewRecord> records(std::int64_t id) {
    return service_->review_records(Principal::system("t"), id).value();
  }

  std::int64_t column_ = 0;
  Principal editor_, named_, other_, deputy_, secrecy_, both_, writer_;
};

TEST_F(NamedReviewersTest, TheNamedReviewerDecidesAndTheRecordSaysNamed) {
  name("content_review", 11);
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(named_), id, Stage::content, {}));
  EXPECT_EQ(state_of(id), State::content_approved);
  EXPECT_EQ(records(id).back().reviewer_basis, "named");
  EXPECT_EQ(audit_.last().details["reviewer_basis"], "named");
}

TEST_F(NamedReviewersTest, AnotherReviewerWithThePermissionIsRefusedNamingTheDuty) {
  name("content_review", 11);
  const std::int64_t id = submitted();
  auto refused = service_->approve(as(other_), id, Stage::content, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.not_named_reviewer");
  EXPECT_NE(refused.error().message.find("content_review"), std::string::npos) << refused.error().message;
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(audit_.last().details["reason"], "content.not_named_reviewer");
  auto rejected = service_->reject(as(other_), id, Stage::content, "不合适");
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().code, "content.not_named_reviewer");
  EXPECT_EQ(state_of(id), State::submitted);
  EXPECT_TRUE(records(id).empty());
}

TEST_F(NamedReviewersTest, TheMachineOperatorIsRefusedWhenAReviewerIsNamed) {
  name("content_review", 11);
  const std::int64_t id = submitted();
  auto refused = service_->approve(cli(), id, Stage::content, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.not_named_reviewer");
}

TEST_F(NamedReviewersTest, TheDeputyMayDecideTheStageToo) {
  name("content_review", 11);
  name("content_review_deputy", 13);
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->reject(as(deputy_), id, Stage::content, "请补充来源"));
  EXPECT_EQ(records(id).back().reviewer_basis, "named");
  EXPECT_EQ(state_of(id), State::draft);
}

TEST_F(NamedReviewersTest, ADeputyAloneWithAnAccountIsTheNamedReviewer) {
  name("content_review", std::nullopt);
  name("content_review_deputy", 13);
  const std::int64_t id = submitted();
  EXPECT_EQ(service_->approve(as(other_), id, Stage::content, {}).error().code, "content.not_named_reviewer");
  ASSERT_TRUE(service_->approve(as(deputy_), id, Stage::content, {}));
}

TEST_F(NamedReviewersTest, WithNobodyNamedThePermissionDecidesAndTheRecordSaysSo) {
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(other_), id, Stage::content, {}));
  EXPECT_EQ(records(id).back().reviewer_basis, "no_named_reviewer");
  EXPECT_EQ(audit_.last().details["reviewer_basis"], "no_named_reviewer");
}

TEST_F(NamedReviewersTest, ANamedPersonWithoutAnAccountFallsBackToThePermissionAndIsRecorded) {
  name("content_review", std::nullopt);
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(other_), id, Stage::content, {}));
  EXPECT_EQ(records(id).back().reviewer_basis, "named_not_linked");
}

TEST_F(NamedReviewersTest, AnEndedAppointmentNoLongerNamesTheReviewer) {
  name("content_review", 11);
  ASSERT_TRUE(db_->exec("UPDATE site_people SET ended_at = '2026-02-01T00:00:00Z', ended_by = 't'"));
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(other_), id, Stage::content, {}));
  EXPECT_EQ(records(id).back().reviewer_basis, "no_named_reviewer");
}

TEST_F(NamedReviewersTest, AReviewerNamedOnAnotherSiteDoesNotCountHere) {
  name("content_review", 11, other_site_);
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(other_), id, Stage::content, {}));
  EXPECT_EQ(records(id).back().reviewer_basis, "no_named_reviewer");
}

TEST_F(NamedReviewersTest, TheNamedReviewerStillCannotReviewTheirOwnArticle) {  // N3.1
  name("content_review", 16);
  const std::int64_t id = submitted(writer_);
  auto refused = service_->approve(as(writer_), id, Stage::content, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.separation_of_duties");
}

TEST_F(NamedReviewersTest, TheNamedReviewerStillNeedsThePermission) {
  name("content_review", 1);  // the editor, who has no content.review
  const std::int64_t id = submitted(person(2, "editor2", {Role::editor}));
  auto refused = service_->approve(as(editor_), id, Stage::content, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "identity.forbidden");
}

TEST_F(NamedReviewersTest, OnePersonNamedForBothStagesStillCannotApproveBoth) {  // N3.1
  name("content_review", 15);
  name("secrecy_review", 15);
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(both_), id, Stage::content, {}));
  auto refused = service_->approve(as(both_), id, Stage::secrecy, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.same_reviewer");
}

TEST_F(NamedReviewersTest, TheSecrecyStageHasItsOwnNamedReviewer) {
  name("content_review", 11);
  name("secrecy_review", 14);
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(named_), id, Stage::content, {}));
  EXPECT_EQ(service_->approve(as(both_), id, Stage::secrecy, {}).error().code, "content.not_named_reviewer");
  ASSERT_TRUE(service_->approve(as(secrecy_), id, Stage::secrecy, {}));
  EXPECT_EQ(state_of(id), State::approved);
}

TEST_F(NamedReviewersTest, TheBasisIsPartOfTheChainedRecord) {  // N3.1: tamper-evident
  name("content_review", 11);
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(named_), id, Stage::content, {}));
  const Principal auditor = person(20, "auditor", {Role::audit_admin});
  EXPECT_TRUE(service_->verify_review_records(auditor, site_).value().ok);
  ASSERT_TRUE(db_->exec("DROP TRIGGER review_records_no_update"));
  ASSERT_TRUE(db_->exec("UPDATE review_records SET reviewer_basis = 'no_named_reviewer'"));
  EXPECT_FALSE(service_->verify_review_records(auditor, site_).value().ok);
}

TEST_F(NamedReviewersTest, AWithdrawalIsDecidedByTheNamedReviewerToo) {  // N3.1, N8.1
  const std::int64_t id = submitted();
  ASSERT_TRUE(service_->approve(as(other_), id, Stage::content, {}));
  ASSERT_TRUE(service_->approve(as(secrecy_), id, Stage::secrecy, {}));
  const Principal operator_ = person(17, "operator", {Role::operator_});
  add_user(17);
  ASSERT_TRUE(service_->publish(as(operator_), id));
  name("content_review", 11);  // named after publication: the withdrawal is decided by them
  ASSERT_TRUE(service_->request_withdrawal(as(editor_), id, "信息已过时", false));
  auto refused = service_->decide_withdrawal(as(other_), id, true, "");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.not_named_reviewer");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  ASSERT_TRUE(service_->decide_withdrawal(as(named_), id, true, ""));
  EXPECT_EQ(audit_.last().details["reviewer_basis"], "named");
  EXPECT_EQ(state_of(id), State::withdrawn);
}

TEST(NamedReviewerBasis, FollowsWhoIsNamed) {
  NamedReviewers none;
  EXPECT_EQ(none.basis(), kBasisNoneNamed);
  NamedReviewers unlinked{{}, {"content_review"}};
  EXPECT_EQ(unlinked.basis(), kBasisNotLinked);
  NamedReviewers linked{{7}, {"content_review"}};
  EXPECT_EQ(linked.basis(), kBasisNamed);
  EXPECT_EQ(duty_of(Stage::secrecy), "secrecy_review");
  EXPECT_EQ(duty_deputy_of(Stage::content), "content_review_deputy");
}

}  // namespace
}  // namespace sw::content
