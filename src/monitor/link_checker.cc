// LinkChecker (link_checker.h): one Fetcher run; each finished page queues what it refers to.
#include "monitor/link_checker.h"

#include <algorithm>
#include <deque>
#include <tuple>
#include <set>
#include <unordered_map>

#include "monitor/page_links.h"

namespace sw::monitor {
namespace {

struct Place {
  std::string page;
  std::string anchor;
};

struct TargetState {
  std::string url;
  bool internal = false;
  bool crawl = false;  // GET and read as a page
  int depth = 0;
  bool head_tried = false;
  std::vector<Place> places;
};

struct Crawl {
  const LinkSite& site;
  const LinkCheckOptions& options;
  const LinkCacheLookup& cached;
  LinkReport report;
  std::deque<TargetState> targets;  // a deque: references stay valid while targets are added
  std::unordered_map<std::string, std::size_t> index;
  std::set<std::pair<std::string, std::string>> disallowed_seen;  // (url, page)

  bool internal(const std::string& host) const {
    return std::ranges::find(site.internal_hosts, host) != site.internal_hosts.end();
  }
  bool allowed(const std::string& host) const {
    return internal(host) ||
           std::ranges::any_of(site.allowlist, [&](const std::string& e) { return host_covered(host, e); });
  }

  void judge(const TargetState& t, int status, const std::string& reason) {
    ++report.checked;
    if (reason.empty()) return;
    for (const Place& p : t.places) report.dead.push_back({t.url, p.page, p.anchor, status, reason});
    if (t.places.empty()) report.dead.push_back({t.url, "", "", status, reason});
  }

  void note_disallowed(const std::string& url, const std::string& host, const Place& where) {
    if (disallowed_seen.emplace(url, where.page).second) {
      report.disallowed.push_back({url, host, where.page, where.anchor});
    }
  }

  // A reference found on `page`: record where, and queue the target the first time it is seen.
  void found(const std::string& url, const Place& where, bool page_like, int depth, const Fetcher::Queue& queue) {
    const std::string host = host_of(url);
    if (!allowed(host)) note_disallowed(url, host, where);
    auto [it, is_new] = index.emplace(url, targets.size());
    if (!is_new) {
      auto& places = targets[it->second].places;
      if (places.size() < kMaxPlacesPerUrl) places.push_back(where);
      return;
    }
    if (static_cast<int>(targets.size()) >= options.max_targets) {
      index.erase(it);
      report.capped = true;
      return;
    }
    TargetState t{url, internal(host), false, depth, false, {where}};
    if (!t.internal && cached) {
      if (auto hit = cached(url)) {
        ++report.from_cache;
        targets.push_back(std::move(t));
        judge(targets.back(), hit->status, hit->reason);
        return;
      }
    }
    t.crawl = t.internal && page_like && depth <= options.max_depth;
    if (t.crawl && report.pages + static_cast<std::int64_t>(pending_pages) >= options.max_pages) {
      t.crawl = false;
      report.capped = true;
    }
    if (t.crawl) ++pending_pages;
    t.head_tried = !t.crawl;
    targets.push_back(std::move(t));
    queue({url, targets.back().crawl ? Method::get : Method::head, targets.size() - 1});
  }
  std::size_t pending_pages = 0;

  void read_page(const TargetState& t, const FetchResult& r, const PageLinks& page, const Fetcher::Queue& queue) {
    ++report.pages;
    const std::string base = page.base.empty() ? r.final_url : resolve_url(r.final_url, page.base);
    for (const PageRef& ref : page.refs) {
      const std::string url = resolve_url(base.empty() ? r.final_url : base, ref.ref);
      if (url.empty()) continue;  // mailto:, javascript:, tel:, a bad reference
      const bool page_like = ref.kind == RefKind::anchor || ref.kind == RefKind::frame;
      found(url, {r.final_url, ref.anchor}, page_like, t.depth + 1, queue);
    }
  }

  void done(const FetchRequest& req, FetchResult&& r, const Fetcher::Queue& queue) {
    TargetState& t = targets[req.tag];
    if (t.crawl) --pending_pages;
    const bool failed = !r.loaded() || r.status >= 400;
    if (req.method == Method::head && failed && r.error != "dns" && r.error != "timeout") {
      queue({t.url, Method::get, req.tag});  // servers that refuse HEAD: GET before judging
      return;
    }
    if (r.redirects > 0 && r.loaded()) {
      ++report.redirected;
      const std::string final_host = host_of(r.final_url);
      if (!allowed(final_host)) {
        for (const Place& p : t.places) note_disallowed(r.final_url, final_host, p);
      }
    }
    std::string reason;
    if (!r.loaded()) {
      reason = r.error;
    } else if (r.status >= 400) {
      reason = "http_" + std::to_string(r.status);
    }
    const bool html = r.content_type == "text/html" || r.content_type == "application/xhtml+xml";
    const bool internal_final = internal(host_of(r.final_url));
    if (reason.empty() && t.internal && html && req.method == Method::get && internal_final) {
      const PageLinks page = read_page_links(r.body);
      if (page.not_found_like) {
        reason = "soft_404";
        ++report.soft_404;
      } else if (t.crawl && (r.redirects == 0 || index.emplace(r.final_url, req.tag).second)) {
        read_page(t, r, page, queue);  // a redirect to a page crawled anyway is not read twice
      }
    }
    if (!t.internal) report.fresh.push_back({t.url, {r.status, reason, system_clock().now()}});
    judge(t, r.status, reason);
  }
};

}  // namespace

bool host_covered(const std::string& host, const std::string& entry) {
  if (entry.empty() || host.size() < entry.size()) return false;
  if (host == entry) return true;
  return host.ends_with(entry) && host[host.size() - entry.size() - 1] == '.';
}

std::vector<std::string> LinkReport::dead_urls() const {
  std::set<std::string> urls;
  for (const DeadLink& d : dead) urls.insert(d.url);
  return {urls.begin(), urls.end()};
}

LinkReport check_links(const LinkSite& site, const LinkCheckOptions& options, const LinkCacheLookup& cached) {
  Crawl crawl{site, options, cached, {}, {}, {}, {}};
  Fetcher fetcher(options.fetch);
  const std::string start = resolve_url(site.start_url, site.start_url);
  if (start.empty()) {
    crawl.report.dead.push_back({site.start_url, "", "", 0, "bad_url"});
    return crawl.report;
  }
  crawl.targets.push_back({start, true, true, 0, false, {}});
  crawl.index.emplace(start, 0);
  crawl.pending_pages = 1;
  fetcher.run({{start, Method::get, 0}},
              [&](const FetchRequest& req, FetchResult&& r, const Fetcher::Queue& q) { crawl.done(req, std::move(r), q); });
  crawl.report.requests = fetcher.attempts();
  std::ranges::sort(crawl.report.dead, [](const DeadLink& a, const DeadLink& b) {
    return std::tie(a.url, a.page) < std::tie(b.url, b.page);
  });
  return crawl.report;
}

}  // namespace sw::monitor
