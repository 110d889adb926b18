// Normalisation for matching (N3.2, N3.4): one pass over the UTF-8 text with one table lookup per
// code point, writing the normalised text and, for each of its bytes, the offset in the original, and
// the same text as UTF-16LE units (the dense form the matcher scans for literals) with their offsets.
// The foldings (traditional → simplified, radicals and compatibility ideographs, look-alike
// letters, enclosed digits) are generated at build time by src/review/data/generate_text_tables.py.
#include "review/normaliser.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace sw::review {
namespace tables {  // generated: normaliser_tables.cc
struct Folding {
  char32_t from;
  char32_t to;
};
extern const Folding kFoldings[];  // sorted by `from`
extern const std::size_t kFoldingCount;
}  // namespace tables

namespace {

struct CodePoint {
  char32_t value;
  std::size_t length;  // bytes in the original
  bool valid;
};

// Decodes one UTF-8 sequence at `at`; an invalid byte decodes as itself with valid = false.
// Inlined: the hot loops of normalise_into() and dense_form() call it once per code point.
[[gnu::always_inline]] inline CodePoint decode(std::string_view s, std::size_t at) {
  const auto b0 = static_cast<unsigned char>(s[at]);
  auto cont = [&](std::size_t i) {
    return at + i < s.size() && (static_cast<unsigned char>(s[at + i]) & 0xC0) == 0x80;
  };
  auto bits = [&](std::size_t i) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[at + i]) & 0x3F);
  };
  if (b0 < 0x80) return {b0, 1, true};
  if ((b0 & 0xE0) == 0xC0 && b0 >= 0xC2 && cont(1)) return {((b0 & 0x1Fu) << 6) | bits(1), 2, true};
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    const char32_t cp = ((b0 & 0x0Fu) << 12) | (bits(1) << 6) | bits(2);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) return {cp, 3, true};
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    const char32_t cp = ((b0 & 0x07u) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3);
    if (cp >= 0x10000 && cp <= 0x10FFFF) return {cp, 4, true};
  }
  return {b0, 1, false};
}

// Writes the UTF-8 form of cp at `out`; returns the number of bytes written.
std::size_t encode(char32_t cp, char* out) {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

bool is_zero_width(char32_t cp) {
  return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF || cp == 0x00AD;
}

bool is_cjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2EBEF) || (cp >= 0xF900 && cp <= 0xFAFF);
}

// Full-width ASCII and the ideographic space to ASCII; ASCII letters to lower case.
char32_t fold_width_and_case(char32_t cp) {
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;
  if (cp == 0x3000) cp = ' ';
  if (cp >= 'A' && cp <= 'Z') cp += 'a' - 'A';
  return cp;
}

// Characters people insert between the characters of a word to slip it past a filter (after fold).
// Real Chinese punctuation (。，、) is not among them: removing it would join words across sentences.
bool is_separator(char32_t cp) {
  switch (cp) {
    case ' ':
    case '\t':
    case '*':
    case '.':
    case '-':
    case '_':
    case '|':
    case '/':
    case '\\':
    case '~':
    case 0x00B7:  // ·
    case 0x2022:  // •
    case 0x30FB:  // ・
      return true;
    default:
      return false;
  }
}

// What normalise() does with a code point once folded.
enum class Kind : std::uint32_t { other = 0, cjk = 1, separator = 2, dropped = 3 };

// A folded code point (21 bits) and its kind (bits 24-25) in one word, so the BMP table is a
// flat array of 64 Ki words and the hot loop does one load per character.
using Entry = std::uint32_t;
constexpr unsigned kKindShift = 24;
constexpr Entry kValueMask = (Entry{1} << 21) - 1;

char32_t value_of(Entry e) { return static_cast<char32_t>(e & kValueMask); }
Kind kind_of(Entry e) { return static_cast<Kind>(e >> kKindShift); }

char32_t generated_folding(char32_t cp) {
  const tables::Folding* end = tables::kFoldings + tables::kFoldingCount;
  const tables::Folding* it = std::lower_bound(
      tables::kFoldings, end, cp, [](const tables::Folding& f, char32_t c) { return f.from < c; });
  return it != end && it->from == cp ? it->to : cp;
}

