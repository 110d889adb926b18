// Specification of read_page_links (issue 7, N3.6): what the link check reads from a page.
#include "monitor/page_links.h"

#include <gtest/gtest.h>

#include "monitor/fetcher.h"
#include "monitor/link_checker.h"

namespace sw::monitor {
namespace {

TEST(PageLinks, FindsLinksImagesScriptsFramesWithTheirText) {
  const auto page = read_page_links(R"(<html><head><title>首页</title><base href="/sub/">
    <link rel="stylesheet" href="s.css"><script src="/j.js"></script></head>
    <body><h1>南京工会</h1><a href="a.html">  通知
       公告 </a><img src="logo.png" alt="徽标"><iframe src="//v.example/x"></iframe>
    <a href="mailto:x@y.cn">信箱</a><a><span>no href</span></a></body></html>)");
  ASSERT_EQ(page.refs.size(), 6u);
  EXPECT_EQ(page.base, "/sub/");
  EXPECT_EQ(page.title, "首页");
  EXPECT_EQ(page.heading, "南京工会");
  EXPECT_FALSE(page.not_found_like);
  EXPECT_EQ(page.refs[0].kind, RefKind::stylesheet);
  EXPECT_EQ(page.refs[2].ref, "a.html");
  EXPECT_EQ(page.refs[2].anchor, "通知 公告");
  EXPECT_EQ(page.refs[3].kind, RefKind::image);
  EXPECT_EQ(page.refs[3].anchor, "徽标");
  EXPECT_EQ(page.refs[4].kind, RefKind::frame);
}

TEST(PageLinks, NotFoundPagesInChineseAndEnglish) {
  EXPECT_TRUE(read_page_links("<title>页面不存在</title>").not_found_like);
  EXPECT_TRUE(read_page_links("<h1>404 Not Found</h1>").not_found_like);
  EXPECT_TRUE(read_page_links("<title>抱歉，您访问的页面找不到了</title>").not_found_like);
  EXPECT_FALSE(read_page_links("<title>工会新闻</title><p>not found in title</p>").not_found_like);
  EXPECT_FALSE(read_page_links("<title>第1404页</title><h1>第4040页</h1>").not_found_like);  // a number, not an error
  EXPECT_TRUE(read_page_links("<title>错误 404</title>").not_found_like);
  // Page numbers of a long column's archive are not errors (link bench: 第404页 was a false dead link).
  EXPECT_FALSE(read_page_links("<title>通知公告 第404页</title>").not_found_like);
  EXPECT_FALSE(read_page_links("<title>News - Page 404 of 900</title>").not_found_like);
  EXPECT_FALSE(read_page_links("<h1>第 404 页</h1>").not_found_like);
  EXPECT_TRUE(read_page_links("<title>404</title>").not_found_like);
  EXPECT_TRUE(read_page_links("<title>404 - 页面不存在</title>").not_found_like);
  EXPECT_TRUE(read_page_links("<h1>HTTP 404</h1>").not_found_like);
}

TEST(PageLinks, DeepHostilePageDoesNotExhaustTheStack) {
  std::string deep;
  for (int i = 0; i < 20'000; ++i) deep += "<div>";
  deep += "<a href='x'>x</a>";
  const auto page = read_page_links(deep);
  EXPECT_EQ(page.refs.size(), 1u);
}

TEST(PageLinks, AnchorTextIsBoundedAndEndsOnACharacter) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "工";
  const auto page = read_page_links("<a href='x'>" + text + "</a>");
  ASSERT_EQ(page.refs.size(), 1u);
  EXPECT_LE(page.refs[0].anchor.size(), kMaxAnchorBytes);
  EXPECT_EQ(page.refs[0].anchor.size() % 3, 0u);
}

TEST(Urls, ResolveAgainstTheBaseWithoutFragmentsAndOnlyHttp) {
  EXPECT_EQ(resolve_url("http://a.org.cn/news/1.html", "../img/x.png#top"), "http://a.org.cn/img/x.png");
  EXPECT_EQ(resolve_url("http://a.org.cn/", "//b.gov.cn/p"), "http://b.gov.cn/p");
  EXPECT_EQ(resolve_url("http://a.org.cn/", "mailto:x@y.cn"), "");
  EXPECT_EQ(resolve_url("http://a.org.cn/", "javascript:void(0)"), "");
  EXPECT_EQ(resolve_url("http://a.org.cn/", "ftp://f.example/"), "");
  EXPECT_EQ(authority_of("https://A.org.cn/x"), "a.org.cn:443");
  EXPECT_EQ(host_of("http://a.org.cn:8080/"), "a.org.cn");
}

TEST(Urls, AllowlistEntryCoversItsSubdomainsOnly) {
  EXPECT_TRUE(host_covered("www.gov.cn", "gov.cn"));
  EXPECT_TRUE(host_covered("gov.cn", "gov.cn"));
  EXPECT_FALSE(host_covered("evilgov.cn", "gov.cn"));
  EXPECT_FALSE(host_covered("gov.cn.evil.com", "gov.cn"));
}

}  // namespace
}  // namespace sw::monitor
