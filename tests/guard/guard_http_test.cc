// The guard over real sockets on 127.0.0.1 (kernel-picked ports): HTTP conformance, limits, and
// verified bytes only (N7.1, N7.3).
#include "guard/guard.h"

#include <brotli/decode.h>
#include <brotli/encode.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <zlib.h>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "../http/test_client.h"
#include "fake_source.h"

namespace sw::guard {
namespace {

using http::testing::ClientConnection;
using http::testing::ReceivedResponse;
using testing::FakeFile;
using testing::FakeSource;

const std::string kHome = "<!doctype html><title>首页</title><p>home</p>";
const std::string kAbout = "<!doctype html><p>about us</p>";

std::string gzip(std::string_view in) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, in.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string gunzip(std::string_view in) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

std::string brotli(std::string_view in) {
  std::size_t size = BrotliEncoderMaxCompressedSize(in.size());
  std::string out(size, '\0');
  EXPECT_TRUE(BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, in.size(),
                                    reinterpret_cast<const uint8_t*>(in.data()), &size,
                                    reinterpret_cast<uint8_t*>(out.data())));
  out.resize(size);
  return out;
}

std::string unbrotli(std::string_view in) {
  std::string out(1 << 20, '\0');
  std::size_t size = out.size();
  EXPECT_EQ(BrotliDecoderDecompress(in.size(), reinterpret_cast<const uint8_t*>(in.data()), &size,
                                    reinterpret_cast<uint8_t*>(out.data())),
            BROTLI_DECODER_RESULT_SUCCESS);
  out.resize(size);
  return out;
}

class GuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    site_files_ = {{"/index.html", kHome, "text/html; charset=utf-8", gzip(kHome), brotli(kHome)},
                   {"/about/index.html", kAbout},
                   {"/big.bin", std::string(100'000, 'x'), "application/octet-stream"}};
    source_.publish(1, {"union.example.org", "www.union.example.org"}, site_files_);
    options_.threads = 2;
    options_.disk_threads = 1;
    options_.header_timeout = std::chrono::milliseconds(400);
    options_.idle_timeout = std::chrono::milliseconds(5000);
    options_.max_connections_per_ip = 16;
  }

  void start() {
    guard_ = std::make_unique<Guard>(options_, source_, [this](const TamperReport& r) {
      std::lock_guard lock(mutex_);
      tampers_.push_back(r);
    });
    auto s = guard_->start();
    ASSERT_TRUE(s) << s.error().to_string();
  }

  std::optional<ReceivedResponse> get(std::string_view target, std::string_view extra = {},
                                      std::string_view host = "union.example.org", std::string_view method = "GET") {
    auto c = ClientConnection::plain(guard_->port());
    if (!c) return std::nullopt;
    return c->round_trip(std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: " +
                             std::string(host) + "\r\n" + std::string(extra) + "\r\n",
                         method == "HEAD");
  }

  std::vector<TamperReport> tampers() {
    std::lock_guard lock(mutex_);
    return tampers_;
  }

  FakeSource source_;
  std::vector<FakeFile> site_files_;
  GuardOptions options_;
  std::unique_ptr<Guard> guard_;
  std::mutex mutex_;
  std::vector<TamperReport> tampers_;
};

TEST_F(GuardTest, ServesAFileWithValidatorsAndSecurityHeaders) {
  start();
  auto r = get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kHome);
  const crypto::Digest d = crypto::suite(crypto::SuiteId::intl).hash(kHome);
  EXPECT_EQ(r->headers.get("ETag").value_or(""), "\"" + d.hex() + "\"");
  EXPECT_EQ(r->headers.get("Last-Modified").value_or(""), "Sun, 01 Nov 2026 08:00:00 GMT");
  EXPECT_EQ(r->headers.get("Content-Type").value_or(""), "text/html; charset=utf-8");
  EXPECT_NE(r->headers.get("Content-Security-Policy").value_or("").find("frame-ancestors 'self'"), std::string::npos);
  EXPECT_EQ(r->headers.get("X-Content-Type-Options").value_or(""), "nosniff");
  EXPECT_TRUE(r->headers.get("Referrer-Policy"));
  EXPECT_EQ(r->headers.get("Vary").value_or(""), "Accept-Encoding");
  EXPECT_FALSE(r->headers.get("Strict-Transport-Security"));  // plain HTTP: no HSTS
  EXPECT_EQ(get("/about/")->body, kAbout);
}

TEST_F(GuardTest, HostIsCaseInsensitiveAndPortIsIgnored) {
  start();
  EXPECT_EQ(get("/", {}, "WWW.Union.Example.ORG:8080")->status, 200);
}

TEST_F(GuardTest, UnknownHostGets404AndABadHost400) {
  start();
  auto r = get("/", {}, "other.example.org");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body.find("other"), std::string::npos);  // the request's text is never reflected
  EXPECT_EQ(get("/", {}, "bad host<script>")->status, 400);
}

TEST_F(GuardTest, DirectoryWithoutSlashIsRedirectedAndMissingFileIs404) {
  start();
  auto r = get("/about");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 301);
  EXPECT_EQ(r->headers.get("Location").value_or(""), "/about/");
  EXPECT_EQ(get("/nothing.html")->status, 404);
}

