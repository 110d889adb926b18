// A prefilter built from a rules text outside a Waf, for prefilter_cache_test.cc: the covered rule ids and
// the removal directive the Waf does not expose. Plain C++20 (its .cc includes libmodsecurity's headers,
// which are not valid C++23, and is built as C++20 like src/waf/modsec_prefilter.cc).
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

namespace sw::waf::testing {

struct PrefilterProbe {
  std::string error;  // set when the rules did not load or the prefilter did not build
  std::set<std::int64_t> covered;
  std::string removal;
};

// Loads `rules_text` into a ModSecurity rule set and builds the prefilter over it (Prefilter::build with
// the CRS rules directory, the paranoia level and the disk cache directory, "" for none).
PrefilterProbe build_prefilter(const std::string& rules_text, const std::filesystem::path& crs_rules_dir,
                               int paranoia, const std::filesystem::path& cache_dir);

}  // namespace sw::waf::testing
