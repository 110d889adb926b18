// The console's WAF page (/sites/{id}/waf, issue 6) and monitor pages (/monitor, /sites/{id}/monitor,
// issue 7) over a real socket: the site's administrator sees the events (escaped), top rules and IPs,
// changes settings and adds an exclusion from an event through a confirmation step (audited
// "waf.settings_changed"); an operator may look but not change; a user of another organisation is
// refused and the refusal audited (tenant isolation, N8.1); a form without its CSRF token is refused;
// the pages speak Chinese by default and English on request; the monitor pages show only the findings
// the user's grants cover, the site's dead links with page and anchor, the link history, and the
// allowlist that a site administrator extends (audited).
#include <gtest/gtest.h>

#include <fstream>

#include "console/waf_event_log.h"
#include "content_console_fixture.h"
#include "monitor/monitor_service.h"
#include "waf/site_settings_store.h"

namespace sw::console::testing {
namespace {

constexpr std::string_view kHostile = "<script>alert('x')</script>&\"";

class WafMonitorPagesTest : public ContentConsoleTest {
 protected:
  void SetUp() override {
    ContentConsoleTest::SetUp();
    if (HasFatalFailure()) return;
    server_->stop();
    server_->wait();
    server_.reset();
    waf_store_ = std::make_unique<waf::SiteSettingsStore>(*db_, *audit_, clock_);
    monitors_ = std::make_unique<monitor::MonitorService>(*db_, *audit_, monitor::MonitorOptions{}, clock_);
    event_log_ = dir_ / "waf-events.log";
    Console::Services services{registry_.get(), content_.get()};
    services.waf_settings = waf_store_.get();
    services.waf_defaults = waf::SiteSettings{2, waf::Mode::blocking, {}};
    services.waf_event_log = event_log_;
    services.monitor = monitors_.get();
    console_ = std::make_unique<Console>(*identity_, *audit_, std::move(services),
                                         ConsoleOptions{Language::zh_cn, true, false, trusted_});
    http::Router router;
    console_->install(router);
    http::ServerOptions options;
    options.listeners.push_back(listener());
    server_ = std::make_unique<http::Server>(options, std::move(router));
    server_->add_filter(console_->security_headers_filter());
    ASSERT_TRUE(server_->start());
    port_ = server_->port(0);
    add_user("nj-admin", "冯站长", city_org_, identity::Role::site_admin, nj_site_);
    add_user("sz-admin", "蒋站长", sz_org_, identity::Role::site_admin, sz_site_);
    write_events();
  }

  void TearDown() override {
    if (server_) {
      server_->stop();
      server_->wait();
    }
    server_.reset();
    console_.reset();
    monitors_.reset();
    waf_store_.reset();
    ContentConsoleTest::TearDown();
  }

  void write_events() {
    std::ofstream out(event_log_);
    for (int i = 0; i < 3; ++i) {
      waf::Event e;
      e.time_ms = 1764000000000 + i;
      e.site_id = nj_site_;
      e.client_ip = i == 2 ? "198.51.100.9" : "203.0.113.7";
      e.request_id = "req-" + std::to_string(i);
      e.method = "GET";
      e.path = "/forum/post";
      e.blocked = true;
      e.anomaly_score = 5;
      e.rules.push_back({942100, 2, "SQL Injection Attack Detected via libinjection", std::string(kHostile)});
      out << waf::to_json_line(e) << "\n";
    }
    waf::Event other;
    other.time_ms = 1764000000100;
    other.site_id = sz_site_;
    other.client_ip = "192.0.2.66";
    other.path = "/sz-only";
    other.rules.push_back({930120, 2, "OS File Access Attempt", "etc/passwd"});
    out << waf::to_json_line(other) << "\n" << "not json\n";
  }

  std::string waf_path(std::int64_t site) const { return "/sites/" + std::to_string(site) + "/waf"; }
  std::string monitor_path(std::int64_t site) const { return "/sites/" + std::to_string(site) + "/monitor"; }

