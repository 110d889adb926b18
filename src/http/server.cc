// The only translation unit of the http module that includes Boost.Asio/Beast (build time).
//
// Shape (Boost.Beast advanced_server): one coroutine per listener accepts; one coroutine per
// connection reads a request, hands it to the handler pool, writes the response, and loops.
// Beast and Asio report errors as error_code here (redirect_error); nothing throws across the
// Server interface.
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp uses std::exchange unincluded

#include "http/server.h"

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "base/crypto.h"
#include "base/log.h"
#include "http/counters.h"
#include "http/filter_chain.h"
#include "http/tls_config.h"

namespace sw::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
using Clock = std::chrono::steady_clock;
using Parser = bhttp::request_parser<bhttp::string_body>;
using WireResponse = bhttp::response<bhttp::string_body>;

constexpr std::size_t kReadChunkBytes = 4096;
constexpr std::size_t kRequestIdBytes = 8;
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);
constexpr auto kTlsShutdownTimeout = std::chrono::seconds(1);
// Lingering close (nginx lingering_close): after the last response, read and discard what the
// client still sends for a while, so that unread input does not turn our close into a reset
// that destroys the response in flight.
constexpr auto kLingerTimeout = std::chrono::seconds(2);
constexpr std::size_t kLingerMaxBytes = 4 * 1024 * 1024;
// Fields the server owns on every response (server.h / message.h).
constexpr std::string_view kServerOwnedFields[] = {"Content-Length", "Transfer-Encoding", "Connection",
                                                   "Date", "X-Request-Id"};

auto on_error(beast::error_code& ec) { return asio::redirect_error(use_awaitable, ec); }

// Beast 1.74's string_view is boost::string_view, which does not convert to std::string_view.
std::string_view view(beast::string_view text) { return {text.data(), text.size()}; }

std::string new_request_id() { return crypto::to_hex(crypto::random_bytes(kRequestIdBytes)); }

// IMF-fixdate (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[64];
  const std::size_t size = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(text, size);
}

bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// True if every header of `response` can be written without splitting the message.
bool headers_are_safe(const Response& response) {
  for (const auto& [name, value] : response.headers.fields()) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) return false;
    if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) return false;
  }
  return true;
}

bool is_server_owned(std::string_view name) {
  return std::any_of(std::begin(kServerOwnedFields), std::end(kServerOwnedFields),
                     [name](std::string_view owned) { return iequals(owned, name); });
}

// 1xx, 204 and 304 responses have no body (RFC 9112 6.3).
bool forbids_body(int status) {
  return status / 100 == 1 || status == status::no_content || status == status::not_modified;
}

bool is_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

// What the server answers itself when reading a request fails.
struct Rejection {
  int status;
  RejectReason reason;
};

std::optional<Rejection> rejection_for(const beast::error_code& ec) {
  if (ec == bhttp::error::header_limit)
    return Rejection{status::request_header_fields_too_large, RejectReason::header_too_large};
  if (ec == bhttp::error::body_limit)
    return Rejection{status::payload_too_large, RejectReason::body_too_large};
  const bool peer_gone = ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message;
  if (is_parse_error(ec) && !peer_gone) return Rejection{status::bad_request, RejectReason::malformed};
  return std::nullopt;
}

// Checks the parsed header against what this server accepts; nullopt if it may proceed.
std::optional<Rejection> check_header(const bhttp::request_header<>& header, const Limits& limits) {
  if (header.target().size() > limits.max_uri_bytes)
    return Rejection{status::uri_too_long, RejectReason::uri_too_long};
  const auto transfer_encoding = header.find(bhttp::field::transfer_encoding);
  if (transfer_encoding != header.end()) {
    if (header.count(bhttp::field::content_length) > 0)
      return Rejection{status::bad_request, RejectReason::malformed};
    if (!iequals(view(transfer_encoding->value()), "chunked")) {
      return Rejection{status::not_implemented, RejectReason::unsupported_transfer_encoding};
    }
  }
  const std::string_view target = view(header.target());
  const bool origin_form =
      target.starts_with('/') || (target == "*" && header.method() == bhttp::verb::options);
  if (!origin_form) return Rejection{status::bad_request, RejectReason::malformed};
  if (header.version() == 11 && header.count(bhttp::field::host) != 1) {
    return Rejection{status::bad_request, RejectReason::malformed};
  }
  return std::nullopt;
}

