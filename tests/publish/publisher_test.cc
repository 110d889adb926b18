// The publisher (issue 5, part B): the footer gate (N5.2), the published version and never the draft,
// the scan of the rendered output, incremental publishing that changes exactly the expected paths,
// rollback, permissions and audit.
#include "publish/publisher.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "content/content_fixture.h"
#include "publish/render.h"
#include "registry/registry.h"
#include "store/temp_dir.h"

namespace sw::publish {
namespace {

using content::Stage;
using identity::Role;

class PublisherTest : public content::testing::ContentFixture {
 protected:
  void SetUp() override {
    open_world();
    auto blobs = store::BlobStore::open(dir_.path() / "blobs", suite());
    ASSERT_TRUE(blobs) << blobs.error().to_string();
    blobs_ = std::make_unique<store::BlobStore>(std::move(*blobs));
    content_ = content::ContentService::open(*db_, audit_, suite(), *scanner_, *blobs_, clock_);
    registry_ = registry::Registry::open(*db_, audit_, registry::DomainRules{}, clock_);
    registry::SiteFields f;
    f.name = "江苏工会网";
    f.sponsor = "江苏省总工会";
    f.address = "南京市玄武区北京东路29号";
    f.postcode = "210008";
    f.phone = "025-83361234";
    f.hotline_12351 = "025-12351";
    ASSERT_TRUE(registry_->edit_site(cli(), site_, f));
    ASSERT_TRUE(registry_->add_domain(cli(), site_, "www.jsgh.org"));
    ASSERT_TRUE(registry_->record_icp_filing(cli(), site_, "苏ICP备12345678号-1", std::nullopt));
    key_ = *suite().generate_signing_key();
    releases_ = std::make_unique<ReleaseStore>(*db_, *blobs_, suite(), key_, std::vector{key_.public_key},
                                               ReleaseStore::Options{});
    looks_ = std::make_unique<SiteLooks>(*db_, *blobs_, audit_, clock_);
    publisher_ = std::make_unique<Publisher>(PublisherServices{.db = db_.get(),
                                                               .audit = &audit_,
                                                               .registry = registry_.get(),
                                                               .content = content_.get(),
                                                               .blobs = blobs_.get(),
                                                               .releases = releases_.get(),
                                                               .looks = looks_.get(),
                                                               .scanner = scanner_.get(),
                                                               .suite = &suite(),
                                                               .clock = &clock_});
    editor_ = person(1, "editor", {Role::editor});
    reviewer_ = person(3, "reviewer", {Role::content_reviewer});
    secrecy_ = person(5, "secrecy", {Role::secrecy_reviewer});
    operator_ = person(6, "operator", {Role::operator_});
    column_ = content_->create_column(cli(), site_, std::nullopt, "工会要闻").value().id;
  }

  static const crypto::Suite& suite() { return crypto::suite(crypto::SuiteId::gm); }

  std::int64_t approved(const std::string& title, std::string body = "<p>全省工会系统召开会议。</p>") {
    auto f = fields(std::move(body));
    f.title = title;
    f.publish_date = clock_.now();
    clock_.advance(std::chrono::hours(24));
    auto saved = content_->create_article(as(editor_), column_, f);
    EXPECT_TRUE(saved) << saved.error().to_string();
    const std::int64_t id = saved->article.id;
    EXPECT_TRUE(content_->submit(as(editor_), id));
    EXPECT_TRUE(content_->approve(as(reviewer_), id, Stage::content, {}));
    auto s = content_->approve(as(secrecy_), id, Stage::secrecy, {});
    EXPECT_TRUE(s) << s.error().to_string();
    return id;
  }
  std::int64_t published(const std::string& title) {
    const std::int64_t id = approved(title);
    EXPECT_TRUE(content_->publish(as(operator_), id));
    return id;
  }

  Result<PublishReport> publish(PublishMode mode, std::span<const std::int64_t> hint = {}) {
    return publisher_->publish_site(as(operator_), site_, mode, hint);
  }

  // The live release's files: path → digest.
  std::map<std::string, std::string> live_files() {
    auto live = releases_->live(site_);
    EXPECT_TRUE(live && *live);
    auto m = releases_->load((*live)->id);
    EXPECT_TRUE(m) << m.error().to_string();
    std::map<std::string, std::string> out;
    for (const auto& e : m->entries) out[e.path] = e.digest.to_string();
    return out;
  }
  std::string live_page(const std::string& path) {
    auto live = releases_->live(site_);
    auto m = releases_->load((*live)->id).value();
    const ManifestEntry* e = m.find(path);
    if (!e) return {};
    return blobs_->get(e->digest).value();
  }

