// The libmodsecurity adapter of the WAF (internal to src/waf). libmodsecurity 3.0.9's headers do not
// compile as C++23 (rules_set_properties.h returns NULL as a std::string), so this adapter is the one
// file that includes them, built as C++20, with a plain interface: no Result, no exceptions out.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "guard/filter.h"

namespace sw::waf::engine {

struct CompiledRules;  // a loaded, read-only ModSecurity rule set

// Loads `text` (ModSecurity configuration, Include lines allowed). nullptr with `error` set on failure.
// With `prefilter_rules_dir` (the CRS rules/ directory the text includes) it also builds the vectorscan
// prefilter and the reduced rule set (modsec_prefilter.h); when that cannot be built the rules work
// without it and `prefilter_note` says why.
// `reduced_text` (optional) gives the reduced set's text from the prefilter's covered rule ids (the
// generated CRS text without those rules, crs_text.h); without it, or when it returns "", the reduced set
// is `text` plus `SecRuleRemoveById <covered ids>`. `original_text` (optional, check mode): a text that
// must behave exactly as `text` (the plain CRS Include when `text` is the generated one); it is compiled
// too, and run() runs it on every request and compares (Outcome::text_miss). `prefilter_cache_dir`: the
// prefilter's disk cache (prefilter_cache.h); empty: none.
using ReducedText = std::function<std::string(const std::set<std::int64_t>& covered)>;
std::shared_ptr<CompiledRules> compile(const std::string& text, std::string& error,
                                       const std::filesystem::path& prefilter_rules_dir = {},
                                       std::string* prefilter_note = nullptr, int paranoia = 4,
                                       const ReducedText& reduced_text = {}, const std::string& original_text = {},
                                       const std::filesystem::path& prefilter_cache_dir = {});
bool has_prefilter(const CompiledRules& rules);
// The prefilter's fast path (modsec_fast.h), and why a rule set with a prefilter has none.
bool has_fast_path(const CompiledRules& rules);
const std::string& fast_path_note(const CompiledRules& rules);

struct Match {
  std::int64_t id = 0;
  int severity = 0;
  std::string message;
  std::string data;  // the rule's logdata as ModSecurity expanded it (not yet masked)
};

struct Outcome {
  int status = 0;  // the disruptive intervention's status; 0 when none (always 0 in DetectionOnly)
  int anomaly_score = 0;
  std::vector<Match> matches;  // every rule that logged, in order (a disruptive rule's own message is
                               // not among them: see intervention_log)
  std::string intervention_log;  // ModSecurity's text of the disruptive rule ("... [id \"949110\"] ...")
  bool prefilter_pass = false;   // no covered rule could match: the reduced run's outcome was used (check
                                 // mode: would have been; the full outcome is returned)
  bool routed_full = false;      // on: the routing guess sent the request to the full set only
  bool targeted = false;         // the full set ran without the covered rules the prefilter found could not
                                 // match (check mode: and was compared with the whole full set)
  bool fast_path = false;        // the fast path found the request clean without the reduced run (check
                                 // mode: would have; a disagreement with the full run is a prefilter_miss)
  bool prefilter_miss = false;   // check mode: the prefilter said "cannot match" and the full run differed
  std::string prefilter_miss_detail;  // for a miss: statuses, scores and rule ids of both runs (full/reduced)
  bool text_checked = false;  // the original text ran too (compile's original_text)
  bool text_miss = false;     // and gave another status, rule ids or anomaly score than this outcome
  std::string text_miss_detail;
};

enum class PrefilterUse {
  off,    // the full transaction only
  on,     // the reduced transaction; the full one only when a covered rule may match (and, for a request
          // the routing guess takes for an attack, guess_attack in modsec_prefilter.h, the full one only)
  check,  // both, always; the full outcome is returned and a disagreement is flagged (prefilter_miss)
};

// Runs one request through the request phases (connection, URI, headers, body) in its own transaction.
// Thread-safe: any number of requests may run on the same rules at once.
Outcome run(CompiledRules& rules, const guard::FilterRequest& request, PrefilterUse use = PrefilterUse::off);

}  // namespace sw::waf::engine