Request to_request(bhttp::request<bhttp::string_body>&& message) {
  Request request;
  request.method = std::string(view(message.method_string()));
  request.target = std::string(view(message.target()));
  const std::size_t question = request.target.find('?');
  request.path = request.target.substr(0, question);
  if (question != std::string::npos) request.query = request.target.substr(question + 1);
  for (const auto& field : message)
    request.headers.add(std::string(view(field.name_string())), std::string(view(field.value())));
  request.body = std::move(message.body());
  request.version = static_cast<int>(message.version());
  return request;
}

WireResponse to_wire(Response response, const std::string& request_id, unsigned version, bool keep_alive,
                     bool head) {
  if (!headers_are_safe(response)) response = Response::error(status::internal_server_error);
  WireResponse wire{static_cast<bhttp::status>(response.status), version};
  for (auto& [name, value] : response.headers.fields()) {
    if (!is_server_owned(name)) wire.insert(name, value);
  }
  wire.set(bhttp::field::date, http_date());
  wire.set("X-Request-Id", request_id);
  if (!forbids_body(response.status)) wire.body() = std::move(response.body);
  wire.keep_alive(keep_alive);
  if (!forbids_body(response.status)) wire.prepare_payload();
  if (head) wire.body().clear();  // HEAD keeps the Content-Length of the GET body
  return wire;
}

// Runs `work` on `pool` and completes the awaiting coroutine with its result on the
// coroutine's own executor (the connection's I/O thread).
template <class Work>
awaitable<Response> run_on_pool(asio::thread_pool& pool, Work work) {
  co_return co_await asio::async_initiate<decltype(use_awaitable), void(Response)>(
      [&pool, work = std::move(work)](auto handler) mutable {
        auto home =
            asio::prefer(asio::get_associated_executor(handler), asio::execution::outstanding_work.tracked);
        asio::post(pool, [handler = std::move(handler), work = std::move(work), home]() mutable {
          Response response = work();
          asio::post(home, [handler = std::move(handler), response = std::move(response)]() mutable {
            std::move(handler)(std::move(response));
          });
        });
      },
      use_awaitable);
}

class ConnectionBase {
 public:
  explicit ConnectionBase(asio::any_io_executor executor) : executor_(std::move(executor)) {}
  virtual ~ConnectionBase() = default;
  // Both run on executor(): close the connection if it waits for a request / unconditionally.
  virtual void close_if_idle() = 0;
  virtual void close_now() = 0;
  const asio::any_io_executor& executor() const { return executor_; }

 private:
  asio::any_io_executor executor_;
};

struct Listener {
  ListenerOptions options;
  std::string name;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::ssl::context> tls;
  std::uint16_t port = 0;
};

// The state shared by the acceptors and all connections.
// Bytes of upload bodies admitted and not yet answered, taken from Core::upload_bytes_in_flight and
// given back when the request is done.
class UploadReservation {
 public:
  UploadReservation() = default;
  UploadReservation(const UploadReservation&) = delete;
  UploadReservation& operator=(const UploadReservation&) = delete;
  ~UploadReservation() {
    if (pool_ != nullptr) pool_->fetch_sub(bytes_);
  }
  bool reserve(std::atomic<std::uint64_t>& pool, std::uint64_t bytes, std::uint64_t cap) {
    std::uint64_t current = pool.load();
    do {
      if (bytes > cap || current > cap - bytes) return false;
    } while (!pool.compare_exchange_weak(current, current + bytes));
    pool_ = &pool;
    bytes_ = bytes;
    return true;
  }

 private:
  std::atomic<std::uint64_t>* pool_ = nullptr;
  std::uint64_t bytes_ = 0;
};

struct Core {
  explicit Core(ServerOptions options_in, Router router_in)
      : options(std::move(options_in)), router(std::move(router_in)) {}

  // Acceptors go before their io_contexts; the contexts go before what connections use.
  ~Core() {
    for (const auto& listener : listeners) listener->acceptor.reset();
    contexts.clear();
  }

  std::mutex mutex;
  std::condition_variable changed;
  bool started = false;
  bool stop_requested = false;
  bool finished = false;
  std::uint64_t next_connection_id = 0;
  std::unordered_map<std::uint64_t, std::weak_ptr<ConnectionBase>> connections;
  std::atomic<std::uint64_t> upload_bytes_in_flight{0};  // Limits::max_upload_bytes_in_flight

