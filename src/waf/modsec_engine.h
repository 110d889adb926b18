// The libmodsecurity adapter of the WAF (internal to src/waf). libmodsecurity 3.0.9's headers do not
// compile as C++23 (rules_set_properties.h returns NULL as a std::string), so this adapter is the one
// file that includes them, built as C++20, with a plain interface: no Result, no exceptions out.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "guard/filter.h"

namespace sw::waf::engine {

struct CompiledRules;  // a loaded, read-only ModSecurity rule set

// Loads `text` (ModSecurity configuration, Include lines allowed). nullptr with `error` set on failure.
std::shared_ptr<CompiledRules> compile(const std::string& text, std::string& error);

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
};

// Runs one request through the request phases (connection, URI, headers, body) in its own transaction.
// Thread-safe: any number of requests may run on the same rules at once.
Outcome run(CompiledRules& rules, const guard::FilterRequest& request);

}  // namespace sw::waf::engine
