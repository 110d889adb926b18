// GeoLocator: the country of an IP address (issue 7, N2.5 / N6.6: hosting and mail stay in China),
// from Debian's legacy GeoIP country data (geoip-database: /usr/share/GeoIP/GeoIP.dat and
// GeoIPv6.dat, read with libGeoIP; data from 2019) or a MaxMind-format .mmdb (libmaxminddb) the
// operator configures ([monitor] geoip_mmdb). Every answer says which database it came from and its
// date, since a country from old data may be wrong.
//
// Contract:
//  - open_*() fail with "monitor.geoip" naming the file and the problem (missing, unreadable, not a
//    database of that kind); a database opened answers lookups until destroyed.
//  - country() returns the ISO 3166 code ("CN", "US"), or "" when the database does not know the
//    address or the text is not an IP address. Private, loopback, link-local and other special
//    addresses are not looked up: is_local_address() says so first.
// Thread-safety: lookups may run concurrently (both libraries read shared memory only).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sw::monitor {

inline constexpr std::string_view kDebianGeoIp = "/usr/share/GeoIP/GeoIP.dat";
inline constexpr std::string_view kDebianGeoIpV6 = "/usr/share/GeoIP/GeoIPv6.dat";

class GeoLocator {
 public:
  virtual ~GeoLocator() = default;
  virtual std::string country(const std::string& ip) const = 0;
  // Which database and its date, e.g. "GeoIP legacy (GEO-106FREE 20190611 Build 1), /usr/share/GeoIP/GeoIP.dat"
  // or "GeoLite2-Country built 2024-05-07, /var/lib/geo/GeoLite2-Country.mmdb".
  virtual std::string description() const = 0;
  virtual std::string date() const = 0;  // the data's date, YYYY-MM-DD ("" when unknown)
};

// Legacy GeoIP: `v4` must open; `v6` may be "" (IPv6 addresses are then unknown).
Result<std::unique_ptr<GeoLocator>> open_legacy_geoip(const std::string& v4, const std::string& v6);
Result<std::unique_ptr<GeoLocator>> open_mmdb(const std::string& path);

// Private (RFC 1918, fc00::/7), loopback, link-local, CGNAT 100.64/10, unspecified, multicast and
// documentation ranges: hosted "locally", never foreign.
bool is_local_address(const std::string& ip);

// A/AAAA addresses of a host (getaddrinfo), sorted and unique; "monitor.dns" when it does not resolve.
Result<std::vector<std::string>> resolve_addresses(const std::string& host);
// MX hosts of a domain (res_query), by preference; empty when it has none; "monitor.dns" when the
// query fails for another reason than "no such data".
Result<std::vector<std::string>> mx_hosts(const std::string& domain);

}  // namespace sw::monitor