  ServerOptions options;
  Router router;
  FilterChain filters;
  Counters counters;
  std::vector<std::unique_ptr<Listener>> listeners;
  std::unique_ptr<asio::thread_pool> pool;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_guards;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::size_t next_context = 0;  // used by the accept coroutines, all on contexts[0]

  std::uint64_t add_connection(const std::shared_ptr<ConnectionBase>& connection) {
    std::lock_guard lock(mutex);
    connections.emplace(next_connection_id, connection);
    return next_connection_id++;
  }

  void remove_connection(std::uint64_t id) {
    std::lock_guard lock(mutex);
    connections.erase(id);
    changed.notify_all();
  }

  // Posts `action` to every open connection's executor.
  // The connections are collected under the lock and posted to after it is released: the last
  // reference to a connection may be one of these, and its destructor calls remove_connection(),
  // which takes the same lock.
  template <class Action>
  void for_each_connection(Action action) {
    std::vector<std::shared_ptr<ConnectionBase>> open;
    {
      std::lock_guard lock(mutex);
      for (const auto& [id, weak] : connections) {
        if (auto connection = weak.lock()) open.push_back(std::move(connection));
      }
    }
    for (const auto& connection : open) {
      std::weak_ptr<ConnectionBase> weak = connection;
      asio::post(connection->executor(), [weak, action] {
        if (const auto alive = weak.lock()) action(*alive);
      });
    }
  }

  Response dispatch(Context& context) const {
    return filters.handle(context, [this](Context& c) { return router.handle(c); });
  }
};

// One accepted connection: reads requests one after another and answers them.
template <class Stream>
class Connection final : public ConnectionBase {
 public:
  Connection(Core& core, const Listener& listener, Stream stream, std::string client_ip)
      : ConnectionBase(stream.get_executor()),
        core_(core),
        listener_(listener),
        stream_(std::move(stream)),
        client_ip_(std::move(client_ip)) {
    ++core_.counters.connections_active;
  }

  ~Connection() override {
    core_.filters.close(client_ip_);
    --core_.counters.connections_active;
    core_.remove_connection(id_);
  }

  void set_id(std::uint64_t id) { id_ = id; }
  void close_if_idle() override {
    if (idle_) close_now();
  }
  void close_now() override {
    beast::error_code ignored;
    socket().close(ignored);
  }

  // The connection's life; `self` keeps it alive until the coroutine ends.
  static awaitable<void> run(std::shared_ptr<Connection> self) {
    try {
      co_await self->serve();
    } catch (const std::exception& e) {
      sw::log::error("http.connection_failed", {{"client_ip", self->client_ip_}, {"error", e.what()}});
    }
  }

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  enum class Next { keep_going, close, linger };

  const Limits& limits() const { return core_.options.limits; }
  beast::tcp_stream& transport() { return beast::get_lowest_layer(stream_); }
  tcp::socket& socket() { return transport().socket(); }

  awaitable<void> serve() {
    transport().expires_after(limits().header_read_timeout);
    if (!co_await handshake()) co_return;
    Next next = Next::keep_going;
    while (next == Next::keep_going) next = co_await serve_one();
    co_await finish(next == Next::linger);
  }

  awaitable<bool> handshake() {
    if constexpr (kTls) {
      beast::error_code ec;
      co_await stream_.async_handshake(asio::ssl::stream_base::server, on_error(ec));
      if (ec) {
        if (ec == beast::error::timeout) core_.counters.count_timeout(TimeoutPhase::header);
        core_.counters.count_reject(RejectReason::tls_handshake);
        co_return false;
      }
      client_certificate_ = peer_certificate(stream_.native_handle());
      transport().expires_after(limits().header_read_timeout);
    }
    co_return true;
  }

  // Waits for the first byte of the next request: the idle state stop() may close.
  // The first request's header deadline runs from accept (or the TLS handshake); later ones get
  // the idle timeout until their first byte and header_read_timeout from there.
  awaitable<bool> await_request(bool first) {
    if (buffer_.size() == 0) {
      if (core_.stopping) co_return false;
      idle_ = true;
      if (!first) transport().expires_after(limits().keep_alive_idle_timeout);
      beast::error_code ec;
      const std::size_t n = co_await stream_.async_read_some(buffer_.prepare(kReadChunkBytes), on_error(ec));
      idle_ = false;
      if (ec == beast::error::timeout)
        core_.counters.count_timeout(first ? TimeoutPhase::header : TimeoutPhase::idle);
      if (ec) co_return false;
      buffer_.commit(n);
    }
    if (!first) transport().expires_after(limits().header_read_timeout);
    co_return true;
  }

