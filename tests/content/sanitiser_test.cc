// The body sanitiser (issue 4; N7.3 防攻击): an XSS corpus of our own, each vector's output parsed again
// with gumbo and walked for anything executable, and sanitised again to show it is a fixed point;
// ordinary union articles come through unchanged; the limits give their error codes.
#include "content/sanitiser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <gumbo.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace sw::content {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct Vector {
  const char* name;
  const char* html;
};

// N7.3: script, event handlers, dangerous URLs, foreign content and mutation-XSS shapes.
const Vector kCorpus[] = {
    {"script lower", "<script>alert(1)</script>"},
    {"script upper", "<SCRIPT>alert(1)</SCRIPT>"},
    {"script mixed", "<ScRiPt src=//evil.com/x.js></sCrIpT>"},
    {"script unclosed", "<p>hi<script>alert(1)"},
    {"script nested split", "<scr<script>ipt>alert(1)</scr</script>ipt>"},
    {"script in attribute-less slash", "<script/x>alert(1)</script>"},
    {"img onerror", "<img src=x onerror=alert(1)>"},
    {"img slash onerror", "<img/src=x/onerror=alert(1)>"},
    {"img onerror newline", "<img src=x\nonerror\n=\nalert(1)>"},
    {"body onload", "<body onload=alert(1)>"},
    {"div onmouseover", "<div onmouseover=\"alert(1)\">x</div>"},
    {"ONCLICK upper", "<a ONCLICK=alert(1) href=/x>x</a>"},
    {"onclick on p", "<p onclick='alert(1)'>x</p>"},
    {"onfocus autofocus", "<span tabindex=1 autofocus onfocus=alert(1)>x</span>"},
    {"details ontoggle", "<details open ontoggle=alert(1)>"},
    {"video source onerror", "<video><source onerror=alert(1)></video>"},
    {"javascript href", "<a href=\"javascript:alert(1)\">x</a>"},
    {"javascript mixed case", "<a href=\"JaVaScRiPt:alert(1)\">x</a>"},
    {"javascript tab", "<a href=\"java\tscript:alert(1)\">x</a>"},
    {"javascript newline", "<a href=\"java\nscript:alert(1)\">x</a>"},
    {"javascript entity tab", "<a href=\"java&#x09;script:alert(1)\">x</a>"},
    {"javascript decimal entity", "<a href=\"&#106;avascript:alert(1)\">x</a>"},
    {"javascript hex entity", "<a href=\"&#x6A;avascript:alert(1)\">x</a>"},
    {"javascript padded entities", "<a href=\"&#0000106&#0000097&#0000118&#0000097script:alert(1)\">x</a>"},
    {"javascript leading space", "<a href=\" \x01 javascript:alert(1)\">x</a>"},
    {"javascript colon entity", "<a href=\"javascript&colon;alert(1)\">x</a>"},
    {"vbscript", "<a href=\"vbscript:msgbox(1)\">x</a>"},
    {"data html href", "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>"},
    {"data img svg", "<img src=\"data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=\">"},
    {"data img png default off", "<img src=\"data:image/png;base64,iVBORw0KGgo=\">"},
    {"javascript img src", "<img src=\"javascript:alert(1)\">"},
    {"backslash url", "<a href=\"\\\\evil.com\">x</a>"},
    {"svg script", "<svg><script>alert(1)</script></svg>"},
    {"svg onload", "<svg onload=alert(1)>"},
    {"svg animate href", "<svg><a><animate attributeName=href values=javascript:alert(1) /><text>x</text></a></svg>"},
    {"svg use xlink", "<svg><use xlink:href=\"data:image/svg+xml,<svg id='x'/>#x\"></use></svg>"},
    {"svg foreignObject", "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>"},
    {"math href", "<math><a xlink:href=\"javascript:alert(1)\">x</a></math>"},
    {"math mglyph style mxss",
     "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>"},
    {"math mtext style mxss", "<math><mtext><h1><a><style><img src=x onerror=alert(1)></style></a></h1></mtext></math>"},
    {"svg p breakout", "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">"},
    {"noscript title mxss", "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>"},
    {"style breakout", "<style></style><img src=x onerror=alert(1)></style>"},
    {"style attribute expression", "<p style=\"width:expression(alert(1))\">x</p>"},
    {"style url", "<p style=\"background:url(javascript:alert(1))\">x</p>"},
    {"style text-align escape", "<p style=\"text-align:center;background:url(x)\">x</p>"},
    {"comment img", "<!--<img src=x onerror=alert(1)>-->"},
    {"comment breakout", "<!--><img src=x onerror=alert(1)>-->"},
    {"conditional comment", "<!--[if IE]><script>alert(1)</script><![endif]-->"},
    {"cdata", "<![CDATA[<img src=x onerror=alert(1)>]]>"},
    {"bogus comment", "<? <img src=x onerror=alert(1)> ?>"},
    {"base href", "<base href=\"javascript:alert(1)//\">"},
    {"meta refresh", "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">"},
    {"link import", "<link rel=import href=//evil.com>"},
    {"form action", "<form action=\"javascript:alert(1)\"><input type=submit></form>"},
    {"button formaction", "<button formaction=\"javascript:alert(1)\">x</button>"},
    {"input onfocus", "<input onfocus=alert(1) autofocus>"},
    {"iframe src", "<iframe src=\"https://evil.com/\"></iframe>"},
    {"iframe srcdoc", "<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></iframe>"},
    {"iframe javascript", "<iframe src=\"javascript:alert(1)\"></iframe>"},
    {"object data", "<object data=\"javascript:alert(1)\"></object>"},
    {"embed src", "<embed src=\"javascript:alert(1)\">"},
    {"img srcset", "<img srcset=\"javascript:alert(1) 1x\" src=x.png>"},
    {"template", "<template><img src=x onerror=alert(1)></template>"},
    {"textarea breakout", "<textarea></textarea><img src=x onerror=alert(1)></textarea>"},
    {"title breakout", "<title></title><img src=x onerror=alert(1)>"},
    {"xmp breakout", "<xmp></xmp><img src=x onerror=alert(1)>"},
    {"attribute quote injection", "<img src=\"x\" alt='\" onerror=alert(1) x=\"'>"},
    {"attribute backtick", "<img src=`x` onerror=alert(1)>"},
    {"title attribute with markup", "<a href=/x title=\"&quot;><script>alert(1)</script>\">x</a>"},
    {"unknown element handler", "<x-foo onclick=alert(1)>x</x-foo>"},
    {"marquee", "<marquee onstart=alert(1)>x</marquee>"},
    {"table foster script", "<table><script>alert(1)</script><tr><td>x</td></tr></table>"},
    {"table foster img", "<table><img src=x onerror=alert(1)><tr><td>x</td></tr></table>"},
    {"select breakout", "<select><style><img src=x onerror=alert(1)></style></select>"},
    {"target window name", "<a href=/x target=\"_top\">x</a>"},
    {"plaintext", "<plaintext><img src=x onerror=alert(1)>"},
    {"nested anchor", "<a href=/a><div><a href=\"javascript:alert(1)\">x</a></div></a>"},
    {"heading in heading", "<h1><x-y><h2>x</h2></x-y></h1>"},
    {"pre newline", "<pre>\n\nline</pre>"},
    {"protocol relative iframe", "<iframe src=\"//www.example.org/v\"></iframe>"},
    {"mailto onerror", "<a href=\"mailto:a@b.cn\" onerror=alert(1)>x</a>"},
};

bool is_allowed_scheme(std::string_view url) {
  std::string probe;
  for (char c : url) {
    if (static_cast<unsigned char>(c) > 0x20) probe += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const std::size_t end = probe.find_first_of(":/?#");
  if (end == std::string::npos || probe[end] != ':') return true;  // relative
  const std::string scheme = probe.substr(0, end);
  return scheme == "http" || scheme == "https" || scheme == "mailto" || scheme == "tel";
}

// Walks a tree parsed from sanitised output: only default-allowlisted HTML elements, no event handlers,
// no URL with a scheme outside the allowed ones.
void expect_inert(const GumboNode& node, const std::string& where) {
  if (node.type != GUMBO_NODE_ELEMENT && node.type != GUMBO_NODE_TEMPLATE) {
    EXPECT_NE(node.type, GUMBO_NODE_COMMENT) << where;
    EXPECT_NE(node.type, GUMBO_NODE_CDATA) << where;
    return;
  }
  const GumboElement& element = node.v.element;
  const auto allowed = SanitiseOptions::default_elements();
  const std::string name = element.tag == GUMBO_TAG_UNKNOWN ? "?" : gumbo_normalized_tagname(element.tag);
  const bool root = element.tag == GUMBO_TAG_HTML;
  EXPECT_EQ(element.tag_namespace, GUMBO_NAMESPACE_HTML) << where;
  EXPECT_TRUE(root || (allowed.contains(name) && name != "iframe")) << where << ": element <" << name << ">";
  for (unsigned i = 0; i < element.attributes.length; ++i) {
    const auto& attribute = *static_cast<const GumboAttribute*>(element.attributes.data[i]);
    const std::string attribute_name = attribute.name;
    EXPECT_FALSE(attribute_name.starts_with("on")) << where << ": " << attribute_name;
    EXPECT_TRUE(root || allowed.at(name).contains(attribute_name) || attribute_name == "rel")
        << where << ": " << attribute_name << " on <" << name << ">";
    if (attribute_name == "href" || attribute_name == "src") {
      EXPECT_TRUE(is_allowed_scheme(attribute.value)) << where << ": " << attribute.value;
    }
    if (attribute_name == "style") {
      EXPECT_THAT(std::string(attribute.value), ::testing::StartsWith("text-align: ")) << where;
    }
  }
  for (unsigned i = 0; i < element.children.length; ++i) {
    expect_inert(*static_cast<const GumboNode*>(element.children.data[i]), where);
  }
}

void expect_inert_html(const std::string& html, const std::string& where) {
  GumboOptions options = kGumboDefaultOptions;
  options.fragment_context = GUMBO_TAG_DIV;
  options.fragment_namespace = GUMBO_NAMESPACE_HTML;
  GumboOutput* output = gumbo_parse_with_options(&options, html.data(), html.size());
  expect_inert(*output->root, where);
  gumbo_destroy_output(&options, output);
}

TEST(Sanitiser, CorpusHasAtLeastSixtyVectors) { EXPECT_GE(std::size(kCorpus), 60u); }

TEST(Sanitiser, NoVectorInTheCorpusLeavesAnythingExecutable) {
  for (const Vector& vector : kCorpus) {
    const auto result = sanitise_html(vector.html);
    ASSERT_TRUE(result.has_value()) << vector.name << ": " << result.error().to_string();
    expect_inert_html(result->html, vector.name);
    EXPECT_THAT(result->html, ::testing::Not(HasSubstr("<script"))) << vector.name << ": " << result->html;
  }
}

TEST(Sanitiser, EveryVectorIsAFixedPoint) {
  for (const Vector& vector : kCorpus) {
    const auto once = sanitise_html(vector.html);
    ASSERT_TRUE(once.has_value()) << vector.name;
    const auto twice = sanitise_html(once->html);
    ASSERT_TRUE(twice.has_value()) << vector.name;
    EXPECT_EQ(twice->html, once->html) << vector.name;
    EXPECT_THAT(twice->removed, IsEmpty()) << vector.name << ": " << once->html;
  }
}

TEST(Sanitiser, EveryVectorReportsWhatItRemoved) {
  for (const Vector& vector : kCorpus) {
    const std::string_view name = vector.name;
    // Inert as parsed: the payload is inside an attribute value or text ("x/onerror=..." is src), or
    // ignored by the parser (a <body> tag inside a body).
    if (name == "pre newline" || name == "img slash onerror" || name == "body onload" ||
        name == "attribute quote injection" || name == "title attribute with markup") {
      continue;
    }
    const auto result = sanitise_html(vector.html);
    ASSERT_TRUE(result.has_value());
    EXPECT_THAT(result->removed, ::testing::Not(IsEmpty())) << vector.name;
  }
}

TEST(Sanitiser, RemovedNamesTheElementAttributeAndUrl) {
  const auto result = sanitise_html(
      "<p>a</p><script>x</script><img src=a.png onclick=x()><a href=\"java\tscript:x\">b</a>"
      "<img src=b.png onclick=y()>");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->html, "<p>a</p><img src=\"a.png\"><a>b</a><img src=\"b.png\">");
  EXPECT_EQ(result->removed, (std::vector<std::string>{"<script> element", "onclick attribute on <img> (×2)",
                                                       "javascript: URL in <a href>"}));
}

TEST(Sanitiser, UnknownElementsAreUnwrappedAndTheirTextKept) {
  const auto result = sanitise_html("<center><font color=red>工会<b>新闻</b></font></center>");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->html, "工会<b>新闻</b>");
  EXPECT_THAT(result->removed, Contains("<font> tag (content kept)"));
}

TEST(Sanitiser, TextAndAttributesAreEscapedAndDoubleQuoted) {
  const auto result = sanitise_html("<p title='a \"b\" &lt;c&gt;'>1 &lt; 2 &amp; 'x' \"y\"</p>");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->html, "<p>1 &lt; 2 &amp; &#39;x&#39; &quot;y&quot;</p>");  // title is not allowed on p
  const auto link = sanitise_html("<a href=/x title='a \"b\" <c>'>x</a>");
  ASSERT_TRUE(link.has_value());
  EXPECT_EQ(link->html, "<a href=\"/x\" title=\"a &quot;b&quot; &lt;c&gt;\">x</a>");
}