  std::unique_ptr<waf::SiteSettingsStore> waf_store_;
  std::unique_ptr<monitor::MonitorService> monitors_;
  std::filesystem::path event_log_;
};

TEST_F(WafMonitorPagesTest, TheEventLogIsReadFromItsEndForOneSite) {
  auto tail = read_site_events(event_log_, nj_site_, 2);
  ASSERT_TRUE(tail) << tail.error().to_string();
  ASSERT_EQ(tail->events.size(), 2u);
  EXPECT_EQ(tail->events[0].request_id, "req-2");  // newest first
  EXPECT_EQ(tail->skipped, 1u);
  EXPECT_EQ(top_rules_of(tail->events, 5).at(0).key, "942100");
  auto small = read_site_events(event_log_, nj_site_, 10, 200);  // a window smaller than the file
  ASSERT_TRUE(small);
  EXPECT_TRUE(small->window_full);
  EXPECT_FALSE(read_site_events(event_log_, nj_site_, 0));
  auto none = read_site_events(dir_ / "missing.log", nj_site_, 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->events.empty());
}

TEST_F(WafMonitorPagesTest, TheSiteAdministratorSeesEventsEscapedInChinese) {
  Browser b = user("nj-admin");
  Page p = b.get(waf_path(nj_site_));
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_NE(p.body.find("网站防火墙"), std::string::npos);
  EXPECT_NE(p.body.find("已拦截"), std::string::npos);
  EXPECT_NE(p.body.find("942100"), std::string::npos);
  EXPECT_NE(p.body.find("203.0.113.7"), std::string::npos);
  EXPECT_EQ(p.body.find("<script>alert"), std::string::npos);
  EXPECT_NE(p.body.find("&lt;script&gt;alert"), std::string::npos);
  EXPECT_EQ(p.body.find("/sz-only"), std::string::npos);  // another site's event
  EXPECT_NE(p.body.find("/waf/exclusions/new?rule=942100&amp;path=%2Fforum%2Fpost"), std::string::npos);
  Page en = b.get(waf_path(nj_site_) + "?lang=en");
  EXPECT_NE(en.body.find("Web application firewall"), std::string::npos);
}

TEST_F(WafMonitorPagesTest, AnExclusionIsAddedFromAnEventAfterConfirmationAndAudited) {
  Browser b = user("nj-admin");
  Page confirm = b.get(waf_path(nj_site_) + "/exclusions/new?rule=942100&path=%2Fforum%2F");
  ASSERT_EQ(confirm.status, 200) << confirm.body;
  EXPECT_NE(confirm.body.find("value=\"942100\""), std::string::npos);
  EXPECT_NE(confirm.body.find("value=\"/forum/\""), std::string::npos);
  auto stored = waf_store_->load(nj_site_);
  ASSERT_TRUE(stored);
  EXPECT_FALSE(stored->has_value());  // the confirmation page writes nothing

  Page done = b.post(waf_path(nj_site_) + "/exclusions", {{"rule", "942100"}, {"path", "/forum/"}, {"variable", "ARGS:comment"}});
  ASSERT_EQ(done.status, 303) << done.body;
  stored = waf_store_->load(nj_site_);
  ASSERT_TRUE(stored && stored->has_value());
  ASSERT_EQ((*stored)->exclusions.size(), 1u);
  EXPECT_EQ((*stored)->exclusions[0], (waf::Exclusion{"/forum/", 942100, "ARGS:comment"}));
  EXPECT_EQ((*stored)->paranoia, 2);  // the defaults carried over
  const auto audited = events("waf.settings_changed");
  ASSERT_EQ(audited.size(), 1u);
  EXPECT_EQ(audited[0].event.actor, "nj-admin");
  EXPECT_EQ(audited[0].event.site_id, nj_site_);

  Page bad = b.post(waf_path(nj_site_) + "/exclusions", {{"rule", "abc"}, {"path", "/forum/"}});
  EXPECT_EQ(bad.status, 400);
  Page traversal = b.post(waf_path(nj_site_) + "/exclusions", {{"rule", "942100"}, {"path", "/../x"}});
  EXPECT_EQ(traversal.status, 400);
  EXPECT_EQ(events("waf.settings_changed").size(), 1u);

  Page set = b.post(waf_path(nj_site_) + "/settings", {{"paranoia", "3"}, {"mode", "detection_only"}});
  ASSERT_EQ(set.status, 303) << set.body;
  EXPECT_EQ((*waf_store_->load(nj_site_))->paranoia, 3);
  Page seven = b.post(waf_path(nj_site_) + "/settings", {{"paranoia", "7"}, {"mode", "blocking"}});
  EXPECT_EQ(seven.status, 400);
  EXPECT_EQ((*waf_store_->load(nj_site_))->paranoia, 3);
  Page removed = b.post(waf_path(nj_site_) + "/exclusions/remove",
                        {{"rule", "942100"}, {"path", "/forum/"}, {"variable", "ARGS:comment"}});
  EXPECT_EQ(removed.status, 303);
  EXPECT_TRUE((*waf_store_->load(nj_site_))->exclusions.empty());
  EXPECT_EQ(b.post(waf_path(nj_site_) + "/reset", {}).status, 303);
  EXPECT_FALSE(waf_store_->load(nj_site_)->has_value());
}

TEST_F(WafMonitorPagesTest, AnotherOrganisationIsRefusedAndTheRefusalAudited) {
  Browser sz = user("sz-admin");
  EXPECT_EQ(sz.get(waf_path(nj_site_)).status, 403);
  EXPECT_EQ(sz.post(waf_path(nj_site_) + "/settings", {{"paranoia", "1"}, {"mode", "detection_only"}}).status, 403);
  EXPECT_EQ(sz.post(waf_path(nj_site_) + "/exclusions", {{"rule", "942100"}}).status, 403);
  EXPECT_EQ(sz.get(monitor_path(nj_site_)).status, 403);
  EXPECT_EQ(sz.post(monitor_path(nj_site_) + "/allowlist", {{"host", "evil.example"}}).status, 403);
  EXPECT_FALSE(waf_store_->load(nj_site_)->has_value());
  EXPECT_TRUE(monitors_->link_allowlist(nj_site_)->empty());
  const auto denied = events("waf.view");
  ASSERT_FALSE(denied.empty());
  EXPECT_EQ(denied[0].event.outcome, audit::Outcome::denied);
  EXPECT_EQ(denied[0].event.actor, "sz-admin");
  // An operator of the site may look but not change.
  Browser op = user("nj-operator");
  EXPECT_EQ(op.get(waf_path(nj_site_)).status, 200);
  EXPECT_EQ(op.post(waf_path(nj_site_) + "/settings", {{"paranoia", "1"}, {"mode", "blocking"}}).status, 403);
  EXPECT_FALSE(waf_store_->load(nj_site_)->has_value());
  // An editor holds neither monitor.read nor site.configure.
  EXPECT_EQ(user("nj-editor").get(waf_path(nj_site_)).status, 403);
}

TEST_F(WafMonitorPagesTest, AFormWithoutItsCsrfTokenIsRefused) {
  Browser b = user("nj-admin");
  Page p = b.post(waf_path(nj_site_) + "/settings", {{"paranoia", "4"}, {"mode", "blocking"}}, false);
  EXPECT_EQ(p.status, 403);
  p = b.post(monitor_path(nj_site_) + "/allowlist", {{"host", "www.gov.cn"}}, false);
  EXPECT_EQ(p.status, 403);
  EXPECT_FALSE(waf_store_->load(nj_site_)->has_value());
  EXPECT_TRUE(monitors_->link_allowlist(nj_site_)->empty());
  EXPECT_FALSE(events("console.csrf").empty());
}

TEST_F(WafMonitorPagesTest, MonitorPagesShowWhatTheGrantsCover) {
  const std::string hostile_anchor(kHostile);
  ASSERT_TRUE(monitors_->reconcile(nj_site_, monitor::Probe::tls,
                                   {{"tls.expiring", "njgh.org.cn:443", monitor::Severity::warning, "N7.2",
                                     {{"days_left", 9}}}}));
  ASSERT_TRUE(monitors_->reconcile(sz_site_, monitor::Probe::tls,
                                   {{"tls.expired", "szgh.org.cn:443", monitor::Severity::critical, "N7.2", {}}}));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(monitors_->record({nj_site_, monitor::Probe::uptime, "https://njgh.org.cn/", false, 10, {{"status", 502}}}));
  }
  for (int run = 0; run < 3; ++run) {
    auto r = monitors_->begin_run(monitor::Probe::links, "test");
    ASSERT_TRUE(r);
    std::vector<monitor::DeadLink> dead;
    for (int i = 0; i <= run; ++i) {
      dead.push_back({"https://gone.example/" + std::to_string(i), "https://njgh.org.cn/news/1.html", hostile_anchor,
                      404, "http_404"});
    }
    ASSERT_TRUE(monitors_->record_dead_links(*r, nj_site_, dead));
    ASSERT_TRUE(monitors_->finish_run(*r, {1, 3, static_cast<std::int64_t>(dead.size())}));
  }

