// Tests of lexicon parsing (N3.2, N3.4): the TOML and plain-list formats, errors that name the file and
// line, normalised literals, the digest, and the shipped starter set.
#include "review/lexicon.h"

#include <gtest/gtest.h>

#include <set>

#include "review/matcher.h"

namespace sw::review {
namespace {

constexpr std::string_view kToml = R"(# a site's lexicon
[lexicon]
name = "site-words"
category = "secret_marking"
severity = "critical"

[[entry]]
word = "绝密"

[[entry]]
word = "秘密"
context = ["head", "standalone"]
note = "密级标志"

[[entry]]
regex = '(绝密|机密|秘密)\s*★'
severity = "high"
category = "internal"

[whitelist]
words = ["秘密花园"]
)";

Lexicon parsed(std::string_view text, std::string_view source = "site.toml") {
  auto lexicon = parse_lexicon(text, source);
  EXPECT_TRUE(lexicon) << lexicon.error().to_string();
  return lexicon ? *lexicon : Lexicon{};
}

std::string error_of(std::string_view text, std::string_view source = "site.toml") {
  auto lexicon = parse_lexicon(text, source);
  EXPECT_FALSE(lexicon);
  if (lexicon) return {};
  EXPECT_EQ(lexicon.error().code, "review.lexicon");
  return lexicon.error().message;
}

TEST(LexiconToml, EntriesTakeTheFileDefaultsAndTheirOwnSettings) {
  const Lexicon lexicon = parsed(kToml);
  ASSERT_EQ(lexicon.entries.size(), 3u);
  EXPECT_EQ(lexicon.names, std::vector<std::string>{"site-words"});
  const auto& top = lexicon.entries[0];
  EXPECT_EQ(top.pattern, "绝密");
  EXPECT_FALSE(top.regex);
  EXPECT_EQ(top.category, "secret_marking");
  EXPECT_EQ(top.severity, Severity::critical);
  EXPECT_EQ(top.source, "site.toml:8");
  const auto& secret = lexicon.entries[1];
  EXPECT_EQ(secret.context, (std::vector<Context>{Context::head, Context::standalone}));
  EXPECT_EQ(secret.note, "密级标志");
  const auto& star = lexicon.entries[2];
  EXPECT_TRUE(star.regex);
  EXPECT_EQ(star.pattern, R"((绝密|机密|秘密)\s*★)");
  EXPECT_EQ(star.severity, Severity::high);
  EXPECT_EQ(star.category, "internal");
  EXPECT_EQ(star.source, "site.toml:16");
  EXPECT_EQ(lexicon.whitelist, std::vector<std::string>{"秘密花园"});
}

TEST(LexiconToml, LiteralsAreNormalisedLikeTheText) {
  // N3.2: a lexicon word written in full-width letters or with separators matches the normalised text.
  const Lexicon lexicon = parsed(R"([lexicon]
name = "n"
category = "advertising"
[[entry]]
word = "ＴＯＰ　Secret"
[[entry]]
word = "机 * 密"
[whitelist]
words = ["ＡＢＣ"]
)");
  ASSERT_EQ(lexicon.entries.size(), 2u);
  EXPECT_EQ(lexicon.entries[0].pattern, "top secret");
  EXPECT_EQ(lexicon.entries[1].pattern, "机密");
  EXPECT_EQ(lexicon.whitelist, std::vector<std::string>{"abc"});
}

TEST(LexiconToml, InlineEntryArraysAreAccepted) {
  const Lexicon lexicon = parsed(R"(entry = [
  { word = "刷单" },
  { word = "返利", severity = "low" },
]
[lexicon]
name = "inline"
category = "advertising"
)");
  ASSERT_EQ(lexicon.entries.size(), 2u);
  EXPECT_EQ(lexicon.entries[1].severity, Severity::low);
  EXPECT_EQ(lexicon.entries[1].source, "site.toml:3");
}

TEST(LexiconErrors, BadSeverityNamesFileLineAndValue) {
  const std::string message = error_of("[lexicon]\nname = \"x\"\ncategory = \"vulgar\"\n[[entry]]\nword = \"a\"\n"
                                       "severity = \"severe\"\n");
  EXPECT_NE(message.find("site.toml:6"), std::string::npos) << message;
  EXPECT_NE(message.find("severe"), std::string::npos) << message;
}