  static std::set<std::string> diff(const std::map<std::string, std::string>& a,
                                    const std::map<std::string, std::string>& b) {
    std::set<std::string> out;
    for (const auto& [p, d] : a) {
      auto it = b.find(p);
      if (it == b.end() || it->second != d) out.insert(p);
    }
    for (const auto& [p, d] : b) {
      if (!a.contains(p)) out.insert(p);
    }
    return out;
  }

  store::testing::TempDir dir_{"sw_publisher_"};
  std::unique_ptr<store::BlobStore> blobs_;
  std::unique_ptr<content::ContentService> content_;
  std::unique_ptr<registry::Registry> registry_;
  crypto::SigningKey key_;
  std::unique_ptr<ReleaseStore> releases_;
  std::unique_ptr<SiteLooks> looks_;
  std::unique_ptr<Publisher> publisher_;
  identity::Principal editor_, reviewer_, secrecy_, operator_;
  std::int64_t column_ = 0;
};

TEST_F(PublisherTest, FullPublishMakesTheSitesPagesLiveAndIsAudited) {
  const std::int64_t a = published("省总工会召开全委会");
  auto r = publish(PublishMode::full);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_GT(r->release_id, 0);
  EXPECT_EQ(r->mode, PublishMode::full);
  const auto files = live_files();
  for (const std::string& p : std::vector<std::string>{"/index.html", "/articles/" + std::to_string(a) + ".html", "/sitemap.xml", "/feed.xml",
                              "/search-index.json", "/assets/site.css", "/assets/emblem.svg",
                              "/columns/" + std::to_string(column_) + "/index.html"}) {
    EXPECT_TRUE(files.contains(p)) << p;
  }
  EXPECT_NE(live_page("/index.html").find("苏ICP备12345678号-1"), std::string::npos);
  EXPECT_NE(live_page("/sitemap.xml").find("https://www.jsgh.org/"), std::string::npos);
  EXPECT_EQ(audit_.events.back().action, "publish.release");
  EXPECT_EQ(audit_.events.back().outcome, audit::Outcome::success);
  EXPECT_EQ(audit_.events.back().details["kind"], "full");
}

TEST_F(PublisherTest, SiteWithoutIcpNumberIsRefusedAndNothingGoesLive) {
  // 南京工会网 has no ICP filing, no domain and no footer fields.
  published("省总工会召开全委会");
  auto r = publisher_->publish_site(cli(), other_site_, PublishMode::full);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "publish.footer_incomplete");
  EXPECT_NE(r.error().message.find("icp_number"), std::string::npos);
  EXPECT_NE(r.error().message.find("sponsor"), std::string::npos);
  EXPECT_FALSE(*releases_->live(other_site_));
  EXPECT_EQ(audit_.events.back().outcome, audit::Outcome::failure);
}

TEST_F(PublisherTest, OnlyThePublishedVersionIsShownNeverTheDraftOrUnpublished) {
  const std::int64_t a = published("已发布的标题");
  const std::int64_t b = approved("已审核未发布");
  auto f = fields("<p>草稿正文</p>");
  f.title = "正在更正的草稿标题";
  ASSERT_TRUE(content_->correct(as(editor_), a, f, "更正错字"));
  ASSERT_TRUE(publish(PublishMode::full));
  const std::string page = live_page("/articles/" + std::to_string(a) + ".html");
  EXPECT_NE(page.find("已发布的标题"), std::string::npos);
  EXPECT_EQ(page.find("草稿"), std::string::npos);
  EXPECT_FALSE(live_files().contains("/articles/" + std::to_string(b) + ".html"));
}

TEST_F(PublisherTest, IncrementalPublishChangesExactlyTheExpectedPaths) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 21; ++i) ids.push_back(published("文章" + std::to_string(i)));
  ASSERT_TRUE(publish(PublishMode::full));
  const auto before = live_files();
  const std::int64_t added = published("最新文章");
  const std::int64_t hint[] = {added};
  auto r = publish(PublishMode::incremental, hint);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->mode, PublishMode::incremental);
  const std::string col = "/columns/" + std::to_string(column_);
  // The newest article changes its column's index and the last archive page only (21 → 22 items:
  // archive pages of 20 and 2, numbered from the oldest), the home page, the feed, the top of the
  // search index, the column's search shard and sitemap, and the site sitemap (the home page's last
  // modification is the newest article's date, a later day on the test clock).
  const std::set<std::string> expected = {"/articles/" + std::to_string(added) + ".html", col + "/index.html",
                                          col + "/page/2/index.html", "/index.html", "/feed.xml",
                                          "/search-index.json", "/search/" + std::to_string(column_) + "/1.json",
                                          "/sitemaps/" + std::to_string(column_) + "/1.xml", "/sitemaps/site.xml"};
  EXPECT_EQ(diff(before, live_files()), expected);
  EXPECT_EQ(std::set<std::string>(r->changed.begin(), r->changed.end()), expected);
  // The same state published in full has the same files.
  const auto incremental = live_files();
  ASSERT_TRUE(publish(PublishMode::full));
  EXPECT_EQ(live_files(), incremental);
}

