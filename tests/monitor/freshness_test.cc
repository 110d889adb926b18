// Specification of the freshness probe (issue 7 "Freshness"; freshness_probe.h): the inspectors'
// deadlines with a fake clock — hosted sites from the platform's own data (a real ContentService:
// home 13 days old → warning, 15 → critical, an empty column, a stale notices column), dates read
// from Chinese pages, and an external site served by nginx on loopback (N8.3).
#include <gtest/gtest.h>

#include <cstdio>
#include <map>

#include "content/content_fixture.h"
#include "monitor/freshness_hosted.h"
#include "monitor/freshness_probe.h"
#include "monitor/loopback.h"
#include "monitor/monitor_pass.h"
#include "monitor/monitor_service.h"

namespace sw::monitor {
namespace {

using namespace std::chrono;
using identity::Role;

// 2026-11-26 00:00 in Beijing.
TimePoint beijing(int y, unsigned m, unsigned d, int hour = 0) {
  return TimePoint(sys_days(year_month_day{year{y}, month{m}, day{d}})) - hours(8) + hours(hour);
}

const Observation* find(const std::vector<Observation>& seen, const std::string& kind, const std::string& subject) {
  for (const auto& o : seen) {
    if (o.kind == kind && o.subject == subject) return &o;
  }
  return nullptr;
}

// ---- dates on pages -------------------------------------------------------------------------------

TEST(FreshnessDates, ChineseFormatsAreReadAndTheNewestWins) {
  const TimePoint now = beijing(2026, 11, 26, 10);
  const std::string html =
      "<ul><li><a href=/a>会议</a><span>2026-11-20</span></li>"
      "<li>通知 2026年10月3日</li><li>2026/09/01</li><li>2025.12.31</li>"
      "<li><a>短讯</a> 11-21</li><li>消息 3月2日</li></ul>";
  const auto dates = page_dates(html, now);
  ASSERT_EQ(dates.size(), 6u);
  EXPECT_EQ(dates[0], beijing(2026, 11, 20));
  EXPECT_EQ(dates[1], beijing(2026, 10, 3));
  EXPECT_EQ(dates[2], beijing(2026, 9, 1));
  EXPECT_EQ(dates[3], beijing(2025, 12, 31));
  EXPECT_EQ(dates[4], beijing(2026, 11, 21));
  EXPECT_EQ(dates[5], beijing(2026, 3, 2));
  EXPECT_EQ(newest_page_date(html, now), beijing(2026, 11, 21));
}

TEST(FreshnessDates, HeaderClocksFutureDatesScriptsAndNumbersAreNotItems) {
  const TimePoint now = beijing(2026, 11, 26, 10);
  const std::string html =
      "<div>今天是2026年11月26日 星期四</div><div>2026-11-26 星期四</div>"
      "<script>var d='2026-11-25';</script><style>/* 2026-11-24 */</style>"
      "<p>电话 025-83212351 邮编 210008 12351 热线 10:30 版本 1.2.3 2027-01-05 2026-13-45 20261-1-1</p>"
      "<li>12-20</li>";  // December 20th in a list seen in November: last year's
  const auto dates = page_dates(html, now);
  ASSERT_EQ(dates.size(), 1u);
  EXPECT_EQ(dates[0], beijing(2025, 12, 20));
  EXPECT_FALSE(newest_page_date("<p>没有日期</p>", now));
}

TEST(FreshnessRules, ColumnTypesComeFromTheirNames) {
  FreshnessRules r;
  EXPECT_EQ(r.type_of("工会动态"), ColumnType::news);
  EXPECT_EQ(r.type_of("新闻中心"), ColumnType::news);
  EXPECT_EQ(r.type_of("通知公告"), ColumnType::notices);
  EXPECT_EQ(r.type_of("Notices"), ColumnType::notices);
  EXPECT_EQ(r.type_of("政策法规"), ColumnType::other);
  EXPECT_EQ(r.deadline_days(ColumnType::notices), 183);
  EXPECT_EQ(r.deadline_days(ColumnType::other), 0);
}

// ---- the rules on a site's activity -----------------------------------------------------------------

TEST(FreshnessRules, ThirteenDaysWarnsFifteenIsCriticalEmptyColumnsAreCritical) {
  const TimePoint now = beijing(2026, 11, 26, 10);
  FreshnessRules rules;  // home and news 14 days, notices 183, warning 3 days before
  SiteActivity a;
  a.source = "platform";
  a.newest = now - days(13);
  a.columns = {{"column:1", "工会动态", now - days(13), ""},
               {"column:2", "通知公告", now - days(150), ""},
               {"column:3", "政策法规", std::nullopt, ""},
               {"column:4", "新闻", now - days(15), ""},
               {"column:5", "通知", now - days(190), ""},
               {"column:6", "要闻", now - days(2), ""}};
  auto seen = freshness_observations(a, rules, "https://a.example/", now);
  const Observation* home = find(seen, "freshness.stale_home", "https://a.example/");
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(home->severity, Severity::warning);
  EXPECT_EQ(home->clause, "N8.3");
  EXPECT_EQ(home->evidence["age_days"], 13);
  EXPECT_EQ(home->evidence["deadline_days"], 14);
  ASSERT_NE(find(seen, "freshness.stale_column", "column:1"), nullptr);
  EXPECT_EQ(find(seen, "freshness.stale_column", "column:1")->severity, Severity::warning);
  EXPECT_EQ(find(seen, "freshness.stale_column", "column:2"), nullptr);  // five months: within six
  const Observation* empty = find(seen, "freshness.empty_column", "column:3");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->severity, Severity::critical);
  EXPECT_EQ(empty->evidence["column"], "政策法规");
  const Observation* stale = find(seen, "freshness.stale_column", "column:4");
  ASSERT_NE(stale, nullptr);
  EXPECT_EQ(stale->severity, Severity::critical);
  EXPECT_EQ(stale->evidence["type"], "news");
  ASSERT_NE(find(seen, "freshness.stale_column", "column:5"), nullptr);
  EXPECT_EQ(find(seen, "freshness.stale_column", "column:5")->evidence["type"], "notices");
  EXPECT_EQ(find(seen, "freshness.stale_column", "column:6"), nullptr);
  EXPECT_EQ(seen.size(), 5u);

