// MonitorService: the monitors' records in the database (issue 7; docs/modules/monitor.md) — probe
// results, passes, findings, incidents and their timelines, the sites' link allowlists (N3.6), dead
// links and the day's link cache. Probes do the probing; they hand what they saw to this service.
//
// Contract:
//  - record() stores one probe result and keeps the incident of its (site, probe, target): when the
//    last `incident_after` results of that target all failed and no incident is open, one opens
//    (audited "monitor.incident_open", timeline "opened"); a further failure while open adds
//    "failed"; the first passing result closes it ("recovered", audited "monitor.incident_close").
//  - reconcile() takes everything one pass of a probe saw wrong with a site: each observation opens a
//    finding or refreshes the open one (last_seen, severity, evidence); open findings of that site
//    and probe that the pass did not see are resolved. Findings are never deleted.
//  - Reads for people (findings, incidents, timeline, dead_links) need monitor.read on the scope
//    asked for (an organisation covers its subtree); a refusal is audited as denied
//    ("identity.forbidden"). Mutations by people (allowlist) need site.configure and are audited.
//  - Errors: "monitor.bad_input" (a field named), "monitor.not_found", the store's errors.
//
// Thread-safety: every method may be called from any thread; database work is serialised inside.
// The Database is this service's own connection or one the caller never uses concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/result.h"
#include "identity/gate.h"
#include "identity/identity.h"
#include "monitor/findings.h"
#include "store/database.h"

namespace sw::monitor {

struct MonitorOptions {
  int incident_after = 3;  // consecutive failed probes of one target that open an incident (>= 1)
};

// What record() did to the target's incident.
enum class IncidentChange { none, opened, failed, closed };

// Probes over a window: how many, how many loaded (ok).
struct Availability {
  std::int64_t probes = 0;
  std::int64_t loaded = 0;
  double ratio() const { return probes == 0 ? 1.0 : static_cast<double>(loaded) / static_cast<double>(probes); }
};

// Counts of one pass, stored on its run row.
struct RunCounts {
  std::int64_t sites = 0;
  std::int64_t targets = 0;
  std::int64_t failures = 0;
};

// A dead link: the target, the page where it was found and the anchor text (or an image's alt).
struct DeadLink {
  std::string url;
  std::string page;
  std::string anchor;
  int status = 0;      // HTTP status; 0 when there was none
  std::string reason;  // http_404, soft_404, timeout, connect, dns, redirect_loop, tls, ...
};

// One link-check pass as a site's link history sees it (the console's trend): how many dead links
// it recorded for the site (0 when none, or when the pass was limited to other sites).
struct LinkRunCount {
  std::int64_t run_id = 0;
  TimePoint started_at;
  std::int64_t dead = 0;
};

// A link target checked recently (the link check's day cache).
struct CachedLink {
  int status = 0;
  std::string reason;  // "" when alive
  TimePoint checked_at;
};

class MonitorService {
 public:
  // `db`, `audit` and `clock` must outlive the service.
  MonitorService(store::Database& db, audit::AuditLog& audit, MonitorOptions options = {},
                 const Clock& clock = system_clock());

  // --- passes
  Result<std::int64_t> begin_run(Probe probe, const std::string& started_by);
  Status finish_run(std::int64_t run_id, const RunCounts& counts);
  // When the last finished pass of `probe` started, if any (the scheduler's "due" test).
  Result<std::optional<TimePoint>> last_run(Probe probe);

  // --- results and incidents
  Result<IncidentChange> record(const ProbeResult& result);
  // Probes of the site by `probe` with from <= at <= to, and how many were ok.
  Result<Availability> availability(std::int64_t site_id, Probe probe, TimePoint from, TimePoint to);

  // --- findings (see the contract above)
  Status reconcile(std::int64_t site_id, Probe probe, const std::vector<Observation>& seen);

  // --- reads for people: monitor.read on `scope` (an organisation covers the sites of its subtree)
  Result<std::vector<Finding>> findings(const identity::Principal& who, const identity::Scope& scope,
                                        bool open_only = true);
  Result<std::vector<Incident>> incidents(const identity::Principal& who, const identity::Scope& scope,
                                          bool open_only = true);
  Result<std::vector<IncidentEvent>> timeline(const identity::Principal& who, std::int64_t incident_id);
  // The dead links of the site's last link-check pass.
  Result<std::vector<DeadLink>> dead_links(const identity::Principal& who, std::int64_t site_id);
  // The site's dead-link counts over the last `runs` (1..100) finished link-check passes, oldest first.
  Result<std::vector<LinkRunCount>> dead_link_history(const identity::Principal& who, std::int64_t site_id,
                                                      int runs);

  // --- link suitability (N3.6): hosts a site may link to besides its own domains
  // site.configure on the site ("monitor.allowlist_add"). host: a lowercase DNS name (its
  // subdomains are covered too); "monitor.bad_input" otherwise. Adding a listed host is a no-op.
  Status allow_link_host(const identity::Actor& actor, std::int64_t site_id, std::string host);
  // Takes a host off the allowlist: site.configure on the site ("monitor.allowlist_remove", with the
  // host). The entry is kept with its removal time (nothing is deleted); links to the host are findings
  // again from the next pass. "monitor.bad_input" for a host that is not a DNS name,
  // "monitor.not_found" when the host is not on the site's allowlist (nothing changes).
  Status disallow_link_host(const identity::Actor& actor, std::int64_t site_id, std::string host);
  Result<std::vector<std::string>> link_allowlist(std::int64_t site_id);

  // --- the link check's stores
  Status record_dead_links(std::int64_t run_id, std::int64_t site_id, const std::vector<DeadLink>& dead);
  Result<std::optional<CachedLink>> cached_link(const std::string& url, std::chrono::seconds max_age);
  Status cache_links(const std::vector<std::pair<std::string, CachedLink>>& checked);

  const MonitorOptions& options() const { return options_; }
  // The database and audit log the service records in, for the stores of later probes (e.g. the DNS
  // baselines, dns_baselines.h): used on the pass's thread only, never concurrently with the service.
  store::Database& database() { return db_; }
  audit::AuditLog& audit_log() { return audit_; }

 private:
  // monitor.read on scope (refusal audited as `what`), then a test: is this site inside the scope.
  Result<std::function<bool(std::int64_t site_id)>> visible(const identity::Principal& who,
                                                            const identity::Scope& scope, const std::string& what);
  Status audit_incident(const std::string& action, const Incident& incident, const nlohmann::json& detail);

  store::Database& db_;
  audit::AuditLog& audit_;
  MonitorOptions options_;
  const Clock& clock_;
  identity::Gate gate_;
  std::mutex mu_;
};

}  // namespace sw::monitor