TEST(Sanitiser, BlankTargetGetsNoopenerAndOtherTargetsAreDropped) {
  const auto result = sanitise_html("<a href=\"https://www.acftu.org/\" target=_blank rel=opener>全总</a>");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->html, "<a href=\"https://www.acftu.org/\" target=\"_blank\" rel=\"noopener noreferrer\">全总</a>");
}

TEST(Sanitiser, StyleKeepsOnlyTextAlign) {
  const auto result = sanitise_html("<p style=\"TEXT-ALIGN: Center; color: red\">标题</p><p style=\"color:red\">x</p>");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->html, "<p style=\"text-align: center\">标题</p><p>x</p>");
  EXPECT_THAT(result->removed, Contains("style other than text-align on <p>"));
  EXPECT_THAT(result->removed, Contains("style attribute on <p>"));
}

TEST(Sanitiser, ClassesOnlyFromTheAllowlist) {
  SanitiseOptions options;
  options.allowed_classes = {"lead"};
  const auto result = sanitise_html("<div class=\"lead evil\">x</div><span class=evil>y</span>", options);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->html, "<div class=\"lead\">x</div><span>y</span>");
}

TEST(Sanitiser, IframeOnlyFromAnAllowedHostOverHttpsAndAlwaysSandboxed) {
  SanitiseOptions options;
  options.allowed_iframe_hosts = {"player.example.cn"};
  const auto result = sanitise_html(
      "<iframe src=\"https://player.example.cn/v/1\" sandbox=\"allow-top-navigation\" width=640 onload=x()>"
      "</iframe><iframe src=\"http://player.example.cn/v/1\"></iframe>"
      "<iframe src=\"//player.example.cn/v/1\"></iframe><iframe src=\"https://player.example.cn.evil.com/\">"
      "</iframe><iframe srcdoc=\"x\" src=\"https://player.example.cn/\"></iframe>",
      options);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->html,
            "<iframe src=\"https://player.example.cn/v/1\" width=\"640\" "
            "sandbox=\"allow-scripts allow-same-origin allow-presentation\"></iframe>"
            "<iframe src=\"https://player.example.cn/\" sandbox=\"allow-scripts allow-same-origin "
            "allow-presentation\"></iframe>");
  EXPECT_THAT(result->removed, Contains("srcdoc attribute on <iframe>"));
  EXPECT_THAT(result->removed, Contains("<iframe> element (host player.example.cn.evil.com not allowed)"));
  const auto again = sanitise_html(result->html, options);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->html, result->html);
}

