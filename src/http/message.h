// HTTP messages as plain values: what a handler or filter reads (Request) and returns (Response).
//
// These types carry no Boost.Beast: the server converts to and from the wire, so modules that
// serve pages (console, guard) and their tests never include Beast. Header names compare
// case-insensitively (RFC 9110 5.1); values are kept as sent.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sw::http {

// Status codes the platform uses by name.
namespace status {
inline constexpr int ok = 200;
inline constexpr int no_content = 204;
inline constexpr int see_other = 303;
inline constexpr int not_modified = 304;
inline constexpr int bad_request = 400;
inline constexpr int unauthorized = 401;
inline constexpr int forbidden = 403;
inline constexpr int not_found = 404;
inline constexpr int method_not_allowed = 405;
inline constexpr int payload_too_large = 413;
inline constexpr int uri_too_long = 414;
inline constexpr int too_many_requests = 429;
inline constexpr int request_header_fields_too_large = 431;
inline constexpr int internal_server_error = 500;
inline constexpr int not_implemented = 501;
inline constexpr int service_unavailable = 503;
}  // namespace status

// True if `a` and `b` are equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);

// Header fields in the order they were added.
class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  // The value of the first field named `name` (any case), or nullopt.
  std::optional<std::string_view> get(std::string_view name) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }

  // Replaces every field named `name` with a single field.
  void set(std::string name, std::string value);
  // Appends a field; for fields that may repeat (Set-Cookie).
  void add(std::string name, std::string value);
  // Removes every field named `name` and returns how many were removed.
  std::size_t remove(std::string_view name);

  const std::vector<Field>& fields() const { return fields_; }
  std::size_t size() const { return fields_.size(); }

 private:
  std::vector<Field> fields_;
};

// The client certificate of a mutual-TLS connection (N6.4, N7.4): the second factor the
// identity module maps to a user. Only certificates that verified against the listener's client
// CA reach a Request.
struct ClientCertificate {
  std::string sha256_fingerprint;  // lowercase hex of SHA-256 over the certificate's DER encoding
  std::string subject;             // RFC 2253 form, e.g. "CN=Alice,O=Union"
};

// One request as a handler sees it. The server fills every field before any filter runs.
struct Request {
  std::string method;  // as sent ("GET"); methods are case-sensitive (RFC 9110 9.1)
  std::string target;  // request-target as sent: "/users?page=2"
  std::string path;    // target before '?', still percent-encoded: "/users"
  std::string query;   // target after '?' without it, still encoded; empty if none
  Headers headers;
  std::string body;  // the whole body, at most Limits::max_body_bytes
  int version = 11;  // 10 for HTTP/1.0, 11 for HTTP/1.1

  std::string client_ip;  // peer address of the TCP connection, e.g. "127.0.0.1" or "::1"
  bool tls = false;       // true if the request arrived over TLS
  std::optional<ClientCertificate> client_certificate;  // set only on mutual TLS
  std::string request_id;  // random, unique per request; also sent back as X-Request-Id
  std::string listener;    // name of the listener that accepted the connection
};

// One response. The server owns framing: it sets Content-Length, Connection, Date and
// X-Request-Id itself and drops any of those a handler set. A response whose header names or
// values hold CR, LF or NUL is replaced by a 500 (no header injection).
struct Response {
  int status = status::ok;
  Headers headers;
  std::string body;

  // `body` as text/plain; charset=utf-8.
  static Response text(std::string body, int status = status::ok);
  // `body` as text/html; charset=utf-8. The caller has escaped what it interpolated.
  static Response html(std::string body, int status = status::ok);
  // `body` (serialised JSON) as application/json.
  static Response json(std::string body, int status = status::ok);
  // A redirect to `location`; 303 by default so that a browser follows a POST with a GET.
  static Response redirect(std::string_view location, int status = status::see_other);
  // A small HTML error page with the status, its reason phrase and `detail` HTML-escaped: request
  // text placed in `detail` is never reflected raw.
  static Response error(int status, std::string_view detail = {});
};

// The reason phrase of a status code ("Not Found"); "Unknown" for codes without one.
std::string_view reason_phrase(int status);

// Escapes & < > " ' for HTML text and attribute values.
std::string escape_html(std::string_view text);

}  // namespace sw::http
