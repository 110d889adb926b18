// The anti-DoS limits in a real guard on loopback (N7.3 防瘫痪; src/guard/limits.h, guard.h): clients
// are told apart by their source address (127.0.0.1, 127.0.0.2, … — all of 127/8 is loopback), so
// "another client is still served" is a real second client. Loops are bounded; no timing decides a
// result (the clock of buckets and bans is injected).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <optional>
#include <string>
#include <thread>

#include "fake_source.h"
#include "guard/guard.h"
#include "guard/limits.h"

namespace sw::guard {
namespace {

using namespace std::chrono_literals;
using testing::FakeSource;

const std::string kPage = "<!doctype html><title>首页</title><p>" + std::string(5000, 'x') + "</p>";

// A blocking client socket bound to `source` (a 127/8 address), connected to 127.0.0.1:port, every
// read bounded by 5 s.
class Client {
 public:
  Client(const char* source, std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source, &from.sin_addr);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    connected_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) == 0 &&
                 ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;

  bool connected() const { return connected_; }
  bool send(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  struct Response {
    int status = 0;
    std::string head, body;
    std::string header(std::string_view name) const {
      const std::string key = "\r\n" + std::string(name) + ": ";
      const auto at = head.find(key);
      if (at == std::string::npos) return {};
      const auto start = at + key.size();
      return head.substr(start, head.find("\r\n", start) - start);
    }
  };
  // One response (Content-Length framing, as the guard answers); nullopt on close or timeout.
  std::optional<Response> read() {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    Response r;
    r.head = buf_.substr(0, end + 2);
    r.status = std::atoi(r.head.c_str() + 9);
    const std::size_t length = static_cast<std::size_t>(std::atoll(r.header("Content-Length").c_str()));
    while (buf_.size() < end + 4 + length) {
      if (!fill()) return std::nullopt;
    }
    r.body = buf_.substr(end + 4, length);
    buf_.erase(0, end + 4 + length);
    return r;
  }
  std::optional<Response> get(std::string_view target = "/") {
    if (!send("GET " + std::string(target) + " HTTP/1.1\r\nHost: union.example.org\r\n\r\n")) return std::nullopt;
    return read();
  }
  // True when the guard closes the connection (EOF or reset) before anything else arrives.
  bool closed_by_peer() {
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  bool fill() {
    char chunk[16384];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

// Blocks with 403 what carries "attack" (a stand-in for the WAF after the limits).
class AttackFilter : public RequestFilter {
 public:
  FilterVerdict inspect(const FilterRequest& r) override {
    FilterVerdict v;
    if (r.target.find("attack") == std::string_view::npos) return v;
    v.action = FilterVerdict::Action::block;
    v.status = 403;
    v.body = "blocked";
    v.reason = "waf";
    return v;
  }
};

class LimitsGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_.publish(1, {"union.example.org"}, {{"/index.html", kPage}, {"/about/index.html", "<p>about</p>"}});
    options_.threads = 2;
    options_.disk_threads = 1;
    options_.header_timeout = 10s;
    options_.idle_timeout = 10s;
    limits_.clock = [this] { return start_ + std::chrono::nanoseconds(offset_ns_.load()); };
    limits_.rate_per_ip = 20;
    limits_.burst_per_ip = 20;
    limits_.ban_after_blocks = 0;
  }
  void start(std::vector<std::shared_ptr<RequestFilter>> after = {}) {
    auto f = LimitsFilter::create(limits_);
    ASSERT_TRUE(f) << f.error().to_string();
    filter_ = *f;
    options_.filters = {filter_};
    for (auto& a : after) options_.filters.push_back(a);
    options_.loop_lag = [f = filter_](std::chrono::milliseconds lag) { f->note_loop_lag(lag); };
    guard_ = std::make_unique<Guard>(options_, source_, [](const TamperReport&) {});
    auto s = guard_->start();
    ASSERT_TRUE(s) << s.error().to_string();
  }
  void advance(std::chrono::nanoseconds d) { offset_ns_ += d.count(); }
  // complete() runs after the answer was written, so a client may read it first: wait (bounded).
  template <class Pred>
  void wait_for(Pred pred) {
    for (int i = 0; i < 400 && !pred(); ++i) std::this_thread::sleep_for(5ms);
  }

  FakeSource source_;
  GuardOptions options_;
  LimitsOptions limits_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::atomic<std::int64_t> offset_ns_{0};
  std::shared_ptr<LimitsFilter> filter_;
  std::unique_ptr<Guard> guard_;
};

TEST_F(LimitsGuardTest, AClientOverItsRateGets429AndIsServedAfterRefill) {
  start();
  Client c("127.0.0.1", guard_->port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 20; ++i) ASSERT_EQ(c.get()->status, 200) << i;
  auto r = c.get();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(r->header("Retry-After"), "1");
  EXPECT_NE(r->body.find("请求过于频繁"), std::string::npos);
  EXPECT_NE(r->body.find(r->header("X-Request-Id")), std::string::npos);
  EXPECT_EQ(c.get()->status, 429);  // the connection stays usable
  advance(1s);
  EXPECT_EQ(c.get()->status, 200);
  Client other("127.0.0.2", guard_->port());
  EXPECT_EQ(other.get()->status, 200);
  EXPECT_NE(guard_->metrics_text().find("guard_limits_rate_limited_total{scope=\"ip\"} 2\n"), std::string::npos);
  EXPECT_NE(guard_->metrics_text().find("guard_filter_blocks_total{reason=\"rate_limit\"} 2"), std::string::npos);
}

TEST_F(LimitsGuardTest, AFloodFromOneAddressDoesNotStopAnotherClientsPages) {
  limits_.rate_per_ip = 50;
  limits_.burst_per_ip = 50;
  start();
  Client flooder("127.0.0.1", guard_->port());
  Client reader("127.0.0.2", guard_->port());
  ASSERT_TRUE(flooder.connected() && reader.connected());
  std::string batch;
  for (int i = 0; i < 100; ++i) batch += "GET / HTTP/1.1\r\nHost: union.example.org\r\n\r\n";
  int ok = 0, limited = 0, reader_ok = 0;
  for (int round = 0; round < 40; ++round) {  // 4,000 pipelined requests
    ASSERT_TRUE(flooder.send(batch));
    for (int i = 0; i < 100; ++i) {
      auto r = flooder.read();
      ASSERT_TRUE(r) << round << "/" << i;
      (r->status == 200 ? ok : limited) += 1;
    }
    auto page = reader.get();
    ASSERT_TRUE(page);
    reader_ok += page->status == 200 && page->body == kPage;
  }
  EXPECT_EQ(ok + limited, 4000);
  EXPECT_GE(ok, 50);       // the burst
  EXPECT_GT(limited, 0);   // and then 429s
  EXPECT_EQ(reader_ok, 40);  // the other client got every page
  wait_for([&] { return filter_->stats().in_flight == 0; });
  EXPECT_EQ(filter_->stats().in_flight, 0u);
}

TEST_F(LimitsGuardTest, RepeatedWafBlocksBanTheAddressAtAcceptUntilTheBanEnds) {
  limits_.rate_per_ip = 1000;
  limits_.burst_per_ip = 1000;
  limits_.ban_after_blocks = 3;
  limits_.ban_duration = 600s;
  start({std::make_shared<AttackFilter>()});
  Client a("127.0.0.1", guard_->port());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(a.get("/?q=attack")->status, 403);
  wait_for([&] { return filter_->stats().bans == 1; });
  ASSERT_EQ(filter_->stats().bans, 1u);
  auto r = a.get("/");  // the connection it already had: 403 and closed
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->header("Retry-After"), "600");
  EXPECT_TRUE(a.closed_by_peer());

  Client refused("127.0.0.1", guard_->port());
  EXPECT_TRUE(refused.closed_by_peer());  // closed at accept, nothing read nor answered
  Client other("127.0.0.2", guard_->port());
  EXPECT_EQ(other.get()->status, 200);
  EXPECT_GE(guard_->stats().refused_by_filter, 1u);

  advance(601s);
  Client again("127.0.0.1", guard_->port());
  auto back = again.get();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->status, 200);
}

TEST_F(LimitsGuardTest, AnAllowlistedMonitorIsNeverLimited) {
  limits_.rate_per_ip = 1;
  limits_.burst_per_ip = 1;
  limits_.ban_after_blocks = 2;
  limits_.allowlist = {"127.0.0.3/32"};
  start();
  Client monitor("127.0.0.3", guard_->port());
  for (int i = 0; i < 50; ++i) ASSERT_EQ(monitor.get()->status, 200) << i;
  Client other("127.0.0.4", guard_->port());
  EXPECT_EQ(other.get()->status, 200);
  EXPECT_EQ(other.get()->status, 429);
}

TEST_F(LimitsGuardTest, ConnectionsPerAddressAreCountedFromAcceptBeforeAByteArrives) {
  options_.max_connections_per_ip = 4;
  start();
  std::vector<std::unique_ptr<Client>> silent;
  for (int i = 0; i < 4; ++i) {
    silent.push_back(std::make_unique<Client>("127.0.0.1", guard_->port()));
    ASSERT_TRUE(silent.back()->connected());
  }
  // The four have sent nothing; the fifth is closed at once (a slowloris gets no more sockets).
  wait_for([&] { return guard_->stats().open_connections == 4; });
  Client fifth("127.0.0.1", guard_->port());
  EXPECT_TRUE(fifth.closed_by_peer());
  EXPECT_EQ(guard_->stats().refused_per_ip, 1u);
  Client other("127.0.0.2", guard_->port());
  EXPECT_EQ(other.get()->status, 200);
  silent.pop_back();  // one closes: a new one from the same address is accepted
  wait_for([&] { return guard_->stats().open_connections == 4; });  // 3 silent + the other address
  Client later("127.0.0.1", guard_->port());
  EXPECT_EQ(later.get()->status, 200);
}

TEST_F(LimitsGuardTest, ASlowlorisHeadIsCutOffWhileOthersAreServed) {
  options_.header_timeout = 400ms;
  start();
  Client slow("127.0.0.1", guard_->port());
  Client other("127.0.0.2", guard_->port());
  ASSERT_TRUE(slow.send("GET / HTTP/1.1\r\nHost: union.example.org\r\n"));
  bool cut = false;
  int served = 0;
  for (int i = 0; i < 100 && !cut; ++i) {  // one header line every 50 ms; the head never ends
    std::this_thread::sleep_for(50ms);
    cut = !slow.send("X-Drip-" + std::to_string(i) + ": a\r\n");
    if (auto r = other.get(); r && r->status == 200) ++served;
  }
  if (!cut) cut = slow.closed_by_peer();
  EXPECT_TRUE(cut);
  EXPECT_GT(served, 0);
  wait_for([&] { return guard_->stats().header_timeouts >= 1; });
  EXPECT_GE(guard_->stats().header_timeouts, 1u);
  EXPECT_EQ(other.get()->status, 200);
}

TEST_F(LimitsGuardTest, ASlowPostBodyIsCutOffWith408WhileOthersAreServed) {
  options_.body_timeout = 300ms;
  start();
  Client slow("127.0.0.1", guard_->port());
  Client other("127.0.0.2", guard_->port());
  ASSERT_TRUE(slow.send("POST /message HTTP/1.1\r\nHost: union.example.org\r\nContent-Length: 1000\r\n\r\n"));
  int served = 0;
  for (int i = 0; i < 100; ++i) {  // one byte every 50 ms, far too slow
    std::this_thread::sleep_for(50ms);
    if (!slow.send("a")) break;
    if (auto r = other.get(); r && r->status == 200) ++served;
    if (guard_->stats().body_timeouts >= 1) break;
  }
  auto r = slow.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_GT(served, 0);
  EXPECT_EQ(other.get()->status, 200);
}

TEST_F(LimitsGuardTest, OverloadModeRefusesPostsAndQueriesAndServesStaticPages) {
  limits_.overload = OverloadMode::on;
  start();
  Client c("127.0.0.1", guard_->port());
  auto page = c.get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_EQ(page->body, kPage);
  ASSERT_TRUE(c.send("POST /message HTTP/1.1\r\nHost: union.example.org\r\nContent-Length: 6\r\n\r\nname=x"));
  auto post = c.read();
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 503);
  EXPECT_EQ(post->header("Retry-After"), "5");
  EXPECT_NE(post->body.find("网站繁忙"), std::string::npos);
  EXPECT_EQ(c.get("/search?q=x")->status, 503);
  EXPECT_EQ(c.get("/about/")->status, 200);
  EXPECT_NE(guard_->metrics_text().find("guard_limits_overload 1\n"), std::string::npos);
}

