// Tests of the vectorscan matcher (N3.2, N3.4): literal and regex hits with their byte ranges, context
// rules, the whitelist, leftmost-longest de-duplication, the compile cache, a large lexicon and
// concurrent scans.
#include "review/matcher.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sw::review {
namespace {

Lexicon lexicon_of(std::string_view toml) {
  auto lexicon = parse_lexicon(toml, "test.toml");
  EXPECT_TRUE(lexicon) << lexicon.error().to_string();
  return lexicon ? *lexicon : Lexicon{};
}

std::shared_ptr<const Matcher> compiled(const Lexicon& lexicon) {
  auto matcher = Matcher::compile(lexicon);
  EXPECT_TRUE(matcher) << matcher.error().to_string();
  return matcher ? *matcher : nullptr;
}

// The normalised words found, in order.
std::vector<std::string> found(const Matcher& matcher, std::string_view original) {
  const NormalisedText text = normalise(original);
  std::vector<std::string> words;
  for (const Hit& hit : matcher.scan(text)) words.push_back(text.text.substr(hit.from, hit.to - hit.from));
  return words;
}

using Words = std::vector<std::string>;

constexpr std::string_view kMarkings = R"([lexicon]
name = "markings"
category = "secret_marking"
severity = "critical"
[[entry]]
word = "绝密"
[[entry]]
word = "秘密"
context = ["standalone"]
[[entry]]
regex = '(绝密|机密|秘密)\s*★\s*(长期|\d+\s*年)?'
[whitelist]
words = ["绝密档案馆"]
)";

TEST(Matcher, LiteralHitsCarryTheirByteRangeAndEntry) {
  auto matcher = compiled(lexicon_of(kMarkings));
  const NormalisedText text = normalise("这是绝密。");
  const auto hits = matcher->scan(text);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].from, 6u);  // after 这是 (two three-byte characters)
  EXPECT_EQ(hits[0].to, 12u);
  EXPECT_EQ(matcher->lexicon().entries[hits[0].entry].pattern, "绝密");
}

TEST(Matcher, MarkingWithStarAndPeriodIsOneHitCoveringTheWholeMarking) {
  // N3.2: 秘密★1年 is one finding, not 秘密 plus the marking.
  auto matcher = compiled(lexicon_of(kMarkings));
  const NormalisedText text = normalise("秘密★1年\n关于2024年工作安排的通知");
  const auto hits = matcher->scan(text);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(text.text.substr(hits[0].from, hits[0].to - hits[0].from), "秘密★1年");
  EXPECT_TRUE(matcher->lexicon().entries[hits[0].entry].regex);
}

TEST(Matcher, SecretCountsOnlyAsAMarkingNotInProse) {
  // N3.2: 秘密 standing alone (a marking at the head of a document, 【秘密】) is reported; in 秘密花园
  // or 保守国家秘密 it is ordinary prose.
  auto matcher = compiled(lexicon_of(kMarkings));
  EXPECT_EQ(found(*matcher, "秘密\n关于召开职工代表大会的通知"), Words{"秘密"});
  EXPECT_EQ(found(*matcher, "【秘密】会议材料"), Words{"秘密"});
  EXPECT_EQ(found(*matcher, "秘密花园读书会"), Words{});
  EXPECT_EQ(found(*matcher, "全体职工要保守国家秘密，遵守纪律。"), Words{});
}

