// The probes against real servers on loopback (issue 7): nginx serving a generated site with known
// broken links, redirects, soft 404s and a disallowed external link (exact counts, N3.6); TLS
// servers with an expired, a wrong-host, an old-protocol and a good certificate (N7.4, N7.2); uptime
// of a server that stops (an incident after N failures, closed on recovery); bad input — an
// unreachable host, a slow-drip answer, a huge page, a redirect loop — bounded and reported.
#include <gtest/gtest.h>

#include <algorithm>

#include "identity/fixture.h"  // FakeAuditLog
#include "monitor/fetcher.h"
#include "monitor/link_checker.h"
#include "monitor/loopback.h"
#include "monitor/monitor_service.h"
#include "monitor/tls_probe.h"
#include "monitor/uptime_probe.h"

namespace sw::monitor {
namespace {

using namespace testing;

FetchOptions quick() {
  FetchOptions f;
  f.timeout = std::chrono::milliseconds(3000);
  f.connect_timeout = std::chrono::milliseconds(2000);
  return f;
}

// ---- links ------------------------------------------------------------------------------------

class LinkSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir("sw-monitor-links");
    const fs::path root = dir_ / "www";
    write_file(root / "index.html", R"(<html><head><title>南京市总工会</title><link rel="stylesheet" href="/s.css"></head><body>
      <a href="/a.html">工会动态</a> <a href="/missing.html">缺失页面</a> <a href="/old">旧栏目</a>
      <a href="/soft.html">失效专题</a> <img src="/img/logo.png" alt="会徽"> <img src="/img/none.png" alt="徽标">
      <a href="/loop">循环</a> <a href="http://ads.casino.example/">娱乐城</a> <a href="http://www.gov.cn/">中国政府网</a>
      <img src="/nohead/pic.png" alt="图片"> <a href="mailto:office@example.org.cn">信箱</a> <a href="#top">顶部</a></body></html>)");
    write_file(root / "a.html", R"(<html><head><title>工会动态</title></head><body>
      <a href="/missing.html">又一个缺失</a> <a href="b.html">B 页</a> <a href="/">首页</a></body></html>)");
    write_file(root / "soft.html", "<html><head><title>页面不存在</title></head><body>对不起</body></html>");
    write_file(root / "s.css", "body{}");
    write_file(root / "img/logo.png", "png");
    write_file(root / "nohead/pic.png", "png");
    write_file(root / "external.html", "<html><head><title>外部</title></head></html>");
    port_ = free_port();
    const std::string p = std::to_string(port_);
    nginx_ = std::make_unique<Nginx>(dir_,
                                     "server { listen 127.0.0.1:" + p + "; server_name 127.0.0.1; root " +
                                         root.string() +
                                         ";\n location = /old { return 301 /a.html; }\n"
                                         " location = /loop { return 302 /loop2; }\n"
                                         " location = /loop2 { return 302 /loop; }\n"
                                         " location /nohead/ { if ($request_method = HEAD) { return 405; } }\n}\n"
                                         "server { listen 127.0.0.1:" + p + "; server_name ads.casino.example www.gov.cn; root " +
                                         root.string() + "; index external.html; }\n",
                                     std::vector<int>{port_});
  }
  void TearDown() override {
    nginx_.reset();
    fs::remove_all(dir_);
  }

