// Specification of the DNS probe (issue 7, N7.2) against real servers on loopback (dns_lab.h): nsd
// serving a signed zone, unbound validating from the test anchor. The first pass records the baseline;
// a changed A record, a changed NS, a stripped signature, a removed DS and a rogue resolver are each
// detected; accepting a change resolves it on the next pass; an unreachable resolver is a finding, not
// a hang. Plus the record formatting and the judgement without servers.
#include <gtest/gtest.h>

#include <algorithm>

#include "identity/fixture.h"  // FakeAuditLog
#include "monitor/dns_baselines.h"
#include "monitor/dns_probe.h"
#include "monitor/dns_resolver.h"
#include "monitor/loopback.h"
#include "monitor/monitor_pass.h"
#include "monitor/dns_lab.h"
#include "monitor/registrable_domain.h"

namespace sw::monitor {
namespace {

using testing::ChildZone;
using testing::DnsLab;

TEST(DnsRecordText, FormatsEachTypeCanonically) {
  EXPECT_EQ(rdata_text(1, std::string("\x0a\x00\x00\x01", 4)), "10.0.0.1");
  EXPECT_EQ(rdata_text(2, std::string("\x03NS1\x07" "Example\x00", 13)), "ns1.example.");
  EXPECT_EQ(rdata_text(15, std::string("\x00\x0a\x04mail\x00", 8)), "10 mail.");
  EXPECT_EQ(rdata_text(257, std::string("\x00\x05issueca.cn", 12)), "0 issue \"ca.cn\"");
  EXPECT_EQ(rdata_text(43, std::string("\x30\x39\x0d\x02\xab\xcd", 6)), "12345 13 2 abcd");
  EXPECT_EQ(rdata_text(1, "xy"), "\\# 2 7879");  // malformed: RFC 3597 form, never a crash
  EXPECT_EQ(rdata_text(2, std::string("\x40", 1)), "\\# 1 40");
}

TEST(DnsJudgement, NoBaselineNoDriftAndUnresolvable) {
  DomainAnswers a;
  a.domain = "www.example.swtest";
  a.validated.resize(dns_questions(a.domain).size());
  for (auto& v : a.validated) v.status = DnsStatus::answered;
  a.validated[0].records = {"10.0.0.1"};
  EXPECT_TRUE(dns_observations(a, {}).empty());
  a.validated[0].status = DnsStatus::nxdomain;
  auto seen = dns_observations(a, {});
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].kind, "dns.unresolvable");
  EXPECT_EQ(seen[0].severity, Severity::critical);
}

// N7.2: NS and DS live at the registrable domain (where the registrar holds them), not at the host name
// minus "www.": public-suffix aware.
TEST(DnsZone, IsTheRegistrableDomain) {
  EXPECT_EQ(registrable_domain("www.jsgh.org.cn"), "jsgh.org.cn");
  EXPECT_EQ(registrable_domain("news.foo.gov.cn"), "foo.gov.cn");
  EXPECT_EQ(registrable_domain("a.b.news.foo.gov.cn."), "foo.gov.cn");
  EXPECT_EQ(registrable_domain("WWW.Example.COM"), "example.com");
  EXPECT_EQ(registrable_domain("jsgh.org.cn"), "jsgh.org.cn");
  EXPECT_EQ(registrable_domain("gov.cn"), "gov.cn");                  // a public suffix: itself
  EXPECT_EQ(registrable_domain("www.example.swtest"), "example.swtest");  // unknown TLD: default rule "*"
  EXPECT_EQ(registrable_domain("localhost"), "localhost");
  EXPECT_EQ(registrable_domain(""), "");
  const auto q = dns_questions("news.foo.gov.cn");
  ASSERT_EQ(q.size(), 7u);
  EXPECT_EQ(q[0].name, "news.foo.gov.cn");  // A, AAAA, CNAME of the name
  EXPECT_EQ(q[3].name, "foo.gov.cn");       // NS, DS, MX, CAA of the zone
  EXPECT_EQ(q[3].type, RrType::ns);
  EXPECT_EQ(q[4].name, "foo.gov.cn");
  EXPECT_EQ(q[4].type, RrType::ds);
  EXPECT_EQ(dns_zone("www.jsgh.org.cn"), "jsgh.org.cn");
}

class DnsProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::temp_dir("sw-dns-probe");
    lab_ = std::make_unique<DnsLab>(dir_ / "lab");
    lab_->serve(ChildZone{});
    auto db = store::Database::open_memory();
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, '江苏省总工会', 'province')"));
    org_ = db_->last_insert_id();
    ASSERT_TRUE(db_->exec("INSERT INTO sites (org_id, name) VALUES (?1, '示例工会网')", {org_}));
    site_.site_id = db_->last_insert_id();
    site_.org_id = org_;
    site_.name = "示例工会网";
    site_.domains = {"www.example.swtest"};
    service_ = std::make_unique<MonitorService>(*db_, audit_, MonitorOptions{}, clock_);
    options_.dns.upstream = lab_->resolver();
    options_.dns.trust_anchor = lab_->anchor().string();
    options_.dns.timeout = std::chrono::milliseconds(2000);
    options_.dns.retries = 1;
  }
  void TearDown() override {
    lab_.reset();
    std::filesystem::remove_all(dir_);
  }

  // One pass; the open findings' kind + subject afterwards.
  std::vector<std::string> pass() {
    clock_.advance(std::chrono::minutes(60));
    auto s = run_pass(*service_, Probe::dns, {site_}, options_, "test", {}, clock_);
    EXPECT_TRUE(s) << s.error().to_string();
    if (s) headline_ = s->sites.at(0).headline;
    auto f = service_->findings(machine_, identity::Scope::site(site_.site_id));
    EXPECT_TRUE(f) << f.error().to_string();
    std::vector<std::string> out;
    for (const auto& x : f.value_or(std::vector<Finding>{})) {
      out.push_back(x.observation.kind + " " + x.observation.subject);
      severity_[out.back()] = x.observation.severity;
    }
    std::ranges::sort(out);
    return out;
  }

  bool has(const std::vector<std::string>& v, const std::string& s) { return std::ranges::find(v, s) != v.end(); }

  std::filesystem::path dir_;
  std::unique_ptr<DnsLab> lab_;
  std::unique_ptr<store::Database> db_;
  identity::testing::FakeAuditLog audit_;
  FakeClock clock_;
  std::unique_ptr<MonitorService> service_;
  std::int64_t org_ = 0;
  SiteTarget site_;
  PassOptions options_;
  std::string headline_;
  std::map<std::string, Severity> severity_;
  const identity::Principal machine_ = identity::Principal::system("tester");
  const identity::Actor operator_{identity::Principal::system("tester"), "local", "test"};
};

TEST_F(DnsProbeTest, ValidatedAnswersAreSecureAndBecomeTheBaseline) {
  auto resolver = DnsResolver::create(lab_->resolver(), lab_->anchor().string(), options_.dns);
  ASSERT_TRUE(resolver) << resolver.error().to_string();
  auto answers = (*resolver)->resolve(dns_questions("www.example.swtest"));
  ASSERT_EQ(answers.size(), 7u);
  EXPECT_EQ(answers[0].status, DnsStatus::answered);
  EXPECT_EQ(answers[0].records, std::vector<std::string>{"10.0.0.1"});
  EXPECT_TRUE(answers[0].secure) << answers[0].why_bogus;
  EXPECT_EQ(answers[3].records, std::vector<std::string>{"ns1.example.swtest."});  // NS of the zone
  ASSERT_EQ(answers[4].records.size(), 1u);                                        // DS in the parent
  EXPECT_EQ(answers[5].records, std::vector<std::string>{"10 mail.example.swtest."});
  EXPECT_EQ(answers[6].records, std::vector<std::string>{"0 issue \"letsencrypt.org\""});

  EXPECT_TRUE(pass().empty());
  EXPECT_EQ(headline_, "baseline recorded");
  DnsBaselines baselines(*db_, audit_, clock_);
  auto base = baselines.baseline(site_.site_id, "www.example.swtest");
  ASSERT_TRUE(base);
  EXPECT_EQ(base->at("A").records, std::vector<std::string>{"10.0.0.1"});
  EXPECT_EQ(base->at("NS").owner, "example.swtest");
  EXPECT_EQ(static_cast<int>(audit_.with_action("monitor.dns_baseline").size()), 1);
  EXPECT_TRUE(pass().empty());  // unchanged: nothing
  EXPECT_EQ(headline_, "as accepted");
}

