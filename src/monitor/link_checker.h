// LinkChecker: crawls one site and checks every link, image, stylesheet, script and frame on its
// pages (issue 7, N3.6: links stay valid and suitable).
//
// Contract:
//  - Crawl: from start_url, GET each internal page (host among internal_hosts) that is HTML, up to
//    max_depth links away and max_pages pages; everything else a page refers to is checked once per
//    distinct URL (fragment removed): HEAD first, GET when HEAD fails or answers >= 400 (servers that
//    refuse HEAD). Redirects are followed (bounded by the fetcher); more than that is "redirect_loop".
//  - Dead: no response (timeout, connect, dns, tls, redirect_loop...), a status >= 400 ("http_<n>"),
//    or an internal HTML page answered 200 whose title or first heading says "not found" in English
//    or Chinese ("soft_404"). Each dead target is reported once per page that links to it, with the
//    anchor text (or image alt) found there (at most kMaxPlacesPerUrl pages per target).
//  - Suitability: an external target (or where a link redirects to) whose host is neither internal
//    nor on the allowlist (an entry covers its subdomains) is reported as disallowed.
//  - Cache: external targets for which `cached` answers are not fetched again (the day cache);
//    report.fresh lists what this pass fetched, for the caller to store.
//  - Bounded: every fetch ends by its timeout; bodies are cut at max_body_bytes; at most max_targets
//    distinct URLs are checked (report.capped says when a bound stopped the crawl).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "monitor/fetcher.h"
#include "monitor/monitor_service.h"

namespace sw::monitor {

inline constexpr std::size_t kMaxPlacesPerUrl = 20;

struct LinkCheckOptions {
  FetchOptions fetch;
  int max_depth = 10;
  int max_pages = 5'000;
  int max_targets = 50'000;
};

struct LinkSite {
  std::int64_t site_id = 0;
  std::string start_url;
  std::vector<std::string> internal_hosts;  // lowercase
  std::vector<std::string> allowlist;       // lowercase hosts; each covers its subdomains
};

// A reference to a disallowed external host, where it was found.
struct DisallowedLink {
  std::string url;
  std::string host;
  std::string page;
  std::string anchor;
};

struct LinkReport {
  std::int64_t pages = 0;       // internal HTML pages crawled
  std::int64_t checked = 0;     // distinct targets judged (fetched or from the cache)
  std::int64_t from_cache = 0;
  std::int64_t requests = 0;    // HTTP requests made (HEAD, GET, retries)
  std::int64_t redirected = 0;  // targets that answered through at least one redirect
  std::int64_t soft_404 = 0;
  bool capped = false;
  std::vector<DeadLink> dead;   // by url, then page
  std::vector<DisallowedLink> disallowed;
  std::vector<std::pair<std::string, CachedLink>> fresh;  // external targets fetched in this pass

  // Distinct dead URLs, sorted.
  std::vector<std::string> dead_urls() const;
};

using LinkCacheLookup = std::function<std::optional<CachedLink>(const std::string& url)>;

LinkReport check_links(const LinkSite& site, const LinkCheckOptions& options, const LinkCacheLookup& cached = {});

// True when `host` is `entry` or a subdomain of it.
bool host_covered(const std::string& host, const std::string& entry);

}  // namespace sw::monitor
