// Plain text decoding for the review scanner (N3.2, N3.4): whatever encoding a union's staff saved a
// file in (UTF-8, GBK/GB18030, BIG5, UTF-16 with or without a BOM), the scanner reads it as UTF-8,
// and a file it cannot read is an Error naming the byte and the encoding tried, never junk text.
// docs/modules/review.md "Extraction: text and HTML".
#include <fmt/format.h>
#include <iconv.h>
#include <uchardet/uchardet.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>

#include "review/extract.h"

namespace sw::review {
namespace {

constexpr std::size_t kNpos = static_cast<std::size_t>(-1);

// How much of the input the encoding sniffers look at; the whole input is still converted.
constexpr std::size_t kSniffWindow = 256u << 10;
// Text with more C0 control bytes than 1 in kMaxControlShare (tab, newlines, form feed and ESC
// excepted) is binary data, not text.
constexpr std::size_t kMaxControlShare = 100;

// ---- UTF-8 ----

// Length of the UTF-8 sequence starting at `s[i]` (not ASCII), or 0 when it is not a valid sequence
// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  const std::size_t left = s.size() - i;
  auto continuation = [&](std::size_t k) { return k < left && (p[k] & 0xC0) == 0x80; };
  const unsigned char lead = p[0];
  if (lead < 0xC2) return 0;
  if (lead < 0xE0) return continuation(1) ? 2 : 0;
  if (lead < 0xF0) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && p[1] < 0xA0) return 0;  // overlong
    if (lead == 0xED && p[1] > 0x9F) return 0;  // surrogate
    return 3;
  }
  if (lead >= 0xF5 || !continuation(1) || !continuation(2) || !continuation(3)) return 0;
  if (lead == 0xF0 && p[1] < 0x90) return 0;  // overlong
  if (lead == 0xF4 && p[1] > 0x8F) return 0;  // above U+10FFFF
  return 4;
}

// The offset of the first byte that is not valid UTF-8, or kNpos. ASCII is skipped eight bytes at a
// time, so the common case costs a load and a mask per word.
std::size_t first_invalid_utf8(std::string_view s) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ull;
  const auto* bytes = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t i = 0;
  while (i < s.size()) {
    if (i + 8 <= s.size()) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i, sizeof word);
      if ((word & kHighBits) == 0) {
        i += 8;
        continue;
      }
    }
    if (bytes[i] < 0x80) {
      ++i;
      continue;
    }
    const std::size_t length = utf8_sequence_length(s, i);
    if (length == 0) return i;
    i += length;
  }
  return kNpos;
}

std::size_t first_non_ascii(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) >= 0x80) return i;
  }
  return kNpos;
}

// ---- binary data ----

constexpr std::array<bool, 256> make_control_table() {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  for (int c : {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x1B}) table[c] = false;  // tab, newlines, form feed, ESC
  return table;
}
constexpr std::array<bool, 256> kControl = make_control_table();

// An error when `s` (ASCII-compatible bytes) is binary data: a NUL byte, or too many control bytes.
std::optional<Error> binary_data_error(std::string_view s) {
  if (const auto nul = s.find('\0'); nul != std::string_view::npos) {
    return Error{"review.encoding", fmt::format("binary data, not text: NUL byte at byte offset {}", nul)};
  }
  std::size_t controls = 0;
  for (const char c : s) controls += kControl[static_cast<unsigned char>(c)];
  if (controls * kMaxControlShare > s.size()) {
    return Error{"review.encoding",
                 fmt::format("binary data, not text: {} control bytes in {} bytes (more than 1 in {})",
                             controls, s.size(), kMaxControlShare)};
  }
  return std::nullopt;
}

// ---- UTF-16 without a BOM ----

// Text in UTF-16 has a zero byte in every ASCII character (spaces, digits, newlines), on the odd
// side for little-endian and the even side for big-endian; binary data has zeros on both sides.
std::optional<std::string_view> utf16_by_zero_pattern(std::string_view s) {
  const std::size_t window = std::min(s.size(), kSniffWindow) & ~std::size_t{1};
  if (window < 4) return std::nullopt;
  std::size_t even_zeros = 0, odd_zeros = 0;
  for (std::size_t i = 0; i < window; i += 2) {
    even_zeros += s[i] == '\0';
    odd_zeros += s[i + 1] == '\0';
  }
  const std::size_t units = window / 2;
  // At least 1 unit in 20 with its zero on one side (and 4 in all), eight times more than on the other.
  auto one_sided = [&](std::size_t zeros, std::size_t other) {
    return zeros >= 4 && zeros * 20 >= units && other * 8 <= zeros;
  };
  if (one_sided(odd_zeros, even_zeros)) return "UTF-16LE";
  if (one_sided(even_zeros, odd_zeros)) return "UTF-16BE";
  return std::nullopt;
}

