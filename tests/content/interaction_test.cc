// Specification of InteractionService: public messages moderated before they appear (N4.3), forum
// posts only with the forum approved and enabled (N4.5), replies by two people, the rate limit per IP
// and the reply deadlines a government-site inspection checks.
#include "content/interaction.h"

#include <gtest/gtest.h>

#include "content_fixture.h"

namespace sw::content {
namespace {

using identity::Role;
using namespace std::chrono_literals;

class InteractionTest : public testing::ContentFixture {
 protected:
  void SetUp() override {
    open_world();
    open_service({});
    editor_ = person(1, "editor", {Role::editor});
    editor2_ = person(2, "editor2", {Role::editor});
    reviewer_ = person(3, "reviewer", {Role::content_reviewer});
    writer_reviewer_ = person(4, "writer_reviewer", {Role::editor, Role::content_reviewer});
    other_reviewer_ = person(5, "other_reviewer", {Role::content_reviewer}, other_site_);
    root_ = db_->query_one("SELECT org_id FROM sites WHERE id = ?", {site_}).value()->integer(0);
  }

  void open_service(InteractionOptions options) {
    interaction_ = InteractionService::open(*db_, audit_, *scanner_, clock_, options);
  }

  void feature(std::int64_t site, const char* name, const char* change) {
    ASSERT_TRUE(
        db_->exec("INSERT INTO site_feature_changes (site_id, feature, change, actor, at) "
                  "VALUES (?, ?, ?, 'cli:t', '2026-01-01T00:00:00Z')",
                  {site, std::string(name), std::string(change)}));
  }

  static PublicSubmission message(std::string text = "请问今年职工疗休养什么时候报名？") {
    PublicSubmission s;
    s.kind = InteractionKind::consultation;
    s.name = "王女士";
    s.phone = "138 1234 5678";
    s.text = std::move(text);
    return s;
  }

  std::int64_t approved_item(std::string ip = "198.51.100.1") {
    auto id = interaction_->submit(site_, message(), ip);
    EXPECT_TRUE(id) << id.error().to_string();
    EXPECT_TRUE(interaction_->moderate(as(reviewer_), *id, true, ""));
    return *id;
  }

