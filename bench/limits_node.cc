// limits_node: a guard serving one ~5 KB page, with or without the anti-DoS limits filter, for
// bench/limits_bench.sh (docs/benchmarks.md "Anti-DoS limits overhead"). The release is held in
// memory (the guard tests' FakeSource): the benchmark measures the filter, not the store.
//
//   limits_node --limits on|off [--threads N]
//
// With --limits on the limits are far above what wrk sends (1,000,000 req/s per client and per site),
// so every request pays the whole check — client table, bucket, site bucket, in-flight table — and is
// served. Prints "port <n>" and serves until SIGTERM/SIGINT, then the guard's and the filter's counts.
#include <atomic>
#include <csignal>
#include <cstring>
#include <iostream>
#include <thread>

#include "../tests/guard/fake_source.h"
#include "guard/guard.h"
#include "guard/limits.h"

namespace {

using namespace sw;

std::atomic<bool> g_stop{false};

std::string page() {
  std::string html = "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>工会新闻</title>"
                     "</head><body><main>";
  while (html.size() < 5000) html += "<p>全省各级工会组织深入学习贯彻会议精神，推动工会工作高质量发展。</p>\n";
  return html + "</main></body></html>\n";
}

int run(int argc, char** argv) {
  bool limits = false;
  std::size_t threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--limits") == 0) limits = std::strcmp(argv[i + 1], "on") == 0;
    if (std::strcmp(argv[i], "--threads") == 0) threads = static_cast<std::size_t>(std::atoi(argv[i + 1]));
  }
  guard::testing::FakeSource source;
  source.publish(1, {"bench.test", "127.0.0.1", "localhost"}, {{"/index.html", page()}});
  guard::GuardOptions options;
  options.threads = threads;
  options.disk_threads = 1;
  options.max_connections_per_ip = 1024;
  std::shared_ptr<guard::LimitsFilter> filter;
  if (limits) {
    guard::LimitsOptions lo;
    lo.rate_per_ip = lo.burst_per_ip = lo.rate_per_site = lo.burst_per_site = 1e6;
    auto f = guard::LimitsFilter::create(lo);
    if (!f) return std::cerr << f.error().to_string() << "\n", 1;
    filter = *f;
    options.filters = {filter};
    options.loop_lag = [filter](std::chrono::milliseconds lag) { filter->note_loop_lag(lag); };
  }
  guard::Guard g(options, source, [](const guard::TamperReport&) {});
  if (auto s = g.start(); !s) return std::cerr << s.error().to_string() << "\n", 1;
  std::cout << "port " << g.port() << std::endl;
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGINT, [](int) { g_stop = true; });
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  g.stop();
  g.wait();
  std::cout << "requests " << g.stats().requests;
  if (filter) {
    const auto s = filter->stats();
    std::cout << " limited " << s.limited_ip + s.limited_site << " overload_refused " << s.overload_refused;
  }
  std::cout << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
