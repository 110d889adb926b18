#include "waf/modsec_engine.h"

#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_message.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>

#include <algorithm>

namespace sw::waf::engine {

struct CompiledRules {
  modsecurity::RulesSet rules;
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

std::shared_ptr<CompiledRules> compile(const std::string& text, std::string& error) {
  modsec();  // the engine exists before any rule set
  auto compiled = std::make_shared<CompiledRules>();
  if (compiled->rules.load(text.c_str(), "sitewarden-waf.conf") < 0) {
    error = compiled->rules.getParserError();
    return nullptr;
  }
  return compiled;
}

Outcome run(CompiledRules& rules, const guard::FilterRequest& request) {
  Outcome outcome;
  std::string id(request.request_id);
  modsecurity::Transaction tx(&modsec(), &rules.rules, id.data(), &outcome);
  outcome.status = run_phases(tx, request, outcome);
  outcome.anomaly_score = anomaly_score(tx);
  return outcome;
}

}  // namespace sw::waf::engine
