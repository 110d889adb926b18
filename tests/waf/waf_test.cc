// Tests of sw::waf::Waf (issue 6, N7.3 防攻击): blocking and detection-only, per-site exclusions by
// path, the block page, events (masking, ring, metrics), and ordinary use of the sites that must not
// be blocked at paranoia level 1 (Chinese form text, JSON, a search query, a docx upload).
#include "waf/waf.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace sw::waf {
namespace {

using guard::FilterHeader;
using guard::FilterRequest;
using guard::FilterVerdict;

struct TestRequest {
  std::string method = "GET";
  std::string target = "/";
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Host", "union.example.cn"},
      {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36"},
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
      {"Accept-Language", "zh-CN,zh;q=0.9"}};
  std::string body;
  std::int64_t site_id = 1;
  std::string request_id = "req-1";
  std::string client_ip = "192.0.2.7";
};

FilterVerdict run(Waf& waf, const TestRequest& t) {
  std::vector<FilterHeader> headers;
  std::string length = std::to_string(t.body.size());
  for (const auto& [n, v] : t.headers) headers.push_back({n, v});
  if (!t.body.empty()) headers.push_back({"Content-Length", length});
  FilterRequest r;
  r.request_id = t.request_id;
  r.client_ip = t.client_ip;
  r.client_port = 50000;
  r.server_ip = "127.0.0.1";
  r.server_port = 80;
  r.method = t.method;
  r.target = t.target;
  r.http_version = "1.1";
  r.host = "union.example.cn";
  r.site_id = t.site_id;
  r.headers = headers;
  r.body = t.body;
  return waf.inspect(r);
}

TestRequest post(std::string target, std::string content_type, std::string body) {
  TestRequest t;
  t.method = "POST";
  t.target = std::move(target);
  t.headers.push_back({"Content-Type", std::move(content_type)});
  t.body = std::move(body);
  return t;
}

bool blocked(const FilterVerdict& v) { return v.action == FilterVerdict::Action::block; }

class WafTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("waf_test_" + std::to_string(::getpid()) + "_" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Waf> make(WafOptions options = {}) {
    options.event_log = dir_ / "waf-events.jsonl";
    // Verdicts, events and settings of the full rule set: the prefilter (on by default; a cold build
    // costs seconds per test) has its own tests in crs_text_test.cc and prefilter_cache_test.cc.
    options.prefilter = WafOptions::Prefilter::off;
    auto waf = Waf::create(std::move(options));
    EXPECT_TRUE(waf.has_value()) << (waf ? "" : waf.error().to_string());
    return waf ? std::move(*waf) : nullptr;
  }

  std::vector<nlohmann::json> events() {
    std::ifstream in(dir_ / "waf-events.jsonl");
    std::vector<nlohmann::json> out;
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }

  std::filesystem::path dir_;
};

const char* kSqlInjection = "/search?q=1%27%20UNION%20SELECT%20password%20FROM%20users--";

TEST_F(WafTest, OrdinaryPageRequestPasses) {
  auto waf = make();
  EXPECT_FALSE(blocked(run(*waf, TestRequest{})));
  EXPECT_TRUE(events().empty());
}

TEST_F(WafTest, SqlInjectionIsBlockedWithTheBlockPageAndAnEvent) {
  auto waf = make();
  TestRequest t;
  t.target = kSqlInjection;
  t.request_id = "req-sqli-1";
  auto v = run(*waf, t);
  ASSERT_TRUE(blocked(v));
  EXPECT_EQ(v.status, 403);
  EXPECT_EQ(v.reason, "waf");
  EXPECT_NE(v.body.find("请求已被拦截"), std::string::npos);
  EXPECT_NE(v.body.find("req-sqli-1"), std::string::npos);
  auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["action"], "blocked");
  EXPECT_EQ(ev[0]["path"], "/search");  // no query in events
  EXPECT_EQ(ev[0]["client_ip"], "192.0.2.7");
  EXPECT_EQ(ev[0]["request_id"], "req-sqli-1");
  EXPECT_GE(ev[0]["anomaly_score"].get<int>(), 5);
  bool has_949110 = false, has_sqli = false;
  for (const auto& r : ev[0]["rules"]) {
    has_949110 |= r["id"] == 949110;
    has_sqli |= r["id"].get<int>() / 1000 == 942;
  }
  EXPECT_TRUE(has_949110);
  EXPECT_TRUE(has_sqli);
}

