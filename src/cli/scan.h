// `sitewarden scan PATH…`: the review scanner for people (issue 3, N3.2–N3.4, N4.6): files or
// directories, a table or JSON, exit status by the highest severity found.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace sw::cli {

struct ScanArgs {
  std::vector<std::filesystem::path> paths;
  std::vector<std::filesystem::path> lexicons;        // added to the shipped starter set
  std::vector<std::filesystem::path> protected_names; // near misses of these are serious wording errors
  bool no_builtin = false;
  bool json = false;
  bool progress = true;                               // on standard error, when it is a terminal
  std::string min_severity = "low";                   // findings below it are counted but not listed
  unsigned jobs = 0;                                  // 0: one per core
  std::size_t max_file_mb = 64;
};

// Exit status: 0 nothing at or above low; 1 the scan could not run (bad lexicon, missing path);
// 4 some file could not be scanned completely and nothing at or above low was found;
// 10 low, 11 medium, 12 high, 13 critical — the highest severity found.
inline constexpr int kScanExitIncomplete = 4;
inline constexpr int kScanExitSeverityBase = 9;  // + 1 (low) … + 4 (critical)

int run_scan(const ScanArgs& args);

}  // namespace sw::cli
