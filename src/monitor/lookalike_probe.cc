// The lookalike probe (lookalike_probe.h).
#include "monitor/lookalike_probe.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>
#include <set>

#include "monitor/dns_resolver.h"
#include "monitor/fetcher.h"
#include "monitor/lookalike_names.h"
#include "monitor/monitor_pass.h"
#include "monitor/page_links.h"

namespace sw::monitor {
namespace {

constexpr std::string_view kClause = "N5.3";
constexpr std::size_t kMaxTextBytes = 256 * 1024;
constexpr std::size_t kShingle = 5;

bool starts_with_ci(std::string_view s, std::size_t at, std::string_view word) {
  if (at + word.size() > s.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[at + i])) != word[i]) return false;
  }
  return true;
}

// The visible text: tags dropped, script/style/noscript contents dropped, whitespace collapsed.
std::string visible_text(std::string_view html) {
  std::string out;
  for (std::size_t i = 0; i < html.size() && out.size() < kMaxTextBytes;) {
    if (html[i] != '<') {
      const char c = html[i++];
      const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
      if (space) {
        if (!out.empty() && out.back() != ' ') out += ' ';
      } else {
        out += c;
      }
      continue;
    }
    for (std::string_view skip : {"script", "style", "noscript"}) {
      if (starts_with_ci(html, i + 1, skip)) {
        const std::string close = "</" + std::string(skip);
        std::size_t end = i + 1;
        while (end < html.size() && !starts_with_ci(html, end, close)) ++end;
        i = end;
        break;
      }
    }
    const auto gt = html.find('>', i);
    i = gt == std::string_view::npos ? html.size() : gt + 1;
    if (!out.empty() && out.back() != ' ') out += ' ';
  }
  return out;
}

// UTF-8 code point starts of s.
std::vector<std::size_t> starts(std::string_view s) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) out.push_back(i);
  }
  return out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && s[b] == ' ') ++b;
  return s.substr(b);
}

nlohmann::json traits_json(const PageTraits& t) {
  return {{"title", t.title}, {"icp", t.icp}, {"sponsor", t.sponsor}};
}

}  // namespace

PageTraits page_traits(std::string_view html) {
  PageTraits t;
  t.title = trimmed(read_page_links(html).title);
  const std::string text = visible_text(html);
  // ICP numbers: "ICP备12345678号", "ICP证010101号", with or without a province's character before.
  static const std::regex icp("ICP\\s*(?:\xE5\xA4\x87|\xE8\xAF\x81)?\\s*(\\d{4,12})");
  std::set<std::string> numbers;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), icp); it != std::sregex_iterator(); ++it) {
    numbers.insert((*it)[1].str());
  }
  t.icp.assign(numbers.begin(), numbers.end());
  // Sponsor: after 主办单位 or 主办 and a colon, up to a space or separator.
  for (std::string_view key : {"\xE4\xB8\xBB\xE5\x8A\x9E\xE5\x8D\x95\xE4\xBD\x8D", "\xE4\xB8\xBB\xE5\x8A\x9E"}) {
    auto at = text.find(key);
    if (at == std::string::npos) continue;
    at += key.size();
    for (std::string_view colon : {"\xEF\xBC\x9A", ":"}) {
      if (text.compare(at, colon.size(), colon) == 0) at += colon.size();
    }
    while (at < text.size() && text[at] == ' ') ++at;
    auto end = text.find_first_of(" |", at);
    t.sponsor = text.substr(at, std::min<std::size_t>(end == std::string::npos ? text.size() - at : end - at, 120));
    break;
  }
  // 5-character shingles of the text without spaces.
  std::string compact;
  for (char c : text) {
    if (c != ' ') compact += c;
  }
  const auto cps = starts(compact);
  std::set<std::uint64_t> hashes;
  for (std::size_t i = 0; i + kShingle <= cps.size(); ++i) {
    const std::size_t end = i + kShingle < cps.size() ? cps[i + kShingle] : compact.size();
    hashes.insert(std::hash<std::string_view>{}(std::string_view(compact).substr(cps[i], end - cps[i])));
  }
  t.shingles.assign(hashes.begin(), hashes.end());
  return t;
}

Likeness compare_pages(const PageTraits& real, const PageTraits& other) {
  Likeness l;
  std::vector<std::uint64_t> both;
  std::ranges::set_intersection(real.shingles, other.shingles, std::back_inserter(both));
  const std::size_t either = real.shingles.size() + other.shingles.size() - both.size();
  l.similarity = either == 0 ? 0.0 : static_cast<double>(both.size()) / static_cast<double>(either);
  l.same_title = !real.title.empty() && real.title == other.title;
  l.same_icp = std::ranges::any_of(real.icp, [&](const std::string& n) { return std::ranges::find(other.icp, n) != other.icp.end(); });
  l.same_sponsor = !real.sponsor.empty() && real.sponsor == other.sponsor;
  return l;
}

