#include "waf/modsec_prefilter.h"

#include <hs/hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <modsecurity/anchored_set_variable.h>
#include <modsecurity/anchored_set_variable_translation_proxy.h>
#include <modsecurity/anchored_variable.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rule_with_actions.h>
#include <modsecurity/rule_with_operator.h>
#include <modsecurity/rules_exceptions.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>
#include <modsecurity/variable_value.h>

#include <algorithm>
#include <atomic>
#include <unordered_map>
#include <unordered_set>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "waf/modsec_rule_text.h"
#include "waf/prefilter_cache.h"
#include "waf/rule_syntax.h"

// libinjection as libmodsecurity 3.0.9 exports it (its DetectSQLi/DetectXSS operators call these).
extern "C" int libinjection_sqli(const char* s, std::size_t slen, char fingerprint[]);
extern "C" int libinjection_xss(const char* s, std::size_t slen);

namespace sw::waf::engine {

namespace {

namespace fs = std::filesystem;

// The request collections a covered rule may read. XML, FILES, FILES_NAMES and MULTIPART_PART_HEADERS
// are empty unless the body is XML or multipart, which may_match() sends to the full engine.
const std::set<std::string>& plain_variables() {
  static const std::set<std::string> names = {
      "ARGS", "ARGS_NAMES", "ARGS_GET", "ARGS_GET_NAMES", "ARGS_POST", "ARGS_POST_NAMES",
      "REQUEST_HEADERS", "REQUEST_HEADERS_NAMES", "REQUEST_COOKIES", "REQUEST_COOKIES_NAMES",
      "REQUEST_FILENAME", "REQUEST_BASENAME", "REQUEST_URI", "REQUEST_URI_RAW", "REQUEST_LINE",
      "REQUEST_METHOD", "REQUEST_PROTOCOL", "QUERY_STRING", "REQUEST_BODY", "XML", "FILES", "FILES_NAMES",
      "MULTIPART_PART_HEADERS"};
  return names;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

bool has_action(const std::string& actions, std::string_view word) {
  std::size_t at = 0;
  while ((at = actions.find(word, at)) != std::string::npos) {
    bool start = at == 0 || actions[at - 1] == ',' || actions[at - 1] == ' ' || actions[at - 1] == '"';
    std::size_t end = at + word.size();
    bool stop = end >= actions.size() || actions[end] == ',' || actions[end] == ' ' || actions[end] == '"' ||
                actions[end] == ':';
    if (start && stop) return true;
    at = end;
  }
  return false;
}

namespace {

std::int64_t rule_id(const std::string& actions) {
  auto at = actions.find("id:");
  while (at != std::string::npos && at > 0 && actions[at - 1] != ',' && actions[at - 1] != ' ' &&
         actions[at - 1] != '"') {
    at = actions.find("id:", at + 3);
  }
  if (at == std::string::npos) return 0;
  std::size_t i = at + 3;
  if (i < actions.size() && actions[i] == '\'') ++i;
  std::int64_t id = 0;
  while (i < actions.size() && std::isdigit(static_cast<unsigned char>(actions[i]))) id = id * 10 + (actions[i++] - '0');
  return id;
}

}  // namespace

// Every SecRule of the CRS files, in order, continuation lines joined.
std::vector<TextRule> read_rule_files(const fs::path& dir, std::string& error) {
  std::vector<TextRule> rules;
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".conf") files.push_back(it->path());
  }
  if (ec) {
    error = "cannot list " + dir.string() + ": " + ec.message();
    return {};
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    std::string joined;
    joined.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
        continue;
      }
      joined += text[i];
    }
    bool previous_chains = false;
    std::istringstream lines(joined);
    std::string line;
    while (std::getline(lines, line)) {
      std::string t = trim(line);
      bool sec_rule = t.rfind("SecRule", 0) == 0 && t.size() > 7 && (t[7] == ' ' || t[7] == '\t');
      bool sec_action = t.rfind("SecAction", 0) == 0;
      if (!sec_rule && !sec_action) continue;
      TextRule r;
      r.chained_link = previous_chains;
      if (sec_action) {
        r.op = "unconditionalMatch";
        std::size_t i = 9;
        read_quoted(t, i, r.actions);
      } else {
        std::size_t i = 7;
        while (i < t.size() && (t[i] == ' ' || t[i] == '\t')) ++i;
        std::size_t v = i;
        while (i < t.size() && t[i] != ' ' && t[i] != '\t') ++i;
        r.variables = t.substr(v, i - v);
        std::string op;
        if (!read_quoted(t, i, op)) {
          r.op = "unreadable";
        } else {
          std::string o = trim(op);
          if (!o.empty() && o[0] == '!') {
            r.negated = true;
            o = trim(o.substr(1));
          }
          if (!o.empty() && o[0] == '@') {
            auto sp = o.find_first_of(" \t");
            r.op = o.substr(1, sp == std::string::npos ? std::string::npos : sp - 1);
            r.param = sp == std::string::npos ? std::string() : trim(o.substr(sp));
          } else {
            r.op = "rx";
            r.param = o;
          }
        }
        read_quoted(t, i, r.actions);
      }
      r.id = rule_id(r.actions);
      previous_chains = has_action(r.actions, "chain");
      rules.push_back(std::move(r));
    }
  }
  return rules;
}

