// Integration tests: a real Server on 127.0.0.1 with an ephemeral port, driven by raw sockets.
#include "http/server.h"

#include <atomic>
#include <fstream>
#include <functional>
#include <future>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/log.h"
#include "test_client.h"

namespace sw::http {
namespace {

using namespace std::chrono_literals;
using testing::ClientConnection;
using testing::get_request;

constexpr auto kSlowHandlerTime = 300ms;

std::string post_request(std::string_view target, std::string_view body, std::string_view extra = {}) {
  return "POST " + std::string(target) +
         " HTTP/1.1\r\nHost: test\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra) + "\r\n" + std::string(body);
}

std::string chunked_post(std::size_t chunk_count, std::size_t chunk_size) {
  std::string request = "POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: chunked\r\n\r\n";
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk_size);
  for (std::size_t i = 0; i < chunk_count; ++i) request += size_line + std::string(chunk_size, 'x') + "\r\n";
  return request + "0\r\n\r\n";
}

// Counters move on the server's threads, a moment after the client sees the effect (the
// socket closes before the timeout is counted; a response is counted once fully written).
// Returns the first snapshot that satisfies `done`, or the last one after about two seconds.
Stats settled_stats(const Server& server, const std::function<bool(const Stats&)>& done) {
  Stats stats = server.stats();
  for (int i = 0; i < 200 && !done(stats); ++i) {
    std::this_thread::sleep_for(10ms);
    stats = server.stats();
  }
  return stats;
}

// Answers `status` from on_request for one path, tags every response, and can refuse connections.
class TestFilter final : public Filter {
 public:
  std::string_view name() const override { return "test"; }
  bool on_accept(std::string_view) override { return !refuse_connections; }
  std::optional<Response> on_request(Context& context) override {
    if (context.request.path == "/blocked") return Response::error(status::forbidden);
    return std::nullopt;
  }
  void on_response(Context&, Response& response) override { response.headers.set("X-Filtered", "yes"); }

  std::atomic<bool> refuse_connections{false};
};

class ServerTest : public ::testing::Test {
 protected:
  static ServerOptions default_options() {
    ServerOptions options;
    options.listeners.push_back(ListenerOptions{.name = "test"});
    options.io_threads = 1;
    options.handler_threads = 4;
    options.shutdown_grace_period = 5s;
    return options;
  }

  Router routes() {
    Router router;
    EXPECT_TRUE(router.add("GET", "/users/{id}",
                           [](Context& c) { return Response::text("user " + std::string(c.param("id"))); }));
    EXPECT_TRUE(router.add("POST", "/echo", [](Context& c) { return Response::text(c.request.body); }));
    EXPECT_TRUE(router.add("POST", "/articles/{id}/attachments",
                           [](Context& c) { return Response::text(std::to_string(c.request.body.size())); }));
    EXPECT_TRUE(router.add("GET", "/slow", [this](Context&) {
      slow_started.set_value();
      std::this_thread::sleep_for(kSlowHandlerTime);
      slow_done = true;
      return Response::text("slow");
    }));
    EXPECT_TRUE(router.add("GET", "/boom", [](Context&) -> Response { throw std::runtime_error("boom"); }));
    EXPECT_TRUE(router.add("GET", "/whoami", [](Context& c) {
      return Response::text(c.request.client_ip + " " + c.request.listener + " " +
                            (c.request.tls ? "tls" : "plain"));
    }));
    return router;
  }

  void start(ServerOptions options = default_options()) {
    server = std::make_unique<Server>(std::move(options), routes());
    server->add_filter(filter);
    const Status started = server->start();
    ASSERT_TRUE(started.has_value()) << started.error().to_string();
    port = server->port(0);
    ASSERT_NE(port, 0);
  }

  std::unique_ptr<ClientConnection> connect() {
    auto connection = ClientConnection::plain(port);
    EXPECT_NE(connection, nullptr);
    return connection;
  }

  std::optional<testing::ReceivedResponse> fetch(std::string_view request) {
    return connect()->round_trip(request);
  }

