#include "waf/crs_text.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <vector>

#include "waf/rule_syntax.h"

namespace sw::waf {

namespace fs = std::filesystem;

namespace {

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// One configuration directive: its physical lines as written (continuations included) and the same
// text with the "\<newline>" continuations removed.
struct Directive {
  std::string raw;
  std::string joined;
};

std::vector<Directive> directives_of(const std::string& text) {
  std::vector<Directive> out;
  std::istringstream lines(text);
  std::string line;
  std::optional<Directive> open;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    bool continues = !line.empty() && line.back() == '\\';
    if (!open) {
      std::string t = trim(line);
      if (t.empty() || t[0] == '#') continue;
      open = Directive{};
    }
    open->raw += line;
    open->raw += '\n';
    open->joined += continues ? line.substr(0, line.size() - 1) : line;
    if (!continues) {
      out.push_back(std::move(*open));
      open.reset();
    }
  }
  if (open) out.push_back(std::move(*open));
  return out;
}

struct Rule {
  enum class Kind { rule, action, marker, other } kind = Kind::other;
  std::string variables, op, marker_name;
  std::vector<std::string> actions;  // comma-separated, single quotes respected, trimmed
  bool chains = false;
};

std::vector<std::string> split_actions(const std::string& a) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c == '\\' && i + 1 < a.size()) {
      cur += c;
      cur += a[++i];
      continue;
    }
    if (c == '\'') quoted = !quoted;
    if (c == ',' && !quoted) {
      out.push_back(trim(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  if (!trim(cur).empty()) out.push_back(trim(cur));
  return out;
}

Rule parse(const std::string& joined) {
  Rule r;
  std::string t = trim(joined);
  auto word_end = t.find_first_of(" \t");
  std::string word = t.substr(0, word_end);
  std::size_t i = word_end == std::string::npos ? t.size() : word_end;
  std::string actions;
  if (word == "SecRule") {
    r.kind = Rule::Kind::rule;
    while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
    std::size_t v = i;
    if (i < t.size() && t[i] == '"') {
      read_quoted(t, i, r.variables);
    } else {
      while (i < t.size() && !std::isspace(static_cast<unsigned char>(t[i]))) ++i;
      r.variables = t.substr(v, i - v);
    }
    if (!read_quoted(t, i, r.op)) r.kind = Rule::Kind::other;
    read_quoted(t, i, actions);
  } else if (word == "SecAction") {
    r.kind = Rule::Kind::action;
    read_quoted(t, i, actions);
  } else if (word == "SecMarker") {
    r.kind = Rule::Kind::marker;
    std::string name;
    if (read_quoted(t, i, name)) {
      r.marker_name = name;
    } else {
      r.marker_name = trim(t.substr(i));
    }
  }
  r.actions = split_actions(actions);
  r.chains = std::find(r.actions.begin(), r.actions.end(), "chain") != r.actions.end();
  return r;
}

std::string action_value(const Rule& r, std::string_view name) {
  for (const auto& a : r.actions) {
    if (a.size() > name.size() && a.compare(0, name.size(), name) == 0 && a[name.size()] == ':') {
      std::string v = trim(a.substr(name.size() + 1));
      if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') v = v.substr(1, v.size() - 2);
      return v;
    }
  }
  return {};
}

std::int64_t id_of(const Rule& r) {
  std::string v = action_value(r, "id");
  if (v.empty() || v.size() > 12 || !std::all_of(v.begin(), v.end(), ::isdigit)) return 0;
  return std::stoll(v);
}

int phase_of(const Rule& r) {
  std::string v = action_value(r, "phase");
  return v.size() == 1 && v[0] >= '1' && v[0] <= '5' ? v[0] - '0' : -1;
}

// `SecRule TX:EXECUTING_PARANOIA_LEVEL "@lt N" "id:..,phase:P,pass,nolog,skipAfter:M"`, nothing else:
// N, or 0 when the rule is not such a marker.
int paranoia_marker_level(const Rule& r) {
  if (r.kind != Rule::Kind::rule || r.variables != "TX:EXECUTING_PARANOIA_LEVEL") return 0;
  if (r.op.size() != 5 || r.op.compare(0, 4, "@lt ") != 0 || r.op[4] < '1' || r.op[4] > '9') return 0;
  if (r.actions.size() != 5 || r.actions[0].rfind("id:", 0) != 0 || r.actions[1].rfind("phase:", 0) != 0 ||
      r.actions[2] != "pass" || r.actions[3] != "nolog" || r.actions[4].rfind("skipAfter:", 0) != 0) {
    return 0;
  }
  return r.op[4] - '0';
}

// `SecRule &TX:crs_exclusions_X|TX:crs_exclusions_X "@eq 0" "id,phase,pass,t:none,nolog,ver,skipAfter"`.
bool package_guard(const Rule& r) {
  if (r.kind != Rule::Kind::rule || r.op != "@eq 0") return false;
  auto bar = r.variables.find('|');
  if (bar == std::string::npos || r.variables.rfind("&TX:crs_exclusions_", 0) != 0) return false;
  if (r.variables.substr(1, bar - 1) != r.variables.substr(bar + 1)) return false;
  bool skip = false;
  for (const auto& a : r.actions) {
    if (a.rfind("skipAfter:", 0) == 0) {
      skip = true;
    } else if (!(a.rfind("id:", 0) == 0 || a.rfind("phase:", 0) == 0 || a == "pass" || a == "nolog" ||
                 a == "t:none" || a.rfind("ver:", 0) == 0)) {
      return false;
    }
  }
  return skip;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The variable a setvar action sets ("setvar:'tx.name=value'" or "setvar:tx.name=value"), lowercase; ""
// when the action is not such a plain assignment.
std::string setvar_target(const std::string& action) {
  if (action.rfind("setvar:", 0) != 0) return {};
  std::string v = action.substr(7);
  if (!v.empty() && v.front() == '\'') v = v.substr(1);
  if (lower(v.substr(0, 3)) != "tx.") return {};
  auto eq = v.find('=');
  if (eq == std::string::npos || eq <= 3) return {};
  std::string name = v.substr(3, eq - 3);
  if (!std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; })) return {};
  return lower(name);
}

// A 901 initialisation guard `SecRule &TX:name "@eq 0" "id,phase:1,pass,nolog,ver,setvar:tx.x=..."` (no
// other actions): the lowercase name, or "" when the rule is not one.
std::string initialisation_guard(const Rule& r) {
  if (r.kind != Rule::Kind::rule || r.op != "@eq 0" || r.chains || r.variables.rfind("&TX:", 0) != 0) return {};
  std::string name = r.variables.substr(4);
  if (name.empty() ||
      !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '_'; })) {
    return {};
  }
  bool sets = false;
  for (const auto& a : r.actions) {
    if (a.rfind("setvar:", 0) == 0) {
      if (setvar_target(a).empty()) return {};
      sets = true;
    } else if (!(a.rfind("id:", 0) == 0 || a == "phase:1" || a == "pass" || a == "nolog" || a == "t:none" ||
                 a.rfind("ver:", 0) == 0)) {
      return {};
    }
  }
  return sets ? lower(name) : std::string();
}

