// Personal-data validators (N4.6, N3.2): validated, not merely pattern-matched.
#include <gtest/gtest.h>

#include "review/personal_data.h"

namespace sw::review {
namespace {

TEST(ResidentId, Gb11643ExampleWithXCheckIsValid) {
  EXPECT_TRUE(is_resident_id("11010519491231002X"));
  EXPECT_TRUE(is_resident_id("11010519491231002x"));
}

TEST(ResidentId, WrongCheckDigitIsRefused) { EXPECT_FALSE(is_resident_id("110105194912310021")); }

TEST(ResidentId, ImpossibleBirthDateIsRefusedEvenWithTheRightCheckDigit) {
  EXPECT_FALSE(is_resident_id("320106198802301230"));  // 30 February; check digit computed for it
  EXPECT_TRUE(is_resident_id("320106200002291230"));   // 29 February 2000 is real
}

TEST(ResidentId, UnknownProvinceCodeIsRefused) { EXPECT_FALSE(is_resident_id("990106198801011236")); }

TEST(ResidentId, BirthYearAfterTheLimitIsRefused) {
  EXPECT_FALSE(is_resident_id("320106200002291230", 1999));
}

TEST(Mobile, CurrentPrefixesOnly) {
  EXPECT_TRUE(is_mobile("13800138000"));
  EXPECT_TRUE(is_mobile("19912345678"));
  EXPECT_TRUE(is_mobile("16612345678"));
  EXPECT_FALSE(is_mobile("15412345678"));
  EXPECT_FALSE(is_mobile("12345678901"));
  EXPECT_FALSE(is_mobile("1380013800"));
}

TEST(Landline, AreaCodeAndLocalNumber) {
  EXPECT_TRUE(is_landline("025-84561234"));
  EXPECT_TRUE(is_landline("0512-6523456"));
  EXPECT_TRUE(is_landline("02584561234"));
  EXPECT_FALSE(is_landline("025-0456123"));
  EXPECT_FALSE(is_landline("25-84561234"));
}

TEST(BankCard, LuhnDecides) {
  EXPECT_TRUE(is_bank_card("6222021234567890128"));
  EXPECT_FALSE(is_bank_card("6222021234567890120"));
  EXPECT_TRUE(is_bank_card("4111111111111111"));
  EXPECT_FALSE(is_bank_card("411111111111111"));  // 15 digits
}

TEST(CreditCode, Gb32100CheckCharacter) {
  EXPECT_TRUE(is_credit_code("91350100M000100Y43"));
  EXPECT_TRUE(is_credit_code("91320000134768412J"));
  EXPECT_FALSE(is_credit_code("91350100M000100Y44"));
  EXPECT_FALSE(is_credit_code("91350100I000100Y43")) << "I is not in the GB 32100 alphabet";
}

TEST(Email, ConventionalAddresses) {
  EXPECT_TRUE(is_email("zhangwei@njgh.org.cn"));
  EXPECT_FALSE(is_email("zhangwei@localhost"));
  EXPECT_FALSE(is_email("@njgh.org.cn"));
  EXPECT_FALSE(is_email("a..b@njgh.org.cn"));
}

TEST(FindPersonalData, FindsEachKindWithItsOffsetInChineseText) {
  const std::string text =
      "联系人：张伟，身份证号11010519491231002X，手机13800138000，座机025-84561234，"
      "邮箱zhangwei@njgh.org.cn，工资卡6222021234567890128，单位代码91320000134768412J。";
  const auto found = find_personal_data(text);
  ASSERT_EQ(found.size(), 6u);
  EXPECT_EQ(found[0].kind, PersonalDataKind::resident_id);
  EXPECT_EQ(found[0].text, "11010519491231002X");
  EXPECT_EQ(text.substr(found[0].offset, found[0].text.size()), found[0].text);
  EXPECT_EQ(found[1].kind, PersonalDataKind::mobile);
  EXPECT_EQ(found[2].kind, PersonalDataKind::landline);
  EXPECT_EQ(found[3].kind, PersonalDataKind::email);
  EXPECT_EQ(found[4].kind, PersonalDataKind::bank_card);
  EXPECT_EQ(found[5].kind, PersonalDataKind::credit_code);
}

TEST(FindPersonalData, NumbersThatFailTheirChecksAreNotReported) {
  EXPECT_TRUE(find_personal_data("订单号110105194912310021，流水6222021234567890120").empty());
}

TEST(FindPersonalData, AMobileNumberInsideALongerNumberIsNotReported) {
  EXPECT_TRUE(find_personal_data("编号913800138000123").empty());
}

}  // namespace
}  // namespace sw::review

namespace sw::review {
namespace {

TEST(Passport, FormsOfChinesePassportNumbers_N4_6) {
  EXPECT_TRUE(is_passport_form("E12345678"));
  EXPECT_TRUE(is_passport_form("EA1234567"));
  EXPECT_TRUE(is_passport_form("g12345678"));
  EXPECT_FALSE(is_passport_form("EI1234567"));   // no I or O after E
  EXPECT_FALSE(is_passport_form("E1234567"));    // too short
  EXPECT_FALSE(is_passport_form("K12345678"));
}

TEST(FindPersonalData, APassportNumberCountsOnlyAfterTheWordPassport_N4_6) {
  const auto found = find_personal_data("出访人员护照号码：EA1234567；设备序列号 E12345678；Passport No. G87654321");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].kind, PersonalDataKind::passport);
  EXPECT_EQ(found[0].text, "EA1234567");
  EXPECT_EQ(found[1].text, "G87654321");
  EXPECT_EQ(to_string(found[1].kind), "passport");
}

}  // namespace
}  // namespace sw::review
