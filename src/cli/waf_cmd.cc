// The waf subcommands (issue 6, N7.3); see commands.h, docs/operator-guide.md "WAF" and
// docs/modules/waf.md.
//
//   sitewarden waf show    --config F --site N [--json]        the site's effective settings
//   sitewarden waf set     --config F --site N [--paranoia 1-4] [--mode blocking|detection]
//   sitewarden waf exclude --config F --site N --rule ID|ID-ID [--path /prefix] [--variable ARGS:x] [--remove]
//   sitewarden waf reset   --config F --site N                 back to the [waf] defaults
//   sitewarden waf events  --config F --site N [--limit N] [--json]   the newest events, from the log's end
//
// Effective settings: the site's own row (SiteSettingsStore) or else the [waf] defaults. Changes are
// validated before anything is written (waf::validate names the field), written atomically and
// audited "waf.settings_changed" as cli:<os user>; a running guard picks them up at its next reload.
// Exit codes: 0 done; 1 refused (stderr names the input and the error code; nothing changed);
// 2 bad command line.
#include <ctime>
#include <iomanip>
#include <iostream>

#include "cli/commands.h"
#include "console/waf_event_log.h"
#include "waf/site_settings_store.h"
#include "waf/waf_config.h"

namespace sw::cli {
namespace {

namespace fs = std::filesystem;

// A rule range expands to one exclusion per id; more than this is refused (use a narrower range).
constexpr std::int64_t kMaxRuleRange = 100;

int refused(const Error& e) {
  std::cerr << "sitewarden: " << e.message << " [" << e.code << "]\n";
  return 1;
}

struct Args {
  fs::path config = "/etc/sitewarden/sitewarden.toml";
  std::string site;
  std::string paranoia;
  std::string mode;
  std::string rule;
  std::string path;
  std::string variable;
  std::string limit = "20";
  bool remove = false;
  bool json = false;
};

Result<std::int64_t> parse_number(std::string_view what, std::string_view text, std::int64_t lo, std::int64_t hi) {
  std::int64_t v = 0;
  const bool digits = !text.empty() && text.size() <= 12 &&
                      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) v = std::stoll(std::string(text));
  if (!digits || v < lo || v > hi) {
    return fail("waf.bad_input", std::string(what) + " must be a number from " + std::to_string(lo) + " to " +
                                     std::to_string(hi) + ", not \"" + std::string(text) + "\"");
  }
  return v;
}

// "blocking" | "detection" (or "detection_only").
Result<waf::Mode> parse_cli_mode(std::string_view text) {
  if (text == "detection") return waf::Mode::detection_only;
  auto m = waf::parse_mode(text);
  if (!m) return fail("waf.bad_input", "mode must be blocking or detection, not \"" + std::string(text) + "\"");
  return m;
}

// "942100" or "942100-942110" (at most kMaxRuleRange ids).
Result<std::vector<std::int64_t>> parse_rules(std::string_view text) {
  const auto dash = text.find('-');
  SW_TRY(first, parse_number("the rule id", text.substr(0, dash), 1, 999999999));
  std::int64_t last = first;
  if (dash != std::string_view::npos) {
    SW_TRY(l, parse_number("the rule range's end", text.substr(dash + 1), 1, 999999999));
    last = l;
    if (last < first || last - first + 1 > kMaxRuleRange) {
      return fail("waf.bad_input", "the rule range \"" + std::string(text) + "\" must run upwards over at most " +
                                       std::to_string(kMaxRuleRange) + " ids");
    }
  }
  std::vector<std::int64_t> ids;
  for (std::int64_t id = first; id <= last; ++id) ids.push_back(id);
  return ids;
}

struct Node {
  std::unique_ptr<Platform> platform;
  waf::WafOptions options;
  std::unique_ptr<waf::SiteSettingsStore> store;
  std::int64_t site_id = 0;
  std::string site_name;
};

Result<Node> open_node(const Args& a) {
  Node n;
  SW_TRY(site_id, parse_number("--site", a.site, 1, 999999999999));
  SW_TRY(p, open_platform(a.config));
  n.platform = std::move(p);
  auto site = n.platform->registry->get_site(identity::Principal::system(os_user()), site_id);
  if (!site) return fail("waf.no_site", "there is no site with id " + std::to_string(site_id));
  n.site_name = site->fields.name;
  n.site_id = site_id;
  SW_TRY(options, waf::waf_options_from(n.platform->config.waf, n.platform->config.guard, n.platform->data_dir()));
  n.options = std::move(options);
  n.store = std::make_unique<waf::SiteSettingsStore>(*n.platform->db, *n.platform->audit, system_clock());
  return n;
}

waf::SettingsChange cli_change() { return {"cli:" + os_user(), "", "local", "cli"}; }

Result<std::pair<waf::SiteSettings, bool>> effective(Node& n) {
  SW_TRY(own, n.store->load(n.site_id));
  if (own) return std::pair{*own, true};
  return std::pair{n.options.defaults, false};
}

void print_settings(const Node& n, const waf::SiteSettings& s, bool own) {
  std::cout << "site " << n.site_id << " (" << n.site_name << "): "
            << (own ? "its own settings" : "the [waf] defaults") << "\n"
            << "  paranoia  " << s.paranoia << "\n"
            << "  mode      " << waf::to_string(s.mode) << "\n"
            << "  exclusions " << s.exclusions.size() << "\n";
  for (const auto& e : s.exclusions) {
    std::cout << "    rule " << e.rule_id << "  path " << (e.path_prefix.empty() ? "(all)" : e.path_prefix)
              << "  " << (e.target.empty() ? "(whole rule)" : "variable " + e.target) << "\n";
  }
}

int cmd_show(const Args& a) {
  auto n = open_node(a);
  if (!n) return refused(n.error());
  auto eff = effective(*n);
  if (!eff) return refused(eff.error());
  if (a.json) {
    nlohmann::json j = waf::to_json(eff->first);
    j["site_id"] = n->site_id;
    j["own_settings"] = eff->second;
    std::cout << j.dump() << "\n";
  } else {
    print_settings(*n, eff->first, eff->second);
  }
  return 0;
}

int save(Node& n, const waf::SiteSettings& s, const char* done) {
  if (auto r = n.store->save(n.site_id, s, cli_change()); !r) return refused(r.error());
  std::cout << done << "\n";
  print_settings(n, s, true);
  return 0;
}

int cmd_set(const Args& a) {
  if (a.paranoia.empty() && a.mode.empty()) return refused(Error{"waf.bad_input", "give --paranoia or --mode"});
  std::optional<int> paranoia;
  std::optional<waf::Mode> mode;
  if (!a.paranoia.empty()) {
    auto p = parse_number("paranoia", a.paranoia, 1, 4);
    if (!p) return refused(p.error());
    paranoia = static_cast<int>(*p);
  }
  if (!a.mode.empty()) {
    auto m = parse_cli_mode(a.mode);
    if (!m) return refused(m.error());
    mode = *m;
  }
  auto n = open_node(a);
  if (!n) return refused(n.error());
  auto eff = effective(*n);
  if (!eff) return refused(eff.error());
  waf::SiteSettings s = eff->first;
  if (paranoia) s.paranoia = *paranoia;
  if (mode) s.mode = *mode;
  return save(*n, s, "saved (audited waf.settings_changed)");
}

int cmd_exclude(const Args& a) {
  auto ids = parse_rules(a.rule);
  if (!ids) return refused(ids.error());
  auto n = open_node(a);
  if (!n) return refused(n.error());
  auto eff = effective(*n);
  if (!eff) return refused(eff.error());
  waf::SiteSettings s = eff->first;
  std::size_t changed = 0;
  for (std::int64_t id : *ids) {
    const waf::Exclusion e{a.path, id, a.variable};
    auto it = std::find(s.exclusions.begin(), s.exclusions.end(), e);
    if (a.remove && it != s.exclusions.end()) {
      s.exclusions.erase(it);
      ++changed;
    } else if (!a.remove && it == s.exclusions.end()) {
      s.exclusions.push_back(e);
      ++changed;
    }
  }
  if (changed == 0) {
    if (a.remove) return refused(Error{"waf.bad_input", "the site has no such exclusion (rule " + a.rule + ")"});
    std::cout << "the exclusion is already there; nothing changed\n";
    print_settings(*n, s, eff->second);
    return 0;
  }
  return save(*n, s, a.remove ? "exclusion removed (audited waf.settings_changed)"
                              : "exclusion added (audited waf.settings_changed)");
}

int cmd_reset(const Args& a) {
  auto n = open_node(a);
  if (!n) return refused(n.error());
  if (auto r = n->store->reset(n->site_id, cli_change()); !r) return refused(r.error());
  std::cout << "site " << n->site_id << " back to the [waf] defaults (audited waf.settings_changed)\n";
  print_settings(*n, n->options.defaults, false);
  return 0;
}

std::string utc_time(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

int cmd_events(const Args& a) {
  auto limit = parse_number("--limit", a.limit, 1, static_cast<std::int64_t>(console::kMaxWafEventsShown));
  if (!limit) return refused(limit.error());
  auto n = open_node(a);
  if (!n) return refused(n.error());
  if (n->options.event_log.empty()) {
    return refused(Error{"waf.event_log", "the WAF event log is off ([waf] event_log = \"off\")"});
  }
  auto tail = console::read_site_events(n->options.event_log, n->site_id, static_cast<std::size_t>(*limit));
  if (!tail) return refused(tail.error());
  for (const auto& e : tail->events) {
    if (a.json) {
      std::cout << waf::to_json_line(e) << "\n";
      continue;
    }
    std::cout << utc_time(e.time_ms) << "  " << (e.blocked ? "blocked " : "detected") << "  " << e.client_ip << "  "
              << e.method << " " << e.path << "  score " << e.anomaly_score << "  id " << e.request_id << "\n";
    for (const auto& r : e.rules) std::cout << "    rule " << r.id << "  " << r.message << "\n";
  }
  if (!a.json) {
    std::cout << tail->events.size() << " events of site " << n->site_id << " (newest first"
              << (tail->window_full ? ", from the last " + std::to_string(console::kWafEventLogTailBytes >> 20) +
                                          " MiB of the log"
                                    : std::string{})
              << ")\n";
  }
  return 0;
}

}  // namespace

CommandRunner add_waf_commands(CLI::App& app) {
  auto a = std::make_shared<Args>();
  auto* waf = app.add_subcommand("waf", "a site's web application firewall: settings, exclusions, events (issue 6)");
  waf->require_subcommand(1);
  auto common = [&](CLI::App* sub) {
    sub->add_option("--config", a->config, "config file")->capture_default_str();
    sub->add_option("--site", a->site, "site id")->required();
  };
  auto* show = waf->add_subcommand("show", "the site's effective settings (its own or the [waf] defaults)");
  common(show);
  show->add_flag("--json", a->json, "print JSON");
  auto* set = waf->add_subcommand("set", "set the site's paranoia level and/or mode (audited)");
  common(set);
  set->add_option("--paranoia", a->paranoia, "CRS paranoia level 1-4");
  set->add_option("--mode", a->mode, "blocking or detection");
  auto* exclude = waf->add_subcommand("exclude", "add (or with --remove, remove) a rule exclusion (audited)");
  common(exclude);
  exclude->add_option("--rule", a->rule, "rule id or range, e.g. 942100 or 942100-942110")->required();
  exclude->add_option("--path", a->path, "only requests whose path starts with this, e.g. /forum/");
  exclude->add_option("--variable", a->variable, "only this variable, e.g. ARGS:comment");
  exclude->add_flag("--remove", a->remove, "remove the exclusion instead");
  auto* reset = waf->add_subcommand("reset", "back to the [waf] defaults (audited)");
  common(reset);
  auto* events = waf->add_subcommand("events", "the site's newest events from the WAF event log");
  common(events);
  events->add_option("--limit", a->limit, "how many (1-1000)")->capture_default_str();
  events->add_flag("--json", a->json, "print the JSON lines");
  return [a, show, set, exclude, reset, events]() -> std::optional<int> {
    if (show->parsed()) return cmd_show(*a);
    if (set->parsed()) return cmd_set(*a);
    if (exclude->parsed()) return cmd_exclude(*a);
    if (reset->parsed()) return cmd_reset(*a);
    if (events->parsed()) return cmd_events(*a);
    return std::nullopt;
  };
}

}  // namespace sw::cli
