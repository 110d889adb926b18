// Specification of MonitorService (issue 7): results, incidents after N consecutive failures with an
// append-only timeline and audit events, findings opened/refreshed/resolved by each pass, reads scoped
// to an organisation subtree with monitor.read, the link allowlist (N3.6).
#include "monitor/monitor_service.h"

#include <gtest/gtest.h>

#include "identity/fixture.h"  // FakeAuditLog

namespace sw::monitor {
namespace {

using identity::Principal;
using identity::Role;
using identity::Scope;

Principal with_role(std::int64_t id, const std::string& name, Role role, Scope scope) {
  identity::Grant g;
  g.id = id;
  g.user_id = id;
  g.role = role;
  g.scope = scope;
  g.granted_by = "cli:tester";
  return Principal::user(id, name, {g});
}

class MonitorServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Database::open_memory();
    ASSERT_TRUE(db) << db.error().to_string();
    db_ = std::move(*db);
    root_ = insert("INSERT INTO organisations (parent_id, name, kind) VALUES (NULL, '江苏省总工会', 'province')");
    nanjing_ = insert("INSERT INTO organisations (parent_id, name, kind) VALUES (" + std::to_string(root_) +
                      ", '南京市总工会', 'city')");
    suzhou_ = insert("INSERT INTO organisations (parent_id, name, kind) VALUES (" + std::to_string(root_) +
                     ", '苏州市总工会', 'city')");
    nanjing_site_ = insert("INSERT INTO sites (org_id, name) VALUES (" + std::to_string(nanjing_) + ", '南京工会网')");
    suzhou_site_ = insert("INSERT INTO sites (org_id, name) VALUES (" + std::to_string(suzhou_) + ", '苏州工会网')");
    MonitorOptions options;
    options.incident_after = 3;
    service_ = std::make_unique<MonitorService>(*db_, audit_, options, clock_);
  }

  std::int64_t insert(const std::string& sql) {
    EXPECT_TRUE(db_->exec(sql));
    return db_->last_insert_id();
  }

  IncidentChange probe(std::int64_t site, bool ok, const std::string& target = "https://a.org.cn/") {
    clock_.advance(std::chrono::minutes(5));
    auto r = service_->record({site, Probe::uptime, target, ok, 12, {{"status", ok ? 200 : 0}}});
    EXPECT_TRUE(r) << r.error().to_string();
    return r.value_or(IncidentChange::none);
  }

  std::unique_ptr<store::Database> db_;
  identity::testing::FakeAuditLog audit_;
  FakeClock clock_;
  std::unique_ptr<MonitorService> service_;
  std::int64_t root_ = 0, nanjing_ = 0, suzhou_ = 0, nanjing_site_ = 0, suzhou_site_ = 0;
  const Principal machine_ = Principal::system("tester");
};

TEST_F(MonitorServiceTest, IncidentOpensAfterNConsecutiveFailuresAndClosesOnRecovery) {
  EXPECT_EQ(probe(nanjing_site_, false), IncidentChange::none);
  EXPECT_EQ(probe(nanjing_site_, true), IncidentChange::none);  // the streak is broken
  EXPECT_EQ(probe(nanjing_site_, false), IncidentChange::none);
  EXPECT_EQ(probe(nanjing_site_, false), IncidentChange::none);
  EXPECT_EQ(probe(nanjing_site_, false), IncidentChange::opened);
  EXPECT_EQ(probe(nanjing_site_, false), IncidentChange::failed);
  EXPECT_EQ(probe(nanjing_site_, true), IncidentChange::closed);
  EXPECT_EQ(probe(nanjing_site_, true), IncidentChange::none);

  auto all = service_->incidents(machine_, Scope::org(root_), false);
  ASSERT_TRUE(all) << all.error().to_string();
  ASSERT_EQ(all->size(), 1u);
  EXPECT_TRUE((*all)[0].closed_at.has_value());
  auto timeline = service_->timeline(machine_, (*all)[0].id);
  ASSERT_TRUE(timeline);
  ASSERT_EQ(timeline->size(), 3u);
  EXPECT_EQ((*timeline)[0].kind, "opened");
  EXPECT_EQ((*timeline)[1].kind, "failed");
  EXPECT_EQ((*timeline)[2].kind, "recovered");

  int opened = 0, closed = 0;
  for (const auto& e : audit_.events) {
    opened += e.action == "monitor.incident_open";
    closed += e.action == "monitor.incident_close";
  }
  EXPECT_EQ(opened, 1);
  EXPECT_EQ(closed, 1);
}