TEST_F(DnsProbeTest, ChangedAddressIsFoundUntilAccepted) {
  ASSERT_TRUE(pass().empty());
  ChildZone changed;
  changed.address = "10.6.6.6";
  lab_->serve(changed);
  auto seen = pass();
  EXPECT_TRUE(has(seen, "dns.changed www.example.swtest A")) << ::testing::PrintToString(seen);
  EXPECT_EQ(severity_["dns.changed www.example.swtest A"], Severity::warning);
  EXPECT_EQ(headline_, "A changed");
  EXPECT_TRUE(pass().size() >= 1);  // still there: a change is not accepted by itself

  DnsBaselines baselines(*db_, audit_, clock_);
  auto views = baselines.show(machine_, site_.site_id);
  ASSERT_TRUE(views);
  ASSERT_EQ(views->size(), 1u);
  EXPECT_EQ((*views)[0].seen.at("A").records, std::vector<std::string>{"10.6.6.6"});
  EXPECT_EQ((*views)[0].baseline.at("A").records, std::vector<std::string>{"10.0.0.1"});
  auto accepted = baselines.accept(operator_, site_.site_id, "WWW.example.swtest.");
  ASSERT_TRUE(accepted) << accepted.error().to_string();
  EXPECT_EQ(*accepted, std::vector<std::string>{"A"});
  EXPECT_EQ(static_cast<int>(audit_.with_action("monitor.dns_accepted").size()), 1);
  EXPECT_TRUE(pass().empty());  // resolved on the next pass
  auto again = baselines.accept(operator_, site_.site_id, "www.example.swtest");  // nothing differs now
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "monitor.nothing_to_accept");
  auto kept = baselines.baseline(site_.site_id, "www.example.swtest");
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->at("A").records, std::vector<std::string>{"10.6.6.6"});

  EXPECT_FALSE(baselines.accept(operator_, site_.site_id, "nothing.swtest"));  // never seen
  EXPECT_FALSE(baselines.accept(operator_, site_.site_id, "bad domain"));
}

TEST_F(DnsProbeTest, ChangedNameServerIsCritical) {
  ASSERT_TRUE(pass().empty());
  ChildZone changed;
  changed.ns = "evil";
  lab_->serve(changed);
  auto seen = pass();
  ASSERT_TRUE(has(seen, "dns.changed www.example.swtest NS")) << ::testing::PrintToString(seen);
  EXPECT_EQ(severity_["dns.changed www.example.swtest NS"], Severity::critical);
}

TEST_F(DnsProbeTest, StrippedSignaturesAreBogusAndARemovedDsIsUnsigned) {
  ASSERT_TRUE(pass().empty());
  ChildZone stripped;
  stripped.signed_zone = false;  // the parent still has the DS: validation must fail
  lab_->serve(stripped);
  auto seen = pass();
  EXPECT_TRUE(has(seen, "dns.bogus www.example.swtest")) << ::testing::PrintToString(seen);
  EXPECT_EQ(severity_["dns.bogus www.example.swtest"], Severity::critical);

  ChildZone insecure;
  insecure.signed_zone = false;
  insecure.ds_in_parent = false;  // a hijacker who also removed the DS: an insecure delegation
  lab_->serve(insecure);
  seen = pass();
  EXPECT_TRUE(has(seen, "dns.unsigned www.example.swtest")) << ::testing::PrintToString(seen);
  EXPECT_TRUE(has(seen, "dns.changed www.example.swtest DS"));
  EXPECT_FALSE(has(seen, "dns.bogus www.example.swtest"));
}

