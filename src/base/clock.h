// Clock: the one source of "now" (so tests can move time: lockouts, expiry, sessions, checkpoints).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sw {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// The real wall clock.
const Clock& system_clock();

// A clock tests set and advance by hand. Not thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{std::chrono::seconds{1'790'000'000}}) : now_(start) {}
  TimePoint now() const override { return now_; }
  void set(TimePoint t) { now_ = t; }
  void advance(std::chrono::system_clock::duration d) { now_ += d; }

 private:
  TimePoint now_;
};

// RFC 3339 UTC with microseconds: "2026-11-26T04:35:09.123456Z". Sorts as text in time order.
std::string format_rfc3339(TimePoint t);
// Parses what format_rfc3339 writes, and the same without fraction; the error names the text.
Result<TimePoint> parse_rfc3339(std::string_view text);
// Unix seconds.
std::int64_t unix_seconds(TimePoint t);

}  // namespace sw
