// The [monitor] config keys (issue 7): defaults, ranges, and their use as options.
#include "monitor/monitor_config.h"

#include <gtest/gtest.h>

namespace sw::monitor {
namespace {

TEST(MonitorConfig, DefaultsAreTheInspectorsTimeoutAndDailyLinks) {
  auto c = parse_config("", "m.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->monitor.timeout_seconds, 15);
  EXPECT_EQ(c->monitor.uptime_interval_seconds, 300);
  EXPECT_EQ(c->monitor.incident_after, 3);
  EXPECT_EQ(c->monitor.scheme, "https");
  auto o = pass_options_from(c->monitor);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->uptime.timeout, std::chrono::seconds(15));
  EXPECT_EQ(o->link_cache, std::chrono::hours(24));
  EXPECT_EQ(schedule_from(c->monitor).of(Probe::links), std::chrono::seconds(86400));
}

TEST(MonitorConfig, OutOfRangeAndUnknownSchemeAreRefusedWithTheLine) {
  auto bad = parse_config("[monitor]\nscheme = \"https\"\ntimeout_seconds = 0\n", "m.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("m.toml:3"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(parse_config("[monitor]\nscheme = \"ftp\"\n", "m.toml"));
}

TEST(MonitorConfig, ConnectToEntriesAreChecked) {
  auto c = parse_config("[monitor]\nconnect_to = \"a.org.cn:443:127.0.0.1:8443  b.org.cn::127.0.0.1:\"\n", "m.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  auto o = pass_options_from(c->monitor);
  ASSERT_TRUE(o) << o.error().to_string();
  EXPECT_EQ(o->links.fetch.connect_to.size(), 2u);
  c->monitor.connect_to = "a.org.cn:443";
  auto bad = pass_options_from(c->monitor);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, "monitor.bad_input");
}

}  // namespace
}  // namespace sw::monitor