  awaitable<Next> serve_one() {
    const bool first = served_ == 0;
    if (!co_await await_request(first)) co_return Next::close;
    const auto started = Clock::now();
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(limits().max_header_bytes));
    // The largest limit any route has, so an upload's Content-Length survives the header; admit_body
    // then sets the request's own limit before any body octet is parsed.
    parser.body_limit(largest_body_limit());
    ++served_;
    if (const auto failed = co_await read_header(parser)) co_return co_await reject(*failed, parser, started);
    if (const auto refused = check_header(parser.get(), limits()))
      co_return co_await reject(*refused, parser, started);
    UploadReservation reservation;  // held until the request is answered: the body lives that long
    if (const auto refused = admit_body(parser, reservation)) co_return co_await reject(*refused, parser, started);
    if (const auto failed = co_await read_body(parser)) co_return co_await reject(*failed, parser, started);
    co_return co_await answer(parser, started);
  }

  std::uint64_t largest_body_limit() const {
    std::size_t largest = limits().max_body_bytes;
    for (const auto& route : limits().upload_routes) largest = std::max(largest, route.max_body_bytes);
    return largest;
  }

  // The body limit of this request (an upload route's, or max_body_bytes), checked against its
  // Content-Length now; an upload larger than max_body_bytes also needs room in the in-flight budget.
  std::optional<Rejection> admit_body(Parser& parser, UploadReservation& reservation) {
    const auto& header = parser.get();
    std::size_t limit = limits().max_body_bytes;
    bool upload = false;
    if (header.method() == bhttp::verb::post) {
      const std::string_view target = view(header.target());
      const std::string_view path = target.substr(0, target.find('?'));
      for (const auto& route : limits().upload_routes) {
        if (!upload_route_matches(route.pattern, path)) continue;
        limit = std::max(limit, route.max_body_bytes);
        upload = true;
        break;
      }
    }
    const auto length = parser.content_length();
    if (length && *length > limit) return Rejection{status::payload_too_large, RejectReason::body_too_large};
    parser.body_limit(limit);
    if (!upload) return std::nullopt;
    const std::uint64_t need = length ? *length : limit;
    if (need <= limits().max_body_bytes) return std::nullopt;
    if (!reservation.reserve(core_.upload_bytes_in_flight, need, limits().max_upload_bytes_in_flight)) {
      return Rejection{status::service_unavailable, RejectReason::uploads_busy};
    }
    return std::nullopt;
  }

  // Reads request line and headers; a Rejection to send, or nullopt. A read that cannot be
  // answered (timeout, peer gone) becomes a rejection with status 0: close without a response.
  awaitable<std::optional<Rejection>> read_header(Parser& parser) {
    beast::error_code ec;
    const std::size_t n = co_await bhttp::async_read_header(stream_, buffer_, parser, on_error(ec));
    core_.counters.bytes_received += n;
    co_return read_failure(ec, TimeoutPhase::header);
  }

  awaitable<std::optional<Rejection>> read_body(Parser& parser) {
    if (parser.is_done()) co_return std::nullopt;
    if (const auto expect = parser.get().find(bhttp::field::expect);
        expect != parser.get().end() && iequals(view(expect->value()), "100-continue")) {
      co_await send_continue();
    }
    transport().expires_after(limits().body_read_timeout);
    beast::error_code ec;
    const std::size_t n = co_await bhttp::async_read(stream_, buffer_, parser, on_error(ec));
    core_.counters.bytes_received += n;
    co_return read_failure(ec, TimeoutPhase::body);
  }

  awaitable<void> send_continue() {
    bhttp::response<bhttp::empty_body> interim{bhttp::status::continue_, 11};
    transport().expires_after(limits().write_timeout);
    beast::error_code ignored;
    co_await bhttp::async_write(stream_, interim, on_error(ignored));
  }

  std::optional<Rejection> read_failure(const beast::error_code& ec, TimeoutPhase phase) {
    if (!ec) return std::nullopt;
    if (ec == beast::error::timeout) core_.counters.count_timeout(phase);
    if (const auto rejection = rejection_for(ec)) return rejection;
    return Rejection{0, RejectReason::malformed};
  }

  // Answers a request the server refuses itself, then closes (lingering).
  awaitable<Next> reject(const Rejection& rejection, const Parser& parser, Clock::time_point started) {
    if (rejection.status == 0) co_return Next::close;
    core_.counters.count_reject(rejection.reason);
    const bool header_complete = parser.is_header_done();
    Request request;
    if (header_complete) {
      const std::string_view target = view(parser.get().target());
      request.method = std::string(view(parser.get().method_string()));
      request.path = std::string(target.substr(0, target.find('?')));
    } else {
      request.method = "-";
      request.path = "-";
    }
    request.request_id = new_request_id();
    co_await respond(request, Response::error(rejection.status), false, started);
    co_return Next::linger;
  }

  awaitable<Next> answer(Parser& parser, Clock::time_point started) {
    transport().expires_never();
    const bool wants_keep_alive = parser.get().keep_alive();
    Context context(to_request(parser.release()));
    Request& request = context.request;
    request.client_ip = client_ip_;
    request.tls = kTls;
    request.client_certificate = client_certificate_;
    request.request_id = new_request_id();
    request.listener = listener_.name;
    Response response =
        co_await run_on_pool(*core_.pool, [&core = core_, &context] { return core.dispatch(context); });
    const bool keep_alive = wants_keep_alive && !core_.stopping &&
                            served_ < limits().max_requests_per_connection &&
                            !iequals(response.headers.get("Connection").value_or(""), "close");
    if (!co_await respond(request, std::move(response), keep_alive, started)) co_return Next::close;
    co_return keep_alive ? Next::keep_going : Next::linger;
  }

  // Writes `response` and logs it; false if the write failed.
  awaitable<bool> respond(const Request& request, Response response, bool keep_alive,
                          Clock::time_point started) {
    const unsigned version = request.version == 10 ? 10 : 11;
    WireResponse wire =
        to_wire(std::move(response), request.request_id, version, keep_alive, request.method == "HEAD");
    transport().expires_after(limits().write_timeout);
    beast::error_code ec;
    const std::size_t bytes = co_await bhttp::async_write(stream_, wire, on_error(ec));
    transport().expires_never();
    if (ec == beast::error::timeout) core_.counters.count_timeout(TimeoutPhase::write);
    core_.counters.count_response(wire.result_int(), bytes);
    log_access(request, static_cast<int>(wire.result_int()), bytes, started);
    co_return !ec;
  }

  void log_access(const Request& request, int status, std::size_t bytes, Clock::time_point started) const {
    const auto duration = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    sw::log::info("http.access", {{"method", request.method},
                                  {"path", request.path},
                                  {"status", status},
                                  {"bytes", bytes},
                                  {"duration_ms", duration},
                                  {"client_ip", client_ip_},
                                  {"request_id", request.request_id},
                                  {"listener", listener_.name}});
  }

  // Ends the connection: TLS close_notify, or a half-close and (after a refusal or the last
  // response) a lingering read so unread client bytes cannot reset the response away.
  awaitable<void> finish(bool linger) {
    beast::error_code ec;
    if constexpr (kTls) {
      transport().expires_after(kTlsShutdownTimeout);
      co_await stream_.async_shutdown(on_error(ec));
    } else {
      socket().shutdown(tcp::socket::shutdown_send, ec);
      if (linger && !ec) co_await drain();
    }
    close_now();
  }

  awaitable<void> drain() {
    transport().expires_after(kLingerTimeout);
    std::size_t drained = 0;
    char sink[kReadChunkBytes];
    beast::error_code ec;
    while (!ec && drained < kLingerMaxBytes) {
      drained += co_await stream_.async_read_some(asio::buffer(sink), on_error(ec));
    }
  }

  Core& core_;
  const Listener& listener_;
  Stream stream_;
  std::string client_ip_;
  std::optional<ClientCertificate> client_certificate_;
  beast::flat_buffer buffer_;
  std::uint64_t id_ = 0;
  std::size_t served_ = 0;
  bool idle_ = false;
};