TEST_F(WafTest, DetectionOnlyPassesTheAttackButRecordsIt) {
  WafOptions o;
  o.defaults.mode = Mode::detection_only;
  auto waf = make(o);
  TestRequest t;
  t.target = kSqlInjection;
  EXPECT_FALSE(blocked(run(*waf, t)));
  auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]["action"], "detected");
  std::string metrics;
  waf->append_metrics(metrics);
  EXPECT_NE(metrics.find("waf_events_total{site=\"1\",action=\"detected\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("waf_rule_matches_total{site=\"1\",rule=\"949110\",action=\"detected\"} 1"),
            std::string::npos);
}

TEST_F(WafTest, ModeAndParanoiaArePerSite) {
  WafOptions o;
  o.sites[2] = SiteSettings{1, Mode::detection_only, {}};
  auto waf = make(o);
  TestRequest t;
  t.target = kSqlInjection;
  EXPECT_TRUE(blocked(run(*waf, t)));
  t.site_id = 2;
  EXPECT_FALSE(blocked(run(*waf, t)));
  EXPECT_EQ(waf->rule_set_count(), 2u);
  EXPECT_EQ(waf->site_settings(2).mode, Mode::detection_only);
  EXPECT_EQ(waf->site_settings(7).mode, Mode::blocking);  // no own settings: the defaults
}

TEST_F(WafTest, SitesWithTheSameSettingsShareOneRuleSet) {
  WafOptions o;
  o.sites[2] = SiteSettings{};
  o.sites[3] = SiteSettings{};
  auto waf = make(o);
  EXPECT_EQ(waf->rule_set_count(), 1u);
}

TEST_F(WafTest, ExclusionAppliesOnlyUnderItsPathPrefix) {
  auto waf = make();
  TestRequest t;
  t.target = "/api/query?q=1%27%20UNION%20SELECT%20password%20FROM%20users--";
  ASSERT_TRUE(blocked(run(*waf, t)));
  SiteSettings s;
  // Remove the target ARGS:q of every rule that fired (as an operator would from events).
  auto first = waf->recent_events(1);
  ASSERT_FALSE(first.empty());
  for (const auto& r : first.front().rules) {
    if (r.id < 949000 && r.id > 900000) s.exclusions.push_back({"/api/", r.id, "ARGS:q"});
  }
  ASSERT_TRUE(waf->set_site(1, s));
  EXPECT_FALSE(blocked(run(*waf, t))) << to_json_line(waf->recent_events(1).front());
  t.target = "/other?q=1%27%20UNION%20SELECT%20password%20FROM%20users--";
  EXPECT_TRUE(blocked(run(*waf, t)));  // outside the prefix
  t.target = "/api/query?other=1%27%20UNION%20SELECT%20password%20FROM%20users--";
  EXPECT_TRUE(blocked(run(*waf, t)));  // another argument
}

TEST_F(WafTest, WholeRuleExclusion) {
  auto waf = make();
  TestRequest t;
  t.target = "/x?a=%3Cscript%3Ealert(1)%3C/script%3E";
  ASSERT_TRUE(blocked(run(*waf, t)));
  SiteSettings s;
  s.exclusions.push_back({"", 949110, ""});  // the blocking evaluation itself
  ASSERT_TRUE(waf->set_site(1, s));
  EXPECT_FALSE(blocked(run(*waf, t)));
}