TEST_F(GuardTest, ConditionalRequestsAnswer304WithoutABody) {
  start();
  auto first = get("/about/");
  ASSERT_TRUE(first);
  const std::string etag(first->headers.get("ETag").value_or(""));
  auto r = get("/about/", "If-None-Match: " + etag + "\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_TRUE(r->body.empty());
  EXPECT_EQ(r->headers.get("ETag").value_or(""), etag);
  EXPECT_EQ(get("/about/", "If-Modified-Since: Sun, 01 Nov 2026 08:00:00 GMT\r\n")->status, 304);
  EXPECT_EQ(get("/about/", "If-Modified-Since: Sat, 31 Oct 2026 08:00:00 GMT\r\n")->status, 200);
  EXPECT_EQ(get("/about/", "If-None-Match: \"other\"\r\nIf-Modified-Since: Sun, 01 Nov 2026 08:00:00 GMT\r\n")->status,
            200);  // If-None-Match wins
}

TEST_F(GuardTest, ConditionalHeadAnswers304Too) {
  start();
  const std::string etag(get("/about/")->headers.get("ETag").value_or(""));
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  auto r = c->round_trip("HEAD /about/ HTTP/1.1\r\nHost: union.example.org\r\nIf-None-Match: " + etag + "\r\n\r\n", true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 304);
  EXPECT_EQ(c->round_trip("GET /about/ HTTP/1.1\r\nHost: union.example.org\r\n\r\n")->body, kAbout);
}

TEST_F(GuardTest, SingleRangeGives206AndOutOfRange416) {
  start();
  auto r = get("/big.bin", "Range: bytes=10-19\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 206);
  EXPECT_EQ(r->body, std::string(10, 'x'));
  EXPECT_EQ(r->headers.get("Content-Range").value_or(""), "bytes 10-19/100000");
  auto suffix = get("/big.bin", "Range: bytes=-5\r\n");
  EXPECT_EQ(suffix->headers.get("Content-Range").value_or(""), "bytes 99995-99999/100000");
  auto bad = get("/big.bin", "Range: bytes=100000-\r\n");
  EXPECT_EQ(bad->status, 416);
  EXPECT_EQ(bad->headers.get("Content-Range").value_or(""), "bytes */100000");
  auto multi = get("/big.bin", "Range: bytes=0-1,5-6\r\n");
  EXPECT_EQ(multi->status, 200);
  EXPECT_EQ(multi->body.size(), 100'000u);
  auto stale = get("/big.bin", "Range: bytes=0-1\r\nIf-Range: \"not-the-etag\"\r\n");
  EXPECT_EQ(stale->status, 200);
}

TEST_F(GuardTest, HeadHasHeadersButNoBody) {
  start();
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  auto head = c->round_trip("HEAD /big.bin HTTP/1.1\r\nHost: union.example.org\r\n\r\n", true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->headers.get("Content-Length").value_or(""), "100000");
  // The next response on the same connection starts right after the head: no body was sent.
  auto next = c->round_trip("GET /about/ HTTP/1.1\r\nHost: union.example.org\r\n\r\n");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, kAbout);
}

TEST_F(GuardTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send("GET /about/ HTTP/1.1\r\nHost: union.example.org\r\n\r\n"
                      "GET / HTTP/1.1\r\nHost: union.example.org\r\n\r\n"));
  EXPECT_EQ(c->read_response()->body, kAbout);
  EXPECT_EQ(c->read_response()->body, kHome);
}

TEST_F(GuardTest, BadRequestsAre400AndClose) {
  start();
  for (std::string_view target : {"/a/%2e%2e/index.html", "/%2e%2e/%2e%2e/etc/passwd", "/a%00.html", "/a%2Fb"}) {
    auto r = get(target);
    ASSERT_TRUE(r) << target;
    EXPECT_EQ(r->status, 400) << target;
  }
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  auto r = c->round_trip("GET /\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c->closed_by_peer());
}

TEST_F(GuardTest, OversizedHeadersAre431AndLongTargets414) {
  options_.max_header_bytes = 2048;
  options_.max_uri_bytes = 512;
  start();
  EXPECT_EQ(get("/", "X-Big: " + std::string(4000, 'a') + "\r\n")->status, 431);
  EXPECT_EQ(get("/" + std::string(1000, 'a'))->status, 414);
}

TEST_F(GuardTest, OtherMethodsAre405WithAllowAndUnknownOnes501) {
  start();
  auto r = get("/", {}, "union.example.org", "POST");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->headers.get("Allow").value_or(""), "GET, HEAD");
  EXPECT_EQ(get("/", {}, "union.example.org", "BREW")->status, 501);
}

TEST_F(GuardTest, SlowlorisIsCutOffByTheHeaderTimeout) {
  start();
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send("GET / HTTP/1.1\r\n"));
  bool cut = false;
  for (int i = 0; i < 40 && !cut; ++i) {  // a header byte every 100 ms: never completes the head
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    cut = !c->send("X");
    if (!cut && i > 12) cut = c->closed_by_peer(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(cut);
  EXPECT_GE(guard_->stats().header_timeouts, 1u);
}

TEST_F(GuardTest, ConnectionsPerIpAreLimited) {
  options_.max_connections_per_ip = 3;
  start();
  std::vector<std::unique_ptr<ClientConnection>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(ClientConnection::plain(guard_->port()));
    ASSERT_TRUE(open.back());
    ASSERT_EQ(open.back()->round_trip("GET / HTTP/1.1\r\nHost: union.example.org\r\n\r\n")->status, 200);
  }
  auto fourth = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(fourth);
  EXPECT_TRUE(fourth->closed_by_peer());
  EXPECT_GE(guard_->stats().refused_per_ip, 1u);
  open.pop_back();  // one closes: a new one is accepted again
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    auto again = ClientConnection::plain(guard_->port());
    auto r = again ? again->round_trip("GET / HTTP/1.1\r\nHost: union.example.org\r\n\r\n") : std::nullopt;
    served = r && r->status == 200;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served);
}

