// The anti-DoS limits filter on its own (N7.3 防瘫痪; src/guard/limits.h): token buckets per client and
// per site with an injected clock, bans after repeated blocks and their expiry, the allowlist, IPv6
// /64 clients, the bounded client table, overload mode, and the [limits] config keys.
#include "guard/limits.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

namespace sw::guard {
namespace {

using namespace std::chrono_literals;

// A clock the test moves by hand (atomic: the filter may read it from any thread).
struct ManualClock {
  std::atomic<std::int64_t> offset_ns{0};
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  void advance(std::chrono::nanoseconds d) { offset_ns += d.count(); }
  std::function<std::chrono::steady_clock::time_point()> fn() {
    return [this] { return start + std::chrono::nanoseconds(offset_ns.load()); };
  }
};

class LimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.clock = clock_.fn();
    options_.rate_per_ip = 10;
    options_.burst_per_ip = 5;
    options_.rate_per_site = 1'000'000;
    options_.burst_per_site = 1'000'000;
    options_.ban_after_blocks = 0;
  }
  std::shared_ptr<LimitsFilter> make() {
    auto f = LimitsFilter::create(options_);
    EXPECT_TRUE(f) << f.error().to_string();
    return f ? *f : nullptr;
  }
  // One request through the filter, completed with `status` (or the filter's own when it blocked).
  FilterVerdict send(LimitsFilter& f, std::string_view ip, std::string_view method = "GET",
                     std::string_view target = "/", std::string_view body = {}, std::int64_t site = 1,
                     int status = 200) {
    const std::string id = "req-" + std::to_string(++next_id_);
    FilterRequest r;
    r.request_id = id;
    r.client_ip = ip;
    r.method = method;
    r.target = target;
    r.http_version = "1.1";
    r.site_id = site;
    r.body = body;
    FilterVerdict v = f.inspect(r);
    f.complete(FilterOutcome{id, v.action == FilterVerdict::Action::block ? v.status : status, 100});
    return v;
  }
  static std::string header(const FilterVerdict& v, std::string_view name) {
    for (const auto& [n, value] : v.headers) {
      if (n == name) return value;
    }
    return {};
  }

  ManualClock clock_;
  LimitsOptions options_;
  int next_id_ = 0;
};

bool blocked(const FilterVerdict& v) { return v.action == FilterVerdict::Action::block; }

TEST_F(LimitsTest, AClientGets429AfterItsBurstAndIsServedAgainAfterRefill) {
  auto f = make();
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(blocked(send(*f, "10.0.0.1"))) << i;
  FilterVerdict v = send(*f, "10.0.0.1");
  ASSERT_TRUE(blocked(v));
  EXPECT_EQ(v.status, 429);
  EXPECT_EQ(v.reason, "rate_limit");
  EXPECT_FALSE(v.close);
  EXPECT_EQ(header(v, "Retry-After"), "1");
  EXPECT_NE(v.body.find("请求过于频繁"), std::string::npos);
  EXPECT_NE(v.body.find("请求编号：<code>req-6</code>"), std::string::npos);
  EXPECT_FALSE(blocked(send(*f, "10.0.0.2")));  // another client has its own bucket
  clock_.advance(101ms);                         // one token at 10/s
  EXPECT_FALSE(blocked(send(*f, "10.0.0.1")));
  EXPECT_TRUE(blocked(send(*f, "10.0.0.1")));
  clock_.advance(10s);  // refilled to the burst, not beyond
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(blocked(send(*f, "10.0.0.1"))) << i;
  EXPECT_TRUE(blocked(send(*f, "10.0.0.1")));
  EXPECT_EQ(f->stats().limited_ip, 3u);
}

TEST_F(LimitsTest, RetryAfterSaysWhenTheNextTokenComes) {
  options_.rate_per_ip = 0.25;  // one every 4 s
  options_.burst_per_ip = 1;
  auto f = make();
  EXPECT_FALSE(blocked(send(*f, "10.0.0.1")));
  EXPECT_EQ(header(send(*f, "10.0.0.1"), "Retry-After"), "4");
  clock_.advance(3s);
  EXPECT_EQ(header(send(*f, "10.0.0.1"), "Retry-After"), "1");
}