  LinkCheckOptions options() const {
    LinkCheckOptions o;
    o.fetch = quick();
    o.fetch.max_redirects = 5;
    o.fetch.connect_to = {"ads.casino.example:80:127.0.0.1:" + std::to_string(port_),
                          "www.gov.cn:80:127.0.0.1:" + std::to_string(port_)};
    return o;
  }
  LinkSite site() const {
    return {1, "http://127.0.0.1:" + std::to_string(port_) + "/", {"127.0.0.1"}, {"gov.cn"}};
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<Nginx> nginx_;
};

TEST_F(LinkSiteTest, FindsExactlyTheDeadSoftAndLoopingLinksWithPagesAndAnchors) {
  const LinkReport r = check_links(site(), options());
  EXPECT_EQ(r.dead_urls(), (std::vector<std::string>{url("/b.html"), url("/img/none.png"), url("/loop"),
                                                     url("/missing.html"), url("/soft.html")}));
  ASSERT_EQ(r.dead.size(), 6u);  // /missing.html is linked from two pages
  auto find = [&](const std::string& u, const std::string& page) {
    return std::ranges::find_if(r.dead, [&](const DeadLink& d) { return d.url == u && d.page == page; });
  };
  auto missing = find(url("/missing.html"), url("/a.html"));
  ASSERT_NE(missing, r.dead.end());
  EXPECT_EQ(missing->anchor, "又一个缺失");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->reason, "http_404");
  EXPECT_EQ(find(url("/img/none.png"), url("/"))->anchor, "徽标");
  EXPECT_EQ(find(url("/soft.html"), url("/"))->reason, "soft_404");
  EXPECT_EQ(find(url("/loop"), url("/"))->reason, "redirect_loop");
  EXPECT_EQ(r.soft_404, 1);
  EXPECT_EQ(r.pages, 2);      // index and a.html (old redirects to a.html, counted once)
  EXPECT_EQ(r.redirected, 1);  // /old
  // index, a.html, missing, old, soft, logo, none, loop, casino, gov.cn, pic.png, s.css, b.html
  EXPECT_EQ(r.checked, 13);
}

TEST_F(LinkSiteTest, ExternalHostNotOnTheAllowlistIsDisallowed) {
  const LinkReport r = check_links(site(), options());
  ASSERT_EQ(r.disallowed.size(), 1u);
  EXPECT_EQ(r.disallowed[0].host, "ads.casino.example");
  EXPECT_EQ(r.disallowed[0].anchor, "娱乐城");
  EXPECT_EQ(r.disallowed[0].page, url("/"));
}

TEST_F(LinkSiteTest, HeadRefusedFallsBackToGet) {
  const LinkReport r = check_links(site(), options());
  EXPECT_TRUE(std::ranges::none_of(r.dead, [](const DeadLink& d) { return d.url.ends_with("pic.png"); }));
}

TEST_F(LinkSiteTest, CachedExternalTargetsAreNotFetchedAgain) {
  int asked = 0;
  const LinkReport first = check_links(site(), options());
  EXPECT_EQ(first.fresh.size(), 2u);  // the two external targets
  const LinkReport second = check_links(site(), options(), [&](const std::string& u) -> std::optional<CachedLink> {
    ++asked;
    if (u.find("casino") == std::string::npos) return std::nullopt;
    return CachedLink{404, "http_404", system_clock().now()};
  });
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(second.from_cache, 1);
  EXPECT_EQ(second.fresh.size(), 1u);
  EXPECT_EQ(second.dead_urls().size(), 6u);  // the cached answer counts
}

TEST_F(LinkSiteTest, PageBoundStopsTheCrawl) {
  LinkCheckOptions o = options();
  o.max_pages = 1;
  const LinkReport r = check_links(site(), o);
  EXPECT_EQ(r.pages, 1);
  EXPECT_TRUE(r.capped);
}

// ---- bad input: bounded, reported, never hanging --------------------------------------------------

TEST(FetcherBadInput, UnreachableSlowDripHugeAndLoopAreReported) {
  const fs::path dir = temp_dir("sw-monitor-bad");
  std::string big(3 << 20, 'x');
  write_file(dir / "www/huge.html", "<html><body>" + big + "</body></html>");
  const int port = free_port();
  const std::string p = std::to_string(port);
  Nginx nginx(dir,
              "server { listen 127.0.0.1:" + p + "; root " + (dir / "www").string() +
                  ";\n location = /loop { return 302 /loop; } }\n",
              {port});
  DripServer drip(std::chrono::milliseconds(200));
  const int closed = free_port();

  FetchOptions o = quick();
  o.timeout = std::chrono::milliseconds(1500);
  o.max_body_bytes = 1 << 20;
  o.max_redirects = 5;
  o.retries = 1;
  o.retry_backoff = std::chrono::milliseconds(50);
  std::vector<FetchResult> results(4);
  Fetcher fetcher(o);
  fetcher.run({{"http://127.0.0.1:" + std::to_string(closed) + "/", Method::get, 0},
               {"http://127.0.0.1:" + std::to_string(drip.port()) + "/", Method::get, 1},
               {"http://127.0.0.1:" + p + "/huge.html", Method::get, 2},
               {"http://127.0.0.1:" + p + "/loop", Method::get, 3}},
              [&](const FetchRequest& req, FetchResult&& r, const Fetcher::Queue&) { results[req.tag] = std::move(r); });
  EXPECT_EQ(results[0].error, "connect");
  EXPECT_EQ(results[0].attempts, 2);  // retried once with back-off
  EXPECT_EQ(results[1].error, "timeout");
  EXPECT_TRUE(results[2].loaded());
  EXPECT_TRUE(results[2].truncated);
  EXPECT_EQ(results[2].body.size(), std::size_t{1} << 20);
  EXPECT_EQ(results[3].error, "redirect_loop");
  EXPECT_EQ(resolve_url("http://a/", "not a url\x01"), "");
  fs::remove_all(dir);
}

