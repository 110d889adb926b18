// The console's releases page (issue 5, part B): /sites/{id}/releases with 发布 and 回滚, over a real
// socket — operations of the site publish and roll back (audited), another site's operations and an
// editor are refused, a form without its CSRF token is refused, and the publish the console runs after
// operations publish an approved article.
#include <gtest/gtest.h>

#include "content_console_fixture.h"
#include "publish/publisher.h"
#include "publish/release_store.h"

namespace sw::console::testing {
namespace {

class PublishPagesTest : public ContentConsoleTest {
 protected:
  void SetUp() override {
    ContentConsoleTest::SetUp();
    if (HasFatalFailure()) return;
    // The same console, now with the publisher.
    server_->stop();
    server_->wait();
    server_.reset();
    const auto& suite = crypto::suite(crypto::SuiteId::gm);
    key_ = *suite.generate_signing_key();
    releases_ = std::make_unique<publish::ReleaseStore>(*db_, *blobs_, suite, key_, std::vector{key_.public_key},
                                                        publish::ReleaseStore::Options{});
    publisher_ = std::make_unique<publish::Publisher>(publish::PublisherServices{.db = db_.get(),
                                                                                 .audit = audit_.get(),
                                                                                 .registry = registry_.get(),
                                                                                 .content = content_.get(),
                                                                                 .blobs = blobs_.get(),
                                                                                 .releases = releases_.get(),
                                                                                 .scanner = scanner_.get(),
                                                                                 .suite = &suite,
                                                                                 .clock = &clock_});
    console_ = std::make_unique<Console>(
        *identity_, *audit_, Console::Services{registry_.get(), content_.get(), nullptr, publisher_.get()},
        ConsoleOptions{Language::zh_cn, true, false, trusted_});
    http::Router router;
    console_->install(router);
    http::ServerOptions options;
    options.listeners.push_back(listener());
    server_ = std::make_unique<http::Server>(options, std::move(router));
    server_->add_filter(console_->security_headers_filter());
    ASSERT_TRUE(server_->start());
    port_ = server_->port(0);
    for (std::int64_t site : {nj_site_, sz_site_}) {
      ASSERT_TRUE(registry_->record_icp_filing(system_, site, "苏ICP备12345678号-1", std::nullopt));
    }
    add_user("sz-operator", "郑运维", sz_org_, identity::Role::operator_, sz_site_);
  }

  void TearDown() override {
    if (server_) {
      server_->stop();
      server_->wait();
    }
    server_.reset();
    console_.reset();
    publisher_.reset();
    ContentConsoleTest::TearDown();
  }

  std::int64_t approved(const std::string& title) {
    const auto id = write_article("nj-editor", nj_column_, title);
    EXPECT_TRUE(content_->submit(actor_of("nj-editor"), id));
    EXPECT_TRUE(content_->approve(actor_of("nj-content"), id, content::Stage::content, {}));
    EXPECT_TRUE(content_->approve(actor_of("nj-secrecy"), id, content::Stage::secrecy, {}));
    return id;
  }

  std::string releases_path() const { return "/sites/" + std::to_string(nj_site_) + "/releases"; }
  std::optional<publish::ReleaseInfo> live() { return releases_->live(nj_site_).value(); }

  crypto::SigningKey key_;
  std::unique_ptr<publish::ReleaseStore> releases_;
  std::unique_ptr<publish::Publisher> publisher_;
};

TEST_F(PublishPagesTest, OperationsPublishAndRollBackFromTheReleasesPage) {
  content_->publish(actor_of("nj-operator"), approved("第一篇"));
  Browser ops = user("nj-operator");
  Page p = ops.get(releases_path());
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("发布与回滚"), std::string::npos);
  EXPECT_NE(p.body.find("该网站尚未发布"), std::string::npos);
  p = ops.post(releases_path() + "/publish", {{"mode", "full"}});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(p.location(), releases_path() + "?msg=msg_pub_published");
  ASSERT_TRUE(live());
  const std::int64_t first = live()->id;
  EXPECT_EQ(events("publish.release").back().event.outcome, audit::Outcome::success);
  EXPECT_EQ(events("publish.release").back().event.actor, "nj-operator");

  // Publishing an approved article from the console publishes the site incrementally.
  const auto second_article = approved("第二篇");
  p = ops.post("/articles/" + std::to_string(second_article) + "/publish", {});
  ASSERT_EQ(p.status, 303) << p.body;
  ASSERT_TRUE(live());
  EXPECT_NE(live()->id, first);
  EXPECT_EQ(live()->kind, "incremental");

  p = ops.get(releases_path());
  const std::string rollback = releases_path() + "/" + std::to_string(first) + "/rollback";
  EXPECT_NE(p.body.find(rollback), std::string::npos) << "a 回滚 button for the earlier release";
  p = ops.post(rollback, {});
  ASSERT_EQ(p.status, 303) << p.body;
  EXPECT_EQ(live()->id, first);
  EXPECT_EQ(events("publish.rollback").back().event.outcome, audit::Outcome::success);
}

TEST_F(PublishPagesTest, AnotherSitesOperationsAndAnEditorAreRefused) {
  Browser stranger = user("sz-operator");
  EXPECT_EQ(stranger.get(releases_path()).status, 403);
  EXPECT_EQ(stranger.post(releases_path() + "/publish", {{"mode", "full"}}).status, 403);
  EXPECT_FALSE(live());
  EXPECT_EQ(events("publish.release").back().event.outcome, audit::Outcome::denied);
  Browser editor = user("nj-editor");
  Page p = editor.post(releases_path() + "/publish", {{"mode", "full"}});
  EXPECT_EQ(p.status, 403);
  EXPECT_FALSE(live());
}

TEST_F(PublishPagesTest, AFormWithoutItsCsrfTokenIsRefused) {
  Browser ops = user("nj-operator");
  Page p = ops.post(releases_path() + "/publish", {{"mode", "full"}}, /*with_csrf=*/false);
  EXPECT_EQ(p.status, 403);
  EXPECT_FALSE(live());
}

TEST_F(PublishPagesTest, ASiteWithoutIcpFilingIsRefusedNamingWhatIsMissing) {
  const auto js_site = make_site(root_org_, "江苏工会网", "jsgh.org.cn");  // footer fields, no ICP filing
  add_user("js-operator", "冯运维", root_org_, identity::Role::operator_, js_site);
  Browser ops = user("js-operator");
  Page p = ops.post("/sites/" + std::to_string(js_site) + "/releases/publish", {{"mode", "full"}});
  EXPECT_EQ(p.status, 409) << p.body;
  EXPECT_NE(p.body.find("网站标识信息不完整"), std::string::npos) << p.body;
  EXPECT_NE(p.body.find("icp_number (ICP备案号)"), std::string::npos) << p.body;
  EXPECT_FALSE(releases_->live(js_site).value());
}

}  // namespace
}  // namespace sw::console::testing
