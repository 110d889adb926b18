// The scanner's one-pass HTML reader against gumbo (src/review/html.cc, N3.2): the reader is only a
// shortcut, so every page it takes must give exactly the segments gumbo's tree gives — text, parts,
// locators, hidden flags and source offsets — and every page whose tree is not its source order must
// be left to gumbo. Checked on realistic pages (what the publisher renders) and on thousands of pages
// mutated with the markup that trips HTML parsers: implied end tags, tables, entities, CRs, comments.
#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "review/extract.h"

namespace sw::review {
namespace {

// A page as the publisher's default theme renders an article (the head, the site's header and
// column navigation, the article, the identity footer).
const std::string kArticlePage = R"(<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data:; style-src 'self'">
<meta name="referrer" content="strict-origin-when-cross-origin">
<title>工会工作动态（第5569期） - 江苏工会网</title>
<link rel="stylesheet" href="/assets/site.css">
<link rel="alternate" type="application/atom+xml" title="江苏工会网" href="/feed.xml">
</head>
<body>
<header class="site-head">
<a class="brand" href="/">
<img class="emblem" src="/assets/emblem.svg" alt="中华全国总工会会徽" width="48" height="48">

<span class="site-name">江苏工会网</span>
</a>
<nav class="columns" aria-label="栏目导航">
<a href="/">首页</a>
<a href="/columns/1/">工会要闻</a>
<a href="/columns/2/">通知公告</a>
</nav>
</header>
<main class="page">
<nav class="crumbs"><a href="/">首页</a> › <a href="/columns/2/">通知公告</a></nav>
<article class="article">
<h1>工会工作动态（第5569期）</h1>
<p class="meta"><time datetime="2025-02-21">2025年2月21日</time> <span>作者：记者 王明</span> <span>来源：江苏工会网</span></p>
<p class="summary">本期报道全省工会系统近期重点工作。</p>
<div class="article-body">
<p>职工书屋建设稳步推进，全年新建示范点二十个。<strong>市总工会</strong>组织开展劳动技能竞赛&mdash;一线职工踊跃参加。</p>
<p>会议强调，要把维护职工合法权益作为工会工作的出发点和落脚点。<br>区总工会举办&ldquo;女职工权益保护&rdquo;法律知识讲座&hellip;</p>
<h2>附件</h2>
<ul><li><a href="/files/a.docx" title="下载附件">通知.docx</a></li><li>第二项 &amp; 第三项</li></ul>
<blockquote><p>引文&nbsp;内容 &#x4E2D;&#25991;</p></blockquote>
</div>
</article>
</main>
<footer class="identity">
<p><span class="label">主办单位：</span>江苏省总工会</p>
<p><span class="label">通讯地址：</span>南京市玄武区北京东路29号 <span class="label">邮编：</span>210008</p>
<p><span class="label">联系电话：</span>025-83361234 <span class="label">职工服务热线：</span><span class="hotline">025-12351</span></p>
<p><a class="icp" href="https://beian.miit.gov.cn/" rel="noopener noreferrer">苏ICP备05012345号-1</a></p>
</footer>
</body>
</html>
)";

// A column page: a list of articles with dates and a pager, a comment and hidden text.
const std::string kColumnPage = R"(<!doctype html>
<!-- 栏目页 -->
<html lang="zh-CN"><head><meta charset="utf-8"><title>通知公告 - 江苏工会网</title>
<style>.hidden { display: none }</style><script>var page = 1;</script></head>
<body class="column">
<h1>通知公告</h1>
<ul class="listing">
<li><a href="/articles/1.html">关于召开全省工会工作会议的通知</a> <time datetime="2025-01-02">2025-01-02</time></li>
<li><a href="/articles/2.html">关于开展“五一”劳动奖章评选的通知</a> <time datetime="2025-01-03">2025-01-03</time></li>
</ul>
<div hidden>隐藏的文字</div>
<span style="display: none">看不见的字</span>
<input type="hidden" name="k" value="内部资料">
<dl><dt>电话</dt><dd>025-12351</dd></dl>
<nav class="pager"><a href="?page=2&amp;size=20" rel="next">下一页</a></nav>
</body>
</html>
<!-- end -->
)";

std::vector<Segment> gumbo_segments(std::string_view page) {
  ExtractBudget budget;
  auto segments = detail::extract_html_gumbo("page.html", page, ExtractLimits{}, budget);
  EXPECT_TRUE(segments.has_value());
  return segments ? *segments : std::vector<Segment>{};
}

std::string show(const std::vector<Segment>& segments) {
  std::string out;
  for (const Segment& s : segments) {
    out += s.part + " | " + s.locator + " | " + s.text + " | " + (s.hidden ? "hidden" : "shown") + " | " +
           (s.source_offset == static_cast<std::size_t>(-1) ? "-" : std::to_string(s.source_offset)) + "\n";
  }
  return out;
}

