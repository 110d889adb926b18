// The extraction dispatcher (issue 3): a file's type comes from its bytes, archives recurse with one
// budget, and what cannot be read gets an error that names the file and the reason (N3.2, N6.5).
#include <gtest/gtest.h>

#include <fstream>

#include "office_fixtures.h"
#include "review/extract.h"

namespace sw::review {
namespace {

bool has_text(const ExtractedFile& f, std::string_view needle) {
  for (const auto& s : f.segments)
    if (s.text.find(needle) != std::string::npos) return true;
  return false;
}

TEST(Extract, HtmlIsRecognisedByContentWithoutAnExtension) {
  auto f = extract("upload-1234", "<!DOCTYPE html><html><body><p>机密</p></body></html>");
  ASSERT_TRUE(f) << f.error().to_string();
  EXPECT_EQ(f->type, "html");
  EXPECT_TRUE(has_text(*f, "机密"));
}

TEST(Extract, PlainUtf8TextKeepsOffsetsIntoTheFileEvenAfterABom) {
  auto f = extract("a.txt", "\xef\xbb\xbf" "第一行\n绝密");
  ASSERT_TRUE(f) << f.error().to_string();
  EXPECT_EQ(f->type, "text");
  ASSERT_EQ(f->segments.size(), 1u);
  EXPECT_EQ(f->segments[0].source_offset, 3u);  // the text starts after the BOM
}

TEST(Extract, TranscodedTextHasNoFileOffsets) {
  // "机密文件" in GBK.
  auto f = extract("gbk.txt", "\xbb\xfa\xc3\xdc\xce\xc4\xbc\xfe\xa3\xac\xc7\xeb\xce\xf0\xcd\xe2\xb4\xab\xa1\xa3");
  ASSERT_TRUE(f) << f.error().to_string();
  EXPECT_NE(f->encoding, "UTF-8");
  EXPECT_TRUE(has_text(*f, "机密文件"));
  for (const auto& s : f->segments) EXPECT_EQ(s.source_offset, static_cast<std::size_t>(-1));
}

TEST(Extract, LegacyOfficeFilesAreNamedAsUnsupported) {
  std::string ole2("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
  ole2.append(504, '\0');
  auto f = extract("old.doc", ole2);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, "review.unsupported");
  EXPECT_NE(f.error().message.find("old.doc"), std::string::npos);
}

TEST(Extract, PasswordProtectedOfficeFilesAreNamedAsEncrypted) {
  std::string ole2("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
  ole2.append(504, '\0');
  for (char c : std::string_view("EncryptedPackage")) ole2.append({c, '\0'});
  auto f = extract("protected.docx", ole2);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, "review.encrypted");
}

TEST(Extract, ImagesArePassedOverWithoutText) {
  auto f = extract("logo.png", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  ASSERT_TRUE(f) << f.error().to_string();
  EXPECT_EQ(f->type, "media");
  EXPECT_TRUE(f->segments.empty());
}

TEST(Extract, AFileOverTheSizeLimitIsRefusedWithTheNumbers) {
  ExtractLimits limits;
  limits.max_file_bytes = 100;
  auto f = extract("big.txt", std::string(101, 'a'), limits);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, "review.limit");
  EXPECT_NE(f.error().message.find("101"), std::string::npos);
  EXPECT_NE(f.error().message.find("100"), std::string::npos);
}

TEST(Extract, ExtractFileNamesAMissingFileAndRefusesADirectory) {
  auto missing = extract_file("/nonexistent/sitewarden/x.docx");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "review.not_found");
  auto dir = extract_file("/tmp");
  ASSERT_FALSE(dir);
  EXPECT_EQ(dir.error().code, "review.unsupported");
}

TEST(Extract, ExtractFileChecksTheSizeBeforeReading) {
  const auto path = std::filesystem::temp_directory_path() / "sw-extract-size-test.txt";
  { std::ofstream(path) << std::string(2048, 'x'); }
  ExtractLimits limits;
  limits.max_file_bytes = 1024;
  auto f = extract_file(path, limits);
  std::filesystem::remove(path);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, "review.limit");
}

TEST(Extract, OoxmlIsRecognisedInsideAZipAndMembersAreNamedByTheirPath) {
  auto docx = fixtures::make_docx({.paragraphs = {"关于开展活动的通知"}, .header = "秘密★5年"});
  auto zip = fixtures::make_zip({{"docs/notice.docx", docx}, {"readme.txt", "普通说明"}});
  auto f = extract("upload.zip", zip);
  ASSERT_TRUE(f) << f.error().to_string();
  EXPECT_EQ(f->type, "zip");
  bool header = false;
  for (const auto& s : f->segments)
    if (s.path == "upload.zip!/docs/notice.docx" && s.part == "docx:header" && s.text.find("秘密★5年") != std::string::npos)
      header = true;
  EXPECT_TRUE(header);
  EXPECT_TRUE(has_text(*f, "普通说明"));
}

TEST(Extract, ACorruptMemberIsAProblemAndTheRestIsRead) {
  auto docx = fixtures::make_docx({.paragraphs = {"正文"}});
  auto zip = fixtures::make_zip({{"bad.docx", docx.substr(0, docx.size() / 2)}, {"good.txt", "内部资料"}});
  auto f = extract("mixed.zip", zip);
  ASSERT_TRUE(f) << f.error().to_string();
  EXPECT_TRUE(has_text(*f, "内部资料"));
  ASSERT_EQ(f->problems.size(), 1u);
  EXPECT_EQ(f->problems[0].path, "mixed.zip!/bad.docx");
}

TEST(Extract, ArchivesNestedDeeperThanTheLimitAreRefused) {
  const auto deep = fixtures::make_nested_zip("plan.txt", "绝密", 6);
  auto f = extract("deep.zip", deep);
  ASSERT_TRUE(f) << f.error().to_string();  // the outer levels are read; the deepest is a problem
  EXPECT_FALSE(has_text(*f, "绝密"));
  ASSERT_FALSE(f->problems.empty());
  EXPECT_EQ(f->problems.back().error.code, "review.limit");
}

}  // namespace
}  // namespace sw::review