TEST_F(GuardTest, TamperedStoreIsNeverServed) {
  start();
  const crypto::Digest d = crypto::suite(crypto::SuiteId::intl).hash(kAbout);
  source_.tamper(d, "<p>defaced</p>");
  auto r = get("/about/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body.find("defaced"), std::string::npos);
  auto reports = tampers();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].site_id, 1);
  EXPECT_EQ(reports[0].path, "/about/index.html");
  EXPECT_EQ(reports[0].expected, d);
  EXPECT_EQ(reports[0].actual, crypto::suite(crypto::SuiteId::intl).hash("<p>defaced</p>").to_string());
  EXPECT_FALSE(reports[0].served_after_refetch);
  EXPECT_EQ(guard_->stats().verify_failures, 1u);
  EXPECT_NE(guard_->metrics_text().find("guard_verify_failures_total 1"), std::string::npos);
}

TEST_F(GuardTest, AGoodCopyIsServedAfterRefetch) {
  start();
  const crypto::Digest d = crypto::suite(crypto::SuiteId::intl).hash(kAbout);
  source_.tamper_next_read(d, "<p>defaced</p>");
  auto r = get("/about/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kAbout);
  auto reports = tampers();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].served_after_refetch);
}

TEST_F(GuardTest, VerifiedBytesAreCachedAndATamperAfterLoadIsNotSeen) {
  start();
  EXPECT_EQ(get("/about/")->body, kAbout);
  const auto reads = source_.reads();
  source_.tamper(crypto::suite(crypto::SuiteId::intl).hash(kAbout), "<p>defaced</p>");
  EXPECT_EQ(get("/about/")->body, kAbout);
  EXPECT_EQ(source_.reads(), reads);
  EXPECT_GE(guard_->stats().cache_hits, 1u);
}