TEST_F(WafTest, BadSettingsAreRefusedByName) {
  auto waf = make();
  SiteSettings s;
  s.paranoia = 5;
  auto r = waf->set_site(1, s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "waf.bad_settings");
  EXPECT_NE(r.error().message.find("paranoia level 5"), std::string::npos);
  s.paranoia = 1;
  s.exclusions.push_back({"/a\" \"id:1,phase:1,deny", 942100, ""});  // injection into the rule text
  r = waf->set_site(1, s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("path prefix"), std::string::npos);
  s.exclusions = {{"/a", 942100, "ARGS:q,deny"}};
  EXPECT_FALSE(waf->set_site(1, s));
  s.exclusions = {{"/a", 0, ""}};
  EXPECT_FALSE(waf->set_site(1, s));
  EXPECT_EQ(waf->site_settings(1), SiteSettings{});  // nothing half-applied
  EXPECT_FALSE(parse_mode("block"));
  EXPECT_EQ(*parse_mode("detection_only"), Mode::detection_only);
}

TEST_F(WafTest, MissingCrsDirectoryIsNamed) {
  WafOptions o;
  o.crs_dir = dir_ / "no-crs";
  auto waf = Waf::create(o);
  ASSERT_FALSE(waf);
  EXPECT_EQ(waf.error().code, "waf.rules");
  EXPECT_NE(waf.error().message.find("no-crs"), std::string::npos);
}

TEST_F(WafTest, BlockPageEscapesTheRequestIdAndHasBothLanguages) {
  auto page = block_page("<script>alert(1)</script>");
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(page.find("请求编号"), std::string::npos);
  EXPECT_NE(page.find("Request id"), std::string::npos);
  EXPECT_NE(page.find("charset=\"utf-8\""), std::string::npos);
}

TEST_F(WafTest, SecretValuesAreMaskedInEvents) {
  WafOptions o;
  o.defaults.mode = Mode::detection_only;
  auto waf = make(o);
  auto t = post("/login", "application/x-www-form-urlencoded",
                "user=a&password=1%27%20UNION%20SELECT%20secretvalue%20FROM%20users--");
  run(*waf, t);
  auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  std::string line = ev[0].dump();
  EXPECT_EQ(line.find("secretvalue"), std::string::npos) << line;
  EXPECT_NE(line.find("[masked]"), std::string::npos) << line;
}

TEST_F(WafTest, MatchedDataIsTruncated) {
  WafOptions o;
  o.defaults.mode = Mode::detection_only;
  auto waf = make(o);
  TestRequest t;
  t.target = "/x?a=" + std::string(600, 'a') + "%3Cscript%3Ealert(1)%3C/script%3E";
  run(*waf, t);
  for (const auto& e : waf->recent_events(1)) {
    for (const auto& r : e.rules) EXPECT_LE(r.data.size(), 204u);
  }
}

TEST_F(WafTest, RecentEventsAndTopRulesAndIps) {
  WafOptions o;
  o.recent_events = 3;
  auto waf = make(o);
  TestRequest t;
  t.target = kSqlInjection;
  for (int i = 0; i < 5; ++i) {
    t.request_id = "r" + std::to_string(i);
    t.client_ip = i < 4 ? "198.51.100.1" : "198.51.100.2";
    run(*waf, t);
  }
  auto recent = waf->recent_events(1);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent.front().request_id, "r4");
  auto ips = waf->top_ips(1, 10);
  ASSERT_EQ(ips.size(), 2u);
  EXPECT_EQ(ips[0].key, "198.51.100.1");
  EXPECT_EQ(ips[0].count, 4u);
  auto rules = waf->top_rules(1, 1);
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].count, 5u);
  EXPECT_TRUE(waf->recent_events(9).empty());
}

