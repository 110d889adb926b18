// The command line shared by the WAF test servers (waf_harness, waf_guard_harness):
//   --event-log FILE  --paranoia N  --detection-only  --crs-regression  --port-file F  --print-rules
// and for waf_guard_harness only (bench/waf_bench.sh): --threads N (guard event threads, default 1),
// --site-dir DIR (serve every file under DIR instead of the one-line index.html), --no-waf (the guard
// without the WAF filter), --waf-threads N (the WAF's own inspection threads, default 2; 0: inspect on
// the guard's event threads); --prefilter (the prefilter on, as a node runs it), --no-prefilter (off, the
// harness's default), --prefilter-check (both engines on
// every request, misses logged as waf.prefilter_miss); --no-trim (load the CRS by Include, not the generated
// text), --trim-check (run the Include text too on every request, differences logged as waf.text_miss).
// --crs-regression: the settings the CRS 3.3.4 suite assumes (its README): paranoia 4, detection-only,
// rule 910000 removed, crs_validate_utf8_encoding=1, arg_name_length=100, arg_length=400; and rule 941310
// kept (sitewarden removes it by default, see WafOptions::us_ascii_xss_rule).
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "waf/waf.h"

namespace sw::waf::testing {

constexpr std::uint64_t kHarnessBodyLimit = 13107200;  // Debian's SecRequestBodyLimit; the nginx peer's 13m

struct HarnessOptions {
  WafOptions waf;
  std::string port_file;
  bool print_rules = false;
  std::size_t threads = 1;
  std::string site_dir;
  bool no_waf = false;
};

// false (after a message on stderr) on an unknown option.
inline bool parse_harness_options(int argc, char** argv, HarnessOptions& out) {
  out.waf.max_body_bytes = kHarnessBodyLimit;
  out.waf.threads = 2;  // the WAF's own pool, as a node runs it ([waf] threads); --waf-threads 0: inline
  // The prefilter stays off unless --prefilter or --prefilter-check (WafOptions' default is on): what
  // bench/waf_bench.sh and crs_runner.py run without those flags is the full rule set, as before.
  out.waf.prefilter = WafOptions::Prefilter::off;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--event-log") {
      out.waf.event_log = next();
    } else if (a == "--paranoia") {
      out.waf.defaults.paranoia = std::atoi(next().c_str());
    } else if (a == "--detection-only") {
      out.waf.defaults.mode = Mode::detection_only;
    } else if (a == "--crs-regression") {
      out.waf.defaults.paranoia = 4;
      out.waf.defaults.mode = Mode::detection_only;
      out.waf.defaults.exclusions.push_back({"", 910000, ""});
      out.waf.validate_utf8 = true;
      out.waf.arg_name_length = 100;
      out.waf.arg_length = 400;
      out.waf.us_ascii_xss_rule = true;
    } else if (a == "--port-file") {
      out.port_file = next();
    } else if (a == "--print-rules") {
      out.print_rules = true;
    } else if (a == "--threads") {
      out.threads = static_cast<std::size_t>(std::max(1, std::min(64, std::atoi(next().c_str()))));
    } else if (a == "--site-dir") {
      out.site_dir = next();
    } else if (a == "--waf-threads") {
      out.waf.threads = static_cast<std::size_t>(std::max(0, std::min(64, std::atoi(next().c_str()))));
    } else if (a == "--no-waf") {
      out.no_waf = true;
    } else if (a == "--no-prefilter") {
      out.waf.prefilter = WafOptions::Prefilter::off;
    } else if (a == "--prefilter") {
      out.waf.prefilter = WafOptions::Prefilter::on;
    } else if (a == "--no-trim") {
      out.waf.trim_rules = false;
    } else if (a == "--trim-check") {
      out.waf.trim_check = true;
    } else if (a == "--prefilter-check") {
      out.waf.prefilter = WafOptions::Prefilter::check;
    } else {
      std::cerr << argv[0] << ": unknown option " << a << "\n";
      return false;
    }
  }
  return true;
}

// Writes the port to the port file atomically (the runner waits for the file).
inline void write_port_file(const std::string& path, unsigned port) {
  if (path.empty()) return;
  std::ofstream(path + ".tmp") << port << "\n";
  std::rename((path + ".tmp").c_str(), path.c_str());
}

// The start of both harnesses: parses the options and creates the Waf. nullptr when the harness should
// exit with `exit_code`: 2 on a bad option, 0 after --print-rules printed the rules, 1 when the Waf
// refused its options (the error printed after `name`).
inline std::unique_ptr<Waf> start_harness(const char* name, int argc, char** argv, HarnessOptions& options,
                                          int& exit_code) {
  if (!parse_harness_options(argc, argv, options)) {
    exit_code = 2;
    return nullptr;
  }
  if (options.print_rules) {
    std::cout << rules_text(options.waf, options.waf.defaults);
    exit_code = 0;
    return nullptr;
  }
  auto waf = Waf::create(options.waf);
  if (!waf) {
    std::cerr << name << ": " << waf.error().to_string() << "\n";
    exit_code = 1;
    return nullptr;
  }
  return std::move(*waf);
}

}  // namespace sw::waf::testing
