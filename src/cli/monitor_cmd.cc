// The monitor subcommands (issue 7); see commands.h and docs/modules/monitor.md, docs/monitoring.md.
//
//   sitewarden monitor run --config F [--site N] [--probe uptime|tls|links]
//       one pass of each probe asked for (default: all) over every site of the register (or one);
//       a progress bar on a terminal, a summary table at the end. Exit 0: no finding; 1: findings;
//       2: the pass could not run.
//   sitewarden monitor findings --config F [--site N] [--all]     open (or all) findings
//   sitewarden monitor allow --config F --site N --host H          a host the site may link to (N3.6)
//   sitewarden monitor disallow --config F --site N --host H       take it off the allowlist again
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <iomanip>
#include <iostream>
#include <mutex>
#include <thread>

#include "base/log.h"
#include "cli/commands.h"
#include "cli/monitor_dns_cmd.h"
#include "cli/monitor_fp.h"
#include "monitor/freshness_hosted.h"
#include "monitor/metrics.h"
#include "monitor/monitor_config.h"
#include "monitor/monitor_pass.h"
#include "monitor/monitor_service.h"
#include "monitor/notify_outbox.h"
#include "monitor/site_targets.h"

namespace sw::cli {
namespace {

namespace fs = std::filesystem;
constexpr int kExitFindings = 1;
constexpr int kExitFailed = 2;

int report_error(const Error& e) {
  std::cerr << "sitewarden: " << e.message << " [" << e.code << "]\n";
  return kExitFailed;
}

identity::Actor cli_actor() { return {identity::Principal::system(os_user()), "local", "cli"}; }

// Fits text in `width` columns of output (bytes; Chinese names count 3 a character, good enough).
std::string cell(const std::string& text, std::size_t width) {
  if (text.size() <= width) return text;
  std::size_t cut = width - 1;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // at a character's start
  return text.substr(0, cut) + "~";
}

void print_summary(const monitor::PassSummary& s) {
  std::cout << "\n" << monitor::to_string(s.probe) << ": " << s.counts.sites << " sites, " << s.counts.targets
            << " targets, " << s.counts.failures << " failed, " << s.findings << " findings\n";
  std::cout << std::left << std::setw(6) << "site" << std::setw(28) << "name" << std::setw(6) << "ok"
            << std::setw(9) << "findings" << "seen\n";
  for (const auto& site : s.sites) {
    std::cout << std::left << std::setw(6) << site.site_id << std::setw(28) << cell(site.name, 26) << std::setw(6)
              << (site.ok ? "ok" : "FAIL") << std::setw(9) << site.findings << site.headline << "\n";
  }
}

int cmd_run(const fs::path& config, std::int64_t site, const std::string& probe_name) {
  std::vector<monitor::Probe> probes(std::begin(monitor::kAllProbes), std::end(monitor::kAllProbes));
  if (!probe_name.empty()) {
    auto p = monitor::parse_probe(probe_name);
    if (!p) return report_error(p.error());
    probes = {*p};
  }
  auto pf = open_platform(config);
  if (!pf) return report_error(pf.error());
  Platform& p = **pf;
  auto options = monitor::pass_options_from(p.config.monitor);
  if (!options) return report_error(options.error());
  if (auto w = wire_fingerprint_probe(p, *p.db, *options); !w) return report_error(w.error());
  auto roots = monitor::root_organisations(*p.identity);
  if (!roots) return report_error(roots.error());
  auto sites = monitor::sites_to_probe(*p.registry, *roots, p.config.monitor.scheme,
                                       site > 0 ? std::optional<std::int64_t>(site) : std::nullopt);
  if (!sites) return report_error(sites.error());
  options->hosted_activity = monitor::hosted_activity_from(*p.content);  // freshness from content (N8.3)
  monitor::MonitorService service(*p.db, *p.audit, monitor::service_options_from(p.config.monitor));
  const bool tty = isatty(STDERR_FILENO) == 1;
  std::int64_t findings = 0;
  for (monitor::Probe probe : probes) {
    auto progress = [&](std::size_t done, std::size_t total, const std::string& name) {
      if (!tty) return;
      // A progress bar: [uptime] [##########..............] 210/503 南京市总工会网
      constexpr std::size_t kWidth = 24;
      const std::size_t filled = total > 0 ? std::min(kWidth, done * kWidth / total) : 0;
      std::cerr << "\r\033[K[" << monitor::to_string(probe) << "] [" << std::string(filled, '#')
                << std::string(kWidth - filled, '.') << "] " << done << "/" << total << " " << name << std::flush;
    };
    auto summary = monitor::run_pass(service, probe, *sites, *options, "cli:" + os_user(), progress);
    if (tty) std::cerr << "\r\033[K" << std::flush;
    if (!summary) return report_error(summary.error());
    print_summary(*summary);
    findings += summary->findings;
  }
  return findings > 0 ? kExitFindings : 0;
}

int cmd_findings(const fs::path& config, std::int64_t site, bool all) {
  auto pf = open_platform(config);
  if (!pf) return report_error(pf.error());
  Platform& p = **pf;
  monitor::MonitorService service(*p.db, *p.audit, monitor::service_options_from(p.config.monitor));
  const auto who = cli_actor().principal;
  std::vector<monitor::Finding> found;
  if (site > 0) {
    auto f = service.findings(who, identity::Scope::site(site), !all);
    if (!f) return report_error(f.error());
    found = std::move(*f);
  } else {
    auto roots = monitor::root_organisations(*p.identity);
    if (!roots) return report_error(roots.error());
    for (std::int64_t root : *roots) {
      auto f = service.findings(who, identity::Scope::org(root), !all);
      if (!f) return report_error(f.error());
      found.insert(found.end(), f->begin(), f->end());
    }
  }
  for (const auto& f : found) {
    std::cout << "site " << f.site_id << "  " << monitor::to_string(f.observation.severity) << "  "
              << f.observation.kind << "  " << f.observation.subject << "  [" << f.observation.clause << "]  "
              << monitor::to_string(f.state) << " since " << format_rfc3339(f.first_seen) << "  "
              << f.observation.evidence.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  std::cout << found.size() << " findings\n";
  return 0;
}

// Host names are compared without case (the service stores them lower-case); say them that way.
std::string lower_host(std::string host) {
  std::ranges::transform(host, host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

int cmd_allow(const fs::path& config, std::int64_t site, const std::string& host) {
  auto pf = open_platform(config);
  if (!pf) return report_error(pf.error());
  Platform& p = **pf;
  monitor::MonitorService service(*p.db, *p.audit, monitor::service_options_from(p.config.monitor));
  if (auto known = require_registered_site(p, site); !known) return report_error(known.error());
  if (auto r = service.allow_link_host(cli_actor(), site, host); !r) return report_error(r.error());
  std::cout << "site " << site << " may link to " << lower_host(host) << " and its subdomains\n";
  return 0;
}

int cmd_disallow(const fs::path& config, std::int64_t site, const std::string& host) {
  auto pf = open_platform(config);
  if (!pf) return report_error(pf.error());
  Platform& p = **pf;
  monitor::MonitorService service(*p.db, *p.audit, monitor::service_options_from(p.config.monitor));
  if (auto known = require_registered_site(p, site); !known) return report_error(known.error());
  if (auto r = service.disallow_link_host(cli_actor(), site, host); !r) return report_error(r.error());
  std::cout << "site " << site << " may no longer link to " << lower_host(host)
            << ": links to it are findings again from the next links pass\n";
  return 0;
}

// Freshness of hosted sites from content, the probes' metrics on [monitor] metrics_listen, and
// notifications of incidents and critical findings from the outbox ([notify]) — the scheduler's
// operation around its passes (issue 7; docs/monitoring.md). Everything but the metrics listener runs
// on the scheduler's thread with its own connection.
template <class Scheduler>
Status wire_monitor_operation(Platform& platform, Scheduler& s, monitor::PassOptions& options,
                              const std::vector<std::int64_t>& roots) {
  s.content = content::ContentService::open(*s.db, *platform.audit, *platform.suite, *platform.scanner, *platform.blobs);
  options.hosted_activity = monitor::hosted_activity_from(*s.content);
  SW_TRY(channels, monitor::channels_from(platform.config.notify));
  s.channels = std::move(channels);
  s.outbox = std::make_unique<monitor::NotifyOutbox>(*s.db, *platform.audit,
                                                     monitor::notify_options_from(platform.config.notify));
  Scheduler* raw = &s;
  auto name_of = [raw](std::int64_t site) {
    const auto it = raw->site_names.find(site);
    return it == raw->site_names.end() ? std::string() : it->second;
  };
  s.after_pass = [raw, roots, name_of](const monitor::PassSummary* pass, monitor::Probe probe,
                                       std::chrono::steady_clock::duration took) {
    if (pass) {
      raw->metrics.record_pass(*pass, took, system_clock().now());
      for (const auto& site : pass->sites) raw->site_names[site.site_id] = site.name;
    } else {
      raw->metrics.record_failed_pass(probe, took, system_clock().now());
    }
    if (auto r = monitor::refresh_open_counts(raw->metrics, *raw->service, roots); !r) {
      log::error("monitor.metrics_failed", {{"error", r.error().to_string()}});
    }
    if (raw->channels.empty()) return;
    std::vector<std::string> names;
    for (const auto& c : raw->channels) names.push_back(c->name());
    auto events = monitor::notify_events(*raw->service, roots, system_clock().now(), name_of);
    auto queued = events ? raw->outbox->enqueue(*events, names) : Result<std::int64_t>(std::unexpected(events.error()));
    if (!queued) log::error("notify.enqueue_failed", {{"error", queued.error().to_string()}});
  };
  s.after_round = [raw, name_of] {
    if (!raw->channels.empty()) {
      std::vector<monitor::NotifyChannel*> chs;
      for (const auto& c : raw->channels) chs.push_back(c.get());
      auto d = raw->outbox->deliver(chs, name_of);
      if (!d) {
        log::error("notify.deliver_failed", {{"error", d.error().to_string()}});
      } else if (d->messages + d->retried + d->failed > 0) {
        log::info("notify.delivered", {{"messages", d->messages}, {"events", d->events}, {"retried", d->retried},
                                       {"failed", d->failed}, {"waiting", d->waiting}});
      }
    }
    auto text = raw->outbox->metrics_text();
    std::lock_guard lock(raw->notify_text_m);
    raw->notify_text = text ? *text : std::string();
  };
  s.metrics.set_extra([raw] {
    std::lock_guard lock(raw->notify_text_m);
    return raw->notify_text;
  });
  if (!platform.config.monitor.metrics_listen.empty()) {
    SW_TRY(listener, monitor::MetricsListener::start(platform.config.monitor.metrics_listen,
                                                     [raw] { return raw->metrics.text(); }));
    s.listener = std::move(listener);
    log::info("monitor.metrics_listen", {{"address", platform.config.monitor.metrics_listen}, {"port", s.listener->port()}});
  }
  return ok();
}

}  // namespace

Result<std::function<void()>> start_monitor_in_serve(Platform& platform) {
  if (!platform.config.monitor.enabled) return std::function<void()>([] {});
  SW_TRY(options, monitor::pass_options_from(platform.config.monitor));
  SW_TRY(roots, monitor::root_organisations(*platform.identity));
  // The probes run on their own thread with their own connection and register (a Database is one
  // connection, used by one thread at a time).
  SW_TRY(db, store::Database::open(platform.data_dir() / "sitewarden.db"));
  struct Scheduler {
    std::unique_ptr<store::Database> db;
    std::unique_ptr<registry::Registry> registry;
    std::unique_ptr<monitor::MonitorService> service;
    // freshness from content, metrics, notifications (MOPS): all used on the scheduler's thread but
    // the metrics text, which the listener reads under its own lock.
    std::unique_ptr<content::ContentService> content;
    monitor::ProbeMetrics metrics;
    std::unique_ptr<monitor::NotifyOutbox> outbox;
    std::vector<std::unique_ptr<monitor::NotifyChannel>> channels;
    std::map<std::int64_t, std::string> site_names;
    std::mutex notify_text_m;
    std::string notify_text;
    std::function<void(const monitor::PassSummary*, monitor::Probe, std::chrono::steady_clock::duration)> after_pass;
    std::function<void()> after_round;
    std::unique_ptr<monitor::MetricsListener> listener;
    std::mutex m;
    std::condition_variable_any wake;
    std::jthread thread;
  };
  auto s = std::make_shared<Scheduler>();
  s->db = std::move(db);
  s->registry = registry::Registry::open(*s->db, *platform.audit, registry::rules_from(platform.config));
  s->service = std::make_unique<monitor::MonitorService>(*s->db, *platform.audit,
                                                          monitor::service_options_from(platform.config.monitor));
  SW_CHECK(wire_monitor_operation(platform, *s, options, roots));
  const auto schedule = monitor::schedule_from(platform.config.monitor);
  const std::string scheme = platform.config.monitor.scheme;
  s->thread = std::jthread([s = s.get(), options, roots, schedule, scheme, platform = &platform](std::stop_token stop) {
    monitor::PassOptions pass_options = options;
    pass_options.stop = stop;
    if (auto w = wire_fingerprint_probe(*platform, *s->db, pass_options); !w) {
      log::error("monitor.fingerprint_wiring_failed", {{"error", w.error().to_string()}});
    }
    while (!stop.stop_requested()) {
      auto due = monitor::due_probes(*s->service, schedule, system_clock().now());
      if (!due) log::error("monitor.scheduler_failed", {{"error", due.error().to_string()}});
      for (monitor::Probe probe : due.value_or(std::vector<monitor::Probe>{})) {
        if (stop.stop_requested()) break;
        auto sites = monitor::sites_to_probe(*s->registry, roots, scheme, std::nullopt);
        const auto pass_start = std::chrono::steady_clock::now();
        auto pass = sites ? monitor::run_pass(*s->service, probe, *sites, pass_options, "scheduler")
                          : Result<monitor::PassSummary>(std::unexpected(sites.error()));
        if (!pass) {
          log::error("monitor.pass_failed", {{"probe", std::string(monitor::to_string(probe))}, {"error", pass.error().to_string()}});
        } else {
          log::info("monitor.pass", {{"probe", std::string(monitor::to_string(probe))},
                                     {"sites", pass->counts.sites},
                                     {"failures", pass->counts.failures},
                                     {"findings", pass->findings}});
        }
        if (s->after_pass) s->after_pass(pass ? &*pass : nullptr, probe, std::chrono::steady_clock::now() - pass_start);
      }
      if (s->after_round) s->after_round();
      std::unique_lock lock(s->m);
      s->wake.wait_for(lock, stop, std::chrono::seconds(30), [] { return false; });
    }
  });
  return std::function<void()>([s] {
    s->thread.request_stop();
    s->thread.join();
  });
}

CommandRunner add_monitor_commands(CLI::App& app) {
  struct Args {
    fs::path config;
    std::int64_t site = 0;
    std::string probe;
    std::string host;
    bool all = false;
  };
  auto args = std::make_shared<Args>();
  auto* monitor = app.add_subcommand("monitor", "probe every site from outside: uptime, TLS, links (issue 7)");
  auto* run = monitor->add_subcommand("run", "one pass of the probes; exit 0: no finding, 1: findings, 2: failed");
  run->add_option("--config", args->config, "config file")->required();
  run->add_option("--site", args->site, "only this site id");
  run->add_option("--probe", args->probe, "only this probe: uptime, tls or links");
  auto* findings = monitor->add_subcommand("findings", "list the open findings (with --all, resolved too)");
  findings->add_option("--config", args->config, "config file")->required();
  findings->add_option("--site", args->site, "only this site id");
  findings->add_flag("--all", args->all, "resolved findings too");
  auto* allow = monitor->add_subcommand("allow", "let a site link to a host and its subdomains (N3.6)");
  allow->add_option("--config", args->config, "config file")->required();
  allow->add_option("--site", args->site, "site id")->required();
  allow->add_option("--host", args->host, "host name, e.g. www.gov.cn")->required();
  auto* disallow = monitor->add_subcommand("disallow", "take a host off a site's link allowlist (N3.6)");
  disallow->add_option("--config", args->config, "config file")->required();
  disallow->add_option("--site", args->site, "site id")->required();
  disallow->add_option("--host", args->host, "host name on the allowlist")->required();
  auto fingerprint = add_monitor_fp_commands(*monitor);
  auto dns = add_monitor_dns_commands(*monitor);  // monitor dns show|accept (monitor_dns_cmd.cc)
  monitor->require_subcommand(1);
  return [args, run, findings, allow, disallow, dns, fingerprint]() -> std::optional<int> {
    if (auto done = dns()) return done;
    if (auto done = fingerprint()) return done;
    if (run->parsed()) return cmd_run(args->config, args->site, args->probe);
    if (findings->parsed()) return cmd_findings(args->config, args->site, args->all);
    if (allow->parsed()) return cmd_allow(args->config, args->site, args->host);
    if (disallow->parsed()) return cmd_disallow(args->config, args->site, args->host);
    return std::nullopt;
  };
}

}  // namespace sw::cli
