// FreshnessProbe (freshness_probe.h).
#include "monitor/freshness_probe.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "monitor/monitor_pass.h"
#include "monitor/page_links.h"

namespace sw::monitor {
namespace {

using namespace std::chrono;
constexpr auto kChinaOffset = hours(8);  // dates on the pages are Beijing time (UTC+8)
constexpr std::size_t kMaxDates = 10'000;

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool holds_word(std::string_view name, const std::vector<std::string>& words) {
  const std::string lname = lower_ascii(name);
  return std::ranges::any_of(words, [&](const std::string& w) { return !w.empty() && lname.find(lower_ascii(w)) != std::string::npos; });
}

// The page's text: tags dropped, <script> and <style> contents dropped, each tag a space.
std::string page_text(std::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  std::size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<') {
      out.push_back(html[i++]);
      continue;
    }
    const std::size_t end = html.find('>', i);
    if (end == std::string_view::npos) break;
    std::string tag = lower_ascii(html.substr(i + 1, std::min<std::size_t>(end - i - 1, 7)));
    i = end + 1;
    out.push_back(' ');
    for (const char* skip : {"script", "style"}) {
      if (tag.starts_with(skip)) {
        const std::string close = std::string("</") + skip;
        std::size_t at = i;
        for (;;) {
          at = html.find("</", at);
          if (at == std::string_view::npos || lower_ascii(html.substr(at, close.size())) == close) break;
          at += 2;
        }
        i = at == std::string_view::npos ? html.size() : at;
      }
    }
  }
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A run of 1..4 digits at i: its value and length (0 when none or longer than 4).
std::pair<int, std::size_t> number_at(std::string_view t, std::size_t i) {
  std::size_t n = 0;
  int v = 0;
  while (i + n < t.size() && is_digit(t[i + n])) {
    if (++n > 4) return {0, 0};
    v = v * 10 + (t[i + n - 1] - '0');
  }
  return {v, n};
}

// A separator between date parts at i: its length (0 when none). Chinese 年 / 月 are 3 bytes.
std::size_t separator_at(std::string_view t, std::size_t i, bool after_year) {
  if (i >= t.size()) return 0;
  if (t[i] == '-' || t[i] == '/' || t[i] == '.') return 1;
  if (t.substr(i).starts_with(after_year ? "年" : "月")) return 3;
  return 0;
}

bool near(std::string_view t, std::size_t from, std::size_t to, std::string_view word) {
  return t.substr(from, to - from).find(word) != std::string_view::npos;
}

std::optional<TimePoint> day_start(int y, int m, int d) {
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return TimePoint(sys_days(ymd)) - kChinaOffset;
}

}  // namespace

std::string_view to_string(ColumnType t) {
  switch (t) {
    case ColumnType::news:
      return "news";
    case ColumnType::notices:
      return "notices";
    case ColumnType::other:
      return "other";
  }
  return "other";
}

ColumnType FreshnessRules::type_of(std::string_view column_name) const {
  if (holds_word(column_name, notices_words)) return ColumnType::notices;
  if (holds_word(column_name, news_words)) return ColumnType::news;
  return ColumnType::other;
}

int FreshnessRules::deadline_days(ColumnType t) const {
  switch (t) {
    case ColumnType::news:
      return news_days;
    case ColumnType::notices:
      return notices_days;
    case ColumnType::other:
      return other_days;
  }
  return 0;
}

