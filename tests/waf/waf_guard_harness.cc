// waf_guard_harness: the real guard (sw::guard::Guard) on loopback with the WAF as its request filter,
// serving one site (hosts "localhost" and "127.0.0.1") whose live release holds index.html — what the
// CRS runner (tests/waf/crs_runner.py) sends the regression suite to; with --site-dir, every file under
// that directory instead (bench/waf_bench.sh). Options: harness_options.h. Runs until SIGTERM or SIGINT,
// then prints the WAF's /metrics text on stdout.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "../guard/fake_source.h"
#include "guard/guard.h"
#include "harness_options.h"
#include "waf/waf.h"

int main(int argc, char** argv) {
  sw::waf::testing::HarnessOptions options;
  int exit_code = 0;
  auto waf = sw::waf::testing::start_harness("waf_guard_harness", argc, argv, options, exit_code);
  if (!waf) return exit_code;
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // before the guard's threads start

  sw::guard::testing::FakeSource source;
  std::vector<sw::guard::testing::FakeFile> files;
  if (options.site_dir.empty()) {
    files.push_back({"/index.html", "ok\n"});
  } else {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(options.site_dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::ifstream in(it->path(), std::ios::binary);
      files.push_back({"/" + fs::relative(it->path(), options.site_dir).generic_string(),
                       std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>())});
    }
    if (ec || files.empty()) {
      std::cerr << "waf_guard_harness: no files under " << options.site_dir << "\n";
      return 1;
    }
  }
  source.publish(1, {"localhost", "127.0.0.1"}, files);
  sw::guard::GuardOptions guard_options;
  guard_options.threads = options.threads;
  guard_options.disk_threads = 1;
  guard_options.max_connections_per_ip = 10'000;  // the benchmark's wrk connects from 127.0.0.1
  guard_options.max_body_bytes = sw::waf::testing::kHarnessBodyLimit;
  guard_options.header_timeout = std::chrono::milliseconds(2000);
  guard_options.body_timeout = std::chrono::milliseconds(2000);
  std::shared_ptr<sw::waf::Waf> shared_waf(std::move(waf));
  if (!options.no_waf) guard_options.filters.push_back(shared_waf);
  sw::guard::Guard guard(guard_options, source, [](const sw::guard::TamperReport&) {});
  if (auto started = guard.start(); !started) {
    std::cerr << "waf_guard_harness: " << started.error().to_string() << "\n";
    return 1;
  }
  sw::waf::testing::write_port_file(options.port_file, guard.port());
  std::cout << "listening on 127.0.0.1:" << guard.port() << std::endl;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  guard.stop();
  guard.wait();
  // The WAF's counters on stdout at the end (bench/waf_bench.sh prints waf_prefilter_total and
  // waf_requests_total from them: how many requests the prefilter passed under the load).
  if (!options.no_waf) {
    std::string metrics;
    shared_waf->append_metrics(metrics);
    std::cout << metrics << std::flush;
  }
  return 0;
}