  a.newest = now - days(15);
  seen = freshness_observations(a, rules, "https://a.example/", now);
  EXPECT_EQ(find(seen, "freshness.stale_home", "https://a.example/")->severity, Severity::critical);
  a.newest = now - days(10);
  seen = freshness_observations(a, rules, "https://a.example/", now);
  EXPECT_EQ(find(seen, "freshness.stale_home", "https://a.example/"), nullptr);

  rules.news_days = 30;  // configurable per column type
  seen = freshness_observations(a, rules, "https://a.example/", now);
  EXPECT_EQ(find(seen, "freshness.stale_column", "column:4"), nullptr);
  a.error = "connect";  // an unread home page makes no freshness finding (uptime reports it)
  EXPECT_TRUE(freshness_observations(a, rules, "https://a.example/", now).empty());
}

// ---- hosted: from the platform's own data ---------------------------------------------------------

class HostedFreshness : public content::testing::ContentFixture {
 protected:
  void SetUp() override {
    open_world();
    service_ = content::ContentService::open(*db_, audit_, crypto::suite(crypto::SuiteId::gm), *scanner_, clock_);
    editor_ = person(1, "editor", {Role::editor});
    reviewer_ = person(3, "reviewer", {Role::content_reviewer});
    secrecy_ = person(4, "secrecy", {Role::secrecy_reviewer});
    operator_ = person(7, "operator", {Role::operator_});
    news_ = service_->create_column(cli(), site_, std::nullopt, "工会动态").value().id;
    notices_ = service_->create_column(cli(), site_, std::nullopt, "通知公告").value().id;
    empty_ = service_->create_column(cli(), site_, std::nullopt, "政策法规").value().id;
  }

