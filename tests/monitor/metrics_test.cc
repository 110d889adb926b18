// Specification of the probes' Prometheus metrics (issue 7; metrics.h): a scrape of the loopback
// listener after a pass shows its counters, the open findings and incidents by probe; the listener
// refuses non-loopback addresses and answers only GET /metrics and /healthz. Also the notification
// events the records call for (notify_outbox.h notify_events).
#include <gtest/gtest.h>

#include <curl/curl.h>

#include "identity/fixture.h"
#include "monitor/metrics.h"
#include "monitor/notify_outbox.h"

namespace sw::monitor {
namespace {

using namespace std::chrono;

std::size_t collect(char* p, std::size_t s, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, s * n);
  return s * n;
}

// GET (or another method) on 127.0.0.1:port; returns status and body.
std::pair<long, std::string> http(std::uint16_t port, const std::string& path, const char* method = "GET") {
  CURL* h = curl_easy_init();
  std::string body;
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + path;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
  long status = 0;
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  return {status, body};
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open_memory();
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->exec("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, '江苏省总工会', 'province')"));
    root_ = db_->last_insert_id();
    ASSERT_TRUE(db_->exec("INSERT INTO sites (org_id, name) VALUES (?, '江苏工会网')", {root_}));
    site_ = db_->last_insert_id();
    service_ = std::make_unique<MonitorService>(*db_, audit_, MonitorOptions{2}, clock_);
  }

  // A freshness pass over the site with its activity given (no network).
  PassSummary freshness_pass(SiteActivity activity) {
    PassOptions options;
    options.hosted_activity = [activity](std::int64_t) -> Result<SiteActivity> { return activity; };
    const std::vector<SiteTarget> sites = {{site_, root_, "江苏工会网", true, {"jszgh.org"}, "https://jszgh.org/"}};
    auto pass = run_pass(*service_, Probe::freshness, sites, options, "test", {}, clock_);
    EXPECT_TRUE(pass) << pass.error().to_string();
    return pass ? *pass : PassSummary{};
  }

  std::unique_ptr<store::Database> db_;
  identity::testing::FakeAuditLog audit_;
  FakeClock clock_;
  std::unique_ptr<MonitorService> service_;
  std::int64_t root_ = 0, site_ = 0;
};

TEST_F(MetricsTest, AScrapeAfterAPassShowsCountersFindingsAndIncidentsByProbe) {
  SiteActivity stale;
  stale.newest = clock_.now() - days(20);
  stale.columns = {{"column:1", "通知公告", std::nullopt, ""}, {"column:2", "工会动态", clock_.now() - days(12), ""}};
  ProbeMetrics metrics;
  const PassSummary s = freshness_pass(stale);
  metrics.record_pass(s, milliseconds(1500), clock_.now());
  // Two failed uptime results open an incident (incident_after = 2).
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(service_->record({site_, Probe::uptime, "https://jszgh.org/", false, 0, {{"error", "connect"}}}));
  }
  ASSERT_TRUE(refresh_open_counts(metrics, *service_, {root_}));
  metrics.set_extra([] { return std::string("sitewarden_notify_outbox{channel=\"email\",state=\"sent\"} 0\n"); });

  auto listener = MetricsListener::start("127.0.0.1:0", [&] { return metrics.text(); });
  ASSERT_TRUE(listener) << listener.error().to_string();
  const auto [status, text] = http((*listener)->port(), "/metrics");
  ASSERT_EQ(status, 200);
  for (const char* line : {
           "sitewarden_monitor_passes_total{probe=\"freshness\",outcome=\"ok\"} 1\n",
           "sitewarden_monitor_passes_total{probe=\"uptime\",outcome=\"ok\"} 0\n",
           "sitewarden_monitor_targets_probed_total{probe=\"freshness\"} 1\n",
           "sitewarden_monitor_probe_failures_total{probe=\"freshness\"} 0\n",
           "sitewarden_monitor_findings_open{probe=\"freshness\",severity=\"critical\"} 2\n",  // home, empty column
           "sitewarden_monitor_findings_open{probe=\"freshness\",severity=\"warning\"} 1\n",   // news at 12 days
           "sitewarden_monitor_incidents_open{probe=\"uptime\"} 1\n",
           "sitewarden_monitor_pass_duration_seconds{probe=\"freshness\"} 1.5\n",
           "# TYPE sitewarden_monitor_findings_open gauge\n",
           "sitewarden_notify_outbox{channel=\"email\",state=\"sent\"} 0\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "\n" << text;
  }
  EXPECT_NE(text.find("sitewarden_monitor_last_pass_timestamp_seconds{probe=\"freshness\"} " +
                      std::to_string(unix_seconds(clock_.now()))),
            std::string::npos);

  // A later pass that sees the site fresh resolves its findings; the gauges follow.
  SiteActivity fresh;
  fresh.newest = clock_.now() - days(1);
  metrics.record_pass(freshness_pass(fresh), milliseconds(200), clock_.now());
  ASSERT_TRUE(refresh_open_counts(metrics, *service_, {root_}));
  const std::string after = http((*listener)->port(), "/metrics").second;
  EXPECT_NE(after.find("sitewarden_monitor_passes_total{probe=\"freshness\",outcome=\"ok\"} 2\n"), std::string::npos);
  EXPECT_NE(after.find("sitewarden_monitor_findings_open{probe=\"freshness\",severity=\"critical\"} 0\n"), std::string::npos);
  metrics.record_failed_pass(Probe::tls, milliseconds(5), clock_.now());
  EXPECT_NE(metrics.text().find("sitewarden_monitor_passes_total{probe=\"tls\",outcome=\"failed\"} 1\n"), std::string::npos);

  EXPECT_EQ(http((*listener)->port(), "/healthz").first, 200);
  EXPECT_EQ(http((*listener)->port(), "/").first, 404);
  EXPECT_EQ(http((*listener)->port(), "/metrics", "POST").first, 405);
}

