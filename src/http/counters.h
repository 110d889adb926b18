// Counters: the live atomic counters behind a Stats snapshot. Internal to the http module.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "http/stats.h"

namespace sw::http {

class Counters {
 public:
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_active{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> bytes_received{0};
  std::atomic<std::uint64_t> bytes_sent{0};
  std::atomic<std::uint64_t> responses_4xx{0};
  std::atomic<std::uint64_t> responses_5xx{0};

  void count_reject(RejectReason reason) { ++rejected_[static_cast<std::size_t>(reason)]; }
  void count_timeout(TimeoutPhase phase) { ++timeouts_[static_cast<std::size_t>(phase)]; }
  // Counts one response written with `status` and `bytes`.
  void count_response(int status, std::uint64_t bytes);

  Stats snapshot() const;

 private:
  std::array<std::atomic<std::uint64_t>, kRejectReasonCount> rejected_{};
  std::array<std::atomic<std::uint64_t>, kTimeoutPhaseCount> timeouts_{};
};

}  // namespace sw::http
