// The WAF off the guard's event threads (issue 6; guard/filter.h "Off the event threads", waf.h
// WafOptions::threads, inspect_pool.h): in a real guard with ONE event thread, a request whose filter is
// still working on a pool thread does not hold up a static GET; a full WAF queue answers 503 with the
// busy page (never an unbounded queue, never an uninspected pass); a guard stopped while a filter works
// waits for its verdict. No timing decides a result: slow work is a latch the test opens; loops are
// bounded.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "../guard/fake_source.h"
#include "guard/guard.h"
#include "waf/inspect_pool.h"
#include "waf/waf.h"

namespace sw::waf {
namespace {

using namespace std::chrono_literals;
using guard::FilterRequest;
using guard::FilterVerdict;

// A blocking loopback client; every read bounded by 10 s.
class Client {
 public:
  explicit Client(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;

  bool send_get(std::string_view target) {
    const std::string req = "GET " + std::string(target) + " HTTP/1.1\r\nHost: union.example.org\r\n\r\n";
    return connected_ && ::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size());
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
  std::optional<Response> read() {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    Response r;
    r.head = buf_.substr(0, end + 2);
    r.status = std::atoi(r.head.c_str() + 9);
    const auto length = static_cast<std::size_t>(std::atoll(r.header("Content-Length").c_str()));
    while (buf_.size() < end + 4 + length) {
      if (!fill()) return std::nullopt;
    }
    r.body = buf_.substr(end + 4, length);
    buf_.erase(0, end + 4 + length);
    return r;
  }
  std::optional<Response> get(std::string_view target) {
    if (!send_get(target)) return std::nullopt;
    return read();
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

// A latch the test opens; waiters are counted so the test knows the slow work has begun.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
  }
  bool await_waiters(int n) {  // bounded: 10 s
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, 10s, [&] { return waiting_ >= n; });
  }
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool is_open() {
    std::lock_guard lock(mu_);
    return open_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int waiting_ = 0;
  bool open_ = false;
};

// A test double of a costly filter: requests for /slow... take as long as the gate stays shut; on its
// own pool, as the WAF does.
class SlowFilter : public guard::RequestFilter {
 public:
  explicit SlowFilter(Gate& gate) : gate_(gate), pool_(2, 16) {}
  FilterVerdict inspect(const FilterRequest& r) override {
    if (r.target.starts_with("/slow")) gate_.wait();
    return {};
  }
  bool offloads() const override { return true; }
  void inspect_async(const FilterRequest& r, std::function<void(FilterVerdict)> done) override {
    auto d = std::make_shared<std::function<void(FilterVerdict)>>(std::move(done));
    if (!pool_.submit([this, r, d] { (*d)(inspect(r)); })) (*d)(FilterVerdict{FilterVerdict::Action::block, 503});
  }