TEST_F(DnsProbeTest, RogueResolverIsAMismatchAndADeadOneAFindingNotAHang) {
  lab_->serve_rogue("10.6.6.6");
  const std::string dead = "127.0.0.1@" + std::to_string(testing::dnslab::free_udp_port());
  options_.dns.resolvers = {lab_->rogue(), lab_->resolver(), dead};
  options_.dns.timeout = std::chrono::milliseconds(1000);
  options_.dns.retries = 0;
  const auto started = std::chrono::steady_clock::now();
  auto seen = pass();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(30));  // bounded, not timed
  EXPECT_TRUE(has(seen, "dns.resolver_mismatch www.example.swtest A via " + lab_->rogue()))
      << ::testing::PrintToString(seen);
  // Only the address differs on the rogue; the honest resolver differs in nothing (every type compared).
  EXPECT_EQ(std::ranges::count_if(seen, [](const std::string& s) { return s.starts_with("dns.resolver_mismatch"); }), 1)
      << ::testing::PrintToString(seen);
  EXPECT_TRUE(has(seen, "dns.resolver_failed " + dead)) << ::testing::PrintToString(seen);
}

// Resolvers are compared on every baseline type, not only addresses: a rogue resolver that sends the
// zone's mail elsewhere (MX) is found, and the address it answers right is not reported.
TEST_F(DnsProbeTest, RogueResolverChangingMxIsAMismatch) {
  ChildZone rogue;
  rogue.mx = "10 mx.evil.swtest.";
  lab_->serve_rogue(rogue);
  options_.dns.resolvers = {lab_->rogue(), lab_->resolver()};
  auto seen = pass();
  EXPECT_TRUE(has(seen, "dns.resolver_mismatch www.example.swtest MX via " + lab_->rogue()))
      << ::testing::PrintToString(seen);
  EXPECT_EQ(severity_["dns.resolver_mismatch www.example.swtest MX via " + lab_->rogue()], Severity::critical);
  EXPECT_EQ(std::ranges::count_if(seen, [](const std::string& s) { return s.starts_with("dns.resolver_mismatch"); }), 1)
      << ::testing::PrintToString(seen);
  EXPECT_FALSE(has(seen, "dns.changed www.example.swtest MX"));  // the validated answer did not change
}

// The judgement without servers: each type compared, DS only when the resolver gives DS records.
TEST(DnsJudgement, ResolverComparedOnEveryTypeDsOnlyWhenGiven) {
  DomainAnswers a;
  a.domain = "www.example.swtest";
  const auto q = dns_questions(a.domain);
  a.validated.resize(q.size());
  for (std::size_t i = 0; i < q.size(); ++i) {
    a.validated[i].status = DnsStatus::answered;
    a.validated[i].records = {"r" + std::to_string(i)};
  }
  auto same = a.validated;
  same[4].records.clear();  // DS: the resolver gives none — not compared
  a.resolvers.emplace_back("192.0.2.1", same);
  EXPECT_TRUE(dns_observations(a, {}).empty());
  auto caa = same;
  caa[6].records = {"0 issue \"evil.example\""};
  a.resolvers[0].second = caa;
  auto seen = dns_observations(a, {});
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].subject, "www.example.swtest CAA via 192.0.2.1");
  auto ds = a.validated;
  ds[4].records = {"other"};
  a.resolvers[0].second = ds;
  seen = dns_observations(a, {});
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].subject, "www.example.swtest DS via 192.0.2.1");
}

TEST_F(DnsProbeTest, BadResolverSettingsAreErrorsNamingThem) {
  auto r = DnsResolver::create("not an address", "", options_.dns);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "monitor.bad_input");
  auto a = DnsResolver::create("", (dir_ / "missing.key").string(), options_.dns);
  ASSERT_FALSE(a);
  EXPECT_NE(a.error().message.find("missing.key"), std::string::npos);
}

}  // namespace
}  // namespace sw::monitor
