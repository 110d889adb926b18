// SiteTargets (site_targets.h): the register's sites through the registry's dashboard of the root.
#include "monitor/site_targets.h"

#include <algorithm>

namespace sw::monitor {

Result<std::vector<std::int64_t>> root_organisations(identity::IdentityService& identity) {
  SW_TRY(orgs, identity.list_organisations(identity::Principal::system("monitor")));
  std::vector<std::int64_t> roots;
  for (const auto& org : orgs) {
    if (!org.parent_id) roots.push_back(org.id);
  }
  return roots;
}

Result<std::vector<SiteTarget>> sites_to_probe(registry::Registry& registry, const std::vector<std::int64_t>& roots,
                                               const std::string& scheme, std::optional<std::int64_t> only_site) {
  if (scheme != "https" && scheme != "http") {
    return fail("monitor.bad_input", "[monitor] scheme must be https or http, not '" + scheme + "'");
  }
  const auto machine = identity::Principal::system("monitor");
  std::vector<SiteTarget> out;
  for (std::int64_t root : roots) {  // the dashboard covers each root's subtree
    SW_TRY(board, registry.dashboard(machine, root));
    for (const registry::DashboardRow& row : board.rows) {
      const registry::Site& s = row.site;
      if (s.state == registry::SiteState::closed || s.fields.domains.empty()) continue;
      if (only_site && s.id != *only_site) continue;
      SiteTarget t{s.id, s.org_id, s.fields.name, s.fields.hosting == registry::Hosting::platform, s.fields.domains, ""};
      t.home_url = scheme + "://" + t.domains.front() + "/";
      out.push_back(std::move(t));
    }
  }
  std::ranges::sort(out, {}, &SiteTarget::site_id);
  if (only_site && out.empty()) {
    return fail("monitor.not_found",
                "site " + std::to_string(*only_site) + " is not in the register, is closed, or has no domain");
  }
  return out;
}

}  // namespace sw::monitor