// ---- iconv ----

struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};
using IconvHandle = std::unique_ptr<void, IconvCloser>;

std::string hex_bytes(std::string_view s, std::size_t at) {
  std::string out;
  for (std::size_t i = at; i < s.size() && i < at + 4; ++i) {
    out += fmt::format("{}{:02X}", out.empty() ? "" : " ", static_cast<unsigned char>(s[i]));
  }
  return out;
}

// Converts `s` from `iconv_name` to UTF-8. `base` is the offset of `s` in the file (after a BOM) and
// `name` the encoding as reported, both for the error message.
Result<std::string> convert(std::string_view s, const char* iconv_name, std::string_view name,
                            std::size_t base) {
  iconv_t cd = iconv_open("UTF-8", iconv_name);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return fail("review.encoding", fmt::format("encoding {} is not supported by iconv", name));
  }
  IconvHandle handle(cd);
  std::string out(s.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(s.data());
  std::size_t in_left = s.size();
  std::size_t produced = 0;
  while (in_left > 0) {
    char* dest = out.data() + produced;
    std::size_t out_left = out.size() - produced;
    const std::size_t rc = iconv(cd, &in, &in_left, &dest, &out_left);
    produced = out.size() - out_left;
    if (rc != static_cast<std::size_t>(-1)) break;
    const std::size_t at = static_cast<std::size_t>(in - s.data());
    if (errno == E2BIG) {
      out.resize(out.size() * 2);
    } else if (errno == EINVAL) {
      return fail("review.encoding",
                  fmt::format("text ends inside a {} character at byte offset {} (bytes {})", name, base + at,
                              hex_bytes(s, at)));
    } else {
      return fail("review.encoding", fmt::format("not valid {} at byte offset {} (bytes {})", name, base + at,
                                                 hex_bytes(s, at)));
    }
  }
  out.resize(produced);
  return out;
}

// ---- byte order marks ----

struct ByteOrderMark {
  std::string_view bytes;
  const char* encoding;
};
constexpr std::array<ByteOrderMark, 4> kByteOrderMarks{{
    {"\xEF\xBB\xBF", "UTF-8"},
    {"\xFF\xFE", "UTF-16LE"},
    {"\xFE\xFF", "UTF-16BE"},
    {"\x84\x31\x95\x33", "GB18030"},
}};

const ByteOrderMark* byte_order_mark(std::string_view bytes) {
  for (const auto& bom : kByteOrderMarks) {
    if (bytes.starts_with(bom.bytes)) return &bom;
  }
  return nullptr;
}

// Decodes `s` (offset `base` in the file) from a known encoding; UTF-8 is validated, not converted.
Result<std::string> decode_as(std::string_view s, std::string_view encoding, std::size_t base) {
  if (encoding == "UTF-8") {
    if (const auto bad = first_invalid_utf8(s); bad != kNpos) {
      return fail("review.encoding",
                  fmt::format("not valid UTF-8 at byte offset {} (bytes {})", base + bad, hex_bytes(s, bad)));
    }
    return std::string(s);
  }
  const std::string iconv_name = encoding == "BIG5" ? "CP950" : std::string(encoding);  // CP950: BIG5 and its
                                                                                        // common extensions
  return convert(s, iconv_name.c_str(), encoding, base);
}

// ---- uchardet ----

struct UchardetDeleter {
  void operator()(uchardet_t detector) const { uchardet_delete(detector); }
};

std::string uchardet_guess(std::string_view s) {
  std::unique_ptr<struct uchardet, UchardetDeleter> detector(uchardet_new());
  if (!detector) return {};
  const std::size_t start = first_non_ascii(s);
  const std::string_view window = s.substr(start == kNpos ? 0 : start, kSniffWindow);
  if (uchardet_handle_data(detector.get(), window.data(), window.size()) != 0) return {};
  uchardet_data_end(detector.get());
  return uchardet_get_charset(detector.get());
}