TEST_F(LimitsTest, ASiteBudgetIsSharedByAllItsClientsAndOtherSitesKeepTheirs) {
  options_.rate_per_site = 1;
  options_.burst_per_site = 3;
  auto f = make();
  EXPECT_FALSE(blocked(send(*f, "10.0.0.1", "GET", "/", {}, 7)));
  EXPECT_FALSE(blocked(send(*f, "10.0.0.2", "GET", "/", {}, 7)));
  EXPECT_FALSE(blocked(send(*f, "10.0.0.3", "GET", "/", {}, 7)));
  FilterVerdict v = send(*f, "10.0.0.4", "GET", "/", {}, 7);
  ASSERT_TRUE(blocked(v));
  EXPECT_EQ(v.status, 429);
  EXPECT_EQ(v.reason, "rate_limit_site");
  EXPECT_FALSE(blocked(send(*f, "10.0.0.4", "GET", "/", {}, 8)));
  EXPECT_EQ(f->stats().limited_site, 1u);
}

TEST_F(LimitsTest, RepeatedWafBlocksBanTheClientUntilTheBanExpires) {
  options_.rate_per_ip = 1000;
  options_.burst_per_ip = 1000;
  options_.ban_after_blocks = 3;
  options_.ban_window = 60s;
  options_.ban_duration = 600s;
  auto f = make();
  EXPECT_TRUE(f->admit("10.0.0.1"));
  for (int i = 0; i < 2; ++i) send(*f, "10.0.0.1", "GET", "/?id=1'or'1", {}, 1, 403);  // the WAF's 403s
  EXPECT_TRUE(f->admit("10.0.0.1"));
  send(*f, "10.0.0.1", "GET", "/?id=1'or'1", {}, 1, 403);
  EXPECT_FALSE(f->admit("10.0.0.1"));
  EXPECT_TRUE(f->admit("10.0.0.2"));
  FilterVerdict v = send(*f, "10.0.0.1");  // a connection opened before the ban
  ASSERT_TRUE(blocked(v));
  EXPECT_EQ(v.status, 403);
  EXPECT_EQ(v.reason, "banned");
  EXPECT_TRUE(v.close);
  EXPECT_EQ(header(v, "Retry-After"), "600");
  EXPECT_NE(v.body.find("req-"), std::string::npos);
  auto s = f->stats();
  EXPECT_EQ(s.bans, 1u);
  EXPECT_EQ(s.active_bans, 1u);
  EXPECT_EQ(s.refused_banned, 1u);
  EXPECT_EQ(s.banned_requests, 1u);
  clock_.advance(599s);
  EXPECT_FALSE(f->admit("10.0.0.1"));
  clock_.advance(1s);
  EXPECT_TRUE(f->admit("10.0.0.1"));
  EXPECT_FALSE(blocked(send(*f, "10.0.0.1")));
  EXPECT_EQ(f->stats().active_bans, 0u);
  EXPECT_EQ(f->stats().bans, 1u);  // the ban's own 403 did not count towards another
}

TEST_F(LimitsTest, BlocksSpreadBeyondTheWindowDoNotBan) {
  options_.ban_after_blocks = 3;
  options_.ban_window = 10s;
  auto f = make();
  for (int i = 0; i < 10; ++i) {
    send(*f, "10.0.0.1", "GET", "/", {}, 1, 403);
    send(*f, "10.0.0.1", "GET", "/", {}, 1, 403);
    clock_.advance(11s);
  }
  EXPECT_TRUE(f->admit("10.0.0.1"));
  EXPECT_EQ(f->stats().bans, 0u);
}

TEST_F(LimitsTest, Repeated429sBanAFlooder) {
  options_.rate_per_ip = 1;
  options_.burst_per_ip = 2;
  options_.ban_after_blocks = 5;
  auto f = make();
  for (int i = 0; i < 7; ++i) send(*f, "10.0.0.9");  // 2 pass, 5 answered 429
  EXPECT_FALSE(f->admit("10.0.0.9"));
  EXPECT_EQ(f->stats().limited_ip, 5u);
}

TEST_F(LimitsTest, Non403AnswersAndBlockedRequestsOfOtherStatusesDoNotCount) {
  options_.ban_after_blocks = 2;
  options_.rate_per_ip = 1000;
  options_.burst_per_ip = 1000;
  auto f = make();
  for (int i = 0; i < 20; ++i) send(*f, "10.0.0.1", "GET", "/missing", {}, 1, 404);
  EXPECT_TRUE(f->admit("10.0.0.1"));
}