// The two readers' segments as text, every field in it.
void expect_same_as_gumbo(std::string_view page) {
  ExtractBudget budget;
  const auto simple = detail::extract_html_simple("page.html", page, ExtractLimits{}, budget);
  ASSERT_TRUE(simple.has_value()) << "the one-pass reader left this page to gumbo:\n" << page;
  EXPECT_EQ(show(*simple), show(gumbo_segments(page))) << page;
}

TEST(HtmlReader, RenderedArticlePageIsReadInOnePassAsGumboReadsIt) {
  expect_same_as_gumbo(kArticlePage);
  ExtractBudget budget;
  const auto segments = detail::extract_html_simple("page.html", kArticlePage, ExtractLimits{}, budget);
  ASSERT_TRUE(segments.has_value());
  bool footer = false;
  for (const Segment& s : *segments) footer = footer || s.text.find("苏ICP备05012345号-1") != std::string::npos;
  EXPECT_TRUE(footer);
  EXPECT_GT(budget.text, 0u);
}

TEST(HtmlReader, ColumnPageWithCommentsHiddenTextAndScriptIsReadAsGumboReadsIt) {
  expect_same_as_gumbo(kColumnPage);
}

TEST(HtmlReader, PagesWhoseTreeIsNotTheirSourceOrderAreLeftToGumbo) {
  const std::string head = "<!DOCTYPE html><html><head><title>t</title></head><body>";
  const std::string tail = "</body></html>";
  for (const std::string& body : std::vector<std::string>{
           std::string("<p>一<div>二</div></p>"),           // the div closes the p
           std::string("<table><tr><td>格</td></tr></table>"),  // tables
           std::string("<p>一<p>二"),                        // implied end tags
           std::string("<b><i>x</b></i>"),                   // misnested
           std::string("<p>a\r\nb</p>"),                     // CR LF becomes LF
           std::string("<p>&copy 2025</p>"),                 // a legacy reference without ';'
           std::string("<p>&unknown;</p>"),                  // a name not in the reader's list
           std::string("<p>&#128;</p>"),                     // gumbo maps C1 numbers to windows-1252
           std::string("<a href=x>y</a>"),                   // an unquoted value
           std::string("<a href=\"/\"><a href=\"/b\">x</a></a>"),  // a inside a
           std::string("<li>x</li>"),                        // a list item outside a list
           std::string("<pre>\nx</pre>"),                    // the newline after <pre> is dropped
           std::string("<svg><title>s</title></svg>"),       // foreign content
           std::string("<!-->x"),                            // an abruptly closed comment
           std::string("<p>a < b</p>"),                      // a '<' that is text
       }) {
    const std::string page = head + body + tail;
    ExtractBudget budget;
    EXPECT_FALSE(detail::extract_html_simple("page.html", page, ExtractLimits{}, budget).has_value()) << body;
    EXPECT_EQ(budget.text, 0u) << body;
    // And the scanner still reads it, through gumbo.
    ExtractBudget full;
    EXPECT_TRUE(extract_html("page.html", page, ExtractLimits{}, full).has_value()) << body;
  }
  ExtractBudget budget;
  EXPECT_FALSE(detail::extract_html_simple("page.html", "<p>a fragment</p>", ExtractLimits{}, budget));
  EXPECT_FALSE(detail::extract_html_simple("page.html", head + "<p>x</p>", ExtractLimits{}, budget));  // no </body>
  EXPECT_FALSE(detail::extract_html_simple("page.html", head + "\xff" + tail, ExtractLimits{}, budget));
}

TEST(HtmlReader, LimitErrorsAreGumbosToo) {
  const std::string page = "<!DOCTYPE html><html><head></head><body><p>" + std::string(100, 'x') + "</p></body></html>";
  ExtractLimits limits;
  limits.max_text_bytes = 10;
  ExtractBudget budget;
  const auto segments = extract_html("page.html", page, limits, budget);
  ASSERT_FALSE(segments.has_value());
  EXPECT_EQ(segments.error().code, "review.limit");
}