TEST_F(MonitorServiceTest, TimelineIsAppendOnly) {
  for (int i = 0; i < 3; ++i) probe(nanjing_site_, false);
  EXPECT_FALSE(db_->exec("UPDATE monitor_incident_events SET kind = 'recovered'"));
  EXPECT_FALSE(db_->exec("DELETE FROM monitor_incident_events"));
  EXPECT_FALSE(db_->exec("DELETE FROM monitor_incidents"));
}

TEST_F(MonitorServiceTest, IncidentsAreCountedPerTarget) {
  probe(nanjing_site_, false, "https://a.org.cn/");
  probe(nanjing_site_, false, "https://b.org.cn/");
  probe(nanjing_site_, false, "https://a.org.cn/");
  EXPECT_EQ(probe(nanjing_site_, false, "https://b.org.cn/"), IncidentChange::none);
  EXPECT_EQ(probe(nanjing_site_, false, "https://a.org.cn/"), IncidentChange::opened);
}

TEST_F(MonitorServiceTest, AvailabilityCountsLoadedProbesInTheWindow) {
  const TimePoint start = clock_.now();
  for (int i = 0; i < 19; ++i) probe(nanjing_site_, true);
  probe(nanjing_site_, false);
  auto a = service_->availability(nanjing_site_, Probe::uptime, start, clock_.now());
  ASSERT_TRUE(a);
  EXPECT_EQ(a->probes, 20);
  EXPECT_EQ(a->loaded, 19);
  EXPECT_DOUBLE_EQ(a->ratio(), 0.95);
  auto none = service_->availability(suzhou_site_, Probe::uptime, start, clock_.now());
  EXPECT_EQ(none->probes, 0);
}

TEST_F(MonitorServiceTest, ReconcileOpensRefreshesAndResolvesFindings) {
  Observation expiring{"tls.expiring", "a.org.cn:443", Severity::warning, "N7.4", {{"days_left", 20}}};
  Observation no_hsts{"tls.no_hsts", "a.org.cn:443", Severity::warning, "N7.2", {}};
  ASSERT_TRUE(service_->reconcile(nanjing_site_, Probe::tls, {expiring, no_hsts}));
  clock_.advance(std::chrono::hours(24));
  expiring.severity = Severity::critical;
  expiring.evidence["days_left"] = 6;
  ASSERT_TRUE(service_->reconcile(nanjing_site_, Probe::tls, {expiring}));

  auto open = service_->findings(machine_, Scope::site(nanjing_site_));
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].observation.kind, "tls.expiring");
  EXPECT_EQ((*open)[0].observation.severity, Severity::critical);
  EXPECT_EQ((*open)[0].observation.evidence["days_left"], 6);
  EXPECT_LT((*open)[0].first_seen, (*open)[0].last_seen);

  auto all = service_->findings(machine_, Scope::site(nanjing_site_), false);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].state, FindingState::resolved);

  // Another probe's pass leaves these alone.
  ASSERT_TRUE(service_->reconcile(nanjing_site_, Probe::uptime, {}));
  EXPECT_EQ(service_->findings(machine_, Scope::site(nanjing_site_))->size(), 1u);
}

