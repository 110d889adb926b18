// The guard's request parser and header grammars (N7.3: explicit limits; N7.1: only manifest paths).
#include "guard/request.h"

#include <gtest/gtest.h>

namespace sw::guard {
namespace {

ParseResult parse(std::string_view text, RequestHead& head, RequestLimits limits = {}) {
  return parse_request_head(text, limits, head);
}

TEST(GuardRequest, ParsesAGetWithItsHeaders) {
  RequestHead h;
  const std::string text =
      "GET /news/?page=2 HTTP/1.1\r\nHost: Example.ORG:8080\r\nAccept-Encoding: gzip, br\r\n"
      "If-None-Match: \"abc\"\r\nRange: bytes=0-9\r\n\r\nGET / HTTP/1.1\r\n";
  const ParseResult r = parse(text, h);
  ASSERT_EQ(r.outcome, ParseOutcome::complete);
  EXPECT_EQ(h.method, Method::get);
  EXPECT_EQ(h.target, "/news/?page=2");
  EXPECT_EQ(h.host, "Example.ORG:8080");
  EXPECT_EQ(h.accept_encoding, "gzip, br");
  EXPECT_EQ(h.if_none_match, "\"abc\"");
  EXPECT_EQ(h.range, "bytes=0-9");
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.head_bytes, text.find("GET /", 5));
}

TEST(GuardRequest, IncompleteHeadAsksForMore) {
  RequestHead h;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\n", h).outcome, ParseOutcome::incomplete);
  EXPECT_EQ(parse("GE", h).outcome, ParseOutcome::incomplete);
}

TEST(GuardRequest, MalformedRequestLinesAreRefusedWith400) {
  RequestHead h;
  for (std::string_view bad : {"GET\r\n\r\n", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n",
                               "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / FTP/1.1\r\nHost: a\r\n\r\n",
                               "GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n"}) {
    const ParseResult r = parse(bad, h);
    EXPECT_EQ(r.outcome, ParseOutcome::refused) << bad;
    EXPECT_EQ(r.status, 400) << bad;
  }
}

TEST(GuardRequest, MissingOrRepeatedHostIsRefused) {
  RequestHead h;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", h).status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", h).status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.0\r\n\r\n", h).outcome, ParseOutcome::complete);  // HTTP/1.0 may omit it
  EXPECT_FALSE(h.keep_alive);
}

TEST(GuardRequest, FoldedHeadersControlBytesAndBodiesAreRefused) {
  RequestHead h;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\n x: folded\r\n\r\n", h).status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", h).status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n", h).status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", h).status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n", h).status, 400);
}

