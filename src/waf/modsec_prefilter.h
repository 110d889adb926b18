// The vectorscan prefilter of the WAF (internal to src/waf; issue 6; docs/modules/waf.md "The vectorscan
// prefilter"). Built as C++20 with modsec_engine.cc, as it reads libmodsecurity's objects.
//
// Shape: the CRS rules are split into *covered* rules — rules and chain heads (a chain acts only when its
// head matches; heads that match ordinary requests are left out) in phase 1/2 whose operator is
// @rx, @pm, @pmFromFile, @detectSQLi or @detectXSS (not negated, no run-time macro) and whose variables
// are all plain request collections — and the others. A second rule set is compiled with the covered
// rules removed (`SecRuleRemoveById`, removal_directive()). Per request the *reduced* transaction runs
// (ModSecurity parses the request and evaluates every rule that is not covered, exactly), then
// may_match() reads the values of that transaction's collections (each variable once), applies each
// covered rule's own transformations (ModSecurity's executeTransformations: exactly the strings the
// operator would see; once per distinct value and transformation chain, shared by the groups of that
// chain), and scans them with one vectorscan database per group (phase, transformation chain, multiMatch,
// variables), one scratch per thread: the @rx patterns compiled with HS_FLAG_PREFILTER (a superset of
// PCRE's matches), the @pm phrases as caseless literals (split into pieces, a superset), libinjection
// called as the operators call it. When no covered rule may match, the full run would be the reduced
// run plus rules that do not match and so do nothing: the reduced outcome is the full outcome.
// Requests with an XML or multipart body (whose XML:/* and FILES values are not read here), and any
// scan error, answer "may match".
#pragma once

#include <cstddef>
#include <filesystem>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace modsecurity {
class RulesSet;
class Transaction;
}  // namespace modsecurity

namespace sw::waf::engine {

// The routing guess (issue 6, "Routing" in docs/modules/waf.md): true when a value of the query string or
// of an urlencoded form body (`form_body`, "" for other bodies), URL-decoded once, is SQL injection or
// XSS to libinjection. With the prefilter on, such a request runs the FULL rule set only, skipping the
// reduced run it would otherwise pay before a "may match". The guess decides cost only, never a
// verdict: guessed attack -> the full run (the prefilter-off path, always exact); guessed clean -> the
// reduced run, the exact prefilter, and on "may match" the full run, as without the guess.
bool guess_attack(std::string_view target, std::string_view form_body);

class Prefilter {
 public:
  // Reads the CRS rule files under `crs_rules_dir` (the rules/ directory the text includes) and finds
  // each covered rule in `full` (the compiled full rule set, which must outlive the prefilter).
  // nullptr with `error` set when nothing could be covered or a database did not compile.
  // Rules tagged paranoia-level/N above `paranoia` are not covered (the engine skips them at this level;
  // left in the reduced set they are skipped there too, so not covering them is exact).
  // `cache_dir`: the disk cache of vectorscan's verdicts and databases (prefilter_cache.h); empty: none.
  static std::unique_ptr<Prefilter> build(modsecurity::RulesSet& full, const std::filesystem::path& crs_rules_dir,
                                          int paranoia, std::string& error,
                                          const std::filesystem::path& cache_dir = {});
  ~Prefilter();

  // "SecRuleRemoveById <ids>" for the covered rules: appended to the rules text for the reduced set.
  const std::string& removal_directive() const;
  std::size_t covered_rules() const;
  const std::set<std::int64_t>& covered_ids() const;  // the ids removal_directive() names

  // After the reduced transaction ran the request phases: false only when no covered rule can match.
  bool may_match(modsecurity::Transaction& reduced) const;

  // The covered rules that may match this request (after a transaction whose collections are the
  // reduced one's ran the request phases): every covered rule whose chain head may match is in `ids`, so
  // the others cannot match and the full rule set without them (Transaction::m_ruleRemoveById) gives the
  // full outcome. false when the prefilter cannot tell (an XML or multipart body, a scan error).
  bool candidates(modsecurity::Transaction& tx, std::vector<std::int64_t>& ids) const;

  struct Impl;

 private:
  enum class Scan { cannot_match, may_match, undecided };
  Scan scan(modsecurity::Transaction& tx, std::vector<std::int64_t>* candidates) const;
  explicit Prefilter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sw::waf::engine
