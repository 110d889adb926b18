// Tests of the generated CRS rule text (src/waf/crs_text.h, issue 6): what it leaves out at a paranoia
// level, what it refuses, and that a Waf loading it gives the Include's verdicts (check mode). The
// equivalence on the whole CRS suite is waf_trim_check / crs_runner.py --trim-check.
#include "waf/crs_text.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "waf/waf.h"

namespace sw::waf {
namespace {

const std::filesystem::path kCrsRules = "/usr/share/modsecurity-crs/rules";

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

TEST(CrsText, AtParanoiaOneLeavesOutMarkersHigherLevelsAndPackages) {
  auto crs = generate_crs_text(kCrsRules, 1, false);
  ASSERT_TRUE(crs.has_value()) << crs.error().to_string();
  EXPECT_FALSE(has(crs->text, "TX:EXECUTING_PARANOIA_LEVEL \"@lt"));  // every marker
  EXPECT_FALSE(has(crs->text, "id:9001000"));                          // the Drupal package's guard
  EXPECT_FALSE(has(crs->text, "id:9002100"));                          // and its rules
  EXPECT_FALSE(has(crs->text, "id:942432"));                           // paranoia-level/2
  EXPECT_TRUE(has(crs->text, "id:942100"));                            // paranoia-level/1 stays
  EXPECT_TRUE(has(crs->text, "id:901125"));                            // initialisation stays
  EXPECT_TRUE(has(crs->text, "id:949110"));
  EXPECT_TRUE(has(crs->text, "SecMarker \"END-REQUEST-942-APPLICATION-ATTACK-SQLI\""));
  EXPECT_TRUE(has(crs->text, "@pmFromFile " + kCrsRules.string() + "/lfi-os-files.data"));
  EXPECT_TRUE(crs->touched.contains(942011));   // a marker (dropped)
  EXPECT_TRUE(crs->touched.contains(9001000));  // a package guard
  EXPECT_GT(crs->dropped_rules, 200u);
}

TEST(CrsText, AtParanoiaFourKeepsEveryRuleButTheMarkersAndPackages) {
  auto crs = generate_crs_text(kCrsRules, 4, false);
  ASSERT_TRUE(crs.has_value()) << crs.error().to_string();
  EXPECT_TRUE(has(crs->text, "id:942432"));
  EXPECT_FALSE(has(crs->text, "TX:EXECUTING_PARANOIA_LEVEL \"@lt"));
  EXPECT_FALSE(has(crs->text, "id:9001000"));
  auto enabled = generate_crs_text(kCrsRules, 4, true);  // the configuration sets tx.crs_exclusions_*
  ASSERT_TRUE(enabled.has_value());
  EXPECT_TRUE(has(enabled->text, "id:9001000"));
  EXPECT_TRUE(has(enabled->text, "id:9002100"));
}

TEST(CrsText, DropIdsRemoveTheRuleWithItsChainLinks) {
  auto crs = generate_crs_text(kCrsRules, 1, false, {942100, 920170});
  ASSERT_TRUE(crs.has_value());
  EXPECT_FALSE(has(crs->text, "id:942100"));
  EXPECT_FALSE(has(crs->text, "id:920170"));
  EXPECT_FALSE(has(crs->text, "\"!@rx ^0?$\""));  // 920170's chain link (Content-Length)
  EXPECT_TRUE(has(crs->text, "id:942140"));
}

class CrsTextDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("crs_text_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  std::filesystem::path dir_;
};

TEST_F(CrsTextDir, ARuleWithoutAPhaseInASkippedRegionIsRefused) {
  write("REQUEST-999-X.conf",
        "SecRule TX:EXECUTING_PARANOIA_LEVEL \"@lt 2\" \"id:999013,phase:2,pass,nolog,skipAfter:END-999\"\n"
        "SecRule ARGS \"@rx x\" \"id:999100,deny\"\n"
        "SecMarker \"END-999\"\n");
  auto crs = generate_crs_text(dir_, 1, false);
  ASSERT_FALSE(crs.has_value());
  EXPECT_EQ(crs.error().code, "waf.crs_text");
  EXPECT_NE(crs.error().message.find("999100"), std::string::npos);
}

TEST_F(CrsTextDir, ASkipThatDoesNotEndInItsFileIsRefused) {
  write("REQUEST-999-X.conf",
        "SecRule TX:EXECUTING_PARANOIA_LEVEL \"@lt 2\" \"id:999013,phase:2,pass,nolog,skipAfter:END-999\"\n"
        "SecRule ARGS \"@rx x\" \"id:999100,phase:2,deny\"\n");
  EXPECT_FALSE(generate_crs_text(dir_, 1, false).has_value());
  EXPECT_TRUE(generate_crs_text(dir_, 2, false).has_value());  // the marker never fires at 2
}

TEST_F(CrsTextDir, AMarkerWithOtherActionsIsKeptWithItsRegion) {
  write("REQUEST-999-X.conf",
        "SecRule TX:EXECUTING_PARANOIA_LEVEL \"@lt 2\" \"id:999013,phase:2,pass,log,skipAfter:END-999\"\n"
        "SecRule ARGS \"@rx x\" \"id:999100,phase:2,deny\"\n"
        "SecMarker \"END-999\"\n");
  auto crs = generate_crs_text(dir_, 1, false);
  ASSERT_TRUE(crs.has_value());
  EXPECT_TRUE(has(crs->text, "id:999013"));
  EXPECT_TRUE(has(crs->text, "id:999100"));
}

TEST_F(CrsTextDir, ADirectoryWithAQuoteInItsNameIsRefused) {
  EXPECT_FALSE(generate_crs_text(dir_ / "a\"b", 1, false).has_value());
}

guard::FilterVerdict inspect(Waf& waf, const std::string& method, const std::string& target,
                             const std::string& content_type, const std::string& body, const std::string& id) {
  std::string length = std::to_string(body.size());
  std::vector<guard::FilterHeader> headers = {
      {"Host", "union.example.cn"},
      {"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36"},
      {"Accept", "text/html"}};
  if (!body.empty()) {
    headers.push_back({"Content-Type", content_type});
    headers.push_back({"Content-Length", length});
  }
  guard::FilterRequest r;
  r.request_id = id;
  r.client_ip = "192.0.2.7";
  r.client_port = 50000;
  r.server_ip = "127.0.0.1";
  r.server_port = 80;
  r.method = method;
  r.target = target;
  r.http_version = "1.1";
  r.host = "union.example.cn";
  r.site_id = 1;
  r.headers = headers;
  r.body = body;
  return waf.inspect(r);
}

std::string metric(const std::string& metrics, const std::string& key) {
  auto at = metrics.find(key + " ");
  return at == std::string::npos ? "" : metrics.substr(at + key.size() + 1, metrics.find('\n', at) - at - key.size() - 1);
}

// The Waf loads the generated text and, in check mode, the Include too: same verdicts on ordinary
// requests and attacks, at the levels where the text leaves out most, with the prefilter on and off.
TEST(CrsTextWaf, CheckModeFindsNoDifferenceOnOrdinaryRequestsAndAttacks) {
  // The prefilter's build costs seconds: on at paranoia 1 only (the bench's level).
  const std::vector<std::pair<int, WafOptions::Prefilter>> cases = {
      {1, WafOptions::Prefilter::off}, {1, WafOptions::Prefilter::on}, {2, WafOptions::Prefilter::off}};
  for (auto [paranoia, prefilter] : cases) {
    {
      WafOptions options;
      options.trim_check = true;
      options.prefilter = prefilter;
      options.defaults.paranoia = paranoia;
      auto waf = Waf::create(options);
      ASSERT_TRUE(waf.has_value()) << waf.error().to_string();
      const std::string form = "application/x-www-form-urlencoded";
      inspect(**waf, "GET", "/news/2026/", "", "", "a");
      inspect(**waf, "POST", "/contact", form, "name=%E5%BC%A0%E4%B8%89&msg=hello", "b");
      EXPECT_EQ(inspect(**waf, "GET", "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "", "", "c").action,
                guard::FilterVerdict::Action::block);
      EXPECT_EQ(inspect(**waf, "POST", "/s", form, "var=-1839%27%20or%20%271%27%3D%271", "d").action,
                guard::FilterVerdict::Action::block);
      std::string metrics;
      (*waf)->append_metrics(metrics);
      EXPECT_EQ(metric(metrics, "waf_text_check_total{outcome=\"checked\"}"), "4") << paranoia;
      EXPECT_EQ(metric(metrics, "waf_text_check_total{outcome=\"miss\"}"), "0") << paranoia;
    }
  }
}

// An exclusion that names a rule the trimming argument rests on (901125 sets the executing paranoia
// level the markers read) makes the Waf load the Include instead: nothing is checked against itself.
TEST(CrsTextWaf, AnExclusionOfTheInitialisationFallsBackToTheInclude) {
  WafOptions options;
  options.trim_check = true;
  options.prefilter = WafOptions::Prefilter::off;  // the text's fallback is tested, not the prefilter
  options.defaults.exclusions.push_back({"", 901125, ""});
  auto waf = Waf::create(options);
  ASSERT_TRUE(waf.has_value()) << waf.error().to_string();
  inspect(**waf, "GET", "/", "", "", "a");
  std::string metrics;
  (*waf)->append_metrics(metrics);
  EXPECT_EQ(metric(metrics, "waf_text_check_total{outcome=\"checked\"}"), "0");
}

}  // namespace
}  // namespace sw::waf

namespace sw::waf {
namespace {

// Routing (modsec_prefilter.h guess_attack): the guess decides which runs a request pays, never its
// verdict. Guessed attack (libinjection on a query value) -> the full set only: blocked. Guessed clean
// but an attack (LFI, which libinjection does not see) -> reduced run, the prefilter's "may match", the
// full run: blocked. Clean -> passed by the prefilter. Same verdicts as with the prefilter off.
TEST(PrefilterRouting, AWrongGuessEitherWayStillGivesTheFullRunsVerdict) {
  for (auto prefilter : {WafOptions::Prefilter::off, WafOptions::Prefilter::on}) {
    WafOptions options;
    options.prefilter = prefilter;
    auto waf = Waf::create(options);
    ASSERT_TRUE(waf.has_value()) << waf.error().to_string();
    const bool on = prefilter == WafOptions::Prefilter::on;
    EXPECT_EQ(inspect(**waf, "GET", "/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", "", "", "xss").action,
              guard::FilterVerdict::Action::block);
    std::string metrics;
    (*waf)->append_metrics(metrics);
    EXPECT_EQ(metric(metrics, "waf_prefilter_total{outcome=\"routed_full\"}"), on ? "1" : "0");
    EXPECT_EQ(inspect(**waf, "GET", "/?file=..%2F..%2F..%2Fetc%2Fpasswd", "", "", "lfi").action,
              guard::FilterVerdict::Action::block);
    EXPECT_EQ(inspect(**waf, "POST", "/contact", "application/x-www-form-urlencoded",
                      "name=%E5%BC%A0%E4%B8%89&msg=%E4%BD%A0%E5%A5%BD", "clean").action,
              guard::FilterVerdict::Action::pass);
    metrics.clear();
    (*waf)->append_metrics(metrics);
    EXPECT_EQ(metric(metrics, "waf_prefilter_total{outcome=\"routed_full\"}"), on ? "1" : "0");  // LFI not guessed
    EXPECT_EQ(metric(metrics, "waf_prefilter_total{outcome=\"prefilter_pass\"}"), on ? "1" : "0");
  }
}

}  // namespace
}  // namespace sw::waf

namespace sw::waf {
namespace {

TEST(CrsText, InitialisationGuardsTheConfigurationDoesNotNameBecomeOneSecAction) {
  const std::string configuration =
      "SecAction \"id:900990,phase:1,nolog,pass,t:none,setvar:tx.crs_setup_version=334\"\n"
      "SecAction \"id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=1\"\n";
  auto crs = generate_crs_text(kCrsRules, 1, false, {}, &configuration);
  ASSERT_TRUE(crs.has_value()) << crs.error().to_string();
  // 901100 (inbound threshold) onwards, up to the first guard the configuration names, in one SecAction.
  EXPECT_TRUE(has(crs->text, "SecAction \"id:901100,phase:1,pass,nolog,setvar:'tx.inbound_anomaly_score_threshold=5',"
                             "setvar:'tx.outbound_anomaly_score_threshold=4'"));
  EXPECT_TRUE(has(crs->text, "SecRule &TX:paranoia_level \"@eq 0\""));        // named: kept as written
  EXPECT_TRUE(has(crs->text, "SecRule &TX:crs_setup_version \"@eq 0\""));     // not a plain guard (deny)
  EXPECT_FALSE(has(crs->text, "SecRule &TX:executing_paranoia_level \"@eq 0\""));  // merged
  EXPECT_TRUE(has(crs->text, "setvar:'tx.executing_paranoia_level=%{TX.PARANOIA_LEVEL}'"));
  EXPECT_FALSE(has(crs->text, "SecRule &TX:static_extensions \"@eq 0\""));
  EXPECT_TRUE(crs->touched.contains(901125));
  auto plain = generate_crs_text(kCrsRules, 1, false);  // without the configuration: guards as written
  ASSERT_TRUE(plain.has_value());
  EXPECT_TRUE(has(plain->text, "SecRule &TX:static_extensions \"@eq 0\""));
}

}  // namespace
}  // namespace sw::waf

namespace sw::waf {
namespace {

// The prefilter remembers (group, value) pairs it found clean (per thread): a repeated clean request
// is passed again, and an attack among the same remembered header values is still blocked; LFI (not
// routed by the guess) goes through the prefilter's scans with every header value remembered.
TEST(PrefilterCleanCache, RememberedCleanValuesDoNotHideAnAttack) {
  WafOptions options;
  options.prefilter = WafOptions::Prefilter::on;
  auto waf = Waf::create(options);
  ASSERT_TRUE(waf.has_value()) << waf.error().to_string();
  const std::string form = "application/x-www-form-urlencoded";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(inspect(**waf, "POST", "/contact", form, "name=%E5%BC%A0%E4%B8%89&msg=%E4%BD%A0%E5%A5%BD", "c").action,
              guard::FilterVerdict::Action::pass);
  }
  EXPECT_EQ(inspect(**waf, "GET", "/?file=..%2F..%2F..%2Fetc%2Fpasswd", "", "", "lfi").action,
            guard::FilterVerdict::Action::block);
  EXPECT_EQ(inspect(**waf, "POST", "/contact", form, "name=%E5%BC%A0%E4%B8%89&msg=..%2F..%2F..%2Fetc%2Fpasswd", "lfi2").action,
            guard::FilterVerdict::Action::block);
  EXPECT_EQ(inspect(**waf, "POST", "/contact", form, "name=%E5%BC%A0%E4%B8%89&msg=%E4%BD%A0%E5%A5%BD", "c2").action,
            guard::FilterVerdict::Action::pass);
  std::string metrics;
  (*waf)->append_metrics(metrics);
  EXPECT_EQ(metric(metrics, "waf_prefilter_total{outcome=\"prefilter_pass\"}"), "4");
  EXPECT_EQ(metric(metrics, "waf_prefilter_total{outcome=\"routed_full\"}"), "0");
}

}  // namespace
}  // namespace sw::waf