// N7.3 without breaking the sites: ordinary use at paranoia level 1 is never blocked.
TEST_F(WafTest, ChineseFormTextIsNotBlocked) {
  auto waf = make();
  std::string text = "name=%E5%BC%A0%E4%B8%89&phone=13800138000&content=";
  // "我们工会的职工之家活动非常好，希望下个月能组织一次健康讲座（周六上午）！谢谢。"
  text += "%E6%88%91%E4%BB%AC%E5%B7%A5%E4%BC%9A%E7%9A%84%E8%81%8C%E5%B7%A5%E4%B9%8B%E5%AE%B6%E6%B4%BB%E5%8A%A8"
          "%E9%9D%9E%E5%B8%B8%E5%A5%BD%EF%BC%8C%E5%B8%8C%E6%9C%9B%E4%B8%8B%E4%B8%AA%E6%9C%88%E8%83%BD%E7%BB%84"
          "%E7%BB%87%E4%B8%80%E6%AC%A1%E5%81%A5%E5%BA%B7%E8%AE%B2%E5%BA%A7%EF%BC%88%E5%91%A8%E5%85%AD%E4%B8%8A"
          "%E5%8D%88%EF%BC%89%EF%BC%81%E8%B0%A2%E8%B0%A2%E3%80%82";
  auto v = run(*waf, post("/message", "application/x-www-form-urlencoded", text));
  EXPECT_FALSE(blocked(v));
  auto raw = post("/message", "application/x-www-form-urlencoded; charset=UTF-8",
                  "content=职工之家活动通知：本周六上午9:00在会议室（三楼）举行，欢迎参加！");
  EXPECT_FALSE(blocked(run(*waf, raw)));
}

TEST_F(WafTest, JsonPostIsNotBlocked) {
  auto waf = make();
  auto v = run(*waf, post("/api/messages", "application/json",
                          R"({"name":"李四","email":"lisi@example.cn","subject":"关于劳动合同的咨询",)"
                          R"("body":"您好，我想咨询一下劳动合同续签的问题。","tags":["咨询","合同"],"urgent":false})"));
  EXPECT_FALSE(blocked(v));
  EXPECT_TRUE(events().empty());
}

TEST_F(WafTest, NormalSearchQueryIsNotBlocked) {
  auto waf = make();
  TestRequest t;
  t.target = "/search?q=%E5%8A%B3%E5%8A%A8%E6%B3%95+%E5%8A%A0%E7%8F%AD%E8%B4%B9&page=2&sort=date";
  EXPECT_FALSE(blocked(run(*waf, t)));
  t.target = "/search?q=how+to+join+the+union%3F&page=1";
  EXPECT_FALSE(blocked(run(*waf, t)));
}

TEST_F(WafTest, DocxUploadIsNotBlocked) {
  auto waf = make();
  // A docx is a zip: binary bytes in a multipart part.
  std::string docx("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", 16);
  docx += "[Content_Types].xml";
  for (int i = 0; i < 512; ++i) docx += static_cast<char>((i * 37 + 11) % 256);
  std::string boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
  std::string body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n" +
                     "2024年度工作总结\r\n--" + boundary +
                     "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.docx\"\r\n"
                     "Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document\r\n\r\n" +
                     docx + "\r\n--" + boundary + "--\r\n";
  auto v = run(*waf, post("/upload", "multipart/form-data; boundary=" + boundary, body));
  EXPECT_FALSE(blocked(v)) << events().size();
}

TEST_F(WafTest, ConcurrentInspectionsShareTheRuleSet) {
  auto waf = make();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int th = 0; th < 4; ++th) {
    threads.emplace_back([&, th] {
      for (int i = 0; i < 50; ++i) {
        TestRequest t;
        t.request_id = "t" + std::to_string(th) + "-" + std::to_string(i);
        bool attack = i % 2 == 0;
        if (attack) t.target = kSqlInjection;
        if (blocked(run(*waf, t)) != attack) wrong++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(events().size(), 100u);
}

}  // namespace
}  // namespace sw::waf