TEST(Matcher, HeadContextOnlyNearTheStart) {
  auto matcher = compiled(lexicon_of(R"([lexicon]
name = "drafts"
category = "internal"
[[entry]]
word = "讨论稿"
context = ["head"]
)"));
  EXPECT_EQ(found(*matcher, "工会工作要点（讨论稿）"), Words{"讨论稿"});
  const std::string late = std::string(200, 'x') + "讨论稿";
  EXPECT_EQ(found(*matcher, late), Words{});
  const std::string within = std::string(159, 'x') + "讨论稿";
  EXPECT_EQ(found(*matcher, within), Words{"讨论稿"});
}

TEST(Matcher, LineStartContextAllowsOnlyBlanksAndPunctuationBefore) {
  auto matcher = compiled(lexicon_of(R"([lexicon]
name = "care"
category = "secret_marking"
[[entry]]
word = "注意保存"
context = ["line_start"]
)"));
  EXPECT_EQ(found(*matcher, "第一段\n  【注意保存】\n"), Words{"注意保存"});
  EXPECT_EQ(found(*matcher, "注意保存"), Words{"注意保存"});
  EXPECT_EQ(found(*matcher, "请注意保存好发票"), Words{});
  EXPECT_EQ(found(*matcher, "第一段\n请大家注意保存"), Words{});
}

TEST(Matcher, WhitelistSuppressesOnlyHitsInsideThePhrase) {
  auto matcher = compiled(lexicon_of(kMarkings));
  EXPECT_EQ(found(*matcher, "参观绝密档案馆"), Words{});
  EXPECT_EQ(found(*matcher, "参观绝密档案馆，另附绝密文件"), Words{"绝密"});
  auto secret_anywhere = compiled(lexicon_of(R"([lexicon]
name = "s"
category = "secret_marking"
[[entry]]
word = "秘密"
[whitelist]
words = ["秘密花园"]
)"));
  EXPECT_EQ(found(*secret_anywhere, "秘密花园"), Words{});
  const NormalisedText text = normalise("秘密花园与秘密");
  const auto hits = secret_anywhere->scan(text);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].from, std::string("秘密花园与").size());
}

TEST(Matcher, LeftmostLongestPerEntryAndOrderedByPosition) {
  auto matcher = compiled(lexicon_of(R"([lexicon]
name = "v"
category = "vulgar"
[[entry]]
word = "哈哈"
[[entry]]
regex = '呵+'
[[entry]]
word = "傻瓜"
category = "other"
)"));
  // 哈哈哈哈哈 holds 哈哈 at four overlapping places: two non-overlapping hits, leftmost first.
  const NormalisedText text = normalise("傻瓜呵呵呵哈哈哈哈哈");
  const auto hits = matcher->scan(text);
  ASSERT_EQ(hits.size(), 4u);
  EXPECT_EQ(text.text.substr(hits[0].from, hits[0].to - hits[0].from), "傻瓜");
  EXPECT_EQ(text.text.substr(hits[1].from, hits[1].to - hits[1].from), "呵呵呵");
  EXPECT_EQ(hits[2].from, std::string("傻瓜呵呵呵").size());
  EXPECT_EQ(hits[3].from, hits[2].to);
}

TEST(Matcher, MatchesDisguisedTextAfterNormalisation) {
  // N3.2: separators and full-width forms do not hide a word; the range is in the normalised text.
  auto matcher = compiled(lexicon_of(kMarkings));
  const NormalisedText text = normalise("绝 * 密");
  const auto hits = matcher->scan(text);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(text.original_range(hits[0].from, hits[0].to), std::make_pair(std::size_t{0}, std::string("绝 * 密").size()));
}

TEST(MatcherCache, SameLexiconSameMatcherAndAnEditRecompiles) {
  Lexicon lexicon = lexicon_of(kMarkings);
  auto first = compiled(lexicon);
  auto again = compiled(lexicon_of(kMarkings));
  EXPECT_EQ(first.get(), again.get());
  lexicon.entries.push_back(lexicon.entries[0]);
  lexicon.entries.back().pattern = "机密";
  auto edited = compiled(lexicon);
  EXPECT_NE(first.get(), edited.get());
  EXPECT_EQ(found(*edited, "机密"), Words{"机密"});
  EXPECT_EQ(found(*first, "机密"), Words{});
}

TEST(MatcherCache, RegexVectorscanRefusesIsAnErrorNamingTheEntry) {
  Lexicon lexicon = lexicon_of(kMarkings);
  lexicon.entries[2].pattern = "(秘密";
  auto matcher = Matcher::compile(lexicon);
  ASSERT_FALSE(matcher);
  EXPECT_EQ(matcher.error().code, "review.lexicon");
  EXPECT_NE(matcher.error().message.find("test.toml:"), std::string::npos) << matcher.error().message;
}

TEST(Matcher, EmptyLexiconAndEmptyTextFindNothing) {
  auto empty = compiled(Lexicon{});
  EXPECT_TRUE(empty->scan(normalise("绝密")).empty());
  EXPECT_EQ(empty->count_raw("绝密"), 0u);
  auto matcher = compiled(lexicon_of(kMarkings));
  EXPECT_TRUE(matcher->scan(normalise("")).empty());
}

TEST(Matcher, InvalidUtf8IsScannedSafely) {
  auto matcher = compiled(lexicon_of(kMarkings));
  const std::string text = std::string("\xff\xfe") + "秘密★3年" + "\xe7\xbb";
  EXPECT_EQ(found(*matcher, text), Words{"秘密★3年"});
}

// Literals are matched on the dense (UTF-16LE) form: two bytes a unit, so a literal's bytes found
// across two units (at an odd offset) are no match. "a乎" is 61 00 4E 4E, holding 一 (00 4E) at
// offset 1; "礼怀" is 3C 79 00 60, holding y (79 00) at offset 1.
TEST(MatcherDense, NoLiteralMatchesAcrossAUnitBoundary) {
  auto matcher = compiled(lexicon_of(R"([lexicon]
name = "d"
category = "illegal"
[[entry]]
word = "一"
[[entry]]
word = "y"
category = "other"
)"));
  for (const auto& [text, word] : {std::pair<std::string, std::string>{"a乎", "一"}, {"礼怀", "y"}}) {
    const NormalisedText n = normalise(text);
    std::string dense;
    std::vector<std::uint32_t> dense_at;
    dense_form(word, dense, dense_at);
    ASSERT_EQ(n.dense.find(dense), 1u) << text;  // the test is what it says: the bytes are there, misaligned
    EXPECT_EQ(found(*matcher, text), Words{}) << text;
    EXPECT_EQ(matcher->count_raw(n), 0u) << text;
    EXPECT_EQ(matcher->count_raw(n.text), 0u) << text;
  }
  EXPECT_EQ(found(*matcher, "一y"), (Words{"一", "y"}));
  EXPECT_EQ(matcher->count_raw(normalise("礼怀一y")), 2u);
}

// Hits carry byte ranges of the UTF-8 text, exactly where the word is written there: ASCII words,
// words mixing CJK and ASCII, a supplementary character, a word at the very end, a whitelist phrase.
TEST(MatcherDense, HitsMapBackToTheirBytesInTheText) {
  auto matcher = compiled(lexicon_of(R"([lexicon]
name = "m"
category = "advertising"
[[entry]]
word = "qq群"
[[entry]]
word = "vip"
[[entry]]
word = "代开发票"
category = "illegal"
[[entry]]
word = "甲𫢸乙"
category = "other"
[[entry]]
word = "a"
category = "letters"
[whitelist]
words = ["vip会员卡"]
)"));
  const NormalisedText text = normalise("加ＱＱ群领vip会员，甲僤乙 vip会员卡，代开发票");
  ASSERT_EQ(text.text, "加qq群领vip会员,甲\U0002B8B8乙 vip会员卡,代开发票");
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  std::size_t after = 0;
  for (const Hit& hit : matcher->scan(text)) {
    const std::string& word = matcher->lexicon().entries[hit.entry].pattern;
    const std::size_t at = text.text.find(word, after);
    EXPECT_EQ(hit.from, at) << word;
    EXPECT_EQ(hit.to, at + word.size()) << word;
    ranges.emplace_back(hit.from, hit.to);
    after = hit.to;
  }
  const std::size_t end = text.text.size();
  EXPECT_EQ(ranges,
            (std::vector<std::pair<std::size_t, std::size_t>>{{3, 8}, {11, 14}, {21, 31}, {end - 12, end}}));
  EXPECT_EQ(text.original_range(3, 8), std::make_pair(std::size_t{3}, std::size_t{12}));  // ＱＱ群 as written
  // An ASCII word alone, and at the very end.
  const NormalisedText a = normalise("xa");
  const auto hits = matcher->scan(a);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(std::make_pair(hits[0].from, hits[0].to), std::make_pair(std::size_t{1}, std::size_t{2}));
}

// The scanned form is mixed 16 units at a time, the rest one by one: a word is found at every place.
TEST(MatcherDense, WordsAreFoundAtEveryOffsetInALongText) {
  auto matcher = compiled(lexicon_of(R"([lexicon]
name = "w"
category = "illegal"
[[entry]]
word = "代开发票"
[[entry]]
word = "qq群"
)"));
  for (std::size_t k = 0; k < 40; ++k) {
    std::string text;
    for (std::size_t i = 0; i < k; ++i) text += i % 3 == 0 ? "a" : "工";
    const std::size_t at = text.size();
    text += k % 2 ? "代开发票" : "qq群";
    if (k % 4 == 0) text += "会";
    const NormalisedText n = normalise(text);
    const auto hits = matcher->scan(n);
    ASSERT_EQ(hits.size(), 1u) << k;
    EXPECT_EQ(hits[0].from, at) << k;
    EXPECT_EQ(hits[0].to, at + (k % 2 ? std::string("代开发票") : std::string("qq群")).size()) << k;
  }
}

// A NormalisedText made by hand, without the dense form, is still matched (its dense form is made).
TEST(MatcherDense, TextWithoutADenseFormIsStillMatched) {
  auto matcher = compiled(lexicon_of(kMarkings));
  NormalisedText text;
  text.text = "这是绝密。";
  const auto hits = matcher->scan(text);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].from, 6u);
  EXPECT_EQ(hits[0].to, 12u);
  EXPECT_EQ(matcher->count_raw(text), 1u);
}

// A lexicon the size of a real deployment (N3.4): 10,000 literals compile and every planted word is found.
TEST(Matcher, TenThousandEntryLexiconFindsPlantedWords) {
  Lexicon lexicon;
  lexicon.names = {"large"};
  for (int i = 0; i < 10'000; ++i) {
    LexiconEntry e;
    // Two CJK characters from the ideograph block plus a number: distinct literals.
    const char32_t cp = 0x4E00 + static_cast<char32_t>(i % 20'000);
    std::string word;
    word += static_cast<char>(0xE0 | (cp >> 12));
    word += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    word += static_cast<char>(0x80 | (cp & 0x3F));
    e.pattern = normalise("词" + word + std::to_string(i) + "号").text;  // as parse_lexicon does
    e.category = "illegal";
    e.source = "large.txt:" + std::to_string(i + 1);
    lexicon.entries.push_back(std::move(e));
  }
  auto matcher = compiled(lexicon);
  ASSERT_TRUE(matcher);
  std::string text;
  for (int i = 0; i < 2'000; ++i) text += "全省工会系统网站安全管理工作，";
  const std::vector<std::size_t> planted = {0, 4'321, 9'999};
  for (std::size_t p : planted) text += lexicon.entries[p].pattern + "，";
  std::vector<std::size_t> entries;
  for (const Hit& hit : matcher->scan(normalise(text))) entries.push_back(hit.entry);
  EXPECT_EQ(entries, planted);
  EXPECT_EQ(matcher->count_raw(normalise(text).text), planted.size());
}

TEST(Matcher, ConcurrentScansGiveTheSameResults) {
  auto matcher = compiled(builtin_lexicon());
  ASSERT_TRUE(matcher);
  std::string text;
  for (int i = 0; i < 200; ++i) text += "秘密★1年\n内部资料，注意保存。加微信领取返利，代开发票。保守国家秘密。\n";
  const NormalisedText normalised = normalise(text);
  const auto expected = matcher->scan(normalised);
  ASSERT_FALSE(expected.empty());
  std::vector<int> same(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        const auto hits = matcher->scan(normalised);
        same[t] += hits.size() == expected.size() &&
                   std::equal(hits.begin(), hits.end(), expected.begin(), [](const Hit& a, const Hit& b) {
                     return a.entry == b.entry && a.from == b.from && a.to == b.to;
                   });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(same, std::vector<int>(4, 20));
}

// N3.2, N3.4: the shipped starter set, end to end on typical text.
TEST(BuiltinMatcher, FindsMarkingsAndSpamButNotEverydayProse) {
  auto matcher = compiled(builtin_lexicon());
  ASSERT_TRUE(matcher);
  EXPECT_EQ(found(*matcher, "机密★长期\n关于…的请示"), Words{"机密★长期"});
  EXPECT_EQ(found(*matcher, "保密期限：10年"), Words{"保密期限:10年"});
  EXPECT_EQ(found(*matcher, "内部资料 注意保存"), Words{"内部资料注意保存"});
  EXPECT_EQ(found(*matcher, "兼职日结，加微信 abc12345"), (Words{"兼职日结", "加微信 abc12345"}));
  EXPECT_EQ(found(*matcher, "代开发票"), Words{"代开发票"});
  EXPECT_EQ(found(*matcher, "根据《中华人民共和国保守国家秘密法》，确保信息内容不涉及国家秘密。"), Words{});
  EXPECT_EQ(found(*matcher, "秘密花园读书会在职工书屋举行"), Words{});
  EXPECT_EQ(found(*matcher, "市总工会开展打击传销宣传"), Words{});
}

}  // namespace
}  // namespace sw::review
