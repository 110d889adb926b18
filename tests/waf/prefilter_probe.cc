#include "prefilter_probe.h"

#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>

#include "waf/modsec_prefilter.h"

namespace sw::waf::testing {

PrefilterProbe build_prefilter(const std::string& rules_text, const std::filesystem::path& crs_rules_dir,
                               int paranoia, const std::filesystem::path& cache_dir) {
  // The engine exists before any rule set, as in the WAF (modsec_engine.cc).
  static auto* engine = new modsecurity::ModSecurity();
  (void)engine;
  PrefilterProbe out;
  modsecurity::RulesSet rules;
  if (rules.load(rules_text.c_str(), "prefilter-probe.conf") < 0) {
    out.error = rules.getParserError();
    return out;
  }
  auto prefilter = engine::Prefilter::build(rules, crs_rules_dir, paranoia, out.error, cache_dir);
  if (prefilter) {
    out.covered = prefilter->covered_ids();
    out.removal = prefilter->removal_directive();
  }
  return out;
}

}  // namespace sw::waf::testing
