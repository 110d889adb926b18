#include "waf/modsec_fast.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_unconditional.h>
#include <modsecurity/rule_with_actions.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>
#include <pcre2.h>
#include <strings.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string_view>

#include "waf/modsec_rule_text.h"

namespace sw::waf::engine {

namespace {

// One @rx pattern compiled as libmodsecurity 3.0.9 compiles it (utils/regex.cc: PCRE2 with DOTALL and
// MULTILINE, then JIT), so a match here is a match there.
class Pattern {
 public:
  Pattern() = default;
  Pattern(const Pattern&) = delete;
  Pattern& operator=(const Pattern&) = delete;
  ~Pattern() {
    if (code_ != nullptr) pcre2_code_free(code_);
  }
  bool compile(const std::string& text) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(text.c_str()), PCRE2_ZERO_TERMINATED,
                          PCRE2_DOTALL | PCRE2_MULTILINE, &error, &offset, nullptr);
    if (code_ != nullptr) pcre2_jit_compile(code_, PCRE2_JIT_COMPLETE);
    return code_ != nullptr;
  }
  // 1 match, 0 none, -1 an error (the caller then refuses the fast path). `group` (optional) receives
  // capture group `n` of the first match (0: the whole match), as ModSecurity's `capture` sets TX:n.
  int match(std::string_view s, std::string* group = nullptr, int n = 0) const {
    struct Data {
      pcre2_match_data* data = pcre2_match_data_create(16, nullptr);
      ~Data() { pcre2_match_data_free(data); }
    };
    thread_local Data d;
    if (d.data == nullptr) return -1;
    int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, d.data, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc < 0) return -1;
    if (group != nullptr) {
      if (rc == 0 || n >= rc) return -1;  // the group did not fit or did not take part: refuse
      PCRE2_SIZE* ov = pcre2_get_ovector_pointer(d.data);
      if (ov[2 * n] == PCRE2_UNSET) return -1;
      group->assign(s.substr(ov[2 * n], ov[2 * n + 1] - ov[2 * n]));
    }
    return 1;
  }

 private:
  pcre2_code* code_ = nullptr;
};

// UTF-8 as RFC 3629 defines it (no overlong form, no surrogate, nothing above U+10FFFF): what
// @validateUtf8Encoding accepts is a superset (it does not bound 0xF4 sequences), so a value valid here
// never matches the operator.
bool strict_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    std::uint32_t cp = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (std::size_t k = 1; k < n; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// @within as libmodsecurity 3.0.9 evaluates it (operators/within.cc): an empty value is within anything,
// else the parameter must contain the value.
bool within(std::string_view value, std::string_view list) {
  return value.empty() || list.find(value) != std::string_view::npos;
}

// @validateUrlEncoding (operators/validate_url_encoding.cc): true when every '%' is followed by two hex
// digits. (An empty input never matches the operator, so it counts as valid.)
bool valid_url_encoding(std::string_view s) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') continue;
    if (i + 2 >= s.size() || !hex(s[i + 1]) || !hex(s[i + 2])) return false;
    i += 2;
  }
  return true;
}

// The strings `rule` gives its operator for `value`: ModSecurity's own transformations of the rule.
template <typename F>
bool any_transformed(modsecurity::RuleWithActions& rule, modsecurity::Transaction& tx, const std::string& value, F f) {
  modsecurity::TransformationResults results;
  rule.executeTransformations(&tx, value, results);
  for (const auto& r : results) {
    if (r.first && f(*r.first)) return true;
  }
  return false;
}

// The text rule `id` and the links of its chain; empty when the id is not in the files.
std::vector<const TextRule*> text_chain(const std::vector<TextRule>& text, std::int64_t id) {
  std::vector<const TextRule*> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i].chained_link || text[i].id != id) continue;
    out.push_back(&text[i]);
    for (std::size_t j = i + 1; j < text.size() && text[j].chained_link; ++j) out.push_back(&text[j]);
    break;
  }
  return out;
}

struct Link {
  const char* variables;
  const char* op;
  bool negated;
};

}  // namespace

