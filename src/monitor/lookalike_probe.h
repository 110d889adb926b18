// The lookalike probe (issue 7, N5.3; docs/modules/monitor.md "Counterfeit domains"): the lookalike
// names of each site's domains (lookalike_names.h, at most max_per_domain each) are resolved (the DNS
// probe's resolver, dns_resolver.h); those that resolve are fetched at the address resolved (the
// fetcher's connect_to, after the operator's own entries) and compared with the site's real home page.
//
// Findings (clause N5.3), subject the lookalike name:
//  - lookalike.counterfeit (critical): the page passes for the site — its text is similar (shingled
//    Jaccard of 5-character shingles >= similarity), or it shows the site's ICP number, or it has the
//    site's title and at least half the similarity. Evidence: address, title, ICP numbers, sponsor,
//    similarity, the kind of lookalike.
//  - lookalike.registered (info): the name resolves but its page (if any) is not like the site.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "monitor/probe_body.h"

namespace sw::monitor {

struct LookalikeOptions {
  std::size_t max_per_domain = 200;  // names generated (and resolved) per domain
  double similarity = 0.6;           // shingled Jaccard at or above which a page is a counterfeit
  std::string scheme = "http";       // how a lookalike's page is fetched
};

Result<std::vector<SiteWork>> probe_lookalike(MonitorService& service, const std::vector<SiteTarget>& sites,
                                              const PassOptions& options, TimePoint now);

// What a page is compared by (exposed for tests): its title, the ICP record numbers in its text
// (e.g. "苏ICP备12345678号" gives "12345678"), the sponsor (text after 主办单位/主办), and the hashed
// 5-character shingles of its visible text (sorted, unique).
struct PageTraits {
  std::string title;
  std::vector<std::string> icp;
  std::string sponsor;
  std::vector<std::uint64_t> shingles;
};
PageTraits page_traits(std::string_view html);

struct Likeness {
  double similarity = 0;  // Jaccard of the shingle sets
  bool same_title = false;
  bool same_icp = false;
  bool same_sponsor = false;
  bool counterfeit(double threshold) const {
    return similarity >= threshold || same_icp || (same_title && similarity >= threshold / 2);
  }
};
Likeness compare_pages(const PageTraits& real, const PageTraits& other);

}  // namespace sw::monitor
