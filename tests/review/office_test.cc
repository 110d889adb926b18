// Archives, OOXML and PDF extraction (N3.2: every attachment is scanned, including what a reader does not
// see; N4.6: hostile files cost bounded memory and end in a clear error). Fixtures are generated in
// memory by office_fixtures.cc.
#include <gtest/gtest.h>

#include <algorithm>

#include "office_fixtures.h"
#include "review/extract.h"
#include "review/zip_reader.h"

namespace sw::review {
namespace {

using namespace fixtures;

// A member extractor standing in for the dispatcher: zips recurse, everything else is one text segment.
MemberExtractor text_members(const ExtractLimits& limits, ExtractBudget& budget) {
  return [&limits, &budget](std::string_view path, std::string_view bytes, int depth) -> Result<ExtractedFile> {
    if (path.ends_with(".zip")) return extract_zip(path, bytes, depth, limits, budget, text_members(limits, budget));
    if (path.ends_with(".docx")) {
      SW_TRY(segments, extract_docx(path, bytes, limits, budget));
      return ExtractedFile{std::string(path), "docx", "", std::move(segments), {}};
    }
    Segment segment;
    segment.path = path;
    segment.part = "text";
    segment.text = bytes;
    return ExtractedFile{std::string(path), "text", "UTF-8", {segment}, {}};
  };
}

// ---- zip limits ----

// One member of 200 MB of zeros, deflated to about 200 KB; built once (it takes a second).
const std::string& zip_bomb() {
  static const std::string bomb = make_zip_bomb(200u << 20);
  return bomb;
}

TEST(Zip, MembersAreExtractedWithArchivePaths_N3_2) {
  const std::string zip = make_zip({{"a.txt", "绝密文件"}, {"dir/b.txt", "普通"}, {"../../etc/evil.txt", "名字而已"}});
  ExtractLimits limits;
  ExtractBudget budget;
  auto file = extract_zip("upload.zip", zip, 0, limits, budget, text_members(limits, budget));
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_EQ(file->type, "zip");
  ASSERT_EQ(file->segments.size(), 3u);
  EXPECT_EQ(file->segments[0].path, "upload.zip!/a.txt");
  EXPECT_EQ(file->segments[0].text, "绝密文件");
  EXPECT_EQ(file->segments[1].path, "upload.zip!/dir/b.txt");
  EXPECT_EQ(file->segments[2].path, "upload.zip!/../../etc/evil.txt");
  EXPECT_TRUE(file->problems.empty());
  EXPECT_EQ(budget.decompressed, std::string("绝密文件普通名字而已").size());
}

TEST(Zip, Gb18030MemberNamesAreReadAsChinese) {
  const std::string gbk_name = "\xBE\xF8\xC3\xDC.txt";   // 绝密.txt in GB18030
  const std::string zip = make_zip_with_raw_name(gbk_name, "x");
  auto archive = ZipArchive::open("a.zip", zip, {});
  ASSERT_TRUE(archive) << archive.error().to_string();
  ASSERT_EQ(archive->entries().size(), 1u);
  EXPECT_EQ(archive->entries()[0].name, "绝密.txt");
}

TEST(Zip, BombIsRefusedByRatioBeforeInflating_N4_6) {
  const std::string& zip = zip_bomb();
  ASSERT_LT(zip.size(), 1u << 20);
  ExtractLimits limits;
  limits.max_entry_bytes = limits.max_total_bytes = 1u << 30;   // only the ratio stands in the way
  ExtractBudget budget;
  auto archive = ZipArchive::open("bomb.zip", zip, limits);
  ASSERT_TRUE(archive) << archive.error().to_string();
  auto content = archive->read("zeros.bin", budget);
  ASSERT_FALSE(content);
  EXPECT_EQ(content.error().code, "review.limit");
  EXPECT_NE(content.error().message.find("member zeros.bin of bomb.zip"), std::string::npos) << content.error().message;
  EXPECT_NE(content.error().message.find("ratio"), std::string::npos) << content.error().message;
  EXPECT_NE(content.error().message.find("200 MB"), std::string::npos) << content.error().message;
  EXPECT_EQ(budget.decompressed, 0u);   // refused from the header, nothing inflated
}

TEST(Zip, BombIsRefusedByDeclaredSizeWhenRatiosAreAllowed_N4_6) {
  const std::string& zip = zip_bomb();
  ExtractLimits limits;
  limits.max_ratio = 1e9;
  ExtractBudget budget;
  auto archive = ZipArchive::open("bomb.zip", zip, limits);
  ASSERT_TRUE(archive);
  auto content = archive->read("zeros.bin", budget);
  ASSERT_FALSE(content);
  EXPECT_EQ(content.error().code, "review.limit");
  EXPECT_NE(content.error().message.find("200 MB declared, limit 64 MB (max_entry_bytes)"), std::string::npos)
      << content.error().message;
  EXPECT_EQ(budget.decompressed, 0u);
}

TEST(Zip, LyingHeaderStopsInflatingAtTheDeclaredSize_N4_6) {
  const std::string zip = make_zip_bomb(200u << 20, 1000);
  ExtractLimits limits;
  limits.max_ratio = 1e9;
  ExtractBudget budget;
  auto archive = ZipArchive::open("liar.zip", zip, limits);
  ASSERT_TRUE(archive) << archive.error().to_string();
  EXPECT_EQ(archive->entries()[0].size, 1000u);
  auto content = archive->read("zeros.bin", budget);
  ASSERT_FALSE(content);
  EXPECT_EQ(content.error().code, "review.corrupt");
  EXPECT_NE(content.error().message.find("member zeros.bin of liar.zip"), std::string::npos) << content.error().message;
  EXPECT_LE(budget.decompressed, 1001u);
}

TEST(Zip, TotalDecompressedBytesAreCharged_N4_6) {
  const std::string zip = make_zip({{"a.txt", std::string(3000, 'a')}, {"b.txt", std::string(3000, 'b')}});
  ExtractLimits limits;
  limits.max_total_bytes = 5000;
  ExtractBudget budget;
  auto file = extract_zip("two.zip", zip, 0, limits, budget, text_members(limits, budget));
  ASSERT_TRUE(file);
  ASSERT_EQ(file->segments.size(), 1u);
  ASSERT_EQ(file->problems.size(), 1u);
  EXPECT_EQ(file->problems[0].path, "two.zip!/b.txt");
  EXPECT_EQ(file->problems[0].error.code, "review.limit");
  EXPECT_NE(file->problems[0].error.message.find("max_total_bytes"), std::string::npos);
  EXPECT_EQ(budget.decompressed, 3000u);
}

TEST(Zip, TooManyEntriesIsRefused_N4_6) {
  const std::string zip = make_zip_with_entries(20000);
  ExtractLimits limits;
  ExtractBudget budget;
  auto file = extract_zip("many.zip", zip, 0, limits, budget, text_members(limits, budget));
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error().code, "review.limit");
  EXPECT_NE(file.error().message.find("20000 entries, limit 10000 (max_entries)"), std::string::npos)
      << file.error().message;
}

TEST(Zip, NestingDeeperThanMaxDepthIsAProblem_N4_6) {
  const std::string zip = make_nested_zip("secret.txt", "绝密", 6);
  ExtractLimits limits;
  ExtractBudget budget;
  auto file = extract_zip("outer.zip", zip, 0, limits, budget, text_members(limits, budget));
  ASSERT_TRUE(file) << file.error().to_string();
  EXPECT_TRUE(file->segments.empty());
  ASSERT_EQ(file->problems.size(), 1u);
  EXPECT_EQ(file->problems[0].error.code, "review.limit");
  // outer.zip is depth 0, level5.zip 1, level4.zip 2, level3.zip 3: level2.zip would be 4.
  EXPECT_EQ(file->problems[0].path, "outer.zip!/level5.zip!/level4.zip!/level3.zip!/level2.zip");
  EXPECT_NE(file->problems[0].error.message.find("nested 4 deep, limit 3 (max_depth)"), std::string::npos)
      << file->problems[0].error.message;
}

TEST(Zip, NestingWithinMaxDepthIsExtracted) {
  const std::string zip = make_nested_zip("secret.txt", "绝密", 3);
  ExtractLimits limits;
  ExtractBudget budget;
  auto file = extract_zip("outer.zip", zip, 0, limits, budget, text_members(limits, budget));
  ASSERT_TRUE(file);
  ASSERT_EQ(file->segments.size(), 1u);
  EXPECT_EQ(file->segments[0].path, "outer.zip!/level2.zip!/level1.zip!/secret.txt");
  EXPECT_EQ(file->segments[0].text, "绝密");
}

TEST(Zip, CorruptMemberIsAProblemAndTheOthersAreExtracted) {
  const std::string zip = make_zip({{"good.txt", "绝密"}, {"bad.docx", "this is not a zip"}});
  ExtractLimits limits;
  ExtractBudget budget;
  auto file = extract_zip("mixed.zip", zip, 0, limits, budget, text_members(limits, budget));
  ASSERT_TRUE(file);
  ASSERT_EQ(file->segments.size(), 1u);
  EXPECT_EQ(file->segments[0].path, "mixed.zip!/good.txt");
  ASSERT_EQ(file->problems.size(), 1u);
  EXPECT_EQ(file->problems[0].path, "mixed.zip!/bad.docx");
  EXPECT_EQ(file->problems[0].error.code, "review.corrupt");
}

TEST(Zip, DamagedMemberDataIsAProblem) {
  std::string zip = make_zip({{"good.txt", "绝密"}, {"damaged.txt", std::string(4000, 'x') + "tail"}});
  // Flip bytes in the middle of the second member's compressed data.
  const std::size_t second = zip.find(std::string("PK\x03\x04", 4), 4);
  ASSERT_NE(second, std::string::npos);
  zip[second + 30 + 11 + 2] ^= 0x55;
  zip[second + 30 + 11 + 3] ^= 0x55;
  ExtractLimits limits;
  ExtractBudget budget;
  auto file = extract_zip("damaged.zip", zip, 0, limits, budget, text_members(limits, budget));
  ASSERT_TRUE(file);
  ASSERT_EQ(file->segments.size(), 1u);
  ASSERT_EQ(file->problems.size(), 1u);
  EXPECT_EQ(file->problems[0].path, "damaged.zip!/damaged.txt");
  EXPECT_EQ(file->problems[0].error.code, "review.corrupt");
  EXPECT_NE(file->problems[0].error.message.find("member damaged.txt of damaged.zip"), std::string::npos);
}

TEST(Zip, EncryptedMemberIsReportedAsEncrypted) {
  const std::string zip = make_encrypted_zip("secret.txt", "绝密", "pw");
  ExtractLimits limits;
  ExtractBudget budget;
  auto file = extract_zip("locked.zip", zip, 0, limits, budget, text_members(limits, budget));
  ASSERT_TRUE(file);
  ASSERT_EQ(file->problems.size(), 1u);
  EXPECT_EQ(file->problems[0].error.code, "review.encrypted");
  EXPECT_NE(file->problems[0].error.message.find("secret.txt"), std::string::npos);
}

TEST(Zip, NotAZipIsCorrupt) {
  auto archive = ZipArchive::open("fake.zip", "PK\x03\x04 truncated", {});
  ASSERT_FALSE(archive);
  EXPECT_EQ(archive.error().code, "review.corrupt");
  EXPECT_NE(archive.error().message.find("fake.zip"), std::string::npos);
}

// ---- docx ----

const Segment* find_segment(const std::vector<Segment>& segments, std::string_view part, std::string_view needle) {
  const auto found = std::find_if(segments.begin(), segments.end(), [&](const Segment& segment) {
    return segment.part == part && segment.text.find(needle) != std::string::npos;
  });
  return found == segments.end() ? nullptr : &*found;
}

std::string parts_of(const std::vector<Segment>& segments) {
  std::string listing;
  for (const Segment& segment : segments) listing += segment.part + " [" + segment.locator + "] " + segment.text + "\n";
  return listing;
}

std::vector<Segment> docx_segments(const DocxSpec& spec) {
  ExtractBudget budget;
  auto segments = extract_docx("报告.docx", make_docx(spec), {}, budget);
  EXPECT_TRUE(segments) << segments.error().to_string();
  return segments ? *segments : std::vector<Segment>{};
}

TEST(Docx, BodyParagraphsAreLinesWithTabsAndBreaks_N3_2) {
  const auto segments = docx_segments({.paragraphs = {"第一段", "姓名\t张三", "上行\n下行"}});
  const Segment* body = find_segment(segments, "docx:body", "第一段");
  ASSERT_NE(body, nullptr) << parts_of(segments);
  EXPECT_EQ(body->text, "第一段\n姓名\t张三\n上行\n下行");   // tab stops in w:pPr are not text
  EXPECT_EQ(body->path, "报告.docx");
  EXPECT_EQ(body->locator, "document.xml");
  EXPECT_FALSE(body->hidden);
}

TEST(Docx, SecretMarkingInHeaderIsFound_N3_2) {
  const auto segments = docx_segments({.paragraphs = {"正文"}, .header = "绝密★启用前", .footer = "第 1 页"});
  const Segment* header = find_segment(segments, "docx:header", "绝密");
  ASSERT_NE(header, nullptr) << parts_of(segments);
  EXPECT_EQ(header->locator, "header1.xml");
  EXPECT_NE(find_segment(segments, "docx:footer", "第 1 页"), nullptr);
}

TEST(Docx, SecretMarkingInCommentIsFoundWithItsAuthor_N3_2) {
  const auto segments = docx_segments({.paragraphs = {"正文"}, .comment = "此段涉及绝密内容", .comment_author = "李四"});
  const Segment* comment = find_segment(segments, "docx:comment", "绝密");
  ASSERT_NE(comment, nullptr) << parts_of(segments);
  EXPECT_EQ(comment->locator, "comment 1 (李四)");
  EXPECT_TRUE(comment->hidden);
}

TEST(Docx, TrackedInsertionIsReportedAndReadInTheBody_N3_2) {
  const auto segments = docx_segments({.paragraphs = {"正文"}, .insertion = "绝密补充"});
  const Segment* insertion = find_segment(segments, "docx:insert", "绝密");
  ASSERT_NE(insertion, nullptr) << parts_of(segments);
  EXPECT_EQ(insertion->locator, "document.xml insertion 1 (修订人)");
  EXPECT_NE(find_segment(segments, "docx:body", "绝密补充"), nullptr);
}

TEST(Docx, TrackedDeletionIsHiddenAndNotInTheBody_N3_2) {
  const auto segments = docx_segments({.paragraphs = {"正文"}, .deletion = "绝密删除"});
  const Segment* deletion = find_segment(segments, "docx:delete", "绝密");
  ASSERT_NE(deletion, nullptr) << parts_of(segments);
  EXPECT_TRUE(deletion->hidden);
  EXPECT_EQ(find_segment(segments, "docx:body", "绝密"), nullptr);
}

TEST(Docx, TextBoxIsReportedOnceNotInTheBody_N3_2) {
  const auto segments = docx_segments({.paragraphs = {"正文"}, .textbox = "文本框里的绝密"});
  EXPECT_EQ(std::count_if(segments.begin(), segments.end(),
                          [](const Segment& s) { return s.text.find("绝密") != std::string::npos; }),
            1)
      << parts_of(segments);   // the VML fallback copy is not read twice
  const Segment* textbox = find_segment(segments, "docx:textbox", "绝密");
  ASSERT_NE(textbox, nullptr) << parts_of(segments);
  EXPECT_EQ(textbox->locator, "document.xml text box 1");
}

TEST(Docx, HiddenTextRunIsAHiddenSegmentNotInTheBody_N3_2) {
  const auto segments = docx_segments({.paragraphs = {"公开正文", "第二段"}, .hidden_text = "隐藏的绝密"});
  const Segment* hidden = find_segment(segments, "docx:hidden", "隐藏的绝密");
  ASSERT_NE(hidden, nullptr) << parts_of(segments);
  EXPECT_EQ(hidden->locator, "document.xml hidden text");
  EXPECT_TRUE(hidden->hidden);
  const Segment* body = find_segment(segments, "docx:body", "公开正文");
  ASSERT_NE(body, nullptr);
  EXPECT_EQ(body->text, "公开正文\n第二段");
}

TEST(Docx, FootnoteIsFoundAndSeparatorsAreNot) {
  const auto segments = docx_segments({.paragraphs = {"正文"}, .footnote = "注：绝密来源"});
  const Segment* note = find_segment(segments, "docx:footnote", "绝密");
  ASSERT_NE(note, nullptr) << parts_of(segments);
  EXPECT_EQ(note->locator, "footnote 1");
  EXPECT_EQ(std::count_if(segments.begin(), segments.end(), [](const Segment& s) { return s.part == "docx:footnote"; }), 1);
}

TEST(Docx, DocumentPropertiesAreHiddenSegments_N3_2_N4_6) {
  const auto segments = docx_segments(
      {.paragraphs = {"正文"}, .props = {.creator = "王五", .last_modified_by = "赵六", .title = "通知", .company = "绝密研究所"}});
  const Segment* company = find_segment(segments, "property:company", "绝密研究所");
  ASSERT_NE(company, nullptr) << parts_of(segments);
  EXPECT_TRUE(company->hidden);
  EXPECT_EQ(company->locator, "docProps/app.xml");
  EXPECT_NE(find_segment(segments, "property:creator", "王五"), nullptr);
  EXPECT_NE(find_segment(segments, "property:lastModifiedBy", "赵六"), nullptr);
  EXPECT_NE(find_segment(segments, "property:title", "通知"), nullptr);
}

TEST(Docx, TruncatedPackageIsCorrupt) {
  const std::string docx = make_docx({.paragraphs = {"绝密"}});
  ExtractBudget budget;
  auto segments = extract_docx("半截.docx", std::string_view(docx).substr(0, docx.size() / 2), {}, budget);
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, "review.corrupt");
  EXPECT_NE(segments.error().message.find("半截.docx"), std::string::npos);
}