struct FastPath::Impl {
  // The configuration's values (read from the probe transaction).
  std::string allowed_methods, allowed_versions, allowed_types, restricted_extensions, restricted_headers;
  std::string not_http2;   // 920180's parameter
  std::string get_slash;   // 905100's parameter
  std::string dummy_agent; // 905110's parameter
  Pattern request_line, cl_digits, get_head, cl_zero_or_empty, cl_zero, form_type, type_syntax, main_type,
      extension, accept;
  modsecurity::RuleWithActions* byte_range = nullptr;    // 920270: t:urlDecodeUni
  modsecurity::RuleWithActions* type_lower = nullptr;    // 920470: t:lowercase
  modsecurity::RuleWithActions* type_link = nullptr;     // 920420's link: t:lowercase
  modsecurity::RuleWithActions* charset_lower = nullptr; // 920480: t:lowercase
  modsecurity::RuleWithActions* extension_link = nullptr;  // 920440's link: t:urlDecodeUni,t:lowercase
  modsecurity::RuleWithActions* name_lower = nullptr;      // 920450: t:lowercase
  bool validate_utf8 = false;  // 920250 active
  long long max_num_args = -1, arg_name_length = -1, arg_length = -1, total_arg_length = -1;  // -1: unset
  std::set<std::int64_t> present;  // the checked rules the reduced set holds (a check runs only for those)
  bool has(std::int64_t id) const { return present.contains(id); }
};

