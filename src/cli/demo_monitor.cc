#include "cli/demo_monitor.h"

#include <fstream>
#include <vector>

#include "monitor/monitor_service.h"
#include "waf/waf.h"
#include "waf/waf_config.h"

namespace sw::cli {
namespace {

const nlohmann::json kDemo = {{"demo", "演示数据"}};

// Appends demo events to the WAF event log (when the log is on).
Status seed_waf_events(Platform& p, std::int64_t site) {
  SW_TRY(options, waf::waf_options_from(p.config.waf, p.config.guard, p.data_dir()));
  if (options.event_log.empty()) return ok();
  std::ofstream out(options.event_log, std::ios::app);
  if (!out) return fail("cli.demo", "cannot write the demo WAF events to " + options.event_log.string());
  struct Demo {
    const char* ip;
    const char* method;
    const char* path;
    bool blocked;
    std::int64_t rule;
    const char* message;
    const char* data;
  };
  const Demo demo[] = {
      {"203.0.113.45", "GET", "/search", true, 942100, "SQL Injection Attack Detected via libinjection",
       "Matched Data: s&sos found within ARGS:q: 1' or '1'='1"},
      {"203.0.113.45", "GET", "/search", true, 942100, "SQL Injection Attack Detected via libinjection",
       "Matched Data: s&1c found within ARGS:q: 1 union select password from users"},
      {"198.51.100.7", "POST", "/forum/post", true, 941100, "XSS Attack Detected via libinjection",
       "Matched Data: XSS data found within ARGS:comment: <script>alert(1)</script>"},
      {"192.0.2.10", "GET", "/../../etc/passwd", false, 930100, "Path Traversal Attack (/../)",
       "Matched Data: /../ found within REQUEST_URI_RAW"},
  };
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(system_clock().now().time_since_epoch()).count();
  int n = 0;
  for (const Demo& d : demo) {
    waf::Event e;
    e.time_ms = now_ms - (static_cast<std::int64_t>(std::size(demo)) - n) * 60'000;
    e.site_id = site;
    e.client_ip = d.ip;
    e.request_id = "demo-" + std::to_string(++n);
    e.method = d.method;
    e.path = d.path;
    e.blocked = d.blocked;
    e.anomaly_score = 5;
    e.rules.push_back({d.rule, 2, d.message, d.data});
    out << waf::to_json_line(e) << "\n";
  }
  out.flush();
  if (!out) return fail("cli.demo", "cannot write the demo WAF events to " + options.event_log.string());
  return ok();
}

Status seed_monitor(Platform& p, std::int64_t province_site, std::int64_t nanjing_site) {
  monitor::MonitorService monitors(*p.db, *p.audit);
  // The province's site: a certificate near its end and a link to a host outside the allowlist.
  nlohmann::json tls = kDemo;
  tls["days_left"] = 12;
  SW_CHECK(monitors.reconcile(province_site, monitor::Probe::tls,
                              {{"tls.expiring", "jsgh.org.cn:443", monitor::Severity::warning, "N7.2", tls}}));
  nlohmann::json link = kDemo;
  link["host"] = "www.example-casino.test";
  SW_CHECK(monitors.reconcile(province_site, monitor::Probe::links,
                              {{"links.disallowed", "https://www.example-casino.test/", monitor::Severity::warning,
                                "N3.6", link}}));
  // An outage of Nanjing's home page: three failed probes open an incident, the next success closes it,
  // and enough successful probes follow that the week stays under the inspection rule's 5% (a real
  // uptime pass on the demo then finds nothing: tests/monitor/monitor_cli_test.sh).
  std::vector<bool> probes{false, false, false};
  probes.resize(probes.size() + 60, true);
  for (bool up : probes) {
    nlohmann::json detail = kDemo;
    detail["status"] = up ? 200 : 502;
    SW_CHECK(monitors.record({nanjing_site, monitor::Probe::uptime, "https://njgh.org.cn/", up, up ? 120 : 3000, detail}));
  }
  // Three link checks with a falling number of dead links on Nanjing's site.
  for (int dead_count : {4, 3, 2}) {
    SW_TRY(run, monitors.begin_run(monitor::Probe::links, "demo-seed"));
    std::vector<monitor::DeadLink> dead;
    for (int i = 0; i < dead_count; ++i) {
      dead.push_back({"https://njgh.org.cn/old/notice-" + std::to_string(i + 1) + ".html",
                      "https://njgh.org.cn/news/index.html", "往期通知（演示数据）" + std::to_string(i + 1), 404,
                      "http_404"});
    }
    SW_CHECK(monitors.record_dead_links(run, nanjing_site, dead));
    SW_CHECK(monitors.finish_run(run, {3, 40, static_cast<std::int64_t>(dead.size())}));
    if (dead_count == 2) {  // the last pass's dead links are Nanjing's open findings (a real pass resolves them)
      std::vector<monitor::Observation> seen;
      for (const auto& d : dead) {
        nlohmann::json evidence = kDemo;
        evidence["page"] = d.page;
        evidence["anchor"] = d.anchor;
        evidence["status"] = d.status;
        seen.push_back({"links.dead", d.url, monitor::Severity::warning, "N3.6", evidence});
      }
      SW_CHECK(monitors.reconcile(nanjing_site, monitor::Probe::links, seen));
    }
  }
  return ok();
}

}  // namespace

Status seed_demo_monitoring(Platform& p, std::int64_t province_site, std::int64_t nanjing_site) {
  SW_CHECK(seed_waf_events(p, nanjing_site));
  return seed_monitor(p, province_site, nanjing_site);
}

}  // namespace sw::cli
