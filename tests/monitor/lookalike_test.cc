// Specification of counterfeit-domain detection (issue 7, N5.3): the lookalike names generated for a
// domain, punycode, page comparison, and the probe against real servers on loopback — nsd + unbound
// (dns_lab.h) resolving two lookalike names to 127.0.0.1 and nginx serving, by server_name, a copy of
// the site for one and an unrelated page for the other.
#include <gtest/gtest.h>

#include <algorithm>

#include "identity/fixture.h"  // FakeAuditLog
#include "monitor/dns_lab.h"
#include "monitor/lookalike_names.h"
#include "monitor/lookalike_probe.h"
#include "monitor/loopback.h"
#include "monitor/monitor_pass.h"

namespace sw::monitor {
namespace {

bool has(const std::vector<Lookalike>& v, const std::string& domain, const std::string& kind) {
  return std::ranges::any_of(v, [&](const Lookalike& l) { return l.domain == domain && l.kind == kind; });
}

TEST(LookalikeNames, SplitsTheRegistrableLabel) {
  auto p = split_domain("WWW.jszgh.org.cn.");
  EXPECT_EQ(p.label, "jszgh");
  EXPECT_EQ(p.suffix, "org.cn");
  EXPECT_EQ(p.prefix, "");
  p = split_domain("nj.jszgh.org.cn");
  EXPECT_EQ(p.prefix, "nj.");
  EXPECT_EQ(p.label, "jszgh");
  EXPECT_TRUE(split_domain("localhost").label.empty());
}

TEST(LookalikeNames, EveryKindAndBounded) {
  const auto all = lookalikes("www.zhonghua.org.cn", 10'000);
  EXPECT_TRUE(has(all, "zhonghua.com", "tld"));
  EXPECT_TRUE(has(all, "zhonghua.cn", "tld"));
  EXPECT_TRUE(has(all, "zhonghua.com.cn", "tld"));
  EXPECT_TRUE(has(all, "zonghua.org.cn", "pinyin"));    // zh → z
  EXPECT_TRUE(has(lookalikes("jiangsu.org.cn", 100), "jiansu.org.cn", "pinyin"));    // ang → an
  EXPECT_TRUE(has(lookalikes("jiangsu.org.cn", 100), "jiangshu.org.cn", "pinyin"));  // s → sh
  EXPECT_TRUE(has(all, "zh0nghua.org.cn", "homoglyph"));
  EXPECT_TRUE(has(all, "zhnghua.org.cn", "omission"));
  EXPECT_TRUE(has(all, "hzonghua.org.cn", "transposition"));
  EXPECT_TRUE(has(all, "zhong-hua.org.cn", "hyphen"));
  EXPECT_TRUE(has(all, "zhhonghua.org.cn", "repetition"));
  EXPECT_TRUE(has(all, "xhonghua.org.cn", "adjacent"));
  EXPECT_TRUE(std::ranges::any_of(all, [](const Lookalike& l) { return l.kind == "idn" && l.domain.starts_with("xn--"); }));
  EXPECT_FALSE(std::ranges::any_of(all, [](const Lookalike& l) { return l.domain == "zhonghua.org.cn"; }));
  std::vector<std::string> names;
  for (const auto& l : all) names.push_back(l.domain);
  std::ranges::sort(names);
  EXPECT_EQ(std::ranges::adjacent_find(names), names.end());  // no duplicates
  EXPECT_EQ(lookalikes("www.zhonghua.org.cn", 7).size(), 7u);
  EXPECT_TRUE(lookalikes("www.zhonghua.org.cn", 0).empty());
  EXPECT_EQ(lookalikes("www.zhonghua.org.cn", 7)[0].kind, "tld");
}

TEST(LookalikeNames, PunycodeOfRfc3492) {
  EXPECT_EQ(punycode_label("bücher"), "xn--bcher-kva");
  EXPECT_EQ(punycode_label("中国"), "xn--fiqs8s");
  EXPECT_EQ(punycode_label("\xD0\xB0pple"), "xn--pple-43d");  // Cyrillic а + "pple"
  EXPECT_EQ(punycode_label("plain"), "plain");
  EXPECT_EQ(punycode_label("\xff"), "");
}

TEST(LookalikePages, ComparesTitleIcpSponsorAndText) {
  const std::string site = "<html><head><title>江苏省总工会</title><script>var x='ignored';</script></head><body>"
                           "<h1>江苏省总工会</h1><p>职工之家，服务职工群众，维护职工合法权益，推动劳动和技能竞赛。</p>"
                           "<footer>主办单位：江苏省总工会 | 苏ICP备12345678号-1</footer></body></html>";
  const PageTraits a = page_traits(site);
  EXPECT_EQ(a.title, "江苏省总工会");
  EXPECT_EQ(a.icp, std::vector<std::string>{"12345678"});
  EXPECT_EQ(a.sponsor, "江苏省总工会");
  const Likeness same = compare_pages(a, page_traits(site));
  EXPECT_DOUBLE_EQ(same.similarity, 1.0);
  EXPECT_TRUE(same.same_icp && same.same_title && same.same_sponsor);
  EXPECT_TRUE(same.counterfeit(0.6));
  const Likeness other = compare_pages(a, page_traits("<title>域名出售</title><p>This domain is for sale. 联系我们购买。</p>"));
  EXPECT_LT(other.similarity, 0.1);
  EXPECT_FALSE(other.counterfeit(0.6));
  EXPECT_TRUE(compare_pages(a, page_traits("<p>备案 苏ICP备12345678号</p>")).same_icp);  // the ICP alone is enough
}

TEST(LookalikeProbe, CopyIsCounterfeitUnrelatedPageIsRegistered) {
  const auto dir = testing::temp_dir("sw-lookalike");
  testing::DnsLab lab(dir / "lab");
  testing::ChildZone zone;
  zone.address = "127.0.0.1";
  // Two lookalikes of example.swtest registered: an omission and a homoglyph.
  zone.parent_extra = {"exmple.swtest. IN A 127.0.0.1", "examp1e.swtest. IN A 127.0.0.1"};
  lab.serve(zone);

  const std::string site_page = "<html><head><title>示例市总工会</title></head><body><h1>示例市总工会</h1>"
                                "<p>工会新闻：全市职工技能大赛圆满落幕，劳模工匠进校园活动启动，困难职工帮扶资金发放到位。</p>"
                                "<footer>主办单位：示例市总工会 | 苏ICP备87654321号</footer></body></html>";
  testing::write_file(dir / "site" / "index.html", site_page);
  testing::write_file(dir / "fake" / "index.html", site_page);  // a copy, as counterfeiters make them
  testing::write_file(dir / "other" / "index.html", "<html><title>Parked</title><p>This domain may be for sale.</p></html>");
  const int port = testing::free_port();
  auto server = [&](const std::string& name, const std::string& root) {
    return "server { listen 127.0.0.1:" + std::to_string(port) + "; server_name " + name + "; root " +
           (dir / root).string() + "; }\n";
  };
  testing::Nginx nginx(dir / "nginx",
                       server("www.example.swtest", "site") + server("exmple.swtest", "fake") +
                           server("examp1e.swtest", "other"),
                       {port});

  auto db = store::Database::open_memory();
  ASSERT_TRUE(db) << db.error().to_string();
  ASSERT_TRUE((*db)->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, '示例市总工会', 'city')"));
  const std::int64_t org = (*db)->last_insert_id();
  ASSERT_TRUE((*db)->exec("INSERT INTO sites (org_id, name) VALUES (?1, '示例工会网')", {org}));
  SiteTarget site{(*db)->last_insert_id(), org, "示例工会网", false, {"www.example.swtest"}, "http://www.example.swtest/"};
  identity::testing::FakeAuditLog audit;
  FakeClock clock;
  MonitorService service(**db, audit, MonitorOptions{}, clock);
  PassOptions options;
  options.dns.upstream = lab.resolver();
  options.dns.trust_anchor = lab.anchor().string();
  options.dns.timeout = std::chrono::milliseconds(2000);
  options.uptime.timeout = std::chrono::milliseconds(5000);
  options.uptime.retries = 0;
  options.uptime.connect_to = {"::127.0.0.1:" + std::to_string(port)};  // every name's port 80 to nginx
  options.lookalike.max_per_domain = 500;

  auto summary = run_pass(service, Probe::lookalike, {site}, options, "test", {}, clock);
  ASSERT_TRUE(summary) << summary.error().to_string();
  auto found = service.findings(identity::Principal::system("tester"), identity::Scope::site(site.site_id));
  ASSERT_TRUE(found);
  std::map<std::string, Finding> by_subject;
  for (const auto& f : *found) by_subject[f.observation.subject] = f;
  ASSERT_EQ(by_subject.size(), 2u) << summary->sites[0].headline;
  const Finding& fake = by_subject.at("exmple.swtest");
  EXPECT_EQ(fake.observation.kind, "lookalike.counterfeit");
  EXPECT_EQ(fake.observation.severity, Severity::critical);
  EXPECT_EQ(fake.observation.clause, "N5.3");
  EXPECT_EQ(fake.observation.evidence["kind"], "omission");
  EXPECT_EQ(fake.observation.evidence["same_icp"], true);
  const Finding& parked = by_subject.at("examp1e.swtest");
  EXPECT_EQ(parked.observation.kind, "lookalike.registered");
  EXPECT_EQ(parked.observation.severity, Severity::info);
  EXPECT_NE(summary->sites[0].headline.find("2 registered, 1 counterfeit"), std::string::npos)
      << summary->sites[0].headline;
  nginx.stop();
  lab.stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sw::monitor