// Markup that trips HTML parsers, inserted into the pages above at random places.
const std::vector<std::string> kSnippets = {
    "<p>", "</p>", "<div>", "</div>", "<span>", "</span>", "<a href=\"/x\">", "</a>", "<b>", "</b>", "<i>",
    "</i>", "<br>", "<br/>", "</br>", "<img src=\"/a.png\" alt=\"会徽\">", "<img alt='x' title=\"t\">",
    "<table><tr><td>x</td></tr></table>", "<li>", "</li>", "<ul>", "</ul>", "<ol><li>一</li></ol>",
    "<dl><dt>a</dt><dd>b</dd></dl>", "<h2>", "</h2>", "<h1>标题</h1>", "&amp;", "&lt;", "&gt;", "&quot;",
    "&copy;", "&copy", "&nbsp;", "&#x4E2D;", "&#20013;", "&#0;", "&#128;", "&#xD800;", "&bogus;", "& ", "&",
    "&#", "&#x;", "<!-- 注释 -->", "<!---->", "<!-->", "<!-- a -- b -->", "<!-- x --->", "<!x>", "<?x>",
    "\r\n", "\r", "\n", "\t", " ", "\f", "\xC2\xA0", "\x01", "<", ">", "\"", "'", "=", "/", "<div hidden>",
    "<span style=\"display:none\">", "<span aria-hidden=\"true\">", "<div style=\"font-size:0\">",
    "<input type=\"hidden\" value=\"机密\">", "<meta name=\"keywords\" content=\"工会\">",
    "<meta property=\"og:title\" content=\"题\"/>", "<title>题</title>", "<title>a&amp;b</title>",
    "<script>var a = 1;</script>", "<script><!-- x --></script>", "<style>p{}</style>", "</style>",
    "<noscript>n</noscript>", "<template>t</template>", "<textarea>t</textarea>", "<pre>\nx</pre>",
    "<svg><title>s</title></svg>", "<custom-el>", "</custom-el>", "<foo>", "</foo>", "<P>", "</P>",
    "<DIV CLASS=\"x\">", "<p class=\"a\" class=\"b\">", "<a href=\"?a=1&amp;b=2\">", "<a href=\"?a=1&b=2\">",
    "<a title=\"&ldquo;引&rdquo;\">", "<span title=\" \">", "<html>", "<body>", "</body>", "</html>", "<head>",
    "</head>", "<!DOCTYPE html>", "机密", "工会", "文字 文字", "<section>", "</section>", "<article>",
    "</article>", "<nav>", "</nav>", "<button>", "<form>", "<option>", "<hr>", "<wbr>",
    "<time datetime=\"2025\">", "</time>", "<q>", "</q>", "<p >", "<p/>", "<img/>", "<a  href=\"/\" >",
    "<a href=\"/\"title=\"x\">", "<span a = \"b\">", "<em>", "</em>", "<strong>", "</strong>", "<noembed>",
    // and balanced markup the reader takes, so that a good share of the pages exercise it
    "<span>字</span>", "<em>强调</em>", "<a href=\"/y\">链接</a>", "<b>粗</b>", "<span hidden>藏</span>",
    "<img src=\"/b.png\" alt=\"图&amp;片\">", "<br>", "<!-- 另一条注释 -->", "<input type=\"hidden\" value=\"值\">",
    "<span title=\"提示\">示</span>", "<i style=\"display:none\">无</i>", "<div><p>段</p></div>", "文字&nbsp;文字",
    "<strong>机&#23494;</strong>", "<span aria-hidden=\"TRUE\">隐</span>", "<meta name=\"description\" content=\"描述\">",
    "<custom-el>自定义</custom-el>", "<ul><li>项</li></ul>", "<section><h3>小标题</h3></section>", "\n\n", "  "};

// `at` moved back to the start of the UTF-8 character it falls in.
std::size_t char_start(const std::string& s, std::size_t at) {
  while (at > 0 && at < s.size() && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
  return at;
}

TEST(HtmlReader, MutatedPagesTheReaderTakesGiveExactlyGumbosSegments) {
  std::mt19937 random(20261127);
  const std::vector<std::string> seeds = {kArticlePage, kColumnPage};
  std::size_t taken = 0;
  std::size_t mismatches = 0;
  constexpr int kPages = 20000;
  for (int n = 0; n < kPages; ++n) {
    std::string page = seeds[random() % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 2);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = char_start(page, random() % (page.size() + 1));
      switch (random() % 4) {
        case 0:
        case 1:
          page.insert(at, kSnippets[random() % kSnippets.size()]);
          break;
        case 2: {  // delete a few characters
          const std::size_t end = char_start(page, std::min(page.size(), at + 1 + random() % 12));
          page.erase(at, end > at ? end - at : 0);
          break;
        }
        default: {  // duplicate a stretch
          const std::size_t end = char_start(page, std::min(page.size(), at + 1 + random() % 40));
          page.insert(end, page.substr(at, end > at ? end - at : 0));
          break;
        }
      }
    }
    ExtractBudget budget;
    const auto simple = detail::extract_html_simple("page.html", page, ExtractLimits{}, budget);
    if (!simple) continue;
    ++taken;
    const std::string expected = show(gumbo_segments(page));
    if (show(*simple) != expected && ++mismatches <= 3) {
      ADD_FAILURE() << "the one-pass reader differs from gumbo on:\n"
                    << page << "\n--- one pass:\n"
                    << show(*simple) << "--- gumbo:\n"
                    << expected;
    }
  }
  EXPECT_EQ(mismatches, 0u);
  // The check means something only if the reader took a good share of the mutated pages.
  EXPECT_GT(taken, static_cast<std::size_t>(kPages / 5)) << taken << " of " << kPages;
  RecordProperty("taken", static_cast<int>(taken));
}

}  // namespace
}  // namespace sw::review
