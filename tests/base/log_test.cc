// Logs are JSON lines and never carry secrets (N7.4).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "base/log.h"

namespace sw::log {
namespace {

TEST(Log, SecretFieldsAreRedactedAtAnyDepth) {
  nlohmann::json in = {{"user", "zhangwei"},
                       {"password", "hunter2hunter2"},
                       {"nested", {{"session_id", "abc"}, {"Authorization", "Bearer x"}, {"ok", 1}}},
                       {"list", {{{"totp_code", "123456"}}}}};
  const auto out = redact(in);
  EXPECT_EQ(out["user"], "zhangwei");
  EXPECT_EQ(out["password"], "[redacted]");
  EXPECT_EQ(out["nested"]["session_id"], "[redacted]");
  EXPECT_EQ(out["nested"]["Authorization"], "[redacted]");
  EXPECT_EQ(out["nested"]["ok"], 1);
  EXPECT_EQ(out["list"][0]["totp_code"], "[redacted]");
}

TEST(Log, WritesOneJsonObjectPerLineToTheFile) {
  const auto file = std::filesystem::temp_directory_path() / ("sw-log-test-" + std::to_string(::getpid()) + ".log");
  ASSERT_TRUE(init(Level::info, file));
  info("auth.login", {{"user", "zhangwei"}, {"password", "hunter2hunter2"}});
  debug("below.level", {});
  ASSERT_TRUE(init(Level::info));
  std::ifstream in(file);
  std::string line;
  std::vector<nlohmann::json> records;
  while (std::getline(in, line)) records.push_back(nlohmann::json::parse(line));
  std::filesystem::remove(file);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["event"], "auth.login");
  EXPECT_EQ(records[0]["level"], "info");
  EXPECT_TRUE(records[0].contains("time"));
  EXPECT_EQ(records[0]["password"], "[redacted]");
}

TEST(Log, UnknownLevelIsNamed) {
  auto l = parse_level("verbose");
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message.find("verbose"), std::string::npos);
}

TEST(Log, UnwritableFileIsAnError) {
  auto r = init(Level::info, "/dev/null/x.log");
  EXPECT_FALSE(r);
  ASSERT_TRUE(init(Level::info));
}

}  // namespace
}  // namespace sw::log