// ---- uptime ---------------------------------------------------------------------------------------

TEST(Uptime, ServerThatStopsOpensAnIncidentAndRecoveryClosesIt) {
  const fs::path dir = temp_dir("sw-monitor-uptime");
  write_file(dir / "www/index.html", "<title>首页</title>");
  const int port = free_port();
  Nginx nginx(dir, "server { listen 127.0.0.1:" + std::to_string(port) + "; root " + (dir / "www").string() + "; }\n",
              {port});
  auto db = store::Database::open_memory();
  ASSERT_TRUE(db);
  ASSERT_TRUE((*db)->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, 'p', 'province')"));
  ASSERT_TRUE((*db)->exec("INSERT INTO sites (org_id, name) VALUES (1, 's')"));
  identity::testing::FakeAuditLog audit;
  FakeClock clock;
  MonitorService service(**db, audit, {2}, clock);
  const std::vector<SiteTarget> sites{{1, 1, "s", true, {"127.0.0.1"}, "http://127.0.0.1:" + std::to_string(port) + "/"}};
  FetchOptions o = quick();
  o.retries = 1;
  o.retry_backoff = std::chrono::milliseconds(20);

  auto pass = [&] {
    clock.advance(std::chrono::minutes(5));
    auto results = probe_uptime(sites, o);
    EXPECT_EQ(results.size(), 1u);
    return service.record(results[0]).value();
  };
  EXPECT_EQ(pass(), IncidentChange::none);
  nginx.stop();
  EXPECT_EQ(pass(), IncidentChange::none);
  EXPECT_EQ(pass(), IncidentChange::opened);
  auto down = probe_uptime(sites, o);
  EXPECT_FALSE(down[0].ok);
  EXPECT_EQ(down[0].detail["error"], "connect");
  EXPECT_EQ(down[0].detail["attempts"], 2);
  // 2 of 3 probes this week failed: the inspection rule (>= 5%) fails the site.
  auto seen = uptime_observations(service, sites[0], down[0], clock.now());
  ASSERT_TRUE(seen);
  ASSERT_EQ(seen->size(), 2u);
  EXPECT_EQ((*seen)[0].kind, "uptime.inspection_rule");
  EXPECT_EQ((*seen)[0].evidence["not_loaded"], 2);
  nginx.start();
  EXPECT_EQ(pass(), IncidentChange::closed);
  fs::remove_all(dir);
}

// ---- TLS ------------------------------------------------------------------------------------------

