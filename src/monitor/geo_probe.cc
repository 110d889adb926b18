// The location probe (geo_probe.h): a few threads, each taking the next site.
#include "monitor/geo_probe.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "monitor/monitor_pass.h"
#include "monitor/registrable_domain.h"

namespace sw::monitor {
namespace {

struct Located {
  std::string role;  // "web" | "mx"
  std::string host;
  std::string address;
  std::string country;  // ISO code, "local", or "" unknown
};

SiteWork locate_site(const SiteTarget& site, const LocationOptions& o, const GeoLocator& geo) {
  SiteWork w;
  auto resolve = [&](const std::string& h) { return o.resolve ? o.resolve(h) : resolve_addresses(h); };
  auto mx_of = [&](const std::string& d) { return o.mx ? o.mx(d) : mx_hosts(d); };
  const nlohmann::json db = {{"database", geo.description()}, {"database_date", geo.date()}};
  std::vector<std::string> foreign_summary;
  for (const std::string& domain : site.domains) {
    std::vector<Located> found;
    nlohmann::json errors = nlohmann::json::array();
    auto locate = [&](const std::string& role, const std::string& host) {
      auto addrs = resolve(host);
      if (!addrs) {
        errors.push_back(role + " " + host + ": " + addrs.error().message);
        return;
      }
      for (const std::string& ip : *addrs) {
        found.push_back({role, host, ip, is_local_address(ip) ? "local" : geo.country(ip)});
      }
    };
    locate("web", domain);
    if (o.check_mx) {
      std::vector<std::string> mail_domains{domain};
      // and of its registrable domain (news.foo.gov.cn → foo.gov.cn), where the mail of a site usually is
      if (const std::string reg = registrable_domain(domain); reg != domain) mail_domains.push_back(reg);
      std::vector<std::string> seen_mx;
      for (const std::string& d : mail_domains) {
        auto mx = mx_of(d);
        if (!mx) {
          errors.push_back("mx of " + d + ": " + mx.error().message);
          continue;
        }
        for (const std::string& h : *mx) {
          if (std::find(seen_mx.begin(), seen_mx.end(), h) != seen_mx.end()) continue;
          seen_mx.push_back(h);
          locate("mx", h);
        }
      }
    }
    nlohmann::json located = nlohmann::json::array();
    bool foreign = false;
    for (const Located& l : found) {
      located.push_back({{"role", l.role}, {"host", l.host}, {"address", l.address}, {"country", l.country}});
      nlohmann::json evidence = {{"role", l.role}, {"host", l.host}, {"address", l.address}, {"country", l.country},
                                 {"allowed", o.allowed_countries}};
      evidence.update(db);
      const std::string subject = l.role + " " + l.host + " " + l.address;
      const std::string clause = l.role == "mx" ? "N6.6" : "N2.5";
      if (l.country == "local") continue;
      if (l.country.empty()) {
        w.seen.push_back({"location.unknown", subject, Severity::info, clause, evidence});
      } else if (std::find(o.allowed_countries.begin(), o.allowed_countries.end(), l.country) == o.allowed_countries.end()) {
        foreign = true;
        w.seen.push_back({"location.foreign", subject, o.foreign_severity, clause, evidence});
        foreign_summary.push_back(l.role + " " + l.address + " " + l.country);
      }
    }
    nlohmann::json detail = {{"addresses", located}, {"errors", errors}};
    detail.update(db);
    w.results.push_back({site.site_id, Probe::location, domain, !foreign && errors.empty(), 0, detail});
  }
  std::sort(foreign_summary.begin(), foreign_summary.end());
  foreign_summary.erase(std::unique(foreign_summary.begin(), foreign_summary.end()), foreign_summary.end());
  std::string head = foreign_summary.empty() ? "all in " + (o.allowed_countries.empty() ? std::string("-") : o.allowed_countries.front())
                                             : "foreign: " + foreign_summary.front();
  if (foreign_summary.size() > 1) head += " (+" + std::to_string(foreign_summary.size() - 1) + ")";
  w.headline = head + " [" + geo.description().substr(0, geo.description().find(',')) + "]";
  return w;
}

}  // namespace

Result<std::unique_ptr<GeoLocator>> open_locator(const LocationOptions& options) {
  if (!options.mmdb.empty()) return open_mmdb(options.mmdb);
  return open_legacy_geoip(options.geoip_dat, options.geoip_dat6);
}

Result<std::vector<SiteWork>> probe_location(MonitorService&, const std::vector<SiteTarget>& sites,
                                             const PassOptions& options, TimePoint) {
  SW_TRY(geo, open_locator(options.location));
  std::vector<SiteWork> work(sites.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < sites.size() && !options.stop.stop_requested(); i = next++) {
      work[i] = locate_site(sites[i], options.location, *geo);
    }
  };
  std::vector<std::jthread> pool;
  for (int t = 0; t < std::clamp(options.location.threads, 1, 64); ++t) pool.emplace_back(worker);
  pool.clear();
  return work;
}

}  // namespace sw::monitor
