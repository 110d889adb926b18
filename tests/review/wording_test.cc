// Serious wording errors (严重错别字, N3.4): pinyin and look-alike data, protected-name files, and the
// near-miss lexicon that finds a protected name written with one wrong character.
#include <gtest/gtest.h>

#include <algorithm>

#include "review/wording.h"

namespace sw::review {
namespace {

bool contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

const LexiconEntry* entry_for(const Lexicon& lexicon, std::string_view pattern) {
  for (const auto& e : lexicon.entries) {
    if (e.pattern == pattern) return &e;
  }
  return nullptr;
}

std::vector<ProtectedName> names(std::initializer_list<const char*> texts) {
  std::vector<ProtectedName> out;
  for (const char* t : texts) out.push_back({t, "protected.txt:1"});
  return out;
}

TEST(Pinyin, AHeteronymHasAllItsReadings) {
  const auto& readings = pinyin_of("行");
  EXPECT_TRUE(contains(readings, "xing"));
  EXPECT_TRUE(contains(readings, "hang"));
  EXPECT_TRUE(pinyin_of("x").empty());
}

TEST(Pinyin, CharactersOfASyllableAreSimplifiedAndMostCommonFirst) {
  const auto& gong = characters_with_pinyin("gong");
  ASSERT_TRUE(contains(gong, "工"));
  ASSERT_TRUE(contains(gong, "公"));
  EXPECT_FALSE(contains(gong, "貢"));  // traditional: normalised text never holds it
  const auto rank = [&](std::string_view c) { return std::find(gong.begin(), gong.end(), c) - gong.begin(); };
  EXPECT_LT(rank("工"), rank("肱"));
  EXPECT_TRUE(characters_with_pinyin("notasyllable").empty());
}

TEST(Pinyin, SyllablesAreMatchedWithoutToneOrCase) {
  EXPECT_EQ(characters_with_pinyin("Gong1"), characters_with_pinyin("gong"));
  EXPECT_TRUE(contains(characters_with_pinyin("lü"), "绿"));
}

TEST(SimilarShapes, ClassicConfusionsAreListedBothWays) {
  EXPECT_TRUE(contains(similar_shapes("己"), "已"));
  EXPECT_TRUE(contains(similar_shapes("已"), "巳"));
  EXPECT_TRUE(contains(similar_shapes("戌"), "戍"));
  EXPECT_TRUE(contains(similar_shapes("末"), "未"));
  EXPECT_FALSE(contains(similar_shapes("己"), "己"));
  EXPECT_TRUE(similar_shapes("会").empty());
}

TEST(NearMiss, FederationNameWithAHomophoneOrASwapIsAWordingErrorN3_4) {
  const auto lexicon = near_miss_lexicon(names({"中华全国总工会"}));
  for (const char* variant : {"中华全国总公会", "中化全国总工会", "中华全国工总会"}) {
    const LexiconEntry* e = entry_for(lexicon, variant);
    ASSERT_NE(e, nullptr) << variant;
    EXPECT_EQ(e->category, "wording_error");
    EXPECT_EQ(e->severity, Severity::high);
    EXPECT_EQ(e->note, "应为：中华全国总工会");
    EXPECT_EQ(e->source, "protected.txt:1");
    EXPECT_FALSE(e->regex);
  }
  EXPECT_EQ(entry_for(lexicon, "中华全国总工会"), nullptr);
}

TEST(NearMiss, LeaderNameWithAHomophoneOrALookAlikeIsFoundN3_4) {
  const auto lexicon = near_miss_lexicon(names({"王建国"}));  // a fictional name
  EXPECT_NE(entry_for(lexicon, "王健国"), nullptr);           // homophone jian
  EXPECT_NE(entry_for(lexicon, "玉建国"), nullptr);           // look-alike 王/玉
  EXPECT_NE(entry_for(lexicon, "建王国"), nullptr);           // swap
  EXPECT_EQ(entry_for(lexicon, "王建国"), nullptr);
}

TEST(NearMiss, RareHomophonesAreLeftOut) {
  const auto lexicon = near_miss_lexicon(names({"总工会"}));
  EXPECT_NE(entry_for(lexicon, "总公会"), nullptr);
  EXPECT_EQ(entry_for(lexicon, "总肱会"), nullptr);  // 肱 is rare
}

TEST(NearMiss, KnownWordsAndOtherProtectedNamesAreNotNearMisses) {
  const auto lexicon = near_miss_lexicon(names({"江苏省总工会", "江苏省总公会"}), {"中华全国总公会"});
  EXPECT_EQ(entry_for(lexicon, "江苏省总公会"), nullptr);  // itself protected
  const auto federation = near_miss_lexicon(names({"中华全国总工会"}), {"中华全国总公会"});
  EXPECT_EQ(entry_for(federation, "中华全国总公会"), nullptr);
  EXPECT_NE(entry_for(federation, "中化全国总工会"), nullptr);
}

TEST(NearMiss, PatternsAreNormalisedAndUnique) {
  const auto lexicon = near_miss_lexicon(names({"中華全國總工會", "中华全国总工会"}));
  EXPECT_NE(entry_for(lexicon, "中华全国总公会"), nullptr);  // traditional name, simplified patterns
  std::vector<std::string> patterns;
  for (const auto& e : lexicon.entries) patterns.push_back(e.pattern);
  std::sort(patterns.begin(), patterns.end());
  EXPECT_EQ(std::adjacent_find(patterns.begin(), patterns.end()), patterns.end());
}

TEST(NearMiss, SingleCharacterNamesGiveNothing) {
  EXPECT_TRUE(near_miss_lexicon(names({"党"})).entries.empty());
}

TEST(NearMiss, ALongFormulationIsCappedAt400Variants) {
  const std::string formulation =
      "坚持以人民为中心的发展思想全心全意依靠工人阶级的根本方针团结动员亿万职工群众建功新时代";
  const auto lexicon = near_miss_lexicon(names({formulation.c_str()}));
  EXPECT_EQ(lexicon.entries.size(), 400u);
  // the cap keeps the most common homophone at every position, the last one included
  EXPECT_NE(
      entry_for(lexicon,
                "坚持以人民为中心的发展思想全心全意依靠工人阶级的根本方针团结动员亿万职工群众建功新时带"),
      nullptr);
}

TEST(ProtectedNames, PlainListWithCommentsGivesNamesWithTheirLines) {
  const auto parsed =
      parse_protected_names("# 本单位名称\n中华全国总工会\n\n  江苏省总工会  # 省总\n", "names.txt");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].text, "中华全国总工会");
  EXPECT_EQ((*parsed)[0].source, "names.txt:2");
  EXPECT_EQ((*parsed)[1].text, "江苏省总工会");
  EXPECT_EQ((*parsed)[1].source, "names.txt:4");
}

