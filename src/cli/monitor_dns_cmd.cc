// The DNS baseline subcommands (issue 7, N7.2); see docs/monitoring.md "DNS".
//
//   sitewarden monitor dns show --config F --site N
//       each domain of the site: the accepted baseline of each record set and what the last DNS pass
//       saw, the differing ones marked "CHANGED". Exit 0: none differs; 1: some differ; 2: failed.
//   sitewarden monitor dns accept --config F --site N --domain D
//       make what the last pass saw the baseline of D (audited "monitor.dns_accepted" with old and
//       new); the dns.changed findings resolve on the next pass. Exit 0: accepted; 2: failed — an
//       unknown site or domain, or nothing to accept (the baseline already is the last answer), each
//       an error naming it, nothing changed.
#include "cli/monitor_dns_cmd.h"

#include <unistd.h>

#include <cctype>
#include <iostream>
#include <set>

#include "monitor/dns_baselines.h"
#include "monitor/site_targets.h"

namespace sw::cli {
namespace {

namespace fs = std::filesystem;

int report_error(const Error& e) {
  std::cerr << "sitewarden: " << e.message << " [" << e.code << "]\n";
  return 2;
}

std::string join(const std::vector<std::string>& records) {
  if (records.empty()) return "(none)";
  std::string out;
  for (const auto& r : records) out += (out.empty() ? "" : ", ") + r;
  return out;
}

int cmd_show(const fs::path& config, std::int64_t site) {
  auto pf = open_platform(config);
  if (!pf) return report_error(pf.error());
  Platform& p = **pf;
  if (auto known = require_registered_site(p, site); !known) return report_error(known.error());
  monitor::DnsBaselines baselines(*p.db, *p.audit);
  auto views = baselines.show(identity::Principal::system(os_user()), site);
  if (!views) return report_error(views.error());
  int differing = 0;
  for (const auto& v : *views) {
    std::cout << v.domain << "  baseline accepted " << (v.accepted_at ? format_rfc3339(*v.accepted_at) : "never")
              << (v.accepted_by.empty() ? "" : " by " + v.accepted_by) << ", last seen "
              << (v.seen_at ? format_rfc3339(*v.seen_at) : "never") << "\n";
    std::set<std::string> types;
    for (const auto& [t, s] : v.baseline) types.insert(t);
    for (const auto& [t, s] : v.seen) types.insert(t);
    for (const auto& t : types) {
      auto b = v.baseline.find(t);
      auto s = v.seen.find(t);
      const bool changed = b != v.baseline.end() && s != v.seen.end() && !(b->second == s->second);
      differing += changed ? 1 : 0;
      std::cout << "  " << t << (changed ? "  CHANGED" : "") << "\n";
      if (b != v.baseline.end()) std::cout << "    baseline " << b->second.owner << ": " << join(b->second.records) << "\n";
      if (s != v.seen.end()) {
        std::cout << "    seen     " << s->second.owner << ": " << join(s->second.records)
                  << (s->second.secure ? "  (DNSSEC secure)" : "") << "\n";
      }
    }
  }
  if (views->empty()) std::cout << "no DNS pass has run for site " << site << "\n";
  return differing > 0 ? 1 : 0;
}

int cmd_accept(const fs::path& config, std::int64_t site, const std::string& domain) {
  auto pf = open_platform(config);
  if (!pf) return report_error(pf.error());
  Platform& p = **pf;
  if (auto known = require_registered_site(p, site); !known) return report_error(known.error());
  monitor::DnsBaselines baselines(*p.db, *p.audit);
  const identity::Actor actor{identity::Principal::system(os_user()), "local", "cli"};
  auto changed = baselines.accept(actor, site, domain);
  if (!changed) return report_error(changed.error());
  std::string name = domain;  // as the baselines hold it: lowercase, no trailing dot
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!name.empty() && name.back() == '.') name.pop_back();
  std::cout << name << ": accepted " << join(*changed) << " as the baseline\n";
  return 0;
}

}  // namespace

Status require_registered_site(Platform& platform, std::int64_t site_id) {
  if (site_id <= 0) return fail("monitor.bad_input", "site id " + std::to_string(site_id) + " is not a site id");
  // The register as the monitor reads it (site_targets.h): every site below the roots, closed ones too.
  // (A permission check on an unknown site's scope would only say "forbidden".)
  const auto machine = identity::Principal::system("monitor");
  SW_TRY(roots, monitor::root_organisations(*platform.identity));
  for (std::int64_t root : roots) {
    SW_TRY(board, platform.registry->dashboard(machine, root));
    for (const registry::DashboardRow& row : board.rows) {
      if (row.site.id == site_id) return ok();
    }
  }
  return fail("monitor.not_found", "site " + std::to_string(site_id) + " is not in the register");
}

CommandRunner add_monitor_dns_commands(CLI::App& monitor) {
  struct Args {
    fs::path config;
    std::int64_t site = 0;
    std::string domain;
  };
  auto args = std::make_shared<Args>();
  auto* dns = monitor.add_subcommand("dns", "DNS baselines (N7.2): show them, accept a changed answer");
  auto* show = dns->add_subcommand("show", "baseline and last answer of each domain; exit 1 when some differ");
  show->add_option("--config", args->config, "config file")->required();
  show->add_option("--site", args->site, "site id")->required();
  auto* accept = dns->add_subcommand("accept", "make the last answer of a domain its baseline (audited)");
  accept->add_option("--config", args->config, "config file")->required();
  accept->add_option("--site", args->site, "site id")->required();
  accept->add_option("--domain", args->domain, "domain, e.g. www.example.org.cn")->required();
  dns->require_subcommand(1);
  return [args, show, accept]() -> std::optional<int> {
    if (show->parsed()) return cmd_show(args->config, args->site);
    if (accept->parsed()) return cmd_accept(args->config, args->site, args->domain);
    return std::nullopt;
  };
}

}  // namespace sw::cli