namespace {

// The N of a 'paranoia-level/N' tag; 1 without one.
int tagged_paranoia(const std::string& actions) {
  static constexpr std::string_view kTag = "paranoia-level/";
  auto at = actions.find(kTag);
  if (at == std::string::npos || at + kTag.size() >= actions.size()) return 1;
  char c = actions[at + kTag.size()];
  return c >= '1' && c <= '9' ? c - '0' : 1;
}

bool plain_only(const std::string& variables) {
  std::size_t start = 0;
  while (start <= variables.size()) {
    auto bar = variables.find('|', start);
    std::string v = variables.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    start = bar == std::string::npos ? variables.size() + 1 : bar + 1;
    if (v.empty()) return false;
    if (v[0] == '!') continue;  // an exclusion only narrows what the rule reads
    if (v[0] == '&') return false;
    std::string base = v.substr(0, v.find(':'));
    if (!plain_variables().contains(base)) return false;
  }
  return true;
}

// Vectorscan's exact literal for `phrase`.
std::string literal_pattern(std::string_view phrase) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : phrase) {
    out += "\\x";
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

// Pieces of @pm phrases: split at whitespace and quotes — each piece is a substring of whatever phrase
// ModSecurity made of the text, so matching the pieces is a superset of matching the phrases.
void add_phrase_pieces(std::string_view text, std::vector<std::string>& out) {
  std::string piece;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' || c == '\'') {
      if (!piece.empty()) out.push_back(std::move(piece));
      piece.clear();
    } else {
      piece += c;
    }
  }
  if (!piece.empty()) out.push_back(std::move(piece));
}