// The name we report and convert with for a name uchardet or a page gives: GB2312 and GBK are read
// as GB18030, their superset; BIG5 variants as BIG5.
std::string canonical_encoding(std::string_view label) {
  std::string name;
  for (const char c : label) name += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  for (std::string_view gb :
       {"GB2312", "GBK", "GB18030", "EUC-CN", "CP936", "X-GBK", "X-EUC-CN", "CSGB2312"}) {
    if (name == gb) return "GB18030";
  }
  for (std::string_view big5 : {"BIG5", "BIG-5", "CP950", "X-X-BIG5", "CN-BIG5", "CSBIG5"}) {
    if (name == big5) return "BIG5";
  }
  if (name == "UTF8") return "UTF-8";
  return name;
}

bool is_chinese_encoding(std::string_view name) {
  return name == "GB18030" || name == "BIG5" || name == "EUC-TW";
}

// Legacy (non-Unicode) text: uchardet's guess when it names a Chinese encoding; otherwise GB18030,
// the encoding of nearly every legacy file on a mainland site (uchardet cannot judge short texts and
// calls them Greek or Latin-1); otherwise whatever uchardet named.
Result<std::string> decode_legacy(std::string_view bytes, std::string* encoding) {
  const std::string guess = canonical_encoding(uchardet_guess(bytes));
  std::vector<std::string> candidates;
  if (is_chinese_encoding(guess))
    candidates = {guess};
  else if (guess.empty())
    candidates = {"GB18030"};
  else
    candidates = {"GB18030", guess};
  Result<std::string> decoded = fail("review.encoding", "no encoding tried");
  for (const auto& candidate : candidates) {
    decoded = decode_as(bytes, candidate, 0);
    if (decoded) {
      *encoding = candidate;
      return decoded;
    }
  }
  return decoded;  // the error of the last encoding tried
}

// ---- <meta charset> ----

// How far into a page a charset declaration counts (the HTML standard's prescan window).
constexpr std::size_t kMetaPrescanBytes = 1024;

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool starts_with_ignoring_case(std::string_view s, std::size_t at, std::string_view prefix) {
  if (s.size() - std::min(at, s.size()) < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(s[at + i]) != prefix[i]) return false;
  }
  return true;
}

bool is_html_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

struct TagAttribute {
  std::string name;  // lower case
  std::string_view value;
};

// Reads the attributes of a tag from `at` (just after its name) to its '>'; `at` ends after the '>'.
std::vector<TagAttribute> read_attributes(std::string_view s, std::size_t& at) {
  std::vector<TagAttribute> attributes;
  while (at < s.size() && s[at] != '>') {
    if (is_html_space(s[at]) || s[at] == '/') {
      ++at;
      continue;
    }
    TagAttribute attribute;
    while (at < s.size() && !is_html_space(s[at]) && s[at] != '=' && s[at] != '>' && s[at] != '/') {
      attribute.name += ascii_lower(s[at++]);
    }
    while (at < s.size() && is_html_space(s[at])) ++at;
    if (at < s.size() && s[at] == '=') {
      ++at;
      while (at < s.size() && is_html_space(s[at])) ++at;
      const char quote = at < s.size() && (s[at] == '"' || s[at] == '\'') ? s[at] : '\0';
      const std::size_t start = quote ? ++at : at;
      while (at < s.size() && (quote ? s[at] != quote : !is_html_space(s[at]) && s[at] != '>')) ++at;
      attribute.value = s.substr(start, at - start);
      if (quote && at < s.size()) ++at;
    }
    attributes.push_back(std::move(attribute));
  }
  if (at < s.size()) ++at;
  return attributes;
}

// The charset named in `content="text/html; charset=gbk"`, or empty.
std::string_view charset_in_content(std::string_view content) {
  for (std::size_t at = 0; at < content.size(); ++at) {
    if (!starts_with_ignoring_case(content, at, "charset")) continue;
    std::size_t i = at + 7;
    while (i < content.size() && is_html_space(content[i])) ++i;
    if (i >= content.size() || content[i] != '=') continue;
    ++i;
    while (i < content.size() && (is_html_space(content[i]) || content[i] == '"' || content[i] == '\'')) ++i;
    std::size_t end = i;
    while (end < content.size() && !is_html_space(content[end]) && content[end] != ';' &&
           content[end] != '"' && content[end] != '\'') {
      ++end;
    }
    return content.substr(i, end - i);
  }
  return {};
}

