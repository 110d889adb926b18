// monitor_seed: registers N external sites (s001.bench.org.cn ...) under the root organisation of a
// node, through the registry's API, for bench/monitor_bench.sh (issue 7 "Benchmarks": probes per
// second and memory for 500 sites).
//
//   monitor_seed CONFIG N
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/platform.h"
#include "monitor/site_targets.h"

int main(int argc, char** argv) {
  using namespace sw;
  if (argc != 3) {
    std::cerr << "usage: monitor_seed CONFIG N\n";
    return 2;
  }
  const int n = std::stoi(argv[2]);
  auto pf = cli::open_platform(argv[1]);
  if (!pf) {
    std::cerr << "monitor_seed: " << pf.error().to_string() << "\n";
    return 1;
  }
  cli::Platform& p = **pf;
  auto roots = monitor::root_organisations(*p.identity);
  if (!roots || roots->empty()) {
    std::cerr << "monitor_seed: no root organisation\n";
    return 1;
  }
  const identity::Actor actor{identity::Principal::system(cli::os_user()), "local", "bench"};
  for (int i = 1; i <= n; ++i) {
    char domain[64];
    std::snprintf(domain, sizeof domain, "s%03d.bench.org.cn", i);
    registry::SiteFields f;
    f.name = "测试工会网" + std::to_string(i);
    f.sponsor = "测试工会";
    f.address = "南京市";
    f.postcode = "210000";
    f.phone = "025-12345678";
    f.hotline_12351 = "12351";
    f.hosting = registry::Hosting::external;
    f.external_host = "127.0.0.1";
    f.domains = {domain};
    auto site = p.registry->apply_for_site(actor, roots->front(), f);
    if (!site) {
      std::cerr << "monitor_seed: site " << domain << ": " << site.error().to_string() << "\n";
      return 1;
    }
  }
  std::cout << n << " sites registered\n";
  return 0;
}
