// The guard's request parser and header grammars (N7.3: explicit limits; N7.1: only manifest paths).
#include "guard/request.h"

#include <gtest/gtest.h>

#include <algorithm>

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

TEST(GuardRequest, FoldedHeadersAndControlBytesAreRefused) {
  RequestHead h;
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r\n x: folded\r\n\r\n", h).status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\x01\r\n\r\n", h).status, 400);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n", h).status, 400);
}

// RFC 9112 2.2 allows accepting a bare LF; the guard refuses it (and a bare CR) wherever it is in the
// head, at once — not after waiting for a CRLF CRLF that never comes — so no proxy in front can split
// lines differently (request smuggling). Also the other smuggling shapes: obs-fold, a space before the
// colon, NUL, conflicting framings.
TEST(GuardRequest, BareLfAndCrAreRefusedAtOnceAnywhereInTheHead) {
  RequestHead h;
  for (std::string_view bad : {
           "GET / HTTP/1.1\nHost: a\n\n",               // bare LF only: was left waiting for more
           "GET / HTTP/1.1\nHost: a\r\n\r\n",           // bare LF ending the request line
           "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",     // inside the headers
           "GET / HTTP/1.1\r\nHost: a\r\nX: b\n\r\n",     // before the blank line
           "GET / HTTP/1.1\r\nHost: a\r\n\n",             // the blank line itself
           "GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n",     // bare CR
           "\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",         // a leading bare LF
           "GET / HTTP/1.1\r\nHost: a\r\nX: b\n",          // incomplete head: refused already
           "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\nContent-Length: 5\r\n\r\n"}) {
    const ParseResult r = parse(bad, h);
    EXPECT_EQ(r.outcome, ParseOutcome::refused) << bad;
    EXPECT_EQ(r.status, 400) << bad;
  }
  // Bare LFs in a body after the head are the body's business, and a CR at the end may be half a CRLF.
  EXPECT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\na\nb", h).outcome, ParseOutcome::complete);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: a\r", h).outcome, ParseOutcome::incomplete);
  EXPECT_EQ(parse("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", h).outcome, ParseOutcome::complete);  // RFC 9112 2.2
  for (std::string_view bad : {"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\t2\r\n\r\n",    // obs-fold (tab)
                               "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n",     // obs-fold (space)
                               "GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n",  // space before colon
                               "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding\t: chunked\r\n\r\n",
                               "GET / HTTP/1.1\r\nHost: a\r\n X: 1\r\n\r\n",            // first line folded
                               "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\ntransfer-encoding: chunked\r\n\r\n"}) {
    EXPECT_EQ(parse(bad, h).status, 400) << bad;
  }
  const std::string nul_value("GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", 35);
  const std::string nul_name("GET / HTTP/1.1\r\nHost: a\r\nX\0: b\r\n\r\n", 34);
  const std::string nul_target("GET /a\0b HTTP/1.1\r\nHost: a\r\n\r\n", 30);
  for (const std::string& bad : {nul_value, nul_name, nul_target}) EXPECT_EQ(parse(bad, h).status, 400);
}

// Expect: 100-continue is noted for the guard (it answers 100 only after its checks); other
// expectations and an HTTP/1.0 client's are ignored (RFC 9110 10.1.1).
TEST(GuardRequest, ExpectContinueIsNotedForHttp11Only) {
  RequestHead h;
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 5\r\n\r\n", h).outcome,
            ParseOutcome::complete);
  EXPECT_TRUE(h.expect_continue);
  ASSERT_EQ(parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n", h).outcome,
            ParseOutcome::complete);
  EXPECT_FALSE(h.expect_continue);
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: x\r\nContent-Length: 5\r\n\r\n", h).outcome,
            ParseOutcome::complete);
  EXPECT_FALSE(h.expect_continue);
}

// Every header line is kept in order for the request filters (issue 6), as views into the buffer.
TEST(GuardRequest, EveryHeaderLineIsKeptInOrder) {
  RequestHead h;
  const std::string text = "POST /f?x=1 HTTP/1.0\r\nX-B: 2\r\nhost: a\r\nX-A:  1 \r\nX-B: 3\r\n\r\n";
  ASSERT_EQ(parse(text, h).outcome, ParseOutcome::complete);
  EXPECT_EQ(h.method_text, "POST");
  EXPECT_EQ(h.version_text, "1.0");
  ASSERT_EQ(h.header_lines().size(), 4u);
  EXPECT_EQ(h.header_lines()[0].name, "X-B");
  EXPECT_EQ(h.header_lines()[0].value, "2");
  EXPECT_EQ(h.header_lines()[1].name, "host");
  EXPECT_EQ(h.header_lines()[2].value, "1");
  EXPECT_EQ(h.header_lines()[3].value, "3");
  // A second parse forgets the first request's lines.
  ASSERT_EQ(parse("GET / HTTP/1.1\r\nHost: b\r\n\r\n", h).outcome, ParseOutcome::complete);
  EXPECT_EQ(h.header_lines().size(), 1u);
}

