// The review scanner end to end (issue 3): what a reviewer sees for a file — the finding, its place
// (file, part, line, offset), the spelling as written, and a report that survives bad files
// (N3.2 secret markings, N3.4 sensitive content and wording errors, N4.6 personal data).
#include <gtest/gtest.h>

#include <thread>

#include "office_fixtures.h"
#include "review/scanner.h"
#include "review/wording.h"

namespace sw::review {
namespace {

Scanner test_scanner(ScanOptions options = {}) {
  auto lexicon = parse_lexicon(R"(
[lexicon]
name = "test"
category = "secret_marking"
severity = "critical"
[[entry]]
word = "绝密"
[[entry]]
word = "内部资料"
category = "internal"
severity = "high"
[whitelist]
words = ["绝密花园"]
)",
                               "test.toml");
  EXPECT_TRUE(lexicon) << lexicon.error().to_string();
  auto scanner = Scanner::create(*lexicon, options);
  EXPECT_TRUE(scanner) << scanner.error().to_string();
  return std::move(*scanner);
}

std::vector<Finding> of_category(const ScanReport& r, std::string_view category) {
  std::vector<Finding> out;
  for (const auto& f : r.findings)
    if (f.category == category) out.push_back(f);
  return out;
}

TEST(Scanner, AMarkingIsReportedWithItsLineOffsetAndExcerpt_N3_2) {
  const std::string text = "江苏省总工会\n本件为绝密，请妥善保管。\n";
  const auto r = test_scanner().scan_bytes("notice.txt", text);
  EXPECT_EQ(r.type, "text");
  const auto found = of_category(r, "secret_marking");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].matched, "绝密");
  EXPECT_EQ(found[0].line, 2u);
  EXPECT_EQ(found[0].offset, text.find("绝密"));
  EXPECT_EQ(found[0].severity, Severity::critical);
  EXPECT_NE(found[0].excerpt.find("本件为【绝密】"), std::string::npos) << found[0].excerpt;
  EXPECT_EQ(found[0].source, "test.toml:7");
  EXPECT_EQ(r.highest(), Severity::critical);
}

TEST(Scanner, DisguisedSpellingsAreFoundAndShownAsWritten_N3_2) {
  const std::string text = "此件絕 * 密，另附內部　資料。";
  const auto r = test_scanner().scan_text("article", text);
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].matched, "絕 * 密");
  EXPECT_EQ(r.findings[0].offset, text.find("絕"));
  EXPECT_EQ(r.findings[1].matched, "內部　資料");
  EXPECT_EQ(r.findings[1].category, "internal");
}

TEST(Scanner, TheWhitelistSuppressesAnInnocentLongerWord) {
  const auto r = test_scanner().scan_text("article", "推荐书目：《绝密花园》。");
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.highest(), Severity::info);
}

TEST(Scanner, TextThatWasTranscodedReportsOffsetsWithinItsText) {
  // "说明\n绝密" in GBK: the finding's offset is in the decoded text, since the file's bytes differ.
  const auto r = test_scanner().scan_bytes("gbk.txt", "\xcb\xb5\xc3\xf7\n\xbe\xf8\xc3\xdc\xce\xc4\xbc\xfe\xa1\xa3");
  ASSERT_EQ(of_category(r, "secret_marking").size(), 1u);
  EXPECT_EQ(r.findings[0].offset, std::string("说明\n").size());
  EXPECT_EQ(r.findings[0].line, 2u);
}

TEST(Scanner, WhatAReaderDoesNotSeeIsMarkedHidden) {
  const auto r = test_scanner().scan_bytes(
      "page.html", "<!doctype html><html><body><p>职工之家</p><img src=\"a.png\" alt=\"内部资料\"></body></html>");
  const auto found = of_category(r, "internal");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_TRUE(found[0].hidden);
  EXPECT_EQ(found[0].part, "html:alt");
}

TEST(Scanner, MarkingsInADocxHeaderAndPropertiesAreFound_N3_2) {
  const auto docx = fixtures::make_docx({.paragraphs = {"关于开展活动的通知"}, .header = "绝密★1年", .props = {.company = "内部资料室"}});
  const auto r = test_scanner().scan_bytes("notice.docx", docx);
  EXPECT_EQ(r.type, "docx");
  bool header = false, property = false;
  for (const auto& f : r.findings) {
    header |= f.part == "docx:header" && f.matched == "绝密";
    property |= f.part.starts_with("property:") && f.matched == "内部资料" && f.hidden;
  }
  EXPECT_TRUE(header);
  EXPECT_TRUE(property);
}

TEST(Scanner, ValidatedPersonalDataOnlyAndItsSeverity_N4_6) {
  const auto r = test_scanner().scan_text(
      "contact", "身份证 11010519491231002X；订单号 110105194912310021；电话 13800138000；办公室 025-84561234");
  std::vector<std::string> kinds;
  for (const auto& f : of_category(r, "personal_data")) kinds.push_back(f.rule);
  EXPECT_EQ(kinds, (std::vector<std::string>{"resident_id", "mobile", "landline"}));
  EXPECT_EQ(of_category(r, "personal_data")[0].severity, Severity::high);
  EXPECT_EQ(of_category(r, "personal_data")[2].severity, Severity::info);
}