std::vector<TimePoint> page_dates(std::string_view html, TimePoint now) {
  const std::string text = page_text(html);
  const std::string_view t = text;
  const TimePoint latest = now + hours(24);  // a date later than tomorrow is not an item's
  const auto today = year_month_day{floor<days>(now + kChinaOffset)};
  const int this_year = static_cast<int>(today.year());
  std::vector<TimePoint> dates;
  std::size_t i = 0;
  while (i < t.size() && dates.size() < kMaxDates) {
    if (!is_digit(t[i]) || (i > 0 && is_digit(t[i - 1]))) {
      ++i;
      continue;
    }
    const auto [a, alen] = number_at(t, i);
    if (alen == 0) {
      while (i < t.size() && is_digit(t[i])) ++i;
      continue;
    }
    int y = 0, m = 0, d = 0;
    std::size_t end = i + alen;
    bool found = false;
    if (alen == 4) {  // YYYY sep M sep D
      const std::size_t s1 = separator_at(t, end, true);
      const auto [mm, mlen] = s1 ? number_at(t, end + s1) : std::pair<int, std::size_t>{0, 0};
      if (s1 && mlen >= 1 && mlen <= 2) {
        const std::size_t s2 = separator_at(t, end + s1 + mlen, false);
        const auto [dd, dlen] = s2 ? number_at(t, end + s1 + mlen + s2) : std::pair<int, std::size_t>{0, 0};
        if (s2 && dlen >= 1 && dlen <= 2) {
          y = a, m = mm, d = dd;
          end += s1 + mlen + s2 + dlen;
          found = true;
        }
      }
    } else if (alen <= 2 && (i == 0 || (t[i - 1] != '-' && t[i - 1] != '/' && t[i - 1] != '.'))) {
      // M-D or M月D日 in a list (not the tail of a longer number), the year that is not in the future
      const bool dash = end < t.size() && t[end] == '-';
      const std::size_t s1 = dash ? 1 : (t.substr(end).starts_with("月") ? 3 : 0);
      const auto [dd, dlen] = s1 ? number_at(t, end + s1) : std::pair<int, std::size_t>{0, 0};
      const bool ends_clean = end + s1 + dlen >= t.size() ||
                              (!is_digit(t[end + s1 + dlen]) && t[end + s1 + dlen] != '-' && t[end + s1 + dlen] != ':');
      const bool chinese_day = !dash && t.substr(end + s1 + dlen).starts_with("日");
      if (s1 && dlen >= 1 && dlen <= 2 && ends_clean && (dash || chinese_day)) {
        y = this_year, m = a, d = dd;
        end += s1 + dlen;
        found = true;
        auto at = day_start(y, m, d);
        if (at && *at > latest) y = this_year - 1;
      }
    }
    if (!found) {
      i = end;
      continue;
    }
    if (t.substr(end).starts_with("日")) end += 3;
    // A header clock ("今天是2026年11月26日 星期四") is not an item.
    const std::size_t before = i >= 24 ? i - 24 : 0;
    const bool clock = near(t, before, i, "今天") || near(t, before, i, "今日") || near(t, before, i, "当前日期") ||
                       near(t, end, std::min(t.size(), end + 12), "星期");
    auto at = day_start(y, m, d);
    if (!clock && at && y >= 1990 && *at <= latest) dates.push_back(*at);
    i = end;
  }
  return dates;
}

std::optional<TimePoint> newest_page_date(std::string_view html, TimePoint now) {
  const auto dates = page_dates(html, now);
  if (dates.empty()) return std::nullopt;
  return *std::ranges::max_element(dates);
}

std::vector<Observation> freshness_observations(const SiteActivity& activity, const FreshnessRules& rules,
                                                const std::string& home_subject, TimePoint now) {
  std::vector<Observation> seen;
  if (!activity.error.empty()) return seen;
  auto judge = [&](const std::optional<TimePoint>& newest, int deadline) -> std::optional<std::pair<Severity, nlohmann::json>> {
    if (deadline <= 0 || !newest) return std::nullopt;
    const auto age = now - *newest;
    const auto limit = days(deadline);
    const auto warn_from = days(std::max(0, deadline - rules.warn_days));
    nlohmann::json evidence = {{"newest", format_rfc3339(*newest)},
                               {"age_days", duration_cast<hours>(age).count() / 24},
                               {"deadline_days", deadline},
                               {"source", activity.source}};
    if (age >= limit) return std::pair{Severity::critical, evidence};
    if (rules.warn_days > 0 && age >= warn_from) return std::pair{Severity::warning, evidence};
    return std::nullopt;
  };
  if (!activity.newest) {
    seen.push_back({"freshness.stale_home", home_subject, Severity::critical, "N8.3",
                    {{"newest", nullptr}, {"deadline_days", rules.home_days}, {"source", activity.source},
                     {"note", "no dated item found"}}});
  } else if (auto j = judge(activity.newest, rules.home_days)) {
    seen.push_back({"freshness.stale_home", home_subject, j->first, "N8.3", j->second});
  }
  for (const ColumnActivity& c : activity.columns) {
    const ColumnType type = rules.type_of(c.name);
    if (!c.newest) {
      nlohmann::json evidence = {{"column", c.name}, {"type", to_string(type)}, {"source", activity.source}};
      if (!c.note.empty()) evidence["note"] = c.note;
      seen.push_back({"freshness.empty_column", c.subject, Severity::critical, "N8.3", evidence});
      continue;
    }
    if (auto j = judge(c.newest, rules.deadline_days(type))) {
      j->second["column"] = c.name;
      j->second["type"] = to_string(type);
      seen.push_back({"freshness.stale_column", c.subject, j->first, "N8.3", j->second});
    }
  }
  return seen;
}

