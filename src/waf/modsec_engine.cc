#include "waf/modsec_engine.h"

#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <algorithm>
#include <strings.h>

#include "waf/modsec_prefilter.h"

namespace sw::waf::engine {

struct CompiledRules {
  modsecurity::RulesSet rules;
  std::unique_ptr<Prefilter> prefilter;     // over `rules`; null without a prefilter
  std::unique_ptr<modsecurity::RulesSet> reduced;  // `rules` without the prefilter's covered rules
  std::unique_ptr<modsecurity::RulesSet> original;  // check mode: the text `rules` must equal
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
      }
    }
    if (!compiled->prefilter && prefilter_note != nullptr) *prefilter_note = why;
  }
  return compiled;
}

bool has_prefilter(const CompiledRules& rules) { return rules.prefilter != nullptr; }

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

Outcome run_rules(CompiledRules& rules, const guard::FilterRequest& request, PrefilterUse use) {
  std::string id(request.request_id);
  if (use == PrefilterUse::on && rules.prefilter && guess_attack(request.target, form_body(request))) {
    // Routing: the cost only. The full run is the prefilter-off path, exact whatever the guess.
    Outcome full;
    full.routed_full = true;
    modsecurity::Transaction tx(&modsec(), &rules.rules, id.data(), &full);
    full.status = run_phases(tx, request, full);
    full.anomaly_score = anomaly_score(tx);
    return full;
  }
  if (use != PrefilterUse::off && rules.prefilter) {
    Outcome reduced;
    bool may_match = true;
    {
      modsecurity::Transaction tx(&modsec(), rules.reduced.get(), id.data(), &reduced);
      reduced.status = run_phases(tx, request, reduced);
      reduced.anomaly_score = anomaly_score(tx);
      may_match = rules.prefilter->may_match(tx);
    }
    if (!may_match && use == PrefilterUse::on) {
      reduced.prefilter_pass = true;
      return reduced;
    }
    Outcome full;
    {
      modsecurity::Transaction tx(&modsec(), &rules.rules, id.data(), &full);
      full.status = run_phases(tx, request, full);
      full.anomaly_score = anomaly_score(tx);
    }
    if (!may_match) {
      full.prefilter_pass = true;  // check mode: the prefilter would have answered with the reduced run
      full.prefilter_miss = full.status != reduced.status || ids_of(full) != ids_of(reduced) ||
                            full.anomaly_score != reduced.anomaly_score;
      if (full.prefilter_miss) {
        std::string& d = full.prefilter_miss_detail;
        d = "status " + std::to_string(full.status) + "/" + std::to_string(reduced.status) + " score " +
            std::to_string(full.anomaly_score) + "/" + std::to_string(reduced.anomaly_score) + " ids full:";
        for (auto i : ids_of(full)) d += " " + std::to_string(i);
        d += " reduced:";
        for (auto i : ids_of(reduced)) d += " " + std::to_string(i);
      }
    }
    return full;
  }
  Outcome outcome;
  modsecurity::Transaction tx(&modsec(), &rules.rules, id.data(), &outcome);
  outcome.status = run_phases(tx, request, outcome);
  outcome.anomaly_score = anomaly_score(tx);
  return outcome;
}

}  // namespace

}  // namespace sw::waf::engine
