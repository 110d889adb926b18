#include "audit/log_verifier.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "audit/audit_tables.h"
#include "audit/chain.h"

namespace sw::audit {
namespace {

constexpr std::int64_t kNoUpperBound = std::numeric_limits<std::int64_t>::max();

// The signature check of every checkpoint (trusted key, valid signature), run on a thread of its own
// while the walk hashes the chain: the signatures do not depend on the chain, and on a multi-core
// machine this takes them off the walk's path. The walk asks for checkpoint i's verdict when it
// reaches it and waits only if the worker is behind, so the report is the one a serial walk gives.
class SignatureChecks {
 public:
  SignatureChecks(const std::vector<CheckpointRecord>& checkpoints,
                  const std::vector<crypto::PublicKey>& trusted)
      : checkpoints_(checkpoints), trusted_(trusted), verdicts_(checkpoints.size()) {
    if (!checkpoints_.empty()) worker_ = std::thread([this] { run(); });
  }
  ~SignatureChecks() {
    stop_ = true;
    if (worker_.joinable()) worker_.join();
  }
  SignatureChecks(const SignatureChecks&) = delete;
  SignatureChecks& operator=(const SignatureChecks&) = delete;

  // The verdict on checkpoint i: nothing when its key is trusted and its signature valid.
  const std::optional<ChainProblem>& verdict(std::size_t i) {
    if (done_.load(std::memory_order_acquire) <= i) {
      std::unique_lock lock(mutex_);
      progress_.wait(lock, [&] { return done_.load(std::memory_order_acquire) > i; });
    }
    return verdicts_[i];
  }

 private:
  void run() {
    for (std::size_t i = 0; i < checkpoints_.size() && !stop_; ++i) {
      verdicts_[i] = check(checkpoints_[i]);
      {
        std::lock_guard lock(mutex_);
        done_.store(i + 1, std::memory_order_release);
      }
      progress_.notify_one();
    }
  }

  std::optional<ChainProblem> check(const CheckpointRecord& c) {
    const crypto::PublicKey* key = trusted_key(c.public_key);
    if (key == nullptr)
      return ChainProblem{c.seq, fmt::format("checkpoint {} signed by an untrusted key", c.id)};
    auto signature = crypto::Signature::parse(c.signature);
    if (!signature || !crypto::verify(*key, checkpoint_message(c.seq, c.hash, c.time), *signature)) {
      return ChainProblem{c.seq, fmt::format("checkpoint {} signature invalid", c.id)};
    }
    return std::nullopt;
  }

  // The trusted key a checkpoint names, or null. Keys are parsed once per distinct text (every
  // checkpoint of a node carries the same key, and parsing an SM2 key is costly).
  const crypto::PublicKey* trusted_key(const std::string& text) {
    auto known = std::find_if(keys_.begin(), keys_.end(), [&](const auto& k) { return k.first == text; });
    if (known == keys_.end()) {
      auto key = crypto::PublicKey::parse(text);
      std::optional<crypto::PublicKey> trusted;
      if (key && std::find(trusted_.begin(), trusted_.end(), *key) != trusted_.end())
        trusted = std::move(*key);
      keys_.emplace_back(text, std::move(trusted));
      known = std::prev(keys_.end());
    }
    return known->second ? &*known->second : nullptr;
  }

  const std::vector<CheckpointRecord>& checkpoints_;
  const std::vector<crypto::PublicKey>& trusted_;
  std::vector<std::optional<ChainProblem>> verdicts_;  // [i] written by the worker before done_ > i
  std::vector<std::pair<std::string, std::optional<crypto::PublicKey>>> keys_;  // the worker's cache
  std::atomic<std::size_t> done_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable progress_;
  std::thread worker_;
};

// Checks checkpoints as the walk reaches their seq: ids 1..K in order, seq never decreasing, a
// trusted key, a valid signature, and the chain value at that seq.
class CheckpointChecker {
 public:
  CheckpointChecker(const std::vector<CheckpointRecord>& checkpoints, SignatureChecks& signatures)
      : checkpoints_(checkpoints), signatures_(signatures) {}

  // Checks every checkpoint up to `seq`, whose chain value is `hash_alg`:`hash_hex`. Called for
  // every row; the text form is built only at a checkpoint's seq.
  std::optional<ChainProblem> reach(std::int64_t seq, std::string_view hash_alg, std::string_view hash_hex) {
    while (next_ < checkpoints_.size() && checkpoints_[next_].seq <= seq) {
      const std::string hash_text = fmt::format("{}:{}", hash_alg, hash_hex);
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
  std::optional<ChainProblem> check(const CheckpointRecord& c, std::int64_t seq, std::string_view hash_text) {
    auto expected_id = static_cast<std::int64_t>(next_) + 1;
    if (c.id != expected_id) return ChainProblem{c.seq, fmt::format("checkpoint {} missing", expected_id)};
    if (c.seq != seq) {
      return ChainProblem{
          std::max<std::int64_t>(c.seq, 1),
          fmt::format("checkpoint {} out of order: seq {} after seq {}", c.id, c.seq, covered_seq_)};
    }
    if (const auto& problem = signatures_.verdict(next_)) return problem;
    if (c.hash != hash_text) {
      return ChainProblem{covered_seq_ + 1, fmt::format("checkpoint {} does not match the chain at seq {}: "
                                                        "rows {}..{} rewritten",
                                                        c.id, c.seq, covered_seq_ + 1, c.seq)};
    }
    return std::nullopt;
  }

  const std::vector<CheckpointRecord>& checkpoints_;
  SignatureChecks& signatures_;
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
  SignatureChecks signatures(checkpoint_rows, trusted_keys);
  CheckpointChecker checkpoints(checkpoint_rows, signatures);
  ChainChecker chain;
  VerifyReport report;
  std::optional<ChainProblem> problem;
  // One statement streams the whole log: no per-row copies, one snapshot.
  SW_CHECK(for_each_event(db, 0, kNoUpperBound, [&](const EventFields& r) {
    problem = chain.check(r);
    if (problem) return false;
    ++report.events_checked;
    problem = checkpoints.reach(r.seq, r.hash_alg, r.hash);
    return !problem;
  }));
  if (problem) return failed(report, checkpoints, *problem);
  if (auto tail = checkpoints.end(chain.expected_seq() - 1)) return failed(report, checkpoints, *tail);
  report.checkpoints_checked = checkpoints.checked();
  return report;
}

}  // namespace sw::audit