TEST(GuardRequest, MoreThanAHundredHeaderLinesAre431) {
  RequestHead h;
  std::string text = "GET / HTTP/1.1\r\nHost: a\r\n";
  for (int i = 0; i < 99; ++i) text += "X: y\r\n";
  ASSERT_EQ(parse(text + "\r\n", h, {64 * 1024, 4096}).outcome, ParseOutcome::complete);
  EXPECT_EQ(parse(text + "X: y\r\n\r\n", h, {64 * 1024, 4096}).status, 431);
}

// RFC 9112 6: how a body is framed, and the framings that smuggle requests refused.
TEST(GuardRequest, BodiesAreFramedByContentLengthOrChunked) {
  RequestHead h;
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", h).outcome,
            ParseOutcome::complete);
  EXPECT_EQ(h.framing, BodyFraming::length);
  EXPECT_EQ(h.content_length, 5u);
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", h).outcome, ParseOutcome::complete);
  EXPECT_EQ(h.framing, BodyFraming::none);
  ASSERT_EQ(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n", h).outcome,
            ParseOutcome::complete);
  EXPECT_EQ(h.framing, BodyFraming::chunked);
  const std::string head = "POST / HTTP/1.1\r\nHost: a\r\n";
  for (std::string_view bad : {"Content-Length: 5\r\nContent-Length: 5\r\n", "Content-Length: 5, 5\r\n",
                               "Content-Length: -1\r\n", "Content-Length: +5\r\n", "Content-Length: 0x10\r\n",
                               "Content-Length: 1234567890123456789\r\n", "Content-Length:\r\n",
                               "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
                               "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"}) {
    EXPECT_EQ(parse(head + std::string(bad) + "\r\n", h).status, 400) << bad;
  }
  EXPECT_EQ(parse(head + "Transfer-Encoding: gzip, chunked\r\n\r\n", h).status, 501);
  EXPECT_EQ(parse("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", h).status, 400);
}

// Decodes `encoded` (after a 4-byte fake head) fed in pieces of `step` bytes, as reads would.
ParseResult dechunk(const std::string& encoded, std::size_t step, std::string& body, std::string& rest,
                    std::uint64_t max_body = 1 << 20) {
  std::string buf = "HEAD";
  ChunkedDecoder d;
  d.read = d.write = 4;
  std::size_t fed = 0;
  ParseResult r;
  while (true) {
    const std::size_t n = std::min(step, encoded.size() - fed);
    buf += encoded.substr(fed, n);
    fed += n;
    r = decode_chunked(buf.data(), buf.size(), max_body, 256, d);
    if (r.outcome != ParseOutcome::incomplete || fed == encoded.size()) break;
    buf.resize(d.write);  // what the guard does: the consumed framing is dropped
    d.read = d.write;
  }
  body = buf.substr(4, d.write - 4);
  rest = buf.substr(std::min(d.read, buf.size())) + encoded.substr(fed);  // bytes after the message
  return r;
}

TEST(GuardChunked, DecodesInPlaceWithExtensionsAndTrailersWhateverTheReads) {
  const std::string encoded = "5;name=\"v\"\r\nhello\r\n1A\r\n" + std::string(26, 'z') +
                              "\r\n0\r\nX-Trailer: t\r\n\r\nGET / HTTP/1.1\r\n";
  for (std::size_t step : {std::size_t{1}, std::size_t{3}, std::size_t{7}, encoded.size()}) {
    std::string body, rest;
    EXPECT_EQ(dechunk(encoded, step, body, rest).outcome, ParseOutcome::complete) << step;
    EXPECT_EQ(body, "hello" + std::string(26, 'z')) << step;
    EXPECT_EQ(rest, "GET / HTTP/1.1\r\n") << step;  // the next pipelined request is untouched
  }
  std::string body, rest;
  EXPECT_EQ(dechunk("0\r\n\r\n", 1, body, rest).outcome, ParseOutcome::complete);
  EXPECT_EQ(body, "");
  EXPECT_EQ(dechunk("5\r\nhel", 100, body, rest).outcome, ParseOutcome::incomplete);
}

TEST(GuardChunked, MalformedOversizedAndUnboundedFramingIsRefused) {
  std::string body, rest;
  for (std::string_view bad : {"x\r\n", "\r\n", "5\r\nhelloX\r\n0\r\n\r\n", "5\nhello", "-5\r\n",
                               "5\r\nhello\r\n0\r\nBad\x01: t\r\n\r\n"}) {
    EXPECT_EQ(dechunk(std::string(bad), 1, body, rest).status, 400) << bad;
  }
  EXPECT_EQ(dechunk("5;" + std::string(2000, 'e') + "\r\nhello\r\n0\r\n\r\n", 64, body, rest).status, 400);
  EXPECT_EQ(dechunk("5\r\nhello\r\n0\r\nX: " + std::string(300, 't') + "\r\n\r\n", 64, body, rest).status, 431);
  // Over max_body_bytes: refused as soon as the chunk size says so, before its data.
  EXPECT_EQ(dechunk("8\r\n", 1, body, rest, 7).status, 413);
  EXPECT_EQ(dechunk("4\r\nabcd\r\n4\r\n", 1, body, rest, 7).status, 413);
  EXPECT_EQ(dechunk("4\r\nabcd\r\n3\r\nefg\r\n0\r\n\r\n", 1, body, rest, 7).outcome, ParseOutcome::complete);
  EXPECT_EQ(dechunk("fffffffffffffffff\r\n", 1, body, rest).status, 413);
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