// The charset a <meta charset> or <meta http-equiv=content-type content=...> declares in the first
// kMetaPrescanBytes of a page, as canonical_encoding names it; empty when none. A declared UTF-16
// means UTF-8 (the declaration could not be read as ASCII otherwise), as in the HTML standard.
std::string declared_html_charset(std::string_view bytes) {
  const std::string_view head = bytes.substr(0, kMetaPrescanBytes);
  std::size_t at = 0;
  while ((at = head.find('<', at)) != std::string_view::npos) {
    if (head.substr(at).starts_with("<!--")) {
      const std::size_t end = head.find("-->", at + 4);
      if (end == std::string_view::npos) break;
      at = end + 3;
      continue;
    }
    if (!starts_with_ignoring_case(head, at, "<meta") || at + 5 >= head.size() ||
        !(is_html_space(head[at + 5]) || head[at + 5] == '/')) {
      ++at;
      continue;
    }
    at += 5;
    std::string_view charset, content;
    bool content_type = false;
    for (const auto& attribute : read_attributes(head, at)) {
      if (attribute.name == "charset") charset = attribute.value;
      if (attribute.name == "content") content = attribute.value;
      if (attribute.name == "http-equiv")
        content_type = canonical_encoding(attribute.value) == "CONTENT-TYPE";
    }
    if (charset.empty() && content_type) charset = charset_in_content(content);
    if (charset.empty()) continue;
    const std::string name = canonical_encoding(charset);
    return name.starts_with("UTF-16") ? "UTF-8" : name;
  }
  return {};
}

// Decoded text from a wide encoding is checked for binary content after conversion.
Result<std::string> checked_utf8(Result<std::string> decoded) {
  if (!decoded) return decoded;
  if (auto error = binary_data_error(*decoded)) return std::unexpected(*error);
  return decoded;
}

}  // namespace

Result<std::string> decode_text(std::string_view bytes, std::string* encoding) {
  std::string ignored;
  if (encoding == nullptr) encoding = &ignored;
  if (const auto* bom = byte_order_mark(bytes)) {
    *encoding = bom->encoding;
    return checked_utf8(decode_as(bytes.substr(bom->bytes.size()), bom->encoding, bom->bytes.size()));
  }
  if (const auto wide = utf16_by_zero_pattern(bytes)) {
    *encoding = *wide;
    return checked_utf8(decode_as(bytes, *wide, 0));
  }
  if (auto error = binary_data_error(bytes)) return std::unexpected(*error);
  if (first_invalid_utf8(bytes) == kNpos) {
    *encoding = "UTF-8";
    return std::string(bytes);
  }
  return decode_legacy(bytes, encoding);
}

Result<std::string> decode_html(std::string_view bytes, std::string* encoding) {
  std::string ignored;
  if (encoding == nullptr) encoding = &ignored;
  const bool unicode = byte_order_mark(bytes) != nullptr || first_invalid_utf8(bytes) == kNpos;
  if (!unicode) {
    const std::string declared = declared_html_charset(bytes);
    if (!declared.empty() && declared != "UTF-8" && !binary_data_error(bytes)) {
      if (auto decoded = decode_as(bytes, declared, 0)) {
        *encoding = declared;
        return decoded;
      }
    }
  }
  return decode_text(bytes, encoding);
}

std::size_t verbatim_start(std::string_view bytes, std::string_view encoding) {
  if (encoding != "UTF-8") return kNpos;
  const auto* bom = byte_order_mark(bytes);
  return bom != nullptr ? bom->bytes.size() : 0;
}

void rebase_source_offsets(std::vector<Segment>& segments, std::size_t start) {
  for (auto& segment : segments) {
    if (segment.source_offset == kNpos) continue;
    segment.source_offset = start == kNpos ? kNpos : segment.source_offset + start;
  }
}

std::vector<Segment> text_segments(std::string_view path, std::string_view utf8) {
  Segment segment;
  segment.path = path;
  segment.part = "text";
  segment.text = utf8;
  segment.source_offset = 0;
  return {std::move(segment)};
}

}  // namespace sw::review
