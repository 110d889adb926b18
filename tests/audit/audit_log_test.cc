// AuditLog: append, query, checkpoints, options and the append-only guarantee (N7.4, N8.4).
#include "audit/audit_log.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "audit_test_support.h"

namespace sw::audit::testing {
namespace {

using namespace std::chrono_literals;

class AuditLogTest : public AuditTest {};

std::vector<std::int64_t> seqs_of(const std::vector<StoredEvent>& events) {
  std::vector<std::int64_t> out;
  for (const auto& e : events) out.push_back(e.seq);
  return out;
}

TEST_F(AuditLogTest, AppendReturnsConsecutiveSeqsFromOne) {
  auto log = open_log();
  EXPECT_EQ(log->append(make_event("alice", "auth.login")).value(), 1);
  EXPECT_EQ(log->append(make_event("alice", "auth.logout")).value(), 2);
  EXPECT_EQ(log->append(make_event("bob", "auth.login")).value(), 3);
}

// The CLI, a guard-only node and the watcher append to the node's one log from other processes: each
// writer picks up the head another moved, and the chain stays whole.
TEST_F(AuditLogTest, TwoWritersOnOneDatabaseExtendOneChain) {
  auto first = open_log();
  auto second = open_log();
  EXPECT_EQ(first->append(make_event("alice", "auth.login")).value(), 1);
  EXPECT_EQ(second->append(make_event("watch", "watch.tamper")).value(), 2);
  EXPECT_EQ(first->append(make_event("alice", "auth.logout")).value(), 3);
  EXPECT_EQ(second->append(make_event("guard", "guard.tamper")).value(), 4);
  ASSERT_TRUE(first->checkpoint());
  EXPECT_EQ(second->append(make_event("bob", "auth.login")).value(), 5);
  auto report = verify().value();
  EXPECT_TRUE(report.ok) << report.problem;
}

TEST_F(AuditLogTest, AppendAllGivesConsecutiveSeqsAndReturnsTheFirst) {
  auto log = open_log();
  ASSERT_TRUE(log->append(make_event("alice", "auth.login")).has_value());
  std::vector<Event> bulk{make_event("alice", "user.create"), make_event("alice", "user.create")};
  EXPECT_EQ(log->append_all(bulk).value(), 2);
  EXPECT_EQ(log->append(make_event("alice", "auth.logout")).value(), 4);
  EXPECT_EQ(log->count({.action = "user.create"}).value(), 2);
}

TEST_F(AuditLogTest, AppendAllOfNothingIsRefused) {
  auto log = open_log();
  EXPECT_EQ(log->append_all({}).error().code, "audit.bad_event");
}

TEST_F(AuditLogTest, StoredEventKeepsEveryField) {
  auto log = open_log();
  Event e{.actor = "zhangwei",
          .actor_role = "",
          .org_id = std::nullopt,
          .site_id = 42,
          .action = "auth.login",
          .object = "user:zhangwei",
          .outcome = Outcome::denied,
          .client_ip = "2001:db8::1",
          .request_id = "r-77",
          .details = {{"attempt", 3}, {"reason", "密码错误"}}};
  ASSERT_TRUE(log->append(e).has_value());

  auto stored = log->query({}).value().at(0);
  EXPECT_EQ(stored.seq, 1);
  EXPECT_EQ(stored.time, clock_.now());
  EXPECT_EQ(stored.event.actor, "zhangwei");
  EXPECT_EQ(stored.event.actor_role, "");
  EXPECT_EQ(stored.event.org_id, std::nullopt);
  EXPECT_EQ(stored.event.site_id, 42);
  EXPECT_EQ(stored.event.action, "auth.login");
  EXPECT_EQ(stored.event.object, "user:zhangwei");
  EXPECT_EQ(stored.event.outcome, Outcome::denied);
  EXPECT_EQ(stored.event.client_ip, "2001:db8::1");
  EXPECT_EQ(stored.event.request_id, "r-77");
  EXPECT_EQ(stored.event.details, e.details);
  EXPECT_TRUE(stored.hash.starts_with("sm3:")) << stored.hash;
}

TEST_F(AuditLogTest, EventTimeNeverGoesBackwards) {
  auto log = open_log();
  ASSERT_TRUE(log->append(make_event("alice", "auth.login")).has_value());
  TimePoint first = clock_.now();
  clock_.advance(-1h);
  ASSERT_TRUE(log->append(make_event("alice", "auth.logout")).has_value());
  EXPECT_EQ(log->query({}).value().at(0).time, first);
}

TEST_F(AuditLogTest, DetailsThatAreNotAnObjectAreRefused) {
  auto log = open_log();
  Event e = make_event("alice", "auth.login");
  e.details = nlohmann::json::array({1, 2});
  auto seq = log->append(e);
  ASSERT_FALSE(seq.has_value());
  EXPECT_EQ(seq.error().code, "audit.bad_event");
}

TEST_F(AuditLogTest, InvalidUtf8IsStoredWithReplacementCharacters) {
  auto log = open_log();
  ASSERT_TRUE(log->append(make_event("bad\xff"
                                     "name",
                                     "auth.login"))
                  .has_value());
  EXPECT_EQ(log->query({}).value().at(0).event.actor, "bad\xEF\xBF\xBDname");
  EXPECT_TRUE(log->verify({public_key()}).value().ok);
}

TEST_F(AuditLogTest, QueryReturnsNewestFirst) {
  auto log = open_log();
  append_events(*log, 3);
  EXPECT_EQ(seqs_of(log->query({}).value()), (std::vector<std::int64_t>{3, 2, 1}));
}

TEST_F(AuditLogTest, QueryFiltersByActor) {
  auto log = open_log();
  ASSERT_TRUE(log->append(make_event("alice", "auth.login")).has_value());
  ASSERT_TRUE(log->append(make_event("bob", "auth.login")).has_value());
  ASSERT_TRUE(log->append(make_event("alice", "auth.logout")).has_value());
  EXPECT_EQ(seqs_of(log->query({.actor = "alice"}).value()), (std::vector<std::int64_t>{3, 1}));
}

TEST_F(AuditLogTest, QueryFiltersByExactAction) {
  auto log = open_log();
  ASSERT_TRUE(log->append(make_event("alice", "user.create")).has_value());
  ASSERT_TRUE(log->append(make_event("alice", "user.create.bulk")).has_value());
  EXPECT_EQ(seqs_of(log->query({.action = "user.create"}).value()), (std::vector<std::int64_t>{1}));
}

TEST_F(AuditLogTest, ActionPrefixEndingInDotMatchesTheWholeFamily) {
  auto log = open_log();
  for (auto action : {"user.create", "auth.login", "user.lock", "userx.create", "user"}) {
    ASSERT_TRUE(log->append(make_event("alice", action)).has_value());
  }
  EXPECT_EQ(seqs_of(log->query({.action = "user."}).value()), (std::vector<std::int64_t>{3, 1}));
}

TEST_F(AuditLogTest, QueryFiltersBySite) {
  auto log = open_log();
  ASSERT_TRUE(log->append(make_event("alice", "site.update", 7)).has_value());
  ASSERT_TRUE(log->append(make_event("alice", "site.update", 8)).has_value());
  ASSERT_TRUE(log->append(make_event("alice", "auth.login")).has_value());
  EXPECT_EQ(seqs_of(log->query({.site_id = 8}).value()), (std::vector<std::int64_t>{2}));
}

TEST_F(AuditLogTest, QueryTimeRangeIsInclusive) {
  auto log = open_log();
  std::vector<TimePoint> times;
  for (int i = 0; i < 5; ++i) {
    clock_.advance(1min);
    times.push_back(clock_.now());
    ASSERT_TRUE(log->append(make_event("alice", "auth.login")).has_value());
  }
  EXPECT_EQ(seqs_of(log->query({.from = times[1], .to = times[3]}).value()),
            (std::vector<std::int64_t>{4, 3, 2}));
}

TEST_F(AuditLogTest, QueryPagesWithOffsetAndLimit) {
  auto log = open_log();
  append_events(*log, 7);
  EXPECT_EQ(seqs_of(log->query({.offset = 0, .limit = 3}).value()), (std::vector<std::int64_t>{7, 6, 5}));
  EXPECT_EQ(seqs_of(log->query({.offset = 3, .limit = 3}).value()), (std::vector<std::int64_t>{4, 3, 2}));
  EXPECT_EQ(seqs_of(log->query({.offset = 6, .limit = 3}).value()), (std::vector<std::int64_t>{1}));
}

TEST_F(AuditLogTest, CountIgnoresPaging) {
  auto log = open_log();
  append_events(*log, 7);
  ASSERT_TRUE(log->append(make_event("bob", "auth.login")).has_value());
  EXPECT_EQ(log->count({.actor = "alice", .offset = 5, .limit = 1}).value(), 7);
}

TEST_F(AuditLogTest, QueryRefusesALimitOutsideItsRange) {
  auto log = open_log();
  EXPECT_EQ(log->query({.limit = 0}).error().code, "audit.bad_query");
  EXPECT_EQ(log->query({.limit = kMaxQueryLimit + 1}).error().code, "audit.bad_query");
  EXPECT_EQ(log->query({.offset = -1}).error().code, "audit.bad_query");
}

TEST_F(AuditLogTest, RetentionBelowSixMonthsIsRefused) {
  auto log = AuditLog::open(db_path(), crypto::suite(crypto::SuiteId::gm), node_key(),
                            Options{.retention_days = 182}, clock_);
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().code, "audit.bad_options");
  EXPECT_NE(log.error().message.find("183"), std::string::npos) << log.error().message;
}

TEST_F(AuditLogTest, RetentionLongerThanSixMonthsIsAccepted) {
  EXPECT_NE(open_log(Options{.retention_days = 3650}), nullptr);
}

TEST_F(AuditLogTest, NodeKeyOfAnotherSuiteIsRefused) {
  auto log = AuditLog::open(db_path(), crypto::suite(crypto::SuiteId::gm), node_key(crypto::SuiteId::intl),
                            {}, clock_);
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().code, "audit.bad_options");
}

