// multipart/form-data parsing; the contract is in multipart.h.
#include "http/multipart.h"

#include <algorithm>

#include "http/message.h"

namespace sw::http {
namespace {

constexpr std::size_t kMaxBoundary = 70;  // RFC 2046
constexpr std::string_view kCrlf = "\r\n";

// RFC 2046 bchars (we also refuse the space it allows, except that no browser sends one).
bool boundary_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         std::string_view("'()+_,-./:=?").find(c) != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool lower_equals(std::string_view a, std::string_view b) { return iequals(a, b); }

// Well-formed UTF-8 without control characters (names shown to people and used as file names).
bool clean_text(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if (c < 0xc2 || c > 0xf4) return false;
    const std::size_t n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;  // continuation bytes
    if (i + n >= s.size()) return false;
    std::uint32_t cp = c & (0x3f >> n);
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

struct Disposition {
  std::optional<std::string> name;
  std::optional<std::string> filename;
};

// `form-data; name="a"; filename="b.pdf"`. Quoted values may escape '"' and '\' with a backslash.
Result<Disposition> parse_disposition(std::string_view value) {
  const auto semi = value.find(';');
  if (!lower_equals(trim(value.substr(0, semi)), "form-data")) {
    return fail("http.multipart_malformed", "Content-Disposition of a part is not form-data");
  }
  Disposition d;
  std::size_t i = semi == std::string_view::npos ? value.size() : semi + 1;
  while (i < value.size()) {
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    const auto eq = value.find('=', i);
    if (eq == std::string_view::npos) return fail("http.multipart_malformed", "a Content-Disposition parameter has no value");
    const std::string key(trim(value.substr(i, eq - i)));
    std::string v;
    i = eq + 1;
    if (i < value.size() && value[i] == '"') {
      ++i;
      bool closed = false;
      while (i < value.size()) {
        const char c = value[i++];
        if (c == '\\' && i < value.size()) {
          v += value[i++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          v += c;
        }
      }
      if (!closed) return fail("http.multipart_malformed", "an unterminated quoted " + key + " in Content-Disposition");
      while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
      if (i < value.size() && value[i] != ';') return fail("http.multipart_malformed", "text after the quoted " + key);
    } else {
      const auto end = value.find(';', i);
      v = std::string(trim(value.substr(i, end == std::string_view::npos ? std::string_view::npos : end - i)));
      i = end == std::string_view::npos ? value.size() : end;
    }
    if (i < value.size() && value[i] == ';') ++i;
    if (lower_equals(key, "name")) {
      if (d.name) return fail("http.multipart_malformed", "a part names itself twice");
      d.name = std::move(v);
    } else if (lower_equals(key, "filename")) {
      if (d.filename) return fail("http.multipart_malformed", "a part has two file names");
      d.filename = std::move(v);
    } else if (lower_equals(key, "filename*")) {
      return fail("http.multipart_malformed", "filename* is not accepted in form-data (RFC 7578 4.2)");
    }
  }
  if (!d.name) return fail("http.multipart_malformed", "a part has no name in its Content-Disposition");
  return d;
}

Result<MultipartPart> parse_part_headers(std::string_view block) {
  MultipartPart part;
  bool disposition = false;
  while (!block.empty()) {
    const auto end = block.find(kCrlf);
    const std::string_view line = block.substr(0, end);
    block = end == std::string_view::npos ? std::string_view{} : block.substr(end + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail("http.multipart_malformed", "a part header without a name");
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim(line.substr(colon + 1));
    if (lower_equals(name, "Content-Disposition")) {
      if (disposition) return fail("http.multipart_malformed", "a part with two Content-Disposition headers");
      disposition = true;
      SW_TRY(d, parse_disposition(value));
      part.name = std::move(*d.name);
      part.filename = std::move(d.filename);
    } else if (lower_equals(name, "Content-Type")) {
      if (lower_equals(value.substr(0, std::min<std::size_t>(value.size(), 10)), "multipart/")) {
        return fail("http.multipart_malformed", "nested multipart parts are not accepted");
      }
      part.content_type = std::string(value);
    } else if (lower_equals(name, "Content-Transfer-Encoding")) {
      return fail("http.multipart_malformed", "Content-Transfer-Encoding is not accepted (RFC 7578 4.7)");
    }
  }
  if (!disposition) return fail("http.multipart_malformed", "a part without Content-Disposition");
  if (!clean_text(part.name)) return fail("http.multipart_bad_name", "a field name has a control character or bad UTF-8");
  if (part.filename && !clean_text(*part.filename)) {
    return fail("http.multipart_bad_name", "the file name of part '" + part.name + "' has a control character or bad UTF-8");
  }
  return part;
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
  const auto semi = content_type.find(';');
  if (!lower_equals(trim(content_type.substr(0, semi)), "multipart/form-data")) {
    return fail("http.multipart_boundary", "the Content-Type is not multipart/form-data");
  }
  std::string_view rest = semi == std::string_view::npos ? std::string_view{} : content_type.substr(semi + 1);
  while (!rest.empty()) {
    const auto next = rest.find(';');
    const std::string_view param = trim(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    const auto eq = param.find('=');
    if (eq == std::string_view::npos || !lower_equals(trim(param.substr(0, eq)), "boundary")) continue;
    std::string_view b = trim(param.substr(eq + 1));
    if (b.size() >= 2 && b.front() == '"' && b.back() == '"') b = b.substr(1, b.size() - 2);
    if (b.empty() || b.size() > kMaxBoundary || !std::all_of(b.begin(), b.end(), boundary_char)) {
      return fail("http.multipart_boundary", "the boundary must be 1..70 characters of RFC 2046's set");
    }
    return std::string(b);
  }
  return fail("http.multipart_boundary", "the Content-Type has no boundary");
}

Result<std::vector<MultipartPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                                   const MultipartLimits& limits) {
  const std::string first = "--" + std::string(boundary);
  const std::string delimiter = "\r\n" + first;
  if (!body.starts_with(first)) return fail("http.multipart_malformed", "the body does not start with the boundary");
  std::size_t pos = first.size();
  std::vector<MultipartPart> parts;
  std::size_t files = 0;
  for (;;) {
    if (body.substr(pos, 2) == "--") return parts;  // the close delimiter; the epilogue is ignored
    if (body.substr(pos, 2) != kCrlf) return fail("http.multipart_malformed", "a boundary not followed by CRLF");
    pos += 2;
    if (parts.size() == limits.max_parts) {
      return fail("http.multipart_too_many", "more than " + std::to_string(limits.max_parts) + " parts");
    }
    const auto header_end = body.find("\r\n\r\n", pos);
    // A part with no headers at all is malformed (Content-Disposition is required), so the blank line
    // always follows at least one header line.
    if (header_end == std::string_view::npos || header_end - pos > limits.max_header_bytes) {
      return fail("http.multipart_malformed", "a part's headers are missing, unterminated or longer than " +
                                                  std::to_string(limits.max_header_bytes) + " bytes");
    }
    SW_TRY(part, parse_part_headers(body.substr(pos, header_end - pos)));
    pos = header_end + 4;
    const auto data_end = body.find(delimiter, pos);
    if (data_end == std::string_view::npos) return fail("http.multipart_malformed", "the body ends inside part '" + part.name + "'");
    const std::size_t size = data_end - pos;
    if (part.filename) {
      if (++files > limits.max_files) {
        return fail("http.multipart_too_many", "more than " + std::to_string(limits.max_files) + " file(s) in one request");
      }
      if (size > limits.max_file_bytes) {
        return fail("http.multipart_too_large", "the file in part '" + part.name + "' is larger than " +
                                                    std::to_string(limits.max_file_bytes) + " bytes");
      }
    } else if (size > limits.max_field_bytes) {
      return fail("http.multipart_too_large", "field '" + part.name + "' is longer than " +
                                                  std::to_string(limits.max_field_bytes) + " bytes");
    }
    part.data = std::string(body.substr(pos, size));
    parts.push_back(std::move(part));
    pos = data_end + delimiter.size();
  }
}

}  // namespace sw::http
