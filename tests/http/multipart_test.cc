// multipart/form-data parsing (issue 4: attachments uploaded from the console): what browsers send
// is split exactly; anything unusual is refused with a named error rather than guessed at.
#include "http/multipart.h"

#include <gtest/gtest.h>

namespace sw::http {
namespace {

constexpr std::string_view kBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";

std::string part(std::string_view headers, std::string_view data) {
  return "--" + std::string(kBoundary) + "\r\n" + std::string(headers) + "\r\n\r\n" + std::string(data) + "\r\n";
}
std::string close() { return "--" + std::string(kBoundary) + "--\r\n"; }

TEST(MultipartBoundary, ReadsQuotedAndPlainBoundaries) {
  EXPECT_EQ(*multipart_boundary("multipart/form-data; boundary=abc-123"), "abc-123");
  EXPECT_EQ(*multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a-b\""), "a-b");
  EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=\"a b\"")) << "a space is outside the accepted set";
  EXPECT_EQ(*multipart_boundary("multipart/form-data;boundary=\"q'()+_,-./:=?\""), "q'()+_,-./:=?");
}

TEST(MultipartBoundary, RefusesOtherTypesAndBadBoundaries) {
  EXPECT_EQ(multipart_boundary("application/x-www-form-urlencoded").error().code, "http.multipart_boundary");
  EXPECT_EQ(multipart_boundary("multipart/mixed; boundary=abc").error().code, "http.multipart_boundary");
  EXPECT_EQ(multipart_boundary("multipart/form-data").error().code, "http.multipart_boundary");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=").error().code, "http.multipart_boundary");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')).error().code,
            "http.multipart_boundary");
  EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=a<b").error().code, "http.multipart_boundary");
}

TEST(Multipart, SplitsFieldsAndOneFileExactly) {
  const std::string binary("\x00\r\n--\xff\r\n", 8);
  const std::string body =
      part("Content-Disposition: form-data; name=\"csrf\"", "tok") +
      part("Content-Disposition: form-data; name=\"file\"; filename=\"工作报告.pdf\"\r\nContent-Type: application/pdf",
           binary) +
      close();
  auto parts = parse_multipart(body, kBoundary);
  ASSERT_TRUE(parts) << parts.error().to_string();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "csrf");
  EXPECT_EQ((*parts)[0].data, "tok");
  EXPECT_FALSE((*parts)[0].filename);
  EXPECT_EQ((*parts)[1].name, "file");
  EXPECT_EQ(*(*parts)[1].filename, "工作报告.pdf");
  EXPECT_EQ((*parts)[1].content_type, "application/pdf");
  EXPECT_EQ((*parts)[1].data, binary) << "bytes that look like a boundary start are kept";
}

TEST(Multipart, AnEmptyFileAndEscapedQuotesInTheName) {
  const std::string body =
      part("content-disposition: form-data; name=file; filename=\"a\\\"b.docx\"", "") + close();
  auto parts = parse_multipart(body, kBoundary);
  ASSERT_TRUE(parts) << parts.error().to_string();
  EXPECT_EQ(*(*parts)[0].filename, "a\"b.docx");
  EXPECT_TRUE((*parts)[0].data.empty());
}

TEST(Multipart, RefusesASecondFile) {
  const std::string body = part("Content-Disposition: form-data; name=\"a\"; filename=\"a.pdf\"", "1") +
                           part("Content-Disposition: form-data; name=\"b\"; filename=\"b.pdf\"", "2") + close();
  EXPECT_EQ(parse_multipart(body, kBoundary).error().code, "http.multipart_too_many");
}

TEST(Multipart, RefusesTooManyParts) {
  std::string body;
  for (int i = 0; i < 17; ++i) body += part("Content-Disposition: form-data; name=\"f\"", "x");
  body += close();
  EXPECT_EQ(parse_multipart(body, kBoundary).error().code, "http.multipart_too_many");
}

