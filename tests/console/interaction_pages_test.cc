// The interaction moderation queue (/interaction, N4.3/N4.5) and the ranking of submissions upward
// (/upward, /upward/export; 信息报送) in the console, end to end over a real socket: a site's reviewer
// approves or rejects what the public sent, another tenant's reviewer is refused, what the public typed
// is escaped; the ranking for an organisation's leader, its CSV export, and a refusal for site people.
#include "content/interaction.h"
#include "content_console_fixture.h"

namespace sw::console::testing {
namespace {

class InteractionPagesTest : public ContentConsoleTest {
 protected:
  void SetUp() override {
    ContentConsoleTest::SetUp();
    if (HasFatalFailure()) return;
    // The same console, with the interaction service as well.
    server_->stop();
    server_->wait();
    server_.reset();
    interaction_ = content::InteractionService::open(*db_, *audit_, *scanner_, clock_);
    console_ = std::make_unique<Console>(
        *identity_, *audit_, Console::Services{registry_.get(), content_.get(), interaction_.get()},
        ConsoleOptions{Language::zh_cn, true, false, trusted_});
    http::Router router;
    console_->install(router);
    http::ServerOptions options;
    options.listeners.push_back(listener());
    server_ = std::make_unique<http::Server>(options, std::move(router));
    server_->add_filter(console_->security_headers_filter());
    auto started = server_->start();
    ASSERT_TRUE(started) << started.error().to_string();
    port_ = server_->port(0);
    ASSERT_TRUE(
        db_->exec("INSERT INTO site_feature_changes (site_id, feature, change, actor, at) "
                  "VALUES (?, 'interaction', 'enabled', 'cli:test', '2026-01-01T00:00:00Z')",
                  {nj_site_}));
  }

  void TearDown() override {
    if (server_) {
      server_->stop();
      server_->wait();
    }
    server_.reset();
    console_.reset();
    interaction_.reset();
    ContentConsoleTest::TearDown();
  }

  std::int64_t public_message(const std::string& text) {
    content::PublicSubmission s;
    s.kind = content::InteractionKind::complaint;
    s.name = "王女士";
    s.text = text;
    auto id = interaction_->submit(nj_site_, s, "198.51.100.7");
    EXPECT_TRUE(id) << id.error().to_string();
    return id ? *id : 0;
  }

  std::size_t shown() {
    return interaction_->published(nj_site_, content::InteractionKind::complaint).value().size();
  }

  std::unique_ptr<content::InteractionService> interaction_;
};

TEST_F(InteractionPagesTest, TheSitesReviewerApprovesWhatThePublicSentAndItIsEscaped) {
  const std::int64_t id = public_message("<script>alert(1)</script>单位拖欠工资");
  Browser b = user("nj-content");
  Page p = b.get("/interaction?site=" + std::to_string(nj_site_));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("互动留言审核"), std::string::npos);
  EXPECT_NE(p.body.find("投诉"), std::string::npos);
  EXPECT_NE(p.body.find("&lt;script&gt;"), std::string::npos);
  EXPECT_EQ(p.body.find("<script>alert"), std::string::npos);
  p = b.post("/interaction/" + std::to_string(id) + "/approve", {{"site", std::to_string(nj_site_)}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), "/interaction?msg=msg_ia_approved&site=" + std::to_string(nj_site_));
  EXPECT_EQ(shown(), 1u);
  EXPECT_EQ(events("interaction.moderate").size(), 1u);
}

TEST_F(InteractionPagesTest, ARejectionNeedsAReasonAndAFormWithoutCsrfIsRefused) {
  const std::int64_t id = public_message("请尽快处理");
  Browser b = user("nj-content");
  b.get("/interaction");
  Page p = b.post("/interaction/" + std::to_string(id) + "/reject", {{"reason", ""}});
  EXPECT_EQ(p.status, 400);
  p = b.post("/interaction/" + std::to_string(id) + "/approve", {{"csrf", "wrong"}});
  EXPECT_EQ(p.status, 403);
  EXPECT_EQ(shown(), 0u);
  p = b.post("/interaction/" + std::to_string(id) + "/reject", {{"reason", "重复提交"}});
  EXPECT_EQ(p.status, 303);
  EXPECT_EQ(shown(), 0u);
}

TEST_F(InteractionPagesTest, AnotherTenantsReviewerIsRefusedAndAudited) {
  const std::int64_t id = public_message("请尽快处理");
  Browser b = user("sz-content");
  EXPECT_EQ(b.get("/interaction?site=" + std::to_string(nj_site_)).status, 403);
  b.get("/interaction");
  EXPECT_EQ(b.post("/interaction/" + std::to_string(id) + "/approve", {}).status, 403);
  EXPECT_EQ(shown(), 0u);
  EXPECT_GE(denied("interaction.moderate", "sz-content"), 1u);
  // An editor of the site is no moderator either.
  Browser e = user("nj-editor");
  EXPECT_EQ(e.get("/interaction").status, 403);
}

TEST_F(InteractionPagesTest, TheRankingIsShownToTheOrganisationsLeaderAndExportedAsCsv) {
  // 江苏工会网 of the province; Nanjing's editor sends an approved item up to it.
  const std::int64_t province_site = make_site(root_org_, "江苏工会网", "jsgh.org.cn");
  const std::int64_t province_column = make_column(province_site, "基层动态");
  const std::int64_t item = write_article("nj-editor", nj_column_, "南京市总工会开展职工技能竞赛");
  ASSERT_TRUE(content_->submit(actor_of("nj-editor"), item));
  ASSERT_TRUE(content_->approve(actor_of("nj-content"), item, content::Stage::content, {}));
  ASSERT_TRUE(content_->approve(actor_of("nj-secrecy"), item, content::Stage::secrecy, {}));
  ASSERT_TRUE(content_->submit_upward(actor_of("nj-editor"), item, province_column));

  identity::NewUser nu{
      "leader", "陈主任", root_org_, "13912345698", "leader@jsgh.org.cn", std::string(kInitial)};
  auto leader = identity_->create_user(system_, nu);
  ASSERT_TRUE(leader) << leader.error().to_string();
  ASSERT_TRUE(identity_->grant_role(system_, leader->id, identity::Role::content_reviewer,
                                    identity::Scope::org(root_org_)));
  Browser b = user("leader");
  const std::string org = std::to_string(root_org_);
  Page p = b.get("/upward?org=" + org);
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("信息报送排名"), std::string::npos);
  EXPECT_NE(p.body.find("南京市总工会"), std::string::npos);
  EXPECT_NE(p.body.find("0.0%"), std::string::npos);  // submitted, not adopted yet
  p = b.get("/upward/export?org=" + org);
  ASSERT_EQ(p.status, 200);
  EXPECT_EQ(p.headers.get("Content-Type").value_or(""), "text/csv; charset=utf-8");
  EXPECT_TRUE(p.body.starts_with("\xEF\xBB\xBF排名,单位,报送数,采用数,采用率\r\n")) << p.body;
  EXPECT_NE(p.body.find(",南京市总工会,1,0,0.0%\r\n"), std::string::npos) << p.body;
  EXPECT_EQ(events("console.upward_export").size(), 1u);
  EXPECT_EQ(b.get("/upward?org=" + org + "&from=abc").status, 400);

  Browser e = user("nj-editor");  // site people have no organisation-wide view
  EXPECT_EQ(e.get("/upward?org=" + std::to_string(city_org_)).status, 403);
}

}  // namespace
}  // namespace sw::console::testing
