// Tests for plain text decoding and HTML extraction (src/review/encoding.cc, html.cc): the scanner
// must read what staff wrote whatever the encoding (N3.2) and everything a page shows or hides from a
// reader (N3.2, N3.4, N4.6). Fixtures are made here: encoded bytes with iconv, pages as strings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <iconv.h>

#include <algorithm>
#include <iterator>
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
    "请各单位按时参加。本文件属机密，不得外传，会后收回。会议地点在省总工会大楼三楼会议室，请提前十分钟到场签"
    "到。";
const std::string kTraditionalProse =
    "關於召開全省工會工作會議的通知。各市總工會、各產業工會：經研究，定於下月召開全省工會工作會議，"
    "請各單位按時參加。本文件屬機密，不得外傳，會後收回。會議地點在省總工會大樓三樓會議室，請提前十分鐘到場簽"
    "到。";

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
  for (const auto& [bom, encoding] :
       std::vector<std::pair<std::string, std::string>>{{"\xFF\xFE", "UTF-16LE"}, {"\xFE\xFF", "UTF-16BE"}}) {
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
  EXPECT_NE(decoded.text.error().message.find("offset 10"), std::string::npos)
      << decoded.text.error().message;
}

TEST(DecodeText, InvalidUtf8AfterBomNamesTheOffsetAndEncoding) {
  const auto decoded = decode(
      "\xEF\xBB\xBF"
      "abc\xC3\x28"
      "def");
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

// ---- HTML ----

Result<std::vector<Segment>> extract(std::string_view html, const ExtractLimits& limits = {}) {
  ExtractBudget budget;
  return extract_html("page.html", html, limits, budget);
}

std::vector<Segment> extract_ok(std::string_view html) {
  auto segments = extract(html);
  EXPECT_TRUE(segments) << segments.error().to_string();
  return segments ? *segments : std::vector<Segment>{};
}

std::vector<Segment> in_part(const std::vector<Segment>& segments, std::string_view part) {
  std::vector<Segment> found;
  std::copy_if(segments.begin(), segments.end(), std::back_inserter(found),
               [&](const Segment& segment) { return segment.part == part; });
  return found;
}

std::vector<std::string> texts(const std::vector<Segment>& segments) {
  std::vector<std::string> out;
  for (const auto& segment : segments) out.push_back(segment.text);
  return out;
}

// The one segment of `part` whose text contains `needle`; fails the test if there is not exactly one.
Segment only(const std::vector<Segment>& segments, std::string_view part, std::string_view needle) {
  std::vector<Segment> found;
  for (const auto& segment : in_part(segments, part)) {
    if (segment.text.find(needle) != std::string::npos) found.push_back(segment);
  }
  EXPECT_EQ(found.size(), 1u) << part << " containing " << needle;
  return found.empty() ? Segment{} : found.front();
}

using ::testing::ElementsAre;

TEST(ExtractHtml, VisibleTextIsOneSegmentPerBlockWithItsLine) {
  const std::string html =
      "<html><body>\n"
      "<h1>工会简报</h1>\n"
      "<p>本期内容：<b>机</b>密文件   管理\n  办法</p>\n"
      "<ul><li>第一条</li><li>第二条</li></ul>\n"
      "</body></html>";
  const auto body = in_part(extract_ok(html), "html:body");
  // N3.2: inline markup does not split a word (机<b>密</b> reads 机密), blocks never join.
  EXPECT_THAT(texts(body), ElementsAre("工会简报", "本期内容：机密文件 管理 办法", "第一条", "第二条"));
  EXPECT_EQ(body[0].locator, "line 2");
  EXPECT_EQ(body[1].locator, "line 3");
  EXPECT_FALSE(body[1].hidden);
}

TEST(ExtractHtml, TableCellsAreNeverJoined) {
  const auto body =
      in_part(extract_ok("<table><tr><td>机</td><td>密</td></tr><tr><th>秘</th><td>密</td></tr></table>"),
              "html:body");
  EXPECT_THAT(texts(body), ElementsAre("机", "密", "秘", "密"));
}

TEST(ExtractHtml, LineBreakIsANewLineInTheSameBlock) {
  const auto body = in_part(extract_ok("<p>第一行<br>第二行</p>"), "html:body");
  EXPECT_THAT(texts(body), ElementsAre("第一行\n第二行"));
}

TEST(ExtractHtml, EntitiesAreDecodedAndTheOffsetIsThenUnknown) {
  const auto body = in_part(extract_ok("<p>A&amp;B &#x673A;&#23494;</p>"), "html:body");
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0].text, "A&B 机密");
  EXPECT_EQ(body[0].source_offset, kNpos);
}