  void publish_in(std::int64_t column) {
    auto saved = service_->create_article(as(editor_), column, fields());
    ASSERT_TRUE(saved) << saved.error().to_string();
    const std::int64_t id = saved->article.id;
    ASSERT_TRUE(service_->submit(as(editor_), id));
    ASSERT_TRUE(service_->approve(as(reviewer_), id, content::Stage::content, {}));
    ASSERT_TRUE(service_->approve(as(secrecy_), id, content::Stage::secrecy, {}));
    ASSERT_TRUE(service_->publish(as(operator_), id));
  }

  content::Principal editor_, reviewer_, secrecy_, operator_;
  std::int64_t news_ = 0, notices_ = 0, empty_ = 0;
};

TEST_F(HostedFreshness, LastArticleThirteenDaysOldWarnsFifteenIsCriticalAndAnEmptyColumnIsFound) {
  const TimePoint start = clock_.now();
  publish_in(notices_);
  clock_.advance(days(1));
  publish_in(news_);
  const TimePoint last = clock_.now();
  publish_in(news_);  // a draft never published does not count
  (void)service_->create_article(as(editor_), news_, fields());

  audit::AuditLog& audit = audit_;
  MonitorService monitor(*db_, audit, {}, clock_);
  PassOptions options;
  options.hosted_activity = hosted_activity_from(*service_);
  const std::vector<SiteTarget> sites = {{site_, 0, "江苏工会网", true, {"jszgh.org"}, "https://jszgh.org/"}};

  clock_.set(last + days(13));
  auto pass = run_pass(monitor, Probe::freshness, sites, options, "test", {}, clock_);
  ASSERT_TRUE(pass) << pass.error().to_string();
  auto found = monitor.findings(identity::Principal::system("t"), identity::Scope::site(site_));
  ASSERT_TRUE(found);
  std::map<std::string, Finding> by_kind;
  for (const auto& f : *found) by_kind[f.observation.kind + " " + f.observation.subject] = f;
  ASSERT_TRUE(by_kind.contains("freshness.stale_home https://jszgh.org/"));
  EXPECT_EQ(by_kind["freshness.stale_home https://jszgh.org/"].observation.severity, Severity::warning);
  EXPECT_EQ(by_kind["freshness.stale_home https://jszgh.org/"].observation.evidence["source"], "platform");
  ASSERT_TRUE(by_kind.contains("freshness.stale_column column:" + std::to_string(news_)));
  EXPECT_EQ(by_kind["freshness.stale_column column:" + std::to_string(news_)].observation.severity, Severity::warning);
  ASSERT_TRUE(by_kind.contains("freshness.empty_column column:" + std::to_string(empty_)));
  EXPECT_EQ(by_kind["freshness.empty_column column:" + std::to_string(empty_)].observation.evidence["column"], "政策法规");
  EXPECT_FALSE(by_kind.contains("freshness.stale_column column:" + std::to_string(notices_)));
  EXPECT_EQ(found->size(), 3u);

  clock_.set(last + days(15));
  ASSERT_TRUE(run_pass(monitor, Probe::freshness, sites, options, "test", {}, clock_));
  found = monitor.findings(identity::Principal::system("t"), identity::Scope::site(site_));
  ASSERT_TRUE(found);
  int critical = 0;
  for (const auto& f : *found) critical += f.observation.severity == Severity::critical;
  EXPECT_EQ(critical, 3);  // home, the news column, the empty column

  clock_.set(start + days(200));  // the notices column is past its six months too
  ASSERT_TRUE(run_pass(monitor, Probe::freshness, sites, options, "test", {}, clock_));
  found = monitor.findings(identity::Principal::system("t"), identity::Scope::site(site_));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->size(), 4u);

