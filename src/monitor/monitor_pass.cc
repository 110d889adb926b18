// MonitorPass (monitor_pass.h).
#include "monitor/monitor_pass.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "monitor/probe_body.h"
#include "monitor/uptime_probe.h"

namespace sw::monitor {
namespace {

std::vector<SiteWork> probe_tls_sites(const std::vector<SiteTarget>& sites, const PassOptions& options,
                                      TimePoint now) {
  std::vector<SiteWork> work(sites.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < sites.size() && !options.stop.stop_requested(); i = next++) {
      std::string grades;
      for (const std::string& domain : sites[i].domains) {
        const TlsReport r = probe_tls(domain, 443, options.tls);
        nlohmann::json detail = {{"grade", std::string(1, r.grade(now))},
                                 {"protocol", r.protocol},
                                 {"chain_ok", r.chain_ok},
                                 {"hostname_ok", r.hostname_ok},
                                 {"old_protocols", r.old_protocols},
                                 {"hsts", r.hsts},
                                 {"error", r.error}};
        if (r.not_after) detail["not_after"] = format_rfc3339(*r.not_after);
        work[i].results.push_back({sites[i].site_id, Probe::tls, domain + ":443", r.grade(now) != 'F', 0, detail});
        auto seen = tls_observations(r, now);
        work[i].seen.insert(work[i].seen.end(), seen.begin(), seen.end());
        grades += (grades.empty() ? "" : " ") + domain + " " + std::string(1, r.grade(now));
      }
      work[i].headline = "grade " + grades;
    }
  };
  const int threads = std::clamp(options.tls_threads, 1, 64);
  std::vector<std::jthread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
  pool.clear();  // joins
  return work;
}

Result<SiteWork> check_site_links(MonitorService& service, const SiteTarget& site, const PassOptions& options) {
  SiteWork w;
  SW_TRY(allow, service.link_allowlist(site.site_id));
  LinkSite ls{site.site_id, site.home_url, site.domains, allow};
  LinkCacheLookup cached;
  if (options.link_cache.count() > 0) {
    cached = [&](const std::string& url) -> std::optional<CachedLink> {
      auto hit = service.cached_link(url, options.link_cache);
      return hit ? *hit : std::nullopt;
    };
  }
  LinkCheckOptions link_options = options.links;
  link_options.fetch.stop = options.stop;
  LinkReport report = check_links(ls, link_options, cached);
  const auto dead_urls = report.dead_urls();
  w.results.push_back({site.site_id, Probe::links, site.home_url, dead_urls.empty() && report.disallowed.empty(), 0,
                       {{"pages", report.pages},
                        {"checked", report.checked},
                        {"dead", dead_urls.size()},
                        {"disallowed", report.disallowed.size()},
                        {"soft_404", report.soft_404},
                        {"redirected", report.redirected},
                        {"capped", report.capped}}});
  for (const std::string& url : dead_urls) {
    nlohmann::json places = nlohmann::json::array();
    std::string reason;
    int status = 0;
    for (const DeadLink& d : report.dead) {
      if (d.url != url) continue;
      reason = d.reason;
      status = d.status;
      if (places.size() < 5) places.push_back({{"page", d.page}, {"anchor", d.anchor}});
    }
    w.seen.push_back({"links.dead", url, Severity::warning, "N3.6",
                      {{"status", status}, {"reason", reason}, {"found_on", places}}});
  }
  for (const DisallowedLink& d : report.disallowed) {
    w.seen.push_back({"links.disallowed", d.url, Severity::warning, "N3.6",
                      {{"host", d.host}, {"page", d.page}, {"anchor", d.anchor},
                       {"rule", "external links go only to hosts on the site's allowlist"}}});
  }
  w.headline = std::to_string(dead_urls.size()) + " dead, " + std::to_string(report.disallowed.size()) +
               " disallowed of " + std::to_string(report.checked) + " links on " + std::to_string(report.pages) +
               " pages";
  w.links = std::move(report);
  return w;
}

std::string uptime_headline(const ProbeResult& r) {
  if (r.ok) return std::to_string(r.detail.value("status", 0)) + " in " + std::to_string(r.elapsed_ms) + " ms";
  const std::string error = r.detail.value("error", "");
  return error.empty() ? "HTTP " + std::to_string(r.detail.value("status", 0)) : error;
}

}  // namespace