TEST(Sanitiser, DataImagesOnlyWhenAllowedAndOnlyRasterBase64) {
  SanitiseOptions options;
  options.allow_data_images = true;
  const auto result = sanitise_html(
      "<img src=\"data:image/png;base64,iVBORw0KGgo=\"><img src=\"data:image/svg+xml;base64,PHN2Zz4=\">"
      "<a href=\"data:image/png;base64,iVBORw0KGgo=\">x</a>",
      options);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->html, "<img src=\"data:image/png;base64,iVBORw0KGgo=\"><img><a>x</a>");
}

TEST(Sanitiser, ImagesFromMediaOnlyWhenAsked) {
  SanitiseOptions options;
  options.images_from_media_only = true;
  const auto result = sanitise_html(
      "<img src=\"/media/0123456789abcdef0123456789abcdef\"><img src=\"https://cdn.example.com/a.png\">"
      "<img src=\"/media/../etc/passwd\">",
      options);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->html, "<img src=\"/media/0123456789abcdef0123456789abcdef\"><img><img>");
  EXPECT_THAT(result->removed, Contains("image not from our media store in <img src> (×2)"));
}

// An ordinary article from a union site: it must come through as written, quoting normalised.
TEST(Sanitiser, OrdinaryUnionArticleIsUnchanged) {
  const std::string article =
      "<h1 style=\"text-align: center\">省总工会召开第十二届委员会第三次全体会议</h1>"
      "<p>12月3日，省总工会在省会召开全体会议。<strong>会议强调</strong>，要<em>坚持</em>以职工为中心。</p>"
      "<h2>一、主要工作</h2><ol start=\"2\"><li>帮扶困难职工<sup>1</sup></li><li>开展劳动竞赛</li></ol>"
      "<ul><li>送温暖</li><li>金秋助学</li></ul>"
      "<table><thead><tr><th colspan=\"2\">项目</th></tr></thead><tbody><tr><td>帮扶人数</td>"
      "<td rowspan=\"1\">1,200</td></tr></tbody></table>"
      "<figure><img src=\"/media/0123456789abcdef0123456789abcdef\" alt=\"会议现场\" width=\"600\" height=\"400\">"
      "<figcaption>会议现场</figcaption></figure>"
      "<blockquote><p>工会是职工之家。</p></blockquote><hr>"
      "<p>联系电话：<a href=\"tel:+86-10-12345678\">010-12345678</a>，邮箱 "
      "<a href=\"mailto:office@example.org.cn\" title=\"办公室\">office@example.org.cn</a>，"
      "<a href=\"https://www.acftu.org/\" target=\"_blank\" rel=\"noopener noreferrer\">中华全国总工会</a>"
      "<br>H<sub>2</sub>O &amp; <u>下划线</u> <s>删除</s> <i>斜体</i> <b>粗体</b></p>"
      "<pre><code>第一行\n第二行</code></pre><div><span>（完）</span></div>";
  const auto result = sanitise_html(article);
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->html, article);
  EXPECT_THAT(result->removed, IsEmpty());
}