Status validate(const ServerOptions& options) {
  const auto bad = [](std::string what) { return fail("http.bad_options", std::move(what)); };
  if (options.listeners.empty()) return bad("at least one listener is needed");
  if (options.io_threads == 0) return bad("io_threads must be at least 1");
  if (options.handler_threads == 0) return bad("handler_threads must be at least 1");
  const Limits& l = options.limits;
  if (l.max_header_bytes == 0 || l.max_header_bytes > UINT32_MAX) return bad("max_header_bytes out of range");
  if (l.max_uri_bytes == 0) return bad("max_uri_bytes must be positive");
  if (l.max_connections == 0) return bad("max_connections must be positive");
  if (l.max_requests_per_connection == 0) return bad("max_requests_per_connection must be positive");
  const std::chrono::milliseconds zero{0};
  if (l.header_read_timeout <= zero || l.body_read_timeout <= zero || l.write_timeout <= zero ||
      l.keep_alive_idle_timeout <= zero) {
    return bad("timeouts must be positive");
  }
  return ok();
}

std::string endpoint_text(const ListenerOptions& options) {
  const bool ipv6 = options.address.find(':') != std::string::npos;
  return (ipv6 ? "[" + options.address + "]" : options.address) + ":" + std::to_string(options.port);
}

Status open_acceptor(Listener& listener, asio::io_context& context) {
  const std::string where = endpoint_text(listener.options);
  beast::error_code ec;
  const auto address = asio::ip::make_address(listener.options.address, ec);
  if (ec)
    return fail("http.bad_options",
                "listener address \"" + listener.options.address + "\" is not an IP address");
  const tcp::endpoint endpoint(address, listener.options.port);
  listener.acceptor = std::make_unique<tcp::acceptor>(context);
  auto& acceptor = *listener.acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail("http.bind", "cannot listen on " + where + ": " + ec.message());
  listener.port = acceptor.local_endpoint().port();
  if (listener.name.empty()) listener.name = where;
  return ok();
}

