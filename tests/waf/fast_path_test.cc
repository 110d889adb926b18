// Tests of the prefilter's fast path (src/waf/modsec_fast.h; issue 6, N7.3, docs/modules/waf.md "The fast
// path"): ordinary requests are found clean without ModSecurity's reduced rule set; in check mode every
// request also runs the full rule set, and a request the fast path found clean where the full engine
// logged, scored or blocked is a miss — over variants aimed at each rule the fast path decides (protocol,
// method, headers, content types, extensions, encodings); at paranoia 2 it stands aside.
// The whole CRS suite goes through the same check in ctest waf_fast_path_check.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "waf/waf.h"

namespace sw::waf {
namespace {

using guard::FilterHeader;
using guard::FilterRequest;
using guard::FilterVerdict;

struct Req {
  std::string method = "GET";
  std::string target = "/p/042/";
  std::string version = "1.1";
  std::vector<std::pair<std::string, std::string>> headers = {
      {"Host", "union.example.cn"},
      {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"},
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"},
      {"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.8"},
      {"Accept-Encoding", "gzip, deflate, br"},
      {"Cookie", "sw_lang=zh-CN; _ga=GA1.1.123456789.1700000000"}};
  std::string body;
  std::string client_ip = "198.51.100.23";
};

FilterVerdict inspect(Waf& waf, const Req& r) {
  static int n = 0;
  std::string id = "fast-" + std::to_string(++n);
  std::vector<FilterHeader> headers;
  for (const auto& [name, value] : r.headers) headers.push_back({name, value});
  FilterRequest f;
  f.request_id = id;
  f.client_ip = r.client_ip;
  f.client_port = 50000;
  f.server_ip = "127.0.0.1";
  f.server_port = 80;
  f.method = r.method;
  f.target = r.target;
  f.http_version = r.version;
  f.host = "union.example.cn";
  f.site_id = 1;
  f.headers = headers;
  f.body = r.body;
  return waf.inspect(f);
}

Req form(std::string body, std::string type = "application/x-www-form-urlencoded") {
  Req r;
  r.method = "POST";
  r.target = "/index.html";
  r.headers.push_back({"Content-Type", std::move(type)});
  r.headers.push_back({"Content-Length", std::to_string(body.size())});
  r.body = std::move(body);
  return r;
}

std::uint64_t counter(const Waf& waf, const std::string& outcome) {
  std::string text;
  waf.append_metrics(text);
  const std::string key = "waf_prefilter_total{outcome=\"" + outcome + "\"} ";
  auto at = text.find(key);
  return at == std::string::npos ? 0 : std::stoull(text.substr(at + key.size()));
}

bool blocked(const FilterVerdict& v) { return v.action == FilterVerdict::Action::block; }

class FastPathTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cache_ = std::filesystem::temp_directory_path() / ("waf_fast_path_test_" + std::to_string(::getpid()));
  }
  static void TearDownTestSuite() { std::filesystem::remove_all(cache_); }

  std::unique_ptr<Waf> make(WafOptions::Prefilter use, int paranoia = 1) {
    WafOptions o;
    o.prefilter = use;
    o.prefilter_cache_dir = cache_;
    o.defaults.paranoia = paranoia;
    auto waf = Waf::create(std::move(o));
    EXPECT_TRUE(waf.has_value()) << (waf ? "" : waf.error().to_string());
    return waf ? std::move(*waf) : nullptr;
  }