std::chrono::seconds Schedule::of(Probe p) const {
  switch (p) {
    case Probe::uptime:
      return uptime;
    case Probe::tls:
      return tls;
    case Probe::links:
      return links;
    case Probe::dns:
      return dns;
    case Probe::fingerprint:
      return fingerprint;
    case Probe::location:
      return location;
    case Probe::lookalike:
      return lookalike;
    case Probe::freshness:
      return freshness;
  }
  return uptime;
}

Result<std::vector<Probe>> due_probes(MonitorService& service, const Schedule& schedule, TimePoint now) {
  std::vector<Probe> due;
  for (Probe p : kAllProbes) {
    SW_TRY(last, service.last_run(p));
    if (!last || now - *last >= schedule.of(p)) due.push_back(p);
  }
  return due;
}

Result<PassSummary> run_pass(MonitorService& service, Probe probe, const std::vector<SiteTarget>& sites,
                             const PassOptions& options, const std::string& started_by, const PassProgress& progress,
                             const Clock& clock) {
  PassSummary summary;
  summary.probe = probe;
  SW_TRY(run_id, service.begin_run(probe, started_by));
  summary.run_id = run_id;
  std::vector<SiteWork> work;
  auto cancelled = [&] { return fail("monitor.cancelled", std::string(to_string(probe)) + " pass stopped"); };
  if (probe == Probe::uptime) {
    FetchOptions fetch = options.uptime;
    fetch.stop = options.stop;
    auto results = probe_uptime(sites, fetch);
    if (options.stop.stop_requested()) return cancelled();
    for (auto& r : results) work.push_back({{std::move(r)}, {}, "", std::nullopt});
  } else if (probe == Probe::tls) {
    work = probe_tls_sites(sites, options, clock.now());
    if (options.stop.stop_requested()) return cancelled();
  } else if (probe != Probe::links) {
    const ProbeBody body = probe_body(probe);
    if (body == nullptr) {
      return fail("monitor.probe_not_built", "the " + std::string(to_string(probe)) + " probe is not built in this version");
    }
    SW_TRY(done, body(service, sites, options, clock.now()));
    if (options.stop.stop_requested()) return cancelled();
    if (done.size() != sites.size()) {
      return fail("monitor.internal", std::string(to_string(probe)) + " probe answered for " +
                                          std::to_string(done.size()) + " of " + std::to_string(sites.size()) + " sites");
    }
    work = std::move(done);
  }
  for (std::size_t i = 0; i < sites.size(); ++i) {
    const SiteTarget& site = sites[i];
    if (probe == Probe::links) {
      SW_TRY(w, check_site_links(service, site, options));
      if (options.stop.stop_requested()) return cancelled();
      work.push_back(std::move(w));
    }
    SiteWork& w = work[i];
    SiteOutcome outcome{site.site_id, site.name, true, w.headline, 0};
    for (const ProbeResult& r : w.results) {
      SW_TRY(change, service.record(r));
      (void)change;  // incidents are opened, extended and closed inside record()
      ++summary.counts.targets;
      if (!r.ok) ++summary.counts.failures;
    }
    if (probe == Probe::uptime) {
      SW_TRY(seen, uptime_observations(service, site, w.results.front(), clock.now()));
      w.seen = std::move(seen);
      outcome.headline = uptime_headline(w.results.front());
    }
    if (w.links) {
      SW_CHECK(service.record_dead_links(run_id, site.site_id, w.links->dead));
      if (options.link_cache.count() > 0) SW_CHECK(service.cache_links(w.links->fresh));
    }
    SW_CHECK(service.reconcile(site.site_id, probe, w.seen));
    outcome.findings = static_cast<std::int64_t>(w.seen.size());
    outcome.ok = w.seen.empty();
    summary.findings += outcome.findings;
    summary.sites.push_back(std::move(outcome));
    ++summary.counts.sites;
    if (progress) progress(i + 1, sites.size(), site.name);
  }
  SW_CHECK(service.finish_run(run_id, summary.counts));
  return summary;
}

}  // namespace sw::monitor
