#include "http/message.h"

#include <gtest/gtest.h>

#include "http/url.h"

namespace sw::http {
namespace {

TEST(Headers, LookupIgnoresCase) {
  Headers headers;
  headers.add("Content-Type", "text/plain");
  EXPECT_EQ(headers.get("content-type"), "text/plain");
  EXPECT_EQ(headers.get("CONTENT-TYPE"), "text/plain");
  EXPECT_FALSE(headers.get("Content-Length").has_value());
}

TEST(Headers, SetReplacesEveryFieldOfThatName) {
  Headers headers;
  headers.add("Set-Cookie", "a=1");
  headers.add("set-cookie", "b=2");
  headers.set("SET-COOKIE", "c=3");
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers.get("Set-Cookie"), "c=3");
}

TEST(Headers, AddKeepsRepeatedFieldsInOrder) {
  Headers headers;
  headers.add("Set-Cookie", "a=1");
  headers.add("Set-Cookie", "b=2");
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers.fields()[1].second, "b=2");
}

TEST(Headers, RemoveCountsRemovedFields) {
  Headers headers;
  headers.add("X-A", "1");
  headers.add("x-a", "2");
  EXPECT_EQ(headers.remove("X-a"), 2u);
  EXPECT_EQ(headers.remove("X-a"), 0u);
}

TEST(Response, HelpersSetContentType) {
  EXPECT_EQ(Response::html("<p>").headers.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(Response::json("{}").headers.get("Content-Type"), "application/json");
  EXPECT_EQ(Response::text("x", 201).status, 201);
}

TEST(Response, RedirectIsSeeOtherWithLocation) {
  const Response response = Response::redirect("/login");
  EXPECT_EQ(response.status, 303);
  EXPECT_EQ(response.headers.get("Location"), "/login");
}

TEST(Response, ErrorEscapesTheDetail) {
  const Response response = Response::error(400, "<script>alert('x')</script>");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body.find("<script>"), std::string::npos);
  EXPECT_NE(response.body.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(response.body.find("400 Bad Request"), std::string::npos);
}

TEST(ReasonPhrase, KnownAndUnknownCodes) {
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(799), "Unknown");
}

TEST(EscapeHtml, EscapesAllFiveSpecialCharacters) {
  EXPECT_EQ(escape_html("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
}

TEST(PercentDecode, DecodesEscapes) { EXPECT_EQ(percent_decode("a%20b%2Fc").value(), "a b/c"); }

TEST(PercentDecode, PlusIsSpaceOnlyInForms) {
  EXPECT_EQ(percent_decode("a+b").value(), "a+b");
  EXPECT_EQ(percent_decode("a+b", true).value(), "a b");
}

TEST(PercentDecode, RejectsTruncatedOrNonHexEscapes) {
  EXPECT_FALSE(percent_decode("%").has_value());
  EXPECT_FALSE(percent_decode("%4").has_value());
  EXPECT_FALSE(percent_decode("%zz").has_value());
  EXPECT_EQ(percent_decode("%zz").error().code, "http.bad_escape");
}

TEST(PercentDecode, RejectsEncodedNul) { EXPECT_FALSE(percent_decode("a%00b").has_value()); }

TEST(ParseForm, ParsesPairsInOrder) {
  const auto fields = parse_form("name=Li+Lei&city=%E5%8D%97%E4%BA%AC&flag&&");
  ASSERT_TRUE(fields.has_value());
  ASSERT_EQ(fields->size(), 3u);
  EXPECT_EQ((*fields)[0], (FormField{"name", "Li Lei"}));
  EXPECT_EQ((*fields)[1], (FormField{"city", "南京"}));
  EXPECT_EQ((*fields)[2], (FormField{"flag", ""}));
  EXPECT_EQ(*find_form_value(*fields, "city"), "南京");
  EXPECT_EQ(find_form_value(*fields, "missing"), nullptr);
}

TEST(ParseForm, BadEscapeIsAnError) { EXPECT_FALSE(parse_form("a=%G1").has_value()); }

}  // namespace
}  // namespace sw::http