TEST(ProtectedNames, TomlListGivesNamesWithTheirLines) {
  const auto parsed = parse_protected_names(
      "[protected]\nnames = [\n  \"中华全国总工会\",\n  \"王建国\",\n]\n", "names.toml");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().to_string();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[1].text, "王建国");
  EXPECT_EQ((*parsed)[1].source, "names.toml:4");
}

TEST(ProtectedNames, ErrorsNameTheSourceAndLine) {
  const auto bad_utf8 = parse_protected_names("中华全国总工会\n\xff\xfe\n", "names.txt");
  ASSERT_FALSE(bad_utf8.has_value());
  EXPECT_EQ(bad_utf8.error().code, "review.lexicon");
  EXPECT_NE(bad_utf8.error().message.find("names.txt:2"), std::string::npos) << bad_utf8.error().message;

  const auto too_long = parse_protected_names("工会\n" + std::string(65 * 3, 'a') + "\n", "names.txt");
  ASSERT_FALSE(too_long.has_value());
  EXPECT_NE(too_long.error().message.find("names.txt:2"), std::string::npos) << too_long.error().message;

  const auto not_string =
      parse_protected_names("[protected]\nnames = [\n  \"工会\",\n  42,\n]\n", "names.toml");
  ASSERT_FALSE(not_string.has_value());
  EXPECT_NE(not_string.error().message.find("names.toml:4"), std::string::npos) << not_string.error().message;

  const auto syntax = parse_protected_names("[protected]\nnames = [\"工会\"\n", "names.toml");
  ASSERT_FALSE(syntax.has_value());
  EXPECT_NE(syntax.error().message.find("names.toml:"), std::string::npos) << syntax.error().message;

  const auto missing = parse_protected_names("[lexicon]\nname = \"x\"\n", "names.toml");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("[protected] names"), std::string::npos) << missing.error().message;
}

}  // namespace
}  // namespace sw::review
