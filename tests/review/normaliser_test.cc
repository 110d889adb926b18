// Normalisation for matching, with every finding traceable to the original text (N3.2, N3.4).
#include <gtest/gtest.h>

#include "review/normaliser.h"

namespace sw::review {
namespace {

std::string original_of(const NormalisedText& n, std::string_view original, std::string_view needle) {
  const auto at = n.text.find(needle);
  if (at == std::string::npos) return "<not found>";
  const auto [begin, end] = n.original_range(at, at + needle.size());
  return std::string(original.substr(begin, end - begin));
}

TEST(Normaliser, InsertedSeparatorsBetweenChineseCharactersAreRemoved) {
  for (std::string_view disguised : {"机*密", "机 密", "机.密", "机．密", "机・密", "机　密", "机 * 密"}) {
    const auto n = normalise(disguised);
    EXPECT_EQ(n.text, "机密") << disguised;
  }
}

TEST(Normaliser, ZeroWidthCharactersAreRemovedAnywhere) {
  EXPECT_EQ(normalise("机\u200b密").text, "机密");
  EXPECT_EQ(normalise("se\u200dcret").text, "secret");
}

TEST(Normaliser, FullWidthAndUpperCaseFoldToLowerAscii) {
  EXPECT_EQ(normalise("ＱＱ群１２３").text, "qq群123");
  EXPECT_EQ(normalise("WeChat").text, "wechat");
}

TEST(Normaliser, SeparatorsBetweenLatinWordsStay) {
  EXPECT_EQ(normalise("a-b c").text, "a-b c");
  EXPECT_EQ(normalise("工会 website").text, "工会 website");
}

TEST(Normaliser, FindingsMapBackToTheOriginalSpelling) {
  const std::string original = "本文件属于：绝 * 密★十年，请勿外传";
  const auto n = normalise(original);
  EXPECT_EQ(original_of(n, original, "绝密"), "绝 * 密");
}

TEST(Normaliser, FullWidthDigitsMapBackToTheirOriginalBytes) {
  const std::string original = "电话：１３８";
  const auto n = normalise(original);
  EXPECT_EQ(original_of(n, original, "138"), "１３８");
}

TEST(Normaliser, InvalidUtf8IsKeptAndDoesNotCrash) {
  const std::string bad = std::string("机") + "\xff\xfe" + "密";
  const auto n = normalise(bad);
  EXPECT_EQ(n.origin.size(), n.text.size());
  EXPECT_NE(n.text.find('\xff'), std::string::npos);
}

TEST(Normaliser, TraditionalSpellingsFoldToSimplifiedN3_2) {
  EXPECT_EQ(normalise("機密").text, "机密");
  EXPECT_EQ(normalise("絕密").text, "绝密");
  EXPECT_EQ(normalise("內部資料。注意保管").text, "内部资料。注意保管");
  EXPECT_EQ(normalise("衞生").text, "卫生");  // a Hong Kong variant that t2s alone leaves alone
}

TEST(Normaliser, SimplifiedTextIsLeftAsItIs) {
  const std::string text = "中华全国总工会关于做好2024年工作的通知";
  EXPECT_EQ(normalise(text).text, text);
}

TEST(Normaliser, RadicalsAndCompatibilityIdeographsFoldToUnifiedIdeographsN3_4) {
  EXPECT_EQ(normalise("⼯会").text, "工会");  // U+2F2F KANGXI RADICAL WORK
  EXPECT_EQ(normalise("⾨户").text, "门户");  // KANGXI RADICAL GATE → 門 → 门
  EXPECT_EQ(normalise("⺟亲").text, "母亲");  // U+2E9F CJK RADICAL MOTHER
  EXPECT_EQ(normalise("\uF900").text, "岂");  // CJK COMPATIBILITY IDEOGRAPH-F900 → 豈 → 岂
}

TEST(Normaliser, CyrillicAndGreekLookAlikesInALatinWordFoldToLatinN3_4) {
  EXPECT_EQ(normalise("\u0441\u0430sino").text, "casino");  // Cyrillic с, а
  EXPECT_EQ(normalise("V\u0420N").text, "vpn");             // Cyrillic capital Р
  EXPECT_EQ(normalise("g\u03BFv").text, "gov");             // Greek ο
}

TEST(Normaliser, EnclosedDigitsAndMathematicalLettersFoldToAscii) {
  EXPECT_EQ(normalise("①③⑧").text, "138");
  EXPECT_EQ(normalise("❶⑴⒈").text, "111");
  EXPECT_EQ(normalise("\U0001D42A\U0001D42A").text, "qq");  // MATHEMATICAL BOLD SMALL Q
  EXPECT_EQ(normalise("⑩").text, "⑩");                      // not one digit: kept
}

TEST(Normaliser, LookAlikeDigitsAndLettersAreNotFolded) {
  EXPECT_EQ(normalise("g00gle l1").text, "g00gle l1");
}

TEST(Normaliser, SeparatorsTraditionalAndFullWidthTogether) {
  EXPECT_EQ(normalise("機 * 密").text, "机密");
  EXPECT_EQ(normalise("绝　密").text, "绝密");
  EXPECT_EQ(normalise("⼯\u200b·會").text, "工会");
  EXPECT_EQ(normalise("內．部　資 料").text, "内部资料");
}

TEST(Normaliser, ADisguisedWordMapsBackToItsOriginalBytesN3_2) {
  const std::string original = "说明：本件為機 * 密文件，ＱＱ群不得外傳";
  const auto n = normalise(original);
  EXPECT_EQ(original_of(n, original, "机密"), "機 * 密");
  EXPECT_EQ(original_of(n, original, "外传"), "外傳");
  EXPECT_EQ(original_of(n, original, "qq"), "ＱＱ");
}

TEST(Normaliser, EveryNormalisedByteMapsToTheStartOfAnOriginalCharacter) {
  const std::string original = "A⼯\u200b會 ① саsino 機*密\xff";
  const auto n = normalise(original);
  ASSERT_EQ(n.origin.size(), n.text.size());
  for (std::size_t i = 0; i < n.origin.size(); ++i) {
    ASSERT_LT(n.origin[i], original.size());
    EXPECT_NE(static_cast<unsigned char>(original[n.origin[i]]) & 0xC0, 0x80) << "byte " << i;
    if (i > 0) {
      EXPECT_LE(n.origin[i - 1], n.origin[i]);
    }
  }
}

TEST(Normaliser, TraditionalCharacterWithASupplementarySimplifiedFormKeepsTheMap) {
  // 僤 (U+50E4, 3 bytes) simplifies to U+2B8B8 (4 bytes): the text grows and the map stays exact.
  const std::string original = "甲\u50E4\u50E4乙";
  const auto n = normalise(original);
  EXPECT_EQ(n.text, "甲\U0002B8B8\U0002B8B8乙");
  ASSERT_EQ(n.origin.size(), n.text.size());
  EXPECT_EQ(original_of(n, original, "\U0002B8B8\U0002B8B8"), "\u50E4\u50E4");
}

TEST(Normaliser, EmptyInputGivesEmptyText) {
  const auto n = normalise("");
  EXPECT_TRUE(n.text.empty());
  EXPECT_TRUE(n.origin.empty());
  EXPECT_EQ(n.original_range(0, 0), std::make_pair(std::size_t{0}, std::size_t{0}));
}

}  // namespace
}  // namespace sw::review