 private:
  Gate& gate_;
  InspectPool pool_;
};

class WafPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    source_.publish(1, {"union.example.org"}, {{"/index.html", "<!doctype html><title>首页</title><p>首页</p>"}});
    options_.threads = 1;  // one event thread: anything run on it would hold up every other request
    options_.disk_threads = 1;
    options_.header_timeout = 10s;
    options_.idle_timeout = 10s;
  }
  std::shared_ptr<Waf> make_waf(WafOptions o) {
    o.prefilter = WafOptions::Prefilter::off;  // the pool is tested, not the prefilter (a cold build: seconds)
    auto waf = Waf::create(std::move(o));
    EXPECT_TRUE(waf.has_value()) << (waf ? "" : waf.error().to_string());
    return waf ? std::shared_ptr<Waf>(std::move(*waf)) : nullptr;
  }
  guard::testing::FakeSource source_;
  guard::GuardOptions options_;
};

TEST(InspectPoolTest, RefusesBeyondItsQueueAndRunsEveryQueuedJobBeforeItEnds) {
  Gate gate;
  std::atomic<int> ran{0};
  {
    InspectPool pool(1, 2);
    EXPECT_TRUE(pool.submit([&] { gate.wait(); ++ran; }));
    ASSERT_TRUE(gate.await_waiters(1));  // the worker holds the first job; two more may wait
    EXPECT_TRUE(pool.submit([&] { ++ran; }));
    EXPECT_TRUE(pool.submit([&] { ++ran; }));
    EXPECT_FALSE(pool.submit([&] { ++ran; }));
    EXPECT_EQ(pool.queued(), 2u);
    EXPECT_EQ(pool.refused(), 1u);
    gate.open();
  }
  EXPECT_EQ(ran.load(), 3);
}

TEST_F(WafPoolTest, ASlowFilterOnItsPoolDoesNotDelayAStaticGetOnTheSameEventThread) {
  Gate gate;
  auto slow = std::make_shared<SlowFilter>(gate);
  WafOptions wo;
  wo.threads = 1;  // the real WAF on its own thread, after the slow filter
  auto waf = make_waf(wo);
  ASSERT_TRUE(waf);
  options_.filters = {slow, waf};
  guard::Guard g(options_, source_, [](const guard::TamperReport&) {});
  ASSERT_TRUE(g.start().has_value());

  Client a(g.port());
  ASSERT_TRUE(a.send_get("/slow"));
  ASSERT_TRUE(gate.await_waiters(1));  // a's request is being inspected (and stays so)

  Client b(g.port());
  auto page = b.get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  auto attack = b.get("/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");  // the WAF still inspects, on its pool
  ASSERT_TRUE(attack);
  EXPECT_EQ(attack->status, 403);
  EXPECT_FALSE(gate.is_open());  // both answered while a's inspection was still running

  gate.open();
  auto slow_answer = a.read();
  ASSERT_TRUE(slow_answer);
  EXPECT_EQ(slow_answer->status, 404);  // inspected, passed, then routed: no such file
  std::string metrics;
  waf->append_metrics(metrics);
  EXPECT_NE(metrics.find("waf_requests_total{outcome=\"pass\"} 2\n"), std::string::npos) << metrics;
}

TEST_F(WafPoolTest, AFullWafQueueAnswers503WithTheBusyPageNotAnUninspectedPass) {
  Gate gate;
  auto pool = std::make_shared<InspectPool>(1, 1);
  ASSERT_TRUE(pool->submit([&] { gate.wait(); }));  // others' CRS work: the thread busy, the queue full
  ASSERT_TRUE(gate.await_waiters(1));
  ASSERT_TRUE(pool->submit([] {}));
  WafOptions wo;
  wo.pool = pool;
  auto waf = make_waf(wo);
  ASSERT_TRUE(waf);
  options_.filters = {waf};
  guard::Guard g(options_, source_, [](const guard::TamperReport&) {});
  ASSERT_TRUE(g.start().has_value());

  Client c(g.port());
  auto busy = c.get("/");
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(busy->header("Retry-After"), "5");
  EXPECT_NE(busy->body.find("网站繁忙"), std::string::npos);
  EXPECT_NE(busy->body.find(busy->header("X-Request-Id")), std::string::npos);
  std::string metrics;
  waf->append_metrics(metrics);
  EXPECT_NE(metrics.find("waf_queue_refused_total 1\n"), std::string::npos) << metrics;

  gate.open();
  for (int i = 0; i < 1000 && pool->queued() > 0; ++i) std::this_thread::sleep_for(5ms);  // bounded
  auto page = c.get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
}

TEST_F(WafPoolTest, AGuardStoppedWhileAFilterWorksWaitsForItsVerdict) {
  Gate gate;
  auto slow = std::make_shared<SlowFilter>(gate);
  options_.filters = {slow};
  auto g = std::make_unique<guard::Guard>(options_, source_, [](const guard::TamperReport&) {});
  ASSERT_TRUE(g->start().has_value());
  Client a(g->port());
  ASSERT_TRUE(a.send_get("/slow"));
  ASSERT_TRUE(gate.await_waiters(1));
  auto stopped = std::async(std::launch::async, [&] {
    g->stop();
    g->wait();
  });
  EXPECT_EQ(stopped.wait_for(200ms), std::future_status::timeout);  // cannot end while the gate is shut
  gate.open();
  stopped.get();  // returns once the verdict was handed back; no crash, no leak (ASan build)
  g.reset();
}

}  // namespace
}  // namespace sw::waf