  std::unique_ptr<InteractionService> interaction_;
  Principal editor_, editor2_, reviewer_, writer_reviewer_, other_reviewer_;
  std::int64_t root_ = 0;
};

TEST_F(InteractionTest, SubmissionsNeedTheInteractionFeatureEnabled) {
  auto refused = interaction_->submit(site_, message(), "198.51.100.1");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, "content.feature_disabled");
  feature(site_, "interaction", "enabled");
  EXPECT_TRUE(interaction_->submit(site_, message(), "198.51.100.1"));
  feature(site_, "interaction", "disabled");  // the newest change counts
  EXPECT_EQ(interaction_->submit(site_, message(), "198.51.100.1").error().code, "content.feature_disabled");
  EXPECT_EQ(interaction_->submit(999, message(), "198.51.100.1").error().code, "content.unknown_site");
}

TEST_F(InteractionTest, AMessageAppearsOnlyAfterApprovalByAReviewerOfItsSite) {
  feature(site_, "interaction", "enabled");
  const std::int64_t id = interaction_->submit(site_, message(), "198.51.100.1").value();
  EXPECT_EQ(audit_.last().action, "interaction.submit");
  EXPECT_EQ(audit_.last().actor, "public");
  EXPECT_TRUE(interaction_->published(site_, InteractionKind::consultation).value().empty());
  ASSERT_EQ(interaction_->queue(reviewer_, site_).value().size(), 1u);
  EXPECT_EQ(interaction_->queue(other_reviewer_, site_).error().code, "identity.forbidden");
  EXPECT_EQ(interaction_->moderate(as(other_reviewer_), id, true, "").error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(interaction_->moderate(as(editor_), id, true, "").error().code, "identity.forbidden");
  ASSERT_TRUE(interaction_->moderate(as(reviewer_), id, true, ""));
  EXPECT_EQ(audit_.last().action, "interaction.moderate");
  const auto shown = interaction_->published(site_, InteractionKind::consultation).value();
  ASSERT_EQ(shown.size(), 1u);
  EXPECT_EQ(shown[0].name, "王女士");
  EXPECT_TRUE(shown[0].phone.empty());  // never shown to the public
  EXPECT_TRUE(shown[0].client_ip.empty());
  EXPECT_EQ(interaction_->moderate(as(reviewer_), id, false, "x").error().code, "content.bad_state");
}

TEST_F(InteractionTest, ARejectionNeedsAReasonAndAHighFindingNeedsOneToApprove) {
  feature(site_, "interaction", "enabled");
  const std::int64_t plain = interaction_->submit(site_, message(), "198.51.100.1").value();
  EXPECT_EQ(interaction_->moderate(as(reviewer_), plain, false, "").error().code, "content.reason_required");
  ASSERT_TRUE(interaction_->moderate(as(reviewer_), plain, false, "与工会工作无关"));
  const std::int64_t secret =
      interaction_->submit(site_, message("这份绝密级文件我也有一份"), "198.51.100.2").value();
  const auto queued = interaction_->queue(reviewer_, site_).value();
  ASSERT_EQ(queued.size(), 1u);
  EXPECT_GE(queued[0].highest, review::Severity::high);
  EXPECT_NE(queued[0].findings_json.find("绝密"), std::string::npos);
  EXPECT_EQ(interaction_->moderate(as(reviewer_), secret, true, "").error().code, "content.findings_block");
  EXPECT_TRUE(interaction_->moderate(as(reviewer_), secret, false, "涉密内容，不予公开"));
}

TEST_F(InteractionTest, BadInputIsRefusedNamingTheField) {
  feature(site_, "interaction", "enabled");
  auto expect_field = [&](PublicSubmission s, const std::string& ip, const std::string& field) {
    auto r = interaction_->submit(site_, s, ip);
    ASSERT_FALSE(r) << field;
    EXPECT_EQ(r.error().code, "content.invalid_field") << field;
    EXPECT_NE(r.error().message.find(field), std::string::npos) << r.error().message;
  };
  PublicSubmission s = message();
  s.name = "";
  expect_field(s, "198.51.100.1", "name");
  s = message();
  s.name = "王\n女士";
  expect_field(s, "198.51.100.1", "name");
  s = message();
  s.phone = "12345";
  expect_field(s, "198.51.100.1", "phone");
  s = message();
  s.text = std::string(5001, 'x');
  expect_field(s, "198.51.100.1", "text");
  s = message();
  s.text = "  ";
  expect_field(s, "198.51.100.1", "text");
  expect_field(message(), "not-an-ip", "client_ip");
  EXPECT_EQ(db_->query_one("SELECT COUNT(*) FROM interaction_items").value()->integer(0), 0);
}

TEST(Phone, MainlandMobilesAndLandlinesOnly) {
  for (const char* good : {"", "13812345678", "+86 138-1234-5678", "025-83456789", "0512 6512 3456"}) {
    EXPECT_TRUE(valid_phone(good)) << good;
  }
  for (const char* bad :
       {"12812345678", "1381234567", "+1 415 555 0100", "abc", "83456789", "138123456789", "00-12345678"}) {
    EXPECT_FALSE(valid_phone(bad)) << bad;
  }
}

TEST_F(InteractionTest, ForumPostsOnlyWithTheForumEnabledAndModeratedLikeMessages) {
  feature(site_, "interaction", "enabled");
  PublicSubmission post = message("大家觉得今年的职工运动会怎么样？");
  post.kind = InteractionKind::forum;
  post.phone.clear();
  EXPECT_EQ(interaction_->submit(site_, post, "198.51.100.1").error().code, "content.feature_disabled");
  feature(site_, "forum", "enabled");  // the registry records it only with an approval (N4.5)
  const std::int64_t id = interaction_->submit(site_, post, "198.51.100.1").value();
  EXPECT_TRUE(interaction_->published(site_, InteractionKind::forum).value().empty());
  ASSERT_TRUE(interaction_->moderate(as(reviewer_), id, true, ""));
  EXPECT_EQ(interaction_->published(site_, InteractionKind::forum).value().size(), 1u);
  EXPECT_EQ(interaction_->write_reply(as(editor_), id, "官方回复").error().code, "content.bad_state");
}

TEST_F(InteractionTest, AReplyIsWrittenByOnePersonAndApprovedByAnother) {
  feature(site_, "interaction", "enabled");
  const std::int64_t pending = interaction_->submit(site_, message(), "198.51.100.9").value();
  EXPECT_EQ(interaction_->write_reply(as(editor_), pending, "答复").error().code, "content.bad_state");
  const std::int64_t id = approved_item();
  EXPECT_EQ(interaction_->write_reply(as(reviewer_), id, "答复").error().code, "identity.forbidden");
  EXPECT_EQ(interaction_->write_reply(as(editor_), id, "").error().code, "content.invalid_field");
  const std::int64_t reply =
      interaction_->write_reply(as(writer_reviewer_), id, "报名时间为每年三月。").value();
  EXPECT_EQ(interaction_->write_reply(as(editor2_), id, "另一份答复").error().code, "content.bad_state");
  auto self = interaction_->review_reply(as(writer_reviewer_), reply, true, "");
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error().code, "content.separation_of_duties");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);
  EXPECT_EQ(interaction_->review_reply(as(other_reviewer_), reply, true, "").error().code,
            "identity.forbidden");
  EXPECT_FALSE(interaction_->published(site_, InteractionKind::consultation).value().at(0).reply);
  ASSERT_TRUE(interaction_->review_reply(as(reviewer_), reply, true, ""));
  EXPECT_EQ(audit_.last().action, "interaction.reply_review");
  const auto shown = interaction_->published(site_, InteractionKind::consultation).value();
  ASSERT_TRUE(shown.at(0).reply);
  EXPECT_EQ(shown[0].reply->body, "报名时间为每年三月。");
  EXPECT_EQ(interaction_->review_reply(as(reviewer_), reply, false, "x").error().code, "content.bad_state");
  EXPECT_EQ(interaction_->replies(editor_, id).value().size(), 1u);
}