FastPath::FastPath(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FastPath::~FastPath() = default;

const std::set<std::int64_t>& FastPath::parse_rule_ids() {
  static const std::set<std::int64_t> ids = {901340};
  return ids;
}

std::unique_ptr<FastPath> FastPath::build(modsecurity::RulesSet& reduced, const std::vector<TextRule>& text,
                                          modsecurity::Transaction& probe, std::string& why) {
  auto impl = std::make_unique<Impl>();
  auto tx = [&](const char* name) -> std::optional<std::string> {
    auto v = probe.m_collections.m_tx_collection->resolveFirst(name);
    if (!v) return std::nullopt;
    return *v;
  };
  auto unset = [&](const char* name) { return !tx(name).has_value(); };
  // The configuration values the reviewed rules compare against, and the settings that keep the
  // reputation, DoS, sampling and length sections idle (each such section acts only when set).
  for (const char* name : {"high_risk_country_codes", "block_suspicious_ip", "block_harvester_ip", "block_spammer_ip",
                           "block_search_ip", "dos_burst_time_slice", "dos_counter_threshold", "dos_block_timeout"}) {
    if (!unset(name)) {
      why = std::string("tx.") + name + " is set: the fast path handles only the CRS default (unset)";
      return nullptr;
    }
  }
  auto is = [&](const char* name, const char* value) { return tx(name).value_or("") == value; };
  if (!tx("crs_setup_version") || !is("sampling_percentage", "100") || is("do_reput_block", "1") ||
      is("enforce_bodyproc_urlencoded", "1") || tx("executing_paranoia_level") != tx("paranoia_level")) {
    why = "the CRS setup differs from what the fast path handles (setup version, sampling 100, reputation "
          "blocking off, urlencoded enforcement off, executing paranoia = paranoia)";
    return nullptr;
  }
  {
    auto threshold = tx("inbound_anomaly_score_threshold").value_or("");
    if (threshold.empty() || !std::all_of(threshold.begin(), threshold.end(), ::isdigit) || threshold.size() > 6 ||
        std::stoi(threshold) < 1) {
      why = "tx.inbound_anomaly_score_threshold is not a positive number";
      return nullptr;
    }
  }
  impl->validate_utf8 = is("crs_validate_utf8_encoding", "1");
  // The argument limits (920360-920390) when the configuration sets them; a value that is not a plain
  // number is left to the engine.
  for (auto [name, limit] : {std::pair{"max_num_args", &impl->max_num_args}, std::pair{"arg_name_length", &impl->arg_name_length},
                             std::pair{"arg_length", &impl->arg_length}, std::pair{"total_arg_length", &impl->total_arg_length}}) {
    auto v = tx(name);
    if (!v) continue;
    if (v->empty() || v->size() > 12 || !std::all_of(v->begin(), v->end(), ::isdigit)) {
      why = std::string("tx.") + name + " is not a plain number";
      return nullptr;
    }
    *limit = std::atoll(v->c_str());
  }
  impl->allowed_methods = tx("allowed_methods").value_or("");
  impl->allowed_versions = tx("allowed_http_versions").value_or("");
  impl->allowed_types = tx("allowed_request_content_type").value_or("");
  impl->restricted_extensions = tx("restricted_extensions").value_or("");
  impl->restricted_headers = tx("restricted_headers").value_or("");

  // A text rule of the expected shape: its variables, operator and negation, head first, then each link.
  auto shape = [&](std::int64_t id, std::initializer_list<Link> expected) -> std::vector<const TextRule*> {
    auto chain = text_chain(text, id);
    bool ok = chain.size() == expected.size();
    std::size_t i = 0;
    for (const auto& e : expected) {
      if (!ok) break;
      ok = chain[i]->variables == e.variables && chain[i]->op == e.op && chain[i]->negated == e.negated;
      ++i;
    }
    if (!ok) {
      why = "rule " + std::to_string(id) + " is not of the shape the fast path was written for";
      return {};
    }
    return chain;
  };
  auto compile = [&](Pattern& p, const TextRule& r) {
    if (p.compile(r.param)) return true;
    why = "PCRE2 refused the pattern of rule " + std::to_string(r.id);
    return false;
  };
  auto compiled = [&](modsecurity::RuleWithActions& rule, int link) -> modsecurity::RuleWithActions* {
    modsecurity::RuleWithActions* r = &rule;
    for (int i = 0; i < link && r != nullptr; ++i) r = r->m_chainedRuleChild.get();
    return r;
  };

  for (int phase = 0; phase <= modsecurity::Phases::RequestBodyPhase; ++phase) {
    for (auto& held : reduced.m_rulesSetPhases[phase]->m_rules) {
      auto* rule = dynamic_cast<modsecurity::RuleWithActions*>(held.get());
      if (rule == nullptr) continue;  // SecMarker
      const std::int64_t id = rule->m_ruleId;
      // Removed by the configuration (SecRuleRemoveById 941310): never evaluated.
      if (reduced.m_exceptions.contains(static_cast<int>(id))) continue;
      bool ok = true;
      // The configuration (src/waf/waf.cc rules_text): the body-processor switches, the parse-error,
      // multipart and argument-count refusals (checked per request), the setup SecActions, and the site
      // exclusions (ctl: removals only remove matches, so ignoring them is conservative).
      if (id >= 200000 && id <= 200007) {
        impl->present.insert(id);
        continue;
      }
      if (id >= 900000 && id <= 900999) {
        if (dynamic_cast<modsecurity::RuleUnconditional*>(rule) != nullptr) continue;
        why = "configuration rule " + std::to_string(id) + " is not a SecAction";
        return nullptr;
      }
      if (id >= 10000 && id < 20000) continue;  // exclusions (waf.cc kFirstExclusionRuleId)
      impl->present.insert(id);
      switch (id) {
        case 901001:  // deny when tx.crs_setup_version is unset: set (probe)
        case 901450:  // ctl:ruleEngine=Off by sampling: skipped by 901400 at sampling 100 (probe)
        case 901500:  // deny when executing paranoia < paranoia: equal (probe)
        case 901350:  // urlencoded enforcement: off (probe)
          break;
        case 905100: {  // "GET /" from loopback turns the engine off (Apache's internal dummy connection)
          auto c = shape(id, {{"REQUEST_LINE", "streq", false}, {"REMOTE_ADDR", "ipMatch", false}});
          if (c.empty()) return nullptr;
          impl->get_slash = c[0]->param;
          break;
        }
        case 905110: {
          auto c = shape(id, {{"REMOTE_ADDR", "ipMatch", false},
                              {"REQUEST_HEADERS:User-Agent", "endsWith", false},
                              {"REQUEST_LINE", "rx", false}});
          if (c.empty()) return nullptr;
          impl->dummy_agent = c[1]->param;
          break;
        }
        case 910000: case 910100: case 910120: case 910130: case 910140: case 910150: case 910160:
        case 910170: case 910180: case 910190:  // reputation: idle without its settings (probe)
        case 912100: case 912110: case 912120: case 912130: case 912140: case 912150: case 912160:
        case 912161: case 912170:  // DoS: idle without its settings (probe); the phase-5 ones never run here
        case 920250:  // UTF-8 validation: checked when tx.crs_validate_utf8_encoding is 1
        case 920380: case 920360: case 920370: case 920390:  // argument limits: checked when set
        case 920400: case 920410:  // file sizes: multipart only, refused
        case 922100: case 922140: case 922150: case 922110:  // multipart only: such bodies are refused
        case 949060: case 949061: case 949062: case 949063:  // scoring sums, nolog
        case 949100:  // IP:REPUT_BLOCK_FLAG: never set while reputation is idle
        case 949110:  // blocks at the threshold: the score stays 0 when no rule scored
          break;
        case 911100:
          ok = !shape(id, {{"REQUEST_METHOD", "within", true}}).empty();
          break;
        case 920100: {
          auto c = shape(id, {{"REQUEST_LINE", "rx", true}});
          ok = !c.empty() && compile(impl->request_line, *c[0]);
          break;
        }
        case 920160: {
          auto c = shape(id, {{"REQUEST_HEADERS:Content-Length", "rx", true}});
          ok = !c.empty() && compile(impl->cl_digits, *c[0]);
          break;
        }
        case 920170: {
          auto c = shape(id, {{"REQUEST_METHOD", "rx", false}, {"REQUEST_HEADERS:Content-Length", "rx", true}});
          ok = !c.empty() && compile(impl->get_head, *c[0]) && compile(impl->cl_zero_or_empty, *c[1]);
          break;
        }
        case 920171: {
          auto c = shape(id, {{"REQUEST_METHOD", "rx", false}, {"&REQUEST_HEADERS:Transfer-Encoding", "eq", true}});
          // checked with 920170's method pattern: the same text
          ok = !c.empty() && c[0]->param == "^(?:GET|HEAD)$" && c[1]->param == "0";
          if (!ok && why.empty()) why = "rule 920171 has another method pattern";
          break;
        }
        case 920180: {
          auto c = shape(id, {{"REQUEST_PROTOCOL", "within", true}, {"REQUEST_METHOD", "streq", false},
                              {"&REQUEST_HEADERS:Content-Length", "eq", false},
                              {"&REQUEST_HEADERS:Transfer-Encoding", "eq", false}});
          ok = !c.empty() && c[1]->param == "POST" && c[2]->param == "0" && c[3]->param == "0";
          if (ok) impl->not_http2 = c[0]->param;
          break;
        }
        case 920181:
          ok = !shape(id, {{"&REQUEST_HEADERS:Transfer-Encoding", "eq", true},
                           {"&REQUEST_HEADERS:Content-Length", "eq", true}}).empty();
          break;
        case 920220:
          ok = !shape(id, {{"REQUEST_URI", "rx", false}, {"REQUEST_URI", "validateUrlEncoding", false}}).empty();
          break;
        case 920240: {
          auto c = shape(id, {{"REQUEST_HEADERS:Content-Type", "rx", false}, {"REQUEST_BODY", "rx", false},
                              {"REQUEST_BODY", "validateUrlEncoding", false}});
          ok = !c.empty() && compile(impl->form_type, *c[0]);
          break;
        }
        case 920270: {
          auto c = shape(id, {{"REQUEST_URI|REQUEST_HEADERS|ARGS|ARGS_NAMES", "validateByteRange", false}});
          ok = !c.empty() && c[0]->param == "1-255";
          impl->byte_range = rule;
          break;
        }
        case 920280:
          ok = !shape(id, {{"&REQUEST_HEADERS:Host", "eq", false}}).empty();
          break;
        case 920340: {
          auto c = shape(id, {{"REQUEST_HEADERS:Content-Length", "rx", true}, {"&REQUEST_HEADERS:Content-Type", "eq", false}});
          ok = !c.empty() && c[1]->param == "0" && compile(impl->cl_zero, *c[0]);
          break;
        }
        case 920470: {
          auto c = shape(id, {{"REQUEST_HEADERS:Content-Type", "rx", true}});
          ok = !c.empty() && compile(impl->type_syntax, *c[0]);
          impl->type_lower = rule;
          break;
        }
        case 920420: {
          auto c = shape(id, {{"REQUEST_HEADERS:Content-Type", "rx", false}, {"TX:content_type", "within", true}});
          ok = !c.empty() && compile(impl->main_type, *c[0]);
          impl->type_link = compiled(*rule, 1);
          break;
        }
        case 920480:
          ok = !shape(id, {{"REQUEST_HEADERS:Content-Type", "rx", false}, {"TX:1", "rx", true}}).empty();
          impl->charset_lower = rule;
          break;
        case 920430:
          ok = !shape(id, {{"REQUEST_PROTOCOL", "within", true}}).empty();
          break;
        case 920440: {
          auto c = shape(id, {{"REQUEST_BASENAME", "rx", false}, {"TX:EXTENSION", "within", false}});
          ok = !c.empty() && compile(impl->extension, *c[0]);
          impl->extension_link = compiled(*rule, 1);
          break;
        }
        case 920450:
          ok = !shape(id, {{"REQUEST_HEADERS_NAMES", "rx", false}, {"TX:/^header_name_/", "within", false}}).empty();
          impl->name_lower = rule;
          break;
        case 920600: {
          auto c = shape(id, {{"REQUEST_HEADERS:Accept", "rx", true}});
          ok = !c.empty() && compile(impl->accept, *c[0]);
          break;
        }
        case 920620:
          ok = !shape(id, {{"&REQUEST_HEADERS:Content-Type", "gt", false}}).empty();
          break;
        default: {
          // The CRS initialisation: nolog bookkeeping (setvar, initcol) is allowed when it neither blocks
          // nor changes the engine. 901340's ctl: is in the parse rule set too.
          auto c = text_chain(text, id);
          bool bookkeeping = id >= 901000 && id <= 901999 && !c.empty() && has_action(c[0]->actions, "nolog");
          for (const auto* r : c) {
            for (const char* bad : {"deny", "block", "drop", "redirect", "allow"}) {
              if (has_action(r->actions, bad)) bookkeeping = false;
            }
            if (r->actions.find("ctl:") != std::string::npos && !parse_rule_ids().contains(id)) bookkeeping = false;
          }
          if (!bookkeeping) {
            why = "rule " + std::to_string(id) + " (phase " + std::to_string(phase) +
                  ") is not one the fast path was written for";
            return nullptr;
          }
          impl->present.erase(id);
        }
      }
      if (!ok) {
        if (why.empty()) why = "rule " + std::to_string(id) + " is not of the shape the fast path was written for";
        return nullptr;
      }
      if ((id == 920270 && impl->byte_range == nullptr) || (id == 920420 && impl->type_link == nullptr) ||
          (id == 920440 && impl->extension_link == nullptr)) {
        why = "rule " + std::to_string(id) + " has no compiled chain link";
        return nullptr;
      }
    }
  }
  // 920170 and 920171 share the method pattern; 920240's body checks need its content-type pattern.
  if (impl->has(920171) && !impl->has(920170)) {
    why = "rule 920171 without 920170";
    return nullptr;
  }
  return std::unique_ptr<FastPath>(new FastPath(std::move(impl)));
}

bool FastPath::parses_alike(modsecurity::Transaction& t) const {
  if (!impl_->has(920480)) return true;
  for (const auto& h : t.m_variableRequestHeaders) {
    if (!iequals(h.first, "content-type")) continue;
    if (any_transformed(*impl_->charset_lower, t, h.second->getValue(),
                        [](const std::string& s) { return s.find("charset") != std::string::npos; })) {
      return false;
    }
  }
  return true;
}

bool FastPath::quiet(modsecurity::Transaction& t, std::string* why) const {
  const Impl& m = *impl_;
  auto refuse = [&](const char* rule) {
    if (why != nullptr) *why = rule;
    return false;
  };
  // Multipart and XML bodies fill collections the checks below do not read (200003/200004, 922xxx).
  const std::string& processor = t.m_variableReqbodyProcessor.m_value;
  if (!processor.empty() && processor != "URLENCODED" && processor != "JSON") return refuse("body processor");
  const std::string& body_error = t.m_variableReqbodyError.m_value;
  if (!body_error.empty() && body_error != "0") return refuse("200002");
  if (t.m_variableArgs.size() >= 100) return refuse("200007");  // the configuration refuses at 1,000

  // Views of the header values (the transaction's own strings, alive while it is).
  std::vector<const std::string*> lengths, types, accepts, agents;
  std::size_t encodings = 0, hosts = 0;
  for (const auto& h : t.m_variableRequestHeaders) {
    const std::string& name = h.first;
    const std::string* value = &h.second->getValue();
    if (iequals(name, "content-length")) lengths.push_back(value);
    else if (iequals(name, "content-type")) types.push_back(value);
    else if (iequals(name, "transfer-encoding")) ++encodings;
    else if (iequals(name, "host")) ++hosts;
    else if (iequals(name, "accept")) accepts.push_back(value);
    else if (iequals(name, "user-agent")) agents.push_back(value);
  }
  for (const std::string* type : types) {
    std::string lower = *type;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower.find("multipart") != std::string::npos || lower.find("xml") != std::string::npos) {
      return refuse("multipart or XML content type");
    }
  }
  const std::string& method = t.m_variableRequestMethod.m_value;
  const std::string& line = t.m_variableRequestLine.m_value;
  const std::string& protocol = t.m_variableRequestProtocol.m_value;
  const std::string& uri = t.m_variableRequestURI.m_value;

  if (m.has(905100) && line == m.get_slash) return refuse("905100");
  if (m.has(905110)) {
    for (const std::string* a : agents) {
      if (a->ends_with(m.dummy_agent)) return refuse("905110");
    }
  }
  if (m.has(911100) && !within(method, m.allowed_methods)) return refuse("911100");
  if (m.has(920100) && m.request_line.match(line) != 1) return refuse("920100");
  if (m.has(920160)) {
    for (const std::string* l : lengths) {
      if (m.cl_digits.match(*l) != 1) return refuse("920160");
    }
  }
  const int get_or_head = m.has(920170) ? m.get_head.match(method) : 0;
  if (get_or_head < 0) return refuse("920170");
  if (get_or_head == 1) {
    for (const std::string* l : lengths) {
      if (m.cl_zero_or_empty.match(*l) != 1) return refuse("920170");
    }
    if (m.has(920171) && encodings != 0) return refuse("920171");
  }
  if (m.has(920180) && !within(protocol, m.not_http2) && method == "POST" && lengths.empty() && encodings == 0) {
    return refuse("920180");
  }
  if (m.has(920181) && encodings != 0 && !lengths.empty()) return refuse("920181");
  if (m.has(920220) && uri.find('%') != std::string::npos && !valid_url_encoding(uri)) return refuse("920220");
  if (m.has(920240)) {
    const std::string& body = t.m_variableRequestBody.m_value;
    for (const std::string* type : types) {
      int form = m.form_type.match(*type);
      if (form < 0) return refuse("920240");
      if (form == 1 && body.find('%') != std::string::npos && !valid_url_encoding(body)) return refuse("920240");
    }
  }
  if (m.has(920270)) {
    // A byte 0 after urlDecodeUni: only from a raw 0 or a %-escape; values with '%' are transformed.
    auto nul = [&](const std::string& v) {
      if (v.find('\0') != std::string::npos) return true;
      if (v.find('%') == std::string::npos) return false;
      return any_transformed(*m.byte_range, t, v, [](const std::string& s) { return s.find('\0') != std::string::npos; });
    };
    if (nul(uri)) return refuse("920270");
    for (const auto& h : t.m_variableRequestHeaders) {
      if (nul(h.second->getValue())) return refuse("920270");
    }
    for (const auto& a : t.m_variableArgs) {
      if (nul(a.first) || nul(a.second->getValue())) return refuse("920270");
    }
  }
  if (m.has(920280) && hosts == 0) return refuse("920280");
  if (m.has(920250) && m.validate_utf8) {
    if (!strict_utf8(t.m_variableRequestFilename.m_value)) return refuse("920250");
    for (const auto& a : t.m_variableArgs) {
      if (!strict_utf8(a.first) || !strict_utf8(a.second->getValue())) return refuse("920250");
    }
  }
  // @gt compares atoll() of both sides; t:length gives the length.
  if (m.has(920380) && m.max_num_args >= 0 && static_cast<long long>(t.m_variableArgs.size()) > m.max_num_args) {
    return refuse("920380");
  }
  if ((m.has(920360) && m.arg_name_length >= 0) || (m.has(920370) && m.arg_length >= 0)) {
    for (const auto& a : t.m_variableArgs) {
      if (m.has(920360) && m.arg_name_length >= 0 && static_cast<long long>(a.first.size()) > m.arg_name_length) {
        return refuse("920360");
      }
      if (m.has(920370) && m.arg_length >= 0 &&
          static_cast<long long>(a.second->getValue().size()) > m.arg_length) {
        return refuse("920370");
      }
    }
  }
  if (m.has(920390) && m.total_arg_length >= 0 &&
      std::atoll(t.m_variableARGScombinedSize.m_value.c_str()) > m.total_arg_length) {
    return refuse("920390");
  }
  if (m.has(920340) && types.empty()) {
    for (const std::string* l : lengths) {
      if (m.cl_zero.match(*l) != 1) return refuse("920340");
    }
  }
  if (m.has(920620) && types.size() > 1) return refuse("920620");
  for (const std::string* type : types) {
    if (m.has(920470) &&
        any_transformed(*m.type_lower, t, *type, [&](const std::string& s) { return m.type_syntax.match(s) != 1; })) {
      return refuse("920470");
    }
    if (m.has(920420)) {
      std::string main;
      int rc = m.main_type.match(*type, &main, 0);
      if (rc < 0) return refuse("920420");
      if (rc == 1 && any_transformed(*m.type_link, t, "|" + main + "|",
                                     [&](const std::string& s) { return !within(s, m.allowed_types); })) {
        return refuse("920420");
      }
    }
    if (m.has(920480) && any_transformed(*m.charset_lower, t, *type, [](const std::string& s) {
          return s.find("charset") != std::string::npos;  // the pattern needs "charset": refused with one
        })) {
      return refuse("920480");
    }
  }
  if (m.has(920430) && !within(protocol, m.allowed_versions)) return refuse("920430");
  if (m.has(920440)) {
    std::string ext;
    int rc = m.extension.match(t.m_variableRequestBasename.m_value, &ext, 1);
    if (rc < 0) return refuse("920440");
    if (rc == 1 && any_transformed(*m.extension_link, t, "." + ext + "/", [&](const std::string& s) {
          return within(s, m.restricted_extensions);
        })) {
      return refuse("920440");
    }
  }
  if (m.has(920450)) {
    for (const auto& h : t.m_variableRequestHeaders) {
      // ^.*$ with DOTALL takes the whole (lowercased) name as TX:0; the link tests "/name/".
      if (any_transformed(*m.name_lower, t, h.first, [&](const std::string& s) {
            return within("/" + s + "/", m.restricted_headers);
          })) {
        return refuse("920450");
      }
    }
  }
  if (m.has(920600)) {
    for (const std::string* a : accepts) {
      if (m.accept.match(*a) != 1) return refuse("920600");
    }
  }
  return true;
}

}  // namespace sw::waf::engine