TEST_F(AuditLogTest, CheckpointIsWrittenEveryNEvents) {
  auto log = open_log(Options{.checkpoint_every_events = 5});
  append_events(*log, 12);
  EXPECT_EQ(checkpoint_count(), 2);
}

TEST_F(AuditLogTest, CheckpointIsWrittenOnceTheIntervalHasPassed) {
  auto log = open_log(Options{.checkpoint_every_events = 1000, .checkpoint_interval = 60s});
  ASSERT_TRUE(log->append(make_event("alice", "auth.login")).has_value());
  EXPECT_EQ(checkpoint_count(), 0);
  clock_.advance(61s);
  ASSERT_TRUE(log->append(make_event("alice", "auth.login")).has_value());
  EXPECT_EQ(checkpoint_count(), 1);
}

TEST_F(AuditLogTest, CheckpointNowCoversTheNewestEvent) {
  auto log = open_log();
  append_events(*log, 3);
  ASSERT_TRUE(log->checkpoint().has_value());
  ASSERT_TRUE(log->checkpoint().has_value());
  EXPECT_EQ(checkpoint_count(), 1);
}

TEST_F(AuditLogTest, CloseFlushesAndWritesAFinalCheckpoint) {
  write_log(3);
  EXPECT_EQ(checkpoint_count(), 1);
  auto report = verify().value();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.events_checked, 3);
  EXPECT_EQ(report.checkpoints_checked, 1);
}

