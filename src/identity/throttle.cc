// Failed-login counting with lockout and doubling back-off.
#include "identity/throttle.h"

#include <algorithm>

namespace sw::identity {
namespace {

constexpr int kMaxDoublings = 30;  // beyond this the cap applies anyway; avoids overflow

std::chrono::seconds lock_length(int previous_lockouts, const Policy& policy) {
  auto length = policy.lock_duration;
  for (int i = 0; i < std::min(previous_lockouts, kMaxDoublings) && length < policy.max_lock_duration; ++i) {
    length *= 2;
  }
  return std::min(length, policy.max_lock_duration);
}

}  // namespace

bool is_locked(const Throttle& t, TimePoint now) { return t.locked_until && now < *t.locked_until; }

bool record_failure(Throttle& t, TimePoint now, int max_failures, const Policy& policy) {
  if (t.failures == 0 || now - t.window_started_at > policy.failure_window) {
    t.failures = 0;
    t.window_started_at = now;
  }
  if (++t.failures < max_failures) return false;
  if (t.locked_until && now - *t.locked_until > policy.backoff_reset) t.lockouts = 0;
  t.locked_until = now + lock_length(t.lockouts, policy);
  ++t.lockouts;
  t.failures = 0;
  return true;
}

}  // namespace sw::identity