  publish_in(empty_);  // publishing resolves what it fixes
  publish_in(news_);
  publish_in(notices_);
  ASSERT_TRUE(run_pass(monitor, Probe::freshness, sites, options, "test", {}, clock_));
  found = monitor.findings(identity::Principal::system("t"), identity::Scope::site(site_));
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->empty());
}

// N8.3: a column's date is what the public sees — the shown version's publish_date — not the time it
// was saved: an old item imported today is old news; without a publish_date the save time counts.
TEST_F(HostedFreshness, ColumnDateIsThePublishDateThePublicSees) {
  const TimePoint now = clock_.now();
  auto publish_dated = [&](std::int64_t column, std::optional<TimePoint> date) {
    auto f = fields();
    f.publish_date = date;
    auto saved = service_->create_article(as(editor_), column, f);
    ASSERT_TRUE(saved) << saved.error().to_string();
    const std::int64_t id = saved->article.id;
    ASSERT_TRUE(service_->submit(as(editor_), id));
    ASSERT_TRUE(service_->approve(as(reviewer_), id, content::Stage::content, {}));
    ASSERT_TRUE(service_->approve(as(secrecy_), id, content::Stage::secrecy, {}));
    ASSERT_TRUE(service_->publish(as(operator_), id));
  };
  publish_dated(news_, now - days(20));  // saved and published today, dated 20 days ago
  publish_dated(notices_, now - days(3));
  publish_dated(empty_, std::nullopt);   // no date: its save time (today)

  MonitorService monitor(*db_, audit_, {}, clock_);
  PassOptions options;
  options.hosted_activity = hosted_activity_from(*service_);
  const std::vector<SiteTarget> sites = {{site_, 0, "江苏工会网", true, {"jszgh.org"}, "https://jszgh.org/"}};
  auto activity = options.hosted_activity(site_);
  ASSERT_TRUE(activity) << activity.error().to_string();
  ASSERT_TRUE(activity->newest);
  EXPECT_EQ(*activity->newest, now);  // the undated article's save time
  for (const ColumnActivity& c : activity->columns) {
    ASSERT_TRUE(c.newest) << c.name;
    if (c.name == "工会动态") {
      EXPECT_EQ(*c.newest, now - days(20));
    }
    if (c.name == "通知公告") {
      EXPECT_EQ(*c.newest, now - days(3));
    }
  }

  ASSERT_TRUE(run_pass(monitor, Probe::freshness, sites, options, "test", {}, clock_));
  auto found = monitor.findings(identity::Principal::system("t"), identity::Scope::site(site_));
  ASSERT_TRUE(found);
  ASSERT_EQ(found->size(), 1u);
  const Observation& o = found->front().observation;
  EXPECT_EQ(o.kind, "freshness.stale_column");
  EXPECT_EQ(o.subject, "column:" + std::to_string(news_));
  EXPECT_EQ(o.severity, Severity::critical);
  EXPECT_EQ(o.evidence["age_days"], 20);

  clock_.advance(days(1));
  publish_dated(news_, clock_.now() - hours(2));  // a new item dated today makes the column fresh
  ASSERT_TRUE(run_pass(monitor, Probe::freshness, sites, options, "test", {}, clock_));
  found = monitor.findings(identity::Principal::system("t"), identity::Scope::site(site_));
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->empty());

  // A date in the future does not keep a column fresh for ever: an item counts from no later than the
  // time it was saved.
  publish_dated(notices_, clock_.now() + days(400));
  auto dated = options.hosted_activity(site_);
  ASSERT_TRUE(dated) << dated.error().to_string();
  bool seen_notices = false;
  for (const ColumnActivity& c : dated->columns) {
    if (c.name != "通知公告") continue;
    seen_notices = true;
    ASSERT_TRUE(c.newest);
    EXPECT_EQ(*c.newest, clock_.now());
  }
  EXPECT_TRUE(seen_notices);
}