TEST_F(GuardTest, FilesOverTheCacheLimitAreVerifiedPerRequestAndNotKept) {
  options_.cache_max_file_bytes = 50'000;
  start();
  EXPECT_EQ(get("/big.bin")->body.size(), 100'000u);
  EXPECT_EQ(get("/big.bin")->body.size(), 100'000u);
  EXPECT_EQ(guard_->stats().cache_hits, 0u);
  source_.tamper(crypto::suite(crypto::SuiteId::intl).hash(std::string(100'000, 'x')), std::string(100'000, 'y'));
  EXPECT_EQ(get("/big.bin")->status, 503);
}

// Large cached bodies go out by sendfile(2) from a sealed in-memory copy on plain HTTP: the same bytes,
// ranges at the right offsets, keep-alive and pipelining intact.
TEST_F(GuardTest, LargeCachedBodiesSentFromASealedCopyAreTheVerifiedBytes) {
  std::string pattern;
  for (int i = 0; i < 300'000; ++i) pattern += static_cast<char>('a' + (i * 7 + i / 26) % 26);
  site_files_.push_back({"/pattern.bin", pattern, "application/octet-stream"});
  source_.publish(1, {"union.example.org"}, site_files_);
  start();
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  const std::string req = "GET /pattern.bin HTTP/1.1\r\nHost: union.example.org\r\n\r\n";
  EXPECT_EQ(c->round_trip(req)->body, pattern);  // the miss: verified on a disk thread
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c->round_trip(req)->body, pattern);  // hits
  auto range = c->round_trip("GET /pattern.bin HTTP/1.1\r\nHost: union.example.org\r\nRange: bytes=1000-250999\r\n\r\n");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->status, 206);
  EXPECT_EQ(range->body, pattern.substr(1000, 250'000));
  ASSERT_TRUE(c->send(req + "GET /about/ HTTP/1.1\r\nHost: union.example.org\r\n\r\n" + req));
  EXPECT_EQ(c->read_response()->body, pattern);
  EXPECT_EQ(c->read_response()->body, kAbout);
  EXPECT_EQ(c->read_response()->body, pattern);
  // A client that goes away mid-answer costs the guard nothing.
  {
    auto gone = ClientConnection::plain(guard_->port());
    ASSERT_TRUE(gone);
    ASSERT_TRUE(gone->send(req + req + req));
  }
  EXPECT_EQ(c->round_trip(req)->body, pattern);
}

// The sealed copies of a process: "/memfd:<name> (deleted)" links among /proc/self/fd.
std::vector<int> sealed_fds(std::string_view name) {
  std::vector<int> fds;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(e.path(), ec).string();
    if (!ec && target.starts_with("/memfd:" + std::string(name) + " ")) fds.push_back(std::stoi(e.path().filename()));
  }
  return fds;
}

// A hot large body (asked for again and again within a second) goes out as one sendfile from a sealed
// copy holding the answer's head and the body (N7.1: a copy of verified bytes nobody can change). Every
// answer is still byte-exact with its own head: another Connection header (HTTP/1.0 keep-alive), HEAD
// and a range on the same connection get theirs, and the copies refuse every write.
TEST_F(GuardTest, AHotLargeBodyGoesOutWithItsHeadInOneSealedCopy) {
  std::string pattern;
  for (int i = 0; i < 200'000; ++i) pattern += static_cast<char>('A' + (i * 13 + i / 31) % 26);
  site_files_.push_back({"/hot.bin", pattern, "application/octet-stream"});
  source_.publish(1, {"union.example.org"}, site_files_);
  options_.threads = 1;
  start();
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  const std::string req = "GET /hot.bin HTTP/1.1\r\nHost: union.example.org\r\n\r\n";
  EXPECT_EQ(c->round_trip(req)->body, pattern);  // the miss
  std::string burst;
  for (int i = 0; i < 20; ++i) burst += req;
  ASSERT_TRUE(c->send(burst));
  for (int i = 0; i < 20; ++i) {
    auto r = c->read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, pattern);
    EXPECT_EQ(r->headers.get("Content-Length"), "200000");
    EXPECT_TRUE(r->headers.get("Date"));
    EXPECT_TRUE(r->headers.get("Content-Security-Policy"));
    EXPECT_FALSE(r->headers.get("Connection"));
  }
  // 20 asks within (at most) two seconds: a head+body copy was made, beside the body's own.
  EXPECT_EQ(sealed_fds("sitewarden-guard-answer").size(), 1u);
  EXPECT_EQ(sealed_fds("sitewarden-guard").size(), 1u);
  auto old = c->round_trip("GET /hot.bin HTTP/1.0\r\nHost: union.example.org\r\nConnection: keep-alive\r\n\r\n");
  ASSERT_TRUE(old);
  EXPECT_EQ(old->headers.get("Connection"), "keep-alive");
  EXPECT_EQ(old->body, pattern);
  auto head = c->round_trip("HEAD /hot.bin HTTP/1.1\r\nHost: union.example.org\r\n\r\n", true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->headers.get("Content-Length"), "200000");
  EXPECT_TRUE(head->body.empty());
  auto range = c->round_trip("GET /hot.bin HTTP/1.1\r\nHost: union.example.org\r\nRange: bytes=70000-\r\n\r\n");
  ASSERT_TRUE(range);
  EXPECT_EQ(range->status, 206);
  EXPECT_EQ(range->body, pattern.substr(70'000));
  EXPECT_EQ(c->round_trip(req)->body, pattern);  // keep-alive intact after all of them
  // Sealed: no write, no truncation, no growth, not even through a new descriptor for the same file.
  for (const char* name : {"sitewarden-guard", "sitewarden-guard-answer"}) {
    for (int fd : sealed_fds(name)) {
      EXPECT_LT(::write(fd, "x", 1), 0) << name;
      EXPECT_LT(::pwrite(fd, "x", 1, 0), 0) << name;
      EXPECT_NE(::ftruncate(fd, 10), 0) << name;
      const int again = ::open(("/proc/self/fd/" + std::to_string(fd)).c_str(), O_RDWR);
      if (again >= 0) {
        EXPECT_LT(::write(again, "x", 1), 0) << name;
        ::close(again);
      }
    }
  }
  EXPECT_EQ(c->round_trip(req)->body, pattern);
  EXPECT_EQ(guard_->stats().verify_failures, 0u);
}

TEST_F(GuardTest, TheVeryNextRequestAfterASwitchGetsTheNewRelease) {
  start();
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  const std::string req = "GET /about/ HTTP/1.1\r\nHost: union.example.org\r\n\r\n";
  EXPECT_EQ(c->round_trip(req)->body, kAbout);
  for (int i = 0; i < 20; ++i) {
    const std::string page = "<p>version " + std::to_string(i) + "</p>";
    source_.publish(1, {"union.example.org"}, {{"/about/index.html", page}});
    auto r = c->round_trip(req);  // same keep-alive connection, no wait
    ASSERT_TRUE(r);
    EXPECT_EQ(r->body, page);
  }
}

// The re-read a switch needs runs on a disk thread: the request that noticed it waits for it (and gets
// the new release), while the event thread goes on answering other connections.
TEST_F(GuardTest, ASlowReReadWaitsTheNoticingRequestButNotTheEventThread) {
  options_.threads = 1;  // both connections on the one event thread
  start();
  auto a = ClientConnection::plain(guard_->port());
  auto b = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->round_trip("GET /about/ HTTP/1.1\r\nHost: union.example.org\r\n\r\n")->body, kAbout);
  source_.hold_listing(true);
  source_.publish(1, {"union.example.org"}, {{"/about/index.html", "<p>new</p>"}});
  ASSERT_TRUE(a->send("GET /about/ HTTP/1.1\r\nHost: union.example.org\r\n\r\n"));  // notices, waits
  auto bad = b->round_trip("GET /\r\n\r\n");  // answered while the re-read is held
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  source_.hold_listing(false);
  auto r = a->read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "<p>new</p>");
}

TEST_F(GuardTest, RollbackIsServedFromTheNextRequest) {
  start();
  EXPECT_EQ(get("/about/")->body, kAbout);
  source_.publish(1, {"union.example.org"}, {{"/about/index.html", "<p>bad release</p>"}});
  EXPECT_EQ(get("/about/")->body, "<p>bad release</p>");
  source_.publish(1, {"union.example.org"}, site_files_);  // rollback: the earlier manifest is live again
  EXPECT_EQ(get("/about/")->body, kAbout);
}

TEST_F(GuardTest, AFailedReloadKeepsServingTheLastRelease) {
  start();
  source_.fail_listing(true);
  source_.bump();
  EXPECT_EQ(get("/about/")->body, kAbout);
  EXPECT_GE(guard_->stats().reload_failures, 1u);
}

TEST_F(GuardTest, GzipAndBrotliAreChosenByAcceptEncodingAndDecompressToTheFile) {
  start();
  auto gz = get("/", "Accept-Encoding: gzip\r\n");
  ASSERT_TRUE(gz);
  EXPECT_EQ(gz->headers.get("Content-Encoding").value_or(""), "gzip");
  EXPECT_EQ(gunzip(gz->body), kHome);
  auto br = get("/", "Accept-Encoding: gzip, deflate, br\r\n");
  ASSERT_TRUE(br);
  EXPECT_EQ(br->headers.get("Content-Encoding").value_or(""), "br");
  EXPECT_EQ(unbrotli(br->body), kHome);
  EXPECT_NE(br->headers.get("ETag"), gz->headers.get("ETag"));
  auto none = get("/", "Accept-Encoding: br;q=0, gzip;q=0\r\n");
  EXPECT_FALSE(none->headers.get("Content-Encoding"));
  EXPECT_EQ(none->body, kHome);
}

TEST_F(GuardTest, AdminListenerAnswersHealthAndMetrics) {
  start();
  ASSERT_EQ(get("/")->status, 200);
  auto c = ClientConnection::plain(guard_->admin_port());
  ASSERT_TRUE(c);
  auto health = c->round_trip("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto metrics = c->round_trip("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("guard_requests_total"), std::string::npos);
  EXPECT_NE(metrics->body.find("guard_responses_total{status=\"200\"}"), std::string::npos);
  EXPECT_NE(metrics->body.find("guard_cache_misses_total"), std::string::npos);
}

TEST_F(GuardTest, AccessLogIsJsonLinesWithoutTheQuery) {
  const auto dir = http::testing::make_temp_dir();
  options_.access_log = dir / "access.log";
  start();
  ASSERT_EQ(get("/about/?token=secret")->status, 200);
  guard_->stop();
  guard_->wait();
  std::ifstream in(options_.access_log);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find("\"path\":\"/about/\""), std::string::npos) << line;
  EXPECT_EQ(line.find("secret"), std::string::npos);
  EXPECT_NE(line.find("\"status\":200"), std::string::npos);
  std::filesystem::remove_all(dir);
}

// Request filters (issue 6 seam, filter.h): a filter that blocks on a marker and records what it saw.
class MarkerFilter : public RequestFilter {
 public:
  struct Seen {
    std::string request_id, method, target, version, host, body, client_ip, server_ip;
    std::int64_t site_id = 0;
    bool tls = false;
    std::vector<std::pair<std::string, std::string>> headers;
  };

  bool admit(std::string_view ip) override {
    std::lock_guard lock(mutex_);
    if (refuse_admit_) return false;
    ++admitted_;
    (void)ip;
    return true;
  }
  void release(std::string_view) override {
    std::lock_guard lock(mutex_);
    ++released_;
  }
  FilterVerdict inspect(const FilterRequest& r) override {
    Seen s{std::string(r.request_id), std::string(r.method), std::string(r.target), std::string(r.http_version),
           std::string(r.host), std::string(r.body), std::string(r.client_ip), std::string(r.server_ip),
           r.site_id, r.tls, {}};
    for (const FilterHeader& h : r.headers) s.headers.emplace_back(h.name, h.value);
    FilterVerdict v;
    if (r.target.find("marker") != std::string_view::npos || r.body.find("marker") != std::string_view::npos) {
      v.action = FilterVerdict::Action::block;
      v.status = 403;
      v.body = "<p>blocked " + s.request_id + "</p>";
      v.headers = {{"X-Blocked-By", "marker"}, {"Bad\r\nHeader", "x"}, {"X-Evil", "a\r\nSet-Cookie: x=1"}};
      v.reason = "marker";
    }
    std::lock_guard lock(mutex_);
    seen_.push_back(std::move(s));
    return v;
  }
  void complete(const FilterOutcome& o) override {
    std::lock_guard lock(mutex_);
    completed_.emplace_back(std::string(o.request_id), o.status);
  }
  void append_metrics(std::string& out) const override {
    out += "# HELP marker_filter_seen Requests the marker filter saw.\n# TYPE marker_filter_seen counter\n";
    std::lock_guard lock(mutex_);
    out += "marker_filter_seen " + std::to_string(seen_.size()) + "\n";
  }

  std::vector<Seen> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::vector<std::pair<std::string, int>> completed() {
    std::lock_guard lock(mutex_);
    return completed_;
  }
  void refuse_admit(bool v) {
    std::lock_guard lock(mutex_);
    refuse_admit_ = v;
  }
  std::pair<int, int> admitted_released() {
    std::lock_guard lock(mutex_);
    return {admitted_, released_};
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Seen> seen_;
  std::vector<std::pair<std::string, int>> completed_;
  bool refuse_admit_ = false;
  int admitted_ = 0, released_ = 0;
};

class GuardFilterTest : public GuardTest {
 protected:
  void SetUp() override {
    GuardTest::SetUp();
    filter_ = std::make_shared<MarkerFilter>();
    options_.filters = {filter_};
  }
  // Waits (bounded) until the filter's complete() was called `n` times: it runs after the write.
  void wait_completed(std::size_t n) {
    for (int i = 0; i < 200 && filter_->completed().size() < n; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  std::shared_ptr<MarkerFilter> filter_;
};

TEST_F(GuardFilterTest, TheFilterSeesTheRequestAndAPassServesTheFile) {
  start();
  auto r = get("/about/?q=1", "X-First: 1\r\nX-Second:  two \r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, kAbout);
  auto seen = filter_->seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].target, "/about/?q=1");
  EXPECT_EQ(seen[0].version, "1.1");
  EXPECT_EQ(seen[0].host, "union.example.org");
  EXPECT_EQ(seen[0].site_id, 1);
  EXPECT_EQ(seen[0].client_ip, "127.0.0.1");
  EXPECT_EQ(seen[0].server_ip, "127.0.0.1");
  EXPECT_FALSE(seen[0].tls);
  EXPECT_FALSE(seen[0].request_id.empty());
  ASSERT_EQ(seen[0].headers.size(), 3u);
  EXPECT_EQ(seen[0].headers[0], (std::pair<std::string, std::string>{"Host", "union.example.org"}));
  EXPECT_EQ(seen[0].headers[1], (std::pair<std::string, std::string>{"X-First", "1"}));
  EXPECT_EQ(seen[0].headers[2], (std::pair<std::string, std::string>{"X-Second", "two"}));
  wait_completed(1);
  ASSERT_EQ(filter_->completed().size(), 1u);
  EXPECT_EQ(filter_->completed()[0], (std::pair<std::string, int>{seen[0].request_id, 200}));
  // An unknown host is still inspected, with no site.
  EXPECT_EQ(get("/", {}, "other.example.org")->status, 404);
  EXPECT_EQ(filter_->seen().back().site_id, 0);
}

TEST_F(GuardFilterTest, ABlockIsTheFiltersPageWithTheGuardsHeaders) {
  start();
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  auto r = c->round_trip("GET /about/?x=marker HTTP/1.1\r\nHost: union.example.org\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  const std::string id(r->headers.get("X-Request-Id").value_or(""));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(r->body, "<p>blocked " + id + "</p>");
  EXPECT_EQ(r->headers.get("X-Blocked-By").value_or(""), "marker");
  EXPECT_FALSE(r->headers.get("Set-Cookie"));  // a header line with a line break is never sent
  EXPECT_FALSE(r->headers.get("X-Evil"));
  EXPECT_EQ(r->headers.get("X-Content-Type-Options").value_or(""), "nosniff");
  EXPECT_TRUE(r->headers.get("Content-Security-Policy"));
  EXPECT_EQ(r->headers.get("Cache-Control").value_or(""), "no-store");
  // The connection stays usable (the verdict did not ask to close), and request ids differ.
  auto next = c->round_trip("GET /about/ HTTP/1.1\r\nHost: union.example.org\r\n\r\n");
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, kAbout);
  auto seen = filter_->seen();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].request_id, id);
  EXPECT_NE(seen[1].request_id, id);
  wait_completed(2);
  EXPECT_EQ(filter_->completed()[0], (std::pair<std::string, int>{id, 403}));
  EXPECT_EQ(guard_->stats().filter_blocks, 1u);
}

TEST_F(GuardFilterTest, TheFilterSeesContentLengthAndChunkedBodiesAndOtherMethodsAre405) {
  start();
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  auto r = c->round_trip("POST /form HTTP/1.1\r\nHost: union.example.org\r\nContent-Length: 11\r\n\r\nhello world");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->headers.get("Allow").value_or(""), "GET, HEAD");
  EXPECT_EQ(filter_->seen().back().body, "hello world");
  EXPECT_EQ(filter_->seen().back().method, "POST");
  // Chunked, sent in pieces with an extension and a trailer: the filter gets the de-chunked body.
  ASSERT_TRUE(c->send("POST /form HTTP/1.1\r\nHost: union.example.org\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhel"));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(c->send("lo\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"));
  r = c->read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(filter_->seen().back().body, "hello world");
  // A body carrying the marker is blocked.
  r = c->round_trip("POST /form HTTP/1.1\r\nHost: union.example.org\r\nContent-Length: 9\r\n\r\nmarker!!!");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  // A GET with a body is read and the file served.
  r = c->round_trip("GET /about/ HTTP/1.1\r\nHost: union.example.org\r\nContent-Length: 3\r\n\r\nabc");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, kAbout);
}

