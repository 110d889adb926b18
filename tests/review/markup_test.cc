// Tests for plain text decoding and HTML extraction (src/review/encoding.cc, html.cc): the scanner
// must read what staff wrote whatever the encoding (N3.2) and everything a page shows or hides from a
// reader (N3.2, N3.4, N4.6). Fixtures are made here: encoded bytes with iconv, pages as strings.
#include <gtest/gtest.h>
#include <iconv.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "review/extract.h"

namespace sw::review {
namespace {

constexpr std::size_t kNpos = static_cast<std::size_t>(-1);

// Prose long enough for an encoding detector, with a secret marking in it.
const std::string kProse =
    "关于召开全省工会工作会议的通知。各市总工会、各产业工会：经研究，定于下月召开全省工会工作会议，"
    "请各单位按时参加。本文件属机密，不得外传，会后收回。会议地点在省总工会大楼三楼会议室，请提前十分钟到场签到。";
const std::string kTraditionalProse =
    "關於召開全省工會工作會議的通知。各市總工會、各產業工會：經研究，定於下月召開全省工會工作會議，"
    "請各單位按時參加。本文件屬機密，不得外傳，會後收回。會議地點在省總工會大樓三樓會議室，請提前十分鐘到場簽到。";

// `utf8` encoded in `encoding` by iconv, as an editor would have saved it.
std::string encode(const std::string& utf8, const char* encoding) {
  iconv_t cd = iconv_open(encoding, "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("iconv_open");
  std::string out(utf8.size() * 4 + 8, '\0');
  char* in = const_cast<char*>(utf8.data());
  std::size_t in_left = utf8.size();
  char* dest = out.data();
  std::size_t out_left = out.size();
  const std::size_t rc = iconv(cd, &in, &in_left, &dest, &out_left);
  iconv_close(cd);
  if (rc == static_cast<std::size_t>(-1)) throw std::runtime_error("iconv");
  out.resize(out.size() - out_left);
  return out;
}

struct Decoded {
  Result<std::string> text;
  std::string encoding;
};

Decoded decode(const std::string& bytes) {
  Decoded decoded{std::string(), std::string()};
  decoded.text = decode_text(bytes, &decoded.encoding);
  return decoded;
}

// ---- plain text: N3.2 — text in any Chinese encoding is read ----

TEST(DecodeText, Utf8IsReturnedAsItIs) {
  const auto decoded = decode(kProse);
  ASSERT_TRUE(decoded.text) << decoded.text.error().to_string();
  EXPECT_EQ(*decoded.text, kProse);
  EXPECT_EQ(decoded.encoding, "UTF-8");
  EXPECT_EQ(verbatim_start(kProse, decoded.encoding), 0u);
}

TEST(DecodeText, Utf8ByteOrderMarkIsDroppedAndOffsetsStartAfterIt) {
  const std::string bytes = "\xEF\xBB\xBF" + kProse;
  const auto decoded = decode(bytes);
  ASSERT_TRUE(decoded.text) << decoded.text.error().to_string();
  EXPECT_EQ(*decoded.text, kProse);
  EXPECT_EQ(decoded.encoding, "UTF-8");
  auto segments = text_segments("a.txt", *decoded.text);
  rebase_source_offsets(segments, verbatim_start(bytes, decoded.encoding));
  ASSERT_EQ(segments.size(), 1u);
  EXPECT_EQ(segments[0].part, "text");
  EXPECT_EQ(segments[0].source_offset, 3u);
  EXPECT_EQ(bytes.substr(segments[0].source_offset), segments[0].text);
}

TEST(DecodeText, GbkFileIsReadAsGb18030) {
  const auto decoded = decode(encode(kProse, "GBK"));
  ASSERT_TRUE(decoded.text) << decoded.text.error().to_string();
  EXPECT_EQ(decoded.encoding, "GB18030");
  EXPECT_EQ(*decoded.text, kProse);
  EXPECT_NE(decoded.text->find("机密"), std::string::npos);
}

TEST(DecodeText, Gb18030FourByteCharactersAreRead) {
  const std::string text = kProse + "生僻字𠀀与欧元€。";  // U+20000 and € need GB18030's four-byte form
  const auto decoded = decode(encode(text, "GB18030"));
  ASSERT_TRUE(decoded.text) << decoded.text.error().to_string();
  EXPECT_EQ(decoded.encoding, "GB18030");
  EXPECT_EQ(*decoded.text, text);
}

TEST(DecodeText, ShortGbkTextUchardetCannotJudgeIsStillReadAsGb18030) {
  const auto decoded = decode(encode("机密文件", "GBK"));
  ASSERT_TRUE(decoded.text) << decoded.text.error().to_string();
  EXPECT_EQ(decoded.encoding, "GB18030");
  EXPECT_EQ(*decoded.text, "机密文件");
}

TEST(DecodeText, Big5TraditionalTextIsRead) {
  const auto decoded = decode(encode(kTraditionalProse, "BIG5"));
  ASSERT_TRUE(decoded.text) << decoded.text.error().to_string();
  EXPECT_EQ(decoded.encoding, "BIG5");
  EXPECT_EQ(*decoded.text, kTraditionalProse);
  EXPECT_EQ(verbatim_start("", decoded.encoding), kNpos);
}

TEST(DecodeText, Utf16WithByteOrderMarks) {
  for (const auto& [bom, encoding] : std::vector<std::pair<std::string, std::string>>{
           {"\xFF\xFE", "UTF-16LE"}, {"\xFE\xFF", "UTF-16BE"}}) {
    const auto decoded = decode(bom + encode(kProse, encoding.c_str()));
    ASSERT_TRUE(decoded.text) << encoding << ": " << decoded.text.error().to_string();
    EXPECT_EQ(decoded.encoding, encoding);
    EXPECT_EQ(*decoded.text, kProse);
  }
}

TEST(DecodeText, Utf16WithoutByteOrderMarkIsRecognisedByItsZeroBytes) {
  const std::string text = "2024年第3期 工会简报\n" + kProse + "\n联系电话 0571-1234567\n";
  for (const std::string encoding : {"UTF-16LE", "UTF-16BE"}) {
    const auto decoded = decode(encode(text, encoding.c_str()));
    ASSERT_TRUE(decoded.text) << encoding << ": " << decoded.text.error().to_string();
    EXPECT_EQ(decoded.encoding, encoding);
    EXPECT_EQ(*decoded.text, text);
  }
}

TEST(DecodeText, BinaryDataIsAnErrorNotJunkText) {
  std::string noise;
  unsigned state = 12345;
  for (int i = 0; i < 4096; ++i) {
    state = state * 1103515245u + 12345u;
    noise += static_cast<char>(state >> 24);
  }
  const auto decoded = decode(noise);
  ASSERT_FALSE(decoded.text);
  EXPECT_EQ(decoded.text.error().code, "review.encoding");
  EXPECT_NE(decoded.text.error().message.find("binary"), std::string::npos) << decoded.text.error().message;
}

TEST(DecodeText, NulByteInTextIsNamedWithItsOffset) {
  const auto decoded = decode(std::string("plain text\0more", 15));
  ASSERT_FALSE(decoded.text);
  EXPECT_EQ(decoded.text.error().code, "review.encoding");
  EXPECT_NE(decoded.text.error().message.find("offset 10"), std::string::npos) << decoded.text.error().message;
}

TEST(DecodeText, InvalidUtf8AfterBomNamesTheOffsetAndEncoding) {
  const auto decoded = decode("\xEF\xBB\xBF" "abc\xC3\x28" "def");
  ASSERT_FALSE(decoded.text);
  EXPECT_EQ(decoded.text.error().code, "review.encoding");
  EXPECT_NE(decoded.text.error().message.find("UTF-8"), std::string::npos) << decoded.text.error().message;
  EXPECT_NE(decoded.text.error().message.find("offset 6"), std::string::npos) << decoded.text.error().message;
}

TEST(DecodeText, UndecodableLegacyBytesNameTheOffsetAndEncoding) {
  // A GBK text cut in the middle of its last character.
  std::string bytes = encode(kProse, "GBK");
  bytes.pop_back();
  const auto decoded = decode(bytes);
  ASSERT_FALSE(decoded.text);
  EXPECT_EQ(decoded.text.error().code, "review.encoding");
  EXPECT_NE(decoded.text.error().message.find("GB18030"), std::string::npos) << decoded.text.error().message;
  EXPECT_NE(decoded.text.error().message.find(std::to_string(bytes.size() - 1)), std::string::npos)
      << decoded.text.error().message;
}

TEST(DecodeText, Utf16WithUnpairedSurrogateIsAnError) {
  const std::string bytes = "\xFF\xFE" + encode("机密", "UTF-16LE") + std::string("\x00\xD8\x41\x00", 4);
  const auto decoded = decode(bytes);
  ASSERT_FALSE(decoded.text);
  EXPECT_EQ(decoded.text.error().code, "review.encoding");
  EXPECT_NE(decoded.text.error().message.find("UTF-16LE"), std::string::npos) << decoded.text.error().message;
}

}  // namespace
}  // namespace sw::review