TEST(LexiconErrors, EmptyWordNamesFileAndLine) {
  const std::string message = error_of("[lexicon]\nname = \"x\"\ncategory = \"vulgar\"\n[[entry]]\nword = \"  \"\n");
  EXPECT_NE(message.find("site.toml:5"), std::string::npos) << message;
  EXPECT_NE(message.find("empty word"), std::string::npos) << message;
}

TEST(LexiconErrors, RegexVectorscanRejectsNamesFileLineAndReason) {
  const std::string message =
      error_of("[lexicon]\nname = \"x\"\ncategory = \"vulgar\"\n[[entry]]\nregex = '(绝密|机密'\n");
  EXPECT_NE(message.find("site.toml:5"), std::string::npos) << message;
  EXPECT_NE(message.find("(绝密|机密"), std::string::npos) << message;
}

TEST(LexiconErrors, UnknownContextNamesTheValueAndTheChoices) {
  const std::string message =
      error_of("[lexicon]\nname = \"x\"\ncategory = \"vulgar\"\n[[entry]]\nword = \"a\"\ncontext = [\"title\"]\n");
  EXPECT_NE(message.find("site.toml:6"), std::string::npos) << message;
  EXPECT_NE(message.find("title"), std::string::npos) << message;
  EXPECT_NE(message.find("standalone"), std::string::npos) << message;
}

TEST(LexiconErrors, UnknownKeysAreRefused) {
  EXPECT_NE(error_of("[lexicon]\nname = \"x\"\ncategory = \"v\"\n[[entry]]\nwrod = \"a\"\n").find("'wrod'"),
            std::string::npos);
  EXPECT_NE(error_of("[lexicon]\nname = \"x\"\ncolour = \"v\"\n").find("site.toml:3"), std::string::npos);
  EXPECT_NE(error_of("[lexicon]\nname = \"x\"\n[extra]\n").find("'extra'"), std::string::npos);
}

TEST(LexiconErrors, MissingNameOrCategoryIsRefused) {
  EXPECT_NE(error_of("[lexicon]\ncategory = \"v\"\n").find("no name"), std::string::npos);
  EXPECT_NE(error_of("[lexicon]\nname = \"x\"\n[[entry]]\nword = \"a\"\n").find("no category"), std::string::npos);
}

TEST(LexiconErrors, TomlSyntaxErrorNamesFileAndLine) {
  const std::string message = error_of("[lexicon]\nname = \"x\"\n[[entry]]\nword = \"unterminated\n");
  EXPECT_NE(message.find("site.toml:4"), std::string::npos) << message;
}

TEST(LexiconPlainList, HeaderWordsCommentsAndWhitelist) {
  const Lexicon lexicon = parsed(
      "# name: local-ads\n# category: advertising\n# severity: high\n# 本站补充的广告词\n\n刷单\n"
      "代理招商   # 招商\n!代理招商会\n\n返利\n",
      "local-ads.txt");
  EXPECT_EQ(lexicon.names, std::vector<std::string>{"local-ads"});
  ASSERT_EQ(lexicon.entries.size(), 3u);
  EXPECT_EQ(lexicon.entries[0].pattern, "刷单");
  EXPECT_EQ(lexicon.entries[0].source, "local-ads.txt:6");
  EXPECT_EQ(lexicon.entries[1].pattern, "代理招商");
  EXPECT_EQ(lexicon.entries[2].source, "local-ads.txt:10");
  for (const auto& e : lexicon.entries) {
    EXPECT_EQ(e.category, "advertising");
    EXPECT_EQ(e.severity, Severity::high);
  }
  EXPECT_EQ(lexicon.whitelist, std::vector<std::string>{"代理招商会"});
}

TEST(LexiconPlainList, NameDefaultsToTheFileStem) {
  const Lexicon lexicon = parsed("# category: vulgar\n傻逼\n", "/etc/sitewarden/lexicons/rude.txt");
  EXPECT_EQ(lexicon.names, std::vector<std::string>{"rude"});
  EXPECT_EQ(lexicon.entries.at(0).severity, Severity::medium);
}