TEST(Docx, PartWithEntityDeclarationsIsRefused_N4_6) {
  const std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE w:document [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
      "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><w:document xmlns:w=\"urn:w\"><w:body><w:p><w:r><w:t>&c;</w:t>"
      "</w:r></w:p></w:body></w:document>";
  const std::string docx = make_zip(
      {{"[Content_Types].xml",
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Override PartName=\"/word/document.xml\" "
        "ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"},
       {"word/document.xml", laughs}});
  ExtractBudget budget;
  auto segments = extract_docx("laughs.docx", docx, {}, budget);
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, "review.corrupt");
  EXPECT_NE(segments.error().message.find("member word/document.xml of laughs.docx"), std::string::npos)
      << segments.error().message;
}

TEST(ZipKind, ComesFromTheMainPartInContentTypes) {
  ExtractBudget budget;
  EXPECT_EQ(zip_kind(make_docx({.paragraphs = {"x"}}), {}, budget).value_or("?"), "docx");
  EXPECT_EQ(zip_kind(make_xlsx({.sheets = {{.name = "S", .cells = {{"A1", "x"}}}}}), {}, budget).value_or("?"), "xlsx");
  EXPECT_EQ(zip_kind(make_pptx({.slides = {{.text = "x"}}}), {}, budget).value_or("?"), "pptx");
  EXPECT_EQ(zip_kind(make_zip({{"a.txt", "x"}}), {}, budget).value_or("?"), "zip");
}