TEST_F(AuditLogTest, ReopenedLogContinuesTheChain) {
  write_log(3);
  auto log = open_log();
  EXPECT_EQ(log->append(make_event("alice", "auth.login")).value(), 4);
  auto report = log->verify({public_key()}).value();
  EXPECT_TRUE(report.ok) << report.problem;
}

TEST_F(AuditLogTest, EmptyLogVerifies) {
  auto log = open_log();
  auto report = log->verify({public_key()}).value();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.events_checked, 0);
}

TEST_F(AuditLogTest, PlatformConnectionCannotUpdateEvents) {
  write_log(2);
  auto db = store::Database::open(db_path()).value();
  EXPECT_FALSE(db->exec("UPDATE audit_events SET actor = 'mallory' WHERE seq = 1").has_value());
}

TEST_F(AuditLogTest, PlatformConnectionCannotDeleteEvents) {
  write_log(2);
  auto db = store::Database::open(db_path()).value();
  EXPECT_FALSE(db->exec("DELETE FROM audit_events WHERE seq = 2").has_value());
}

TEST_F(AuditLogTest, PlatformConnectionCannotDeleteCheckpoints) {
  write_log(2);
  auto db = store::Database::open(db_path()).value();
  EXPECT_FALSE(db->exec("DELETE FROM audit_checkpoints").has_value());
}

TEST_F(AuditLogTest, ConcurrentAppendersGetGaplessSeqsAndAValidChain) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 250;
  auto log = open_log(Options{.checkpoint_every_events = 100});
  std::vector<std::vector<std::int64_t>> seqs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i)
        seqs[t].push_back(log->append(make_event("alice", "auth.login")).value());
    });
  }
  for (auto& t : threads) t.join();

  std::set<std::int64_t> all;
  for (const auto& s : seqs) all.insert(s.begin(), s.end());
  ASSERT_EQ(all.size(), std::size_t{kThreads * kPerThread});
  EXPECT_EQ(*all.begin(), 1);
  EXPECT_EQ(*all.rbegin(), kThreads * kPerThread);
  auto report = log->verify({public_key()}).value();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.events_checked, kThreads * kPerThread);
}

TEST_F(AuditLogTest, ChainSpanningASuiteSwitchVerifies) {
  {
    auto gm = open_log({}, crypto::SuiteId::gm);
    append_events(*gm, 3);
  }
  {
    auto intl = open_log({}, crypto::SuiteId::intl);
    append_events(*intl, 3);
    auto events = intl->query({}).value();
    EXPECT_TRUE(events.at(0).hash.starts_with("sha256:"));
    EXPECT_TRUE(events.at(5).hash.starts_with("sm3:"));
  }
  auto report = verify({public_key(crypto::SuiteId::gm), public_key(crypto::SuiteId::intl)}).value();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.events_checked, 6);
  EXPECT_EQ(report.checkpoints_checked, 2);
}

TEST(Outcome, NamesRoundTrip) {
  for (auto o : {Outcome::success, Outcome::failure, Outcome::denied})
    EXPECT_EQ(parse_outcome(to_string(o)), o);
  EXPECT_EQ(parse_outcome("maybe").error().code, "audit.bad_outcome");
}

}  // namespace
}  // namespace sw::audit::testing
