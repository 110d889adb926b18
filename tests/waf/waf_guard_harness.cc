// waf_guard_harness: the real guard (sw::guard::Guard) on loopback with the WAF as its request filter,
// serving one site (hosts "localhost" and "127.0.0.1") whose live release holds index.html — what the
// CRS runner (tests/waf/crs_runner.py) sends the regression suite to. Options: harness_options.h.
// Runs until SIGTERM or SIGINT.
#include <csignal>
#include <iostream>
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
  source.publish(1, {"localhost", "127.0.0.1"}, {{"/index.html", "ok\n"}});
  sw::guard::GuardOptions guard_options;
  guard_options.threads = 1;
  guard_options.disk_threads = 1;
  guard_options.max_body_bytes = sw::waf::testing::kHarnessBodyLimit;
  guard_options.header_timeout = std::chrono::milliseconds(2000);
  guard_options.body_timeout = std::chrono::milliseconds(2000);
  guard_options.filters.push_back(std::shared_ptr<sw::waf::Waf>(std::move(waf)));
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
  return 0;
}