  Browser op = user("nj-operator");
  Page all = op.get("/monitor");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_NE(all.body.find("监测发现"), std::string::npos);
  EXPECT_NE(all.body.find("njgh.org.cn:443"), std::string::npos);
  EXPECT_EQ(all.body.find("szgh.org.cn:443"), std::string::npos);  // another organisation's site
  EXPECT_NE(all.body.find("https://njgh.org.cn/"), std::string::npos);  // the open incident
  Page critical = op.get("/monitor?severity=critical");
  EXPECT_EQ(critical.body.find("njgh.org.cn:443"), std::string::npos);
  EXPECT_EQ(op.get("/monitor?probe=nonsense").status, 400);

  Page site = op.get(monitor_path(nj_site_));
  ASSERT_EQ(site.status, 200) << site.body;
  EXPECT_NE(site.body.find("https://gone.example/2"), std::string::npos);
  EXPECT_NE(site.body.find("https://njgh.org.cn/news/1.html"), std::string::npos);
  EXPECT_EQ(site.body.find("<script>alert"), std::string::npos);
  EXPECT_NE(site.body.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(site.body.find("<polyline"), std::string::npos);  // the link history's sparkline
  EXPECT_NE(site.body.find("故障开始"), std::string::npos);     // the incident's timeline
  EXPECT_EQ(site.body.find("monitor-allow-form"), std::string::npos);  // operators cannot edit the allowlist

  Browser admin = user("nj-admin");
  Page allowed = admin.post(monitor_path(nj_site_) + "/allowlist", {{"host", "www.gov.cn"}});
  EXPECT_EQ(allowed.status, 303) << allowed.body;
  EXPECT_EQ(*monitors_->link_allowlist(nj_site_), std::vector<std::string>{"www.gov.cn"});
  EXPECT_FALSE(events("monitor.allowlist_add").empty());
  EXPECT_EQ(admin.post(monitor_path(nj_site_) + "/allowlist", {{"host", "not a host"}}).status, 400);
  // N3.6: and removed again by the same people (audited); operators see no remove button.
  EXPECT_EQ(site.body.find("monitor-disallow-form"), std::string::npos);
  Page listed = admin.get(monitor_path(nj_site_));
  EXPECT_NE(listed.body.find("monitor-disallow-form"), std::string::npos);
  EXPECT_EQ(op.post(monitor_path(nj_site_) + "/allowlist/remove", {{"host", "www.gov.cn"}}).status, 403);
  EXPECT_EQ(admin.post(monitor_path(nj_site_) + "/allowlist/remove", {{"host", "not.listed.cn"}}).status, 400);
  EXPECT_EQ(*monitors_->link_allowlist(nj_site_), std::vector<std::string>{"www.gov.cn"});
  Page removed = admin.post(monitor_path(nj_site_) + "/allowlist/remove", {{"host", "www.gov.cn"}});
  EXPECT_EQ(removed.status, 303) << removed.body;
  EXPECT_TRUE(monitors_->link_allowlist(nj_site_)->empty());
  EXPECT_FALSE(events("monitor.allowlist_remove").empty());

  auto history = monitors_->dead_link_history(identity::Principal::system("test"), nj_site_, 10);
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ(history->front().dead, 1);
  EXPECT_EQ(history->back().dead, 3);
}

}  // namespace
}  // namespace sw::console::testing