Entry make_entry(char32_t cp, char32_t folded) {
  Kind kind = Kind::other;
  if (is_zero_width(cp)) {
    kind = Kind::dropped;
  } else if (is_cjk(folded)) {
    kind = Kind::cjk;
  } else if (is_separator(folded)) {
    kind = Kind::separator;
  }
  return folded | (static_cast<Entry>(kind) << kKindShift);
}

const std::array<Entry, 0x10000>& bmp_table() {
  static const auto table = [] {
    std::array<Entry, 0x10000> t{};
    for (char32_t cp = 0; cp < 0x10000; ++cp) t[cp] = make_entry(cp, fold_width_and_case(cp));
    for (std::size_t i = 0; i < tables::kFoldingCount && tables::kFoldings[i].from < 0x10000; ++i) {
      const auto [from, to] = tables::kFoldings[i];
      t[from] = make_entry(from, fold_width_and_case(to));
    }
    return t;
  }();
  return table;
}

Entry fold(const std::array<Entry, 0x10000>& table, char32_t cp) {
  return cp < 0x10000 ? table[cp] : make_entry(cp, generated_folding(cp));
}

// A UTF-16 code unit of the dense form written little-endian at `out`.
void put_unit(char* out, std::uint32_t unit) {
  out[0] = static_cast<char>(unit & 0xFF);
  out[1] = static_cast<char>(unit >> 8);
}

// The dense unit standing for an invalid UTF-8 byte (always >= 0x80): a lone low surrogate.
constexpr std::uint32_t kInvalidByteUnit = 0xDC00;

// Writes the dense form of cp at `out` (the UTF-16LE units); returns the number of units (1 or 2).
std::size_t encode_dense(char32_t cp, char* out) {
  if (cp < 0x10000) {
    put_unit(out, cp);
    return 1;
  }
  const char32_t v = cp - 0x10000;
  put_unit(out, 0xD800 + (v >> 10));
  put_unit(out + 2, 0xDC00 + (v & 0x3FF));
  return 2;
}

// A point in the output to go back to: sizes of the text and of the dense form (in units).
struct Mark {
  std::size_t bytes;
  std::size_t units;
};

// The output of normalise() being written: text, origin and the dense form grow together, and a run
// of separators can be taken back once it turns out to stand between two CJK characters.
class Output {
 public:
  Output(NormalisedText& out, std::size_t input_size) : out_(out) {
    // A folding turns at most 3 bytes into 4 (BMP → supplementary); the generator checks it.
    const std::size_t bound = input_size + input_size / 3 + 4;
    out_.text.resize(bound);
    out_.origin.resize(bound);
    // The dense form is sized for text that is mostly three-byte characters (a third of a unit per
    // byte) and grows once to the bound (one unit per byte: ASCII) if that is not enough, so the
    // buffers a reused NormalisedText shrinks to are not zero-filled again up to the bound each time.
    input_size_ = input_size;
    size_units(input_size / 2 + 16);
    // Raw pointers held here (not reloaded from `out` after every byte written, which may alias it).
    text_ = out_.text.data();
    origin_ = out_.origin.data();
  }
  void code_point(char32_t cp, std::size_t offset) {
    if (units_ + 2 > unit_capacity_) [[unlikely]]
      size_units(input_size_ + 2);
    const auto at = static_cast<std::uint32_t>(size_);
    dense_at_[units_] = at;
    dense_at_[units_ + 1] = at;  // the low surrogate's, if any (else overwritten by the next unit)
    units_ += encode_dense(cp, dense_ + 2 * units_);
    const std::size_t length = encode(cp, text_ + size_);
    std::fill_n(origin_ + size_, length, offset);
    size_ += length;
  }
  void byte(char b, std::size_t offset) {
    if (units_ + 2 > unit_capacity_) [[unlikely]]
      size_units(input_size_ + 2);
    put_unit(dense_ + 2 * units_, kInvalidByteUnit + static_cast<unsigned char>(b));
    dense_at_[units_++] = static_cast<std::uint32_t>(size_);
    text_[size_] = b;
    origin_[size_] = offset;
    ++size_;
  }
  Mark mark() const { return {size_, units_}; }
  void truncate(Mark mark) {
    size_ = mark.bytes;
    units_ = mark.units;
  }
  void finish() {
    dense_at_[units_] = static_cast<std::uint32_t>(size_);
    out_.text.resize(size_);
    out_.origin.resize(size_);
    out_.dense.resize(2 * units_);
    out_.dense_at.resize(units_ + 1);
  }

