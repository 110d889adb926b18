// Specification of the registry's field validators (N2.1 domain rules, N2.2 ICP filing numbers).
#include "registry/validators.h"

#include <gtest/gtest.h>

#include <string>

namespace sw::registry {
namespace {

using identity::OrgKind;

// The error's code when `s` failed, "" when it passed.
template <class S>
std::string code_of(const S& s) {
  return s ? std::string() : s.error().code;
}
template <class S>
std::string message_of(const S& s) {
  return s ? std::string() : s.error().message;
}

// ---- ICP filing numbers (N2.2) -----------------------------------------------------------------

TEST(IcpNumber, WellFormedNumbersAreAccepted) {
  for (const char* number : {"苏ICP备12345678号-1", "苏ICP备12345678号", "京ICP备123456号",
                             "粤ICP备1234567890号-12", "琼ICP备2020001号-999", "藏ICP备000001号"}) {
    EXPECT_TRUE(validate_icp_number(number)) << number << ": " << message_of(validate_icp_number(number));
  }
}

TEST(IcpNumber, EveryMainlandProvinceAbbreviationIsAccepted) {
  EXPECT_EQ(std::size(kProvinceAbbreviations), 31u);
  for (std::string_view p : kProvinceAbbreviations) {
    const std::string number = std::string(p) + "ICP备12345678号-1";
    EXPECT_TRUE(validate_icp_number(number)) << number;
  }
}

struct BadIcp {
  const char* number;
  const char* reason;  // a part of the message that names what is wrong
};

class IcpNumberRefused : public ::testing::TestWithParam<BadIcp> {};

TEST_P(IcpNumberRefused, WithTheReasonNamed) {
  const auto result = validate_icp_number(GetParam().number);
  ASSERT_FALSE(result) << GetParam().number;
  EXPECT_EQ(result.error().code, "registry.invalid_icp");
  EXPECT_NE(result.error().message.find(GetParam().reason), std::string::npos) << result.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Table, IcpNumberRefused,
    ::testing::Values(BadIcp{"港ICP备12345678号", "unknown province 「港」"},  // not a mainland province
                      BadIcp{"ICP备12345678号", "unknown province 「I」"},     // no province
                      BadIcp{"", "unknown province"},                          // empty
                      BadIcp{"苏IC备12345678号", "\"ICP\" must follow"},       // typo
                      BadIcp{"苏icp备12345678号", "\"ICP\" must follow"},      // lowercase
                      BadIcp{"苏ICP12345678号", "missing 备"},                 // no 备
                      BadIcp{"苏ICP证B2-20100000号", "business licence"},      // a licence, not a filing
                      BadIcp{"苏ICP备12345号", "5 digits"},                    // too short
                      BadIcp{"苏ICP备12345678901号", "11 digits"},             // too long
                      BadIcp{"苏ICP备号", "0 digits"},                         // none
                      BadIcp{"苏ICP备12345678", "missing 号"},                 // no 号
                      BadIcp{"苏ICP备12345678-1", "missing 号"},               // suffix without 号
                      BadIcp{"苏ICP备12345678号-", "site suffix"},             // empty suffix
                      BadIcp{"苏ICP备12345678号-0", "site suffix"},            // zero
                      BadIcp{"苏ICP备12345678号-01", "site suffix"},           // leading zero
                      BadIcp{"苏ICP备12345678号-1000", "site suffix"},         // too long
                      BadIcp{"苏ICP备12345678号-1a", "site suffix"},           // trailing text
                      BadIcp{"苏ICP备12345678号 ", "only a site suffix"},      // trailing space
                      BadIcp{"苏公网安备32010202010001号",
                             "\"ICP\" must follow"}));  // public-security filing

// ---- domains (N2.1) ----------------------------------------------------------------------------

TEST(Domain, OrdinaryAndPunycodeNamesAreAccepted) {
  for (const char* d :
       {"njgh.org", "www.jsgh.org.cn", "a.b", "xn--fiqs8s.org.cn", "su-zhou-gh.org", "12351.org.cn"}) {
    EXPECT_TRUE(validate_domain(d)) << d << ": " << message_of(validate_domain(d));
  }
}

TEST(Domain, MalformedNamesAreRefusedWithTheProblemNamed) {
  const std::pair<std::string, std::string> cases[] = {
      {"", "empty"},
      {"localhost", "two labels"},
      {"njgh.org.", "end with a dot"},
      {"a..org", "empty label"},
      {"-njgh.org", "hyphen"},
      {"njgh-.org", "hyphen"},
      {"NJGH.org", "may hold only"},
      {"南京工会.org", "xn--"},
      {"nj_gh.org", "may hold only"},
      {std::string(64, 'a') + ".org", "longer than 63"},
  };
  for (const auto& [domain, why] : cases) {
    const auto result = validate_domain(domain);
    ASSERT_FALSE(result) << domain;
    EXPECT_EQ(result.error().code, "registry.invalid_domain");
    EXPECT_NE(result.error().message.find(why), std::string::npos) << result.error().message;
  }
}

TEST(Domain, TotalLengthIsAtMost253) {
  const std::string d = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                        std::string(62, 'd');  // 254
  ASSERT_EQ(d.size(), 254u);
  EXPECT_EQ(code_of(validate_domain(d)), "registry.invalid_domain");
  std::string fits = std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                     std::string(61, 'd');  // 253
  ASSERT_EQ(fits.size(), 253u);
  EXPECT_TRUE(validate_domain(fits));
}

TEST(Domain, NormalizeLowercasesAsciiOnly) {
  EXPECT_EQ(normalize_domain("WWW.NJGH.Org.CN"), "www.njgh.org.cn");
}

TEST(DomainRule, CityAndCountyDomainsMustEndInOrgOrOrgCn) {
  const DomainRules rules;
  for (OrgKind level : {OrgKind::city, OrgKind::county}) {
    EXPECT_TRUE(check_domain_rule(level, "njgh.org", rules));
    EXPECT_TRUE(check_domain_rule(level, "www.njgh.org.cn", rules));
    const auto refused = check_domain_rule(level, "njgh.com", rules);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, "registry.domain_rule");
    EXPECT_NE(refused.error().message.find(std::string(identity::to_string(level)) +
                                           " union domains must end in .org or .org.cn"),
              std::string::npos)
        << refused.error().message;
  }
}

TEST(DomainRule, SuffixMatchesWholeLabels) {
  const DomainRules rules;
  EXPECT_EQ(code_of(check_domain_rule(OrgKind::city, "njghorg", rules)), "registry.domain_rule");
  EXPECT_EQ(code_of(check_domain_rule(OrgKind::city, "njgh.xorg", rules)), "registry.domain_rule");
  EXPECT_EQ(code_of(check_domain_rule(OrgKind::city, "njgh.org.cn.com", rules)), "registry.domain_rule");
}

TEST(DomainRule, OtherLevelsAreUnrestrictedByDefault) {
  const DomainRules rules;
  for (OrgKind level : {OrgKind::province, OrgKind::grassroots, OrgKind::industry, OrgKind::affiliated}) {
    EXPECT_TRUE(check_domain_rule(level, "example.com", rules)) << identity::to_string(level);
  }
}

TEST(DomainRule, RulesAreConfigurable) {
  DomainRules rules;
  rules.suffixes_by_level["grassroots"] = {".gov.cn"};
  rules.suffixes_by_level.erase("city");
  EXPECT_TRUE(check_domain_rule(OrgKind::city, "example.com", rules));
  const auto refused = check_domain_rule(OrgKind::grassroots, "example.com", rules);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("grassroots union domains must end in .gov.cn"), std::string::npos);
}

