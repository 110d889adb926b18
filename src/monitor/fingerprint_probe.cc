// The fingerprint probe (fingerprint_probe.h): one Fetcher for every site of the pass; each site's home
// page queues its sample of internal pages; every page is judged when it arrives (on run()'s thread).
#include "monitor/fingerprint_probe.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "base/crypto.h"
#include "monitor/fetcher.h"
#include "monitor/monitor_pass.h"

namespace sw::monitor {
namespace {

constexpr std::size_t kSketch = 128;

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::vector<std::uint64_t> sketch_of(const nlohmann::json& fp) {
  std::vector<std::uint64_t> out;
  if (!fp.is_object() || !fp.contains("shingles") || !fp["shingles"].is_array()) return out;
  for (const auto& h : fp["shingles"]) {
    if (h.is_string()) out.push_back(std::stoull(h.get<std::string>(), nullptr, 16));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::set<std::string> strings_of(const nlohmann::json& fp, const char* key) {
  std::set<std::string> out;
  if (fp.is_object() && fp.contains(key) && fp[key].is_array()) {
    for (const auto& s : fp[key]) {
      if (s.is_string()) out.insert(s.get<std::string>());
    }
  }
  return out;
}

std::string hex_of(std::uint64_t v) {
  std::ostringstream o;
  o << std::hex << v;
  return o.str();
}

bool looks_like_page(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  std::transform(path.begin(), path.end(), path.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const char* ext : {".pdf", ".jpg", ".jpeg", ".png", ".gif", ".zip", ".rar", ".doc", ".docx", ".xls", ".xlsx",
                          ".ppt", ".pptx", ".mp4", ".mp3", ".css", ".js", ".ico", ".svg", ".webp", ".7z", ".txt"}) {
    if (path.ends_with(ext)) return false;
  }
  return true;
}

std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty() && out.size() < 100'000) {
    const std::size_t nl = s.find('\n');
    std::string line(s.substr(0, nl));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (!line.empty()) out.push_back(std::move(line));
    if (nl == std::string_view::npos) break;
    s.remove_prefix(nl + 1);
  }
  return out;
}

std::string cut(std::string s, std::size_t limit) {
  if (s.size() <= limit) return s;
  std::size_t at = limit;
  while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
  s.resize(at);
  return s + "…";
}

// A short account of how `got` differs from `expected`: where they first differ, lines added and
// removed, and the first few added lines.
nlohmann::json diff_summary(std::string_view expected, std::string_view got) {
  std::size_t first = 0;
  while (first < expected.size() && first < got.size() && expected[first] == got[first]) ++first;
  const auto a = split_lines(expected);
  const auto b = split_lines(got);
  const std::multiset<std::string> in_a(a.begin(), a.end());
  const std::multiset<std::string> in_b(b.begin(), b.end());
  nlohmann::json added = nlohmann::json::array();
  std::size_t n_added = 0, n_removed = 0;
  for (const auto& line : b) {
    if (in_a.count(line) == 0) {
      ++n_added;
      if (added.size() < 3) added.push_back(cut(line, 160));
    }
  }
  for (const auto& line : a) n_removed += in_b.count(line) == 0 ? 1 : 0;
  return {{"first_difference_at", first}, {"lines_added", n_added}, {"lines_removed", n_removed}, {"added", added}};
}

struct SiteState {
  const SiteTarget* site = nullptr;
  std::vector<std::string> allowlist;
  std::optional<LiveRelease> live;
  PageFingerprints fingerprints;  // this pass, by URL
  int queued = 0;
  bool home_loaded = false;
  std::string home_error;
  int pages = 0, compared = 0, defaced = 0;
  std::vector<Observation> seen;
  std::set<std::string> subjects;  // kind + subject already observed
  void observe(Observation o) {
    if (subjects.insert(o.kind + " " + o.subject).second) seen.push_back(std::move(o));
  }
};

void judge_page(SiteState& s, const std::string& url, const FetchResult& r, bool hosted) {
  ++s.pages;
  if (hosted && s.live && r.status == 200 && !r.truncated) {
    const std::string path = manifest_path_of(url);
    auto it = s.live->pages.find(path);
    if (it != s.live->pages.end()) {
      ++s.compared;
      const std::string alg = it->second.digest.substr(0, it->second.digest.find(':'));
      auto got = crypto::hash_with(alg, r.body);
      if (got && got->to_string() != it->second.digest) {
        ++s.defaced;
        nlohmann::json evidence = {{"path", path},
                                   {"release", s.live->release_id},
                                   {"expected", it->second.digest},
                                   {"got", got->to_string()},
                                   {"expected_size", it->second.size},
                                   {"got_size", r.body.size()}};
        if (s.live->bytes && it->second.size <= (2u << 20)) {
          if (auto approved = s.live->bytes(it->second.digest)) evidence["diff"] = diff_summary(*approved, r.body);
        }
        s.observe({"fingerprint.defaced", url, Severity::critical, "N7.1", std::move(evidence)});
      }
    }
  }
  if (!r.content_type.empty() && r.content_type != "text/html" && r.content_type != "application/xhtml+xml") return;
  PageContext ctx{url, s.site->domains, s.allowlist};
  const PageReport page = inspect_page(r.body, ctx);
  for (const HiddenLink& h : page.hidden_links) {
    s.observe({"fingerprint.hidden_link", h.url, Severity::critical, "N5.3",
               {{"page", url}, {"host", h.host}, {"anchor", h.anchor}, {"reason", h.reason}, {"term", h.term}}});
  }
  for (const InjectedCode& c : page.injected) {
    s.observe({"fingerprint.injected_script", c.url, Severity::critical, "N5.3",
               {{"page", url}, {"kind", c.kind}, {"host", c.host}, {"snippet", c.snippet}}});
  }
  if (!page.bad_terms.empty()) {
    nlohmann::json terms = nlohmann::json::array();
    for (const BadTerm& t : page.bad_terms) {
      if (terms.size() < 10) terms.push_back({{"term", t.term}, {"category", t.category}, {"context", t.context}});
    }
    s.observe({"fingerprint.bad_terms", url, Severity::critical, "N3.4",
               {{"page", url}, {"term", page.bad_terms.front().term}, {"terms", terms}}});
  }
  if (!hosted) s.fingerprints[url] = page_fingerprint(page);
}

}  // namespace

nlohmann::json page_fingerprint(const PageReport& page) {
  // Code points of the text without whitespace.
  std::vector<std::string_view> cps;
  const std::string& t = page.text;
  for (std::size_t i = 0; i < t.size();) {
    const auto lead = static_cast<unsigned char>(t[i]);
    std::size_t n = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    n = std::min(n, t.size() - i);
    if (!(n == 1 && std::isspace(lead))) cps.push_back(std::string_view(t).substr(i, n));
    i += n;
  }
  std::set<std::uint64_t> hashes;
  for (std::size_t i = 0; i + 4 <= cps.size(); ++i) {
    const std::string_view first = cps[i];
    const std::string_view last = cps[i + 3];
    const std::uint64_t h = fnv1a(std::string_view(first.data(), static_cast<std::size_t>(last.data() + last.size() - first.data())));
    if (hashes.size() < kSketch || h < *hashes.rbegin()) {
      hashes.insert(h);
      if (hashes.size() > kSketch) hashes.erase(std::prev(hashes.end()));
    }
  }
  if (hashes.empty() && !cps.empty()) hashes.insert(fnv1a(t));
  nlohmann::json shingles = nlohmann::json::array();
  for (std::uint64_t h : hashes) shingles.push_back(hex_of(h));
  return {{"shingles", shingles}, {"link_hosts", page.link_hosts}, {"code_sources", page.code_sources},
          {"text_bytes", page.text.size()}};
}

double text_similarity(const nlohmann::json& a, const nlohmann::json& b) {
  const auto x = sketch_of(a);
  const auto y = sketch_of(b);
  if (x.empty() && y.empty()) return 1.0;
  if (x.empty() || y.empty()) return 0.0;
  // Bottom-k of the union; the share of it in both.
  std::vector<std::uint64_t> u;
  std::set_union(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(u));
  u.resize(std::min(u.size(), kSketch));
  std::size_t both = 0;
  for (std::uint64_t h : u) both += std::binary_search(x.begin(), x.end(), h) && std::binary_search(y.begin(), y.end(), h);
  return static_cast<double>(both) / static_cast<double>(u.size());
}

std::string manifest_path_of(const std::string& url) {
  std::size_t start = url.find("://");
  start = start == std::string::npos ? 0 : url.find('/', start + 3);
  if (start == std::string::npos) return "/index.html";
  std::string raw = url.substr(start, url.find_first_of("?#", start) - start);
  std::string path;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '%' && i + 2 < raw.size() && std::isxdigit(static_cast<unsigned char>(raw[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(raw[i + 2]))) {
      path.push_back(static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      path.push_back(raw[i]);
    }
  }
  if (path.empty() || path.back() == '/') path += "index.html";
  return path;
}

Result<std::vector<SiteWork>> probe_fingerprint(MonitorService& service, const std::vector<SiteTarget>& sites,
                                                const PassOptions& options, TimePoint) {
  const FingerprintOptions& fo = options.fingerprint;
  std::vector<SiteState> state(sites.size());
  std::vector<FetchRequest> requests;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    state[i].site = &sites[i];
    SW_TRY(allow, service.link_allowlist(sites[i].site_id));
    state[i].allowlist = std::move(allow);
    if (sites[i].hosted && fo.live_release) {
      SW_TRY(live, fo.live_release(sites[i].site_id));
      state[i].live = std::move(live);
    }
    requests.push_back({sites[i].home_url, Method::get, i});
  }
  FetchOptions fetch = options.links.fetch;
  fetch.stop = options.stop;
  Fetcher fetcher(fetch);
  std::vector<std::set<std::string>> queued_urls(sites.size());
  std::map<std::uint64_t, std::pair<std::size_t, std::string>> pages;  // tag → (site, URL)
  std::uint64_t next_tag = sites.size();
  const int max_pages = std::max(1, fo.max_pages);
  fetcher.run(std::move(requests), [&](const FetchRequest& req, FetchResult&& r, const Fetcher::Queue& queue) {
    const bool home = req.tag < sites.size();
    const std::size_t i = home ? req.tag : pages[req.tag].first;
    SiteState& s = state[i];
    if (home) {
      s.home_loaded = r.loaded() && r.status < 400;
      s.home_error = r.loaded() ? "HTTP " + std::to_string(r.status) : r.error;
      if (!s.home_loaded) return;
      // The sample: internal links of the home page, in page order.
      PageContext ctx{r.final_url.empty() ? req.url : r.final_url, s.site->domains, s.allowlist};
      const PageReport page = inspect_page(r.body, ctx);
      queued_urls[i].insert(req.url);
      for (const std::string& url : page.internal_links) {
        if (s.queued + 1 >= max_pages) break;
        if (!looks_like_page(url) || !queued_urls[i].insert(url).second) continue;
        pages[next_tag] = {i, url};
        queue({url, Method::get, next_tag++});
        ++s.queued;
      }
    } else if (!r.loaded() || r.status >= 400) {
      return;  // a dead link is the link check's business
    }
    judge_page(s, req.url, r, s.site->hosted);
  });
  std::vector<SiteWork> work(sites.size());
  if (options.stop.stop_requested()) return work;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    SiteState& s = state[i];
    const SiteTarget& site = sites[i];
    SiteWork& w = work[i];
    nlohmann::json detail = {{"pages", s.pages}, {"hosted", site.hosted}};
    std::string compared_with;
    if (!s.home_loaded) {
      w.results.push_back({site.site_id, Probe::fingerprint, site.home_url, false, 0,
                           {{"error", s.home_error}, {"hosted", site.hosted}}});
      w.headline = "home page not loaded: " + s.home_error;
      continue;
    }
    if (site.hosted) {
      detail["compared"] = s.compared;
      detail["defaced"] = s.defaced;
      if (s.live) {
        detail["release"] = s.live->release_id;
        compared_with = std::to_string(s.compared) + " compared with release " + std::to_string(s.live->release_id) +
                        ", " + std::to_string(s.defaced) + " defaced";
      } else {
        compared_with = fo.live_release ? "no live release" : "not compared with a release";
      }
    } else if (fo.store) {
      SW_TRY(accepted, fo.store->accepted(site.site_id));
      SW_CHECK(fo.store->save_latest(site.site_id, s.fingerprints));
      if (accepted.empty()) {
        SW_TRY(recorded, fo.store->record_first(site.site_id, s.fingerprints));
        compared_with = recorded ? "fingerprint recorded" : "nothing to fingerprint";
      } else {
        int changed = 0, compared = 0;
        for (const auto& [url, now_fp] : s.fingerprints) {
          auto it = accepted.find(url);
          if (it == accepted.end()) continue;
          ++compared;
          const double similarity = text_similarity(it->second, now_fp);
          const auto old_hosts = strings_of(it->second, "link_hosts");
          const auto old_code = strings_of(it->second, "code_sources");
          nlohmann::json new_hosts = nlohmann::json::array(), new_code = nlohmann::json::array();
          for (const auto& h : strings_of(now_fp, "link_hosts")) {
            if (!old_hosts.contains(h)) new_hosts.push_back(h);
          }
          for (const auto& c : strings_of(now_fp, "code_sources")) {
            if (!old_code.contains(c)) new_code.push_back(c);
          }
          const int drift = static_cast<int>((1.0 - similarity) * 100 + 0.5);
          if (drift > fo.drift_percent || !new_hosts.empty() || !new_code.empty()) {
            ++changed;
            s.observe({"fingerprint.changed", url, Severity::warning, "N5.3",
                       {{"text_changed_percent", drift},
                        {"threshold_percent", fo.drift_percent},
                        {"new_link_hosts", new_hosts},
                        {"new_code_sources", new_code},
                        {"accept", "sitewarden monitor fingerprint accept --site " + std::to_string(site.site_id)}}});
          }
        }
        detail["compared"] = compared;
        detail["changed"] = changed;
        compared_with = std::to_string(changed) + " of " + std::to_string(compared) + " changed since accepted";
      }
    } else {
      compared_with = "no fingerprint store";
    }
    int critical = 0;
    for (const Observation& o : s.seen) critical += o.severity == Severity::critical ? 1 : 0;
    detail["critical"] = critical;
    w.results.push_back({site.site_id, Probe::fingerprint, site.home_url, critical == 0, 0, detail});
    w.headline = std::to_string(s.pages) + " pages, " + compared_with +
                 (critical > 0 ? ", " + std::to_string(critical) + " critical" : "");
    w.seen = std::move(s.seen);
  }
  return work;
}

}  // namespace sw::monitor