  static std::filesystem::path cache_;
};
std::filesystem::path FastPathTest::cache_;

// The ordinary use of a union's site: pages, a Chinese search, Chinese form text, JSON.
std::vector<Req> ordinary() {
  std::vector<Req> all;
  all.push_back(Req{});
  Req search;
  search.target = "/search?q=%E8%81%8C%E5%B7%A5%E6%9D%83%E7%9B%8A+%E5%8A%B3%E5%8A%A8%E5%90%88%E5%90%8C&page=2";
  all.push_back(search);
  Req css;
  css.target = "/assets/site.css";
  css.headers[2] = {"Accept", "text/css,*/*;q=0.1"};
  all.push_back(css);
  all.push_back(form("name=%E5%BC%A0%E4%B8%89&phone=13800138000&content=%E5%BB%BA%E8%AE%AE%E6%AF%8F%E5%AD%A3%E5%BA%A6"
                     "%E5%8F%AC%E5%BC%80%E8%81%8C%E5%B7%A5%E4%BB%A3%E8%A1%A8%E5%BA%A7%E8%B0%88%E4%BC%9A%E3%80%82"));
  all.push_back(form("{\"q\": \"工资集体协商\", \"filters\": {\"year\": 2026}, \"page\": 1}", "application/json"));
  return all;
}

TEST_F(FastPathTest, OrdinaryRequestsAreCleanWithoutTheReducedRuleSet) {
  auto waf = make(WafOptions::Prefilter::on);
  ASSERT_TRUE(waf);
  auto requests = ordinary();
  for (const auto& r : requests) EXPECT_FALSE(blocked(inspect(*waf, r))) << r.method << " " << r.target;
  EXPECT_EQ(counter(*waf, "fast_pass"), requests.size());
  // An attack is never clean: the full rule set blocks it.
  Req xss;
  xss.target = "/?comment=%3Cscript%3Ealert%28document.cookie%29%3C%2Fscript%3E";
  EXPECT_TRUE(blocked(inspect(*waf, xss)));
  EXPECT_EQ(counter(*waf, "fast_pass"), requests.size());
}

// Each variant aims at one rule the fast path decides instead of ModSecurity. In check mode the full rule
// set runs too and decides the verdict; the fast path must never have called clean what it logged.
TEST_F(FastPathTest, CheckModeFindsNoMissOnVariantsAimedAtEachRule) {
  auto waf = make(WafOptions::Prefilter::check);
  ASSERT_TRUE(waf);
  using Change = std::function<void(Req&)>;
  auto header = [](std::string name, std::string value) {
    return Change([=](Req& r) { r.headers.push_back({name, value}); });
  };
  auto without = [](std::string name) {
    return Change([=](Req& r) {
      std::erase_if(r.headers, [&](const auto& h) { return h.first == name; });
    });
  };
  std::vector<std::pair<std::string, Change>> variants = {
      {"plain", [](Req&) {}},
      {"920160 length not a number", header("Content-Length", "12a")},
      {"920170 GET with a body length", header("Content-Length", "5")},
      {"920170 GET with length 0", header("Content-Length", "0")},
      {"920171 GET chunked", header("Transfer-Encoding", "chunked")},
      {"920180 POST without length", [](Req& r) { r.method = "POST"; }},
      {"920181 chunked and length", [](Req& r) {
         r.headers.push_back({"Transfer-Encoding", "chunked"});
         r.headers.push_back({"Content-Length", "0"});
       }},
      {"920220 bad escape in the path", [](Req& r) { r.target = "/p/%zz/"; }},
      {"920220 escaped percent", [](Req& r) { r.target = "/p/100%25/"; }},
      {"920270 NUL in the query", [](Req& r) { r.target = "/?q=a%00b"; }},
      {"920270 NUL in a cookie", [](Req& r) { r.headers.back().second = "sid=a%00b"; }},
      {"920270 unicode NUL", [](Req& r) { r.target = "/?q=%u0000"; }},
      {"920280 no Host", without("Host")},
      {"920290 empty Host", [](Req& r) { r.headers[0].second = ""; }},
      {"911100 PUT", [](Req& r) { r.method = "PUT"; }},
      {"911100 lower-case get", [](Req& r) { r.method = "get"; }},
      {"920430 HTTP/3.0", [](Req& r) { r.version = "3.0"; }},
      {"920430 HTTP/1.0", [](Req& r) { r.version = "1.0"; }},
      {"920100 no leading slash", [](Req& r) { r.target = "p/042/"; }},
      {"920100 absolute URI", [](Req& r) { r.target = "http://union.example.cn/p/042/"; }},
      {"920440 .bak", [](Req& r) { r.target = "/backup/site.bak"; }},
      {"920440 .BAK", [](Req& r) { r.target = "/backup/site.BAK"; }},
      {"920440 escaped .b%61k", [](Req& r) { r.target = "/backup/site.b%61k"; }},
      {"920440 .html", [](Req& r) { r.target = "/p/042/index.html"; }},
      {"920450 Proxy header", header("Proxy", "http://evil.example")},
      {"920450 If header", header("If", "<x>")},
      {"920450 Content-Encoding", header("Content-Encoding", "gzip")},
      {"920600 odd Accept", [](Req& r) { r.headers[2].second = "text/html;;;(x)"; }},
      {"920600 Accept */*", [](Req& r) { r.headers[2].second = "*/*"; }},
      {"905110 dummy connection", [](Req& r) {
         r.client_ip = "127.0.0.1";
         r.target = "/";
         r.headers[1].second = "Apache (internal dummy connection)";
       }},
      {"920350 numeric Host", [](Req& r) { r.headers[0].second = "10.0.0.1"; }},
      {"921 header injection", header("X-Note", "a%0d%0aSet-Cookie: x=1")},
      {"942100 SQL in a cookie", [](Req& r) { r.headers.back().second = "id=1' or '1'='1"; }},
      {"941100 XSS in the query", [](Req& r) { r.target = "/?q=<script>alert(1)</script>"; }},
  };
  auto body = [](std::string b, std::string type) {
    return Change([=](Req& r) {
      r.method = "POST";
      r.target = "/index.html";
      if (!type.empty()) r.headers.push_back({"Content-Type", type});
      r.headers.push_back({"Content-Length", std::to_string(b.size())});
      r.body = b;
    });
  };
  std::vector<std::pair<std::string, Change>> bodies = {
      {"form", body("name=%E5%BC%A0%E4%B8%89&year=2026", "application/x-www-form-urlencoded")},
      {"920240 bad escape in a form", body("name=%zz&year=2026", "application/x-www-form-urlencoded")},
      {"920340 body without a type", body("name=a", "")},
      {"920420 text/plain", body("hello", "text/plain")},
      {"920420 upper-case type", body("name=a", "APPLICATION/X-WWW-FORM-URLENCODED")},
      {"920480 charset utf-7", body("name=a", "application/x-www-form-urlencoded; charset=utf-7")},
      {"920480 charset utf-8", body("name=a", "application/x-www-form-urlencoded; charset=UTF-8")},
      {"920470 bad type syntax", body("name=a", "application/x-www-form-urlencoded;;; (evil)")},
      {"json", body("{\"a\": \"工会\", \"b\": [1, 2]}", "application/json")},
      {"200002 broken JSON", body("{\"a\": ", "application/json")},
      {"json SQL", body("{\"q\": \"1' union select password from users--\"}", "application/json")},
      {"xml", body("<a><b>x</b></a>", "text/xml")},
      {"multipart", body("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--\r\n",
                         "multipart/form-data; boundary=b")},
      {"920270 NUL in a form value", body("name=a%00b", "application/x-www-form-urlencoded")},
      {"many arguments", [](Req& r) {
         std::string b;
         for (int i = 0; i < 150; ++i) b += (i ? "&a" : "a") + std::to_string(i) + "=" + std::to_string(i);
         r.method = "POST";
         r.target = "/index.html";
         r.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
         r.headers.push_back({"Content-Length", std::to_string(b.size())});
         r.body = b;
       }},
  };
  variants.insert(variants.end(), bodies.begin(), bodies.end());
  int blocked_count = 0;
  for (const auto& [name, change] : variants) {
    Req r;
    change(r);
    std::uint64_t misses = counter(*waf, "miss");
    blocked_count += blocked(inspect(*waf, r));
    EXPECT_EQ(counter(*waf, "miss"), misses) << "the fast path or the prefilter missed: " << name;
  }
  // The variants are not all harmless: the full rule set blocks many (so the comparison had positives to
  // get wrong), and the fast path found the plain ones clean (so it ran).
  EXPECT_GE(blocked_count, 12);
  EXPECT_GE(counter(*waf, "fast_pass"), 6u);
  EXPECT_EQ(counter(*waf, "miss"), 0u);
}

TEST_F(FastPathTest, AtParanoia2ItStandsAsideAndTheVerdictsStay) {
  auto waf = make(WafOptions::Prefilter::on, 2);
  ASSERT_TRUE(waf);
  for (const auto& r : ordinary()) EXPECT_FALSE(blocked(inspect(*waf, r))) << r.method << " " << r.target;
  Req bak;
  bak.target = "/backup/site.bak";
  EXPECT_TRUE(blocked(inspect(*waf, bak)));
  EXPECT_EQ(counter(*waf, "fast_pass"), 0u);
  EXPECT_GE(counter(*waf, "prefilter_pass"), 1u);
}

}  // namespace
}  // namespace sw::waf