// Issue 6: requests the guard refuses itself (400, 413, 414, 431, a slowloris head) are strikes like
// 429s and WAF 403s; the client that sends garbage is banned while another is still served.
TEST_F(LimitsGuardTest, MalformedAndOversizedRequestsBanTheAddressWhileAnotherIsServed) {
  limits_.ban_after_blocks = 4;
  limits_.ban_duration = 600s;
  options_.max_uri_bytes = 1024;
  options_.max_body_bytes = 1000;
  options_.header_timeout = 300ms;
  start();
  const std::string host = "Host: union.example.org\r\n";
  const std::string requests[] = {"GET / HTTP/1.1\n" + host + "\n",                                 // bare LF: 400
                                  "GET /" + std::string(2000, 'a') + " HTTP/1.1\r\n" + host + "\r\n",  // 414
                                  "POST / HTTP/1.1\r\n" + host + "Content-Length: 5000\r\n\r\n"};    // 413
  const int expected[] = {400, 414, 413};
  for (int i = 0; i < 3; ++i) {
    Client c("127.0.0.1", guard_->port());
    ASSERT_TRUE(c.send(requests[i]));
    auto r = c.read();
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, expected[i]);
  }
  EXPECT_EQ(filter_->stats().bans, 0u);
  {
    Client slow("127.0.0.1", guard_->port());  // a head that never ends: closed, and the fourth strike
    ASSERT_TRUE(slow.send("GET / HTTP/1.1\r\n"));
    EXPECT_TRUE(slow.closed_by_peer());
  }
  wait_for([&] { return filter_->stats().bans == 1; });
  ASSERT_EQ(filter_->stats().bans, 1u);
  EXPECT_EQ(filter_->stats().guard_refusals, 4u);
  Client refused("127.0.0.1", guard_->port());
  EXPECT_TRUE(refused.closed_by_peer());  // banned: closed at accept
  Client other("127.0.0.2", guard_->port());
  auto page = other.get();
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(guard_->metrics_text().find("guard_limits_guard_refusals_total 4\n"), std::string::npos);
}

