// Server: HTTP/1.1 listeners (plain or TLS) that feed requests through a FilterChain into a
// Router, in the shape of Boost.Beast's advanced_server and nginx's limits (N7.3, N7.4).
//
// Threading: `io_threads` threads, each running its own io_context; accepted connections are
// spread over them round-robin and a connection stays on one thread for its life. Filters'
// on_request/on_response and handlers run on a separate pool of `handler_threads` threads, so a
// handler may block (SQLite, argon2id); its response is written back on the connection's thread.
//
// Per connection, requests are handled one at a time in arrival order (keep-alive and pipelining
// are safe). Every response carries Date and X-Request-Id. Each response writes one JSON access
// log line, event "http.access": method, path (never the query string), status, bytes,
// duration_ms, client_ip, request_id, listener. Request headers are never logged.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "http/filter.h"
#include "http/router.h"
#include "http/stats.h"

namespace sw::http {

// Whether a TLS listener asks clients for a certificate (N6.4 second factor, N7.4).
enum class ClientCertMode {
  none,      // no certificate requested
  optional,  // requested; a client without one is served; one that presents a certificate must
             // present one that verifies against client_ca_file
  required,  // the handshake fails without a certificate that verifies against client_ca_file
};
std::string_view to_string(ClientCertMode mode);                       // "none" | "optional" | "required"
Result<ClientCertMode> parse_client_cert_mode(std::string_view text);  // error names the value

struct TlsOptions {
  std::filesystem::path certificate_file;  // PEM: the server certificate, then its chain
  std::filesystem::path private_key_file;  // PEM
  ClientCertMode client_cert_mode = ClientCertMode::none;
  std::filesystem::path client_ca_file;  // PEM CAs for client certificates; needed unless mode none
};

struct ListenerOptions {
  std::string name;                   // shown in logs ("console"); defaults to "address:port"
  std::string address = "127.0.0.1";  // loopback unless configured (DESIGN.md)
  std::uint16_t port = 0;             // 0 picks an ephemeral port; read it with Server::port()
  std::optional<TlsOptions> tls;      // TLS 1.2+ when set
};

// Every limit has a safe default (nginx-style named configuration, N7.3).
struct Limits {
  std::size_t max_header_bytes = 8 * 1024;                // request line + headers; over it: 431
  std::size_t max_body_bytes = 1024 * 1024;               // over it: 413, from Content-Length before reading
  std::size_t max_uri_bytes = 4 * 1024;                   // request-target; over it: 414
  std::chrono::milliseconds header_read_timeout{10'000};  // total for request line + headers
  std::chrono::milliseconds body_read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds keep_alive_idle_timeout{60'000};  // between requests
  std::size_t max_connections = 10'000;                       // open connections, counted from accept
  std::size_t max_requests_per_connection = 1'000;            // the last one gets Connection: close
  // Routes that take file uploads get their own, larger body limit: a POST whose path matches
  // `pattern` ("/" separated segments, "*" matching one segment, no query) may carry up to
  // max_body_bytes. The limit is decided on the header, before any of the body is read (413 above it),
  // and the bodies of upload routes being read at once are bounded by max_upload_bytes_in_flight
  // (their Content-Length, or the route's limit when chunked; 503 beyond it), so
  // large bodies cannot exhaust memory before anyone has authenticated (N7.3).
  struct UploadRoute {
    std::string pattern;
    std::size_t max_body_bytes = 0;
  };
  std::vector<UploadRoute> upload_routes;
  std::size_t max_upload_bytes_in_flight = std::size_t{256} << 20;
};

// Whether `path` matches an UploadRoute pattern ("*" = one non-empty segment).
bool upload_route_matches(std::string_view pattern, std::string_view path);

struct ServerOptions {
  std::vector<ListenerOptions> listeners;  // at least one
  Limits limits;
  std::size_t io_threads = 2;       // one io_context per thread
  std::size_t handler_threads = 4;  // the pool that runs filters and handlers
  // stop() lets in-flight requests finish for this long, then closes what is left.
  std::chrono::milliseconds shutdown_grace_period{30'000};
};

class Server {
 public:
  Server(ServerOptions options, Router router);
  ~Server();  // stop() and wait()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Appends a filter to the chain (filter.h gives the order). Only before start().
  void add_filter(std::shared_ptr<Filter> filter);

  // Validates the options, loads TLS files, binds every listener and starts the threads.
  // Errors: "http.bad_options" (names the option), "http.tls" (names the file and why),
  // "http.bind" (names address:port and the system's reason), "http.start" (no thread or
  // memory for it). Nothing keeps running on error.
  // Call at most once.
  Status start();

  // The bound port of listener `index` (in ServerOptions::listeners order); 0 before start().
  std::uint16_t port(std::size_t index) const;

  // Begins a graceful stop and returns at once: stops accepting, closes idle connections, lets
  // requests in flight finish (their responses carry Connection: close). Idempotent; thread-safe.
  void stop();

  // Blocks until stop() has been called and the server has finished: waits up to
  // shutdown_grace_period for connections to finish, closes the rest, waits for running
  // handlers and joins all threads. Returns at once if start() was never called or failed.
  void wait();

  // A snapshot of the counters.
  Stats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sw::http
