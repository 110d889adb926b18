// DNS probes per second across N sites (issue 7 "Benchmarks"; docs/benchmarks.md "Monitor: DNS probe"):
// nsd serving N signed names (s1..sN.example.swtest) and unbound validating from the test anchor on
// loopback (tests/monitor/dns_lab.h), the DNS probe's pass over N sites of one domain each through
// run_pass into an in-memory database: the first pass (baselines recorded) and a second (compared).
// Each domain is 7 validated questions (A, AAAA, CNAME, NS, DS, MX, CAA). Prints JSON.
//
//   dns_bench [sites=500] [in_flight=64]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "identity/fixture.h"  // FakeAuditLog
#include "monitor/dns_lab.h"
#include "monitor/loopback.h"
#include "monitor/monitor_pass.h"

using namespace sw;
using namespace sw::monitor;
namespace mt = sw::monitor::testing;

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 500;
  const int in_flight = argc > 2 ? std::atoi(argv[2]) : 64;
  const auto dir = mt::temp_dir("sw-dns-bench");
  mt::DnsLab lab(dir / "lab");
  mt::ChildZone zone;
  for (int i = 1; i <= n; ++i) zone.extra.push_back("s" + std::to_string(i) + ".example.swtest. IN A 10.1." +
                                                    std::to_string(i / 250) + "." + std::to_string(i % 250 + 1));
  lab.serve(zone);

  auto db = store::Database::open_memory();
  if (!db) {
    std::cerr << db.error().to_string() << "\n";
    return 2;
  }
  (void)(*db)->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, 'bench', 'province')");
  const std::int64_t org = (*db)->last_insert_id();
  std::vector<SiteTarget> sites;
  for (int i = 1; i <= n; ++i) {
    (void)(*db)->exec("INSERT INTO sites (org_id, name) VALUES (?1, ?2)", {org, "site " + std::to_string(i)});
    const std::string d = "s" + std::to_string(i) + ".example.swtest";
    sites.push_back({(*db)->last_insert_id(), org, "site " + std::to_string(i), false, {d}, "http://" + d + "/"});
  }
  sw::identity::testing::FakeAuditLog audit;
  MonitorService service(**db, audit);
  PassOptions options;
  options.dns.upstream = lab.resolver();
  options.dns.trust_anchor = lab.anchor().string();
  options.dns.in_flight = in_flight;
  options.dns.timeout = std::chrono::milliseconds(5000);

  double seconds[2] = {0, 0};
  std::int64_t failures[2] = {0, 0};
  std::int64_t findings[2] = {0, 0};
  for (int pass = 0; pass < 2; ++pass) {
    const auto t0 = std::chrono::steady_clock::now();
    auto s = run_pass(service, Probe::dns, sites, options, "bench");
    seconds[pass] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!s) {
      std::cerr << s.error().to_string() << "\n";
      return 2;
    }
    failures[pass] = s->counts.failures;
    findings[pass] = s->findings;
  }
  lab.stop();
  std::filesystem::remove_all(dir);
  std::printf(
      "{\"sites\": %d, \"in_flight\": %d, \"questions_per_site\": 7,\n"
      " \"first_pass_s\": %.3f, \"first_pass_sites_per_s\": %.1f, \"first_pass_failures\": %lld,\n"
      " \"second_pass_s\": %.3f, \"second_pass_sites_per_s\": %.1f, \"second_pass_questions_per_s\": %.1f,"
      " \"second_pass_failures\": %lld, \"second_pass_findings\": %lld}\n",
      n, in_flight, seconds[0], n / seconds[0], static_cast<long long>(failures[0]), seconds[1], n / seconds[1],
      7.0 * n / seconds[1], static_cast<long long>(failures[1]), static_cast<long long>(findings[1]));
  (void)findings[0];
  return failures[1] == 0 && findings[1] == 0 ? 0 : 1;
}