TEST_F(MonitorServiceTest, BadObservationIsRefusedAndNothingStored) {
  Observation bad{"tls.expiring", "", Severity::warning, "N7.4", {}};
  auto r = service_->reconcile(nanjing_site_, Probe::tls, {bad});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "monitor.bad_input");
  EXPECT_TRUE(service_->findings(machine_, Scope::org(root_), false)->empty());
  auto bad_result = service_->record({nanjing_site_, Probe::uptime, "", false, 0, {}});
  ASSERT_FALSE(bad_result);
  EXPECT_EQ(bad_result.error().code, "monitor.bad_input");
}

TEST_F(MonitorServiceTest, ReadsAreScopedToTheOrganisationSubtreeWithMonitorRead) {
  Observation dead{"links.dead", "https://a.org.cn/x", Severity::warning, "N3.6", {}};
  ASSERT_TRUE(service_->reconcile(nanjing_site_, Probe::links, {dead}));
  ASSERT_TRUE(service_->reconcile(suzhou_site_, Probe::links, {dead}));

  const auto nanjing_operator = with_role(7, "nj_ops", Role::operator_, Scope::org(nanjing_));
  auto mine = service_->findings(nanjing_operator, Scope::org(nanjing_));
  ASSERT_TRUE(mine) << mine.error().to_string();
  ASSERT_EQ(mine->size(), 1u);
  EXPECT_EQ((*mine)[0].site_id, nanjing_site_);

  audit_.events.clear();
  auto province = service_->findings(nanjing_operator, Scope::org(root_));
  ASSERT_FALSE(province);
  EXPECT_EQ(province.error().code, "identity.forbidden");
  ASSERT_EQ(audit_.events.size(), 1u);
  EXPECT_EQ(audit_.events[0].outcome, audit::Outcome::denied);

  const auto editor = with_role(8, "nj_editor", Role::editor, Scope::org(nanjing_));
  EXPECT_FALSE(service_->findings(editor, Scope::org(nanjing_)));  // editors lack monitor.read
  EXPECT_FALSE(service_->dead_links(editor, nanjing_site_));

  const auto security = with_role(9, "province_security", Role::security_admin, Scope::org(root_));
  EXPECT_EQ(service_->findings(security, Scope::org(root_))->size(), 2u);
}

TEST_F(MonitorServiceTest, AllowlistTakesDnsNamesWithSiteConfigureAndIsAudited) {
  const auto site_admin = with_role(5, "nj_admin", Role::site_admin, Scope::org(nanjing_));
  const identity::Actor actor{site_admin, "192.0.2.1", "req-1"};
  ASSERT_TRUE(service_->allow_link_host(actor, nanjing_site_, "WWW.Gov.CN"));
  ASSERT_TRUE(service_->allow_link_host(actor, nanjing_site_, "www.gov.cn"));  // listed already: no-op
  auto bad = service_->allow_link_host(actor, nanjing_site_, "evil.com/path");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "monitor.bad_input");
  auto other = service_->allow_link_host(actor, suzhou_site_, "acftu.org");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, "identity.forbidden");
  EXPECT_EQ(service_->link_allowlist(nanjing_site_).value(), std::vector<std::string>{"www.gov.cn"});
  EXPECT_TRUE(service_->link_allowlist(suzhou_site_)->empty());
  ASSERT_GE(audit_.events.size(), 4u);
  EXPECT_EQ(audit_.events[0].action, "monitor.allowlist_add");
  EXPECT_EQ(audit_.events[2].outcome, audit::Outcome::failure);
  EXPECT_EQ(audit_.events[3].outcome, audit::Outcome::denied);
}