TEST_F(LimitsGuardTest, AnAllowlistedMonitorIsNotBannedForMalformedRequests) {
  limits_.ban_after_blocks = 1;
  limits_.allowlist = {"127.0.0.3/32"};
  start();
  for (int i = 0; i < 3; ++i) {
    Client c("127.0.0.3", guard_->port());
    ASSERT_TRUE(c.send("GET / HTTP/1.1\nHost: union.example.org\n\n"));
    EXPECT_EQ(c.read()->status, 400);
  }
  Client again("127.0.0.3", guard_->port());
  EXPECT_EQ(again.get()->status, 200);
  EXPECT_EQ(filter_->stats().bans, 0u);
}

// Expect: 100-continue: "100 Continue" only after the size check and the limits accepted the head;
// otherwise the final answer comes at once and the body is never read.
TEST_F(LimitsGuardTest, ExpectContinueIsAnsweredOnlyAfterTheLimitsAcceptedTheHead) {
  limits_.ban_after_blocks = 0;
  options_.max_body_bytes = 1000;
  start();
  const std::string head = "POST /message HTTP/1.1\r\nHost: union.example.org\r\nExpect: 100-continue\r\n";
  {
    Client c("127.0.0.1", guard_->port());
    ASSERT_TRUE(c.send(head + "Content-Length: 6\r\n\r\n"));
    auto interim = c.read();
    ASSERT_TRUE(interim);
    EXPECT_EQ(interim->status, 100);
    ASSERT_TRUE(c.send("name=x"));
    auto final_answer = c.read();
    ASSERT_TRUE(final_answer);
    EXPECT_EQ(final_answer->status, 405);  // the guard has no POST endpoint; the body was read
    EXPECT_EQ(c.get()->status, 200);       // and the connection goes on
  }
  {
    Client c("127.0.0.1", guard_->port());  // too large: 413 without a 100, the body never asked for
    ASSERT_TRUE(c.send(head + "Content-Length: 5000\r\n\r\n"));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_TRUE(c.closed_by_peer());
  }
  {
    Client c("127.0.0.1", guard_->port());  // chunked: 100 as well
    ASSERT_TRUE(c.send(head + "Transfer-Encoding: chunked\r\n\r\n"));
    EXPECT_EQ(c.read()->status, 100);
    ASSERT_TRUE(c.send("6\r\nname=x\r\n0\r\n\r\n"));
    EXPECT_EQ(c.read()->status, 405);
  }
  guard_->stop();
  guard_->wait();
  guard_.reset();
  limits_.overload = OverloadMode::on;  // overload mode: 503 instead of 100, and closed
  start();
  {
    Client c("127.0.0.1", guard_->port());
    ASSERT_TRUE(c.send(head + "Content-Length: 6\r\n\r\n"));
    auto r = c.read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503);
    EXPECT_EQ(r->header("Retry-After"), "5");
    EXPECT_TRUE(c.closed_by_peer());
  }
}