TEST(ExtractHtml, SourceOffsetPointsAtTheTextInThePage) {
  const std::string html =
      "<html><head><title>通知</title></head><body><div>\n   本文件属机密  </div>"
      "<img alt=\"机密照片\" src=a.png><!-- 内部备注 --></body></html>";
  const auto segments = extract_ok(html);
  for (const auto& [part, needle] :
       std::vector<std::pair<std::string, std::string>>{{"html:body", "本文件属机密"},
                                                        {"html:title", "通知"},
                                                        {"html:alt", "机密照片"},
                                                        {"html:comment", "内部备注"}}) {
    const Segment segment = only(segments, part, needle);
    ASSERT_NE(segment.source_offset, kNpos) << part;
    EXPECT_EQ(html.substr(segment.source_offset, segment.text.size()), segment.text) << part;
  }
}

TEST(ExtractHtml, SourceOffsetIsUnknownWhenInlineMarkupJoinsText) {
  const auto body = in_part(extract_ok("<p>机<b>密</b></p>"), "html:body");
  ASSERT_EQ(body.size(), 1u);
  EXPECT_EQ(body[0].source_offset, kNpos);
}

TEST(ExtractHtml, TitleIsItsOwnPart) {
  const auto segments =
      extract_ok("<html><head>\n<title>关于 机密 文件</title></head><body>正文</body></html>");
  const Segment title = only(segments, "html:title", "机密");
  EXPECT_EQ(title.text, "关于 机密 文件");
  EXPECT_EQ(title.locator, "line 2");
  EXPECT_FALSE(title.hidden);
  EXPECT_TRUE(in_part(segments, "html:body").size() == 1u);
}

TEST(ExtractHtml, AltAndTitleAttributesAreHiddenTextWithTheirElement) {
  const auto segments = extract_ok(
      "<p>正文</p>\n\n<img src=\"a.png\" alt=\"绝密地图\">\n"
      "<a href=\"/x\" title=\"内部资料\">链接</a>");
  const Segment alt = only(segments, "html:alt", "绝密地图");
  EXPECT_TRUE(alt.hidden);
  EXPECT_EQ(alt.locator, "<img src=a.png> line 3");
  const Segment title = only(segments, "html:title-attr", "内部资料");
  EXPECT_TRUE(title.hidden);
  EXPECT_EQ(title.locator, "<a href=/x> line 4");
}

TEST(ExtractHtml, MetaContentIsReportedUnderItsName) {
  const auto segments = extract_ok(
      "<html><head><meta charset=utf-8>\n<meta name=\"description\" content=\"机密会议纪要\">"
      "<meta name=keywords content=\"工会,内部\"><meta property=\"og:title\" "
      "content=\"秘密★\"></head></html>");
  const auto metas = in_part(segments, "html:meta");
  ASSERT_EQ(metas.size(), 3u);
  EXPECT_EQ(metas[0].locator, "description");
  EXPECT_EQ(metas[0].text, "机密会议纪要");
  EXPECT_EQ(metas[1].locator, "keywords");
  EXPECT_EQ(metas[2].locator, "og:title");
  for (const auto& meta : metas) EXPECT_TRUE(meta.hidden);
}

TEST(ExtractHtml, CommentsAreHiddenTextWithTheirLine) {
  const Segment comment =
      only(extract_ok("<p>正文</p>\n<!--  此段内部讨论，勿公开  -->"), "html:comment", "内部");
  EXPECT_EQ(comment.text, "此段内部讨论，勿公开");
  EXPECT_EQ(comment.locator, "line 2");
  EXPECT_TRUE(comment.hidden);
}

// Found by review_html_fuzz: a bogus comment shorter than "<!--" must not throw (make fuzz).
TEST(ExtractHtml, BogusCommentsAreHiddenTextAndNeverVerbatim) {
  for (std::string_view page : {"<!<", "<!x>", "<?php 机密 ?>", "<!>"}) {
    ExtractBudget budget;
    auto segments = extract_html("bogus.html", page, ExtractLimits{}, budget);
    ASSERT_TRUE(segments) << page;
    for (const auto& s : *segments) EXPECT_EQ(s.source_offset, static_cast<std::size_t>(-1)) << page;
  }
  const Segment php = only(extract_ok("<p>正文</p><?php 机密 ?>"), "html:comment", "机密");
  EXPECT_TRUE(php.hidden);
}