TEST(LexiconPlainList, BadHeaderValuesNameTheLine) {
  EXPECT_NE(error_of("# category: vulgar\n# severity: awful\nx\n", "w.txt").find("w.txt:2"), std::string::npos);
  EXPECT_NE(error_of("# colour: red\n", "w.txt").find("colour"), std::string::npos);
  EXPECT_NE(error_of("刷单\n", "w.txt").find("no category"), std::string::npos);
}

TEST(LexiconVersion, ChangesWithAnyEditAndNotOtherwise) {
  const Lexicon a = parsed(kToml);
  const Lexicon b = parsed(kToml);
  EXPECT_EQ(a.version(), b.version());
  EXPECT_TRUE(a.version().starts_with("sha256:"));
  Lexicon edited = a;
  edited.whitelist.push_back("保守秘密");
  EXPECT_NE(edited.version(), a.version());
  edited = a;
  edited.entries[0].severity = Severity::high;
  EXPECT_NE(edited.version(), a.version());
}

TEST(LexiconMerge, LaterFilesAddEntriesWhitelistAndNames) {
  Lexicon merged = parsed(kToml);
  merge_into(merged, parsed("# category: vulgar\n傻逼\n!傻逼树\n", "rude.txt"));
  EXPECT_EQ(merged.entries.size(), 4u);
  EXPECT_EQ(merged.entries.back().source, "rude.txt:2");
  EXPECT_EQ(merged.whitelist.size(), 2u);
  EXPECT_EQ(merged.names, (std::vector<std::string>{"site-words", "rude"}));
}

TEST(LexiconSeverity, RoundTripsAndRefusesUnknown) {
  for (auto s : {Severity::info, Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    EXPECT_EQ(parse_severity(to_string(s)).value(), s);
  }
  EXPECT_FALSE(parse_severity("Critical"));
}

// N3.2, N3.4: every shipped lexicon parses (a parse error there is a bug) and together they cover
// every category the notice names.
TEST(BuiltinLexicon, LoadsWithEveryCategory) {
  const Lexicon& builtin = builtin_lexicon();
  std::set<std::string> categories;
  for (const auto& e : builtin.entries) {
    categories.insert(e.category);
    EXPECT_TRUE(e.source.starts_with("builtin:")) << e.source;
    EXPECT_FALSE(e.pattern.empty()) << e.source;
  }
  EXPECT_EQ(categories, (std::set<std::string>{"secret_marking", "internal", "advertising", "illegal", "vulgar"}));
  EXPECT_GE(builtin.entries.size(), 300u);
  EXPECT_EQ(builtin.names.size(), 5u);
  EXPECT_FALSE(builtin.whitelist.empty());
  EXPECT_EQ(&builtin, &builtin_lexicon());
}

// The shipped files are not checked regex by regex when a process starts (builtin_lexicon()); this is
// where each of their regexes is, so a shipped regex vectorscan refuses is named by its file and line.
TEST(BuiltinLexicon, EveryShippedRegexIsOneVectorscanTakes) {
  std::size_t regexes = 0;
  for (const auto& e : builtin_lexicon().entries) {
    if (!e.regex) continue;
    ++regexes;
    EXPECT_TRUE(check_regex(e.pattern).has_value()) << e.source << ": " << e.pattern;
  }
  EXPECT_GE(regexes, 10u);
}

// A file given by an operator is still checked when it is read: the error names its line.
TEST(Lexicon, ARefusedRegexIsNamedByItsLine) {
  const auto parsed = parse_lexicon("[lexicon]\nname = \"t\"\ncategory = \"internal\"\n\n[[entry]]\nword = \"内部资料\"\n\n"
                                    "[[entry]]\nregex = \"(?<=a)b\"\n",
                                    "site.toml");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message.find("site.toml:9: regex '(?<=a)b' refused"), std::string::npos)
      << parsed.error().message;
}

TEST(BuiltinLexicon, SecretMarkingsAreCriticalAndSecretNeedsAContext) {
  const Lexicon& builtin = builtin_lexicon();
  bool top_secret = false, secret = false;
  for (const auto& e : builtin.entries) {
    if (e.regex || e.category != "secret_marking") continue;
    if (e.pattern == "绝密") top_secret = e.severity == Severity::critical;
    if (e.pattern == "秘密") secret = !e.context.empty();
  }
  EXPECT_TRUE(top_secret);
  EXPECT_TRUE(secret);
}

}  // namespace
}  // namespace sw::review