TEST(Multipart, RefusesAFileOrFieldOverItsLimitNamingThePart) {
  MultipartLimits limits;
  limits.max_file_bytes = 4;
  limits.max_field_bytes = 2;
  auto big_file = parse_multipart(
      part("Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"", "12345") + close(), kBoundary, limits);
  EXPECT_EQ(big_file.error().code, "http.multipart_too_large");
  EXPECT_NE(big_file.error().message.find("file"), std::string::npos);
  auto big_field = parse_multipart(part("Content-Disposition: form-data; name=\"title\"", "123") + close(),
                                   kBoundary, limits);
  EXPECT_EQ(big_field.error().code, "http.multipart_too_large");
  EXPECT_NE(big_field.error().message.find("title"), std::string::npos);
}

TEST(Multipart, RefusesMalformedBodies) {
  const std::string ok = part("Content-Disposition: form-data; name=\"a\"", "1");
  for (const std::string& body : {
           std::string("garbage") + ok + close(),                                    // preamble
           ok,                                                                       // no close delimiter
           part("Content-Type: text/plain", "1") + close(),                          // no disposition
           part("Content-Disposition: attachment; name=\"a\"", "1") + close(),       // not form-data
           part("Content-Disposition: form-data; filename=\"a\"", "1") + close(),    // no name
           part("Content-Disposition: form-data; name=\"a", "1") + close(),          // unterminated quote
           part("Content-Disposition: form-data; name=\"a\"\r\nContent-Transfer-Encoding: base64", "MQ==") + close(),
           part("Content-Disposition: form-data; name=\"a\"\r\nContent-Type: multipart/mixed; boundary=x", "") + close(),
           part("Content-Disposition: form-data; name=\"a\"; filename*=UTF-8''x.pdf", "") + close(),
           "--" + std::string(kBoundary) + "\r\nContent-Disposition: form-data; name=\"a\"\r\n1\r\n" + close(),
       }) {
    auto r = parse_multipart(body, kBoundary);
    ASSERT_FALSE(r) << body;
    EXPECT_EQ(r.error().code, "http.multipart_malformed") << body;
  }
}

TEST(Multipart, RefusesControlCharactersAndBadUtf8InNames) {
  for (const std::string& name : {std::string("a\x01.pdf"), std::string("a\x7f.pdf"), std::string("\xc0\xaf.pdf"),
                                  std::string("\xe4\xb8.pdf"), std::string("\xed\xa0\x80.pdf")}) {
    auto r = parse_multipart(
        part("Content-Disposition: form-data; name=\"file\"; filename=\"" + name + "\"", "x") + close(), kBoundary);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "http.multipart_bad_name");
  }
}

// A cheap stand-in for a fuzz target: mutations of a valid body (bytes flipped, cut, duplicated) never
// crash, and whatever parses is made of slices of the body within the limits.
TEST(Multipart, MutatedBodiesNeverCrashAndPartsStayWithinTheBody) {
  const std::string valid =
      part("Content-Disposition: form-data; name=\"csrf\"", "tok") +
      part("Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf",
           "%PDF-1.4 data") +
      close();
  std::uint32_t seed = 2463534242u;
  auto next = [&] {  // xorshift32: the same sequence on every run
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
  };
  MultipartLimits limits;
  limits.max_file_bytes = 64;
  limits.max_field_bytes = 16;
  for (int round = 0; round < 20000; ++round) {
    std::string body = valid;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const std::size_t at = next() % body.size();
      switch (next() % 4) {
        case 0: body[at] = static_cast<char>(next() & 0xFF); break;
        case 1: body.erase(at, 1 + next() % 8); break;
        case 2: body.insert(at, body.substr(at, 1 + next() % 16)); break;
        default: body.resize(at); break;
      }
    }
    auto parts = parse_multipart(body, kBoundary, limits);
    if (!parts) {
      EXPECT_TRUE(parts.error().code.starts_with("http.multipart_")) << parts.error().code;
      continue;
    }
    std::size_t files = 0;
    for (const auto& p : *parts) {
      EXPECT_NE(body.find(p.data), std::string::npos);
      EXPECT_LE(p.data.size(), p.filename ? limits.max_file_bytes : limits.max_field_bytes);
      files += p.filename ? 1 : 0;
    }
    EXPECT_LE(files, limits.max_files);
    EXPECT_LE(parts->size(), limits.max_parts);
  }
}

}  // namespace
}  // namespace sw::http
