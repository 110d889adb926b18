// ProbeBody: how a probe plugs into a pass (monitor_pass.h) — issue 7's later probes (dns, fingerprint,
// location, lookalike, freshness) each land as one body, one case in probe_body.cc and one entry in
// kAllProbes (findings.h); run_pass records what a body returns exactly as it does for uptime, TLS and
// links (results → incidents, observations → findings reconciled per site and probe).
//
// Contract of a body:
// - It probes every site of `sites` and returns one SiteWork per site, in the same order.
// - It may work as concurrently as it likes (threads, libcurl multi, libunbound async) with the caps in
//   its options, and returns promptly once options.stop is requested (run_pass then ends the pass as
//   "monitor.cancelled").
// - It does not write the monitor tables itself: run_pass records results and reconciles observations.
//   It may read through `service` (e.g. baselines, allowlists, accepted fingerprints).
// - A failure that concerns one site (unreachable, bad answer) is a result with ok = false and/or an
//   observation, never an error; an error is for the pass as a whole (the database failed).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "monitor/findings.h"
#include "monitor/link_checker.h"
#include "monitor/site_targets.h"

namespace sw::monitor {

class MonitorService;
struct PassOptions;

// What a probe made of one site in a pass, before it is recorded.
struct SiteWork {
  std::vector<ProbeResult> results;  // each recorded (availability, incidents after N failures)
  std::vector<Observation> seen;     // the site's findings of this probe now (absent ones resolve)
  std::string headline;              // one line for the summary table, e.g. "NS changed", "grade B"
  std::optional<LinkReport> links;   // links probe only: dead links and the day cache
};

using ProbeBody = Result<std::vector<SiteWork>> (*)(MonitorService& service, const std::vector<SiteTarget>& sites,
                                                    const PassOptions& options, TimePoint now);

// The body of a probe other than uptime, tls and links; nullptr while that probe is not built.
ProbeBody probe_body(Probe probe);

}  // namespace sw::monitor