TEST(Sanitiser, UnquotedAndSingleQuotedAttributesAreDoubleQuoted) {
  const auto result = sanitise_html("<td colspan=2>x</td><table><tr><td colspan=2 rowspan='3'>x</td></tr></table>");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->html, "x<table><tbody><tr><td colspan=\"2\" rowspan=\"3\">x</td></tr></tbody></table>");
}

TEST(Sanitiser, PreKeepsALeadingNewlineAcrossRounds) {
  const auto result = sanitise_html("<pre>\n\nx</pre>");
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->html, "<pre>\n\nx</pre>");
}

TEST(Sanitiser, InputOverTwoMebibytesIsTooLarge) {
  const std::string html(kMaxBodyBytes + 1, 'a');
  const auto result = sanitise_html(html);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, "content.too_large");
}

TEST(Sanitiser, TooManyTagsIsTooLarge) {
  std::string html;
  for (std::size_t i = 0; i <= kMaxBodyTags; ++i) html += "<br>";
  const auto result = sanitise_html(html);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, "content.too_large");
}

TEST(Sanitiser, DeepNestingIsRefusedBeforeParsing) {
  std::string html;
  for (int i = 0; i < 100000; ++i) html += "<div>";  // gumbo would take minutes on this
  const auto result = sanitise_html(html);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, "content.too_deep");
}