TEST(ZipKind, DamagedArchiveIsCorruptAndNamed) {
  const std::string docx = make_docx({.paragraphs = {"x"}});
  ExtractBudget budget;
  auto kind = zip_kind(std::string_view(docx).substr(0, 100), {}, budget, "a/半截.docx");
  ASSERT_FALSE(kind);
  EXPECT_EQ(kind.error().code, "review.corrupt");
  EXPECT_NE(kind.error().message.find("a/半截.docx"), std::string::npos) << kind.error().message;
}

TEST(Docx, ExtractedTextIsChargedToTheTextBudget_N4_6) {
  ExtractLimits limits;
  limits.max_text_bytes = 1000;
  ExtractBudget budget;
  auto segments = extract_docx("big.docx", make_docx({.paragraphs = {std::string(2000, 'x')}}), limits, budget);
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, "review.limit");
  EXPECT_NE(segments.error().message.find("max_text_bytes"), std::string::npos);
}

// ---- xlsx ----

std::vector<Segment> xlsx_segments(const XlsxSpec& spec) {
  ExtractBudget budget;
  auto segments = extract_xlsx("名单.xlsx", make_xlsx(spec), {}, budget);
  EXPECT_TRUE(segments) << segments.error().to_string();
  return segments ? *segments : std::vector<Segment>{};
}

