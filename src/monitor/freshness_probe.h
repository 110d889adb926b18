// FreshnessProbe: does each site keep its home page and columns up to date, by the inspectors' rules
// (issue 7 "Freshness"; the six-monthly inspection, N8.3; docs/monitoring.md "Freshness")?
//
// Government-site inspections fail a site when its home page shows no new item for two weeks, when
// a news column (新闻/动态) has no new item for two weeks or a notices column (通知公告) for six
// months, or when a column stands empty. The deadlines are configurable per column type
// ([monitor] freshness_*_days), with a warning freshness_warn_days before each.
//
// Where the dates come from:
//  - Hosted sites (on this platform): from the platform's own data — the newest published item of the
//    site and of each active column (HostedActivity, read through content's API by the caller as the
//    machine operator; this module runs no SQL on content's tables).
//  - External sites: the home page is fetched, and the column pages it links to whose link text names
//    a news or notices column (at most max_pages, same host only); each page's newest date is read
//    from its text (2026-11-20, 2026年11月20日, 2026/11/20, 2026.11.20, and 11-20 / 11月20日 in lists
//    taking the year that is not in the future). A date shown as today's date in a page header
//    (今天是…, 今日…, 当前日期…) and dates in the future are not items. A column page with no date
//    at all is reported as empty (its evidence says that no dated item was found).
//
// Findings (clause N8.3; subject: the home URL, "column:<id>" for hosted columns, the column page's
// URL for external ones):
//   freshness.stale_home    newest item older than home_days (critical), or within warn_days of it
//   freshness.stale_column  the column's newest item older than its type's deadline / within warn
//   freshness.empty_column  an active column without any published item (critical)
// Evidence: column name and type, the newest item's date, its age in days, the deadline in days.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "monitor/fetcher.h"
#include "monitor/findings.h"
#include "monitor/site_targets.h"

namespace sw::monitor {

class MonitorService;
struct PassOptions;
struct SiteWork;

enum class ColumnType { news, notices, other };
std::string_view to_string(ColumnType t);  // "news" | "notices" | "other"

struct FreshnessRules {
  int home_days = 14;
  int news_days = 14;
  int notices_days = 183;
  int other_days = 0;  // 0: other columns are only checked for being empty
  int warn_days = 3;
  std::vector<std::string> news_words{"新闻", "动态", "要闻", "资讯", "news"};
  std::vector<std::string> notices_words{"通知", "公告", "notice"};
  int max_pages = 20;  // column pages read per external site

  // notices words are tried first (通知公告 is a notices column even though 动态 may also appear);
  // English words match case-insensitively.
  ColumnType type_of(std::string_view column_name) const;
  int deadline_days(ColumnType t) const;  // 0: none
};

// What a site shows: its newest item, and each column's.
struct ColumnActivity {
  std::string subject;  // "column:<id>" (hosted) or the column page's URL (external)
  std::string name;
  std::optional<TimePoint> newest;  // nullopt: no item (empty column)
  std::string note;                 // e.g. "no dated item found on the page"
};
struct SiteActivity {
  std::optional<TimePoint> newest;  // of the whole site (hosted) or read on the home page (external)
  std::vector<ColumnActivity> columns;
  std::string source;  // "platform" | "crawl"
  std::string error;   // the home page could not be read: no freshness findings from this pass
};

// The hosted site's activity from the platform's data (set by the CLI, which holds content's API).
// Unset: hosted sites are crawled like external ones.
using HostedActivity = std::function<Result<SiteActivity>(std::int64_t site_id)>;

// The findings the rules make of a site's activity at `now` (pure).
std::vector<Observation> freshness_observations(const SiteActivity& activity, const FreshnessRules& rules,
                                                const std::string& home_subject, TimePoint now);

// Every item date read from a page's text (see above), as the start of that day in China (UTC+8);
// at most 10,000 dates.
std::vector<TimePoint> page_dates(std::string_view html, TimePoint now);
std::optional<TimePoint> newest_page_date(std::string_view html, TimePoint now);

// The external crawl: the home page, then its column pages (bounded by rules.max_pages). The probe
// crawls every external site in one Fetcher run (crawl_activities: all home pages at once, each
// site's column pages queued when its home page is read; per-host caps and politeness per host).
std::vector<SiteActivity> crawl_activities(const std::vector<const SiteTarget*>& sites, const FreshnessRules& rules,
                                           const FetchOptions& fetch, TimePoint now);
SiteActivity crawl_activity(const SiteTarget& site, const FreshnessRules& rules, const FetchOptions& fetch,
                            TimePoint now);

// The body of Probe::freshness (probe_body.h).
Result<std::vector<SiteWork>> probe_freshness(MonitorService& service, const std::vector<SiteTarget>& sites,
                                              const PassOptions& options, TimePoint now);

}  // namespace sw::monitor
