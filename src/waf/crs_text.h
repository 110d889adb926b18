// The CRS rule text the WAF loads, generated from the CRS files instead of `Include rules/*.conf`
// (issue 6; docs/modules/waf.md "The rule text trimmed"). Internal to src/waf.
//
// The generated text is *equivalent* to the Include for one configuration: ModSecurity gives every
// request the same status, logged rules and anomaly score (checked on the whole CRS suite by the
// harness's --trim-check, which runs both texts on every request). It leaves out only rules the
// engine could never evaluate with an effect at that configuration:
//
//  - Paranoia markers. `SecRule TX:EXECUTING_PARANOIA_LEVEL "@lt N" "id:..,phase:P,pass,nolog,
//    skipAfter:M"` (exactly these actions). tx.executing_paranoia_level is set only by 901125 (to
//    tx.paranoia_level when unset), and tx.paranoia_level by the configuration's 900000 before CRS (the
//    caller must not generate when an exclusion names a rule of 900000–901999 or a marker: `touched`).
//    So at paranoia L a marker with N <= L never matches (dropped; a rule that does not match has no
//    effect), and one with N > L always matches and skips every phase-P rule up to `SecMarker M`: those
//    rules are dropped with it (the skip then skips nothing).
//  - The application-exclusion packages (REQUEST-903.9001..9006): each file is guarded per phase by
//    `SecRule &TX:crs_exclusions_X|TX:crs_exclusions_X "@eq 0" "...,pass,nolog,skipAfter:M"`, which
//    matches unless the configuration sets tx.crs_exclusions_X (the caller passes
//    `exclusion_packages_enabled` when its text mentions crs_exclusions): handled like a firing marker.
//  - The 901 initialisation guards `SecRule &TX:name "@eq 0" "id,phase:1,pass,nolog,ver,setvar:..."`
//    (no other actions), given the configuration text: REQUEST-901 is the first CRS file, so before a
//    guard only the configuration and the guards before it can have set tx.name. A guard whose name the
//    configuration never mentions, nor a guard kept before it sets, matches on every request: a run of
//    consecutive such guards becomes one SecAction with their setvars in order (the first guard's id),
//    and a guard on a name a merged guard already set never matches (dropped). A guard whose name the
//    configuration mentions is kept as written and ends the run.
//  - For the reduced rule set of the prefilter, the rules in `drop_ids` (head and chain links), which is
//    what `SecRuleRemoveById` would do, without a per-rule lookup in the removal list at run time.
//
// Anything the generator does not recognise is kept as it is; a skip region that holds a rule without
// an explicit phase, or that does not end in the same file, is an error (the caller then loads the
// plain Include): keeping is always exact, dropping only where the argument above holds.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

#include "base/result.h"

namespace sw::waf {

struct CrsText {
  std::string text;               // the rules, in the Include's order (files sorted by name)
  std::set<std::int64_t> touched; // ids whose removal or narrowing by an exclusion would change the
                                  // argument: markers and package guards (dropped or not)
  std::size_t kept_rules = 0;     // SecRule/SecAction directives kept (chain links counted)
  std::size_t dropped_rules = 0;  // and dropped
};

// Reads `rules_dir`/*.conf. @pmFromFile/@ipMatchFromFile names are made absolute (the text is loaded
// from memory, not from rules_dir). Fails with "waf.crs_text" naming the file and the problem.
// With `configuration` (the text loaded before the CRS: engine settings, setup, the 900xxx SecActions,
// the site's exclusions), the 901 initialisation guards are merged as well (see above).
Result<CrsText> generate_crs_text(const std::filesystem::path& rules_dir, int paranoia,
                                  bool exclusion_packages_enabled, const std::set<std::int64_t>& drop_ids = {},
                                  const std::string* configuration = nullptr);

}  // namespace sw::waf
