// Normalisation for matching, with every finding traceable to the original text (N3.2, N3.4).
#include <gtest/gtest.h>

#include "review/normaliser.h"

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

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

// The dense form the matcher scans: UTF-16LE units, each with the byte offset in `text` of its code point.
std::string units(std::initializer_list<std::uint32_t> list) {
  std::string out;
  for (std::uint32_t u : list) {
    out += static_cast<char>(u & 0xFF);
    out += static_cast<char>(u >> 8);
  }
  return out;
}

using Offsets = std::vector<std::uint32_t>;

TEST(NormaliserDense, ChineseIsTwoBytesPerCharacterWithItsOffsetInTheText) {
  const auto n = normalise("机密");
  EXPECT_EQ(n.dense, units({0x673A, 0x5BC6}));
  EXPECT_EQ(n.dense_at, (Offsets{0, 3, 6}));
}

TEST(NormaliserDense, AsciiIsOneUnitPerLetterAfterFolding) {
  const auto n = normalise("ＱＱ群 Ab");
  EXPECT_EQ(n.text, "qq群 ab");
  EXPECT_EQ(n.dense, units({'q', 'q', 0x7FA4, ' ', 'a', 'b'}));
  EXPECT_EQ(n.dense_at, (Offsets{0, 1, 2, 5, 6, 7, 8}));
}

TEST(NormaliserDense, SupplementaryCharacterIsASurrogatePairAtOneOffset) {
  // 僤 simplifies to U+2B8B8: high surrogate 0xD86E, low 0xDCB8, both at the 4-byte character.
  const auto n = normalise("甲\u50E4乙");
  EXPECT_EQ(n.text, "甲\U0002B8B8乙");
  EXPECT_EQ(n.dense, units({0x7532, 0xD86E, 0xDCB8, 0x4E59}));
  EXPECT_EQ(n.dense_at, (Offsets{0, 3, 3, 7, 10}));
}

TEST(NormaliserDense, InvalidByteIsALoneLowSurrogateNoWordContains) {
  const auto n = normalise("a\xff\xe7\xbb");
  EXPECT_EQ(n.text, "a\xff\xe7\xbb");
  EXPECT_EQ(n.dense, units({'a', 0xDCFF, 0xDCE7, 0xDCBB}));
  EXPECT_EQ(n.dense_at, (Offsets{0, 1, 2, 3, 4}));
}

TEST(NormaliserDense, EmptyTextHasOnlyTheEndOffset) {
  const auto n = normalise("");
  EXPECT_TRUE(n.dense.empty());
  EXPECT_EQ(n.dense_at, (Offsets{0}));
}

TEST(NormaliserDense, RemovedSeparatorsAndZeroWidthCharactersLeaveNoUnits) {
  const auto n = normalise("機 * \u200b密");
  EXPECT_EQ(n.text, "机密");
  EXPECT_EQ(n.dense, units({0x673A, 0x5BC6}));
  EXPECT_EQ(n.dense_at, (Offsets{0, 3, 6}));
}

TEST(NormaliserDense, DenseFormOfTheTextIsTheSameAndReuseKeepsItExact) {
  NormalisedText n;
  normalise_into("A⼯\u200b會 ① саsino 機*密\xff 甲\u50E4乙 ＱＱ群", n);
  normalise_into("機 * 密\xfe乙", n);  // shorter, into the same buffers
  // The last: ASCII, one unit a byte, past the room first made for mostly three-byte characters.
  const std::string ascii = std::string(200, 'x') + "機*密" + std::string(100, '\xff');
  for (std::string_view original :
       {std::string_view("機 * 密\xfe乙"), std::string_view("A⼯\u200b會 ① саsino 機*密\xff 甲\u50E4乙"),
        std::string_view(ascii)}) {
    normalise_into(original, n);
    ASSERT_EQ(n.dense.size() % 2, 0u);
    ASSERT_EQ(n.dense_at.size(), n.dense.size() / 2 + 1);
    EXPECT_EQ(n.dense_at.back(), n.text.size());
    EXPECT_EQ(n.dense, normalise(original).dense);
    std::string dense;
    std::vector<std::uint32_t> dense_at;
    dense_form(n.text, dense, dense_at);
    EXPECT_EQ(dense, n.dense);
    EXPECT_EQ(dense_at, n.dense_at);
    for (std::size_t u = 0; u + 1 < n.dense_at.size(); ++u) {
      ASSERT_LT(n.dense_at[u], n.text.size());
      EXPECT_NE(static_cast<unsigned char>(n.text[n.dense_at[u]]) & 0xC0, 0x80) << "unit " << u;
      EXPECT_LE(n.dense_at[u], n.dense_at[u + 1]);
    }
  }
}

}  // namespace
}  // namespace sw::review