TEST_F(LimitsTest, AnAllowlistedMonitorIsNeverLimitedNorBanned) {
  options_.rate_per_ip = 1;
  options_.burst_per_ip = 1;
  options_.ban_after_blocks = 2;
  options_.allowlist = {"192.0.2.0/24", "2001:db8:aa::/48"};
  auto f = make();
  for (int i = 0; i < 500; ++i) {
    ASSERT_FALSE(blocked(send(*f, "192.0.2.77", "GET", "/", {}, 1, i % 2 ? 403 : 200))) << i;
    ASSERT_FALSE(blocked(send(*f, "2001:db8:aa:5::1", "GET", "/", {}, 1, 403))) << i;
  }
  EXPECT_TRUE(f->admit("192.0.2.77"));
  EXPECT_TRUE(f->admit("2001:db8:aa:5::1"));
  EXPECT_FALSE(blocked(send(*f, "192.0.3.1")));
  EXPECT_TRUE(blocked(send(*f, "192.0.3.1")));  // outside the /24
}

TEST_F(LimitsTest, IPv6ClientsAreCountedBySlash64AndV4MappedAsIPv4) {
  options_.burst_per_ip = 2;
  auto f = make();
  EXPECT_FALSE(blocked(send(*f, "2001:db8:1:2::1")));
  EXPECT_FALSE(blocked(send(*f, "2001:db8:1:2:ffff::9")));
  EXPECT_TRUE(blocked(send(*f, "2001:db8:1:2::abcd%eth0")));  // same /64
  EXPECT_FALSE(blocked(send(*f, "2001:db8:1:3::1")));        // the next /64
  EXPECT_FALSE(blocked(send(*f, "10.1.1.1")));
  EXPECT_FALSE(blocked(send(*f, "::ffff:10.1.1.1")));
  EXPECT_TRUE(blocked(send(*f, "10.1.1.1")));
  EXPECT_FALSE(blocked(send(*f, "10.1.1.2")));  // IPv4 is per address
}