TEST(Tls, ExpiredWrongHostOldProtocolAndGoodCertificatesAreGraded) {
  const fs::path dir = temp_dir("sw-monitor-tls");
  TestCa ca(dir);
  ca.issue("good", "good.test", -3600, 86400 * 90);
  ca.issue("soon", "soon.test", -3600, 86400 * 10);
  ca.issue("expired", "expired.test", -86400 * 30, -86400);
  ca.issue("wrong", "other.test", -3600, 86400 * 90);
  ca.issue("old", "old.test", -3600, 86400 * 90);
  ca.issue("nofs", "nofs.test", -3600, 86400 * 90, /*rsa=*/true);
  std::vector<int> ports;
  std::string servers;
  auto server = [&](const std::string& name, const std::string& extra) {
    ports.push_back(free_port());
    servers += "server { listen 127.0.0.1:" + std::to_string(ports.back()) + " ssl; ssl_certificate " +
               (dir / (name + ".pem")).string() + "; ssl_certificate_key " + (dir / (name + ".key")).string() +
               "; " + extra + " location / { return 200 ok; } }\n";
  };
  const std::string hsts = "add_header Strict-Transport-Security \"max-age=31536000\" always;";
  // Forward-secret AEAD suites only (nginx's default list also has static-RSA ones: tls.weak_cipher).
  const std::string modern = "ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20; ";
  server("good", modern + hsts);
  server("soon", modern + hsts);
  server("expired", modern + hsts);
  server("wrong", modern + hsts);
  server("old", "ssl_protocols TLSv1 TLSv1.1 TLSv1.2; ssl_ciphers DEFAULT:@SECLEVEL=0; " + hsts);
  server("good", modern);  // no HSTS
  server("nofs", "ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256; " + hsts);
  Nginx nginx(dir, servers, ports);

  TlsOptions o;
  o.timeout = std::chrono::milliseconds(3000);
  o.ca_file = ca.ca_file().string();
  const char* names[] = {"good.test", "soon.test", "expired.test", "wrong.test", "old.test", "good.test", "nofs.test"};
  for (std::size_t i = 0; i < ports.size(); ++i) {
    o.connect_to.push_back(std::string(names[i]) + ":" + std::to_string(ports[i]) + ":127.0.0.1:" +
                           std::to_string(ports[i]));
  }
  const TimePoint now = system_clock().now();
  auto kinds = [&](const TlsReport& r) {
    std::vector<std::string> k;
    for (const auto& o : tls_observations(r, now)) k.push_back(o.kind);
    return k;
  };

  const TlsReport good = probe_tls("good.test", ports[0], o);
  EXPECT_TRUE(good.connected);
  EXPECT_TRUE(good.chain_ok) << good.chain_error;
  EXPECT_TRUE(good.hostname_ok);
  EXPECT_TRUE(good.old_protocols.empty());
  EXPECT_TRUE(good.weak_ciphers.empty());
  EXPECT_EQ(good.grade(now), 'A');
  EXPECT_TRUE(kinds(good).empty());

  const TlsReport soon = probe_tls("soon.test", ports[1], o);
  EXPECT_EQ(kinds(soon), std::vector<std::string>{"tls.expiring"});
  EXPECT_EQ(tls_observations(soon, now)[0].evidence["threshold_days"], 14);

  const TlsReport expired = probe_tls("expired.test", ports[2], o);
  EXPECT_EQ(expired.grade(now), 'F');
  EXPECT_EQ(kinds(expired), std::vector<std::string>{"tls.expired"});

  const TlsReport wrong = probe_tls("wrong.test", ports[3], o);
  EXPECT_EQ(wrong.grade(now), 'F');
  EXPECT_EQ(kinds(wrong), std::vector<std::string>{"tls.hostname_mismatch"});

  const TlsReport old = probe_tls("old.test", ports[4], o);
  EXPECT_EQ(old.old_protocols, (std::vector<std::string>{"TLSv1", "TLSv1.1"}));
  EXPECT_EQ(old.grade(now), 'C');
  EXPECT_EQ(kinds(old), std::vector<std::string>{"tls.old_protocol"});  // an EC key: no static RSA

  // A server that still takes static-RSA key exchange: no forward secrecy, graded B, a warning that
  // names the class and the suite it chose.
  const TlsReport nofs = probe_tls("nofs.test", ports[6], o);
  ASSERT_EQ(nofs.weak_ciphers.size(), 1u);
  EXPECT_EQ(nofs.weak_ciphers[0].first, "no_forward_secrecy");
  EXPECT_EQ(nofs.weak_ciphers[0].second, "AES128-GCM-SHA256");
  EXPECT_EQ(nofs.grade(now), 'B');
  const auto nofs_seen = tls_observations(nofs, now);
  ASSERT_EQ(nofs_seen.size(), 1u);
  EXPECT_EQ(nofs_seen[0].kind, "tls.weak_cipher");
  EXPECT_EQ(nofs_seen[0].severity, Severity::warning);
  EXPECT_EQ(nofs_seen[0].evidence["accepted"][0]["class"], "no_forward_secrecy");

  const TlsReport no_hsts = probe_tls("good.test", ports[5], o);
  EXPECT_EQ(no_hsts.grade(now), 'B');
  EXPECT_EQ(kinds(no_hsts), std::vector<std::string>{"tls.no_hsts"});

  const TlsReport nobody = probe_tls("good.test", free_port(), TlsOptions{std::chrono::milliseconds(1000), "", {}});
  EXPECT_FALSE(nobody.connected);
  EXPECT_EQ(kinds(nobody), std::vector<std::string>{"tls.unreachable"});
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sw::monitor
