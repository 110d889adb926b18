// AuditLog::append_async(), group commit of large batches, and the checks that keep them as safe as
// append(): order, seqs, error propagation, back-pressure, draining on close, checkpoint spacing.
#include <gtest/gtest.h>

#include <future>
#include <thread>
#include <vector>

#include "audit_test_support.h"

namespace sw::audit::testing {
namespace {

using namespace std::chrono_literals;

class AppendAsyncTest : public AuditTest {
 protected:
  // Makes the database refuse any event by `actor`, as a full disk or a broken file would.
  void refuse_inserts_by(std::string_view actor) {
    tamper(std::string("CREATE TRIGGER refuse_actor BEFORE INSERT ON audit_events WHEN NEW.actor = '") +
           std::string(actor) + "' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  }
};

TEST_F(AppendAsyncTest, FuturesResolveWithConsecutiveSeqsInCallOrder) {
  auto log = open_log();
  std::vector<std::future<Result<std::int64_t>>> futures;
  for (int i = 0; i < 300; ++i) futures.push_back(log->append_async(make_event("alice", "user.update")));
  for (std::size_t i = 0; i < futures.size(); ++i) EXPECT_EQ(futures[i].get().value(), i + 1);
  auto report = log->verify({public_key()}).value();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.events_checked, 300);
}

TEST_F(AppendAsyncTest, EventIsCommittedWhenItsFutureResolves) {
  auto log = open_log();
  auto seq = log->append_async(make_event("alice", "auth.login")).get();
  ASSERT_TRUE(seq.has_value());
  auto db = store::Database::open(db_path(), store::OpenOptions{.apply_migrations = false}).value();
  EXPECT_EQ(db->query_one("SELECT actor FROM audit_events WHERE seq = ?", {*seq}).value()->text(0), "alice");
}

TEST_F(AppendAsyncTest, BadDetailsFailAtOnceWithoutTakingASeq) {
  auto log = open_log();
  Event bad = make_event("alice", "auth.login");
  bad.details = nlohmann::json::array({1});
  auto refused = log->append_async(bad);
  ASSERT_EQ(refused.wait_for(0s), std::future_status::ready);
  EXPECT_EQ(refused.get().error().code, "audit.bad_event");
  EXPECT_EQ(log->append_async(make_event("alice", "auth.login")).get().value(), 1);
}

TEST_F(AppendAsyncTest, FailedCommitFailsItsEventsAndLeavesTheChainHeadWhereItWas) {
  {
    auto log = open_log();
    ASSERT_TRUE(log->append(make_event("alice", "auth.login")).has_value());
  }
  refuse_inserts_by("mallory");
  auto log = open_log();
  auto refused = log->append_async(make_event("mallory", "auth.login")).get();
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, "store.constraint");
  EXPECT_EQ(log->append_async(make_event("alice", "auth.logout")).get().value(), 2);
  auto report = log->verify({public_key()}).value();
  EXPECT_TRUE(report.ok) << report.problem;
}

TEST_F(AppendAsyncTest, CloseCommitsEverythingQueuedAndResolvesEveryFuture) {
  std::vector<std::future<Result<std::int64_t>>> futures;
  {
    auto log = open_log();
    for (int i = 0; i < 500; ++i) futures.push_back(log->append_async(make_event("alice", "user.update")));
  }
  for (std::size_t i = 0; i < futures.size(); ++i) {
    ASSERT_EQ(futures[i].wait_for(0s), std::future_status::ready);
    EXPECT_EQ(futures[i].get().value(), i + 1);
  }
  auto report = verify().value();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.events_checked, 500);
}

TEST_F(AppendAsyncTest, FullQueueMakesCallersWaitInsteadOfDroppingEvents) {
  auto log = open_log(Options{.max_queued_events = 2});
  std::vector<std::thread> callers;
  std::vector<std::vector<std::int64_t>> seqs(4);
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&, t] {
      std::vector<std::future<Result<std::int64_t>>> mine;
      for (int i = 0; i < 100; ++i) mine.push_back(log->append_async(make_event("alice", "user.update")));
      for (auto& f : mine) seqs[t].push_back(f.get().value());
    });
  }
  for (auto& c : callers) c.join();
  for (const auto& mine : seqs) {
    ASSERT_EQ(mine.size(), 100u);
    EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end())) << "one caller's events keep their order";
  }
  EXPECT_EQ(log->count({}).value(), 400);
  EXPECT_TRUE(log->verify({public_key()}).value().ok);
}

TEST_F(AppendAsyncTest, AppendAllLargerThanTheQueueLimitStillGoesThrough) {
  auto log = open_log(Options{.max_queued_events = 3});
  std::vector<Event> bulk(10, make_event("alice", "user.import"));
  EXPECT_EQ(log->append_all(std::move(bulk)).value(), 1);
  EXPECT_EQ(log->count({}).value(), 10);
}

TEST_F(AppendAsyncTest, QueueLimitBelowOneIsRefused) {
  auto log = AuditLog::open(db_path(), crypto::suite(crypto::SuiteId::gm), node_key(),
                            Options{.max_queued_events = 0}, clock_);
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().code, "audit.bad_options");
}

TEST_F(AppendAsyncTest, LargeBatchKeepsTheCheckpointSpacing) {
  {
    auto log = open_log(Options{.checkpoint_every_events = 10});
    std::vector<Event> bulk(35, make_event("alice", "user.import"));
    ASSERT_TRUE(log->append_all(std::move(bulk)).has_value());
    EXPECT_EQ(checkpoint_count(), 3) << "checkpoints at seq 10, 20 and 30 inside the one commit";
  }
  auto report = verify().value();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.checkpoints_checked, 4) << "and the final one at seq 35 on close";
}

TEST_F(AppendAsyncTest, ValidChineseTextIsStoredUnchanged) {
  auto log = open_log();
  Event e = make_event("张伟", "auth.login");
  e.object = "站点:江苏省总工会 🏛";
  ASSERT_TRUE(log->append(e).has_value());
  auto stored = log->query({}).value().at(0).event;
  EXPECT_EQ(stored.actor, "张伟");
  EXPECT_EQ(stored.object, "站点:江苏省总工会 🏛");
}

TEST_F(AppendAsyncTest, OverlongSurrogateAndOutOfRangeSequencesAreReplaced) {
  auto log = open_log();
  for (std::string bad : {std::string("a\xC0\xAF"
                                      "b"),
                          std::string("a\xED\xA0\x80"
                                      "b"),
                          std::string("a\xF4\x90\x80\x80"
                                      "b"),
                          std::string("a\xE4\xB8"
                                      "b")}) {
    ASSERT_TRUE(log->append(make_event(bad, "auth.login")).has_value());
    auto actor = log->query({.limit = 1}).value().at(0).event.actor;
    EXPECT_NE(actor, bad);
    EXPECT_NE(actor.find("\xEF\xBF\xBD"), std::string::npos);
    EXPECT_NO_THROW((void)nlohmann::json(actor).dump());
  }
  EXPECT_TRUE(log->verify({public_key()}).value().ok);
}

}  // namespace
}  // namespace sw::audit::testing
