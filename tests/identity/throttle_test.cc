// Failed-login counting: lockout after N failures in the window, doubling back-off, cap.
#include <gtest/gtest.h>

#include "identity/throttle.h"

namespace sw::identity {
namespace {

using std::chrono::minutes;

const TimePoint kStart{std::chrono::seconds{1'790'000'000}};

// Fails `n` times at `t`; returns whether the last failure started a lock.
bool fail_times(Throttle& th, TimePoint t, int n, const Policy& p) {
  bool locked = false;
  for (int i = 0; i < n; ++i) locked = record_failure(th, t, p.max_account_failures, p);
  return locked;
}

TEST(Throttle, LocksAtTheLimitNotBefore) {
  Policy p;
  Throttle th;
  EXPECT_FALSE(fail_times(th, kStart, 4, p));
  EXPECT_FALSE(is_locked(th, kStart));
  EXPECT_TRUE(fail_times(th, kStart, 1, p));
  EXPECT_TRUE(is_locked(th, kStart));
  EXPECT_EQ(*th.locked_until, kStart + p.lock_duration);
}

TEST(Throttle, FailuresOutsideTheWindowDoNotAddUp) {
  Policy p;
  Throttle th;
  fail_times(th, kStart, 4, p);
  EXPECT_FALSE(fail_times(th, kStart + p.failure_window + minutes{1}, 1, p));
}

TEST(Throttle, RepeatedLockoutsDoubleUpToTheCap) {
  Policy p;
  p.lock_duration = minutes{15};
  p.max_lock_duration = minutes{60};
  Throttle th;
  TimePoint t = kStart;
  const minutes expected[] = {minutes{15}, minutes{30}, minutes{60}, minutes{60}};
  for (minutes length : expected) {
    ASSERT_TRUE(fail_times(th, t, p.max_account_failures, p));
    EXPECT_EQ(*th.locked_until - t, length);
    t = *th.locked_until + minutes{1};
  }
}

TEST(Throttle, BackOffResetsAfterAQuietPeriod) {
  Policy p;
  Throttle th;
  fail_times(th, kStart, p.max_account_failures, p);
  const TimePoint later = *th.locked_until + p.backoff_reset + minutes{1};
  fail_times(th, later, p.max_account_failures, p);
  EXPECT_EQ(*th.locked_until - later, p.lock_duration);
}

}  // namespace
}  // namespace sw::identity
