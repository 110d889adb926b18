// Export to signed JSON Lines and offline verification (N8.4: records that hold up elsewhere).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "audit_test_support.h"

namespace sw::audit::testing {
namespace {

using namespace std::chrono_literals;

class AuditExportTest : public AuditTest {
 protected:
  std::filesystem::path export_path() const { return dir_ / "audit.jsonl"; }

  // Exports every event of a fresh log of n events.
  void export_log(int n) {
    auto log = open_log();
    append_events(*log, n);
    ASSERT_TRUE(log->export_jsonl(TimePoint{}, clock_.now(), export_path()).has_value());
  }

  std::vector<std::string> lines() const {
    std::ifstream in(export_path());
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  void write_lines(const std::vector<std::string>& lines) const {
    std::ofstream out(export_path(), std::ios::trunc);
    for (const auto& line : lines) out << line << '\n';
  }

  VerifyReport verify_file(const crypto::PublicKey& key = public_key()) {
    auto report = verify_export(export_path(), key);
    EXPECT_TRUE(report.has_value()) << report.error().to_string();
    return report.value_or(VerifyReport{});
  }
};

TEST_F(AuditExportTest, ExportVerifiesOffline) {
  export_log(5);
  auto report = verify_file();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.events_checked, 5);
}

TEST_F(AuditExportTest, ExportHoldsOneLinePerEventAndASignedTrailer) {
  export_log(3);
  auto all = lines();
  ASSERT_EQ(all.size(), 4u);
  auto first = nlohmann::json::parse(all[0]);
  EXPECT_EQ(first["seq"], 1);
  EXPECT_EQ(first["actor"], "alice");
  EXPECT_EQ(first["prev_hash"], std::string(64, '0'));
  EXPECT_EQ(first["hash_alg"], "sm3");
  auto trailer = nlohmann::json::parse(all[3]);
  EXPECT_EQ(trailer["type"], "trailer");
  EXPECT_EQ(trailer["first_seq"], 1);
  EXPECT_EQ(trailer["last_seq"], 3);
  EXPECT_EQ(trailer["count"], 3);
  EXPECT_EQ(trailer["public_key"], public_key().to_string());
}

TEST_F(AuditExportTest, ExportHoldsOnlyTheTimeRange) {
  auto log = open_log();
  std::vector<TimePoint> times;
  for (int i = 0; i < 6; ++i) {
    clock_.advance(1h);
    times.push_back(clock_.now());
    ASSERT_TRUE(log->append(make_event("alice", "auth.login")).has_value());
  }
  ASSERT_TRUE(log->export_jsonl(times[2], times[4], export_path()).has_value());
  auto trailer = nlohmann::json::parse(lines().back());
  EXPECT_EQ(trailer["first_seq"], 3);
  EXPECT_EQ(trailer["last_seq"], 5);
  EXPECT_TRUE(verify_file().ok);
}

TEST_F(AuditExportTest, EmptyRangeExportVerifies) {
  auto log = open_log();
  append_events(*log, 2);
  ASSERT_TRUE(log->export_jsonl(clock_.now() + 1h, clock_.now() + 2h, export_path()).has_value());
  EXPECT_EQ(lines().size(), 1u);
  EXPECT_TRUE(verify_file().ok);
}

TEST_F(AuditExportTest, EditedLineIsNamedWithItsSeq) {
  export_log(5);
  auto all = lines();
  auto edited = nlohmann::json::parse(all[2]);
  edited["actor"] = "mallory";
  all[2] = edited.dump();
  write_lines(all);
  auto report = verify_file();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3);
  EXPECT_NE(report.problem.find("line 3 (seq 3): hash mismatch"), std::string::npos) << report.problem;
}

TEST_F(AuditExportTest, DeletedLineIsNamedAsTheGap) {
  export_log(5);
  auto all = lines();
  all.erase(all.begin() + 1);
  write_lines(all);
  auto report = verify_file();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 2);
  EXPECT_NE(report.problem.find("gap: seq 2 missing"), std::string::npos) << report.problem;
}

TEST_F(AuditExportTest, DroppedLastEventDoesNotMatchTheTrailer) {
  export_log(5);
  auto all = lines();
  all.erase(all.end() - 2);
  write_lines(all);
  auto report = verify_file();
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("trailer names seq 1..5"), std::string::npos) << report.problem;
}

TEST_F(AuditExportTest, MissingTrailerIsDetected) {
  export_log(3);
  auto all = lines();
  all.pop_back();
  write_lines(all);
  auto report = verify_file();
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("no trailer"), std::string::npos) << report.problem;
}

TEST_F(AuditExportTest, ForgedTrailerSignatureIsDetected) {
  export_log(3);
  auto all = lines();
  auto trailer = nlohmann::json::parse(all.back());
  trailer["time"] = "2000-01-01T00:00:00.000000Z";
  all.back() = trailer.dump();
  write_lines(all);
  auto report = verify_file();
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("trailer signature invalid"), std::string::npos) << report.problem;
}

TEST_F(AuditExportTest, ExportCheckedAgainstAnotherKeyFails) {
  export_log(3);
  auto report = verify_file(public_key(crypto::SuiteId::intl));
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("untrusted key"), std::string::npos) << report.problem;
}

TEST_F(AuditExportTest, NonJsonLineIsNamed) {
  export_log(3);
  auto all = lines();
  all[1] = "{not json";
  write_lines(all);
  auto report = verify_file();
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.problem.find("line 2: not a JSON record"), std::string::npos) << report.problem;
}

TEST_F(AuditExportTest, ExportOfATamperedLogIsRefused) {
  write_log(5);
  tamper("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2");
  auto log = open_log();
  auto exported = log->export_jsonl(TimePoint{}, clock_.now(), export_path());
  ASSERT_FALSE(exported.has_value());
  EXPECT_EQ(exported.error().code, "audit.tampered");
  EXPECT_FALSE(std::filesystem::exists(export_path()));
}

TEST_F(AuditExportTest, MissingFileIsAnError) {
  EXPECT_FALSE(verify_export(dir_ / "absent.jsonl", public_key()).has_value());
}

}  // namespace
}  // namespace sw::audit::testing
