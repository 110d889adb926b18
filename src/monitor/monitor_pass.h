// MonitorPass: one pass of one probe over a set of sites, its results recorded (issue 7) — the unit
// that `sitewarden monitor run` and the scheduler in `serve` run.
//
// A pass begins a run row, probes every site, records each result (incidents open and close in
// MonitorService::record), reconciles each site's findings for that probe, stores the link check's
// dead links and day cache, and finishes the run row with its counts. A failure to record is returned
// at once (what was recorded before stays; the run row stays unfinished, so the scheduler runs it
// again).
#pragma once

#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "monitor/dns_resolver.h"
#include "monitor/fetcher.h"
#include "monitor/findings.h"
#include "monitor/fingerprint_probe.h"
#include "monitor/geo_probe.h"
#include "monitor/freshness_probe.h"
#include "monitor/link_checker.h"
#include "monitor/lookalike_probe.h"
#include "monitor/monitor_service.h"
#include "monitor/probe_body.h"
#include "monitor/site_targets.h"
#include "monitor/tls_probe.h"

namespace sw::monitor {

struct PassOptions {
  FetchOptions uptime;  // timeout 15 s (the inspectors'), retries with back-off
  TlsOptions tls;
  int tls_threads = 4;
  LinkCheckOptions links;
  std::chrono::hours link_cache{24};  // 0: no cache
  FreshnessRules freshness;           // the freshness probe's deadlines and crawl bound (fetch: links.fetch)
  HostedActivity hosted_activity;     // hosted sites' activity from the platform's data; unset: crawled
  DnsOptions dns;  // the DNS and lookalike probes' resolvers (dns_resolver.h)
  LookalikeOptions lookalike;
  FingerprintOptions fingerprint;  // the fingerprint probe: sample, drift, release lookup, store (fetch: links.fetch)
  LocationOptions location;        // the location probe: GeoIP database, allowed countries
  std::stop_token stop;  // requested: the pass ends early with "monitor.cancelled", its run unfinished
};

// One line of a pass's summary per site.
struct SiteOutcome {
  std::int64_t site_id = 0;
  std::string name;
  bool ok = true;        // no open finding of this probe after the pass
  std::string headline;  // what the probe saw, e.g. "200 in 35 ms", "grade C", "3 dead of 120"
  std::int64_t findings = 0;
};

struct PassSummary {
  Probe probe = Probe::uptime;
  std::int64_t run_id = 0;
  RunCounts counts;
  std::vector<SiteOutcome> sites;
  std::int64_t findings = 0;  // observations made by this pass, all sites
};

// Called after each site: (done, total, site name).
using PassProgress = std::function<void(std::size_t, std::size_t, const std::string&)>;

Result<PassSummary> run_pass(MonitorService& service, Probe probe, const std::vector<SiteTarget>& sites,
                             const PassOptions& options, const std::string& started_by,
                             const PassProgress& progress = {}, const Clock& clock = system_clock());

// How often each probe runs (the scheduler in serve): a probe is due when its last finished pass
// started at least its interval ago (or never ran).
struct Schedule {
  std::chrono::seconds uptime{300};
  std::chrono::seconds tls{6 * 3600};
  std::chrono::seconds links{24 * 3600};
  std::chrono::seconds dns{3600};
  std::chrono::seconds fingerprint{3600};
  std::chrono::seconds location{24 * 3600};
  std::chrono::seconds lookalike{24 * 3600};
  std::chrono::seconds freshness{3600};
  std::chrono::seconds of(Probe p) const;
};

// The probes due at `now`, in kAllProbes order.
Result<std::vector<Probe>> due_probes(MonitorService& service, const Schedule& schedule, TimePoint now);

}  // namespace sw::monitor