// True when one of `patterns` matches a value every ordinary request carries (a method, a path, a
// browser's header values). Used only to leave such chain heads with the engine — covering them would
// send every request to the full engine — so it decides speed, never soundness. The probe's database
// comes from `cache` like a group's (prefilter_cache.h).
bool ordinary_match(const std::vector<std::string>& patterns, const std::vector<unsigned>& flags,
                    PrefilterCache& cache) {
  static const std::vector<std::string> ordinary = {
      "GET", "HEAD", "POST", "/", "/index.html", "index.html", "/p/001/", "/?q=%E8%81%8C&page=2", "q=%E8%81%8C&page=2",
      "HTTP/1.1", "GET / HTTP/1.1", "POST /index.html HTTP/1.1", "localhost", "example.cn",
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
      "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "*/*", "zh-CN,zh;q=0.9,en;q=0.8",
      "gzip, deflate", "gzip, deflate, br", "keep-alive", "close", "application/x-www-form-urlencoded",
      "application/json", "text/plain;charset=UTF-8", "0", "12", "lang=zh-CN; theme=light", "zh-CN", "light"};
  std::string refused;
  hs_database_t* db = cache.database(patterns, flags, refused);
  if (db == nullptr) return true;
  hs_scratch_t* scratch = nullptr;
  bool matched = false;
  if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) {
    matched = true;
  } else {
    auto on = [](unsigned, unsigned long long, unsigned long long, unsigned, void* c) -> int {
      *static_cast<bool*>(c) = true;
      return 1;
    };
    for (const auto& value : ordinary) {
      if (matched) break;
      hs_error_t rc = hs_scan(db, value.data(), static_cast<unsigned>(value.size()), 0, scratch, on, &matched);
      if (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED) matched = true;
    }
    hs_free_scratch(scratch);
  }
  hs_free_database(db);
  return matched;
}

struct Group {
  std::size_t chain = 0;  // index in Impl::chains: the rule whose transformations the group's rules share
  std::set<std::string> variables;
  std::vector<std::string> patterns;
  std::vector<unsigned> flags;
  std::vector<std::int64_t> pattern_rule;  // the covered rule each pattern comes from (its id in the database)
  std::vector<std::int64_t> injection_rules;  // the @detectSQLi / @detectXSS rules of the group
  // The exact forms that confirm a "no match" of the database (vectorscan misses matches on this machine:
  // "Vectorscan misses matches" in docs/modules/waf.md): each @rx rule's own pattern in PCRE2 as
  // libmodsecurity compiles it, and each @pm/@pmFromFile phrase piece, lowercased.
  std::vector<std::pair<pcre2_code*, std::int64_t>> exact_rx;
  std::vector<std::pair<std::string, std::int64_t>> exact_phrases;
  bool sqli = false;
  bool xss = false;
  hs_database_t* db = nullptr;
};

// Finds the compiled chain head with `id` in the request phases of `full`.
modsecurity::RuleWithActions* compiled_rule(modsecurity::RulesSet& full, std::int64_t id) {
  for (int phase : {modsecurity::Phases::RequestHeadersPhase, modsecurity::Phases::RequestBodyPhase}) {
    for (auto& rule : full.m_rulesSetPhases[phase]->m_rules) {
      auto* r = dynamic_cast<modsecurity::RuleWithActions*>(rule.get());
      if (r != nullptr && r->m_ruleId == id) return r;
    }
  }
  return nullptr;
}

thread_local unsigned last_match_id = 0;

// This thread's PCRE2 match data for the exact checks (one pair: only "match or not" is read).
pcre2_match_data* match_data() {
  struct Held {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    ~Held() { pcre2_match_data_free(data); }
  };
  thread_local Held held;
  return held.data;
}

// A vectorscan hit: the scan stops (one is enough; its "may match" needs no more).
struct Found {
  bool matched = false;
};

int on_match(unsigned id, unsigned long long, unsigned long long, unsigned, void* context) {
  static_cast<Found*>(context)->matched = true;
  last_match_id = id;
  return 1;
}

// SW_WAF_PREFILTER_DEBUG=1: why a request may match, on stderr (diagnosis only).
bool debug_enabled() {
  static const bool on = std::getenv("SW_WAF_PREFILTER_DEBUG") != nullptr;
  return on;
}

// The values of one variable of a rule ("ARGS", "REQUEST_HEADERS:User-Agent", "ARGS:/re/"), appended to
// `out` as pointers into the transaction's own collections (alive as long as the transaction; nothing is
// copied): a key narrows a collection to that key (ModSecurity compares keys without case); a
// regular-expression key takes the whole collection (a superset). A *_NAMES variable gives each element's
// key, as libmodsecurity's AnchoredSetVariableTranslationProxy does (its resolve() turns every element of
// the vector it is given into its key — resolving ARGS_NAMES into a vector that already held the ARGS
// values once turned those values into names, the misses an early check found). A single variable
// (REQUEST_URI, REQUEST_BODY, ...) always gives its value, empty or not, as AnchoredVariable::evaluate does.
void values_of(const std::string& spec, modsecurity::Transaction& tx, std::vector<const std::string*>& out) {
  auto colon = spec.find(':');
  std::string name = spec.substr(0, colon);
  std::string key = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
  if (!key.empty() && key[0] == '/') key.clear();
  auto values = [&](modsecurity::AnchoredSetVariable& v) {
    for (const auto& [k, value] : v) {
      if (key.empty() || (k.size() == key.size() && strncasecmp(k.data(), key.data(), k.size()) == 0)) {
        out.push_back(&value->getValue());
      }
    }
  };
  auto names = [&](modsecurity::AnchoredSetVariable& v) {
    for (const auto& element : v) out.push_back(&element.second->getKey());
  };
  auto single = [&](modsecurity::AnchoredVariable& v) { out.push_back(&v.m_value); };
  if (name == "ARGS") values(tx.m_variableArgs);
  else if (name == "ARGS_GET") values(tx.m_variableArgsGet);
  else if (name == "ARGS_POST") values(tx.m_variableArgsPost);
  else if (name == "ARGS_NAMES") names(tx.m_variableArgs);
  else if (name == "ARGS_GET_NAMES") names(tx.m_variableArgsGet);
  else if (name == "ARGS_POST_NAMES") names(tx.m_variableArgsPost);
  else if (name == "REQUEST_HEADERS") values(tx.m_variableRequestHeaders);
  else if (name == "REQUEST_HEADERS_NAMES") names(tx.m_variableRequestHeaders);
  else if (name == "REQUEST_COOKIES") values(tx.m_variableRequestCookies);
  else if (name == "REQUEST_COOKIES_NAMES") names(tx.m_variableRequestCookies);
  else if (name == "REQUEST_FILENAME") single(tx.m_variableRequestFilename);
  else if (name == "REQUEST_BASENAME") single(tx.m_variableRequestBasename);
  else if (name == "REQUEST_URI") single(tx.m_variableRequestURI);
  else if (name == "REQUEST_URI_RAW") single(tx.m_variableRequestURIRaw);
  else if (name == "REQUEST_LINE") single(tx.m_variableRequestLine);
  else if (name == "REQUEST_METHOD") single(tx.m_variableRequestMethod);
  else if (name == "REQUEST_PROTOCOL") single(tx.m_variableRequestProtocol);
  else if (name == "QUERY_STRING") single(tx.m_variableQueryString);
  else if (name == "REQUEST_BODY") single(tx.m_variableRequestBody);
  else if (name == "FILES") values(tx.m_variableFiles);
  else if (name == "FILES_NAMES") values(tx.m_variableFilesNames);
  else if (name == "MULTIPART_PART_HEADERS") values(tx.m_variableMultipartPartHeaders);
  // XML: only with the XML body processor, which may_match() refuses before reading values.
}

}  // namespace

struct Prefilter::Impl {
  std::vector<Group> groups;
  // One compiled rule per distinct transformation chain (phase, t: list, multiMatch): its
  // executeTransformations() is ModSecurity's own transformation of a value for every rule of that chain.
  std::vector<modsecurity::RuleWithActions*> chains;
  std::string removal;
  std::set<std::int64_t> ids;
  std::size_t covered = 0;
  // Scratch space large enough for every group's database, allocated once at build; each thread scans
  // with its own clone (thread_scratch), so no scan call allocates or re-checks scratch sizes.
  hs_scratch_t* prototype = nullptr;
  std::uint64_t serial = 0;  // tells the thread-local clones of different prefilters apart

  ~Impl() {
    for (auto& g : groups) {
      if (g.db != nullptr) hs_free_database(g.db);
      for (auto& [code, id] : g.exact_rx) pcre2_code_free(code);
    }
    if (prototype != nullptr) hs_free_scratch(prototype);
  }
};

namespace {

std::atomic<std::uint64_t> next_serial{1};

// This thread's scratch for `impl`, cloned from its prototype on the thread's first scan with it (a
// thread that alternates between prefilters of different rule sets clones again: a cheap copy).
hs_scratch_t* thread_scratch(const Prefilter::Impl& impl) {
  struct Held {
    std::uint64_t serial = 0;
    hs_scratch_t* scratch = nullptr;
    ~Held() {
      if (scratch != nullptr) hs_free_scratch(scratch);
    }
  };
  thread_local Held held;
  if (held.serial == impl.serial && held.scratch != nullptr) return held.scratch;
  if (held.scratch != nullptr) hs_free_scratch(held.scratch);
  held.scratch = nullptr;
  held.serial = 0;
  if (hs_clone_scratch(impl.prototype, &held.scratch) != HS_SUCCESS) return nullptr;
  held.serial = impl.serial;
  return held.scratch;
}

}  // namespace

Prefilter::Prefilter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Prefilter::~Prefilter() = default;
const std::string& Prefilter::removal_directive() const { return impl_->removal; }
const std::set<std::int64_t>& Prefilter::covered_ids() const { return impl_->ids; }
std::size_t Prefilter::covered_rules() const { return impl_->covered; }

namespace {

// This thread's CPU time in milliseconds: the build's phases, printed with SW_WAF_PREFILTER_DEBUG.
double thread_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

}  // namespace

std::unique_ptr<Prefilter> Prefilter::build(modsecurity::RulesSet& full, const fs::path& crs_rules_dir, int paranoia,
                                            std::string& error, const fs::path& cache_dir) {
  const double start_ms = thread_cpu_ms();
  double analysis_ms = 0, probe_ms = 0;
  // The vectorscan verdicts and databases, from the disk cache when it holds them (prefilter_cache.h):
  // the same inputs give the same verdicts and databases, so the same rules are covered either way.
  PrefilterCache cache(cache_dir);
  auto rules = read_rule_files(crs_rules_dir, error);
  const double read_ms = thread_cpu_ms() - start_ms;
  if (rules.empty()) {
    if (error.empty()) error = "no rules read from " + crs_rules_dir.string();
    return nullptr;
  }
  auto impl = std::make_unique<Impl>();
  std::map<std::string, std::size_t> group_of;  // chain and variables -> index in groups
  std::map<std::string, std::size_t> chain_of;  // transformation-chain key -> index in chains
  std::vector<std::int64_t> covered_ids;
  for (const auto& r : rules) {
    if (r.chained_link || r.negated || r.id == 0) continue;
    // A chain acts only when its head matches (the links are evaluated after a head match, and the
    // head's actions run only then), so a chain is covered by its head: removed from the reduced set by
    // the head's id, the head scanned like any covered rule. Heads that match ordinary requests (920170's
    // ^(?:GET|HEAD)$, 920440's extension of REQUEST_BASENAME) stay with the engine: see ordinary_match.
    const bool chain_head = has_action(r.actions, "chain");
    // Above the site's paranoia level CRS skips the rule (skipAfter markers): covering it would only make
    // ordinary requests "may match" (942432's \W{4} on any Chinese text is PL2). Left uncovered it stays
    // in the reduced set, where the engine skips it exactly as in the full set.
    if (tagged_paranoia(r.actions) > paranoia) continue;
    static const std::set<std::string> ops = {"rx", "pm", "pmFromFile", "detectSQLi", "detectXSS"};
    if (!ops.contains(r.op) || r.param.find("%{") != std::string::npos || !plain_only(r.variables)) continue;
    // Bookkeeping rules (nolog: CRS initialisation such as 901318's ^.*$ on the User-Agent) match on
    // ordinary requests; they stay in the reduced set, evaluated by ModSecurity.
    if (has_action(r.actions, "nolog")) continue;
    // Removed by the configuration itself (941310 by default, the site's ruleRemoveById exclusions are
    // ctl: actions and stay covered): the engine never evaluates it in either set, so covering it would
    // only make requests "may match" (941310 matches Chinese full-width punctuation).
    if (full.m_exceptions.contains(static_cast<int>(r.id))) continue;
    auto* compiled = compiled_rule(full, r.id);
    if (compiled == nullptr) continue;  // not in a request phase (or not loaded): stays with the engine
    // The patterns this rule contributes; a rule whose patterns do not all compile stays uncovered.
    std::vector<std::string> patterns;
    std::vector<unsigned> flags;
    const unsigned rx_flags = HS_FLAG_PREFILTER | HS_FLAG_DOTALL | HS_FLAG_MULTILINE | HS_FLAG_ALLOWEMPTY |
                              HS_FLAG_SINGLEMATCH;
    const unsigned literal_flags = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
    bool usable = true;
    std::vector<std::string> pieces_of_rule;  // @pm/@pmFromFile: the phrase pieces (Group::exact_phrases)
    if (r.op == "rx") {
      std::vector<std::string> variants = {r.param};
      std::string unescaped;
      for (std::size_t i = 0; i < r.param.size(); ++i) {
        if (r.param[i] == '\\' && i + 1 < r.param.size() && r.param[i + 1] == '"') continue;
        unescaped += r.param[i];
      }
      if (unescaped != r.param) variants.push_back(unescaped);  // either reading of \" : both scanned
      for (auto& v : variants) {
        // Whether vectorscan accepts the pattern, from its parser and analysis (hs_expression_info), not a
        // whole compile of the pattern alone (that doubled the build: every pattern was compiled again
        // in its group). A pattern accepted here that its group's compile still refuses makes the whole
        // prefilter unavailable (build() fails: sound, the full set runs), and waf_prefilter_patterns
        // checks every PL1 pattern compiles. The verdict is remembered in the disk cache (prefilter_cache.h).
        const double at_ms = thread_cpu_ms();
        usable = cache.expression_usable(v, rx_flags);
        analysis_ms += thread_cpu_ms() - at_ms;
        if (!usable) break;
        patterns.push_back(v);
        flags.push_back(rx_flags);
      }
    } else if (r.op == "pm" || r.op == "pmFromFile") {
      std::vector<std::string> pieces;
      if (r.op == "pm") {
        add_phrase_pieces(r.param, pieces);
      } else {
        std::vector<std::string> names;
        add_phrase_pieces(r.param, names);
        for (const auto& name : names) {
          std::ifstream in(crs_rules_dir / name);
          if (!in) {
            usable = false;
            break;
          }
          std::string line;
          while (std::getline(in, line)) {
            // ModSecurity takes each line as one phrase; the trimmed line is a substring of it.
            std::string t = trim(line);
            if (t.empty() || t[0] == '#') continue;
            pieces.push_back(t);
          }
        }
      }
      if (pieces.empty()) usable = false;
      pieces_of_rule = pieces;
      for (const auto& p : pieces) {
        patterns.push_back(literal_pattern(p));
        flags.push_back(literal_flags);
      }
    }
    // The exact form of the rule (see Group::exact_rx): a pattern PCRE2 refuses leaves the rule uncovered.
    pcre2_code* exact = nullptr;
    if (usable && r.op == "rx") {
      int code_error = 0;
      PCRE2_SIZE offset = 0;
      exact = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(r.param.c_str()), PCRE2_ZERO_TERMINATED,
                            PCRE2_DOTALL | PCRE2_MULTILINE, &code_error, &offset, nullptr);
      if (exact == nullptr) usable = false;
      else pcre2_jit_compile(exact, PCRE2_JIT_COMPLETE);
    }
    struct FreeUnused {
      pcre2_code*& code;
      ~FreeUnused() {
        if (code != nullptr) pcre2_code_free(code);
      }
    } free_unused{exact};
    if (!usable) continue;
    if (chain_head) {
      const double at_ms = thread_cpu_ms();
      const bool ordinary = r.op == "detectSQLi" || r.op == "detectXSS" || ordinary_match(patterns, flags, cache);
      probe_ms += thread_cpu_ms() - at_ms;
      if (ordinary) continue;
    }
    // chain_key: phase, the rule's t: actions in order, multiMatch — same key, same transformations (the
    // group's values are transformed once per chain and request, whichever group asks first). key: the
    // chain and the variables — one vectorscan database per key (variables are not merged: a pattern
    // such as ^$ meant for one header would match empty values of the others).
    std::string key, chain_key;
    {
      std::string actions = r.actions;
      std::string chain;
      std::size_t at = 0;
      while ((at = actions.find("t:", at)) != std::string::npos) {
        bool start = at == 0 || actions[at - 1] == ',' || actions[at - 1] == ' ' || actions[at - 1] == '"';
        std::size_t end = actions.find_first_of(", \"", at);
        if (start) chain += actions.substr(at, end == std::string::npos ? std::string::npos : end - at) + ";";
        at = end == std::string::npos ? actions.size() : end;
      }
      std::string phase = has_action(actions, "phase:1") || has_action(actions, "phase:request") ? "1" : "2";
      chain_key = phase + "|" + chain + (has_action(actions, "multiMatch") ? "|multiMatch" : "");
      key = chain_key + "|" + r.variables;
    }
    auto [it, inserted] = group_of.emplace(key, impl->groups.size());
    if (inserted) {
      impl->groups.push_back(Group{});
      auto [chain, new_chain] = chain_of.emplace(chain_key, impl->chains.size());
      if (new_chain) impl->chains.push_back(compiled);
      impl->groups.back().chain = chain->second;
    }
    Group& g = impl->groups[it->second];
    std::size_t start = 0;
    while (start <= r.variables.size()) {
      auto bar = r.variables.find('|', start);
      std::string v = r.variables.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
      start = bar == std::string::npos ? r.variables.size() + 1 : bar + 1;
      if (!v.empty() && v[0] != '!') g.variables.insert(v);
    }
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      g.patterns.push_back(patterns[i]);
      g.flags.push_back(flags[i]);
      g.pattern_rule.push_back(r.id);
    }
    if (exact != nullptr) {
      g.exact_rx.emplace_back(exact, r.id);
      exact = nullptr;  // the group owns it now
    }
    if (r.op == "pm" || r.op == "pmFromFile") {
      for (const auto& piece : pieces_of_rule) {
        std::string lower = piece;
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        g.exact_phrases.emplace_back(std::move(lower), r.id);
      }
    }
    if (r.op == "detectSQLi") g.sqli = true;
    if (r.op == "detectXSS") g.xss = true;
    if (r.op == "detectSQLi" || r.op == "detectXSS") g.injection_rules.push_back(r.id);
    covered_ids.push_back(r.id);
  }
  const double databases_start_ms = thread_cpu_ms();
  for (auto& g : impl->groups) {
    if (g.patterns.empty()) continue;
    std::string refused;
    g.db = cache.database(g.patterns, g.flags, refused);
    if (g.db == nullptr) {
      error = "vectorscan refused a prefilter database: " + refused;
      return nullptr;
    }
  }
  cache.finish();
  if (debug_enabled()) {
    const double now_ms = thread_cpu_ms();
    std::fprintf(stderr,
                 "prefilter: build %.0f ms CPU: rule files and cache verdicts %.0f, pattern analysis %.0f, "
                 "chain-head probes %.0f, %zu group databases %.0f (%zu from the cache, %zu compiled)\n",
                 now_ms - start_ms, read_ms, analysis_ms, probe_ms, impl->groups.size(), now_ms - databases_start_ms,
                 cache.databases_from_cache(), cache.databases_compiled());
  }
  if (covered_ids.empty()) {
    error = "no CRS rule could be covered by the prefilter";
    return nullptr;
  }
  for (auto& g : impl->groups) {
    if (g.db != nullptr && hs_alloc_scratch(g.db, &impl->prototype) != HS_SUCCESS) {
      error = "vectorscan could not allocate scratch space for the prefilter";
      return nullptr;
    }
  }
  if (impl->prototype == nullptr) {  // only libinjection groups: a scratch is still cloned per thread
    error = "the prefilter has no vectorscan database";
    return nullptr;
  }
  impl->serial = next_serial.fetch_add(1);
  impl->covered = covered_ids.size();
  impl->ids.insert(covered_ids.begin(), covered_ids.end());
  impl->removal = "SecRuleRemoveById";
  for (auto id : covered_ids) impl->removal += " " + std::to_string(id);
  impl->removal += "\n";
  return std::unique_ptr<Prefilter>(new Prefilter(std::move(impl)));
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One application/x-www-form-urlencoded value decoded: '+' is a space, %XX a byte (a bad escape kept).
std::string form_decoded(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '+') {
      out += ' ';
    } else if (v[i] == '%' && i + 2 < v.size() && hex_digit(v[i + 1]) >= 0 && hex_digit(v[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(v[i + 1]) * 16 + hex_digit(v[i + 2]));
      i += 2;
    } else {
      out += v[i];
    }
  }
  return out;
}

bool any_value_injection(std::string_view pairs) {
  std::size_t start = 0;
  while (start < pairs.size()) {
    auto amp = pairs.find('&', start);
    std::string_view pair = pairs.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    start = amp == std::string_view::npos ? pairs.size() : amp + 1;
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    std::string value = form_decoded(pair.substr(eq + 1));
    if (value.empty()) continue;
    char fingerprint[8] = {};
    if (libinjection_sqli(value.data(), value.size(), fingerprint) != 0) return true;
    if (libinjection_xss(value.data(), value.size()) != 0) return true;
  }
  return false;
}

}  // namespace

bool guess_attack(std::string_view target, std::string_view form_body) {
  auto q = target.find('?');
  if (q != std::string_view::npos && any_value_injection(target.substr(q + 1))) return true;
  return any_value_injection(form_body);
}

namespace {

// The (group, value) pairs a thread's prefilter found no match in (a bit per group under each value): a group's verdict on a value is a
// function of the value (ModSecurity's transformations depend only on the value and the rule set's
// settings, vectorscan and libinjection are deterministic), so a pair seen clean before is clean again
// and needs neither the transformations nor the scans. Header values (User-Agent, Accept, cookies) and
// common form values repeat across requests. Only "no match" is remembered; bounded per thread (cleared
// when full); one per prefilter (serial), like the scratch.
struct CleanCache {
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view v) const { return std::hash<std::string_view>{}(v); }
  };
  std::uint64_t serial = 0;
  // A value -> the groups that found nothing in it, a bit per group index: one lookup per distinct value.
  std::unordered_map<std::string, std::vector<std::uint64_t>, Hash, std::equal_to<>> clean;
  std::size_t bytes = 0;
};
constexpr std::size_t kCleanCacheMaxValue = 512;           // longer values are not remembered
constexpr std::size_t kCleanCacheMaxBytes = 4u << 20;      // per thread
thread_local CleanCache clean_cache;

}  // namespace

bool Prefilter::may_match(modsecurity::Transaction& tx) const { return scan(tx, nullptr) != Scan::cannot_match; }

bool Prefilter::candidates(modsecurity::Transaction& tx, std::vector<std::int64_t>& ids) const {
  ids.clear();
  return scan(tx, &ids) != Scan::undecided;
}

Prefilter::Scan Prefilter::scan(modsecurity::Transaction& tx, std::vector<std::int64_t>* candidates) const {
  // XML and multipart bodies fill XML:/*, FILES and the multipart collections, not read here.
  std::string processor = tx.m_variableReqbodyProcessor.m_value;
  if (processor != "" && processor != "URLENCODED" && processor != "JSON") return Scan::undecided;
  for (const auto& h : tx.m_variableRequestHeaders) {
    std::string name = h.first;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    if (name != "content-type") continue;
    std::string value = h.second->getValue();
    std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
    if (value.find("multipart") != std::string::npos || value.find("xml") != std::string::npos) {
      return Scan::undecided;
    }
  }
  hs_scratch_t* scratch = thread_scratch(*impl_);
  if (scratch == nullptr) return Scan::undecided;
  bool any = false;  // with `candidates`: something may match (the scan goes on to find every covered rule)
  std::string lower;
  // Each variable is resolved once per request, however many groups read it (views into the transaction).
  std::unordered_map<std::string, std::vector<const std::string*>> resolved;
  auto values = [&](const std::string& spec) -> const std::vector<const std::string*>& {
    auto it = resolved.find(spec);
    if (it != resolved.end()) return it->second;
    std::vector<const std::string*> out;
    values_of(spec, tx, out);
    return resolved.emplace(spec, std::move(out)).first->second;
  };
  // The transformation results of each distinct value, per chain: computed once, scanned by every group
  // of the chain (the keys view the values in `resolved`, alive until the end).
  std::vector<std::unordered_map<std::string_view, modsecurity::TransformationResults>> transformed(
      impl_->chains.size());
  CleanCache& cache = clean_cache;
  if (cache.serial != impl_->serial || cache.bytes > kCleanCacheMaxBytes) {
    cache.clean.clear();
    cache.bytes = 0;
    cache.serial = impl_->serial;
  }
  // The cache entry of each value seen in this request, by the value's address (one hash of the value's
  // text per distinct value and request; entries are nodes, their addresses stay put).
  const std::size_t words = (impl_->groups.size() + 63) / 64;
  std::unordered_map<const std::string*, std::vector<std::uint64_t>*> entries;
  auto entry_of = [&](const std::string& raw) -> std::vector<std::uint64_t>* {
    if (raw.size() > kCleanCacheMaxValue) return nullptr;
    auto [it, fresh] = entries.try_emplace(&raw, nullptr);
    if (!fresh) return it->second;
    auto found = cache.clean.find(std::string_view(raw));
    if (found == cache.clean.end()) {
      found = cache.clean.emplace(raw, std::vector<std::uint64_t>(words, 0)).first;
      cache.bytes += raw.size() + 64 + 8 * words;
    }
    return it->second = &found->second;
  };
  for (std::size_t gi = 0; gi < impl_->groups.size(); ++gi) {
    const auto& g = impl_->groups[gi];
    // true when this group may match `s` (with `candidates`: after noting every covered rule that may).
    // vectorscan's hit is a "may match" (prefilter mode: a superset of PCRE's matches), but its "no match"
    // is not trusted — it misses matches on this machine (docs/modules/waf.md "Vectorscan misses
    // matches"): every rule of the group is then decided exactly, by its own pattern in PCRE2 and its
    // phrases. With `candidates` the exact forms alone name the rules that may match.
    auto scan = [&](const std::string& s) {
      bool matched = false;
      if (g.db != nullptr && candidates == nullptr) {
        Found found;
        hs_error_t rc = hs_scan(g.db, s.data(), static_cast<unsigned>(s.size()), 0, scratch, on_match, &found);
        if (found.matched || (rc != HS_SUCCESS && rc != HS_SCAN_TERMINATED)) {
          if (debug_enabled()) {
            std::fprintf(stderr, "prefilter: may match: pattern %s on \"%.80s\"\n",
                         found.matched ? g.patterns[last_match_id].substr(0, 120).c_str() : "(scan error)", s.c_str());
          }
          return true;
        }
      }
      for (const auto& [code, rule] : g.exact_rx) {
        // Anything but "no match" (a match, or an error such as a match limit) may match.
        if (pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(s.data()), s.size(), 0, 0, match_data(), nullptr) ==
            PCRE2_ERROR_NOMATCH) {
          continue;
        }
        if (debug_enabled()) std::fprintf(stderr, "prefilter: may match: rule %lld on \"%.80s\"\n", static_cast<long long>(rule), s.c_str());
        matched = true;
        if (candidates == nullptr) return true;
        candidates->push_back(rule);
      }
      if (!g.exact_phrases.empty()) {
        lower.assign(s);
        std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
        for (const auto& [phrase, rule] : g.exact_phrases) {
          if (lower.find(phrase) == std::string::npos) continue;
          matched = true;
          if (candidates == nullptr) return true;
          candidates->push_back(rule);
        }
      }
      bool injection = false;
      if (g.sqli) {
        char fingerprint[8] = {};
        injection = libinjection_sqli(s.c_str(), s.size(), fingerprint) != 0;
      }
      if (!injection && g.xss) injection = libinjection_xss(s.c_str(), s.size()) != 0;
      if (injection) {
        matched = true;
        if (candidates != nullptr) candidates->insert(candidates->end(), g.injection_rules.begin(), g.injection_rules.end());
      }
      return matched;
    };
    const std::uint64_t bit = std::uint64_t{1} << (gi % 64);
    for (const auto& spec : g.variables) {
      for (const std::string* value : values(spec)) {
        const std::string& raw = *value;
        auto* entry = entry_of(raw);
        if (entry != nullptr && ((*entry)[gi / 64] & bit) != 0) continue;  // this group found nothing in it before
        // Exactly the strings ModSecurity gives the operator: the result of the chain, and with multiMatch
        // the value before and after every transformation that changed it (RuleWithOperator::evaluate
        // runs the operator on each element of executeTransformations' results, nothing else).
        auto [cached, fresh] = transformed[g.chain].try_emplace(std::string_view(raw));
        if (fresh) impl_->chains[g.chain]->executeTransformations(&tx, raw, cached->second);
        bool matched = false;
        for (const auto& r : cached->second) {
          if (r.first && scan(*r.first)) {
            if (candidates == nullptr) return Scan::may_match;
            matched = any = true;
          }
        }
        if (!matched && entry != nullptr) (*entry)[gi / 64] |= bit;
      }
    }
  }
  return any ? Scan::may_match : Scan::cannot_match;
}

}  // namespace sw::waf::engine
