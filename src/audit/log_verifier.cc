#include "audit/log_verifier.h"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "audit/audit_tables.h"
#include "audit/chain.h"

namespace sw::audit {
namespace {

// Rows read per query: bounds memory however long the log is.
constexpr std::int64_t kPageRows = 8192;
constexpr std::int64_t kNoUpperBound = std::numeric_limits<std::int64_t>::max();

// Checks checkpoints as the walk reaches their seq: ids 1..K in order, seq never decreasing, a
// trusted key, a valid signature, and the chain value at that seq.
class CheckpointChecker {
 public:
  CheckpointChecker(std::vector<CheckpointRecord> checkpoints, const std::vector<crypto::PublicKey>& trusted)
      : checkpoints_(std::move(checkpoints)), trusted_(trusted) {}

  // Checks every checkpoint up to `seq`, whose chain value is `hash_text`.
  std::optional<ChainProblem> reach(std::int64_t seq, std::string_view hash_text) {
    while (next_ < checkpoints_.size() && checkpoints_[next_].seq <= seq) {
      if (auto problem = check(checkpoints_[next_], seq, hash_text)) return problem;
      covered_seq_ = checkpoints_[next_].seq;
      ++next_;
    }
    return std::nullopt;
  }

  // After the last row (`last_seq`): a checkpoint past it means rows were deleted from the tail.
  std::optional<ChainProblem> end(std::int64_t last_seq) const {
    if (next_ == checkpoints_.size()) return std::nullopt;
    const auto& c = checkpoints_[next_];
    return ChainProblem{last_seq + 1, fmt::format("checkpoint {} covers seq {} but the log ends at seq {}: "
                                                  "events deleted",
                                                  c.id, c.seq, last_seq)};
  }

  std::int64_t checked() const { return static_cast<std::int64_t>(next_); }

 private:
  std::optional<ChainProblem> check(const CheckpointRecord& c, std::int64_t seq,
                                    std::string_view hash_text) const {
    auto expected_id = static_cast<std::int64_t>(next_) + 1;
    if (c.id != expected_id) return ChainProblem{c.seq, fmt::format("checkpoint {} missing", expected_id)};
    if (c.seq != seq) {
      return ChainProblem{
          std::max<std::int64_t>(c.seq, 1),
          fmt::format("checkpoint {} out of order: seq {} after seq {}", c.id, c.seq, covered_seq_)};
    }
    if (auto problem = check_signature(c)) return problem;
    if (c.hash != hash_text) {
      return ChainProblem{covered_seq_ + 1, fmt::format("checkpoint {} does not match the chain at seq {}: "
                                                        "rows {}..{} rewritten",
                                                        c.id, c.seq, covered_seq_ + 1, c.seq)};
    }
    return std::nullopt;
  }

  std::optional<ChainProblem> check_signature(const CheckpointRecord& c) const {
    auto key = crypto::PublicKey::parse(c.public_key);
    if (!key || std::find(trusted_.begin(), trusted_.end(), *key) == trusted_.end()) {
      return ChainProblem{c.seq, fmt::format("checkpoint {} signed by an untrusted key", c.id)};
    }
    auto signature = crypto::Signature::parse(c.signature);
    if (!signature || !crypto::verify(*key, checkpoint_message(c.seq, c.hash, c.time), *signature)) {
      return ChainProblem{c.seq, fmt::format("checkpoint {} signature invalid", c.id)};
    }
    return std::nullopt;
  }

  std::vector<CheckpointRecord> checkpoints_;
  const std::vector<crypto::PublicKey>& trusted_;
  std::size_t next_ = 0;
  std::int64_t covered_seq_ = 0;  // the seq of the last good checkpoint
};

VerifyReport failed(VerifyReport report, const CheckpointChecker& checkpoints, ChainProblem problem) {
  report.ok = false;
  report.checkpoints_checked = checkpoints.checked();
  report.first_bad_seq = problem.seq;
  report.problem = std::move(problem.what);
  return report;
}

}  // namespace

Result<VerifyReport> verify_log(store::Database& db, const std::vector<crypto::PublicKey>& trusted_keys) {
  SW_TRY(checkpoint_rows, all_checkpoints(db));
  CheckpointChecker checkpoints(std::move(checkpoint_rows), trusted_keys);
  ChainChecker chain;
  VerifyReport report;
  std::int64_t after = 0;
  while (true) {
    SW_TRY(page, events_page(db, after, kNoUpperBound, kPageRows));
    for (const auto& r : page) {
      if (auto problem = chain.check(r)) return failed(report, checkpoints, *problem);
      ++report.events_checked;
      if (auto problem = checkpoints.reach(r.seq, r.hash_alg + ":" + r.hash)) {
        return failed(report, checkpoints, *problem);
      }
    }
    if (static_cast<std::int64_t>(page.size()) < kPageRows) break;
    after = page.back().seq;
  }
  if (auto problem = checkpoints.end(chain.expected_seq() - 1)) return failed(report, checkpoints, *problem);
  report.checkpoints_checked = checkpoints.checked();
  return report;
}

}  // namespace sw::audit
