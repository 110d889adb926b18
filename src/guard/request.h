// The guard's request head: a lean HTTP/1.1 parser with explicit limits, and the header grammars the
// guard answers to (Accept-Encoding with q-values, a single Range, conditional requests, HTTP dates).
//
// parse_request_head() reads only the request line and headers (the guard serves GET and HEAD and
// accepts no request body). The views it fills point into the caller's buffer. It never allocates.
// Refusals carry the status to answer with and a fixed description (never the request's text):
//   400 malformed line or header, folded header, missing or repeated Host, a body (Content-Length
//       other than 0, Transfer-Encoding), 414 request-target over max_uri_bytes, 431 head over
//       max_header_bytes, 505 an HTTP version other than 1.0/1.1.
// Unknown methods are parsed (Method::unknown → 501) and other standard ones too (Method::other → 405),
// so the guard answers them after reading the head.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace sw::guard {

enum class Method { get, head, other, unknown };

struct RequestLimits {
  std::size_t max_header_bytes = 8 * 1024;  // request line + headers + the blank line
  std::size_t max_uri_bytes = 4 * 1024;     // the request-target
};

struct RequestHead {
  Method method = Method::unknown;
  std::string_view target;  // raw request-target
  int minor_version = 1;    // HTTP/1.<minor>
  std::string_view host;    // raw Host value ("" if absent in HTTP/1.0)
  std::string_view if_none_match;
  std::string_view if_modified_since;
  std::string_view if_range;
  std::string_view range;
  std::string_view accept_encoding;
  bool keep_alive = true;
  std::size_t head_bytes = 0;  // bytes of the buffer this head used (including leading blank lines)
};

enum class ParseOutcome { complete, incomplete, refused };

struct ParseResult {
  ParseOutcome outcome = ParseOutcome::incomplete;
  int status = 0;                  // for refused: 400, 414, 431, 505
  std::string_view problem;        // for refused: a fixed description
};

// Parses the head at the start of `buffer`. incomplete: read more (the caller's buffer must hold at
// least max_header_bytes, since a head that does not fit is refused with 431 or 414).
ParseResult parse_request_head(std::string_view buffer, const RequestLimits& limits, RequestHead& out);

// The manifest path a request-target names (N7.1: only manifest paths are ever served).
// "/" and "/dir/" map to ".../index.html"; the query and fragment are dropped; an absolute-form
// target ("http://host/p") keeps its path. Percent-escapes are decoded once. Refused with 400:
// no leading '/', a bad escape, an encoded '/' or '\', NUL or another control byte (raw or encoded),
// a raw '\', a "." or ".." segment.
struct RequestPath {
  int status = 0;           // 0 when path is set, else 400
  std::string path;         // decoded manifest path
  bool directory = false;   // the target ended in '/'
};
RequestPath decode_request_path(std::string_view target);

// The Host header (or an absolute-form authority) normalised for routing: lowercase, the port
// removed, checked to be a DNS name, an IPv4 address or a bracketed IPv6 address. nullopt if bad.
std::optional<std::string> normalise_host(std::string_view host);

// Which stored form of a file to send for an Accept-Encoding value (RFC 9110 12.5.3: q-values,
// "*", q=0 refusing). Brotli wins a tie with gzip; identity when neither is acceptable or stored.
enum class Encoding { identity, gzip, brotli };
Encoding choose_encoding(std::string_view accept_encoding, bool have_gzip, bool have_brotli);
std::string_view to_string(Encoding e);  // "identity" | "gzip" | "br"

// A single byte range (RFC 9110 14.2). none: absent, malformed or several ranges (serve the whole
// file, 200); unsatisfiable: 416. first..last are inclusive and within the file.
struct ByteRange {
  enum class Kind { none, satisfiable, unsatisfiable } kind = Kind::none;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};
ByteRange parse_range(std::string_view range, std::uint64_t size);

// Whether an If-None-Match value matches `etag` (a quoted strong tag) by weak comparison, or is "*".
bool if_none_match_matches(std::string_view if_none_match, std::string_view etag);

// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") both ways; parse gives nullopt on anything else.
std::string format_http_date(std::time_t t);
std::optional<std::time_t> parse_http_date(std::string_view text);

}  // namespace sw::guard
