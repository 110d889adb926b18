#include "waf/modsec_engine.h"

#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <strings.h>

#include "waf/modsec_fast.h"
#include "waf/modsec_prefilter.h"
#include "waf/modsec_rule_text.h"

namespace sw::waf::engine {

struct CompiledRules {
  modsecurity::RulesSet rules;
  std::unique_ptr<Prefilter> prefilter;     // over `rules`; null without a prefilter
  std::unique_ptr<modsecurity::RulesSet> reduced;  // `rules` without the prefilter's covered rules
  std::unique_ptr<modsecurity::RulesSet> original;  // check mode: the text `rules` must equal
  // The fast path (modsec_fast.h): the parse set (the configuration and the rules whose ctl: actions change
  // how the body is parsed) whose transactions give ModSecurity's collections, and the checks of the
  // reduced set's rules. Null when the fast path cannot decide for this rule set.
  std::unique_ptr<modsecurity::RulesSet> parse;
  std::unique_ptr<FastPath> fast;
  std::string fast_note;  // why there is no fast path
};

namespace {

void on_rule_message(void* data, const void* message) {
  if (data == nullptr || message == nullptr) return;
  const auto& rm = *static_cast<const modsecurity::RuleMessage*>(message);
  static_cast<Outcome*>(data)->matches.push_back(Match{rm.m_ruleId, rm.m_severity, rm.m_message, rm.m_data});
}

// One engine for the process: it holds the server-log callback; transactions carry their own data.
modsecurity::ModSecurity& modsec() {
  static modsecurity::ModSecurity* instance = [] {
    auto* m = new modsecurity::ModSecurity();
    m->setConnectorInformation("sitewarden-guard");
    m->setServerLogCb(on_rule_message, modsecurity::RuleMessageLogProperty);
    return m;
  }();
  return *instance;
}

int intervention(modsecurity::Transaction& tx, Outcome& outcome) {
  modsecurity::ModSecurityIntervention it{};
  it.status = 200;
  int status = 0;
  if (tx.intervention(&it) && it.disruptive) {
    status = it.status == 200 ? 403 : it.status;
    if (it.log != nullptr) outcome.intervention_log = it.log;
  }
  modsecurity::intervention::free(&it);
  return status;
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

int run_phases(modsecurity::Transaction& tx, const guard::FilterRequest& request, Outcome& outcome) {
  std::string client_ip(request.client_ip), server_ip(request.server_ip);
  tx.processConnection(client_ip.c_str(), request.client_port, server_ip.c_str(), request.server_port);
  std::string target(request.target), method(request.method), version(request.http_version);
  tx.processURI(target.c_str(), method.c_str(), version.c_str());
  if (int s = intervention(tx, outcome)) return s;
  for (const auto& h : request.headers) tx.addRequestHeader(bytes(h.name), h.name.size(), bytes(h.value), h.value.size());
  tx.processRequestHeaders();
  if (int s = intervention(tx, outcome)) return s;
  if (!request.body.empty()) tx.appendRequestBody(bytes(request.body), request.body.size());
  tx.processRequestBody();
  return intervention(tx, outcome);
}

// The fast path of a compiled rule set whose prefilter and reduced set exist: the parse set is the reduced
// set's generated text without every CRS rule but FastPath::parse_rule_ids(); the configuration values come
// from a probe transaction (a plain GET) over the reduced set.
void build_fast_path(CompiledRules& c, const ReducedText& reduced_text, const std::filesystem::path& rules_dir) {
  std::set<std::int64_t> drop;
  for (int phase = 0; phase < modsecurity::Phases::NUMBER_OF_PHASES; ++phase) {
    for (auto& held : c.reduced->m_rulesSetPhases[phase]->m_rules) {
      auto* rule = dynamic_cast<modsecurity::RuleWithActions*>(held.get());
      if (rule != nullptr && rule->m_ruleId >= 901000 && !FastPath::parse_rule_ids().contains(rule->m_ruleId)) {
        drop.insert(rule->m_ruleId);
      }
    }
  }
  drop.insert(c.prefilter->covered_ids().begin(), c.prefilter->covered_ids().end());
  std::string parse_text = reduced_text(drop);
  auto parse = std::make_unique<modsecurity::RulesSet>();
  if (parse_text.empty() || parse->load(parse_text.c_str(), "sitewarden-waf-parse.conf") < 0) {
    c.fast_note = "the parse rule set did not load: " + (parse_text.empty() ? std::string("no text") : parse->getParserError());
    return;
  }
  std::string error;
  auto text = read_rule_files(rules_dir, error);
  if (text.empty()) {
    c.fast_note = "the CRS files could not be read: " + error;
    return;
  }
  // The targeted full run (run_rules) finds the covered rules that may match on the parse collections: no
  // covered rule may change how the request is parsed or evaluated (a ctl: of a matching covered rule would
  // act before later rules read the collections). CRS's covered rules carry only ctl:auditLogParts (which
  // audit-log parts to write: no effect on parsing or on any rule).
  std::int64_t head = 0;
  for (const auto& r : text) {
    if (!r.chained_link) head = r.id;
    if (!c.prefilter->covered_ids().contains(head)) continue;
    for (auto at = r.actions.find("ctl:"); at != std::string::npos; at = r.actions.find("ctl:", at + 4)) {
      if (r.actions.compare(at, 17, "ctl:auditLogParts") != 0) {
        c.fast_note = "covered rule " + std::to_string(head) + " has a ctl: action other than auditLogParts";
        return;
      }
    }
  }
  Outcome ignored;
  char id[] = "fast-path-probe";
  modsecurity::Transaction probe(&modsec(), c.reduced.get(), id, &ignored);
  probe.processConnection("127.0.0.1", 40000, "127.0.0.1", 80);
  probe.processURI("/", "GET", "1.1");
  const std::string host = "Host", localhost = "localhost";
  probe.addRequestHeader(host, localhost);
  probe.processRequestHeaders();
  probe.processRequestBody();
  c.fast = FastPath::build(*c.reduced, text, probe, c.fast_note);
  if (c.fast) c.parse = std::move(parse);
}

int anomaly_score(modsecurity::Transaction& tx) {
  int best = 0;
  for (const char* name : {"anomaly_score", "inbound_anomaly_score"}) {
    auto value = tx.m_collections.m_tx_collection->resolveFirst(name);
    if (value && !value->empty() && std::all_of(value->begin(), value->end(), ::isdigit) && value->size() < 9) {
      best = std::max(best, std::stoi(*value));
    }
  }
  return best;
}

}  // namespace

std::shared_ptr<CompiledRules> compile(const std::string& text, std::string& error,
                                       const std::filesystem::path& prefilter_rules_dir, std::string* prefilter_note,
                                       int paranoia, const ReducedText& reduced_text, const std::string& original_text,
                                       const std::filesystem::path& prefilter_cache_dir) {
  modsec();  // the engine exists before any rule set
  auto compiled = std::make_shared<CompiledRules>();
  if (compiled->rules.load(text.c_str(), "sitewarden-waf.conf") < 0) {
    error = compiled->rules.getParserError();
    return nullptr;
  }
  if (!original_text.empty()) {
    compiled->original = std::make_unique<modsecurity::RulesSet>();
    if (compiled->original->load(original_text.c_str(), "sitewarden-waf-original.conf") < 0) {
      error = "the original text did not load: " + compiled->original->getParserError();
      return nullptr;
    }
  }
  if (!prefilter_rules_dir.empty()) {
    std::string why;
    auto prefilter = Prefilter::build(compiled->rules, prefilter_rules_dir, paranoia, why, prefilter_cache_dir);
    if (prefilter) {
      auto reduced = std::make_unique<modsecurity::RulesSet>();
      std::string generated = reduced_text ? reduced_text(prefilter->covered_ids()) : std::string();
      std::string reduced_rules = generated.empty() ? text + "\n" + prefilter->removal_directive() : generated;
      if (reduced->load(reduced_rules.c_str(), "sitewarden-waf-reduced.conf") < 0) {
        why = "the reduced rule set did not load: " + reduced->getParserError();
      } else {
        compiled->prefilter = std::move(prefilter);
        compiled->reduced = std::move(reduced);
        if (!generated.empty()) build_fast_path(*compiled, reduced_text, prefilter_rules_dir);
        else compiled->fast_note = "the reduced set is not generated text";
      }
    }
    if (!compiled->prefilter && prefilter_note != nullptr) *prefilter_note = why;
  }
  return compiled;
}

bool has_prefilter(const CompiledRules& rules) { return rules.prefilter != nullptr; }
bool has_fast_path(const CompiledRules& rules) { return rules.fast != nullptr; }
const std::string& fast_path_note(const CompiledRules& rules) { return rules.fast_note; }

namespace {

std::vector<std::int64_t> ids_of(const Outcome& o) {
  std::vector<std::int64_t> ids;
  for (const auto& m : o.matches) ids.push_back(m.id);
  return ids;
}

std::string ids_text(const Outcome& o) {
  std::string out;
  for (auto i : ids_of(o)) out += " " + std::to_string(i);
  return out;
}

Outcome run_rules(CompiledRules& rules, const guard::FilterRequest& request, PrefilterUse use);

// The body when it is an urlencoded form (the routing guess reads its values); "" otherwise.
std::string_view form_body(const guard::FilterRequest& request) {
  for (const auto& h : request.headers) {
    if (h.name.size() != 12 || strncasecmp(h.name.data(), "content-type", 12) != 0) continue;
    std::string_view v = h.value;
    constexpr std::string_view kForm = "application/x-www-form-urlencoded";
    return v.size() >= kForm.size() && strncasecmp(v.data(), kForm.data(), kForm.size()) == 0 ? request.body
                                                                                              : std::string_view();
  }
  return {};
}

}  // namespace

Outcome run(CompiledRules& rules, const guard::FilterRequest& request, PrefilterUse use) {
  Outcome outcome = run_rules(rules, request, use);
  if (rules.original) {
    Outcome original;
    std::string id(request.request_id);
    {
      modsecurity::Transaction tx(&modsec(), rules.original.get(), id.data(), &original);
      original.status = run_phases(tx, request, original);
      original.anomaly_score = anomaly_score(tx);
    }
    outcome.text_checked = true;
    outcome.text_miss = original.status != outcome.status || ids_of(original) != ids_of(outcome) ||
                        original.anomaly_score != outcome.anomaly_score;
    if (outcome.text_miss) {
      outcome.text_miss_detail = "status " + std::to_string(original.status) + "/" + std::to_string(outcome.status) +
                                 " score " + std::to_string(original.anomaly_score) + "/" +
                                 std::to_string(outcome.anomaly_score) + " ids original:" + ids_text(original) +
                                 " generated:" + ids_text(outcome);
    }
  }
  return outcome;
}

namespace {

// The full rule set on `request`; with `skip`, without those covered rules (the prefilter found that their
// heads cannot match, so they would do nothing: Transaction::m_ruleRemoveById skips them unevaluated).
Outcome run_full(CompiledRules& rules, const guard::FilterRequest& request, std::string& id,
                 const std::vector<std::int64_t>* skip = nullptr) {
  Outcome full;
  modsecurity::Transaction tx(&modsec(), &rules.rules, id.data(), &full);
  if (skip != nullptr) tx.m_ruleRemoveById.assign(skip->begin(), skip->end());
  full.status = run_phases(tx, request, full);
  full.anomaly_score = anomaly_score(tx);
  return full;
}

bool differs(const Outcome& a, const Outcome& b) {
  return a.status != b.status || ids_of(a) != ids_of(b) || a.anomaly_score != b.anomaly_score;
}

std::string compared(const char* what, const Outcome& full, const Outcome& other) {
  return std::string(what) + ": status " + std::to_string(full.status) + "/" + std::to_string(other.status) +
         " score " + std::to_string(full.anomaly_score) + "/" + std::to_string(other.anomaly_score) +
         " ids full:" + ids_text(full) + " other:" + ids_text(other);
}

Outcome run_rules(CompiledRules& rules, const guard::FilterRequest& request, PrefilterUse use) {
  std::string id(request.request_id);
  const bool guessed = use == PrefilterUse::on && rules.prefilter && guess_attack(request.target, form_body(request));
  // The fast path: ModSecurity parses the request over the parse set (no CRS rule runs); the prefilter
  // finds the covered rules that may match on those collections, FastPath::quiet decides the reduced
  // set's rules. When the parse set's collections are the full set's (parses_alike), the prefilter's
  // verdict holds for the full set too:
  //   nothing may match and quiet          -> clean, without the reduced run;
  //   nothing may match, not quiet         -> the reduced run (exact: no covered rule can act);
  //   some covered rules may match         -> the full set without the others (targeted), exact.
  bool decided = false, fast_clean = false, none_may_match = false;
  std::vector<std::int64_t> skip;
  if (use != PrefilterUse::off && rules.fast) {
    Outcome parsed;  // the parse set's own outcome: its refusals are among what quiet() checks
    modsecurity::Transaction tx(&modsec(), rules.parse.get(), id.data(), &parsed);
    run_phases(tx, request, parsed);
    std::vector<std::int64_t> maybe;
    decided = rules.fast->parses_alike(tx) && rules.prefilter->candidates(tx, maybe);
    none_may_match = decided && maybe.empty();
    if (decided && !maybe.empty()) {
      std::sort(maybe.begin(), maybe.end());
      for (auto covered : rules.prefilter->covered_ids()) {
        if (!std::binary_search(maybe.begin(), maybe.end(), covered)) skip.push_back(covered);
      }
    } else if (decided && !guessed) {
      static const bool debug = std::getenv("SW_WAF_PREFILTER_DEBUG") != nullptr;
      std::string why;
      fast_clean = rules.fast->quiet(tx, debug ? &why : nullptr);
      if (debug && !fast_clean) std::fprintf(stderr, "fast path: refused by %s: %s\n", why.c_str(), id.c_str());
    }
    if (use == PrefilterUse::on && decided) {
      if (fast_clean) {
        Outcome clean;
        clean.prefilter_pass = true;
        clean.fast_path = true;
        return clean;
      }
      if (!maybe.empty()) {
        Outcome full = run_full(rules, request, id, &skip);
        full.routed_full = guessed;
        full.targeted = true;
        return full;
      }
    }
  }
  if (guessed && !decided) {
    // Routing: the cost only. The full run is the prefilter-off path, exact whatever the guess.
    Outcome full = run_full(rules, request, id);
    full.routed_full = true;
    return full;
  }
  if (use != PrefilterUse::off && rules.prefilter) {
    Outcome reduced;
    bool may_match = true;
    {
      modsecurity::Transaction tx(&modsec(), rules.reduced.get(), id.data(), &reduced);
      reduced.status = run_phases(tx, request, reduced);
      reduced.anomaly_score = anomaly_score(tx);
      // When the parse collections are the reduced run's and the candidate scan found that no covered rule
      // may match, it is not scanned twice.
      may_match = none_may_match ? false : rules.prefilter->may_match(tx);
    }
    if (!may_match && use == PrefilterUse::on) {
      reduced.prefilter_pass = true;
      return reduced;
    }
    Outcome full = run_full(rules, request, id);
    if (use == PrefilterUse::check && decided) {
      // What `on` would have answered, against the full set: clean, or the targeted full run.
      if (fast_clean) {
        full.fast_path = true;
        if (full.status != 0 || !full.matches.empty() || full.anomaly_score != 0) {
          full.prefilter_miss = true;
          full.prefilter_miss_detail = "fast path: status " + std::to_string(full.status) + " score " +
                                       std::to_string(full.anomaly_score) + " ids full:" + ids_text(full);
          return full;
        }
      } else if (!skip.empty()) {
        Outcome targeted = run_full(rules, request, id, &skip);
        full.targeted = true;
        if (differs(full, targeted)) {
          full.prefilter_miss = true;
          full.prefilter_miss_detail = compared("targeted", full, targeted);
          return full;
        }
      }
    }
    if (!may_match) {
      full.prefilter_pass = true;  // check mode: the prefilter would have answered with the reduced run
      full.prefilter_miss = differs(full, reduced);
      if (full.prefilter_miss) full.prefilter_miss_detail = compared("reduced", full, reduced);
    }
    return full;
  }
  return run_full(rules, request, id);
}

}  // namespace

}  // namespace sw::waf::engine