TEST(GuardRequest, LimitsGive414And431And505) {
  RequestHead h;
  RequestLimits limits{512, 64};
  EXPECT_EQ(parse("GET /" + std::string(100, 'a') + " HTTP/1.1\r\nHost: a\r\n\r\n", h, limits).status, 414);
  EXPECT_EQ(parse("GET /" + std::string(200, 'a'), h, limits).status, 414);  // before the line ends
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\nX: " + std::string(600, 'b'), h, limits).status, 431);
  EXPECT_EQ(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n", h, limits).status, 505);
}

TEST(GuardRequest, MethodsOtherThanGetAndHeadAreNamedForTheAnswer) {
  RequestHead h;
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\n\r\n", h).outcome, ParseOutcome::complete);
  EXPECT_EQ(h.method, Method::other);
  ASSERT_EQ(parse("BREW / HTTP/1.1\r\nHost: a\r\n\r\n", h).outcome, ParseOutcome::complete);
  EXPECT_EQ(h.method, Method::unknown);
  ASSERT_EQ(parse("HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", h).outcome, ParseOutcome::complete);
  EXPECT_EQ(h.method, Method::head);
  EXPECT_FALSE(h.keep_alive);
}

TEST(GuardRequestPath, DirectoriesMapToIndexAndEscapesAreDecoded) {
  EXPECT_EQ(decode_request_path("/").path, "/index.html");
  EXPECT_EQ(decode_request_path("/news/?x=1#f").path, "/news/index.html");
  EXPECT_TRUE(decode_request_path("/news/").directory);
  EXPECT_EQ(decode_request_path("/a%20b.html").path, "/a b.html");
  EXPECT_EQ(decode_request_path("/%E5%B7%A5%E4%BC%9A.html").path, "/工会.html");
  EXPECT_EQ(decode_request_path("http://example.org/x.html").path, "/x.html");
}

TEST(GuardRequestPath, TraversalEncodedSlashesAndNulAreRefused) {
  for (std::string_view bad : {"/../etc/passwd", "/a/%2e%2e/b", "/a/..", "/a/./b", "/a%2Fb", "/a%5cb", "/a\\b",
                               "/a%00b", "/a%0d%0a", "/a%zz", "/a%2", "x.html", ""}) {
    EXPECT_EQ(decode_request_path(bad).status, 400) << bad;
  }
}

TEST(GuardRequestHost, HostsAreLowercasedWithoutPort) {
  EXPECT_EQ(normalise_host("WWW.Example.org:8080"), "www.example.org");
  EXPECT_EQ(normalise_host("example.org."), "example.org");
  EXPECT_EQ(normalise_host("[::1]:80"), "[::1]");
  EXPECT_FALSE(normalise_host("exa mple.org"));
  EXPECT_FALSE(normalise_host("a/b"));
  EXPECT_FALSE(normalise_host("a:99999999"));
  EXPECT_FALSE(normalise_host(""));
}

TEST(GuardEncoding, QValuesChooseTheForm) {
  EXPECT_EQ(choose_encoding("gzip, deflate, br", true, true), Encoding::brotli);
  EXPECT_EQ(choose_encoding("gzip;q=1.0, br;q=0.5", true, true), Encoding::gzip);
  EXPECT_EQ(choose_encoding("br;q=0, gzip", true, true), Encoding::gzip);
  EXPECT_EQ(choose_encoding("*", true, false), Encoding::gzip);
  EXPECT_EQ(choose_encoding("*;q=0", true, true), Encoding::identity);
  EXPECT_EQ(choose_encoding("br", true, false), Encoding::identity);
  EXPECT_EQ(choose_encoding("", true, true), Encoding::identity);
  EXPECT_EQ(choose_encoding("gzip;q=2", true, false), Encoding::identity);  // malformed q: ignored
}

TEST(GuardRange, SingleRangesAreSatisfiedAndOthersIgnored) {
  auto r = parse_range("bytes=0-9", 100);
  EXPECT_EQ(r.kind, ByteRange::Kind::satisfiable);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 9u);
  r = parse_range("bytes=-10", 100);
  EXPECT_EQ(r.first, 90u);
  EXPECT_EQ(r.last, 99u);
  r = parse_range("bytes=95-200", 100);
  EXPECT_EQ(r.last, 99u);
  EXPECT_EQ(parse_range("bytes=100-", 100).kind, ByteRange::Kind::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 100).kind, ByteRange::Kind::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-1,5-6", 100).kind, ByteRange::Kind::none);
  EXPECT_EQ(parse_range("bytes=9-1", 100).kind, ByteRange::Kind::none);
  EXPECT_EQ(parse_range("items=0-1", 100).kind, ByteRange::Kind::none);
}

TEST(GuardConditional, EtagsAndDates) {
  EXPECT_TRUE(if_none_match_matches("\"x\", W/\"abc\"", "\"abc\""));
  EXPECT_TRUE(if_none_match_matches("*", "\"abc\""));
  EXPECT_FALSE(if_none_match_matches("\"abcd\"", "\"abc\""));
  const std::string date = format_http_date(784111777);
  EXPECT_EQ(date, "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(parse_http_date(date), 784111777);
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"));
}

}  // namespace
}  // namespace sw::guard
