// Attachment checks (issue 4; N7.3 防攻击/防病毒): types by content, names that lie, polyglots, active
// content, macros, size limits, the rules themselves and concurrent use. Every fixture is written here.
#include "content/attachments.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace sw::content {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// ---- fixtures ----

std::uint32_t crc_of(std::string_view bytes) {
  return static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

void put16le(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}
void put32le(std::string& out, std::uint32_t v) {
  put16le(out, v & 0xFFFF);
  put16le(out, v >> 16);
}
void put32be(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xFF);
}

std::string png_chunk(std::string_view type, std::string_view data) {
  std::string chunk;
  put32be(chunk, static_cast<std::uint32_t>(data.size()));
  std::string typed = std::string(type) + std::string(data);
  chunk += typed;
  put32be(chunk, crc_of(typed));
  return chunk;
}

// A 1×1 grey PNG: signature, IHDR, IDAT (zlib), IEND, all with correct CRCs.
std::string png() {
  std::string ihdr;
  put32be(ihdr, 1);
  put32be(ihdr, 1);
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // depth 8, grey, deflate, filter 0, no interlace
  const std::string raw("\x00\x80", 2);            // filter byte, one pixel
  uLongf size = compressBound(raw.size());
  std::string idat(size, '\0');
  compress(reinterpret_cast<Bytef*>(idat.data()), &size, reinterpret_cast<const Bytef*>(raw.data()),
           raw.size());
  idat.resize(size);
  return std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + png_chunk("IDAT", idat) +
         png_chunk("IEND", "");
}

std::string jpeg() {
  return std::string("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 20) +
         std::string("\xFF\xDB\x00\x43\x00", 5) + std::string(64, '\x10') + std::string("\xFF\xD9", 2);
}

std::string gif() {
  return std::string("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xFF\xFF\xFF", 19) +
         std::string("\x2C\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00\x3B", 16);
}

std::string webp() { return std::string("RIFF\x1a\x00\x00\x00WEBPVP8 ", 16) + std::string(14, '\0'); }

std::string pdf(std::string_view catalog_extra = "", std::string_view extra_objects = "") {
  return "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R " +
         std::string(catalog_extra) +
         " >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
         "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n" +
         std::string(extra_objects) + "trailer\n<< /Root 1 0 R >>\n%%EOF\n";
}

// A zip with stored (uncompressed) members in the given order.
std::string zip(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out, central;
  for (const auto& [name, data] : members) {
    const std::uint32_t offset = static_cast<std::uint32_t>(out.size());
    const std::uint32_t crc = crc_of(data);
    out += "PK\x03\x04";
    put16le(out, 20);  // version needed
    put16le(out, 0);   // flags
    put16le(out, 0);   // stored
    put32le(out, 0);   // time, date
    put32le(out, crc);
    put32le(out, static_cast<std::uint32_t>(data.size()));
    put32le(out, static_cast<std::uint32_t>(data.size()));
    put16le(out, static_cast<std::uint32_t>(name.size()));
    put16le(out, 0);
    out += name + data;
    central += "PK\x01\x02";
    put16le(central, 20);
    put16le(central, 20);
    put16le(central, 0);
    put16le(central, 0);
    put32le(central, 0);
    put32le(central, crc);
    put32le(central, static_cast<std::uint32_t>(data.size()));
    put32le(central, static_cast<std::uint32_t>(data.size()));
    put16le(central, static_cast<std::uint32_t>(name.size()));
    put32le(central, 0);  // extra, comment lengths
    put32le(central, 0);  // disk, internal attributes
    put32le(central, 0);  // external attributes
    put32le(central, offset);
    central += name;
  }
  const std::uint32_t central_offset = static_cast<std::uint32_t>(out.size());
  out += central + "PK\x05\x06";
  put32le(out, 0);
  put16le(out, static_cast<std::uint32_t>(members.size()));
  put16le(out, static_cast<std::uint32_t>(members.size()));
  put32le(out, static_cast<std::uint32_t>(central.size()));
  put32le(out, central_offset);
  put16le(out, 0);
  return out;
}

using Members = std::vector<std::pair<std::string, std::string>>;

Members ooxml_members(std::string_view main_part, std::string_view content_type) {
  return {
      {"[Content_Types].xml",
       R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/)" +
           std::string(main_part) + R"(" ContentType=")" + std::string(content_type) + R"("/></Types>)"},
      {"_rels/.rels",
       R"(<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target=")" +
           std::string(main_part) + R"("/></Relationships>)"},
      {std::string(main_part),
       R"(<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>工会通知</w:t></w:r></w:p></w:body></w:document>)"},
  };
}