TEST_F(InteractionTest, SubmissionsAreRateLimitedPerIpInABoundedTable) {
  InteractionOptions o;
  o.per_ip_limit = 3;
  o.max_tracked_ips = 2;
  open_service(o);
  feature(site_, "interaction", "enabled");
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(interaction_->submit(site_, message(), "198.51.100.1"));
  const std::size_t events = audit_.events.size();
  EXPECT_EQ(interaction_->submit(site_, message(), "198.51.100.1").error().code, "content.rate_limited");
  EXPECT_EQ(interaction_->rate_limited(), 1);
  EXPECT_EQ(audit_.events.size(), events);  // counted, not audited line by line
  EXPECT_TRUE(interaction_->submit(site_, message(), "2001:db8::1"));
  EXPECT_TRUE(interaction_->submit(site_, message(), "198.51.100.3"));  // a third IP: the table stays at 2
  clock_.advance(2h);
  EXPECT_TRUE(interaction_->submit(site_, message(), "198.51.100.1"));  // the window has passed
}

TEST_F(InteractionTest, DeadlinesWarnAt15DaysEscalateAt30AndFlagThreeMonthsUnanswered) {
  feature(site_, "interaction", "enabled");
  feature(other_site_, "interaction", "enabled");
  feature(site_, "forum", "enabled");
  const TimePoint start = clock_.now();
  auto submit_at = [&](std::chrono::days ago, std::int64_t site,
                       InteractionKind kind = InteractionKind::message) {
    clock_.set(start - ago);
    PublicSubmission s = message();
    s.kind = kind;
    return interaction_->submit(site, s, "198.51.100." + std::to_string(ago.count() % 250)).value();
  };
  const std::int64_t fresh = submit_at(std::chrono::days{10}, site_);
  const std::int64_t warn = submit_at(std::chrono::days{16}, site_);
  const std::int64_t escalate = submit_at(std::chrono::days{31}, other_site_);
  const std::int64_t fail = submit_at(std::chrono::days{91}, site_);
  submit_at(std::chrono::days{100}, site_, InteractionKind::forum);  // forum posts have no deadline
  const std::int64_t answered = submit_at(std::chrono::days{40}, site_);
  clock_.set(start);
  ASSERT_TRUE(interaction_->moderate(as(reviewer_), answered, true, ""));
  const std::int64_t reply = interaction_->write_reply(as(editor_), answered, "已答复").value();
  ASSERT_TRUE(interaction_->review_reply(as(reviewer_), reply, true, ""));

  identity::Grant g;
  g.id = 900;
  g.user_id = 90;
  g.role = Role::content_reviewer;
  g.scope = identity::Scope::org(root_);
  const Principal leader = Principal::user(90, "leader", {g});
  auto overdue = interaction_->deadlines(leader, root_, start);
  ASSERT_TRUE(overdue) << overdue.error().to_string();
  ASSERT_EQ(overdue->size(), 3u);
  EXPECT_EQ((*overdue)[0].item.id, fail);
  EXPECT_EQ((*overdue)[0].level, DeadlineLevel::inspection_failure);
  EXPECT_EQ((*overdue)[0].days, 91);
  EXPECT_EQ((*overdue)[1].item.id, escalate);
  EXPECT_EQ((*overdue)[1].level, DeadlineLevel::escalation);
  EXPECT_EQ((*overdue)[2].item.id, warn);
  EXPECT_EQ((*overdue)[2].level, DeadlineLevel::warning);
  (void)fresh;
  // A site-scoped reviewer has no organisation-wide view (audited).
  EXPECT_EQ(interaction_->deadlines(reviewer_, root_, start).error().code, "identity.forbidden");
  EXPECT_EQ(audit_.last().outcome, audit::Outcome::denied);

  // Configurable: a stricter federation warns at 7 days.
  InteractionOptions strict;
  strict.warning_after = std::chrono::days{7};
  open_service(strict);
  EXPECT_EQ(interaction_->deadlines(leader, root_, start).value().size(), 4u);
}

}  // namespace
}  // namespace sw::content
