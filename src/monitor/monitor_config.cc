// The [monitor] config keys as options (monitor_config.h).
#include "monitor/monitor_config.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <string_view>

namespace sw::monitor {

MonitorOptions service_options_from(const MonitorConfig& c) { return {static_cast<int>(c.incident_after)}; }

namespace {

bool port_or_empty(std::string_view p) {
  return p.size() <= 5 && std::ranges::all_of(p, [](char c) { return c >= '0' && c <= '9'; });
}

Status check_connect_to(const std::string& entry) {
  std::vector<std::string_view> parts;
  std::string_view rest = entry;
  for (auto at = rest.find(':'); at != std::string_view::npos; at = rest.find(':')) {
    parts.push_back(rest.substr(0, at));
    rest.remove_prefix(at + 1);
  }
  parts.push_back(rest);
  if (parts.size() != 4 || !port_or_empty(parts[1]) || !port_or_empty(parts[3]) || parts[2].empty()) {
    return fail("monitor.bad_input", "[monitor] connect_to entry '" + entry + "' is not HOST:PORT:ADDR:PORT");
  }
  return ok();
}

}  // namespace

Result<PassOptions> pass_options_from(const MonitorConfig& c) {
  FetchOptions f;
  f.timeout = std::chrono::seconds(c.timeout_seconds);
  f.connect_timeout = std::min(f.timeout, std::chrono::milliseconds(10'000));
  f.retries = static_cast<int>(c.retries);
  f.max_per_host = static_cast<int>(c.max_per_host);
  f.politeness = std::chrono::milliseconds(c.politeness_milliseconds);
  f.ca_file = c.ca_file;
  std::istringstream entries(c.connect_to);
  for (std::string e; entries >> e;) {
    SW_CHECK(check_connect_to(e));
    f.connect_to.push_back(e);
  }
  PassOptions p;
  p.uptime = f;
  p.uptime.politeness = std::chrono::milliseconds(0);  // one request per site
  p.tls = {f.timeout, c.ca_file, f.connect_to};
  p.links.fetch = f;
  p.links.max_pages = static_cast<int>(c.link_max_pages);
  p.links.max_depth = static_cast<int>(c.link_max_depth);
  p.link_cache = std::chrono::hours(c.link_cache_hours);
  p.dns.trust_anchor = c.dns_trust_anchor;
  p.dns.upstream = c.dns_upstream;
  p.dns.resolvers = split_list(c.dns_resolvers);
  p.dns.timeout = std::chrono::seconds(c.dns_timeout_seconds);
  p.dns.in_flight = static_cast<int>(c.dns_in_flight);
  p.lookalike.max_per_domain = static_cast<std::size_t>(c.lookalike_max_per_domain);
  p.lookalike.similarity = static_cast<double>(c.lookalike_similarity_percent) / 100.0;
  p.fingerprint.max_pages = static_cast<int>(c.fingerprint_max_pages);
  p.fingerprint.drift_percent = static_cast<int>(c.fingerprint_drift_percent);
  p.location.geoip_dat = c.geoip_dat;
  p.location.geoip_dat6 = c.geoip_dat6;
  p.location.mmdb = c.geoip_mmdb;
  p.location.foreign_severity = c.location_foreign_severity == "critical" ? Severity::critical : Severity::warning;
  p.location.check_mx = c.location_check_mx;
  p.location.allowed_countries.clear();
  std::istringstream countries(c.location_allowed_countries);
  for (std::string code; countries >> code;) {
    if (code.size() != 2 || !std::isupper(static_cast<unsigned char>(code[0])) || !std::isupper(static_cast<unsigned char>(code[1]))) {
      return fail("monitor.bad_input", "[monitor] location_allowed_countries entry '" + code +
                                           "' is not an ISO 3166 country code such as CN");
    }
    p.location.allowed_countries.push_back(code);
  }
  p.freshness.home_days = static_cast<int>(c.freshness_home_days);
  p.freshness.news_days = static_cast<int>(c.freshness_news_days);
  p.freshness.notices_days = static_cast<int>(c.freshness_notices_days);
  p.freshness.other_days = static_cast<int>(c.freshness_other_days);
  p.freshness.warn_days = static_cast<int>(c.freshness_warn_days);
  p.freshness.max_pages = static_cast<int>(c.freshness_max_pages);
  auto words = [](const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string w; in >> w;) out.push_back(w);
    return out;
  };
  p.freshness.news_words = words(c.freshness_news_words);
  p.freshness.notices_words = words(c.freshness_notices_words);
  return p;
}

Schedule schedule_from(const MonitorConfig& c) {
  Schedule s{std::chrono::seconds(c.uptime_interval_seconds), std::chrono::seconds(c.tls_interval_seconds),
             std::chrono::seconds(c.links_interval_seconds)};
  s.dns = std::chrono::seconds(c.dns_interval_seconds);
  s.lookalike = std::chrono::seconds(c.lookalike_interval_seconds);
  s.freshness = std::chrono::seconds(c.freshness_interval_seconds);
  s.fingerprint = std::chrono::seconds(c.fingerprint_interval_seconds);
  s.location = std::chrono::seconds(c.location_interval_seconds);
  return s;
}

}  // namespace sw::monitor