  std::shared_ptr<TestFilter> filter = std::make_shared<TestFilter>();
  std::unique_ptr<Server> server;
  std::uint16_t port = 0;
  std::promise<void> slow_started;
  std::atomic<bool> slow_done{false};
};

TEST_F(ServerTest, RoutesRequestAndBindsPathParameter) {
  start();
  const auto response = fetch(get_request("/users/42"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "user 42");
}

TEST_F(ServerTest, EveryResponseHasDateAndRandomRequestId) {
  start();
  auto connection = connect();
  const auto first = connection->round_trip(get_request("/users/1"));
  const auto second = connection->round_trip(get_request("/nowhere"));
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(first->headers.get("Date").value_or("").ends_with(" GMT"));
  const std::string id = std::string(first->headers.get("X-Request-Id").value_or(""));
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(second->headers.get("X-Request-Id"), first->headers.get("X-Request-Id"));
  EXPECT_TRUE(second->headers.contains("Date"));
}

TEST_F(ServerTest, UnknownPathIs404) {
  start();
  EXPECT_EQ(fetch(get_request("/nowhere"))->status, 404);
}

TEST_F(ServerTest, OtherMethodOnKnownPathIs405WithAllow) {
  start();
  const auto response = fetch(post_request("/users/1", "x"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->headers.get("Allow"), "GET, HEAD");
}

TEST_F(ServerTest, HeadIsAnsweredByGetHandlerWithoutBody) {
  start();
  auto connection = connect();
  const auto head = connection->round_trip("HEAD /users/42 HTTP/1.1\r\nHost: test\r\n\r\n", true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->headers.get("Content-Length"), "7");
  // Had the server sent the body, it would be read here as the next response's start.
  const auto next = connection->round_trip(get_request("/users/9"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "user 9");
}

TEST_F(ServerTest, FilterCanShortCircuitAndTagResponses) {
  start();
  const auto blocked = fetch(get_request("/blocked"));
  const auto allowed = fetch(get_request("/users/1"));
  ASSERT_TRUE(blocked && allowed);
  EXPECT_EQ(blocked->status, 403);
  EXPECT_EQ(blocked->headers.get("X-Filtered"), "yes");
  EXPECT_EQ(allowed->headers.get("X-Filtered"), "yes");
}

TEST_F(ServerTest, FilterRefusalAtAcceptClosesConnection) {
  filter->refuse_connections = true;
  start();
  auto connection = connect();
  connection->send(get_request("/users/1"));
  EXPECT_TRUE(connection->closed_by_peer());
  EXPECT_EQ(server->stats().rejected_for(RejectReason::refused_at_accept), 1u);
}

TEST_F(ServerTest, HandlerExceptionIs500WithoutDetail) {
  start();
  const auto response = fetch(get_request("/boom"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->body.find("boom"), std::string::npos);
}

TEST_F(ServerTest, RequestKnowsClientListenerAndTransport) {
  start();
  EXPECT_EQ(fetch(get_request("/whoami"))->body, "127.0.0.1 test plain");
}

TEST_F(ServerTest, OversizeHeaderIs431) {
  start();
  const auto response = fetch(get_request("/users/1", "X-Big: " + std::string(9000, 'a') + "\r\n"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(server->stats().rejected_for(RejectReason::header_too_large), 1u);
}

TEST_F(ServerTest, OversizeContentLengthIs413BeforeTheBodyIsSent) {
  start();
  auto connection = connect();
  const auto response =
      connection->round_trip("POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 10000000\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->headers.get("Connection"), "close");
  EXPECT_EQ(server->stats().rejected_for(RejectReason::body_too_large), 1u);
}

TEST(UploadRoutes, PatternsMatchWholeSegments) {
  EXPECT_TRUE(upload_route_matches("/articles/*/attachments", "/articles/12/attachments"));
  EXPECT_TRUE(upload_route_matches("/api/v1/articles/*/attachments", "/api/v1/articles/7/attachments"));
  EXPECT_FALSE(upload_route_matches("/articles/*/attachments", "/articles//attachments"));
  EXPECT_FALSE(upload_route_matches("/articles/*/attachments", "/articles/1/2/attachments"));
  EXPECT_FALSE(upload_route_matches("/articles/*/attachments", "/articles/1/attachments/x"));
  EXPECT_FALSE(upload_route_matches("/articles/*/attachments", "/articles/1"));
  EXPECT_FALSE(upload_route_matches("/articles/*/attachments", "/articles/1/attachmentsx"));
  EXPECT_FALSE(upload_route_matches("/articles/*/attachments", "articles/1/attachments"));
}

// An upload route takes bodies over max_body_bytes up to its own limit; every other route keeps the
// small limit; and the upload bodies being read at once are bounded (N7.3).
TEST_F(ServerTest, UploadRoutesHaveTheirOwnLimitAndAnInFlightBudget) {
  ServerOptions options = default_options();
  options.limits.max_body_bytes = 1024;
  options.limits.upload_routes = {{"/articles/*/attachments", 64 * 1024}};
  options.limits.max_upload_bytes_in_flight = 100 * 1024;
  start(options);
  const std::string body(40 * 1024, 'x');
  auto response = fetch(post_request("/articles/3/attachments", body));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, std::to_string(body.size()));
  response = fetch(post_request("/echo", body));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413) << "other routes keep max_body_bytes";
  response = fetch(post_request("/articles/3/attachments", std::string(70 * 1024, 'x')));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413) << "over the route's own limit";

  // A slow upload of 60 KiB holds its share; a second one of 60 KiB would pass the 100 KiB budget.
  auto slow = connect();
  ASSERT_TRUE(slow->send("POST /articles/4/attachments HTTP/1.1\r\nHost: test\r\nContent-Length: 61440\r\n\r\n" +
                         std::string(1000, 'y')));
  std::this_thread::sleep_for(200ms);
  response = fetch(post_request("/articles/5/attachments", std::string(60 * 1024, 'z')));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(server->stats().rejected_for(RejectReason::uploads_busy), 1u);
  // Small uploads (within max_body_bytes) never wait for the budget.
  response = fetch(post_request("/articles/5/attachments", std::string(512, 'z')));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  // The slow one finishes and gives its share back.
  ASSERT_TRUE(slow->send(std::string(61440 - 1000, 'y')));
  response = slow->read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "61440");
  response = fetch(post_request("/articles/6/attachments", std::string(60 * 1024, 'z')));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
}

TEST_F(ServerTest, ChunkedBodyWithinLimitIsReceived) {
  start();
  const auto response = fetch(chunked_post(4, 100));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, std::string(400, 'x'));
}

TEST_F(ServerTest, ChunkedBodyOverLimitIs413) {
  ServerOptions options = default_options();
  options.limits.max_body_bytes = 1024;
  start(options);
  const auto response = fetch(chunked_post(8, 512));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
}

TEST_F(ServerTest, ContentLengthBodyIsReceived) {
  start();
  EXPECT_EQ(fetch(post_request("/echo", "hello body"))->body, "hello body");
}

TEST_F(ServerTest, OversizeUriIs414) {
  start();
  EXPECT_EQ(fetch(get_request("/users/" + std::string(5000, 'a')))->status, 414);
}

TEST_F(ServerTest, MalformedRequestLineIs400AndCloses) {
  start();
  auto connection = connect();
  const auto response = connection->round_trip("GET /users/1 HTTP/9\r\nHost: test\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_TRUE(connection->closed_by_peer());
}

TEST_F(ServerTest, GarbageBytesAre400AndClose) {
  start();
  auto connection = connect();
  const auto response =
      connection->round_trip(std::string("\x16\x03\x01\x02\x00\x01\xfc\x03\x03\r\n\r\n", 13));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_TRUE(connection->closed_by_peer());
  EXPECT_EQ(server->stats().rejected_for(RejectReason::malformed), 1u);
}

TEST_F(ServerTest, MissingHostInHttp11Is400) {
  start();
  EXPECT_EQ(fetch("GET /users/1 HTTP/1.1\r\n\r\n")->status, 400);
}

TEST_F(ServerTest, UnsupportedTransferEncodingIs501) {
  start();
  const auto response = fetch("POST /echo HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 501);
}

TEST_F(ServerTest, ContentLengthWithTransferEncodingIs400) {
  start();
  const auto response = fetch(
      "POST /echo HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\nTransfer-Encoding: "
      "chunked\r\n\r\n0\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
}

TEST_F(ServerTest, ErrorBodiesNeverReflectRequestText) {
  start();
  const auto response = fetch(get_request("/%3Cscript%3Ealert(1)%3C/script%3E"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body.find("<script>"), std::string::npos);
  EXPECT_EQ(response->body.find("alert"), std::string::npos);
}

TEST_F(ServerTest, SlowlorisIsClosedAfterHeaderReadTimeout) {
  ServerOptions options = default_options();
  options.limits.header_read_timeout = 1s;
  start(options);
  auto connection = connect();
  const auto began = std::chrono::steady_clock::now();
  connection->send("GET /users/1 HTTP/1.1\r\nHost: test\r\nX-Slow: ");
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {  // one byte every 100 ms, at most 4 s
    closed = !connection->send("a") || connection->closed_by_peer(100ms);
  }
  const auto elapsed = std::chrono::steady_clock::now() - began;
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed, 900ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_EQ(settled_stats(*server, [](const Stats& s) { return s.timeouts_in(TimeoutPhase::header) > 0; })
                .timeouts_in(TimeoutPhase::header),
            1u);
}

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  start();
  auto connection = connect();
  const auto first = connection->round_trip(get_request("/users/1"));
  const auto second = connection->round_trip(get_request("/users/2"));
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, "user 1");
  EXPECT_EQ(second->body, "user 2");
  EXPECT_EQ(server->stats().connections_accepted, 1u);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  auto connection = connect();
  ASSERT_TRUE(
      connection->send(get_request("/users/1") + post_request("/echo", "two") + get_request("/users/3")));
  EXPECT_EQ(connection->read_response()->body, "user 1");
  EXPECT_EQ(connection->read_response()->body, "two");
  EXPECT_EQ(connection->read_response()->body, "user 3");
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  start();
  auto connection = connect();
  const auto response = connection->round_trip(get_request("/users/1", "Connection: close\r\n"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->headers.get("Connection"), "close");
  EXPECT_TRUE(connection->closed_by_peer());
}

TEST_F(ServerTest, Http10WithoutKeepAliveIsClosedAfterResponse) {
  start();
  auto connection = connect();
  const auto response = connection->round_trip("GET /users/1 HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "user 1");
  EXPECT_TRUE(connection->closed_by_peer());
}

TEST_F(ServerTest, LastRequestAllowedOnAConnectionGetsConnectionClose) {
  ServerOptions options = default_options();
  options.limits.max_requests_per_connection = 2;
  start(options);
  auto connection = connect();
  const auto first = connection->round_trip(get_request("/users/1"));
  const auto second = connection->round_trip(get_request("/users/2"));
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(first->headers.contains("Connection"));
  EXPECT_EQ(second->headers.get("Connection"), "close");
  EXPECT_TRUE(connection->closed_by_peer());
}

TEST_F(ServerTest, ConnectionsOverMaxConnectionsAreClosedAtAccept) {
  ServerOptions options = default_options();
  options.limits.max_connections = 1;
  start(options);
  auto admitted = connect();
  ASSERT_TRUE(admitted->round_trip(get_request("/users/1")));
  auto refused = connect();
  refused->send(get_request("/users/2"));
  EXPECT_TRUE(refused->closed_by_peer());
  EXPECT_EQ(server->stats().rejected_for(RejectReason::connection_limit), 1u);
  EXPECT_TRUE(admitted->round_trip(get_request("/users/3")));
}

TEST_F(ServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  ServerOptions options = default_options();
  options.limits.keep_alive_idle_timeout = 500ms;
  start(options);
  auto connection = connect();
  ASSERT_TRUE(connection->round_trip(get_request("/users/1")));
  EXPECT_TRUE(connection->closed_by_peer(3s));
  EXPECT_EQ(settled_stats(*server, [](const Stats& s) { return s.timeouts_in(TimeoutPhase::idle) > 0; })
                .timeouts_in(TimeoutPhase::idle),
            1u);
}

TEST_F(ServerTest, BlockingHandlerDoesNotStallOtherConnections) {
  start();  // one I/O thread: only the handler pool can keep /slow from blocking /users
  auto slow = std::async(std::launch::async, [this] { return fetch(get_request("/slow")); });
  slow_started.get_future().wait();
  const auto began = std::chrono::steady_clock::now();
  const auto fast = fetch(get_request("/users/1"));
  const auto elapsed = std::chrono::steady_clock::now() - began;
  ASSERT_TRUE(fast);
  EXPECT_EQ(fast->body, "user 1");
  EXPECT_FALSE(slow_done) << "the fast request waited for the slow handler";
  EXPECT_LT(elapsed, kSlowHandlerTime);
  EXPECT_EQ(slow.get()->body, "slow");
}

TEST_F(ServerTest, GracefulStopCompletesRequestInFlight) {
  start();
  auto connection = connect();
  ASSERT_TRUE(connection->send(get_request("/slow")));
  slow_started.get_future().wait();
  server->stop();
  const auto response = connection->read_response();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "slow");
  EXPECT_EQ(response->headers.get("Connection"), "close");
  connection.reset();
  server->wait();
  EXPECT_EQ(ClientConnection::plain(port), nullptr) << "still accepting after stop";
}

TEST_F(ServerTest, StopClosesIdleKeepAliveConnections) {
  start();
  auto connection = connect();
  ASSERT_TRUE(connection->round_trip(get_request("/users/1")));
  const auto began = std::chrono::steady_clock::now();
  server->stop();
  EXPECT_TRUE(connection->closed_by_peer(2s));
  server->wait();
  EXPECT_LT(std::chrono::steady_clock::now() - began, 2s);
}

TEST_F(ServerTest, StatsCountRequestsAndErrors) {
  start();
  auto connection = connect();
  ASSERT_TRUE(connection->round_trip(get_request("/users/1")));
  ASSERT_TRUE(connection->round_trip(get_request("/nowhere")));
  ASSERT_TRUE(connection->round_trip(get_request("/boom")));
  const Stats stats = settled_stats(*server, [](const Stats& s) { return s.requests >= 3; });
  EXPECT_EQ(stats.requests, 3u);
  EXPECT_EQ(stats.responses_4xx, 1u);
  EXPECT_EQ(stats.responses_5xx, 1u);
  EXPECT_GT(stats.bytes_sent, 0u);
  EXPECT_GT(stats.bytes_received, 0u);
  EXPECT_EQ(stats.connections_active, 1u);
}

TEST_F(ServerTest, AccessLogHasNoQueryStringAndNoHeaders) {
  const auto directory = testing::make_temp_dir();
  const auto log_file = directory / "access.log";
  ASSERT_TRUE(log::init(log::Level::info, log_file));
  start();
  ASSERT_TRUE(fetch(get_request("/users/7?token=s3cret", "Cookie: session=abc123\r\n")));
  std::string line;
  for (int i = 0; i < 50 && line.empty(); ++i) {  // the line is written just after the response
    std::ifstream in(log_file);
    for (std::string candidate; std::getline(in, candidate);) {
      if (candidate.find("http.access") != std::string::npos) line = candidate;
    }
    if (line.empty()) std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(log::init(log::Level::info));
  ASSERT_FALSE(line.empty());
  const auto record = nlohmann::json::parse(line);
  EXPECT_EQ(record["method"], "GET");
  EXPECT_EQ(record["path"], "/users/7");
  EXPECT_EQ(record["status"], 200);
  EXPECT_EQ(record["client_ip"], "127.0.0.1");
  EXPECT_EQ(record["listener"], "test");
  EXPECT_EQ(record["request_id"].get<std::string>().size(), 16u);
  EXPECT_TRUE(record.contains("duration_ms"));
  EXPECT_TRUE(record.contains("bytes"));
  EXPECT_EQ(line.find("s3cret"), std::string::npos);
  EXPECT_EQ(line.find("abc123"), std::string::npos);
  std::filesystem::remove_all(directory);
}

TEST(ServerStart, BindErrorNamesAddressAndPort) {
  ServerOptions options;
  options.listeners.push_back(ListenerOptions{});
  Server first(options, Router{});
  ASSERT_TRUE(first.start());
  options.listeners[0].port = first.port(0);
  Server second(options, Router{});
  const Status started = second.start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, "http.bind");
  EXPECT_NE(started.error().message.find("127.0.0.1:" + std::to_string(first.port(0))), std::string::npos);
}

TEST(ServerStart, NoListenersIsBadOptions) {
  Server server(ServerOptions{}, Router{});
  const Status started = server.start();
  ASSERT_FALSE(started.has_value());
  EXPECT_EQ(started.error().code, "http.bad_options");
}

TEST(ServerStart, AddressThatIsNotAnIpIsBadOptions) {
  ServerOptions options;
  options.listeners.push_back(ListenerOptions{.address = "localhost"});
  Server server(options, Router{});
  const Status started = server.start();
  ASSERT_FALSE(started.has_value());
  EXPECT_NE(started.error().message.find("localhost"), std::string::npos);
}

TEST(ServerStart, ZeroTimeoutIsBadOptions) {
  ServerOptions options;
  options.listeners.push_back(ListenerOptions{});
  options.limits.header_read_timeout = std::chrono::milliseconds{0};
  Server server(options, Router{});
  EXPECT_FALSE(server.start().has_value());
}

}  // namespace
}  // namespace sw::http