// N3.6: a host allowed by mistake (or no longer suitable) can be taken off again; the entry is kept
// with its removal time, the removal is audited, and bad input changes nothing.
TEST_F(MonitorServiceTest, AllowlistHostIsRemovedWithSiteConfigureAndAudited) {
  const auto site_admin = with_role(5, "nj_admin", Role::site_admin, Scope::org(nanjing_));
  const identity::Actor actor{site_admin, "192.0.2.1", "req-1"};
  ASSERT_TRUE(service_->allow_link_host(actor, nanjing_site_, "www.gov.cn"));
  ASSERT_TRUE(service_->allow_link_host(actor, nanjing_site_, "acftu.org"));
  const std::size_t before = audit_.events.size();

  auto missing = service_->disallow_link_host(actor, nanjing_site_, "never.listed.cn");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "monitor.not_found");
  EXPECT_NE(missing.error().message.find("never.listed.cn"), std::string::npos);
  auto bad = service_->disallow_link_host(actor, nanjing_site_, "evil.com/path");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "monitor.bad_input");
  auto other = service_->disallow_link_host(actor, suzhou_site_, "www.gov.cn");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, "identity.forbidden");
  EXPECT_EQ(service_->link_allowlist(nanjing_site_).value(), (std::vector<std::string>{"acftu.org", "www.gov.cn"}));

  ASSERT_TRUE(service_->disallow_link_host(actor, nanjing_site_, "WWW.gov.cn"));
  EXPECT_EQ(service_->link_allowlist(nanjing_site_).value(), std::vector<std::string>{"acftu.org"});
  auto again = service_->disallow_link_host(actor, nanjing_site_, "www.gov.cn");  // removed already
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, "monitor.not_found");
  ASSERT_TRUE(service_->allow_link_host(actor, nanjing_site_, "www.gov.cn"));  // can be added back
  EXPECT_EQ(service_->link_allowlist(nanjing_site_)->size(), 2u);
  auto kept = db_->query_one("SELECT COUNT(*) FROM monitor_link_allowlist WHERE host = 'www.gov.cn'");
  ASSERT_TRUE(kept && *kept);
  EXPECT_EQ((*kept)->integer(0), 2);  // the removed entry is kept, with its removal time

  std::vector<audit::Outcome> outcomes;
  for (std::size_t i = before; i < audit_.events.size(); ++i) {
    if (audit_.events[i].action == "monitor.allowlist_remove") outcomes.push_back(audit_.events[i].outcome);
  }
  EXPECT_EQ(outcomes, (std::vector<audit::Outcome>{audit::Outcome::failure, audit::Outcome::failure,
                                                   audit::Outcome::denied, audit::Outcome::success,
                                                   audit::Outcome::failure}));
}

TEST_F(MonitorServiceTest, DeadLinksOfTheLastPassAndTheDayCache) {
  auto run1 = service_->begin_run(Probe::links, "tester");
  ASSERT_TRUE(run1);
  ASSERT_TRUE(service_->record_dead_links(*run1, nanjing_site_, {{"https://a.org.cn/x", "https://a.org.cn/", "旧链接", 404, "http_404"}}));
  ASSERT_TRUE(service_->finish_run(*run1, {1, 1, 1}));
  auto run2 = service_->begin_run(Probe::links, "tester");
  ASSERT_TRUE(service_->record_dead_links(*run2, nanjing_site_, {{"https://a.org.cn/y", "https://a.org.cn/", "新", 0, "timeout"}}));
  auto dead = service_->dead_links(machine_, nanjing_site_);
  ASSERT_TRUE(dead);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].url, "https://a.org.cn/y");

  ASSERT_TRUE(service_->cache_links({{"https://ext.example/", {200, "", clock_.now()}}}));
  EXPECT_TRUE(service_->cached_link("https://ext.example/", std::chrono::hours(24)).value().has_value());
  clock_.advance(std::chrono::hours(25));
  EXPECT_FALSE(service_->cached_link("https://ext.example/", std::chrono::hours(24)).value().has_value());
}

TEST_F(MonitorServiceTest, LastRunIsTheLastFinishedPass) {
  EXPECT_FALSE(service_->last_run(Probe::tls).value().has_value());
  auto run = service_->begin_run(Probe::tls, "tester");
  EXPECT_FALSE(service_->last_run(Probe::tls).value().has_value());
  ASSERT_TRUE(service_->finish_run(*run, {}));
  EXPECT_EQ(service_->last_run(Probe::tls).value(), clock_.now());
}

}  // namespace
}  // namespace sw::monitor