std::vector<SiteActivity> crawl_activities(const std::vector<const SiteTarget*>& sites, const FreshnessRules& rules,
                                           const FetchOptions& fetch, TimePoint now) {
  // One Fetcher for every site (as uptime and fingerprint): all home pages go out at once, each
  // site's column pages as soon as its home page is read; the per-host cap and politeness still hold
  // per host. Tags: site i's home page is i; its column k (0-based) is stride * (k + 1) + i, with
  // stride the number of sites.
  if (sites.empty()) return {};
  const std::uint64_t stride = sites.size();
  std::vector<SiteActivity> activity(sites.size());
  std::vector<std::set<std::string>> queued(sites.size());
  std::vector<FetchRequest> homes;
  for (std::size_t i = 0; i < sites.size(); ++i) {
    activity[i].source = "crawl";
    homes.push_back({sites[i]->home_url, Method::get, i});
  }
  Fetcher fetcher(fetch);
  fetcher.run(std::move(homes), [&](const FetchRequest& req, FetchResult&& r, const Fetcher::Queue& queue) {
    const std::size_t i = static_cast<std::size_t>(req.tag % stride);
    const std::uint64_t slot = req.tag / stride;  // 0: the home page; k + 1: column k
    SiteActivity& a = activity[i];
    const SiteTarget& site = *sites[i];
    if (slot == 0) {
      if (!r.loaded() || r.status >= 400) {
        a.error = r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error;
        return;
      }
      a.newest = newest_page_date(r.body, now);
      const PageLinks links = read_page_links(r.body);
      const std::string page_url = r.final_url.empty() ? site.home_url : r.final_url;
      const std::string base = links.base.empty() ? page_url : resolve_url(page_url, links.base);
      const std::string home_host = host_of(site.home_url);
      for (const PageRef& ref : links.refs) {
        if (static_cast<int>(a.columns.size()) >= rules.max_pages) break;
        if (ref.kind != RefKind::anchor || ref.anchor.empty() || ref.anchor.size() > 60) continue;
        if (rules.type_of(ref.anchor) == ColumnType::other) continue;
        const std::string url = resolve_url(base, ref.ref);
        if (url.empty() || host_of(url) != home_host || !queued[i].insert(url).second) continue;
        a.columns.push_back({url, ref.anchor, std::nullopt, ""});
        queue({url, Method::get, stride * a.columns.size() + i});
      }
      return;
    }
    ColumnActivity& c = a.columns[static_cast<std::size_t>(slot - 1)];
    if (!r.loaded() || r.status >= 400) {
      c.note = "unread";  // dropped below: a dead column page is the links probe's finding
      return;
    }
    c.newest = newest_page_date(r.body, now);
    if (!c.newest) c.note = "no dated item found on the page";
  });
  for (SiteActivity& a : activity) {
    std::erase_if(a.columns, [](const ColumnActivity& c) { return c.note == "unread"; });
  }
  return activity;
}

SiteActivity crawl_activity(const SiteTarget& site, const FreshnessRules& rules, const FetchOptions& fetch,
                            TimePoint now) {
  return std::move(crawl_activities({&site}, rules, fetch, now).front());
}

Result<std::vector<SiteWork>> probe_freshness(MonitorService& service, const std::vector<SiteTarget>& sites,
                                              const PassOptions& options, TimePoint now) {
  (void)service;
  std::vector<SiteWork> work;
  work.reserve(sites.size());
  FetchOptions fetch = options.links.fetch;
  fetch.stop = options.stop;
  // External sites are crawled together first (one Fetcher), hosted ones read from the platform.
  std::vector<const SiteTarget*> external;
  for (const SiteTarget& site : sites) {
    if (!(site.hosted && options.hosted_activity)) external.push_back(&site);
  }
  std::vector<SiteActivity> crawled = crawl_activities(external, options.freshness, fetch, now);
  std::size_t next_crawled = 0;
  for (const SiteTarget& site : sites) {
    if (options.stop.stop_requested()) break;
    SiteActivity activity;
    if (site.hosted && options.hosted_activity) {
      SW_TRY(a, options.hosted_activity(site.site_id));
      activity = std::move(a);
      activity.source = "platform";
    } else {
      activity = std::move(crawled[next_crawled++]);
    }
    SiteWork w;
    w.seen = freshness_observations(activity, options.freshness, site.home_url, now);
    const bool ok = activity.error.empty();  // the probe read the site; staleness is in the findings
    nlohmann::json detail = {{"source", activity.source}, {"columns", activity.columns.size()}};
    if (activity.newest) detail["newest"] = format_rfc3339(*activity.newest);
    if (!activity.error.empty()) detail["error"] = activity.error;
    w.results.push_back({site.site_id, Probe::freshness, site.home_url, ok, 0, detail});
    if (!activity.error.empty()) {
      w.headline = "home page unread: " + activity.error;
    } else {
      const auto age = activity.newest ? std::to_string(duration_cast<hours>(now - *activity.newest).count() / 24) + " d"
                                       : std::string("none");
      w.headline = "newest item " + age + ", " + std::to_string(activity.columns.size()) + " columns, " +
                   std::to_string(w.seen.size()) + " stale/empty";
    }
    work.push_back(std::move(w));
  }
  return work;
}

}  // namespace sw::monitor
