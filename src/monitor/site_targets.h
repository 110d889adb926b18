// SiteTargets: which sites the monitors probe and at which addresses (issue 7) — every site of the
// register (registry module), hosted on the platform or elsewhere, that is not closed and has a
// domain. The home page of a site is <scheme>://<its first domain>/; TLS is probed on each domain.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "identity/identity.h"
#include "registry/registry.h"

namespace sw::monitor {

struct SiteTarget {
  std::int64_t site_id = 0;
  std::int64_t org_id = 0;
  std::string name;
  bool hosted = true;                // on this platform (N2.4) or elsewhere
  std::vector<std::string> domains;  // current domains, lowercase, in the order added
  std::string home_url;              // <scheme>://<domains[0]>/
};

// The roots of the organisation tree (the provincial federation; organisations without a parent).
Result<std::vector<std::int64_t>> root_organisations(identity::IdentityService& identity);

// The sites below `roots` to probe, by id, read as the machine operator. `scheme` is "https" or
// "http" ("monitor.bad_input" otherwise). `only_site`: just that one ("monitor.not_found" when it is
// not in the register, closed, or without a domain).
Result<std::vector<SiteTarget>> sites_to_probe(registry::Registry& registry, const std::vector<std::int64_t>& roots,
                                               const std::string& scheme, std::optional<std::int64_t> only_site);

}  // namespace sw::monitor