TEST(ExtractHtml, HiddenElementsAreReportedWithWhatHidesThem) {
  const auto segments = extract_ok(
      "<body><p>公开内容</p>\n"
      "<div hidden>隐藏一</div>\n"
      "<span style=\"color:red; DISPLAY : none !important\">隐藏二</span>\n"
      "<p style=\"visibility:hidden\">隐藏三</p>\n"
      "<p style=\"font-size:0px\">隐藏四</p>\n"
      "<div aria-hidden=\"true\">隐藏五</div>\n"
      "<p style=\"font-size:0.5em\">可见</p></body>");
  EXPECT_EQ(only(segments, "html:hidden", "隐藏一").locator, "<div hidden> line 2");
  EXPECT_EQ(only(segments, "html:hidden", "隐藏二").locator, "<span style=display:none> line 3");
  EXPECT_EQ(only(segments, "html:hidden", "隐藏三").locator, "<p style=visibility:hidden> line 4");
  EXPECT_EQ(only(segments, "html:hidden", "隐藏四").locator, "<p style=font-size:0px> line 5");
  EXPECT_EQ(only(segments, "html:hidden", "隐藏五").locator, "<div aria-hidden=true> line 6");
  for (const auto& segment : in_part(segments, "html:hidden")) EXPECT_TRUE(segment.hidden);
  EXPECT_THAT(texts(in_part(segments, "html:body")), ElementsAre("公开内容", "可见"));
}

TEST(ExtractHtml, HiddenInlineTextDoesNotSplitTheVisibleWord) {
  // What a reader sees is 机密; the hidden x is reported on its own.
  const auto segments = extract_ok("<p>机<span style=\"display:none\">x</span>密</p>");
  EXPECT_THAT(texts(in_part(segments, "html:body")), ElementsAre("机密"));
  EXPECT_THAT(texts(in_part(segments, "html:hidden")), ElementsAre("x"));
}

TEST(ExtractHtml, HiddenInputValueNoscriptAndTemplateAreHidden) {
  const auto segments = extract_ok(
      "<body><form>\n<input type=\"hidden\" name=\"note\" value=\"内部编号 机密-3\">\n<input name=q "
      "value=\"\"></form>\n"
      "<noscript>请启用脚本 秘密</noscript>\n<template><p>模板 机密</p></template></body>");
  const Segment input = only(segments, "html:hidden", "机密-3");
  EXPECT_EQ(input.locator, "<input type=hidden name=note> line 2");
  EXPECT_EQ(only(segments, "html:hidden", "请启用脚本").locator, "<noscript> line 4");
  EXPECT_EQ(only(segments, "html:hidden", "模板").locator, "<template> line 5");
  EXPECT_TRUE(in_part(segments, "html:body").empty());
}

TEST(ExtractHtml, ScriptAndStyleAreNotText) {
  const auto segments = extract_ok(
      "<head><style>.a:after{content:'机密'}</style><script>var s = '<p>绝密</p>';</script></head>"
      "<body><p>正文</p><script>document.write('秘密')</script></body>");
  for (const auto& segment : segments) {
    EXPECT_EQ(segment.text.find("密"), std::string::npos) << segment.part << ": " << segment.text;
  }
  EXPECT_THAT(texts(in_part(segments, "html:body")), ElementsAre("正文"));
}

TEST(ExtractHtml, MalformedHtmlIsStillExtracted) {
  const auto segments =
      extract_ok("<div><p>第一段<p>第二段 <b>机密<td>单元 <img alt=图片 src=x.png <i>未闭合");
  const auto body = texts(in_part(segments, "html:body"));
  EXPECT_NE(std::find(body.begin(), body.end(), "第一段"), body.end());
  EXPECT_NE(std::find_if(body.begin(), body.end(),
                         [](const std::string& text) { return text.find("机密") != std::string::npos; }),
            body.end());
}

TEST(ExtractHtml, TextOverMaxTextBytesIsALimitError) {
  ExtractLimits limits;
  limits.max_text_bytes = 1000;
  std::string html = "<body>";
  for (int i = 0; i < 100; ++i) html += "<p>第" + std::to_string(i) + "段正文内容</p>";
  const auto segments = extract(html, limits);
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, "review.limit");
  EXPECT_NE(segments.error().message.find("max_text_bytes"), std::string::npos) << segments.error().message;
  EXPECT_NE(segments.error().message.find("page.html"), std::string::npos) << segments.error().message;
}

TEST(ExtractHtml, TextIsChargedToTheBudget) {
  ExtractBudget budget;
  budget.text = 100;
  const auto segments = extract_html("page.html", "<p>机密</p>", {}, budget);
  ASSERT_TRUE(segments);
  EXPECT_EQ(budget.text, 106u);
}

