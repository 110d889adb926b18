// Hidden links, injected code and bad terms (issue 7, N5.3 暗链/挂马; src/monitor/hidden_links.h):
// each CSS trick found with its reason, and the false positives that must not be findings.
#include "monitor/hidden_links.h"

#include <gtest/gtest.h>

#include "monitor/css_hiding.h"

namespace sw::monitor {
namespace {

const PageContext kSite{"https://www.union.org.cn/news/", {"www.union.org.cn", "union.org.cn"}, {"gov.cn"}};

PageReport inspect(const std::string& body, const std::string& head = "") {
  return inspect_page("<html><head>" + head + "</head><body>" + body + "</body></html>", kSite);
}

void expect_one_hidden(const PageReport& r, const std::string& reason_part) {
  ASSERT_EQ(r.hidden_links.size(), 1u) << reason_part;
  EXPECT_EQ(r.hidden_links[0].host, "bet.example.com");
  EXPECT_NE(r.hidden_links[0].reason.find(reason_part), std::string::npos) << r.hidden_links[0].reason;
}

TEST(CssHiding, DeclarationsAndColours) {
  auto d = parse_declarations("Display : NONE !important; color:#FFF; /* x */ width:0");
  EXPECT_EQ(d["display"], "none");
  EXPECT_EQ(d["color"], "#fff");
  EXPECT_EQ(normalise_colour("#FFF"), "#ffffff");
  EXPECT_EQ(normalise_colour("rgb(255, 255, 255)"), "#ffffff");
  EXPECT_EQ(normalise_colour("white"), "#ffffff");
  EXPECT_EQ(normalise_colour("rgba(0,0,0,0)"), "");
  EXPECT_EQ(normalise_colour("transparent"), "");
  EXPECT_EQ(hiding_reason(parse_declarations("position:absolute;left:-9999px"), "div"),
            "positioned off-screen (left:-9999px)");
  EXPECT_EQ(hiding_reason(parse_declarations("position:relative;left:-9999px"), "div"), "");
  EXPECT_EQ(hiding_reason(parse_declarations("height:0"), "div"), "");  // no overflow hidden: content shows
}

TEST(CssHiding, SelectorsSkipWhatTheyDoNotRead) {
  auto rules = parse_stylesheet("@media print { .x { display:none } } div.a #b, .c:hover { color: red } p{}");
  ASSERT_EQ(rules.size(), 2u);  // "div.a #b" and "p"; the @media block and :hover are skipped
  EXPECT_EQ(rules[0].chain.size(), 2u);
  EXPECT_EQ(rules[0].chain[0].tag, "div");
  EXPECT_EQ(rules[0].chain[0].classes, std::vector<std::string>{"a"});
  EXPECT_EQ(rules[0].chain[1].id, "b");
  EXPECT_TRUE(matches(rules[0], {"span", "b", {}}, {{"body", "", {}}, {"div", "", {"a", "z"}}, {"p", "", {}}}));
  EXPECT_FALSE(matches(rules[0], {"span", "b", {}}, {{"div", "", {"z"}}}));
}

TEST(HiddenLinks, EachCssTrickIsFound) {
  const std::string a = R"(<a href="http://bet.example.com/">pay</a>)";
  expect_one_hidden(inspect("<div style=\"display:none\">" + a + "</div>"), "display:none");
  expect_one_hidden(inspect("<div style=\"visibility:hidden\">" + a + "</div>"), "visibility:hidden");
  expect_one_hidden(inspect("<p style=\"font-size:0px\">" + a + "</p>"), "font-size");
  expect_one_hidden(inspect("<div style=\"height:0;overflow:hidden\">" + a + "</div>"), "zero size");
  expect_one_hidden(inspect("<div style=\"width:1px;height:1px;overflow:hidden\">" + a + "</div>"), "tiny box");
  expect_one_hidden(inspect("<div style=\"position:absolute;top:-3000px\">" + a + "</div>"), "off-screen");
  expect_one_hidden(inspect("<div style=\"position:fixed;left:-100em\">" + a + "</div>"), "off-screen");
  expect_one_hidden(inspect("<div style=\"text-indent:-9999px\">" + a + "</div>"), "text-indent");
  expect_one_hidden(inspect("<marquee height=\"1\">" + a + "</marquee>"), "tiny marquee");
  expect_one_hidden(inspect("<div style=\"background:#fff\"><a style=\"color:white\" href=\"http://bet.example.com/\">x</a></div>"),
                    "colour equals background");
  expect_one_hidden(inspect("<div class=\"ft\"><span id=\"s\">" + a + "</span></div>", "<style>.ft #s{display:none}</style>"),
                    "display:none");
  expect_one_hidden(inspect("<div class=\"x\">" + a + "</div>", "<style>div.x{opacity:0}</style>"), "opacity:0");
}

TEST(HiddenLinks, FalsePositivesAreNotFindings) {
  // A collapsed menu linking inside the site, a visible foreign link, a hidden link to an allowed host.
  auto r = inspect(R"(<ul class="menu" style="display:none"><li><a href="/news/1.html">新闻</a></li>
                      <li><a href="https://union.org.cn/about">关于</a></li></ul>
                      <a href="http://bet.example.com/">visible partner</a>
                      <div style="display:none"><a href="https://www.gov.cn/">政府网</a></div>
                      <div style="position:absolute;left:-50px"><a href="http://bet.example.com/">near</a></div>)");
  EXPECT_TRUE(r.hidden_links.empty());
  EXPECT_TRUE(r.injected.empty());
  EXPECT_TRUE(r.bad_terms.empty());
  EXPECT_EQ(r.link_hosts, (std::vector<std::string>{"bet.example.com", "www.gov.cn"}));
  ASSERT_EQ(r.internal_links.size(), 2u);
  EXPECT_EQ(r.internal_links[0], "https://www.union.org.cn/news/1.html");
}

TEST(HiddenLinks, HiddenInternalLinkWithBadTermsCounts) {
  auto r = inspect(R"(<div style="display:none"><a href="/x.html">网上赌场 开户送彩金</a></div>)");
  ASSERT_EQ(r.hidden_links.size(), 1u);
  EXPECT_EQ(r.hidden_links[0].host, "www.union.org.cn");
  EXPECT_FALSE(r.hidden_links[0].term.empty());
  EXPECT_FALSE(r.bad_terms.empty());
}

TEST(HiddenLinks, InjectedScriptsAndFrames) {
  auto r = inspect(R"(<script src="https://cdn.evil.example/x.js"></script>
                      <script src="/js/site.js"></script>
                      <script src="https://static.gov.cn/a.js"></script>
                      <iframe src="http://ads.evil.example/frame" width="0" height="0"></iframe>
                      <script>document.write('<a href="http://casino.example.net/">x</a>');</script>
                      <script>if (navigator.userAgent.match(/baidu/)) window.location.href = "https://jump.example.org/";</script>
                      <script>var menu = document.getElementById("m"); location.href = "/local";</script>)",
                   R"(<meta http-equiv="refresh" content="0; url=http://away.example.com/">)");
  ASSERT_EQ(r.injected.size(), 5u);
  std::vector<std::string> kinds;
  for (const auto& i : r.injected) kinds.push_back(i.kind + " " + i.host);
  std::sort(kinds.begin(), kinds.end());
  EXPECT_EQ(kinds, (std::vector<std::string>{"iframe ads.evil.example", "inline_redirect jump.example.org",
                                             "inline_write casino.example.net", "meta_refresh away.example.com",
                                             "script_src cdn.evil.example"}));
  EXPECT_EQ(r.code_sources.size(), 4u);
}

TEST(HiddenLinks, BadTermsInPageText) {
  auto r = inspect("<p>欢迎访问 澳門賭場 真人荷官</p><script>var s='博彩';</script>");
  ASSERT_GE(r.bad_terms.size(), 2u);  // traditional characters folded: 澳门赌场
  EXPECT_EQ(r.bad_terms[0].category, "illegal");
  EXPECT_EQ(r.text.find("博彩"), std::string::npos);  // script text is not page text
  auto clean = inspect("<p>工会开展职工技能竞赛，坚决打击赌博违法犯罪活动宣传。</p>");
  for (const auto& t : clean.bad_terms) ADD_FAILURE() << t.term;  // 打击赌博: a warning, whitelisted
}

TEST(HiddenLinks, HostileInputIsBounded) {
  std::string deep;
  for (int i = 0; i < 5000; ++i) deep += "<div style=\"display:none\">";
  deep += R"(<a href="http://bet.example.com/">x</a>)";
  auto r = inspect(deep, "<style>" + std::string(100000, '{') + "</style>");
  EXPECT_EQ(r.hidden_links.size(), 1u);
  std::string many;
  for (int i = 0; i < 200; ++i) many += "<a style=\"display:none\" href=\"http://h" + std::to_string(i) + ".example.com/\">x</a>";
  EXPECT_EQ(inspect(many).hidden_links.size(), kMaxReported);
  // A long inline script naming hosts: scanned linearly (the first 64 KiB), the foreign one reported.
  const std::string script = "<script>document.write('//" + std::string(30000, 'a') + "');" +
                             "document.write('<a href=\"https://spam.example.org/\">x</a>');</script>";
  auto code = inspect(script);
  ASSERT_EQ(code.injected.size(), 1u);
  EXPECT_EQ(code.injected[0].host, "spam.example.org");
}

}  // namespace
}  // namespace sw::monitor