TEST_F(LimitsTest, ManyAddressesDoNotGrowTheTableBeyondItsCap) {
  options_.max_clients = 64;
  auto f = make();
  for (int i = 0; i < 20'000; ++i) {
    send(*f, "10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." + std::to_string(i % 256));
  }
  auto s = f->stats();
  EXPECT_LE(s.clients, 64u);
  EXPECT_GE(s.evictions, 20'000u - 64u);
  EXPECT_EQ(s.in_flight, 0u);
}

TEST_F(LimitsTest, OverloadOnRefusesExpensiveRequestsAndServesStaticGets) {
  options_.overload = OverloadMode::on;
  options_.overload_retry_after = 7s;
  options_.allowlist = {"192.0.2.1"};
  auto f = make();
  EXPECT_FALSE(blocked(send(*f, "10.0.0.1", "GET", "/news/index.html")));
  EXPECT_FALSE(blocked(send(*f, "10.0.0.1", "HEAD", "/")));
  for (const auto& [method, target, body] :
       {std::tuple{"POST", "/message", "name=x"}, std::tuple{"GET", "/search?q=工会", ""},
        std::tuple{"GET", "/", "a body"}, std::tuple{"PUT", "/x", ""}}) {
    FilterVerdict v = send(*f, "192.0.2.1", method, target, body);  // the allowlist does not skip overload
    ASSERT_TRUE(blocked(v)) << method << " " << target;
    EXPECT_EQ(v.status, 503);
    EXPECT_EQ(v.reason, "overload");
    EXPECT_EQ(header(v, "Retry-After"), "7");
    EXPECT_NE(v.body.find("网站繁忙"), std::string::npos);
  }
  EXPECT_TRUE(f->overloaded());
  EXPECT_EQ(f->stats().overload_refused, 4u);
}

TEST_F(LimitsTest, AutoOverloadFollowsRequestsInFlightAndLoopLag) {
  options_.overload_in_flight = 2;
  options_.overload_loop_lag = 200ms;
  auto f = make();
  auto inspect_only = [&](std::string id, std::string_view method) {
    FilterRequest r;
    r.request_id = id;
    r.client_ip = "10.0.0.1";
    r.method = method;
    r.target = "/";
    return f->inspect(r);
  };
  EXPECT_FALSE(blocked(inspect_only("a", "POST")));
  EXPECT_FALSE(blocked(inspect_only("b", "POST")));
  EXPECT_TRUE(f->overloaded());
  FilterVerdict v = inspect_only("c", "POST");
  EXPECT_EQ(v.status, 503);
  EXPECT_FALSE(blocked(inspect_only("d", "GET")));
  for (const char* id : {"a", "b", "c", "d"}) f->complete(FilterOutcome{id, 200, 0});
  EXPECT_FALSE(f->overloaded());
  EXPECT_EQ(f->stats().in_flight, 0u);

  f->note_loop_lag(50ms);
  EXPECT_FALSE(f->overloaded());
  f->note_loop_lag(250ms);
  EXPECT_TRUE(f->overloaded());
  EXPECT_EQ(send(*f, "10.0.0.2", "POST", "/m", "x=1").status, 503);
  clock_.advance(3s);  // the lag is remembered for 2 s
  EXPECT_FALSE(f->overloaded());
  EXPECT_FALSE(blocked(send(*f, "10.0.0.2", "POST", "/m", "x=1")));
}

TEST_F(LimitsTest, OverloadOffNeverRefuses) {
  options_.overload = OverloadMode::off;
  options_.overload_in_flight = 1;
  auto f = make();
  f->note_loop_lag(10s);
  FilterRequest r;
  r.request_id = "x";
  r.client_ip = "10.0.0.1";
  r.method = "POST";
  EXPECT_FALSE(blocked(f->inspect(r)));
  EXPECT_FALSE(f->overloaded());
}

// Issue 6: the guard's own refusals (filter.h refused()) are strikes; their window and the allowlist
// apply as for 429s.
TEST_F(LimitsTest, TheGuardsOwnRefusalsAreStrikesTowardsABan) {
  options_.ban_after_blocks = 3;
  options_.allowlist = {"10.0.0.9"};
  auto f = make();
  f->refused("10.0.0.1", 400);
  f->refused("10.0.0.1", 414);
  clock_.advance(61s);  // outside the window: the count starts again
  f->refused("10.0.0.1", 431);
  f->refused("10.0.0.1", 408);
  EXPECT_TRUE(f->admit("10.0.0.1"));
  f->refused("10.0.0.1", 413);
  EXPECT_FALSE(f->admit("10.0.0.1"));
  EXPECT_TRUE(f->admit("10.0.0.2"));
  for (int i = 0; i < 10; ++i) f->refused("10.0.0.9", 400);
  EXPECT_TRUE(f->admit("10.0.0.9"));
  EXPECT_EQ(f->stats().guard_refusals, 5u);
  EXPECT_EQ(f->stats().bans, 1u);
}

// Expect: 100-continue asks before_continue() with the head: it refuses without taking a token.
TEST_F(LimitsTest, BeforeContinueRefusesBannedOverloadedAndEmptyBucketsWithoutTakingTokens) {
  options_.ban_after_blocks = 2;
  auto f = make();
  FilterRequest head;
  head.request_id = "h";
  head.client_ip = "10.0.0.1";
  head.method = "POST";
  head.target = "/form";
  head.http_version = "1.1";
  for (int i = 0; i < 5; ++i) EXPECT_EQ(f->before_continue(head).action, FilterVerdict::Action::pass) << i;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(send(*f, "10.0.0.1").action, FilterVerdict::Action::pass) << i;  // all 5 tokens still there
  FilterVerdict v = f->before_continue(head);
  EXPECT_EQ(v.status, 429);
  EXPECT_TRUE(v.close);
  EXPECT_EQ(f->before_continue(head).status, 429);  // the second strike starts the ban
  EXPECT_EQ(f->stats().bans, 1u);
  EXPECT_EQ(f->before_continue(head).status, 403);
  head.client_ip = "10.0.0.2";
  EXPECT_EQ(f->before_continue(head).action, FilterVerdict::Action::pass);
  f->set_overload(OverloadMode::on);
  v = f->before_continue(head);
  EXPECT_EQ(v.status, 503);
  EXPECT_TRUE(v.close);
}

TEST_F(LimitsTest, TheOverloadSwitchChangesTheModeOfARunningFilter) {
  options_.overload = OverloadMode::automatic;
  auto f = make();
  EXPECT_FALSE(f->overloaded());
  f->set_overload(OverloadMode::on);
  EXPECT_TRUE(f->overloaded());
  EXPECT_EQ(send(*f, "10.0.0.1", "POST", "/form", "x=1").status, 503);
  f->set_overload(OverloadMode::off);
  EXPECT_EQ(send(*f, "10.0.0.1", "POST", "/form", "x=1").action, FilterVerdict::Action::pass);
  EXPECT_EQ(parse_overload_mode("auto"), OverloadMode::automatic);
  EXPECT_EQ(parse_overload_mode("on"), OverloadMode::on);
  EXPECT_EQ(parse_overload_mode("ON"), std::nullopt);
  EXPECT_EQ(parse_overload_mode(""), std::nullopt);
  EXPECT_EQ(to_string(OverloadMode::automatic), "auto");
}

TEST_F(LimitsTest, MetricsNameEveryCounter) {
  options_.ban_after_blocks = 1;
  auto f = make();
  for (int i = 0; i < 7; ++i) send(*f, "10.0.0.1");
  std::string out;
  f->append_metrics(out);
  for (const char* line :
       {"guard_limits_rate_limited_total{scope=\"ip\"} 1\n", "guard_limits_rate_limited_total{scope=\"site\"} 0\n",
        "guard_limits_bans_total 1\n", "guard_limits_refused_total{at=\"request\"} 1\n",
        "guard_limits_overload 0\n", "guard_limits_in_flight 0\n", "guard_limits_clients 1\n",
        "guard_limits_active_bans 1\n", "# TYPE guard_limits_evictions_total counter\n"}) {
    EXPECT_NE(out.find(line), std::string::npos) << line << "\n" << out;
  }
}

TEST(LimitsOptions, BadCidrsAreRefusedNamingTheEntry) {
  for (const char* bad : {"10.0.0/8", "10.0.0.0/33", "::1/129", "abc", "10.0.0.0/", "10.0.0.0/-1", "fe80::1%eth0"}) {
    auto c = parse_cidr(bad);
    ASSERT_FALSE(c) << bad;
    EXPECT_EQ(c.error().code, "limits.bad_cidr");
    EXPECT_NE(c.error().message.find(bad), std::string::npos);
  }
  EXPECT_TRUE(parse_cidr("10.0.0.0/8"));
  EXPECT_TRUE(parse_cidr("2001:db8::/32"));
  EXPECT_TRUE(parse_cidr("192.0.2.7"));
  LimitsOptions o;
  o.allowlist = {"10.0.0.0/8", "nonsense"};
  auto f = LimitsFilter::create(o);
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message.find("nonsense"), std::string::npos);
}