TEST_F(MetricsTest, TheListenerStaysOnLoopback) {
  EXPECT_EQ(MetricsListener::start("0.0.0.0:0", [] { return std::string(); }).error().code, "monitor.bad_input");
  EXPECT_EQ(MetricsListener::start("192.0.2.1:9000", [] { return std::string(); }).error().code, "monitor.bad_input");
  EXPECT_EQ(MetricsListener::start("127.0.0.1", [] { return std::string(); }).error().code, "monitor.bad_input");
  EXPECT_EQ(MetricsListener::start("127.0.0.1:99999", [] { return std::string(); }).error().code, "monitor.bad_input");
  auto v6 = MetricsListener::start("[::1]:0", [] { return std::string("x"); });
  if (v6) {
    EXPECT_GT((*v6)->port(), 0);
  }  // hosts without IPv6 loopback fail to bind, which is fine
  auto a = MetricsListener::start("localhost:0", [] { return std::string("x"); });
  ASSERT_TRUE(a);
  EXPECT_EQ(MetricsListener::start("127.0.0.1:" + std::to_string((*a)->port()), [] { return std::string(); }).error().code,
            "monitor.bind");
}

TEST_F(MetricsTest, IncidentsOpenedAndClosedAndCriticalFindingsBecomeNotificationEventsOnce) {
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(service_->record({site_, Probe::uptime, "https://jszgh.org/", false, 0, {{"error", "connect"}}}));
  }
  SiteActivity stale;
  stale.newest = clock_.now() - days(20);
  freshness_pass(stale);
  auto name = [](std::int64_t) { return std::string("江苏工会网"); };
  auto events = notify_events(*service_, {root_}, clock_.now(), name);
  ASSERT_TRUE(events) << events.error().to_string();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_TRUE((*events)[0].key.starts_with("incident_open:"));
  EXPECT_EQ((*events)[0].detail["site"], "江苏工会网");
  EXPECT_TRUE((*events)[1].key.starts_with("finding_critical:"));
  EXPECT_EQ((*events)[1].detail["finding"], "freshness.stale_home");

  NotifyOutbox outbox(*db_, audit_, {}, clock_);
  EXPECT_EQ(*outbox.enqueue(*events, {"webhook"}), 2);
  clock_.advance(minutes(5));
  ASSERT_TRUE(service_->record({site_, Probe::uptime, "https://jszgh.org/", true, 30, {{"status", 200}}}));
  events = notify_events(*service_, {root_}, clock_.now(), name);
  ASSERT_TRUE(events);
  EXPECT_EQ(*outbox.enqueue(*events, {"webhook"}), 1);  // only the close is new
  clock_.advance(hours(25));
  events = notify_events(*service_, {root_}, clock_.now(), name);
  ASSERT_TRUE(events);
  EXPECT_EQ(events->size(), 1u);  // the incident closed over a day ago is no longer listed
}

}  // namespace
}  // namespace sw::monitor