 private:
  // Room for `units` units and the final offset (and the second of a pair written past them).
  void size_units(std::size_t units) {
    unit_capacity_ = units;
    out_.dense.resize(2 * units + 4);
    out_.dense_at.resize(units + 3);
    dense_ = out_.dense.data();
    dense_at_ = out_.dense_at.data();
  }

  NormalisedText& out_;
  std::size_t input_size_;
  std::size_t unit_capacity_;
  char* text_;
  std::size_t* origin_;
  char* dense_;
  std::uint32_t* dense_at_;
  std::size_t size_ = 0;
  std::size_t units_ = 0;
};

constexpr Mark kNoSeparatorRun{static_cast<std::size_t>(-1), 0};

}  // namespace

std::pair<std::size_t, std::size_t> NormalisedText::original_range(std::size_t from, std::size_t to) const {
  if (from >= origin.size()) return {original_size, original_size};
  const std::size_t begin = origin[from];
  std::size_t end = to < origin.size() ? origin[to] : original_size;
  if (end < begin) end = begin;
  return {begin, end};
}

NormalisedText normalise(std::string_view original) {
  NormalisedText result;
  normalise_into(original, result);
  return result;
}

void normalise_into(std::string_view original, NormalisedText& result) {
  const auto& table = bmp_table();
  result.original_size = original.size();
  Output out(result, original.size());
  bool after_cjk = false;  // the last character kept (or a separator run after it) is CJK
  Mark separator_run = kNoSeparatorRun;  // output size where separators after a CJK character began
  for (std::size_t at = 0; at < original.size();) {
    const CodePoint cp = decode(original, at);
    const std::size_t offset = at;
    at += cp.length;
    if (!cp.valid) {
      out.byte(original[offset], offset);
      after_cjk = false;
      separator_run = kNoSeparatorRun;
      continue;
    }
    const Entry entry = fold(table, cp.value);
    switch (kind_of(entry)) {
      case Kind::dropped:
        continue;
      case Kind::separator:
        if (after_cjk && separator_run.bytes == kNoSeparatorRun.bytes) separator_run = out.mark();
        break;
      case Kind::cjk:
        if (separator_run.bytes != kNoSeparatorRun.bytes) out.truncate(separator_run);
        separator_run = kNoSeparatorRun;
        after_cjk = true;
        break;
      case Kind::other:
        separator_run = kNoSeparatorRun;
        after_cjk = false;
        break;
    }
    out.code_point(value_of(entry), offset);
  }
  out.finish();
}

void dense_form(std::string_view utf8, std::string& dense, std::vector<std::uint32_t>& dense_at) {
  dense.resize(2 * utf8.size() + 4);
  dense_at.resize(utf8.size() + 3);
  std::size_t units = 0;
  for (std::size_t at = 0; at < utf8.size();) {
    const CodePoint cp = decode(utf8, at);
    dense_at[units] = dense_at[units + 1] = static_cast<std::uint32_t>(at);
    if (cp.valid) {
      units += encode_dense(cp.value, dense.data() + 2 * units);
    } else {
      put_unit(dense.data() + 2 * units++, kInvalidByteUnit + static_cast<unsigned char>(utf8[at]));
    }
    at += cp.length;
  }
  dense_at[units] = static_cast<std::uint32_t>(utf8.size());
  dense.resize(2 * units);
  dense_at.resize(units + 1);
}

}  // namespace sw::review