TEST_F(GuardFilterTest, PipelinedRequestsWithBodiesAreAnsweredInOrder) {
  start();
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  const std::string big(20'000, 'b');  // larger than the head buffer: the buffer grows and shrinks back
  ASSERT_TRUE(c->send("POST /a HTTP/1.1\r\nHost: union.example.org\r\nContent-Length: 3\r\n\r\none"
                      "POST /b HTTP/1.1\r\nHost: union.example.org\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\ntwo\r\n0\r\n\r\n"
                      "POST /c HTTP/1.1\r\nHost: union.example.org\r\nContent-Length: 20000\r\n\r\n" + big +
                      "GET /about/ HTTP/1.1\r\nHost: union.example.org\r\n\r\n"
                      "POST /marker HTTP/1.1\r\nHost: union.example.org\r\nContent-Length: 4\r\n\r\nfour"
                      "GET / HTTP/1.1\r\nHost: union.example.org\r\n\r\n"));
  EXPECT_EQ(c->read_response()->status, 405);
  EXPECT_EQ(c->read_response()->status, 405);
  EXPECT_EQ(c->read_response()->status, 405);
  EXPECT_EQ(c->read_response()->body, kAbout);
  EXPECT_EQ(c->read_response()->status, 403);
  EXPECT_EQ(c->read_response()->body, kHome);
  auto seen = filter_->seen();
  ASSERT_EQ(seen.size(), 6u);
  EXPECT_EQ(seen[0].body, "one");
  EXPECT_EQ(seen[1].body, "two");
  EXPECT_EQ(seen[2].body, big);
  EXPECT_EQ(seen[3].body, "");
  EXPECT_EQ(seen[4].body, "four");
}

TEST_F(GuardFilterTest, ABodyOverTheLimitIs413WithoutReadingIt) {
  options_.max_body_bytes = 1000;
  start();
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  // The head promises more than the limit: answered at once, before any body byte is sent.
  auto r = c->round_trip("POST / HTTP/1.1\r\nHost: union.example.org\r\nContent-Length: 1001\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(c->closed_by_peer());
  // Chunked: refused when a chunk size goes over it.
  auto d = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(d);
  r = d->round_trip("POST / HTTP/1.1\r\nHost: union.example.org\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "1f4\r\n" + std::string(500, 'a') + "\r\n1f5\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_TRUE(d->closed_by_peer());
  EXPECT_TRUE(filter_->seen().empty());  // never inspected
  EXPECT_EQ(guard_->stats().bodies_too_large, 2u);
  // Exactly the limit is read and inspected.
  auto e = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(e);
  r = e->round_trip("POST / HTTP/1.1\r\nHost: union.example.org\r\nContent-Length: 1000\r\n\r\n" +
                    std::string(1000, 'x'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(filter_->seen().size(), 1u);
}

TEST_F(GuardFilterTest, ASlowBodyIs408AndTheConnectionCloses) {
  options_.body_timeout = std::chrono::milliseconds(300);
  start();
  auto c = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->send("POST / HTTP/1.1\r\nHost: union.example.org\r\nContent-Length: 100\r\n\r\nabc"));
  for (int i = 0; i < 2; ++i) {  // bytes keep coming, but they do not move the deadline
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(c->send("d"));
  }
  auto r = c->read_response();  // waits at most kReadTimeout
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c->closed_by_peer());
  EXPECT_TRUE(filter_->seen().empty());
  EXPECT_EQ(guard_->stats().body_timeouts, 1u);
}

TEST_F(GuardFilterTest, ARefusedAdmissionClosesTheConnectionAndAdmittedOnesAreReleased) {
  start();
  {
    auto c = ClientConnection::plain(guard_->port());
    ASSERT_TRUE(c);
    ASSERT_EQ(c->round_trip("GET / HTTP/1.1\r\nHost: union.example.org\r\n\r\n")->status, 200);
  }
  filter_->refuse_admit(true);
  auto refused = ClientConnection::plain(guard_->port());
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->closed_by_peer());
  EXPECT_GE(guard_->stats().refused_by_filter, 1u);
  for (int i = 0; i < 200 && filter_->admitted_released().second < 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(filter_->admitted_released(), (std::pair<int, int>{1, 1}));
  // The admin listener is never filtered.
  auto admin = ClientConnection::plain(guard_->admin_port());
  ASSERT_TRUE(admin);
  EXPECT_EQ(admin->round_trip("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")->status, 200);
}

TEST_F(GuardFilterTest, MetricsAppendTheFiltersLinesAndCountBlocksByReason) {
  const auto dir = http::testing::make_temp_dir();
  options_.access_log = dir / "access.log";
  start();
  EXPECT_EQ(get("/marker")->status, 403);
  EXPECT_EQ(get("/about/")->status, 200);
  const std::string m = guard_->metrics_text();
  EXPECT_NE(m.find("guard_filter_blocks_total{reason=\"marker\"} 1"), std::string::npos) << m;
  EXPECT_NE(m.find("marker_filter_seen 2"), std::string::npos) << m;
  EXPECT_NE(m.find("guard_blocks_total{limit=\"body_size\"} 0"), std::string::npos);
  guard_->stop();
  guard_->wait();
  std::ifstream in(options_.access_log);
  std::string blocked, passed, line;  // each event thread writes its own lines: order by content
  while (std::getline(in, line)) (line.find("/marker") != std::string::npos ? blocked : passed) = line;
  EXPECT_NE(blocked.find("\"verdict\":\"marker\""), std::string::npos) << blocked;
  EXPECT_NE(blocked.find("\"request_id\":\"" + filter_->seen()[0].request_id + "\""), std::string::npos) << blocked;
  EXPECT_NE(passed.find("\"verdict\":\"pass\""), std::string::npos) << passed;
  std::filesystem::remove_all(dir);
}

// TLS: the certificate is chosen by SNI, and answers carry HSTS.
std::string peer_common_name(std::uint16_t port, const std::string& sni) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL* ssl = SSL_new(ctx);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string cn;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    SSL_set_fd(ssl, fd);
    SSL_set_tlsext_host_name(ssl, sni.c_str());
    if (SSL_connect(ssl) == 1) {
      X509* cert = SSL_get1_peer_certificate(ssl);
      char buf[256] = {};
      X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf, sizeof buf);
      cn = buf;
      X509_free(cert);
    }
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  ::close(fd);
  return cn;
}

TEST_F(GuardTest, TlsChoosesTheCertificateBySniAndSendsHsts) {
  const auto dir = http::testing::make_temp_dir();
  for (const std::string host : {"union.example.org", "www.union.example.org"}) {
    auto cert = http::testing::make_self_signed(dir, host);
    std::filesystem::rename(cert.certificate_file, dir / (host + ".pem"));
    std::filesystem::rename(cert.private_key_file, dir / (host + ".key"));
  }
  options_.tls = true;
  options_.tls_cert_dir = dir;
  start();
  EXPECT_EQ(peer_common_name(guard_->tls_port(), "www.union.example.org"), "www.union.example.org");
  EXPECT_EQ(peer_common_name(guard_->tls_port(), "union.example.org"), "union.example.org");
  auto c = ClientConnection::tls(guard_->tls_port());
  ASSERT_TRUE(c);
  auto r = c->round_trip("GET / HTTP/1.1\r\nHost: union.example.org\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, kHome);
  EXPECT_TRUE(r->headers.get("Strict-Transport-Security"));
  std::filesystem::remove_all(dir);
}

// Certificates are re-read on reload when their files changed; a broken change keeps the old ones.
TEST_F(GuardTest, ChangedCertificatesAreLoadedOnReloadAndABrokenChangeKeepsTheOld) {
  const auto dir = http::testing::make_temp_dir();
  const auto work = http::testing::make_temp_dir();
  auto install = [&](const std::string& common_name) {
    auto cert = http::testing::make_self_signed(work, common_name);
    std::filesystem::rename(cert.certificate_file, dir / "union.example.org.pem");
    std::filesystem::rename(cert.private_key_file, dir / "union.example.org.key");
  };
  install("union.example.org");
  options_.tls = true;
  options_.tls_cert_dir = dir;
  start();
  EXPECT_EQ(peer_common_name(guard_->tls_port(), "union.example.org"), "union.example.org");
  auto kept = ClientConnection::tls(guard_->tls_port());  // open across the reload
  ASSERT_TRUE(kept);
  ASSERT_TRUE(guard_->reload());  // nothing changed: nothing re-read
  EXPECT_EQ(guard_->stats().tls_reloads, 0u);
  install("renewed.example.org");  // a renewed certificate under the same name
  ASSERT_TRUE(guard_->reload());
  EXPECT_EQ(guard_->stats().tls_reloads, 1u);
  EXPECT_EQ(peer_common_name(guard_->tls_port(), "union.example.org"), "renewed.example.org");
  EXPECT_EQ(kept->round_trip("GET / HTTP/1.1\r\nHost: union.example.org\r\n\r\n")->body, kHome);
  {
    std::ofstream broken(dir / "union.example.org.pem", std::ios::trunc);
    broken << "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n";
  }
  EXPECT_TRUE(guard_->reload());  // the releases reloaded; the certificate error is counted
  EXPECT_EQ(guard_->stats().tls_reload_failures, 1u);
  EXPECT_EQ(peer_common_name(guard_->tls_port(), "union.example.org"), "renewed.example.org");
  EXPECT_NE(guard_->metrics_text().find("guard_tls_reload_failures_total 1"), std::string::npos);
  std::filesystem::remove_all(dir);
  std::filesystem::remove_all(work);
}

}  // namespace
}  // namespace sw::guard