TEST_F(PublisherTest, WithdrawnArticleDisappearsOnTheNextIncrementalPublish) {
  const std::int64_t a = published("将被撤下的文章");
  published("保留的文章");
  ASSERT_TRUE(publish(PublishMode::full));
  ASSERT_TRUE(content_->request_withdrawal(as(editor_), a, "信息有误", false));
  ASSERT_TRUE(content_->decide_withdrawal(as(reviewer_), a, true, ""));
  auto r = publish(PublishMode::incremental);  // no hint: compared with the live index
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_FALSE(live_files().contains("/articles/" + std::to_string(a) + ".html"));
  EXPECT_EQ(live_page("/index.html").find("将被撤下的文章"), std::string::npos);
  EXPECT_NE(live_page("/index.html").find("保留的文章"), std::string::npos);
}

TEST_F(PublisherTest, NothingChangedKeepsTheLiveRelease) {
  published("文章");
  auto first = publish(PublishMode::full);
  ASSERT_TRUE(first);
  auto again = publish(PublishMode::incremental);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->release_id, first->release_id);
  EXPECT_TRUE(again->changed.empty());
}

TEST_F(PublisherTest, HighFindingInTheRenderedOutputStopsTheRelease) {
  // A title is scanned at submission too; an approved article over a high finding (with a
  // justification) still may not reach the public.
  auto f = fields("<p>正文</p>");
  f.title = "【绝密】工作安排";
  auto saved = content_->create_article(as(editor_), column_, f);
  ASSERT_TRUE(saved);
  const std::int64_t id = saved->article.id;
  ASSERT_TRUE(content_->submit(as(editor_), id));
  content::ReviewInput input;
  input.justification = "测试：审核人确认";
  ASSERT_TRUE(content_->approve(as(reviewer_), id, Stage::content, input));
  ASSERT_TRUE(content_->approve(as(secrecy_), id, Stage::secrecy, input));
  ASSERT_TRUE(content_->publish(as(operator_), id));
  auto r = publish(PublishMode::full);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "publish.scan_blocked");
  // The article's page and the listings that show its title are scanned on two threads: whichever is
  // refused first is named, with the finding.
  const std::string& m = r.error().message;
  EXPECT_TRUE(m.find("/articles/" + std::to_string(id) + ".html") != std::string::npos ||
              m.find("/columns/") != std::string::npos || m.find("/index.html") != std::string::npos)
      << m;
  EXPECT_NE(m.find("绝密"), std::string::npos) << m;
  EXPECT_FALSE(*releases_->live(site_));
}

TEST_F(PublisherTest, OperationsOfAnotherSiteAreRefusedAndAudited) {
  const auto stranger = person(9, "stranger", {Role::operator_}, other_site_);
  auto r = publisher_->publish_site(as(stranger), site_, PublishMode::full);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "identity.forbidden");
  EXPECT_EQ(audit_.events.back().action, "publish.release");
  EXPECT_EQ(audit_.events.back().outcome, audit::Outcome::denied);
  EXPECT_FALSE(publisher_->rollback(as(stranger), site_, 1));
  EXPECT_EQ(audit_.events.back().outcome, audit::Outcome::denied);
}

TEST_F(PublisherTest, RollbackMakesTheEarlierReleaseLiveAndIsAudited) {
  published("第一篇");
  auto first = publish(PublishMode::full);
  ASSERT_TRUE(first);
  const auto first_files = live_files();
  published("第二篇");
  auto second = publish(PublishMode::incremental);
  ASSERT_TRUE(second);
  ASSERT_NE(second->release_id, first->release_id);
  ASSERT_TRUE(publisher_->rollback(as(operator_), site_, first->release_id));
  EXPECT_EQ(live_files(), first_files);
  EXPECT_EQ(audit_.events.back().action, "publish.rollback");
  EXPECT_EQ(audit_.events.back().outcome, audit::Outcome::success);
  auto list = publisher_->releases(operator_, site_);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, second->release_id);  // newest first
  EXPECT_TRUE((*list)[1].live);
}

