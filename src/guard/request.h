// The guard's request head: a lean HTTP/1.1 parser with explicit limits, and the header grammars the
// guard answers to (Accept-Encoding with q-values, a single Range, conditional requests, HTTP dates).
//
// parse_request_head() reads the request line and headers and says how the body is framed (RFC 9112
// 6: Content-Length or chunked); decode_chunked() then de-chunks a chunked body in place. The views
// they fill point into the caller's buffer; neither allocates. Every header line is kept, in order,
// in a fixed array (kMaxHeaderLines) for the request filters (filter.h).
// Refusals carry the status to answer with and a fixed description (never the request's text):
//   400 malformed line or header, a bare LF or CR anywhere in the head (refused as soon as seen; RFC
//       9112 2.2 allows accepting a bare LF, the guard does not: line splitting must not differ from a
//       proxy's in front), folded header (obs-fold), a space before a header's colon, a NUL or other
//       control byte, missing or repeated Host, a bad or repeated
//       Content-Length, Content-Length and Transfer-Encoding together, a repeated Transfer-Encoding or
//       one in HTTP/1.0, malformed chunked framing; 413 a chunked body over max_body_bytes;
//   414 request-target over max_uri_bytes; 431 head over max_header_bytes or more than
//       kMaxHeaderLines header lines, chunk trailers over max_header_bytes;
//   501 a transfer coding other than "chunked"; 505 an HTTP version other than 1.0/1.1.
// Unknown methods are parsed (Method::unknown → 501) and other standard ones too (Method::other → 405),
// so the guard answers them after reading the request (and its filters saw it).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "guard/filter.h"

namespace sw::guard {

enum class Method { get, head, other, unknown };

struct RequestLimits {
  std::size_t max_header_bytes = 8 * 1024;  // request line + headers + the blank line
  std::size_t max_uri_bytes = 4 * 1024;     // the request-target
};

inline constexpr std::size_t kMaxHeaderLines = 100;

enum class BodyFraming { none, length, chunked };

struct RequestHead {
  Method method = Method::unknown;
  std::string_view method_text;  // as sent
  std::string_view target;  // raw request-target
  int minor_version = 1;    // HTTP/1.<minor>
  std::string_view version_text;  // "1.0" or "1.1"
  std::string_view host;    // raw Host value ("" if absent in HTTP/1.0)
  std::string_view if_none_match;
  std::string_view if_modified_since;
  std::string_view if_range;
  std::string_view range;
  std::string_view accept_encoding;
  bool keep_alive = true;
  std::size_t head_bytes = 0;  // bytes of the buffer this head used (including leading blank lines)
  BodyFraming framing = BodyFraming::none;
  std::uint64_t content_length = 0;  // for BodyFraming::length
  bool expect_continue = false;      // "Expect: 100-continue" in an HTTP/1.1 request (other values ignored)
  // Every header line in order; only the first header_count entries are meaningful (the array is
  // not cleared between requests: the GET path writes two views per line and nothing else).
  std::size_t header_count = 0;
  std::array<FilterHeader, kMaxHeaderLines> headers;

  std::span<const FilterHeader> header_lines() const { return {headers.data(), header_count}; }
  void reset();  // every field but `headers` to its default
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

// State of decode_chunked() across reads: start it with read = write = the head's end.
struct ChunkedDecoder {
  enum class State { size, extension, size_lf, data, data_cr, data_lf, trailer_start, trailer, trailer_lf, done };
  State state = State::size;
  std::size_t read = 0;   // offset of the next encoded byte in the buffer
  std::size_t write = 0;  // end of the decoded body in the buffer (write <= read)
  std::uint64_t chunk_left = 0;
  std::size_t size_digits = 0;
  std::size_t line_bytes = 0;     // of the current chunk-size line (extensions bounded)
  std::size_t trailer_bytes = 0;  // of the trailer section (bounded)
  std::uint64_t body_bytes = 0;
};

// Decodes buffer[d.read, len) in place: chunk data is moved down to d.write, framing is dropped. On
// complete, the body is buffer[start, d.write) and the message ends at d.read (what follows is the
// next pipelined request); on incomplete every byte up to len was consumed (the caller may drop
// buffer[d.write, len) and read more there). Chunk-size lines are at most 1 KiB with extensions,
// the trailer section at most max_trailer_bytes (431); a body over max_body_bytes is refused with 413
// as soon as a chunk size says so.
ParseResult decode_chunked(char* buffer, std::size_t len, std::uint64_t max_body_bytes,
                           std::size_t max_trailer_bytes, ChunkedDecoder& d);

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