TEST(LimitsOptions, ZeroRatesAreRefused) {
  LimitsOptions o;
  o.rate_per_ip = 0;
  auto f = LimitsFilter::create(o);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, "limits.bad_options");
}

TEST(LimitsConfig, DefaultsAreSafeAndBecomeOptions) {
  auto c = parse_config("", "f.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_TRUE(c->limits.enabled);
  auto o = limits_options_from(c->limits);
  ASSERT_TRUE(o) << o.error().to_string();
  EXPECT_EQ(o->rate_per_ip, 100);
  EXPECT_EQ(o->burst_per_ip, 200);
  EXPECT_EQ(o->ban_after_blocks, 20u);
  EXPECT_EQ(o->ban_window, 60s);
  EXPECT_EQ(o->ban_duration, 600s);
  EXPECT_TRUE(o->allowlist.empty());
  EXPECT_EQ(o->overload, OverloadMode::automatic);
}

TEST(LimitsConfig, KeysAreReadAndBadValuesNameTheKey) {
  auto c = parse_config(
      "[limits]\nrate_per_ip = 5\nburst_per_ip = 9\nallowlist = \"10.0.0.0/8, 2001:db8::/32\"\noverload = \"on\"\n",
      "f.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  auto o = limits_options_from(c->limits);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->rate_per_ip, 5);
  EXPECT_EQ(o->burst_per_ip, 9);
  EXPECT_EQ(o->allowlist, (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32"}));
  EXPECT_EQ(o->overload, OverloadMode::on);

  for (const auto& [text, key] :
       {std::pair{"[limits]\nrate_per_ip = -1\n", "[limits] rate_per_ip"},
        std::pair{"[limits]\nburst_per_site = 0\n", "[limits] burst_per_site"},
        std::pair{"[limits]\nban_seconds = -600\n", "[limits] ban_seconds"},
        std::pair{"[limits]\noverload = \"sometimes\"\n", "[limits] overload"},
        std::pair{"[limits]\nallowlist = \"10.0.0.0/8 300.1.1.1\"\n", "[limits] allowlist: '300.1.1.1'"},
        std::pair{"[limits]\nallowlist = \"10.0.0.0/40\"\n", "[limits] allowlist: '10.0.0.0/40'"}}) {
    auto bad = parse_config(text, "f.toml");
    ASSERT_FALSE(bad) << text;
    EXPECT_NE(bad.error().message.find(key), std::string::npos) << bad.error().message;
  }
}

}  // namespace
}  // namespace sw::guard
