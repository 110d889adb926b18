// SiteTable: one immutable snapshot of what the guard serves — each host name routed to its site's
// live release (verified manifest, release time). The guard swaps in a new table after a release
// switch or a change of domains; a request uses exactly one table, so it never mixes two releases.
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "guard/release_source.h"

namespace sw::guard {

struct SiteRoute {
  std::int64_t site_id = 0;
  std::int64_t release_id = 0;
  std::shared_ptr<const publish::Manifest> manifest;
  std::time_t released = 0;        // the manifest's created_at: every file's Last-Modified
  std::string last_modified;       // released as an HTTP date
};

class SiteTable {
 public:
  // Routes every host of `releases`; a host claimed by two sites goes to the first, and the second
  // is named in `conflicts` ("host → site N").
  static std::shared_ptr<const SiteTable> build(const std::vector<LiveRelease>& releases,
                                                std::vector<std::string>* conflicts = nullptr);

  // The route for a normalised host (normalise_host()), or nullptr.
  const SiteRoute* find(std::string_view host) const;
  std::size_t sites() const { return routes_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::vector<std::unique_ptr<SiteRoute>> routes_;
  std::unordered_map<std::string, const SiteRoute*, Hash, std::equal_to<>> by_host_;
};

// An RFC 3339 UTC time ("2026-11-26T12:00:00Z", fractions allowed) as seconds; 0 when unparsable.
std::time_t parse_rfc3339(std::string_view text);

}  // namespace sw::guard