// ----- the live state a long-lived publisher keeps (serve) ------------------------------------------

// One publisher (as serve keeps it) publishing one change after another: every release equals a
// full publish of the same state — a new newest article, one starting an archive page, an older
// one, a correction, a withdrawal — so the listing state it kept between publishes is the real one.
TEST_F(PublisherTest, IncrementalsInARowFromTheKeptStateEqualAFullPublish) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 19; ++i) ids.push_back(published("文章" + std::to_string(i)));
  ASSERT_TRUE(publish(PublishMode::full));
  auto step = [&](std::int64_t article) {
    const std::int64_t hint[] = {article};
    auto r = publish(PublishMode::incremental, hint);
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ(r->mode, PublishMode::incremental);
  };
  for (int i = 0; i < 3; ++i) step(published("新文章" + std::to_string(i)));  // 20, 21 (a new page), 22
  // An older article (its date before every other's).
  auto f = fields("<p>旧闻</p>");
  f.title = "旧闻补录";
  f.publish_date = TimePoint{std::chrono::seconds{1'000'000'000}};
  auto old = content_->create_article(as(editor_), column_, f);
  ASSERT_TRUE(old);
  ASSERT_TRUE(content_->submit(as(editor_), old->article.id));
  ASSERT_TRUE(content_->approve(as(reviewer_), old->article.id, Stage::content, {}));
  ASSERT_TRUE(content_->approve(as(secrecy_), old->article.id, Stage::secrecy, {}));
  ASSERT_TRUE(content_->publish(as(operator_), old->article.id));
  step(old->article.id);
  // A correction of a live article, approved and published.
  auto corrected = fields("<p>更正后的正文</p>");
  corrected.title = "文章3（更正）";
  ASSERT_TRUE(content_->correct(as(editor_), ids[3], corrected, "更正标题"));
  ASSERT_TRUE(content_->approve(as(reviewer_), ids[3], Stage::content, {}));
  ASSERT_TRUE(content_->approve(as(secrecy_), ids[3], Stage::secrecy, {}));  // the correction is published
  step(ids[3]);
  EXPECT_NE(live_page("/articles/" + std::to_string(ids[3]) + ".html").find("更正后的正文"), std::string::npos);
  // A withdrawal.
  ASSERT_TRUE(content_->request_withdrawal(as(editor_), ids[5], "信息有误", false));
  ASSERT_TRUE(content_->decide_withdrawal(as(reviewer_), ids[5], true, ""));
  step(ids[5]);
  EXPECT_FALSE(live_files().contains("/articles/" + std::to_string(ids[5]) + ".html"));
  step(published("最后一篇"));

  const auto incremental = live_files();
  auto full = publish(PublishMode::full);
  ASSERT_TRUE(full) << full.error().to_string();
  EXPECT_EQ(live_files(), incremental);
}

// A rollback made outside this publisher (the CLI's `release rollback`, another process) is noticed:
// the next incremental publish is built on the release really live, not on the one it kept.
TEST_F(PublisherTest, KeptStateFollowsARollbackMadeElsewhere) {
  published("第一篇");
  auto first = publish(PublishMode::full);
  ASSERT_TRUE(first);
  const std::int64_t a = published("第二篇");
  const std::int64_t hint_a[] = {a};
  auto second = publish(PublishMode::incremental, hint_a);
  ASSERT_TRUE(second);
  ASSERT_TRUE(live_files().contains("/articles/" + std::to_string(a) + ".html"));
  // Rolled back through another store over the same database, as `sitewarden release rollback` does.
  ReleaseStore elsewhere(*db_, *blobs_, suite(), key_, std::vector{key_.public_key}, ReleaseStore::Options{});
  ASSERT_TRUE(elsewhere.switch_live(site_, first->release_id, "cli:root", "回滚测试"));
  const auto rolled_back = live_files();

  const std::int64_t b = published("第三篇");
  const std::int64_t hint_b[] = {b};
  auto third = publish(PublishMode::incremental, hint_b);
  ASSERT_TRUE(third) << third.error().to_string();
  EXPECT_EQ(third->mode, PublishMode::incremental);
  auto manifest = releases_->load(third->release_id);
  ASSERT_TRUE(manifest);
  EXPECT_EQ(manifest->base, releases_->get(first->release_id)->manifest_digest.to_string())
      << "built on the release live after the rollback";
  const auto files = live_files();
  EXPECT_TRUE(files.contains("/articles/" + std::to_string(b) + ".html"));
  EXPECT_FALSE(files.contains("/articles/" + std::to_string(a) + ".html")) << "the rolled-back article stays out";
  const auto changed = diff(rolled_back, files);
  for (const auto& [path, digest] : rolled_back) {
    if (!changed.contains(path)) {
      EXPECT_EQ(files.at(path), digest);
    }
  }
  // Compared with the live index (no hint), the article still published in content comes back.
  auto fourth = publish(PublishMode::incremental);
  ASSERT_TRUE(fourth);
  EXPECT_TRUE(live_files().contains("/articles/" + std::to_string(a) + ".html"));
}

// A release published by another publisher (another process: the CLI's `publish`, the scheduler of
// another node process) is noticed too: nothing it published is lost by the next incremental here.
TEST_F(PublisherTest, KeptStateFollowsAPublishByAnotherPublisher) {
  published("第一篇");
  ASSERT_TRUE(publish(PublishMode::full));
  const std::int64_t warm = published("预热");
  const std::int64_t hint_warm[] = {warm};
  ASSERT_TRUE(publish(PublishMode::incremental, hint_warm));  // this publisher keeps the live state

  Publisher other(PublisherServices{.db = db_.get(),
                                    .audit = &audit_,
                                    .registry = registry_.get(),
                                    .content = content_.get(),
                                    .blobs = blobs_.get(),
                                    .releases = releases_.get(),
                                    .looks = looks_.get(),
                                    .scanner = scanner_.get(),
                                    .suite = &suite(),
                                    .clock = &clock_});
  const std::int64_t c = published("另一进程发布的文章");
  const std::int64_t hint_c[] = {c};
  auto by_other = other.publish_site(as(operator_), site_, PublishMode::incremental, hint_c);
  ASSERT_TRUE(by_other) << by_other.error().to_string();

  const std::int64_t d = published("本进程发布的文章");
  const std::int64_t hint_d[] = {d};
  auto r = publish(PublishMode::incremental, hint_d);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->mode, PublishMode::incremental);
  const auto files = live_files();
  EXPECT_TRUE(files.contains("/articles/" + std::to_string(c) + ".html"));
  EXPECT_TRUE(files.contains("/articles/" + std::to_string(d) + ".html"));
  EXPECT_NE(live_page("/index.html").find("另一进程发布的文章"), std::string::npos);
  const auto incremental = live_files();
  ASSERT_TRUE(publish(PublishMode::full));
  EXPECT_EQ(live_files(), incremental);
}