Result<std::vector<SiteWork>> probe_lookalike(MonitorService& service, const std::vector<SiteTarget>& sites,
                                              const PassOptions& options, TimePoint now) {
  (void)service;
  (void)now;
  const LookalikeOptions& lo = options.lookalike;
  // Names per site, deduplicated across its domains (and never one of its own domains).
  struct Candidate {
    std::size_t site = 0;
    Lookalike name;
    std::vector<std::string> addresses;
  };
  std::vector<Candidate> candidates;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    std::set<std::string> own;
    for (const std::string& d : sites[i].domains) {
      own.insert(d);
      const auto p = split_domain(d);
      own.insert(p.prefix + p.label + "." + p.suffix);
    }
    std::set<std::string> taken;
    for (const std::string& d : sites[i].domains) {
      for (Lookalike& l : lookalikes(d, lo.max_per_domain)) {
        if (own.contains(l.domain) || !taken.insert(l.domain).second) continue;
        candidates.push_back({i, std::move(l), {}});
      }
    }
  }
  // Resolve them all at once.
  std::vector<DnsQuestion> questions;
  for (const Candidate& c : candidates) questions.push_back({c.name.domain, RrType::a});
  SW_TRY(resolver, DnsResolver::create(options.dns.upstream, options.dns.trust_anchor, options.dns));
  const auto answers = resolver->resolve(questions, options.stop);
  if (options.stop.stop_requested()) return std::vector<SiteWork>(sites.size());
  std::vector<std::size_t> resolving;
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    if (answers[k].status == DnsStatus::answered && !answers[k].records.empty()) {
      candidates[k].addresses = answers[k].records;
      resolving.push_back(k);
    }
  }
  // Fetch the real home pages and the resolving lookalikes (at the address our resolver gave).
  FetchOptions fetch = options.uptime;
  fetch.stop = options.stop;
  fetch.max_body_bytes = std::min<std::size_t>(fetch.max_body_bytes, 1 << 20);
  const int port = lo.scheme == "https" ? 443 : 80;
  for (std::size_t k : resolving) {
    fetch.connect_to.push_back(candidates[k].name.domain + ":" + std::to_string(port) + ":" +
                               candidates[k].addresses.front() + ":" + std::to_string(port));
  }
  std::vector<FetchRequest> requests;
  for (std::size_t i = 0; i < sites.size(); ++i) requests.push_back({sites[i].home_url, Method::get, i});
  for (std::size_t k : resolving) {
    requests.push_back({lo.scheme + "://" + candidates[k].name.domain + "/", Method::get, sites.size() + k});
  }
  std::vector<std::optional<PageTraits>> real(sites.size());
  std::map<std::size_t, FetchResult> fetched;
  if (!requests.empty()) {
    Fetcher fetcher(fetch);
    fetcher.run(std::move(requests), [&](const FetchRequest& req, FetchResult&& r, const Fetcher::Queue&) {
      if (req.tag < sites.size()) {
        if (r.loaded() && r.status < 400) real[req.tag] = page_traits(r.body);
      } else {
        fetched.emplace(req.tag - sites.size(), std::move(r));
      }
    });
  }
  if (options.stop.stop_requested()) return std::vector<SiteWork>(sites.size());

  std::vector<SiteWork> work(sites.size());
  std::vector<std::size_t> generated(sites.size()), registered(sites.size()), counterfeit(sites.size());
  for (const Candidate& c : candidates) ++generated[c.site];
  for (std::size_t k : resolving) {
    const Candidate& c = candidates[k];
    ++registered[c.site];
    nlohmann::json evidence = {{"lookalike", c.name.domain},
                               {"kind", c.name.kind},
                               {"of", sites[c.site].domains},
                               {"addresses", c.addresses}};
    auto it = fetched.find(k);
    bool fake = false;
    if (it != fetched.end() && it->second.loaded()) {
      const PageTraits page = page_traits(it->second.body);
      evidence["status"] = it->second.status;
      evidence["page"] = traits_json(page);
      if (real[c.site]) {
        const Likeness like = compare_pages(*real[c.site], page);
        evidence["similarity"] = std::round(like.similarity * 1000) / 1000;
        evidence["same_title"] = like.same_title;
        evidence["same_icp"] = like.same_icp;
        evidence["same_sponsor"] = like.same_sponsor;
        evidence["site"] = traits_json(*real[c.site]);
        fake = it->second.status < 400 && like.counterfeit(lo.similarity);
      } else {
        evidence["site"] = "home page not loaded: nothing to compare with";
      }
    } else if (it != fetched.end()) {
      evidence["fetch_error"] = it->second.error;
    }
    if (fake) ++counterfeit[c.site];
    work[c.site].seen.push_back({fake ? "lookalike.counterfeit" : "lookalike.registered", c.name.domain,
                                 fake ? Severity::critical : Severity::info, std::string(kClause), std::move(evidence)});
  }
  for (std::size_t i = 0; i < sites.size(); ++i) {
    ProbeResult r;
    r.site_id = sites[i].site_id;
    r.probe = Probe::lookalike;
    r.target = sites[i].domains.empty() ? sites[i].home_url : sites[i].domains.front();
    r.ok = counterfeit[i] == 0;
    r.detail = {{"generated", generated[i]}, {"registered", registered[i]}, {"counterfeit", counterfeit[i]},
                {"home_page_loaded", real[i].has_value()}};
    work[i].results.push_back(std::move(r));
    work[i].headline = std::to_string(generated[i]) + " names, " + std::to_string(registered[i]) + " registered, " +
                       std::to_string(counterfeit[i]) + " counterfeit";
  }
  return work;
}

}  // namespace sw::monitor
