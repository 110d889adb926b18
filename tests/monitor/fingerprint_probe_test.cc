// The fingerprint probe against nginx on loopback (issue 7, N5.3/N7.1; src/monitor/fingerprint_probe.h):
// an external site whose page gains a hidden gambling link between passes (the finding names the link,
// its anchor and the CSS; the fingerprint changes until accepted, audited), and a hosted site whose
// served bytes stop matching the live release (defaced, with the diff), gzip on the wire included.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "base/crypto.h"
#include "identity/fixture.h"  // FakeAuditLog
#include "monitor/fingerprint_probe.h"
#include "monitor/loopback.h"
#include "monitor/monitor_pass.h"

namespace sw::monitor {
namespace {

using namespace testing;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class FingerprintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir("sw-monitor-fp");
    root_ = dir_ / "www";
    write_file(root_ / "index.html", kHome);
    write_file(root_ / "news/1.html", "<html><head><title>新闻</title></head><body><p>全省职工技能大赛开幕，"
                                      "来自各市的选手参加了比赛。</p><a href=\"/\">首页</a></body></html>\n");
    port_ = free_port();
    const std::string p = std::to_string(port_);
    nginx_ = std::make_unique<Nginx>(dir_,
                                     "gzip on; gzip_min_length 1;\n"
                                     "server { listen 127.0.0.1:" + p + "; root " + root_.string() + "; }\n",
                                     std::vector<int>{port_});
    auto db = store::Database::open_memory();
    ASSERT_TRUE(db);
    db_ = std::move(*db);
    ASSERT_TRUE(db_->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, 'p', 'province')"));
    ASSERT_TRUE(db_->exec("INSERT INTO sites (org_id, name) VALUES (1, 's')"));
    service_ = std::make_unique<MonitorService>(*db_, audit_, MonitorOptions{}, clock_);
    options_.links.fetch.timeout = std::chrono::milliseconds(3000);
    options_.links.fetch.connect_timeout = std::chrono::milliseconds(2000);
    options_.links.fetch.politeness = std::chrono::milliseconds(0);
    options_.fingerprint.store = std::make_shared<FingerprintStore>(*db_, audit_, clock_);
  }
  void TearDown() override {
    nginx_.reset();
    fs::remove_all(dir_);
  }

  SiteTarget site(bool hosted) const {
    return {1, 1, "s", hosted, {"127.0.0.1"}, "http://127.0.0.1:" + std::to_string(port_) + "/"};
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  PassSummary pass(bool hosted) {
    clock_.advance(std::chrono::hours(1));
    auto s = run_pass(*service_, Probe::fingerprint, {site(hosted)}, options_, "test", {}, clock_);
    EXPECT_TRUE(s) << (s ? "" : s.error().to_string());
    return s ? *s : PassSummary{};
  }
  std::vector<Finding> open_findings() {
    auto f = service_->findings(identity::Principal::system("test"), identity::Scope::site(1));
    EXPECT_TRUE(f);
    return f ? *f : std::vector<Finding>{};
  }
  static const Finding* find(const std::vector<Finding>& all, const std::string& kind) {
    auto it = std::find_if(all.begin(), all.end(), [&](const Finding& f) { return f.observation.kind == kind; });
    return it == all.end() ? nullptr : &*it;
  }

  static constexpr const char* kHome =
      "<html><head><title>省总工会</title><style>.friend{position:absolute;left:-9999px}</style></head><body>\n"
      "<h1>省总工会</h1>\n<p>欢迎访问省总工会网站。这里发布工会新闻、通知公告和职工服务信息。</p>\n"
      "<a href=\"/news/1.html\">技能大赛开幕</a>\n<a href=\"http://www.gov.cn/\">中国政府网</a>\n</body></html>\n";

  fs::path dir_, root_;
  int port_ = 0;
  std::unique_ptr<Nginx> nginx_;
  std::unique_ptr<store::Database> db_;
  identity::testing::FakeAuditLog audit_;
  FakeClock clock_;
  std::unique_ptr<MonitorService> service_;
  PassOptions options_;
};

TEST_F(FingerprintTest, ExternalPageGainsAHiddenGamblingLink) {
  // First pass: the fingerprints of the home page and its internal link are recorded, audited.
  auto first = pass(false);
  EXPECT_EQ(first.findings, 0);
  EXPECT_EQ(first.sites[0].headline, "2 pages, fingerprint recorded");
  auto accepted = options_.fingerprint.store->accepted(1);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->size(), 2u);
  EXPECT_TRUE(accepted->contains(url("/news/1.html")));
  ASSERT_FALSE(audit_.events.empty());
  EXPECT_EQ(audit_.events.back().action, "monitor.fingerprint_record");
  EXPECT_EQ(pass(false).findings, 0);  // unchanged

  // The page gains a link hidden off-screen by a <style> class, to a casino with gambling words.
  std::string home = kHome;
  home.replace(home.find("</body>"),
               7, "<div class=\"friend\"><a href=\"http://bet.example.com/\">澳门赌场 真人荷官</a></div></body>");
  write_file(root_ / "index.html", home);
  auto second = pass(false);
  EXPECT_FALSE(second.sites[0].ok);
  auto open = open_findings();
  const Finding* hidden = find(open, "fingerprint.hidden_link");
  ASSERT_NE(hidden, nullptr);
  EXPECT_EQ(hidden->observation.subject, "http://bet.example.com/");
  EXPECT_EQ(hidden->observation.severity, Severity::critical);
  EXPECT_EQ(hidden->observation.evidence["host"], "bet.example.com");
  EXPECT_EQ(hidden->observation.evidence["anchor"], "澳门赌场 真人荷官");
  EXPECT_EQ(hidden->observation.evidence["reason"], "positioned off-screen (left:-9999px)");
  EXPECT_EQ(hidden->observation.evidence["page"], url("/"));
  const Finding* terms = find(open, "fingerprint.bad_terms");
  ASSERT_NE(terms, nullptr);
  EXPECT_EQ(terms->observation.subject, url("/"));
  const Finding* changed = find(open, "fingerprint.changed");
  ASSERT_NE(changed, nullptr);
  EXPECT_EQ(changed->observation.severity, Severity::warning);
  EXPECT_EQ(changed->observation.evidence["new_link_hosts"], nlohmann::json::array({"bet.example.com"}));

