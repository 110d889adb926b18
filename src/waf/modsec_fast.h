// The fast path of the WAF's prefilter (internal to src/waf; issue 6, N7.3 防攻击; docs/modules/waf.md
// "The fast path").
// Built as C++20 with modsec_engine.cc, as it reads libmodsecurity's objects.
//
// With the prefilter on, a request the prefilter passes still paid ModSecurity's *reduced* transaction:
// its parsing plus every CRS rule the prefilter does not cover (~200 µs, most of a clean request). At
// paranoia 1 those rules are few and of known kinds: the CRS initialisation (901), the IP-reputation and
// DoS sections that the configuration leaves idle (910, 912), method and protocol enforcement (911,
// 920: request line, Content-Length, Content-Type, Host, Accept, extensions, restricted headers, byte
// range, URL encoding), the multipart checks (922) and the scoring (949). The fast path decides "none of
// them logs, scores, blocks or changes the engine on this request" in C++, rule by rule, from the same
// collections ModSecurity itself filled — those of a *parse* transaction over a rule set that holds only
// the configuration and the rules whose ctl: actions change how the body is parsed — and then asks the
// prefilter about the covered rules on those collections. Both clear -> the request is clean without
// the reduced transaction; anything else -> the reduced transaction runs as before.
//
// It is sound by construction, not by hope: each rule of the reduced set must be one the fast path was
// written for, with the variables, operator and parameter it was written for (read from the CRS files);
// the configuration values the rules compare against (allowed methods, content types, HTTP versions,
// restricted extensions and headers, the idle reputation/DoS/length settings) are read from a probe
// transaction at build. A rule it does not know, of another shape, or a configuration value outside
// what it handles, and build() returns nullptr with the reason: the prefilter then works as before. Each
// per-request check is exact (the rule's own pattern through PCRE2 with ModSecurity's flags, the rule's
// own transformations) or conservative (it refuses the fast path where the rule might act).
// check mode compares the fast path's "clean" with the full rule set on every request.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace modsecurity {
class RulesSet;
class Transaction;
}  // namespace modsecurity

namespace sw::waf::engine {

struct TextRule;

class FastPath {
 public:
  // `reduced`: the reduced rule set (the full set without the prefilter's covered rules); `text`: the CRS
  // rule files (read_rule_files); `probe`: a transaction over `reduced` that ran a plain GET (its TX
  // collection holds the configuration's values). nullptr with `why` set when the fast path cannot
  // decide for this rule set.
  static std::unique_ptr<FastPath> build(modsecurity::RulesSet& reduced, const std::vector<TextRule>& text,
                                         modsecurity::Transaction& probe, std::string& why);
  ~FastPath();

  // The CRS rules the parse rule set must keep besides the configuration: their ctl: actions change how
  // ModSecurity parses the body (901340: forceRequestBodyVariable when no body processor applies).
  static const std::set<std::int64_t>& parse_rule_ids();

  // After the parse transaction ran the request phases: true when no rule of the reduced set can log,
  // score, block or change the engine on this request. `why` (optional): the first rule that might.
  bool quiet(modsecurity::Transaction& parsed, std::string* why = nullptr) const;

  // Whether the parse transaction's collections are those the reduced and full rule sets see: false when
  // a rule of theirs may change how the body is parsed (920480's ctl:forceRequestBodyVariable on a
  // charset the configuration does not allow; the others are idle by the probe).
  bool parses_alike(modsecurity::Transaction& parsed) const;

  struct Impl;

 private:
  explicit FastPath(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sw::waf::engine
