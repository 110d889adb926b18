#include "guard/request.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace sw::guard {
namespace {

constexpr std::string_view kCrlf = "\r\n";

// RFC 9110 5.6.2 tchar.
constexpr std::array<bool, 256> make_tchar() {
  std::array<bool, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
  for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto kTchar = make_tchar();

bool is_tchar(char c) { return kTchar[static_cast<unsigned char>(c)]; }
bool is_ctl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

ParseResult refuse(int status, std::string_view problem) { return {ParseOutcome::refused, status, problem}; }

Method method_of(std::string_view m) {
  if (m == "GET") return Method::get;
  if (m == "HEAD") return Method::head;
  for (std::string_view known : {"POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"}) {
    if (m == known) return Method::other;
  }
  return Method::unknown;
}

// Whether a comma-separated token list (Connection) holds `token`, case-insensitively.
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (iequals(trim(list.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

ParseResult parse_request_line(std::string_view line, const RequestLimits& limits, RequestHead& out) {
  const auto sp1 = line.find(' ');
  if (sp1 == 0 || sp1 == std::string_view::npos) return refuse(400, "malformed request line");
  const std::string_view method = line.substr(0, sp1);
  if (!std::all_of(method.begin(), method.end(), is_tchar)) return refuse(400, "malformed method");
  const auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return refuse(400, "malformed request line");
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (target.size() > limits.max_uri_bytes) return refuse(414, "request-target too long");
  for (char c : target) {
    if (is_ctl(c) || c == ' ') return refuse(400, "malformed request-target");
  }
  const std::string_view version = line.substr(sp2 + 1);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
      version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return refuse(400, "malformed HTTP version");
  }
  if (version[5] != '1') return refuse(505, "HTTP version not supported");
  out.method = method_of(method);
  out.method_text = method;
  out.version_text = version.substr(5);
  out.target = target;
  out.minor_version = version[7] - '0';
  out.keep_alive = out.minor_version >= 1;
  return {ParseOutcome::complete, 0, {}};
}

struct HeaderState {
  bool have_host = false;
  bool have_length = false;
  bool have_transfer_encoding = false;
};

ParseResult parse_header(std::string_view line, RequestHead& out, HeaderState& seen) {
  if (line.front() == ' ' || line.front() == '\t') return refuse(400, "folded header line");
  const auto colon = line.find(':');
  if (colon == 0 || colon == std::string_view::npos) return refuse(400, "malformed header line");
  const std::string_view name = line.substr(0, colon);
  if (!std::all_of(name.begin(), name.end(), is_tchar)) return refuse(400, "malformed header name");
  const std::string_view value = trim(line.substr(colon + 1));
  for (char c : value) {
    if (is_ctl(c) && c != '\t') return refuse(400, "control byte in a header value");
  }
  if (out.header_count == kMaxHeaderLines) return refuse(431, "too many header lines");
  out.headers[out.header_count++] = FilterHeader{name, value};
  switch (lower(name.front())) {
    case 'h':
      if (iequals(name, "host")) {
        if (seen.have_host) return refuse(400, "repeated Host header");
        seen.have_host = true;
        out.host = value;
      }
      break;
    case 'c':
      if (iequals(name, "connection")) {
        if (has_token(value, "close")) out.keep_alive = false;
        else if (has_token(value, "keep-alive")) out.keep_alive = true;
      } else if (iequals(name, "content-length")) {
        // RFC 9112 6.3: digits only; a repeated one (even equal, even as a list) is refused, since a
        // proxy in front may have read the other one (request smuggling).
        if (seen.have_length) return refuse(400, "repeated Content-Length");
        seen.have_length = true;
        if (value.empty() || value.size() > 18 ||
            !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          return refuse(400, "malformed Content-Length");
        }
        std::uint64_t n = 0;
        for (char c : value) n = n * 10 + static_cast<std::uint64_t>(c - '0');
        out.content_length = n;
        out.framing = n == 0 ? BodyFraming::none : BodyFraming::length;
      }
      break;
    case 't':
      if (iequals(name, "transfer-encoding")) {
        if (seen.have_transfer_encoding) return refuse(400, "repeated Transfer-Encoding");
        seen.have_transfer_encoding = true;
        if (!iequals(value, "chunked")) return refuse(501, "transfer coding not supported");
        out.framing = BodyFraming::chunked;
      }
      break;
    case 'e':
      // RFC 9110 10.1.1: 100-continue is the only expectation; an HTTP/1.0 client's is ignored.
      if (iequals(name, "expect") && iequals(value, "100-continue") && out.minor_version >= 1) {
        out.expect_continue = true;
      }
      break;
    case 'i':
      if (iequals(name, "if-none-match")) out.if_none_match = value;
      else if (iequals(name, "if-modified-since")) out.if_modified_since = value;
      else if (iequals(name, "if-range")) out.if_range = value;
      break;
    case 'r':
      if (iequals(name, "range")) out.range = value;
      break;
    case 'a':
      if (iequals(name, "accept-encoding") && out.accept_encoding.empty()) out.accept_encoding = value;
      break;
    default:
      break;
  }
  return {ParseOutcome::complete, 0, {}};
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// q-value of an Accept-Encoding element's parameters ("; q=0.5"); 1 when absent, -1 when malformed.
int qvalue_millis(std::string_view params) {
  params = trim(params);
  if (params.empty()) return 1000;
  if (params.front() != ';') return -1;
  params = trim(params.substr(1));
  if (params.size() < 3 || lower(params[0]) != 'q' || params[1] != '=') return 1000;  // other parameter
  std::string_view v = params.substr(2);
  if (v.empty() || (v[0] != '0' && v[0] != '1')) return -1;
  int millis = (v[0] - '0') * 1000;
  if (v.size() > 1) {
    if (v[1] != '.' || v.size() > 5) return -1;
    int scale = 100;
    for (char c : v.substr(2)) {
      if (c < '0' || c > '9') return -1;
      millis += (c - '0') * scale;
      scale /= 10;
    }
  }
  return millis > 1000 ? -1 : millis;
}

bool parse_uint(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

void RequestHead::reset() {
  method = Method::unknown;
  method_text = {};
  target = {};
  minor_version = 1;
  version_text = {};
  host = {};
  if_none_match = {};
  if_modified_since = {};
  if_range = {};
  range = {};
  accept_encoding = {};
  keep_alive = true;
  head_bytes = 0;
  framing = BodyFraming::none;
  content_length = 0;
  expect_continue = false;
  header_count = 0;
}

namespace {

// RFC 9112 2.2 lets a recipient accept a bare LF as a line end (nginx does); the guard does not: every
// LF of the head must follow a CR and every CR precede an LF. A front proxy that splits lines
// differently from the guard is how requests are smuggled, so a head with a bare LF or CR is refused
// (400) as soon as one is seen, even before the head is complete. `head` is the head so far.
ParseResult check_line_ends(std::string_view head) {
  for (std::size_t at = head.find('\n'); at != std::string_view::npos; at = head.find('\n', at + 1)) {
    if (at == 0 || head[at - 1] != '\r') return refuse(400, "bare LF");
  }
  for (std::size_t at = head.find('\r'); at != std::string_view::npos; at = head.find('\r', at + 1)) {
    if (at + 1 < head.size() && head[at + 1] != '\n') return refuse(400, "bare CR");
  }
  return {ParseOutcome::complete, 0, {}};
}

}  // namespace

ParseResult parse_request_head(std::string_view buffer, const RequestLimits& limits, RequestHead& out) {
  out.reset();
  std::size_t start = 0;
  while (buffer.size() >= start + 2 && buffer.substr(start, 2) == kCrlf) start += 2;  // RFC 9112 2.2
  const std::string_view view = buffer.substr(start);
  {
    const auto end = view.find("\r\n\r\n");
    const ParseResult ends = check_line_ends(view.substr(0, end == std::string_view::npos ? view.size() : end + 4));
    if (ends.outcome == ParseOutcome::refused) return ends;
  }
  const auto line_end = view.find(kCrlf);
  if (line_end == std::string_view::npos) {
    if (view.size() > limits.max_uri_bytes + 32) return refuse(414, "request-target too long");
    if (buffer.size() >= limits.max_header_bytes) return refuse(431, "request header too large");
    return {};
  }
  const auto head_end = view.find("\r\n\r\n");
  if (head_end == std::string_view::npos || start + head_end + 4 > limits.max_header_bytes) {
    if (buffer.size() >= limits.max_header_bytes) {
      ParseResult line = parse_request_line(view.substr(0, line_end), limits, out);
      if (line.outcome == ParseOutcome::refused) return line;
      return refuse(431, "request header too large");
    }
    return {};
  }
  ParseResult line = parse_request_line(view.substr(0, line_end), limits, out);
  if (line.outcome == ParseOutcome::refused) return line;
  HeaderState seen;
  std::size_t pos = line_end + 2;
  while (pos < head_end + 2) {
    const auto end = view.find(kCrlf, pos);
    const std::string_view header = view.substr(pos, end - pos);
    if (header.find('\n') != std::string_view::npos || header.find('\r') != std::string_view::npos) {
      return refuse(400, "bare CR or LF in a header");
    }
    ParseResult h = parse_header(header, out, seen);
    if (h.outcome == ParseOutcome::refused) return h;
    pos = end + 2;
  }
  if (out.minor_version >= 1 && !seen.have_host) return refuse(400, "missing Host header");
  // RFC 9112 6.1, 6.3: both framings at once, or chunked from an HTTP/1.0 client, is faulty framing.
  if (seen.have_length && seen.have_transfer_encoding) return refuse(400, "Content-Length with Transfer-Encoding");
  if (seen.have_transfer_encoding && out.minor_version == 0) return refuse(400, "Transfer-Encoding in HTTP/1.0");
  out.head_bytes = start + head_end + 4;
  return {ParseOutcome::complete, 0, {}};
}

ParseResult decode_chunked(char* buffer, std::size_t len, std::uint64_t max_body_bytes, std::size_t max_trailer_bytes,
                           ChunkedDecoder& d) {
  using State = ChunkedDecoder::State;
  constexpr std::size_t kMaxChunkLine = 1024;
  while (d.read < len && d.state != State::done) {
    if (d.state == State::data) {
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(d.chunk_left, len - d.read));
      if (d.write != d.read) std::memmove(buffer + d.write, buffer + d.read, n);
      d.write += n;
      d.read += n;
      d.chunk_left -= n;
      if (d.chunk_left == 0) d.state = State::data_cr;
      continue;
    }
    const char c = buffer[d.read++];
    switch (d.state) {
      case State::size:
        if (++d.line_bytes > kMaxChunkLine) return refuse(400, "chunk line too long");
        if (const int v = hex_value(c); v >= 0) {
          if (++d.size_digits > 15) return refuse(413, "request body too large");
          d.chunk_left = d.chunk_left * 16 + static_cast<std::uint64_t>(v);
          break;
        }
        if (d.size_digits == 0) return refuse(400, "malformed chunk size");
        if (d.body_bytes + d.chunk_left > max_body_bytes) return refuse(413, "request body too large");
        if (c == ';' || c == ' ' || c == '\t') d.state = State::extension;
        else if (c == '\r') d.state = State::size_lf;
        else return refuse(400, "malformed chunk size");
        break;
      case State::extension:  // chunk extensions are ignored, their length bounded (RFC 9112 7.1.1)
        if (++d.line_bytes > kMaxChunkLine) return refuse(400, "chunk line too long");
        if (c == '\r') d.state = State::size_lf;
        else if (is_ctl(c) && c != '\t') return refuse(400, "control byte in a chunk extension");
        break;
      case State::size_lf:
        if (c != '\n') return refuse(400, "malformed chunk line");
        d.body_bytes += d.chunk_left;
        d.line_bytes = 0;
        d.size_digits = 0;
        d.state = d.chunk_left == 0 ? State::trailer_start : State::data;
        break;
      case State::data_cr:
        if (c != '\r') return refuse(400, "chunk data longer than its size");
        d.state = State::data_lf;
        break;
      case State::data_lf:
        if (c != '\n') return refuse(400, "chunk data longer than its size");
        d.state = State::size;
        break;
      case State::trailer_start:  // a trailer line, or the empty line that ends the message
        if (++d.trailer_bytes > max_trailer_bytes) return refuse(431, "chunk trailers too large");
        if (c == '\r') d.state = State::trailer_lf;
        else if (is_ctl(c)) return refuse(400, "malformed trailer line");
        else d.state = State::trailer, d.line_bytes = 1;
        break;
      case State::trailer:  // trailer fields are read and dropped (never merged into the head)
        if (++d.trailer_bytes > max_trailer_bytes) return refuse(431, "chunk trailers too large");
        if (c == '\r') d.state = State::trailer_lf;
        else if (c == '\n' || (is_ctl(c) && c != '\t')) return refuse(400, "malformed trailer line");
        break;
      case State::trailer_lf:
        if (c != '\n') return refuse(400, "malformed trailer line");
        if (++d.trailer_bytes > max_trailer_bytes) return refuse(431, "chunk trailers too large");
        // An empty line ends the message; the line before it decides which CR this was.
        d.state = d.line_bytes == 0 ? State::done : State::trailer_start;
        d.line_bytes = 0;
        break;
      case State::data:
      case State::done:
        break;
    }
  }
  if (d.state == State::done) return {ParseOutcome::complete, 0, {}};
  return {};
}

RequestPath decode_request_path(std::string_view target) {
  RequestPath r;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() > scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
      target.remove_prefix(scheme.size());
      const auto slash = target.find('/');
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
    }
  }
  target = target.substr(0, target.find_first_of("?#"));
  if (target.empty() || target.front() != '/') return {400, {}, false};
  std::string path;
  path.reserve(target.size() + 10);
  for (std::size_t i = 0; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%') {
      if (i + 2 >= target.size()) return {400, {}, false};
      const int hi = hex_value(target[i + 1]);
      const int lo = hex_value(target[i + 2]);
      if (hi < 0 || lo < 0) return {400, {}, false};
      c = static_cast<char>(hi * 16 + lo);
      if (c == '/' || c == '\\') return {400, {}, false};  // an encoded separator hides a segment
      i += 2;
    } else if (c == '\\') {
      return {400, {}, false};
    }
    if (is_ctl(c)) return {400, {}, false};
    path += c;
  }
  // "." and ".." segments are refused, never resolved: no request walks the tree (N7.1).
  std::size_t seg = 1;
  while (seg <= path.size()) {
    const auto next = std::min(path.find('/', seg), path.size());
    const std::string_view s = std::string_view(path).substr(seg, next - seg);
    if (s == "." || s == "..") return {400, {}, false};
    seg = next + 1;
  }
  r.directory = path.back() == '/';
  if (r.directory) path += "index.html";
  r.path = std::move(path);
  return r;
}

std::optional<std::string> normalise_host(std::string_view host) {
  if (host.empty() || host.size() > 255 + 6) return std::nullopt;
  std::string out;
  if (host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    for (char c : host.substr(1, close - 1)) {
      if (hex_value(c) < 0 && c != ':' && c != '.') return std::nullopt;
      out += lower(c);
    }
    host.remove_prefix(close + 1);
    out = "[" + out + "]";
  } else {
    const auto colon = host.find(':');
    const std::string_view name = host.substr(0, colon);
    if (name.empty() || name.size() > 253) return std::nullopt;
    for (char c : name) {
      const char l = lower(c);
      if (!((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '-' || l == '.')) return std::nullopt;
      out += l;
    }
    host.remove_prefix(name.size());
    if (out.back() == '.') out.pop_back();  // "example.org." is "example.org"
    if (out.empty()) return std::nullopt;
  }
  if (!host.empty()) {
    if (host.front() != ':' || host.size() > 6) return std::nullopt;
    for (char c : host.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
    }
  }
  return out;
}

Encoding choose_encoding(std::string_view accept, bool have_gzip, bool have_brotli) {
  if (accept.empty() || (!have_gzip && !have_brotli)) return Encoding::identity;
  int q_gzip = -1, q_br = -1, q_star = -1;
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    std::string_view element = trim(accept.substr(0, comma));
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    const auto semi = element.find(';');
    const std::string_view coding = trim(element.substr(0, semi));
    const int q = semi == std::string_view::npos ? 1000 : qvalue_millis(element.substr(semi));
    if (q < 0) continue;
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip")) q_gzip = q;
    else if (iequals(coding, "br")) q_br = q;
    else if (coding == "*") q_star = q;
  }
  if (q_gzip < 0) q_gzip = q_star;
  if (q_br < 0) q_br = q_star;
  const int br = have_brotli ? q_br : -1;
  const int gz = have_gzip ? q_gzip : -1;
  if (br > 0 && br >= gz) return Encoding::brotli;
  if (gz > 0) return Encoding::gzip;
  return Encoding::identity;
}

std::string_view to_string(Encoding e) {
  switch (e) {
    case Encoding::gzip: return "gzip";
    case Encoding::brotli: return "br";
    case Encoding::identity: break;
  }
  return "identity";
}

ByteRange parse_range(std::string_view range, std::uint64_t size) {
  ByteRange r;
  range = trim(range);
  if (range.size() < 7 || !iequals(range.substr(0, 6), "bytes=")) return r;
  const std::string_view spec = trim(range.substr(6));
  if (spec.find(',') != std::string_view::npos) return r;  // several ranges: the whole file (RFC allows)
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) return r;
  const std::string_view a = trim(spec.substr(0, dash));
  const std::string_view b = trim(spec.substr(dash + 1));
  std::uint64_t first = 0, last = 0;
  if (a.empty()) {  // suffix: the last N bytes
    if (!parse_uint(b, last)) return r;
    if (last == 0 || size == 0) return {ByteRange::Kind::unsatisfiable, 0, 0};
    return {ByteRange::Kind::satisfiable, size - std::min(last, size), size - 1};
  }
  if (!parse_uint(a, first)) return r;
  if (b.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else {
    if (!parse_uint(b, last) || last < first) return r;
    if (size > 0) last = std::min(last, size - 1);
  }
  if (first >= size) return {ByteRange::Kind::unsatisfiable, 0, 0};
  return {ByteRange::Kind::satisfiable, first, last};
}

bool if_none_match_matches(std::string_view inm, std::string_view etag) {
  while (!inm.empty()) {
    const auto comma = inm.find(',');
    std::string_view tag = trim(inm.substr(0, comma));
    if (tag == "*") return true;
    if (tag.size() > 2 && tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == etag) return true;
    if (comma == std::string_view::npos) break;
    inm.remove_prefix(comma + 1);
  }
  return false;
}

std::string format_http_date(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const int n = std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday].data(),
                              tm.tm_mday, kMonths[tm.tm_mon].data(), tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                              tm.tm_sec);
  return std::string(buf, static_cast<std::size_t>(n));
}

std::optional<std::time_t> parse_http_date(std::string_view s) {
  // "Sun, 06 Nov 1994 08:49:37 GMT"
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
      s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT") {
    return std::nullopt;
  }
  auto num = [&](std::size_t pos, std::size_t len) -> int {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  std::tm tm{};
  tm.tm_mday = num(5, 2);
  tm.tm_year = num(12, 4) - 1900;
  tm.tm_hour = num(17, 2);
  tm.tm_min = num(20, 2);
  tm.tm_sec = num(23, 2);
  tm.tm_mon = -1;
  for (std::size_t m = 0; m < kMonths.size(); ++m) {
    if (s.substr(8, 3) == kMonths[m]) tm.tm_mon = static_cast<int>(m);
  }
  if (tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_year < 70 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  return timegm(&tm);
}

}  // namespace sw::guard