TEST(ExtractHtml, PathologicalNestingIsALimitErrorNotACrash) {
  std::string html;
  for (int i = 0; i < 100000; ++i) html += "<div>";
  html += "机密";
  const auto segments = extract(html);
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, "review.limit");
  EXPECT_NE(segments.error().message.find("kMaxHtmlNesting"), std::string::npos) << segments.error().message;
}

TEST(ExtractHtml, MisnestedFormattingThatGumboNestsEverDeeperIsALimitError) {
  // "<b><i>x</b>" leaves a reopened i open each time: gumbo's tree gets one level deeper per repeat.
  std::string html;
  for (int i = 0; i < 100000; ++i) html += "<b><i>x</b>";
  const auto segments = extract(html);
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, "review.limit");
}

TEST(ExtractHtml, UnclosedFormattingInsideParagraphsIsNotNesting) {
  std::string html;
  for (int i = 0; i < 2000; ++i) html += "<p><font color=red>第" + std::to_string(i) + "段</p>";
  const auto segments = extract(html);
  ASSERT_TRUE(segments) << segments.error().to_string();
  EXPECT_EQ(in_part(*segments, "html:body").size(), 2000u);
}

TEST(ExtractHtml, NestingJustUnderTheLimitIsExtracted) {
  std::string html;
  for (std::size_t i = 0; i + 1 < kMaxHtmlNesting; ++i) html += "<span>";
  html += "机密";
  const auto segments = extract_ok(html);
  EXPECT_THAT(texts(in_part(segments, "html:body")), ElementsAre("机密"));
}

TEST(ExtractHtml, ClosedElementsAndSelfClosingOnesDoNotCountAsNesting) {
  std::string html = "<ul>";
  for (int i = 0; i < 5000; ++i) html += "<li>条目<div>内容</div><p>段落<br><img src=a.png>";
  const auto segments = extract(html);
  ASSERT_TRUE(segments) << segments.error().to_string();
}

TEST(ExtractHtml, TooMuchMarkupIsALimitError) {
  std::string html;
  html.reserve((kMaxHtmlMarkup + 1) * 4);
  for (std::size_t i = 0; i <= kMaxHtmlMarkup; ++i) html += "<br>";
  const auto segments = extract(html);
  ASSERT_FALSE(segments);
  EXPECT_EQ(segments.error().code, "review.limit");
  EXPECT_NE(segments.error().message.find("kMaxHtmlMarkup"), std::string::npos) << segments.error().message;
}

// ---- decoding HTML ----

TEST(DecodeHtml, MetaCharsetGbkPageIsDecoded) {
  const std::string page =
      "<html><head><meta charset=\"gbk\"><title>通知</title></head><body><p>本文件属机密</p></body></html>";
  std::string encoding;
  const auto decoded = decode_html(encode(page, "GBK"), &encoding);
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  EXPECT_EQ(encoding, "GB18030");
  EXPECT_EQ(*decoded, page);
}

TEST(DecodeHtml, HttpEquivContentTypeCharsetIsHonoured) {
  const std::string page =
      "<html><head><!-- <meta charset=big5> -->\n<meta http-equiv=\"Content-Type\" "
      "content=\"text/html; charset=gb2312\"></head><body>机密</body></html>";
  std::string encoding;
  const auto decoded = decode_html(encode(page, "GB2312"), &encoding);
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  EXPECT_EQ(encoding, "GB18030");
  EXPECT_EQ(*decoded, page);
}

TEST(DecodeHtml, Big5DeclaredPageIsDecoded) {
  const std::string page = "<meta charset=big5><p>機密</p>";
  std::string encoding;
  const auto decoded = decode_html(encode(page, "BIG5"), &encoding);
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  EXPECT_EQ(encoding, "BIG5");
  EXPECT_EQ(*decoded, page);
}

TEST(DecodeHtml, Utf8PageDeclaredGbkIsReadAsUtf8) {
  // Often seen after a site was converted to UTF-8 and its templates were not.
  const std::string page = "<meta charset=gbk><p>" + kProse + "</p>";
  std::string encoding;
  const auto decoded = decode_html(page, &encoding);
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  EXPECT_EQ(encoding, "UTF-8");
  EXPECT_EQ(*decoded, page);
}

TEST(DecodeHtml, PageWithoutDeclarationIsSniffed) {
  const std::string page = "<p>" + kProse + "</p>";
  std::string encoding;
  const auto decoded = decode_html(encode(page, "GBK"), &encoding);
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  EXPECT_EQ(encoding, "GB18030");
  EXPECT_EQ(*decoded, page);
}

}  // namespace
}  // namespace sw::review