const XlsxSpec kWorkbook = {
    .sheets = {{.name = "公开",
                .cells = {{"A1", "姓名"}, {"B1", "电话"}, {"A2", "张三"}, {"B2", "13812345678", XlsxCell::Kind::number}},
                .comments = {}},
               {.name = "工资表",
                .state = "hidden",
                .cells = {{"A1", "工资"}, {"B7", "绝密工资", XlsxCell::Kind::inline_string}},
                .comments = {}},
               {.name = "底稿", .state = "veryHidden", .cells = {{"C3", "机密底稿"}}, .comments = {}},
               {.name = "批注", .cells = {{"A1", "见批注"}}, .comments = {{"A1", "绝密：勿外传", "李四"}}}},
    .defined_names = {{"绝密名单", "工资表!$A$1:$B$7"}},
    .props = {.creator = "王五"}};

TEST(Xlsx, CellsAreSegmentsNamingSheetAndCell_N3_2) {
  const auto segments = xlsx_segments(kWorkbook);
  const Segment* phone = find_segment(segments, "xlsx:sheet", "13812345678");
  ASSERT_NE(phone, nullptr) << parts_of(segments);
  EXPECT_EQ(phone->locator, "公开!B2");
  EXPECT_EQ(phone->text, "13812345678");
  EXPECT_FALSE(phone->hidden);
  const Segment* name = find_segment(segments, "xlsx:sheet", "张三");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->locator, "公开!A2");
}

