// The location probe (issue 7, N2.5 hosting in China, N6.6 mail in China; docs/modules/monitor.md
// "Hosting location"): the A/AAAA addresses of each domain of a site and of its mail exchangers (MX of
// the domain, and of its registrable domain, registrable_domain.h), each located to a country with a
// GeoLocator. A public address in a country not allowed is "location.foreign" (warning or critical,
// [monitor] location_foreign_severity); one the database does not know is "location.unknown" (info);
// private and loopback addresses are "local" and never foreign. Every finding and result names the
// database and its date. The database failing to open fails the pass ("monitor.geoip").
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/result.h"
#include "monitor/findings.h"
#include "monitor/geo_locator.h"
#include "monitor/probe_body.h"

namespace sw::monitor {

struct LocationOptions {
  std::string geoip_dat{kDebianGeoIp};
  std::string geoip_dat6{kDebianGeoIpV6};
  std::string mmdb;  // set: this MaxMind database instead of the legacy files
  std::vector<std::string> allowed_countries{"CN"};
  Severity foreign_severity = Severity::warning;
  bool check_mx = true;
  int threads = 8;
  // Replace the system resolver (tests); unset: resolve_addresses / mx_hosts.
  std::function<Result<std::vector<std::string>>(const std::string& host)> resolve;
  std::function<Result<std::vector<std::string>>(const std::string& domain)> mx;
};

// The locator the options name (mmdb when set, else the legacy files).
Result<std::unique_ptr<GeoLocator>> open_locator(const LocationOptions& options);

// The ProbeBody of Probe::location (probe_body.h).
Result<std::vector<SiteWork>> probe_location(MonitorService& service, const std::vector<SiteTarget>& sites,
                                             const PassOptions& options, TimePoint now);

}  // namespace sw::monitor