Status open_tls(Listener& listener) {
  if (!listener.options.tls) return ok();
  listener.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  return configure_server_tls(listener.tls->native_handle(), *listener.options.tls);
}

}  // namespace

class Server::Impl : public Core {
 public:
  using Core::Core;

  Status start() {
    SW_CHECK(validate(options));
    for (std::size_t i = 0; i < options.io_threads; ++i)
      contexts.push_back(std::make_unique<asio::io_context>(1));
    for (const ListenerOptions& listener_options : options.listeners) {
      auto listener = std::make_unique<Listener>();
      listener->options = listener_options;
      listener->name = listener_options.name;
      SW_CHECK(open_tls(*listener));
      SW_CHECK(open_acceptor(*listener, *contexts.front()));
      listeners.push_back(std::move(listener));
    }
    pool = std::make_unique<asio::thread_pool>(options.handler_threads);
    for (const auto& listener : listeners)
      asio::co_spawn(*contexts.front(), accept_loop(*listener), asio::detached);
    for (const auto& context : contexts) {
      work_guards.push_back(asio::make_work_guard(*context));
      threads.emplace_back([&io = *context] { run_context(io); });
    }
    std::lock_guard lock(mutex);
    started = true;
    return ok();
  }

  // Undoes a start() that threw part-way: stops the contexts and joins what was started.
  void abandon() {
    work_guards.clear();
    for (const auto& context : contexts) context->stop();
    for (auto& thread : threads) {
      if (thread.joinable()) thread.join();
    }
    threads.clear();
  }

  void stop() {
    {
      std::lock_guard lock(mutex);
      if (!started || stop_requested) return;
      stop_requested = true;
      changed.notify_all();
    }
    stopping = true;
    for (const auto& listener : listeners) {
      asio::post(*contexts.front(), [&acceptor = *listener->acceptor] {
        beast::error_code ignored;
        acceptor.close(ignored);
      });
    }
    for_each_connection([](ConnectionBase& connection) { connection.close_if_idle(); });
  }

  void wait() {
    {
      std::unique_lock lock(mutex);
      if (!started || finished) return;
      changed.wait(lock, [this] { return stop_requested; });
      changed.wait_for(lock, options.shutdown_grace_period, [this] { return connections.empty(); });
    }
    for_each_connection([](ConnectionBase& connection) { connection.close_now(); });
    work_guards.clear();
    for (auto& thread : threads) thread.join();
    pool->join();
    std::lock_guard lock(mutex);
    finished = true;
  }