TEST(Xlsx, HiddenSheetIsExtractedAndMarkedHidden_N3_2) {
  const auto segments = xlsx_segments(kWorkbook);
  const Segment* cell = find_segment(segments, "xlsx:sheet", "绝密工资");
  ASSERT_NE(cell, nullptr) << parts_of(segments);
  EXPECT_EQ(cell->locator, "工资表!B7 (hidden sheet)");
  EXPECT_TRUE(cell->hidden);
  const Segment* tab = find_segment(segments, "xlsx:sheet-name", "工资表");
  ASSERT_NE(tab, nullptr);
  EXPECT_TRUE(tab->hidden);
}

TEST(Xlsx, VeryHiddenSheetIsExtractedAndMarkedHidden_N3_2) {
  const auto segments = xlsx_segments(kWorkbook);
  const Segment* cell = find_segment(segments, "xlsx:sheet", "机密底稿");
  ASSERT_NE(cell, nullptr) << parts_of(segments);
  EXPECT_EQ(cell->locator, "底稿!C3 (very hidden sheet)");
  EXPECT_TRUE(cell->hidden);
}

TEST(Xlsx, CellCommentIsFoundOnItsSheet_N3_2) {
  const auto segments = xlsx_segments(kWorkbook);
  const Segment* comment = find_segment(segments, "xlsx:comment", "绝密");
  ASSERT_NE(comment, nullptr) << parts_of(segments);
  EXPECT_EQ(comment->locator, "批注!A1");   // comments1.xml belongs to the fourth sheet
  EXPECT_TRUE(comment->hidden);
}