TEST(Sanitiser, ReopenedFormattingCountsTowardsTheDepth) {
  std::string html;
  for (int i = 0; i < 20000; ++i) html += "<b><i>x</b>";  // the parser reopens i every time
  const auto result = sanitise_html(html);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, "content.too_deep");
}

TEST(Sanitiser, NestedTablesCountTowardsTheDepth) {
  std::string html;
  for (int i = 0; i < 20000; ++i) html += "<table><tr><td>";  // a row of an inner table closes no outer row
  const auto result = sanitise_html(html);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, "content.too_deep");
}

TEST(Sanitiser, SloppyButShallowMarkupIsAccepted) {
  std::string html;
  for (int i = 0; i < 2000; ++i) html += "<p><font color=red>段落<ul><li>项<li>项</ul>";  // p never closed
  html += "<table>";
  for (int i = 0; i < 2000; ++i) html += "<tr><td>格<td>格";  // rows and cells never closed
  html += "</table>";
  const auto result = sanitise_html(html);
  ASSERT_TRUE(result.has_value()) << result.error().to_string();
}

TEST(Sanitiser, NestingJustUnderTheLimitIsAccepted) {
  std::string html;
  for (std::size_t i = 0; i < kMaxBodyNesting - 1; ++i) html += "<div>";
  html += "x";
  const auto result = sanitise_html(html);
  ASSERT_TRUE(result.has_value()) << result.error().to_string();
}

}  // namespace
}  // namespace sw::content