  // An operator accepts the page as it is now (audited): the change resolves, the hidden link stays.
  auto n = options_.fingerprint.store->accept({identity::Principal::system("op"), "local", "t"}, 1);
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(audit_.events.back().action, "monitor.fingerprint_accept");
  pass(false);
  open = open_findings();
  EXPECT_EQ(find(open, "fingerprint.changed"), nullptr);
  EXPECT_NE(find(open, "fingerprint.hidden_link"), nullptr);

  // The link removed: the findings resolve.
  write_file(root_ / "index.html", kHome);
  pass(false);
  open = open_findings();
  EXPECT_EQ(find(open, "fingerprint.hidden_link"), nullptr);
  EXPECT_EQ(find(open, "fingerprint.bad_terms"), nullptr);
}

TEST_F(FingerprintTest, HostedSiteServingOtherBytesThanTheReleaseIsDefaced) {
  // The live release: the files as published (hashes of the identity form).
  LiveRelease release;
  release.release_id = 7;
  std::map<std::string, std::string> blobs;
  for (const std::string path : {"/index.html", "/news/1.html"}) {
    const std::string bytes = read_file(root_ / path.substr(1));
    const std::string digest = crypto::hash_with("sha256", bytes)->to_string();
    release.pages[path] = {digest, bytes.size()};
    blobs[digest] = bytes;
  }
  release.bytes = [blobs](const std::string& d) -> Result<std::string> { return blobs.at(d); };
  options_.fingerprint.live_release = [&](std::int64_t) -> Result<std::optional<LiveRelease>> { return release; };

  auto clean = pass(true);
  EXPECT_EQ(clean.findings, 0);
  EXPECT_EQ(clean.sites[0].headline, "2 pages, 2 compared with release 7, 0 defaced");

  // What the public gets changes (a tampered copy behind the release's back).
  write_file(root_ / "news/1.html", "<html><head><title>新闻</title></head><body><p>本站已被黑</p>"
                                    "<a href=\"/\">首页</a></body></html>\n");
  auto tampered = pass(true);
  EXPECT_EQ(tampered.sites[0].headline, "2 pages, 2 compared with release 7, 1 defaced, 1 critical");
  auto open = open_findings();
  const Finding* defaced = find(open, "fingerprint.defaced");
  ASSERT_NE(defaced, nullptr);
  EXPECT_EQ(defaced->observation.subject, url("/news/1.html"));
  EXPECT_EQ(defaced->observation.clause, "N7.1");
  const auto& e = defaced->observation.evidence;
  EXPECT_EQ(e["path"], "/news/1.html");
  EXPECT_EQ(e["expected"], release.pages["/news/1.html"].digest);
  EXPECT_EQ(e["got"], crypto::hash_with("sha256", read_file(root_ / "news/1.html"))->to_string());
  EXPECT_EQ(e["release"], 7);
  EXPECT_EQ(e["diff"]["lines_added"], 1);
  EXPECT_EQ(e["diff"]["lines_removed"], 1);
  EXPECT_NE(e["diff"]["added"][0].get<std::string>().find("本站已被黑"), std::string::npos);
  // Hosted sites keep no fingerprints of their own.
  EXPECT_TRUE(options_.fingerprint.store->accepted(1)->empty());
}

TEST_F(FingerprintTest, UnreachableSiteFailsWithoutFindingsAndAcceptNeedsAPass) {
  nginx_.reset();
  auto down = pass(false);
  EXPECT_EQ(down.counts.failures, 1);
  EXPECT_EQ(down.findings, 0);
  auto none = options_.fingerprint.store->accept({identity::Principal::system("op"), "local", "t"}, 1);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, "monitor.not_found");
  EXPECT_FALSE(options_.fingerprint.store->accept({identity::Principal::system("op"), "local", "t"}, 0));
}

TEST(FingerprintParts, ManifestPathsAndSimilarity) {
  EXPECT_EQ(manifest_path_of("http://a.cn/"), "/index.html");
  EXPECT_EQ(manifest_path_of("http://a.cn"), "/index.html");
  EXPECT_EQ(manifest_path_of("https://a.cn:8443/news/?p=2#x"), "/news/index.html");
  EXPECT_EQ(manifest_path_of("http://a.cn/%E6%96%B0%E9%97%BB.html"), "/新闻.html");
  PageReport a, b;
  a.text = "全省职工技能大赛开幕，来自各市的选手参加了比赛。今年的比赛项目有焊工、电工和数控车工。";
  b.text = a.text;
  EXPECT_DOUBLE_EQ(text_similarity(page_fingerprint(a), page_fingerprint(b)), 1.0);
  b.text = "本站已被黑客入侵，请联系管理员。澳门赌场真人荷官在线开户送彩金，欢迎光临。";
  EXPECT_LT(text_similarity(page_fingerprint(a), page_fingerprint(b)), 0.1);
  PageReport empty;
  EXPECT_DOUBLE_EQ(text_similarity(page_fingerprint(empty), page_fingerprint(empty)), 1.0);
}

}  // namespace
}  // namespace sw::monitor
