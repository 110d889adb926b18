#include "review/normaliser.h"

#include <optional>

namespace sw::review {
namespace {

struct CodePoint {
  char32_t value;
  std::size_t offset;  // in the original
  std::size_t length;  // bytes in the original
  bool valid;
};

// Decodes one UTF-8 sequence at `at`; an invalid byte decodes as itself with valid = false.
CodePoint decode(std::string_view s, std::size_t at) {
  const auto b0 = static_cast<unsigned char>(s[at]);
  auto cont = [&](std::size_t i) {
    return at + i < s.size() && (static_cast<unsigned char>(s[at + i]) & 0xC0) == 0x80;
  };
  auto bits = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(s[at + i]) & 0x3F); };
  if (b0 < 0x80) return {b0, at, 1, true};
  if ((b0 & 0xE0) == 0xC0 && b0 >= 0xC2 && cont(1)) return {((b0 & 0x1Fu) << 6) | bits(1), at, 2, true};
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    const char32_t cp = ((b0 & 0x0Fu) << 12) | (bits(1) << 6) | bits(2);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) return {cp, at, 3, true};
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    const char32_t cp = ((b0 & 0x07u) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3);
    if (cp >= 0x10000 && cp <= 0x10FFFF) return {cp, at, 4, true};
  }
  return {b0, at, 1, false};
}

void encode(char32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool is_zero_width(char32_t cp) {
  return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF || cp == 0x00AD;
}

bool is_cjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2EBEF) ||
         (cp >= 0xF900 && cp <= 0xFAFF);
}

// Full-width ASCII and the ideographic space to ASCII; ASCII letters to lower case.
char32_t fold(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;
  if (cp == 0x3000) cp = ' ';
  if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
  return cp;
}

// Characters people insert between the characters of a word to slip it past a filter (after fold).
// Real Chinese punctuation (。，、) is not among them: removing it would join words across sentences.
bool is_separator(char32_t cp) {
  switch (cp) {
    case ' ': case '\t': case '*': case '.': case '-': case '_': case '|': case '/': case '\\': case '~':
    case 0x00B7:  // ·
    case 0x2022:  // •
    case 0x30FB:  // ・
      return true;
    default:
      return false;
  }
}

}  // namespace

std::pair<std::size_t, std::size_t> NormalisedText::original_range(std::size_t from, std::size_t to) const {
  if (from >= origin.size()) return {original_size, original_size};
  const std::size_t begin = origin[from];
  std::size_t end = to < origin.size() ? origin[to] : original_size;
  if (end < begin) end = begin;
  return {begin, end};
}

NormalisedText normalise(std::string_view original) {
  std::vector<CodePoint> points;
  points.reserve(original.size());
  for (std::size_t at = 0; at < original.size();) {
    CodePoint cp = decode(original, at);
    at += cp.length;
    if (cp.valid && is_zero_width(cp.value)) continue;
    if (cp.valid) cp.value = fold(cp.value);
    points.push_back(cp);
  }
  NormalisedText out;
  out.original_size = original.size();
  out.text.reserve(original.size());
  out.origin.reserve(original.size());
  std::optional<std::size_t> last_kept_cjk;  // index in points of the last CJK character kept
  for (std::size_t i = 0; i < points.size(); ++i) {
    const CodePoint& cp = points[i];
    if (cp.valid && is_separator(cp.value) && last_kept_cjk) {
      // Drop a run of separators that stands between two CJK characters.
      std::size_t j = i;
      while (j < points.size() && points[j].valid && is_separator(points[j].value)) ++j;
      if (j < points.size() && points[j].valid && is_cjk(points[j].value)) {
        i = j - 1;
        continue;
      }
    }
    const std::size_t before = out.text.size();
    if (cp.valid) {
      encode(cp.value, out.text);
    } else {
      out.text += original[cp.offset];
    }
    out.origin.insert(out.origin.end(), out.text.size() - before, cp.offset);
    last_kept_cjk = cp.valid && is_cjk(cp.value) ? std::optional<std::size_t>(i) : std::nullopt;
  }
  return out;
}

}  // namespace sw::review