// ---- external: crawled from nginx ------------------------------------------------------------------

TEST(ExternalFreshness, HomeAndColumnPagesWithChineseDatesAreRead) {
  using namespace testing;
  const fs::path dir = temp_dir("sw-fresh");
  const TimePoint now = system_clock().now();
  auto ymd = [&](TimePoint t) { return year_month_day{floor<days>(t + hours(8))}; };
  auto dash = [&](TimePoint t) {
    const auto d = ymd(t);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                  static_cast<unsigned>(d.day()));
    return std::string(buf);
  };
  auto chinese = [&](TimePoint t) {
    const auto d = ymd(t);
    return std::to_string(static_cast<int>(d.year())) + "年" + std::to_string(static_cast<unsigned>(d.month())) + "月" +
           std::to_string(static_cast<unsigned>(d.day())) + "日";
  };
  write_file(dir / "www/index.html",
             "<html><body><div>今天是" + chinese(now) + " 星期一</div><a href=\"/news/\">工会动态</a> "
             "<a href=\"/notice/index.html\">通知公告</a> <a href=\"/law/\">政策法规</a> "
             "<a href=\"https://other.example/news/\">外站新闻</a> <a href=\"/empty/\">要闻</a>"
             "<ul><li>会议召开 " + dash(now - days(20)) + "</li><li>" + chinese(now - days(16)) + "</li></ul></body></html>");
  write_file(dir / "www/news/index.html", "<ul><li>a " + dash(now - days(16)) + "</li><li>b " + dash(now - days(30)) + "</li></ul>");
  write_file(dir / "www/notice/index.html", "<ul><li>通知 " + chinese(now - days(40)) + "</li></ul>");
  write_file(dir / "www/empty/index.html", "<p>暂无内容</p>");
  const int port = free_port();
  Nginx nginx(dir, "server { listen 127.0.0.1:" + std::to_string(port) + "; root " + (dir / "www").string() + "; }\n",
              {port});
  const std::string home = "http://127.0.0.1:" + std::to_string(port) + "/";
  const SiteTarget site{7, 1, "外部工会网", false, {"127.0.0.1"}, home};
  FreshnessRules rules;
  FetchOptions fetch;
  fetch.timeout = milliseconds(5000);
  const SiteActivity a = crawl_activity(site, rules, fetch, now);
  ASSERT_TRUE(a.error.empty()) << a.error;
  EXPECT_EQ(a.source, "crawl");
  ASSERT_TRUE(a.newest);
  EXPECT_EQ(duration_cast<hours>(now - *a.newest).count() / 24, 16);  // the header clock is not an item
  ASSERT_EQ(a.columns.size(), 3u);  // 工会动态, 通知公告, 要闻 (not 政策法规: other; not another host)
  const auto seen = freshness_observations(a, rules, home, now);
  const Observation* h = find(seen, "freshness.stale_home", home);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->severity, Severity::critical);
  const Observation* news = find(seen, "freshness.stale_column", home + "news/");
  ASSERT_NE(news, nullptr);
  EXPECT_EQ(news->severity, Severity::critical);
  EXPECT_EQ(news->evidence["column"], "工会动态");
  EXPECT_EQ(find(seen, "freshness.stale_column", home + "notice/index.html"), nullptr);  // 40 days: notices ok
  const Observation* empty = find(seen, "freshness.empty_column", home + "empty/");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->evidence["note"], "no dated item found on the page");
  EXPECT_EQ(seen.size(), 3u);

  const SiteActivity down = crawl_activity({8, 1, "x", false, {"127.0.0.1"}, "http://127.0.0.1:" + std::to_string(free_port()) + "/"},
                                           rules, fetch, now);
  EXPECT_EQ(down.error, "connect");
  fs::remove_all(dir);
}

}  // namespace
}  // namespace sw::monitor