TEST(Xlsx, DefinedNameIsFound_N3_2) {
  const auto segments = xlsx_segments(kWorkbook);
  const Segment* name = find_segment(segments, "xlsx:defined-name", "绝密名单");
  ASSERT_NE(name, nullptr) << parts_of(segments);
  EXPECT_EQ(name->locator, "绝密名单");
  EXPECT_EQ(name->text, "绝密名单=工资表!$A$1:$B$7");
  EXPECT_TRUE(name->hidden);
}

TEST(Xlsx, PropertiesAreRead) {
  const auto segments = xlsx_segments(kWorkbook);
  EXPECT_NE(find_segment(segments, "property:creator", "王五"), nullptr) << parts_of(segments);
}

TEST(Xlsx, DocxIsNotAWorkbook) {
  ExtractBudget budget;
  auto segments = extract_xlsx("x.xlsx", make_docx({.paragraphs = {"x"}}), {}, budget);
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, "review.corrupt");
}

// ---- pptx ----

TEST(Pptx, SlidesInPresentationOrderNotesAndComments_N3_2) {
  const PptxSpec spec = {.slides = {{.text = "第一页标题\n要点", .notes = "讲稿：绝密数字"},
                                    {.text = "第二页", .comment = "绝密批注"},
                                    {.text = "隐藏页绝密", .hidden = true}},
                         .props = {.company = "某工会"}};
  ExtractBudget budget;
  auto segments = extract_pptx("汇报.pptx", make_pptx(spec), {}, budget);
  ASSERT_TRUE(segments) << segments.error().to_string();
  std::vector<std::string> slide_locators;
  for (const Segment& segment : *segments) {
    if (segment.part == "pptx:slide") slide_locators.push_back(segment.locator + ":" + segment.text);
  }
  EXPECT_EQ(slide_locators, (std::vector<std::string>{"slide 1:第一页标题\n要点", "slide 2:第二页",
                                                      "slide 3 (hidden slide):隐藏页绝密"}));
  const Segment* notes = find_segment(*segments, "pptx:notes", "绝密");
  ASSERT_NE(notes, nullptr) << parts_of(*segments);
  EXPECT_EQ(notes->locator, "slide 1");
  EXPECT_EQ(notes->text, "讲稿：绝密数字");   // the slide-number field is not text
  EXPECT_TRUE(notes->hidden);
  const Segment* comment = find_segment(*segments, "pptx:comment", "绝密批注");
  ASSERT_NE(comment, nullptr);
  EXPECT_EQ(comment->locator, "slide 2 comment 1");
  EXPECT_NE(find_segment(*segments, "property:company", "某工会"), nullptr);
}