Members docx_members() {
  return ooxml_members("word/document.xml",
                       "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml");
}

std::string docx() { return zip(docx_members()); }

std::string xlsx() {
  return zip(ooxml_members("xl/workbook.xml",
                           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"));
}

std::string elf() {
  return std::string(
             "\x7F"
             "ELF\x02\x01\x01",
             7) +
         std::string(9, '\0') + std::string("\x02\x00\x3E\x00", 4) + std::string(100, '\0');
}

std::string pe() {
  std::string out = "MZ" + std::string(58, '\0');
  put32le(out, 0x80);
  out += std::string(0x80 - out.size(), '\0');
  out += std::string("PE\0\0\x4C\x01", 6) + std::string(200, '\0');
  return out;
}

// Built from pieces so this source file is not itself the test file.
std::string eicar() {
  return std::string("X5O!P%@AP[4\\PZX54(P^)7CC)7}$") + "EICAR-STANDARD-" + "ANTIVIRUS-TEST-FILE!$H+H*";
}

AttachmentCheck check(std::string_view name, std::string_view bytes, const AttachmentPolicy& policy = {}) {
  auto result = check_attachment(name, bytes, policy);
  EXPECT_TRUE(result.has_value()) << (result ? "" : result.error().to_string());
  return result ? *result : AttachmentCheck{};
}

// ---- allowed files ----

TEST(Attachments, AllowedTypesAreAcceptedWithTheirDetectedType) {
  const std::vector<std::tuple<std::string, std::string, std::string>> files = {
      {"通知.pdf", pdf(), "pdf"},      {"会议纪要.docx", docx(), "docx"},
      {"名单.xlsx", xlsx(), "xlsx"},   {"photo.png", png(), "png"},
      {"photo.jpeg", jpeg(), "jpg"},   {"logo.gif", gif(), "gif"},
      {"banner.webp", webp(), "webp"}, {"说明.txt", "全总工会通知\n第二行\n", "txt"},
  };
  for (const auto& [name, bytes, type] : files) {
    const AttachmentCheck result = check(name, bytes);
    EXPECT_TRUE(result.accepted) << name << ": " << testing::PrintToString(result.problems);
    EXPECT_EQ(result.type, type) << name << " (" << result.mime << ")";
    EXPECT_THAT(result.problems, IsEmpty()) << name;
    EXPECT_THAT(result.warnings, IsEmpty()) << name;
    EXPECT_THAT(result.yara_matches, IsEmpty()) << name;
  }
}

TEST(Attachments, ExtensionIsReadCaseInsensitivelyFromTheLastComponent) {
  const AttachmentCheck result = check("uploads/2024/PHOTO.JPG", jpeg());
  EXPECT_EQ(result.extension_from_name, "jpg");
  EXPECT_TRUE(result.accepted);
}

// WPS and some converters write [Content_Types].xml last; the package, not the member order, decides.
TEST(Attachments, DocxWithUnusualMemberOrderIsStillDocx) {
  Members members = docx_members();
  std::reverse(members.begin(), members.end());
  const AttachmentCheck result = check("报告.docx", zip(members));
  EXPECT_EQ(result.type, "docx") << result.mime;
  EXPECT_TRUE(result.accepted) << testing::PrintToString(result.problems);
}

// ---- names that lie ----

TEST(Attachments, ElfNamedPdfIsRefusedNamingBothTypes) {
  const AttachmentCheck result = check("report.pdf", elf());
  EXPECT_FALSE(result.accepted);
  EXPECT_EQ(result.type, "elf");
  EXPECT_THAT(result.problems, Contains(AllOf(StartsWith("content.attachment_type_mismatch"),
                                              HasSubstr(".pdf"), HasSubstr("elf"))));
  EXPECT_THAT(result.problems, Contains(StartsWith("content.attachment_type_forbidden")));
  EXPECT_THAT(result.yara_matches, Contains("elf_executable"));
}

TEST(Attachments, ZipNamedJpgIsRefused) {
  const AttachmentCheck result = check("photo.jpg", zip({{"a.txt", "hello"}}));
  EXPECT_FALSE(result.accepted);
  EXPECT_EQ(result.type, "zip");
  EXPECT_THAT(result.problems, Contains(AllOf(StartsWith("content.attachment_type_mismatch"),
                                              HasSubstr(".jpg"), HasSubstr("zip"))));
}

TEST(Attachments, DocxNamedPdfIsRefused) {
  const AttachmentCheck result = check("report.pdf", docx());
  EXPECT_FALSE(result.accepted);
  EXPECT_THAT(result.problems,
              Contains(AllOf(StartsWith("content.attachment_type_mismatch"), HasSubstr("docx"))));
}

TEST(Attachments, NameWithoutExtensionIsRefused) {
  const AttachmentCheck result = check("report", pdf());
  EXPECT_FALSE(result.accepted);
  EXPECT_THAT(result.problems,
              Contains(AllOf(StartsWith("content.attachment_type_mismatch"), HasSubstr("no extension"))));
}

// ---- active content: never, whatever the policy says ----

TEST(Attachments, WindowsExecutableIsRefused) {
  const AttachmentCheck result = check("setup.exe", pe());
  EXPECT_FALSE(result.accepted);
  EXPECT_EQ(result.type, "exe") << result.mime;
  EXPECT_THAT(result.problems, Contains(StartsWith("content.attachment_type_forbidden")));
  EXPECT_THAT(result.yara_matches, Contains("pe_executable"));
}

TEST(Attachments, HtmlAndSvgAreRefusedEvenWhenThePolicyListsThem) {
  AttachmentPolicy policy;
  policy.allowed_types = {"html", "svg"};
  const AttachmentCheck page =
      check("index.html", "<!DOCTYPE html><html><body><p>x</p></body></html>", policy);
  EXPECT_FALSE(page.accepted);
  EXPECT_EQ(page.type, "html");
  EXPECT_THAT(page.problems, Contains(StartsWith("content.attachment_type_forbidden")));
  const AttachmentCheck svg = check(
      "logo.svg",
      R"(<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>)", policy);
  EXPECT_FALSE(svg.accepted);
  EXPECT_EQ(svg.type, "svg") << svg.mime;
}

TEST(Attachments, PhpNamedTxtIsRefused) {
  const AttachmentCheck result = check("readme.txt", "<?php system($_GET['c']); ?>\n");
  EXPECT_FALSE(result.accepted);
  EXPECT_EQ(result.type, "php") << result.mime;
}

// ---- polyglots ----

TEST(Attachments, PngWithAppendedZipIsRefused) {
  const AttachmentCheck result = check("photo.png", png() + zip({{"shell.php", "<?php ?>"}}));
  EXPECT_FALSE(result.accepted);
  EXPECT_EQ(result.type, "png");
  EXPECT_THAT(result.yara_matches, Contains("image_with_appended_archive"));
  EXPECT_THAT(result.problems, Contains(StartsWith("content.attachment_malicious")));
}

TEST(Attachments, JpegWithPhpIsRefused) {
  const AttachmentCheck result = check("photo.jpg", jpeg() + "<?php eval($_POST['x']); ?>");
  EXPECT_FALSE(result.accepted);
  EXPECT_THAT(result.yara_matches, Contains("active_markup_in_image"));
  EXPECT_THAT(result.yara_matches, Contains("image_with_trailing_payload"));
}

TEST(Attachments, GifWithScriptIsRefused) {
  const AttachmentCheck result =
      check("logo.gif", std::string("GIF89a/*\x01\x00\x80\x00\x00", 11) + "*/=1;<script>alert(1)</script>");
  EXPECT_FALSE(result.accepted);
  EXPECT_EQ(result.type, "gif");
  EXPECT_THAT(result.yara_matches, Contains("active_markup_in_image"));
}

TEST(Attachments, PngWithScriptInATextChunkIsRefused) {
  std::string bytes = png();
  bytes.insert(33, png_chunk("tEXt", std::string("Comment\0<script>alert(1)</script>", 34)));
  const AttachmentCheck result = check("photo.png", bytes);
  EXPECT_FALSE(result.accepted);
  EXPECT_THAT(result.yara_matches, Contains("active_markup_in_image"));
}

TEST(Attachments, ImageThatPdfReadersOpenIsRefused) {
  const AttachmentCheck result = check("photo.jpg", jpeg().insert(20, "%PDF-1.4 "));
  EXPECT_FALSE(result.accepted);
  EXPECT_THAT(result.yara_matches, Contains("pdf_header_in_other_type"));
}

// ---- PDFs and Office documents with active parts ----

TEST(Attachments, PdfWithJavaScriptIsRefused) {
  const AttachmentCheck result = check(
      "通知.pdf", pdf("/OpenAction 4 0 R", "4 0 obj\n<< /S /JavaScript /JS (app.alert(1)) >>\nendobj\n"));
  EXPECT_FALSE(result.accepted);
  EXPECT_EQ(result.type, "pdf");
  EXPECT_THAT(result.yara_matches, Contains("pdf_javascript"));
}

TEST(Attachments, PdfWithAnEscapedJavaScriptNameIsRefused) {
  const AttachmentCheck result = check(
      "通知.pdf", pdf("/OpenAction 4 0 R", "4 0 obj\n<< /S /J#61vaScript /J#53 (app.alert(1)) >>\nendobj\n"));
  EXPECT_FALSE(result.accepted);
  EXPECT_THAT(result.yara_matches, Contains("pdf_obfuscated_name"));
}

TEST(Attachments, PdfWithLaunchIsRefused) {
  const AttachmentCheck result =
      check("通知.pdf", pdf("/OpenAction 4 0 R", "4 0 obj\n<< /S /Launch /F (cmd.exe) >>\nendobj\n"));
  EXPECT_FALSE(result.accepted);
  EXPECT_THAT(result.yara_matches, Contains("pdf_launch"));
}

TEST(Attachments, PdfWithEmbeddedFileIsAcceptedButFlagged) {
  const AttachmentCheck result = check(
      "表格.pdf",
      pdf("/Names << /EmbeddedFiles 4 0 R >>", "4 0 obj\n<< /Type /EmbeddedFile /Length 0 >>\nendobj\n"));
  EXPECT_TRUE(result.accepted) << testing::PrintToString(result.problems);
  EXPECT_THAT(result.yara_matches, Contains("pdf_embedded_file"));
  EXPECT_THAT(result.warnings, Contains(StartsWith("content.attachment_suspicious")));
}

TEST(Attachments, DocxWithVbaProjectIsRefused) {
  Members members = docx_members();
  members.emplace_back("word/vbaProject.bin", std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8));
  const AttachmentCheck result = check("会议纪要.docx", zip(members));
  EXPECT_FALSE(result.accepted);
  EXPECT_EQ(result.type, "docx");
  EXPECT_THAT(result.yara_matches, Contains("ooxml_macros"));
}

// ---- archives ----

TEST(Attachments, ZipIsNotAllowedByDefault) {
  const AttachmentCheck result = check("材料.zip", zip({{"a.txt", "hello"}}));
  EXPECT_FALSE(result.accepted);
  EXPECT_THAT(result.problems, Contains(StartsWith("content.attachment_type_not_allowed")));
}

TEST(Attachments, ZipAllowedByPolicyIsRefusedWhenItHoldsAProgram) {
  AttachmentPolicy policy;
  policy.allowed_types.push_back("zip");
  EXPECT_TRUE(check("材料.zip", zip({{"a.txt", "hello"}}), policy).accepted);
  for (const std::string program : {"setup.EXE", "dir/run.js", "a.hta", "x.lnk"}) {
    const AttachmentCheck result = check("材料.zip", zip({{"readme.txt", "hi"}, {program, "x"}}), policy);
    EXPECT_FALSE(result.accepted) << program;
    EXPECT_THAT(result.yara_matches, Contains("archive_with_program")) << program;
  }
}

// ---- EICAR, sizes, policy ----

TEST(Attachments, EicarTestFileIsRefused) {
  const AttachmentCheck result = check("eicar.txt", eicar());
  EXPECT_FALSE(result.accepted);
  EXPECT_THAT(result.yara_matches, Contains("eicar_test_file"));
  EXPECT_THAT(result.problems,
              Contains(AllOf(StartsWith("content.attachment_malicious"), HasSubstr("EICAR"))));
}

TEST(Attachments, OversizedFileIsRefusedBeforeAnyParsingNamingTheSizes) {
  AttachmentPolicy policy;
  policy.max_bytes = 100;
  // An EICAR file padded past the limit: refused for its size, so no rule ever saw it.
  auto result = check_attachment("big.pdf", eicar() + std::string(101 - eicar().size(), ' '), policy);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, "content.attachment_too_large");
  EXPECT_THAT(result.error().message, AllOf(HasSubstr("101"), HasSubstr("100")));
  EXPECT_TRUE(check_attachment("ok.pdf", pdf().substr(0, 100), policy).has_value());
}

