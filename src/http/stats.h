// Stats: what a Server counted since it started (Envoy-style: a counter for every drop, block
// and error), as a plain snapshot, and its Prometheus text rendering.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sw::http {

// Why the server refused a connection or answered a request itself (N7.3).
enum class RejectReason {
  header_too_large,               // 431: request line + headers over max_header_bytes
  body_too_large,                 // 413: Content-Length or chunked body over max_body_bytes
  uri_too_long,                   // 414: request-target over max_uri_bytes
  malformed,                      // 400: not parseable as HTTP/1.x
  unsupported_transfer_encoding,  // 501: a Transfer-Encoding other than "chunked"
  connection_limit,               // connection closed at accept: max_connections reached
  refused_at_accept,              // connection closed at accept: a Filter::on_accept said no
  tls_handshake,                  // TLS handshake failed (including a missing required client cert)
  uploads_busy,                   // 503: an upload route's body would pass max_upload_bytes_in_flight
};
inline constexpr std::size_t kRejectReasonCount = 9;
std::string_view to_string(RejectReason reason);

// Which wait ran out.
enum class TimeoutPhase {
  header,  // header_read_timeout: request line + headers (slowloris), and the TLS handshake
  body,    // body_read_timeout
  idle,    // keep_alive_idle_timeout between requests
  write,   // write_timeout
};
inline constexpr std::size_t kTimeoutPhaseCount = 4;
std::string_view to_string(TimeoutPhase phase);

struct Stats {
  std::uint64_t connections_accepted = 0;  // every accepted TCP connection, admitted or not
  std::uint64_t connections_active = 0;    // admitted and not yet closed
  std::uint64_t requests = 0;              // responses written, including the server's own errors
  std::uint64_t bytes_received = 0;        // request bytes the parser consumed
  std::uint64_t bytes_sent = 0;            // response bytes written
  std::uint64_t responses_4xx = 0;
  std::uint64_t responses_5xx = 0;
  std::array<std::uint64_t, kRejectReasonCount> rejected{};  // indexed by RejectReason
  std::array<std::uint64_t, kTimeoutPhaseCount> timeouts{};  // indexed by TimeoutPhase

  std::uint64_t rejected_for(RejectReason reason) const { return rejected[static_cast<std::size_t>(reason)]; }
  std::uint64_t timeouts_in(TimeoutPhase phase) const { return timeouts[static_cast<std::size_t>(phase)]; }
};

// Prometheus text exposition format, metric names prefixed by `prefix` ("sw_console_http"):
//   <prefix>_requests_total 12
//   <prefix>_rejected_total{reason="header_too_large"} 1
//   <prefix>_timeouts_total{phase="header"} 3
std::string render_prometheus(const Stats& stats, std::string_view prefix);

}  // namespace sw::http
