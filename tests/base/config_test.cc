// Config validation: every key checked at start, errors name the file, line and key (N4.2).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/config.h"

namespace sw {
namespace {

TEST(Config, EmptyFileGivesSafeDefaults) {
  auto c = parse_config("", "sitewarden.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->console.listen, "127.0.0.1");
  EXPECT_EQ(c->node.crypto_suite, "gm");
  EXPECT_EQ(c->identity.session_idle_minutes, 15);
  EXPECT_EQ(c->identity.session_absolute_hours, 8);
  EXPECT_EQ(c->identity.password_max_age_days, 90);
  EXPECT_EQ(c->audit.retention_days, 183);
}

TEST(Config, ValuesAreRead) {
  auto c = parse_config("[console]\nport = 9000\nlanguage = \"en\"\n[identity]\nrequire_second_factor = false\n", "f");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->console.port, 9000);
  EXPECT_EQ(c->console.language, "en");
  EXPECT_FALSE(c->identity.require_second_factor);
}

TEST(Config, UnknownKeyNamesFileLineAndKey) {
  auto c = parse_config("[console]\nport = 9000\nprot = 1\n", "/etc/sitewarden/sitewarden.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.unknown_key");
  EXPECT_NE(c.error().message.find("/etc/sitewarden/sitewarden.toml:3"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("prot"), std::string::npos);
}

TEST(Config, UnknownSectionIsRefused) {
  auto c = parse_config("[consle]\nport = 1\n", "f.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.unknown_key");
  EXPECT_NE(c.error().message.find("consle"), std::string::npos);
}

TEST(Config, WrongTypeIsRefused) {
  auto c = parse_config("[console]\nport = \"8440\"\n", "f.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.bad_type");
  EXPECT_NE(c.error().message.find("f.toml:2: [console] port"), std::string::npos) << c.error().message;
}

TEST(Config, OutOfRangeValueNamesTheRange) {
  auto c = parse_config("[console]\nport = 70000\n", "f.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.out_of_range");
  EXPECT_NE(c.error().message.find("0..65535"), std::string::npos) << c.error().message;
}

TEST(Config, AuditRetentionBelowSixMonthsIsRefused) {
  auto c = parse_config("[audit]\nretention_days = 30\n", "f.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.out_of_range");
}

TEST(Config, UnknownSuiteIsRefused) {
  auto c = parse_config("[node]\ncrypto_suite = \"rsa\"\n", "f.toml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("gm, intl"), std::string::npos);
}

TEST(Config, BrokenTomlNamesTheLine) {
  auto c = parse_config("[console]\nport = = 3\n", "f.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.syntax");
  EXPECT_NE(c.error().message.find("f.toml:2"), std::string::npos) << c.error().message;
}

TEST(Config, ConsoleOffLoopbackWithoutTlsIsRefused) {
  auto c = parse_config("[console]\nlisten = \"0.0.0.0\"\n", "f.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.insecure");
}

TEST(Config, MissingFileIsNamed) {
  auto c = load_config("/nonexistent/sitewarden.toml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("/nonexistent/sitewarden.toml"), std::string::npos);
}

TEST(Config, DefaultConfigTextParsesBack) {
  auto c = parse_config(default_config_text("/var/lib/sitewarden"), "default");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->node.data_dir, "/var/lib/sitewarden");
  EXPECT_EQ(describe_config_keys().size(), 38u);
}


// ---- [registry] (N2.1, N2.3) ----

TEST(Config, RegistryDefaultsAreTheNoticesRule) {
  auto c = parse_config("", "f.toml");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->registry.suffixes_by_level.at("city"), (std::vector<std::string>{".org", ".org.cn"}));
  EXPECT_EQ(c->registry.suffixes_by_level.at("county"), (std::vector<std::string>{".org", ".org.cn"}));
  EXPECT_FALSE(c->registry.suffixes_by_level.contains("grassroots"));
  EXPECT_EQ(c->registry.rereview_interval_days, 365);
  EXPECT_EQ(Config{}.registry.suffixes_by_level, c->registry.suffixes_by_level);
}

TEST(Config, RegistrySuffixesAndIntervalAreRead) {
  auto c = parse_config("[registry]\ncity_domains = \".org.cn, .gov.cn\"\ncounty_domains = \"\"\n"
                        "grassroots_domains = \".org\"\nrereview_interval_days = 730\n",
                        "f.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->registry.suffixes_by_level.at("city"), (std::vector<std::string>{".org.cn", ".gov.cn"}));
  EXPECT_FALSE(c->registry.suffixes_by_level.contains("county"));  // empty: any domain
  EXPECT_EQ(c->registry.suffixes_by_level.at("grassroots"), std::vector<std::string>{".org"});
  EXPECT_EQ(c->registry.rereview_interval_days, 730);
}

TEST(Config, AMalformedSuffixNamesFileLineAndKey) {
  for (const char* bad : {"org", ".ORG", ".org..cn", ".org.", ".o rg;x", ".-org"}) {
    auto c = parse_config(std::string("[registry]\n\ncity_domains = \"") + bad + "\"\n", "s.toml");
    ASSERT_FALSE(c) << bad;
    EXPECT_EQ(c.error().code, "config.bad_value") << bad;
    EXPECT_NE(c.error().message.find("s.toml:3: [registry] city_domains"), std::string::npos) << c.error().message;
  }
}

TEST(Config, ReReviewIntervalOutOfRangeIsRefused) {
  auto c = parse_config("[registry]\nrereview_interval_days = 7\n", "f.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.out_of_range");
}

}  // namespace
}  // namespace sw
