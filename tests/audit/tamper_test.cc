// Tampering with the database file directly (as an attacker with file access would, triggers
// dropped first): verify names the first bad seq and what was wrong (N7.4, N8.4).
#include <gtest/gtest.h>

#include "audit/audit_tables.h"
#include "audit/chain.h"
#include "audit_test_support.h"

namespace sw::audit::testing {
namespace {

class AuditTamperTest : public AuditTest {
 protected:
  // Asserts that verify fails at `seq` with a problem containing `what`.
  void expect_detected(std::int64_t seq, std::string_view what,
                       const std::vector<crypto::PublicKey>& keys = {public_key()}) {
    auto report = verify(keys);
    ASSERT_TRUE(report.has_value()) << report.error().to_string();
    EXPECT_FALSE(report->ok);
    EXPECT_EQ(report->first_bad_seq, seq) << report->problem;
    EXPECT_NE(report->problem.find(what), std::string::npos) << report->problem;
  }
};

TEST_F(AuditTamperTest, UntouchedLogVerifies) {
  write_log(20, 10);
  auto report = verify().value();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.events_checked, 20);
  EXPECT_EQ(report.checkpoints_checked, 2);
}

TEST_F(AuditTamperTest, EditedRowIsNamed) {
  write_log(20);
  tamper("UPDATE audit_events SET details = '{\"reason\":\"nothing happened\"}' WHERE seq = 7");
  expect_detected(7, "hash mismatch: row edited");
}

TEST_F(AuditTamperTest, DeletedMiddleRowIsNamedAsTheGap) {
  write_log(20);
  tamper("DELETE FROM audit_events WHERE seq = 7");
  expect_detected(7, "gap: seq 7 missing");
}

TEST_F(AuditTamperTest, ForgedRowInsertedInTheMiddleIsNamed) {
  write_log(20);
  // Make room after seq 7, then insert a forged seq 8 that links to seq 7.
  tamper("UPDATE audit_events SET seq = -seq WHERE seq > 7");
  tamper("UPDATE audit_events SET seq = 1 - seq WHERE seq < 0");
  tamper(
      "INSERT INTO audit_events SELECT 8, time, 'mallory', actor_role, org_id, site_id, 'role.grant', "
      "object, "
      "outcome, client_ip, request_id, details, hash_alg, hash, hash FROM audit_events WHERE seq = 7");
  expect_detected(8, "hash mismatch");
}

TEST_F(AuditTamperTest, SwappedRowsNameTheFirst) {
  write_log(20);
  tamper("UPDATE audit_events SET seq = -5 WHERE seq = 5");
  tamper("UPDATE audit_events SET seq = 5 WHERE seq = 6");
  tamper("UPDATE audit_events SET seq = 6 WHERE seq = -5");
  expect_detected(5, "out of order");
}

TEST_F(AuditTamperTest, DeletedTailIsDetectedByTheLastCheckpoint) {
  write_log(20);
  tamper("DELETE FROM audit_events WHERE seq > 17");
  expect_detected(18, "events deleted");
}

TEST_F(AuditTamperTest, RewriteWithRecomputedHashesIsCaughtByACheckpoint) {
  write_log(20, 10);
  auto db = attacker_connection();
  auto rows = events_page(*db, 0, 20, 20).value();
  std::string prev = rows.at(5).hash;
  for (std::size_t i = 6; i < rows.size(); ++i) {
    auto& r = rows[i];
    if (r.seq == 7) r.actor = "mallory";
    r.prev_hash = prev;
    r.hash = chain_hash_hex(r).value();
    prev = r.hash;
    ASSERT_TRUE(db->exec("UPDATE audit_events SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                         {r.actor, r.prev_hash, r.hash, r.seq})
                    .has_value());
  }
  expect_detected(1, "checkpoint 1 does not match the chain at seq 10");
}

TEST_F(AuditTamperTest, CorruptCheckpointSignatureIsDetected) {
  write_log(20, 10);
  std::string other =
      crypto::suite(crypto::SuiteId::gm).sign(node_key(), "something else").value().to_string();
  tamper("UPDATE audit_checkpoints SET signature = ? WHERE id = 1", {other});
  expect_detected(10, "checkpoint 1 signature invalid");
}

TEST_F(AuditTamperTest, CheckpointSignedByAnotherKeyIsDetected) {
  write_log(20, 10);
  expect_detected(10, "checkpoint 1 signed by an untrusted key", {public_key(crypto::SuiteId::intl)});
}

TEST_F(AuditTamperTest, DeletedCheckpointIsDetected) {
  write_log(30, 10);
  tamper("DELETE FROM audit_checkpoints WHERE id = 2");
  expect_detected(30, "checkpoint 2 missing");
}

TEST_F(AuditTamperTest, RowWithAnUnknownHashAlgorithmIsNamed) {
  write_log(5);
  tamper("UPDATE audit_events SET hash_alg = 'md5' WHERE seq = 3");
  expect_detected(3, "unreadable row");
}

}  // namespace
}  // namespace sw::audit::testing
