// The CRS rule files as text (internal to src/waf; C++20, shared by modsec_prefilter.cc and
// modsec_fast.cc): the operator parameters and variables of a rule, which libmodsecurity 3.0.9's
// headers do not expose on the compiled rules (their operator and variables are incomplete types).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sw::waf::engine {

struct TextRule {
  std::int64_t id = 0;
  std::string variables;
  bool negated = false;
  std::string op;     // rx, pm, pmFromFile, detectSQLi, ...
  std::string param;  // raw text between the quotes after the operator name
  std::string actions;
  bool chained_link = false;  // a link of the previous rule's chain
};

// Every SecRule of the CRS files under `dir` (sorted by name), in order, continuation lines joined;
// {} with `error` set when the directory cannot be listed.
std::vector<TextRule> read_rule_files(const std::filesystem::path& dir, std::string& error);

// Whether `actions` holds the action `word` (e.g. "nolog", "chain", "phase:1").
bool has_action(const std::string& actions, std::string_view word);

}  // namespace sw::waf::engine
