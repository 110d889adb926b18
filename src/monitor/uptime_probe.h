// UptimeProbe: is each site's home page loading, as the public and the inspectors see it (issue 7)?
// One GET per site with the inspectors' 15 s limit, retried with back-off when the failure may pass;
// and the inspection rule read from the stored results: a site fails outright when at least 5% of a
// week's probes did not load within 15 s (N7.3 防瘫痪; the six-monthly inspection, N8.3).
#pragma once

#include <chrono>
#include <vector>

#include "monitor/fetcher.h"
#include "monitor/findings.h"
#include "monitor/monitor_service.h"
#include "monitor/site_targets.h"

namespace sw::monitor {

inline constexpr std::chrono::milliseconds kInspectorTimeout{15'000};
inline constexpr double kInspectionFailRatio = 0.05;  // of a week's probes not loaded
inline constexpr std::chrono::hours kInspectionWindow{24 * 7};

// One result per site (target: its home URL): ok when a response with status < 400 arrived within
// the fetch timeout. detail: status, error, elapsed_ms, attempts, final_url.
std::vector<ProbeResult> probe_uptime(const std::vector<SiteTarget>& sites, const FetchOptions& fetch);

// What the stored results say about one site at `now`: "uptime.inspection_rule" (critical) when the
// last week fails the rule, "uptime.down" (warning) when its latest probe failed. Evidence carries the
// counts and the ratio.
Result<std::vector<Observation>> uptime_observations(MonitorService& service, const SiteTarget& site,
                                                     const ProbeResult& latest, TimePoint now);

}  // namespace sw::monitor
