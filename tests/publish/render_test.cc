// The renderer (issue 5, part B): themes, the identity footer gate (N5.2), the emblem (N5.1), phones
// first (N7.6), and incremental rendering that re-renders exactly the files that change.
#include "publish/render.h"

#include <gtest/gtest.h>

#include <map>

#include "publish/footer.h"
#include "publish/theme.h"

namespace sw::publish {
namespace {

using namespace std::chrono_literals;

IdentityFooter complete_footer() {
  return {.sponsor = "南京市总工会",
          .icp_number = "苏ICP备12345678号-1",
          .address = "南京市秦淮区长白街1号",
          .phone = "025-84561234",
          .postcode = "210001",
          .hotline_12351 = "025-12351"};
}

SiteFrame frame() {
  SiteFrame f;
  f.site_id = 2;
  f.name = "南京工会网";
  f.primary_domain = "www.njgh.org.cn";
  f.footer = complete_footer();
  f.columns = {{.id = 10, .name = "工会要闻", .position = 1}, {.id = 11, .name = "通知公告", .position = 2},
               {.id = 12, .parent_id = 10, .name = "基层动态", .position = 1}};
  return f;
}

// 2026-11-26 00:00 Beijing = 2026-11-25 16:00 UTC, plus `day` days.
TimePoint day(int d) { return TimePoint{std::chrono::seconds{1'795'622'400}} + std::chrono::days{d}; }

PublishedArticle article(std::int64_t id, std::int64_t column, int on_day, std::string title = {}) {
  PublishedArticle a;
  a.id = id;
  a.column_id = column;
  a.version = 1;
  a.title = title.empty() ? "文章" + std::to_string(id) : std::move(title);
  a.summary = "摘要" + std::to_string(id);
  a.body_html = "<p>正文" + std::to_string(id) + "</p>";
  a.date = day(on_day);
  return a;
}

// The site's files as path → bytes (or blob digest), the way a release's manifest sees them.
using Site = std::map<std::string, std::string>;

std::string content_of(const RenderedFile& f) { return f.blob ? "blob:" + f.blob->to_string() : f.bytes; }

Site files_of(const RenderOutput& out) {
  Site s;
  for (const RenderedFile& f : out.files) s[f.path] = content_of(f);
  return s;
}

// What a release built on `base` from `delta` holds.
Site apply_delta(Site base, const RenderOutput& delta) {
  for (const std::string& p : delta.removed) base.erase(p);
  for (const RenderedFile& f : delta.files) base[f.path] = content_of(f);
  return base;
}

// Paths whose bytes differ, or that were added or removed.
std::set<std::string> changed_paths(const Site& a, const Site& b) {
  std::set<std::string> out;
  for (const auto& [p, c] : a) {
    auto it = b.find(p);
    if (it == b.end() || it->second != c) out.insert(p);
  }
  for (const auto& [p, c] : b) {
    if (!a.contains(p)) out.insert(p);
  }
  return out;
}

struct Fixture : ::testing::Test {
  std::unique_ptr<Theme> theme = *Theme::load_default();

  Site full(const std::vector<PublishedArticle>& articles, SiteFrame f = frame()) {
    SiteRenderer r(*theme, std::move(f));
    return files_of(r.render_full(articles));
  }
  SearchIndex index_of(const Site& s) {
    auto index = load_search_index([&](const std::string& path) -> Result<std::string> {
      auto it = s.find(path);
      if (it == s.end()) return fail("test.missing", path);
      return it->second;
    });
    EXPECT_TRUE(index) << index.error().message;
    return *index;
  }
};

// ----- footer gate -----------------------------------------------------------------------------------

TEST(Footer, CompleteFooterPasses) { EXPECT_TRUE(check_footer(complete_footer())); }

TEST(Footer, SiteWithoutIcpNumberIsRefusedNamingIt) {
  IdentityFooter f = complete_footer();
  f.icp_number.clear();
  auto s = check_footer(f);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, "publish.footer_incomplete");
  EXPECT_NE(s.error().message.find("icp_number"), std::string::npos);
  EXPECT_EQ(s.error().message.find("sponsor"), std::string::npos);
}

TEST(Footer, ErrorNamesEveryMissingItem) {
  auto s = check_footer(IdentityFooter{.sponsor = "  ", .address = "\u3000"});
  ASSERT_FALSE(s);
  for (const char* item : {"sponsor", "icp_number", "address", "phone", "postcode", "hotline_12351", "主办单位", "邮编"}) {
    EXPECT_NE(s.error().message.find(item), std::string::npos) << item;
  }
}

// ----- theme -----------------------------------------------------------------------------------------

TEST(Theme, ColourMustBeHashAndSixHexDigits) {
  EXPECT_TRUE(check_colour("#b5121B"));
  for (const char* bad : {"", "b5121b", "#b5121", "#b5121bb", "#g5121b", "red", "#b5121b;}body{x:y"}) {
    auto s = check_colour(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().code, "publish.bad_colour");
  }
}

TEST(Theme, EmblemIsAMarkedPlaceholder) {
  auto theme = Theme::load_default();
  ASSERT_TRUE(theme) << theme.error().message;
  auto emblem = (*theme)->file("emblem.svg");
  ASSERT_TRUE(emblem);
  EXPECT_NE(emblem->find("PLACEHOLDER"), std::string_view::npos);
  EXPECT_NE(emblem->find("<svg"), std::string_view::npos);
}

TEST(Theme, ChineseDates) {
  auto theme = *Theme::load_default();
  EXPECT_EQ(chinese_date("2026-11-26", *theme), "2026年11月26日");
  EXPECT_EQ(chinese_date("2026-03-05", *theme), "2026年3月5日");
  EXPECT_EQ(beijing_date(day(0)), "2026-11-26");
  EXPECT_EQ(beijing_date(day(0) - 1s), "2026-11-25");
}

// ----- full render -----------------------------------------------------------------------------------

TEST_F(Fixture, EveryPageHasViewportEmblemAndCompleteFooter) {
  std::vector<PublishedArticle> articles;
  for (int i = 1; i <= 25; ++i) articles.push_back(article(i, 10, i));
  const Site site = full(articles);
  int pages = 0;
  for (const auto& [path, bytes] : site) {
    if (!path.ends_with(".html")) continue;
    ++pages;
    EXPECT_NE(bytes.find("name=\"viewport\" content=\"width=device-width, initial-scale=1\""), std::string::npos) << path;
    EXPECT_NE(bytes.find("src=\"/assets/emblem.svg\""), std::string::npos) << path;
    EXPECT_LT(bytes.find("/assets/emblem.svg"), bytes.find("<main")) << path << ": the emblem heads the page";
    for (const char* item : {"南京市总工会", "苏ICP备12345678号-1", "南京市秦淮区长白街1号", "025-84561234", "210001",
                             "025-12351"}) {
      EXPECT_NE(bytes.find(item, bytes.find("<footer")), std::string::npos) << path << " lacks " << item;
    }
    EXPECT_NE(bytes.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos) << path;
  }
  EXPECT_EQ(pages, 25 + 1 + 3 + 1 + 1);  // articles, home, 工会要闻 (index + 2 archive pages), 通知公告, 基层动态
}

TEST_F(Fixture, PathsOfTheLayout) {
  std::vector<PublishedArticle> articles;
  for (int i = 1; i <= 41; ++i) articles.push_back(article(i, 10, i));
  articles[0].attachments.push_back({"报告.pdf", crypto::suite(crypto::SuiteId::gm).hash("pdf"), 2048, "pdf",
                                     "application/pdf"});
  const Site site = full(articles);
  for (const char* p : {"/index.html", "/columns/10/index.html", "/columns/10/page/1/index.html",
                        "/columns/10/page/2/index.html", "/columns/10/page/3/index.html", "/columns/11/index.html",
                        "/articles/41.html", "/sitemap.xml", "/sitemaps/site.xml", "/sitemaps/10/1.xml", "/feed.xml",
                        "/search-index.json", "/search/10/1.json", "/assets/site.css", "/assets/emblem.svg"}) {
    EXPECT_TRUE(site.contains(p)) << p;
  }
  EXPECT_FALSE(site.contains("/columns/10/page/4/index.html"));
  EXPECT_FALSE(site.contains("/columns/11/page/1/index.html")) << "an empty column has no archive page";
  const std::string pdf = "/attachments/" + crypto::suite(crypto::SuiteId::gm).hash("pdf").hex() + ".pdf";
  ASSERT_TRUE(site.contains(pdf));
  EXPECT_TRUE(site.at(pdf).starts_with("blob:sm3:")) << "attachments are referenced, not copied";
  EXPECT_NE(site.at("/articles/1.html").find("download=\"报告.pdf\""), std::string::npos);
  // The index shows the 20 newest, newest first, and links to the archive page of the 21st newest.
  const std::string& index = site.at("/columns/10/index.html");
  EXPECT_LT(index.find("文章41"), index.find("文章40"));
  EXPECT_EQ(index.find("/articles/21.html"), std::string::npos);
  EXPECT_NE(index.find("href=\"/columns/10/page/2/\""), std::string::npos);
  // Archive pages count from the oldest: page 1 holds 1..20 (newest first), page 3 article 41 alone,
  // and the last page's "newer" link is the index.
  const std::string& first = site.at("/columns/10/page/1/index.html");
  EXPECT_LT(first.find("/articles/20.html"), first.find("/articles/1.html"));
  EXPECT_EQ(first.find("/articles/21.html"), std::string::npos);
  EXPECT_NE(site.at("/columns/10/page/3/index.html").find("/articles/41.html"), std::string::npos);
  EXPECT_NE(site.at("/columns/10/page/3/index.html").find("href=\"/columns/10/\""), std::string::npos);
  EXPECT_NE(site.at("/columns/10/page/2/index.html").find("href=\"/columns/10/page/3/\""), std::string::npos);
  // The sitemap is an index of sitemaps (sitemaps.org).
  EXPECT_NE(site.at("/sitemap.xml").find("<sitemapindex"), std::string::npos);
  EXPECT_NE(site.at("/sitemap.xml").find("<loc>https://www.njgh.org.cn/sitemaps/10/1.xml</loc>"), std::string::npos);
  EXPECT_NE(site.at("/sitemaps/10/1.xml").find("<loc>https://www.njgh.org.cn/articles/41.html</loc>"), std::string::npos);
  EXPECT_NE(site.at("/sitemaps/10/1.xml").find("<loc>https://www.njgh.org.cn/columns/10/page/3/</loc>"), std::string::npos);
  EXPECT_NE(site.at("/sitemaps/site.xml").find("<loc>https://www.njgh.org.cn/columns/11/</loc>"), std::string::npos);
  EXPECT_NE(site.at("/articles/41.html").find("2027年1月6日"), std::string::npos);
}

TEST_F(Fixture, TextIsEscapedAndOnlyTheSanitisedBodyIsRaw) {
  PublishedArticle a = article(1, 10, 0, "<script>alert(1)</script>标题");
  a.summary = "\"><img src=x onerror=alert(1)>";
  const Site site = full({a});
  for (const auto& [path, bytes] : site) {
    EXPECT_EQ(bytes.find("<script>alert(1)"), std::string::npos) << path;
    EXPECT_EQ(bytes.find("<img src=x"), std::string::npos) << path;
  }
  EXPECT_NE(site.at("/articles/1.html").find("<p>正文1</p>"), std::string::npos);
}

TEST_F(Fixture, PrimaryColourReachesTheStylesheet) {
  SiteFrame f = frame();
  f.look.primary_colour = "#123abc";
  EXPECT_NE(full({}, f).at("/assets/site.css").find("#123abc"), std::string::npos);
}

TEST_F(Fixture, SearchIndexRoundTripsAndIsCompact) {
  std::vector<PublishedArticle> articles{article(1, 10, 0), article(2, 11, 1)};
  const Site site = full(articles);
  const SearchIndex index = index_of(site);
  ASSERT_EQ(index.entries.size(), 2u);
  std::map<std::int64_t, ListingEntry> by_id;
  for (const ListingEntry& e : index.entries) by_id[e.id] = e;
  EXPECT_EQ(by_id.at(2).date, "2026-11-27");
  EXPECT_EQ(by_id.at(2).column_id, 11);
  EXPECT_EQ(by_id.at(1).title, "文章1");
  EXPECT_EQ(site.at("/search-index.json").find('\n'), std::string::npos);
  // The top holds the newest items (newest first) and names the shards.
  const std::string& top = site.at("/search-index.json");
  EXPECT_LT(top.find("\"i\":2"), top.find("\"i\":1"));
  EXPECT_NE(top.find("\"/search/11/1.json\""), std::string::npos);
  EXPECT_FALSE(parse_search_index("{\"v\":1,\"frame\":\"x\",\"items\":[{\"i\":1}]}")) << "format 1 is refused";
  EXPECT_FALSE(parse_search_index("{\"v\":2,\"frame\":\"x\",\"shards\":[\"/etc/passwd\"]}"));
  EXPECT_FALSE(parse_search_index("not json"));
  std::vector<ListingEntry> into;
  EXPECT_FALSE(parse_search_shard("{\"v\":2,\"items\":[{\"i\":1}]}", into));
}

// ----- incremental -----------------------------------------------------------------------------------

// Renders the site before and after, incrementally and in full; the incremental release must equal
// the full one, and the paths it touched must be exactly those whose bytes differ.
struct Change {
  std::set<std::string> touched;  // files rendered or removed by the incremental render
  std::set<std::string> differ;   // paths that really differ between the two full renders
  bool same_as_full = false;
};

Change incremental(Fixture& fx, const std::vector<PublishedArticle>& before_articles,
                   const std::vector<PublishedArticle>& changed, const std::vector<std::int64_t>& removed) {
  const Site before = fx.full(before_articles);
  std::map<std::int64_t, PublishedArticle> now;
  for (const auto& a : before_articles) now[a.id] = a;
  for (std::int64_t id : removed) now.erase(id);
  for (const auto& a : changed) now[a.id] = a;
  std::vector<PublishedArticle> after_articles;
  for (auto& [id, a] : now) after_articles.push_back(a);
  const Site after_full = fx.full(after_articles);

  SiteRenderer r(*fx.theme, frame());
  auto delta = r.render_changes(fx.index_of(before), changed, removed);
  EXPECT_TRUE(delta) << delta.error().message;
  Change c;
  for (const auto& f : delta->files) c.touched.insert(f.path);
  for (const auto& p : delta->removed) c.touched.insert(p);
  c.differ = changed_paths(before, after_full);
  c.same_as_full = apply_delta(before, *delta) == after_full;
  return c;
}

std::vector<PublishedArticle> column_of(int n, std::int64_t column = 10) {
  std::vector<PublishedArticle> out;
  for (int i = 1; i <= n; ++i) out.push_back(article(i, column, i));
  return out;
}

// What a new newest article changes besides its column: the home page, the feed, the top of the
// search index (its newest items) and the site sitemap (the home page's last modification).
const std::set<std::string> kNewest = {"/index.html", "/feed.xml", "/search-index.json", "/sitemaps/site.xml"};

// The search shard and the sitemap of shard k of a column.
std::set<std::string> shard(std::int64_t column, std::size_t k) {
  return {search_shard_path(column, k), sitemap_shard_path(column, k)};
}

std::set<std::string> operator+(std::set<std::string> a, const std::set<std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

TEST_F(Fixture, PublishingTheNewestArticleChangesTheIndexAndTheLastArchivePageOnly) {
  // 45 in 工会要闻: archive pages of 20, 20, 5 from the oldest. A new newest article joins page 3.
  auto c = incremental(*this, column_of(45), {article(100, 10, 200)}, {});
  EXPECT_TRUE(c.same_as_full);
  EXPECT_EQ(c.touched, (kNewest + shard(10, 1) +
                           std::set<std::string>{"/articles/100.html", "/columns/10/index.html",
                                                 "/columns/10/page/3/index.html"}));
  EXPECT_EQ(c.touched, c.differ);
}

TEST_F(Fixture, ANewestArticleStartingAPageChangesTheLinkOfThePageBefore) {
  // 40: two full pages. The 41st starts page 3, and page 2's "newer" link now leads there.
  auto c = incremental(*this, column_of(40), {article(100, 10, 200)}, {});
  EXPECT_TRUE(c.same_as_full);
  EXPECT_EQ(c.touched, (kNewest + shard(10, 1) +
                           std::set<std::string>{"/articles/100.html", "/columns/10/index.html",
                                                 "/columns/10/page/2/index.html", "/columns/10/page/3/index.html"}));
  EXPECT_EQ(c.touched, c.differ);
}

TEST_F(Fixture, AnOlderArticleShiftsOnlyThePagesFromItsPlaceOn) {
  // Dated on day 20 (after article 20): the 21st from the oldest, so page 1 is untouched.
  auto c = incremental(*this, column_of(45), {article(100, 10, 20)}, {});
  EXPECT_TRUE(c.same_as_full);
  // Nor the home page, the feed, the index or the top: it is not among the newest.
  EXPECT_EQ(c.touched, (shard(10, 1) + std::set<std::string>{"/articles/100.html", "/columns/10/page/2/index.html",
                                                            "/columns/10/page/3/index.html"}));
  EXPECT_EQ(c.touched, c.differ);
}

TEST_F(Fixture, ANewShardLeavesTheFullShardsAlone) {
  // A column of exactly one shard: the next newest article starts shard 2; shard 1 stays as it was.
  auto c = incremental(*this, column_of(static_cast<int>(kShardArticles)), {article(100000, 10, 9000)}, {});
  EXPECT_TRUE(c.same_as_full);
  const std::size_t last = kShardArticles / kPageSize;
  EXPECT_EQ(c.touched, (kNewest + shard(10, 2) +
                           std::set<std::string>{"/articles/100000.html", "/columns/10/index.html", "/sitemap.xml",
                                                 column_page_path(10, last), column_page_path(10, last + 1)}));
  EXPECT_EQ(c.touched, c.differ);
}

TEST_F(Fixture, AWithdrawnArticleDisappearsWithItsAttachmentAndEmptiedPage) {
  auto articles = column_of(41);
  articles[40].attachments.push_back({"a.pdf", crypto::suite(crypto::SuiteId::gm).hash("a"), 10, "pdf", "application/pdf"});
  auto c = incremental(*this, articles, {}, {41});
  EXPECT_TRUE(c.same_as_full);
  const std::string pdf = "/attachments/" + crypto::suite(crypto::SuiteId::gm).hash("a").hex() + ".pdf";
  EXPECT_EQ(c.touched, (kNewest + shard(10, 1) +
                           std::set<std::string>{"/articles/41.html", pdf, "/columns/10/index.html",
                                                 "/columns/10/page/2/index.html", "/columns/10/page/3/index.html"}));
  EXPECT_EQ(c.touched, c.differ);
}

TEST_F(Fixture, ACorrectionOfTheBodyTouchesOnlyItsPageAndItsShard) {
  auto articles = column_of(30);
  PublishedArticle corrected = articles[4];
  corrected.version = 2;
  corrected.body_html = "<p>更正后的正文</p>";
  auto c = incremental(*this, articles, {corrected}, {});
  EXPECT_TRUE(c.same_as_full);
  EXPECT_EQ(c.touched, (std::set<std::string>({"/articles/5.html", "/search/10/1.json"})));
  EXPECT_EQ(c.touched, c.differ);
}

TEST_F(Fixture, AChangedFrameAsksForAFullRender) {
  const Site before = full(column_of(3));
  SiteFrame f = frame();
  f.footer.phone = "025-11112222";
  SiteRenderer r(*theme, f);
  auto delta = r.render_changes(index_of(before), {article(9, 10, 9)}, {});
  ASSERT_FALSE(delta);
  EXPECT_EQ(delta.error().code, "publish.frame_changed");
}

}  // namespace
}  // namespace sw::publish
