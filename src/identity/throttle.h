// Internal: the failed-login counter kept per account and per client IP, with lockout and back-off.
// Pure, so the rule is tested without a database.
//
// Failures count within a window that starts at the first failure; reaching the limit locks for
// lock_duration · 2^(lockouts so far), capped at max_lock_duration. A lock that ended more than
// backoff_reset ago no longer doubles the next one.
#pragma once

#include <optional>

#include "base/clock.h"
#include "identity/policy.h"

namespace sw::identity {

struct Throttle {
  int failures = 0;
  TimePoint window_started_at;
  std::optional<TimePoint> locked_until;
  int lockouts = 0;
};

// True while a lock is in force at `now`.
bool is_locked(const Throttle& t, TimePoint now);

// Counts one failure at `now` against `max_failures`; returns true when this failure starts a lock.
bool record_failure(Throttle& t, TimePoint now, int max_failures, const Policy& policy);

}  // namespace sw::identity
