// Shared fixture for the audit tests: a temporary database file, node keys for both suites, a
// FakeClock, and the raw access an attacker with the file would have.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/crypto.h"
#include "store/database.h"

namespace sw::audit::testing {

inline Event make_event(std::string actor, std::string action,
                        std::optional<std::int64_t> site_id = std::nullopt) {
  return Event{.actor = std::move(actor),
               .actor_role = "security_admin",
               .org_id = 1,
               .site_id = site_id,
               .action = std::move(action),
               .object = "user:zhangwei",
               .outcome = Outcome::success,
               .client_ip = "192.0.2.7",
               .request_id = "req-1",
               .details = {{"reason", "test"}}};
}

class AuditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sw-audit-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path db_path() const { return dir_ / "audit.db"; }

  // One node key per suite, generated once for the whole test program.
  static const crypto::SigningKey& node_key(crypto::SuiteId id = crypto::SuiteId::gm) {
    static std::map<crypto::SuiteId, crypto::SigningKey> keys;
    auto it = keys.find(id);
    if (it == keys.end()) it = keys.emplace(id, crypto::suite(id).generate_signing_key().value()).first;
    return it->second;
  }
  static crypto::PublicKey public_key(crypto::SuiteId id = crypto::SuiteId::gm) {
    return node_key(id).public_key;
  }

  std::unique_ptr<AuditLog> open_log(Options options = {}, crypto::SuiteId id = crypto::SuiteId::gm) {
    auto log = AuditLog::open(db_path(), crypto::suite(id), node_key(id), options, clock_);
    EXPECT_TRUE(log.has_value()) << (log ? "" : log.error().to_string());
    return log ? std::move(*log) : nullptr;
  }

  // Appends n events ("user.update" by "alice"), each a second after the previous.
  void append_events(AuditLog& log, int n) {
    for (int i = 0; i < n; ++i) {
      clock_.advance(std::chrono::seconds{1});
      ASSERT_TRUE(log.append(make_event("alice", "user.update")).has_value());
    }
  }

  // Writes a closed log of n events with checkpoints every `every` events (and a final one).
  void write_log(int n, std::int64_t every = 1000) {
    auto log = open_log(Options{.checkpoint_every_events = every});
    append_events(*log, n);
  }

  Result<VerifyReport> verify(const std::vector<crypto::PublicKey>& keys = {public_key()}) {
    return verify_database(db_path(), keys);
  }

  // The attacker's view: the file opened directly, the append-only triggers dropped.
  std::unique_ptr<store::Database> attacker_connection() {
    auto db = store::Database::open(db_path(), store::OpenOptions{.apply_migrations = false});
    EXPECT_TRUE(db.has_value());
    for (auto trigger : {"audit_events_no_update", "audit_events_no_delete", "audit_checkpoints_no_update",
                         "audit_checkpoints_no_delete"}) {
      EXPECT_TRUE(db.value()->exec(std::string("DROP TRIGGER IF EXISTS ") + trigger).has_value());
    }
    return std::move(*db);
  }

  void tamper(std::string_view sql, const std::vector<store::Value>& params = {}) {
    auto result = attacker_connection()->exec(sql, params);
    ASSERT_TRUE(result.has_value()) << result.error().to_string();
  }

  std::int64_t checkpoint_count() {
    auto db = store::Database::open(db_path(), store::OpenOptions{.apply_migrations = false});
    return db.value()->query_one("SELECT COUNT(*) FROM audit_checkpoints").value()->integer(0);
  }

  FakeClock clock_;
  std::filesystem::path dir_;
};

}  // namespace sw::audit::testing