 private:
  static void run_context(asio::io_context& context) {
    while (true) {
      try {
        context.run();
        return;
      } catch (const std::exception& e) {
        sw::log::error("http.io_thread_failed", {{"error", e.what()}});
      }
    }
  }

  awaitable<void> accept_loop(Listener& listener) {
    while (!stopping) {
      asio::io_context& context = *contexts[next_context++ % contexts.size()];
      beast::error_code ec;
      tcp::socket socket = co_await listener.acceptor->async_accept(
          asio::any_io_executor(context.get_executor()), on_error(ec));
      if (stopping || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        sw::log::warn("http.accept_failed", {{"listener", listener.name}, {"error", ec.message()}});
        asio::steady_timer delay(co_await asio::this_coro::executor, kAcceptRetryDelay);
        co_await delay.async_wait(on_error(ec));
        continue;
      }
      admit(listener, std::move(socket));
    }
  }

  // Counts and admits one accepted socket, or closes it (by letting it go) when refused.
  void admit(const Listener& listener, tcp::socket socket) {
    ++counters.connections_accepted;
    beast::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (ec) return;
    std::string client_ip = remote.address().to_string();
    if (counters.connections_active >= options.limits.max_connections) {
      counters.count_reject(RejectReason::connection_limit);
      return;
    }
    if (!filters.accept(client_ip)) {
      counters.count_reject(RejectReason::refused_at_accept);
      return;
    }
    if (listener.tls) {
      launch(std::make_shared<Connection<TlsStream>>(
          *this, listener, TlsStream(beast::tcp_stream(std::move(socket)), *listener.tls),
          std::move(client_ip)));
    } else {
      launch(std::make_shared<Connection<PlainStream>>(*this, listener, PlainStream(std::move(socket)),
                                                       std::move(client_ip)));
    }
  }

  template <class Stream>
  void launch(std::shared_ptr<Connection<Stream>> connection) {
    connection->set_id(add_connection(connection));
    const auto executor = connection->executor();
    asio::co_spawn(executor, Connection<Stream>::run(std::move(connection)), asio::detached);
  }
};

std::string_view to_string(ClientCertMode mode) {
  switch (mode) {
    case ClientCertMode::none:
      return "none";
    case ClientCertMode::optional:
      return "optional";
    case ClientCertMode::required:
      return "required";
  }
  return "none";
}

Result<ClientCertMode> parse_client_cert_mode(std::string_view text) {
  for (const ClientCertMode mode :
       {ClientCertMode::none, ClientCertMode::optional, ClientCertMode::required}) {
    if (text == to_string(mode)) return mode;
  }
  return fail("http.bad_options",
              "client_cert_mode \"" + std::string(text) + "\" is not one of none, optional, required");
}

Server::Server(ServerOptions options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}

Server::~Server() {
  stop();
  wait();
}

void Server::add_filter(std::shared_ptr<Filter> filter) { impl_->filters.add(std::move(filter)); }

Status Server::start() {
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->started || !impl_->contexts.empty()) return fail("http.bad_options", "start() called twice");
  }
  try {
    return impl_->start();
  } catch (const std::exception& e) {  // thread or TLS context creation: out of resources
    impl_->abandon();
    return fail("http.start", std::string("cannot start the server: ") + e.what());
  }
}

std::uint16_t Server::port(std::size_t index) const {
  return index < impl_->listeners.size() ? impl_->listeners[index]->port : 0;
}

void Server::stop() { impl_->stop(); }

void Server::wait() { impl_->wait(); }

Stats Server::stats() const { return impl_->counters.snapshot(); }

bool upload_route_matches(std::string_view pattern, std::string_view path) {
  auto next = [](std::string_view& rest) {
    if (rest.starts_with('/')) rest.remove_prefix(1);
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    return segment;
  };
  if (!pattern.starts_with('/') || !path.starts_with('/')) return false;
  while (!pattern.empty() || !path.empty()) {
    if (pattern.empty() || path.empty()) return false;
    const std::string_view want = next(pattern);
    const std::string_view got = next(path);
    if (got.empty()) return false;
    if (want != "*" && want != got) return false;
  }
  return true;
}

}  // namespace sw::http