// The raw text with the data-file operators' file names made absolute.
std::string with_absolute_files(std::string raw, const fs::path& dir) {
  for (std::string_view op : {"@pmFromFile ", "@ipMatchFromFile "}) {
    std::size_t at = 0;
    while ((at = raw.find(op, at)) != std::string::npos) {
      std::size_t name = at + op.size();
      while (name < raw.size() && raw[name] == ' ') ++name;
      if (name < raw.size() && raw[name] != '/') raw.insert(name, dir.string() + "/");
      at = name;
    }
  }
  return raw;
}

}  // namespace

bool read_quoted(std::string_view s, std::size_t& i, std::string& out) {
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  if (i >= s.size() || s[i] != '"') return false;
  ++i;
  out.clear();
  while (i < s.size() && s[i] != '"') {
    if (s[i] == '\\' && i + 1 < s.size()) out += s[i++];
    out += s[i++];
  }
  if (i >= s.size()) return false;
  ++i;
  return true;
}

Result<CrsText> generate_crs_text(const fs::path& rules_dir, int paranoia, bool exclusion_packages_enabled,
                                  const std::set<std::int64_t>& drop_ids, const std::string* configuration) {
  const std::string config = configuration != nullptr ? lower(*configuration) : std::string();
  auto bad = [&](const std::string& what) { return fail("waf.crs_text", what); };
  std::string dir = rules_dir.string();
  if (dir.empty() || dir.find_first_of(" \t\"'\\\n") != std::string::npos) {
    return bad("the CRS rules directory \"" + dir.substr(0, 200) + "\" is empty or holds a space, quote or backslash");
  }
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(rules_dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".conf") files.push_back(it->path());
  }
  if (ec) return bad("cannot list " + dir + ": " + ec.message());
  if (files.empty()) return bad("no .conf files in " + dir);
  std::sort(files.begin(), files.end());

  CrsText out;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    if (!in && !in.eof()) return bad("cannot read " + file.string());
    auto directives = directives_of(buffer.str());
    std::map<int, std::string> skipping;  // phase -> the SecMarker its firing skip ends at
    // The run of consecutive 901 initialisation guards being merged into one SecAction (see the header).
    std::size_t run_at = std::string::npos;
    std::string run_id, run_setvars;
    std::set<std::string> surely_set, maybe_set;  // by merged guards / by guards kept as written
    auto flush_run = [&] {
      if (run_at == std::string::npos) return;
      out.text.insert(run_at, "SecAction \"id:" + run_id + ",phase:1,pass,nolog" + run_setvars + "\"\n\n");
      ++out.kept_rules;
      run_at = std::string::npos;
      run_setvars.clear();
    };
    const bool merge_guards = configuration != nullptr && file.filename().string().rfind("REQUEST-901-", 0) == 0;
    out.text += "# " + file.filename().string() + " (generated from the CRS file, docs/modules/waf.md)\n";
    for (std::size_t i = 0; i < directives.size();) {
      Rule head = parse(directives[i].joined);
      // The unit: a rule and its chain links.
      std::size_t end = i + 1;
      for (bool chains = head.chains; chains && end < directives.size(); ++end) {
        chains = parse(directives[end].joined).chains;
      }
      std::string unit;
      for (std::size_t k = i; k < end; ++k) unit += directives[k].raw;
      unit += '\n';  // a blank line after each, as in the files: a SecRule without actions (a chain's last
                     // link) followed directly by the next directive does not parse in libmodsecurity 3
      std::size_t links = end - i;
      i = end;

      if (merge_guards && links == 1) {
        std::string name = initialisation_guard(head);
        if (!name.empty()) {
          std::int64_t gid = id_of(head);
          if (surely_set.contains(name)) {  // set by a merged guard before it: never matches, no effect
            out.touched.insert(gid);
            ++out.dropped_rules;
            continue;
          }
          if (config.find(name) == std::string::npos && !maybe_set.contains(name)) {
            // Unset here (nothing before it can set it): it matches on every request; its setvars join the run.
            out.touched.insert(gid);
            if (run_at == std::string::npos) {
              run_at = out.text.size();
              run_id = std::to_string(gid);
            }
            for (const auto& a : head.actions) {
              if (a.rfind("setvar:", 0) == 0) {
                run_setvars += "," + a;
                surely_set.insert(setvar_target(a));
              }
            }
            ++out.dropped_rules;
            continue;
          }
          // Named by the configuration (maybe set there): kept as written, and the run ends before it.
          flush_run();
          for (const auto& a : head.actions) {
            if (a.rfind("setvar:", 0) == 0) maybe_set.insert(setvar_target(a));
          }
          out.text += unit;
          ++out.kept_rules;
          continue;
        }
      }
      flush_run();
      if (head.kind == Rule::Kind::marker) {
        for (auto it = skipping.begin(); it != skipping.end();) {
          it = it->second == head.marker_name ? skipping.erase(it) : std::next(it);
        }
        out.text += unit;
        continue;
      }
      if (head.kind == Rule::Kind::other) {
        out.text += unit;
        continue;
      }
      std::int64_t id = id_of(head);
      int phase = phase_of(head);
      int level = paranoia_marker_level(head);
      bool guard = package_guard(head);
      bool drop = false;
      if (level > 0 || guard) {
        out.touched.insert(id);
        bool fires = level > 0 ? level > paranoia : !exclusion_packages_enabled;
        if (fires) {
          if (phase < 0) return bad(file.filename().string() + ": skip rule " + std::to_string(id) + " has no phase");
          skipping[phase] = action_value(head, "skipAfter");
        }
        drop = level > 0 || fires;  // a marker that never fires has no effect; a firing one skips only dropped rules
      } else if (!skipping.empty()) {
        if (phase < 0) {
          return bad(file.filename().string() + ": rule " + std::to_string(id) +
                     " without an explicit phase inside a skipped region");
        }
        drop = skipping.count(phase) > 0 || drop_ids.count(id) > 0;
      } else {
        drop = id != 0 && drop_ids.count(id) > 0;
      }
      if (drop) {
        out.dropped_rules += links;
      } else {
        out.kept_rules += links;
        out.text += with_absolute_files(unit, rules_dir);
      }
    }
    flush_run();
    if (!skipping.empty()) {
      return bad(file.filename().string() + ": the skip to " + skipping.begin()->second + " does not end in the file");
    }
  }
  return out;
}

}  // namespace sw::waf
