// UptimeProbe (uptime_probe.h).
#include "monitor/uptime_probe.h"

#include <unordered_map>

namespace sw::monitor {

std::vector<ProbeResult> probe_uptime(const std::vector<SiteTarget>& sites, const FetchOptions& fetch) {
  std::vector<ProbeResult> out(sites.size());
  std::vector<FetchRequest> requests;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    out[i].site_id = sites[i].site_id;
    out[i].probe = Probe::uptime;
    out[i].target = sites[i].home_url;
    requests.push_back({sites[i].home_url, Method::get, i});
  }
  FetchOptions options = fetch;
  options.max_body_bytes = std::min<std::size_t>(options.max_body_bytes, 256 * 1024);  // enough to say it loaded
  Fetcher fetcher(options);
  fetcher.run(std::move(requests), [&](const FetchRequest& req, FetchResult&& r, const Fetcher::Queue&) {
    ProbeResult& p = out[req.tag];
    p.ok = r.loaded() && r.status < 400;
    p.elapsed_ms = r.elapsed.count();
    p.detail = {{"status", r.status},         {"elapsed_ms", r.elapsed.count()}, {"attempts", r.attempts},
                {"final_url", r.final_url},   {"error", r.error}};
    if (!r.error_message.empty()) p.detail["message"] = r.error_message;
  });
  return out;
}

Result<std::vector<Observation>> uptime_observations(MonitorService& service, const SiteTarget& site,
                                                     const ProbeResult& latest, TimePoint now) {
  std::vector<Observation> seen;
  SW_TRY(week, service.availability(site.site_id, Probe::uptime, now - kInspectionWindow, now));
  const std::int64_t failed = week.probes - week.loaded;
  if (week.probes > 0 && static_cast<double>(failed) >= kInspectionFailRatio * static_cast<double>(week.probes)) {
    seen.push_back({"uptime.inspection_rule", site.home_url, Severity::critical, "N7.3",
                    {{"probes", week.probes},
                     {"not_loaded", failed},
                     {"ratio", static_cast<double>(failed) / static_cast<double>(week.probes)},
                     {"rule", "at least 5% of a week's probes not loaded within 15 s fails the inspection"}}});
  }
  if (!latest.ok) {
    seen.push_back({"uptime.down", site.home_url, Severity::warning, "N7.3", latest.detail});
  }
  return seen;
}

}  // namespace sw::monitor
