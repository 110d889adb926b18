// Filter: one step of request processing that every request passes through, as nginx's phase
// modules and Envoy's HTTP filters. The WAF, rate and connection limits and the security headers
// of later modules are Filters (N7.3).
#pragma once

#include <optional>
#include <string_view>

#include "http/context.h"
#include "http/message.h"

namespace sw::http {

// The server calls, per connection and per request:
//
//   on_accept(ip)            when a connection is accepted, in registration order, before any
//                            byte is read; returning false closes it at once. Runs on an I/O
//                            thread: it must not block.
//   on_request(context)      in registration order, on the handler pool; the first filter that
//                            returns a Response short-circuits the rest and the router.
//   on_response(context, r)  in reverse registration order, for every filter whose on_request
//                            ran (including one that short-circuited), so an outer filter sees
//                            the final response.
//   on_close(ip)             when a connection this filter accepted is closed (I/O thread).
//
// Protocol errors the server answers itself (400, 413, 414, 431, 501) reach no filter.
// One Filter object serves all connections at once: implementations must be thread-safe.
class Filter {
 public:
  virtual ~Filter() = default;

  // A short stable name for logs and stats: "waf", "rate_limit".
  virtual std::string_view name() const = 0;

  virtual bool on_accept(std::string_view /*client_ip*/) { return true; }
  virtual void on_close(std::string_view /*client_ip*/) {}
  virtual std::optional<Response> on_request(Context& /*context*/) { return std::nullopt; }
  virtual void on_response(Context& /*context*/, Response& /*response*/) {}
};

}  // namespace sw::http