// ---- contact fields (notice 五) ------------------------------------------------------------------

TEST(Postcode, SixDigits) {
  EXPECT_TRUE(validate_postcode("210000"));
  for (const char* bad : {"21000", "2100000", "21000a", ""})
    EXPECT_EQ(code_of(validate_postcode(bad)), "registry.invalid_postcode") << bad;
}

TEST(Phone, MobileOrLandline) {
  EXPECT_TRUE(validate_phone("025-83201234"));
  EXPECT_TRUE(validate_phone("13912345678"));
  EXPECT_EQ(code_of(validate_phone("83201234")), "registry.invalid_phone");
}

TEST(Hotline12351, BareOrWithAreaCode) {
  EXPECT_TRUE(validate_hotline_12351("12351"));
  EXPECT_TRUE(validate_hotline_12351("025-12351"));
  EXPECT_TRUE(validate_hotline_12351("0512-12351"));
  for (const char* bad : {"12345", "025-83201234", "25-12351", "0251x-12351", "", "12351-1"}) {
    EXPECT_EQ(code_of(validate_hotline_12351(bad)), "registry.invalid_hotline") << bad;
  }
}

TEST(OrgCode, ShortAsciiCodes) {
  EXPECT_TRUE(validate_org_code("320100"));
  EXPECT_TRUE(validate_org_code("51320000MJ0000000X"));
  EXPECT_EQ(code_of(validate_org_code("")), "registry.invalid_code");
  EXPECT_EQ(code_of(validate_org_code("32 01")), "registry.invalid_code");
  EXPECT_EQ(code_of(validate_org_code(std::string(33, '1'))), "registry.invalid_code");
}