TEST_F(LimitsGuardTest, ExpectContinueFromAClientOverItsBudgetIs429WithoutReadingTheBody) {
  limits_.rate_per_ip = 1;
  limits_.burst_per_ip = 1;
  start();
  Client c("127.0.0.1", guard_->port());
  EXPECT_EQ(c.get()->status, 200);  // the one token
  ASSERT_TRUE(c.send("POST /m HTTP/1.1\r\nHost: union.example.org\r\nExpect: 100-continue\r\nContent-Length: 6\r\n\r\n"));
  auto r = c.read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_TRUE(c.closed_by_peer());
}

// The operator's overload switch on a running guard (admin listener, loopback only).
TEST_F(LimitsGuardTest, TheOverloadSwitchTurnsOverloadModeOnAndOffWithoutARestart) {
  limits_.overload = OverloadMode::off;
  start();
  auto admin = [&](const std::string& request) {
    Client a("127.0.0.1", guard_->admin_port());
    EXPECT_TRUE(a.send(request));
    return a.read();
  };
  auto post = [&](std::string_view mode, std::string extra = "") {
    return admin("POST /overload?mode=" + std::string(mode) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n");
  };
  Client c("127.0.0.1", guard_->port());
  const std::string form = "POST /message HTTP/1.1\r\nHost: union.example.org\r\nContent-Length: 6\r\n\r\nname=x";
  ASSERT_TRUE(c.send(form));
  EXPECT_EQ(c.read()->status, 405);  // not overloaded: the POST reaches the guard's answer

  auto on = post("on");
  ASSERT_TRUE(on);
  EXPECT_EQ(on->status, 200);
  EXPECT_NE(on->body.find("overload mode on (was off)"), std::string::npos) << on->body;
  ASSERT_TRUE(c.send(form));
  EXPECT_EQ(c.read()->status, 503);  // the same open connection, the next request
  EXPECT_EQ(c.get()->status, 200);   // static pages still served
  EXPECT_NE(guard_->metrics_text().find("guard_limits_overload_mode{mode=\"on\"} 1\n"), std::string::npos);

  EXPECT_EQ(post("auto")->status, 200);
  EXPECT_EQ(filter_->overload_mode(), OverloadMode::automatic);
  EXPECT_EQ(post("off")->status, 200);
  ASSERT_TRUE(c.send(form));
  EXPECT_EQ(c.read()->status, 405);

  // Refused: a bad mode, another method, a browser's cross-site POST, a rebound host name.
  EXPECT_EQ(post("maybe")->status, 400);
  EXPECT_EQ(admin("POST /overload HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")->status, 400);
  EXPECT_EQ(admin("GET /overload?mode=on HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")->status, 405);
  EXPECT_EQ(post("on", "Origin: http://evil.example\r\n")->status, 403);
  EXPECT_EQ(post("on", "Sec-Fetch-Site: cross-site\r\n")->status, 403);
  EXPECT_EQ(admin("POST /overload?mode=on HTTP/1.1\r\nHost: evil.example\r\n\r\n")->status, 403);
  EXPECT_EQ(filter_->overload_mode(), OverloadMode::off);
}

}  // namespace
}  // namespace sw::guard