TEST(Scanner, ManyPiecesOfPersonalDataInOneItemAreAFindingOfTheirOwn_N4_6) {
  std::string roster;
  for (const char* phone : {"13800138000", "13912345678", "15050505050", "18612345678", "17712345678"})
    roster += std::string("会员 手机 ") + phone + "\n";
  const auto r = test_scanner().scan_text("roster", roster);
  const auto bulk = of_category(r, "personal_data_bulk");
  ASSERT_EQ(bulk.size(), 1u);
  EXPECT_EQ(bulk[0].severity, Severity::high);
  EXPECT_NE(bulk[0].note.find("5"), std::string::npos);
  const auto fewer = test_scanner().scan_text("two", "手机 13800138000，13912345678");
  EXPECT_TRUE(of_category(fewer, "personal_data_bulk").empty());
}

TEST(Scanner, EntitiesAreCollectedForAggregation_N3_3) {
  const auto r = test_scanner().scan_text("item", "联系人：王建国，手机 13912345678");
  bool phone = false;
  for (const auto& e : r.entities) phone |= e.kind == "mobile" && e.value == "13912345678" && e.path == "item";
  EXPECT_TRUE(phone);
}

TEST(Scanner, NearMissesOfProtectedNamesAreWordingErrors_N3_4) {
  auto names = parse_protected_names("中华全国总工会\n", "protected.txt");
  ASSERT_TRUE(names) << names.error().to_string();
  auto lexicon = near_miss_lexicon(*names);
  auto scanner = Scanner::create(lexicon);
  ASSERT_TRUE(scanner) << scanner.error().to_string();
  const auto r = scanner->scan_text("article", "中华全国总公会召开会议，中华全国总工会主席出席。");
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].category, "wording_error");
  EXPECT_EQ(r.findings[0].matched, "中华全国总公会");
  EXPECT_NE(r.findings[0].note.find("中华全国总工会"), std::string::npos);
}

TEST(Scanner, ABadFileIsReportedNotThrown) {
  const auto r = test_scanner().scan_bytes("broken.docx", std::string("PK\x03\x04garbage", 11));
  EXPECT_EQ(r.type, "error");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].path, "broken.docx");
  EXPECT_FALSE(r.problems[0].error.message.empty());
  const auto missing = test_scanner().scan_file("/nonexistent/x.txt");
  ASSERT_EQ(missing.problems.size(), 1u);
  EXPECT_EQ(missing.problems[0].error.code, "review.not_found");
}

TEST(Scanner, TheShippedStarterSetFindsASecretMarkingAtTheHeadOfADocument) {
  auto scanner = Scanner::create(builtin_lexicon());
  ASSERT_TRUE(scanner) << scanner.error().to_string();
  const auto r = scanner->scan_text("notice", "秘密★1年\n关于召开年度工作会议的通知");
  ASSERT_FALSE(of_category(r, "secret_marking").empty());
  EXPECT_EQ(r.highest(), Severity::critical);
}

// `sitewarden scan` scans files on every core: one Scanner shared by threads over every extractor
// (poppler, libzip, libxml2, gumbo, iconv) must give each thread the same findings.
TEST(Scanner, ScansOnSeveralThreadsAtOnceGiveTheSameFindings) {
  const auto scanner = test_scanner();
  const std::vector<std::pair<std::string, std::string>> files = {
      {"a.pdf", fixtures::make_pdf({"第一页", "本页绝密"}, {.author = "内部资料室"})},
      {"b.docx", fixtures::make_docx({.paragraphs = {"绝密"}, .header = "内部资料"})},
      {"c.xlsx", fixtures::make_xlsx({.sheets = {{.name = "表", .state = "hidden", .cells = {{.ref = "A1", .value = "绝密"}}}}})},
      {"d.html", "<html><body><p>绝密</p><img alt=\"内部资料\" src=x></body></html>"},
      {"e.zip", fixtures::make_zip({{"inner.txt", "\xbe\xf8\xc3\xdc"}})}};
  std::vector<std::size_t> expected;
  for (const auto& [name, bytes] : files) expected.push_back(scanner.scan_bytes(name, bytes).findings.size());
  for (std::size_t n : expected) EXPECT_GT(n, 0u);
  std::vector<std::vector<std::size_t>> seen(4);
  {
    std::vector<std::jthread> threads;
    for (auto& out : seen)
      threads.emplace_back([&] {
        for (int round = 0; round < 20; ++round)
          for (const auto& [name, bytes] : files) out.push_back(scanner.scan_bytes(name, bytes).findings.size());
      });
  }
  for (const auto& out : seen)
    for (std::size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i], expected[i % files.size()]) << files[i % files.size()].first;
}

}  // namespace
}  // namespace sw::review
