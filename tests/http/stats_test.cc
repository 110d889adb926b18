#include "http/stats.h"

#include <gtest/gtest.h>

#include "http/counters.h"

namespace sw::http {
namespace {

TEST(Counters, ResponsesAreCountedByClass) {
  Counters counters;
  counters.count_response(200, 10);
  counters.count_response(404, 20);
  counters.count_response(503, 30);
  const Stats stats = counters.snapshot();
  EXPECT_EQ(stats.requests, 3u);
  EXPECT_EQ(stats.bytes_sent, 60u);
  EXPECT_EQ(stats.responses_4xx, 1u);
  EXPECT_EQ(stats.responses_5xx, 1u);
}

TEST(Counters, RejectsAndTimeoutsAreCountedPerReason) {
  Counters counters;
  counters.count_reject(RejectReason::body_too_large);
  counters.count_reject(RejectReason::body_too_large);
  counters.count_timeout(TimeoutPhase::header);
  const Stats stats = counters.snapshot();
  EXPECT_EQ(stats.rejected_for(RejectReason::body_too_large), 2u);
  EXPECT_EQ(stats.rejected_for(RejectReason::header_too_large), 0u);
  EXPECT_EQ(stats.timeouts_in(TimeoutPhase::header), 1u);
}

TEST(RenderPrometheus, WritesPrefixedCountersWithLabels) {
  Stats stats;
  stats.requests = 7;
  stats.rejected[static_cast<std::size_t>(RejectReason::header_too_large)] = 2;
  stats.timeouts[static_cast<std::size_t>(TimeoutPhase::idle)] = 3;
  const std::string text = render_prometheus(stats, "sw_console_http");
  EXPECT_NE(text.find("# TYPE sw_console_http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("sw_console_http_requests_total 7\n"), std::string::npos);
  EXPECT_NE(text.find("sw_console_http_rejected_total{reason=\"header_too_large\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("sw_console_http_timeouts_total{phase=\"idle\"} 3\n"), std::string::npos);
}

TEST(RejectReason, EveryReasonHasAName) {
  for (std::size_t i = 0; i < kRejectReasonCount; ++i) {
    EXPECT_NE(to_string(static_cast<RejectReason>(i)), "unknown");
  }
  for (std::size_t i = 0; i < kTimeoutPhaseCount; ++i) {
    EXPECT_NE(to_string(static_cast<TimeoutPhase>(i)), "unknown");
  }
}

}  // namespace
}  // namespace sw::http
