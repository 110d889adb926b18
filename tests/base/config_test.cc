// Config validation: every key checked at start, errors name the file, line and key (N4.2).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

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
  // Every key is described exactly once (a key added twice would shadow the first), and no key of
  // the landed sections disappeared.
  const auto keys = describe_config_keys();
  std::set<std::string> names;
  for (const auto& line : keys) names.insert(line.substr(0, line.find(" = ")));
  EXPECT_EQ(names.size(), keys.size());
  EXPECT_GE(keys.size(), 94u);
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

// ---- [interaction] (N4.3, N4.5) ----

TEST(Config, InteractionDefaultsAreTheInspectionRules) {
  auto c = parse_config("", "f.toml");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->interaction.warning_days, 15);
  EXPECT_EQ(c->interaction.escalation_days, 30);
  EXPECT_EQ(c->interaction.inspection_failure_days, 90);
  EXPECT_EQ(c->interaction.per_ip_limit, 5);
  EXPECT_EQ(c->interaction.per_ip_window_seconds, 3600);
  // `sitewarden init` writes the section with its defaults, and the text reads back.
  const std::string text = default_config_text("/var/lib/sitewarden");
  EXPECT_NE(text.find("[interaction]\nwarning_days = 15"), std::string::npos) << text;
  EXPECT_TRUE(parse_config(text, "init.toml")) << text;
}

TEST(Config, InteractionKeysAreRead) {
  auto c = parse_config("[interaction]\nwarning_days = 10\nescalation_days = 20\ninspection_failure_days = 60\n"
                        "per_ip_limit = 3\nper_ip_window_seconds = 600\n",
                        "f.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->interaction.warning_days, 10);
  EXPECT_EQ(c->interaction.escalation_days, 20);
  EXPECT_EQ(c->interaction.inspection_failure_days, 60);
  EXPECT_EQ(c->interaction.per_ip_limit, 3);
  EXPECT_EQ(c->interaction.per_ip_window_seconds, 600);
}

TEST(Config, InteractionValuesOutOfRangeNameFileLineAndKey) {
  const std::pair<const char*, const char*> cases[] = {{"warning_days", "0"},
                                                       {"escalation_days", "366"},
                                                       {"inspection_failure_days", "-1"},
                                                       {"per_ip_limit", "0"},
                                                       {"per_ip_limit", "1001"},
                                                       {"per_ip_window_seconds", "59"},
                                                       {"per_ip_window_seconds", "86401"}};
  for (const auto& [key, value] : cases) {
    auto c = parse_config(std::string("[interaction]\n\n") + key + " = " + value + "\n", "i.toml");
    ASSERT_FALSE(c) << key << "=" << value;
    EXPECT_EQ(c.error().code, "config.out_of_range") << key;
    EXPECT_NE(c.error().message.find(std::string("i.toml:3: [interaction] ") + key), std::string::npos)
        << c.error().message;
  }
  auto c = parse_config("[interaction]\nwarning_days = \"15\"\n", "i.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.bad_type");
  c = parse_config("[interaction]\nreply_days = 3\n", "i.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.unknown_key");
}

TEST(Config, InteractionDeadlinesMustBeInOrder) {
  // escalation not above warning: the line of escalation_days.
  auto c = parse_config("[interaction]\nwarning_days = 30\nescalation_days = 30\n", "o.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.bad_value");
  EXPECT_NE(c.error().message.find("o.toml:3: [interaction] escalation_days (30) must be above warning_days (30)"),
            std::string::npos)
      << c.error().message;
  // failure not above escalation.
  c = parse_config("[interaction]\nescalation_days = 60\n\ninspection_failure_days = 45\n", "o.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.bad_value");
  EXPECT_NE(c.error().message.find("o.toml:4: [interaction] inspection_failure_days (45) must be above "
                                   "escalation_days (60)"),
            std::string::npos)
      << c.error().message;
  // A warning past the default escalation, the other key left at its default: the section's line.
  c = parse_config("# node\n[interaction]\nwarning_days = 40\n", "o.toml");
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("o.toml:2: [interaction] escalation_days (30)"), std::string::npos)
      << c.error().message;
}

// ---- [guard] (issue 5) ----

TEST(Config, GuardKeysAreRead) {
  auto c = parse_config("[guard]\nport = 0\nthreads = 3\ncache_bytes = 2097152\naccess_log = \"off\"\n", "t.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->guard.port, 0);
  EXPECT_EQ(c->guard.threads, 3);
  EXPECT_EQ(c->guard.cache_bytes, 2097152);
  EXPECT_EQ(c->guard.access_log, "off");
  EXPECT_EQ(c->guard.listen, "127.0.0.1");
}

TEST(Config, GuardAdminListenerMustBeLoopback) {
  auto c = parse_config("[guard]\nadmin_listen = \"0.0.0.0\"\n", "t.toml");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, "config.insecure");
  EXPECT_NE(c.error().message.find("admin_listen"), std::string::npos);
}

// ---- [watch] (issue 5, N7.1) ----

TEST(Config, WatchKeysHaveDefaultsAndRanges) {
  auto c = parse_config("[watch]\ndebounce_milliseconds = 10\nfull_verify_interval_seconds = 600\n", "w.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->watch.debounce_milliseconds, 10);
  EXPECT_EQ(c->watch.max_delay_milliseconds, 25);
  EXPECT_EQ(c->watch.full_verify_interval_seconds, 600);
  auto bad = parse_config("[watch]\nfull_verify_interval_seconds = 1\n", "w.toml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("w.toml:2"), std::string::npos) << bad.error().message;
}

// ---- [publish] (issue 5, N7.1): retention and blob garbage collection ----

TEST(Config, PublishKeysHaveDefaultsAndRanges) {
  auto d = parse_config("", "p.toml");
  ASSERT_TRUE(d) << d.error().to_string();
  EXPECT_EQ(d->publish.keep_releases, 10);
  EXPECT_EQ(d->publish.blob_gc, "daily");
  EXPECT_EQ(d->publish.blob_gc_grace_seconds, 3600);
  auto c = parse_config("[publish]\nkeep_releases = 3\nblob_gc = \"off\"\nblob_gc_grace_seconds = 600\n", "p.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->publish.keep_releases, 3);
  EXPECT_EQ(c->publish.blob_gc, "off");
  EXPECT_EQ(c->publish.blob_gc_grace_seconds, 600);
  for (const char* bad : {"keep_releases = 0", "keep_releases = 1001"}) {
    auto r = parse_config(std::string("[publish]\n") + bad + "\n", "p.toml");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "config.out_of_range");
    EXPECT_NE(r.error().message.find("[publish] keep_releases"), std::string::npos) << r.error().message;
  }
  auto gc = parse_config("[publish]\nblob_gc = \"weekly\"\n", "p.toml");
  ASSERT_FALSE(gc);
  EXPECT_NE(gc.error().message.find("[publish] blob_gc"), std::string::npos) << gc.error().message;
  EXPECT_NE(default_config_text("/d").find("keep_releases = 10"), std::string::npos);
}

}  // namespace
}  // namespace sw
