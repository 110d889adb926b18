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

}  // namespace
}  // namespace sw::review