TEST(Attachments, DefaultLimitIs50MiB) { EXPECT_EQ(AttachmentPolicy{}.max_bytes, std::size_t{50} << 20); }

TEST(Attachments, EmptyFileIsRefused) {
  auto result = check_attachment("empty.pdf", "");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, "content.attachment_empty");
}

TEST(Attachments, TypeNotInThePolicyIsRefusedNamingTheAllowedList) {
  AttachmentPolicy policy;
  policy.allowed_types = {"pdf", "docx"};
  const AttachmentCheck result = check("photo.png", png(), policy);
  EXPECT_FALSE(result.accepted);
  EXPECT_THAT(result.problems, Contains(AllOf(StartsWith("content.attachment_type_not_allowed"),
                                              HasSubstr("png"), HasSubstr("allowed: pdf, docx"))));
}

TEST(Attachments, DefaultPolicyHasNoActiveContentAndNoArchives) {
  const std::vector<std::string> types = AttachmentPolicy::default_allowed_types();
  for (const char* never : {"exe", "elf", "php", "script", "html", "svg", "xml", "hta", "zip"}) {
    EXPECT_THAT(types, ::testing::Not(Contains(never)));
  }
}

// ---- the rules ----

TEST(AttachmentRules, AllStarterRulesCompileAndEachHasDescriptionsAndSeverity) {
  std::size_t count = 0;
  const Status status = attachment_rules_status(&count);
  ASSERT_TRUE(status.has_value()) << status.error().to_string();
  std::size_t declared = 0;
  for (const auto& [name, text] : embedded_yara_rules()) {
    std::size_t rules = 0, pos = 0;
    while ((pos = text.find("\nrule ", pos)) != std::string_view::npos) ++rules, ++pos;
    auto occurrences = [&text](std::string_view needle) {
      std::size_t n = 0;
      for (std::size_t at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1))
        ++n;
      return n;
    };
    EXPECT_EQ(occurrences("description_en = "), rules) << name;
    EXPECT_EQ(occurrences("description_zh = "), rules) << name;
    EXPECT_EQ(occurrences("severity = "), rules) << name;
    declared += rules;
  }
  EXPECT_EQ(count, declared);
  EXPECT_GE(count, 20u);
}

// ---- concurrency ----

TEST(Attachments, ChecksFromFourThreadsAtOnceAgreeWithOneThread) {
  const std::vector<std::pair<std::string, std::string>> files = {
      {"a.pdf", pdf()}, {"b.docx", docx()}, {"c.png", png() + zip({{"x", "y"}})},
      {"d.pdf", elf()}, {"e.txt", eicar()}, {"f.jpg", jpeg()},
      {"g.gif", gif()}, {"h.xlsx", xlsx()},
  };
  auto run = [&files] {
    std::vector<std::string> summary;
    for (const auto& [name, bytes] : files) {
      const auto result = check_attachment(name, bytes);
      summary.push_back(result ? result->type + " " + result->mime + " " + std::to_string(result->accepted) +
                                     " " + testing::PrintToString(result->yara_matches)
                               : result.error().to_string());
    }
    return summary;
  };
  const std::vector<std::string> expected = run();
  std::vector<std::vector<std::string>> seen(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 25; ++round) {
        auto summary = run();
        if (summary != expected) {
          seen[t] = std::move(summary);
          return;
        }
      }
      seen[t] = expected;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const auto& summary : seen) EXPECT_EQ(summary, expected);
}

}  // namespace
}  // namespace sw::content