TEST(TextField, NamedInTheError) {
  EXPECT_TRUE(validate_text_field("sponsor", "南京市总工会"));
  EXPECT_EQ(code_of(validate_text_field("sponsor", "")), "registry.invalid_sponsor");
  EXPECT_EQ(code_of(validate_text_field("sponsor", "   ")), "registry.invalid_sponsor");
  EXPECT_EQ(code_of(validate_text_field("name", "a\nb")), "registry.invalid_name");
  EXPECT_EQ(code_of(validate_text_field("name", std::string(129, 'x'))), "registry.invalid_name");
}


// ---- registry details (N2.6, N4.1, N7.5, N8.2) ----

TEST(Date, RealDaysInYyyyMmDdOnly) {
  EXPECT_TRUE(validate_date("held_on", "2026-11-26"));
  EXPECT_TRUE(validate_date("held_on", "2024-02-29"));
  for (const char* bad : {"", "2026-1-5", "2026/01/05", "2025-02-29", "2026-13-01", "2026-00-10", "1900-01-01",
                          "2026-01-05T00:00", "２０２６-01-05", "2026-01-3x"}) {
    EXPECT_EQ(code_of(validate_date("held_on", bad)), "registry.invalid_held_on") << bad;
  }
}

TEST(Uscc, TheCheckCharacterIsVerified) {
  EXPECT_TRUE(validate_uscc("91320100MA1XXXXX0X"));
  EXPECT_TRUE(validate_uscc("91320000134756000E"));
  EXPECT_TRUE(validate_uscc("12100000400010098N"));  // all digits but the check: an institution
  for (const char* bad : {"", "91320100MA1XXXXX0", "91320100MA1XXXXX01", "91320100ma1xxxxx0x", "91320100MA1XXXXXIX",
                          "91320100MA1XXXXX0X1"}) {
    EXPECT_EQ(code_of(validate_uscc(bad)), "registry.invalid_uscc") << bad;
  }
}

TEST(Feature, NamedFeaturesAndColumns) {
  for (const char* good : {"interaction", "blog", "forum", "search", "column:1", "column:12345"}) {
    EXPECT_TRUE(validate_feature(good)) << good;
  }
  for (const char* bad : {"", "Forum", "comments", "column:", "column:0", "column:01", "column:1a", "column: 1"}) {
    EXPECT_EQ(code_of(validate_feature(bad)), "registry.invalid_feature") << bad;
  }
}

TEST(GradingFiling, AsciiAndChineseWithoutSpacesOrMarkup) {
  EXPECT_TRUE(validate_grading_filing("32010243001-00012"));
  EXPECT_TRUE(validate_grading_filing("苏公网安32010243001"));
  for (const std::string& bad : {std::string(), std::string("A 1"), std::string("<b>"), std::string(65, '1'),
                                std::string("A\n1"), std::string("\xE8\x8B")}) {
    EXPECT_EQ(code_of(validate_grading_filing(bad)), "registry.invalid_filing_number") << bad;
  }
}

TEST(Certificate, OptionalAndLimited) {
  EXPECT_TRUE(validate_certificate(""));
  EXPECT_TRUE(validate_certificate("GH-2026/01(甲)"));
  EXPECT_EQ(code_of(validate_certificate("a;b")), "registry.invalid_certificate");
  EXPECT_EQ(code_of(validate_certificate(std::string(65, 'A'))), "registry.invalid_certificate");
}

}  // namespace
}  // namespace sw::registry