// ---- PDF ----

TEST(Pdf, EveryPageIsASegmentAndInfoIsHidden_N3_2) {
  const std::string pdf = make_pdf({"第一页 公开内容", "第二页\n绝密文件"}, {.title = "通知", .author = "张三"});
  ExtractBudget budget;
  auto segments = extract_pdf("附件.pdf", pdf, {}, budget);
  ASSERT_TRUE(segments) << segments.error().to_string();
  const Segment* page = find_segment(*segments, "pdf:page", "绝密");
  ASSERT_NE(page, nullptr) << parts_of(*segments);
  EXPECT_EQ(page->locator, "page 2");
  EXPECT_EQ(page->path, "附件.pdf");
  EXPECT_FALSE(page->hidden);
  const Segment* author = find_segment(*segments, "pdf:info", "张三");
  ASSERT_NE(author, nullptr) << parts_of(*segments);
  EXPECT_EQ(author->locator, "Author");
  EXPECT_TRUE(author->hidden);
  EXPECT_NE(find_segment(*segments, "pdf:info", "通知"), nullptr);
}

TEST(Pdf, PasswordProtectedPdfIsEncrypted) {
  ExtractBudget budget;
  auto segments = extract_pdf("locked.pdf", make_encrypted_pdf(), {}, budget);
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, "review.encrypted");
  EXPECT_NE(segments.error().message.find("locked.pdf"), std::string::npos);
}

TEST(Pdf, GarbageIsCorrupt) {
  ExtractBudget budget;
  auto segments = extract_pdf("broken.pdf", "%PDF-1.7\nnothing else", {}, budget);
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, "review.corrupt");
  EXPECT_NE(segments.error().message.find("broken.pdf"), std::string::npos);
}

TEST(Pdf, TooManyPagesIsRefused_N4_6) {
  ExtractLimits limits;
  limits.max_pages = 2;
  ExtractBudget budget;
  auto segments = extract_pdf("long.pdf", make_pdf({"一", "二", "三"}), limits, budget);
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, "review.limit");
  EXPECT_NE(segments.error().message.find("3 pages, limit 2 (max_pages)"), std::string::npos) << segments.error().message;
}

TEST(HumanSize, NamesSizesInBinaryUnits) {
  EXPECT_EQ(human_size(512), "512 bytes");
  EXPECT_EQ(human_size(200u << 10), "200 KB");
  EXPECT_EQ(human_size(64u << 20), "64 MB");
  EXPECT_EQ(human_size(3328599654u), "3.1 GB");
}

}  // namespace
}  // namespace sw::review