// ----- the site's look -------------------------------------------------------------------------------

TEST_F(PublisherTest, ANewLookNeedsSiteConfigureAndReachesTheNextPublishInFull) {
  published("文章");
  ASSERT_TRUE(publish(PublishMode::full));
  EXPECT_FALSE(looks_->set_look(as(editor_), site_, {.primary_colour = "#123456"}));
  EXPECT_EQ(audit_.events.back().action, "publish.look");
  EXPECT_EQ(audit_.events.back().outcome, audit::Outcome::denied);

  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + "IHDR-demo";
  auto look = looks_->set_look(cli(), site_, {.primary_colour = "#123456", .logo_bytes = png});
  ASSERT_TRUE(look) << look.error().to_string();
  auto r = publish(PublishMode::incremental);  // the frame changed: published in full
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->mode, PublishMode::full);
  EXPECT_NE(live_page("/assets/site.css").find("#123456"), std::string::npos);
  EXPECT_EQ(live_page("/assets/logo.png"), png);
  EXPECT_NE(live_page("/index.html").find("src=\"/assets/logo.png\""), std::string::npos);
}

TEST_F(PublisherTest, ABadColourOrLogoIsRefusedNamingTheProblem) {
  auto colour = looks_->set_look(cli(), site_, {.primary_colour = "red;}body{display:none"});
  ASSERT_FALSE(colour);
  EXPECT_EQ(colour.error().code, "publish.bad_colour");
  auto svg = looks_->set_look(cli(), site_, {.primary_colour = "#123456", .logo_bytes = "<svg onload=alert(1)>"});
  ASSERT_FALSE(svg);
  EXPECT_EQ(svg.error().code, "publish.bad_logo");
  auto huge = looks_->set_look(cli(), site_, {.primary_colour = "#123456",
                                              .logo_bytes = "\xFF\xD8\xFF" + std::string(kMaxLogoBytes, 'x')});
  ASSERT_FALSE(huge);
  EXPECT_EQ(huge.error().code, "publish.bad_logo");
  EXPECT_EQ(looks_->look(site_)->primary_colour, kDefaultPrimaryColour) << "nothing stored";
}

}  // namespace
}  // namespace sw::publish
