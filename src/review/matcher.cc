// The vectorscan matcher (N3.2, N3.4): a lexicon compiled into two block-mode databases, cached per
// Lexicon::version() — literals and whitelist phrases in their dense (UTF-16LE) form, matched on
// NormalisedText::dense with every unit mixed (mix_units; the start is end - length; a match not on a
// unit boundary is dropped; units map back to bytes of the text through dense_at), and regexes on the
// UTF-8 text with start of match — then the raw matches filtered by the whitelist, the context rules
// and leftmost-longest de-duplication.
#include "review/matcher.h"

#include <dlfcn.h>
#include <hs/hs.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <string>
#include <utility>

namespace sw::review {
namespace {

constexpr unsigned kRegexFlags = HS_FLAG_UTF8 | HS_FLAG_UCP | HS_FLAG_SOM_LEFTMOST | HS_FLAG_CASELESS;
// Raw matches kept per scan: per entry (or whitelist phrase), and in all. Past these an entry is
// plainly present; the bounds keep memory proportional to the limits, not to hostile input.
constexpr std::uint32_t kMaxRawHitsPerPattern = 10'000;
constexpr std::size_t kMaxRawHits = 1'000'000;
// Context head: within the first 160 characters (lexicon.h).
constexpr std::size_t kHeadCharacters = 160;
// Compiled lexicons kept although nobody holds them (the builtin set and a few per-site merges).
constexpr std::size_t kMaxCachedMatchers = 16;

struct DatabaseDeleter {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
using Database = std::unique_ptr<hs_database_t, DatabaseDeleter>;

struct ScratchDeleter {
  void operator()(hs_scratch_t* s) const { hs_free_scratch(s); }
};
using Scratch = std::unique_ptr<hs_scratch_t, ScratchDeleter>;

// Everything one scan needs besides the databases, pooled so a scan allocates nothing in steady state.
struct ScanState {
  Scratch scratch;
  std::vector<Hit> raw;
  std::vector<std::pair<std::size_t, std::size_t>> allowed;  // whitelist occurrences
  std::vector<std::uint32_t> per_pattern;                    // raw-hit counts, then end of the last kept hit
  std::vector<std::size_t> category_end;
  std::string sanitised;
  NormalisedText dense;  // the dense form of a text that came without one (count_raw(string_view))
  std::string mixed;     // the dense form with its units mixed (mix_units), as scanned
};

// ---- which hs_scan ---------------------------------------------------------------------------------
//
// Debian 12's vectorscan 5.4.9 is a "fat runtime": hs_scan dispatches, by the CPU it runs on, to one of
// core2_, corei7_, avx2_ and avx512_hs_scan (all exported). On a CPU with AVX-512 (this project's
// machines: AMD EPYC with AVX-512) the avx512 variant MISSES MATCHES, whatever platform the database
// was compiled for: a regex of alternative words such as (?:runtime|processbuilder) after 63-83 bytes
// of text, or (绝密|机密|秘密|内部|内部资料|保密期限|涉密) in
// Chinese — 1,582-1,756 of 21,105 regex matches in tests/review/matcher_differential_test.cc,
// varying with the buffers' addresses — while the avx2 variant, on the same database and scratch,
// finds every one. (The literal words, matched in their mixed dense form, were not seen to
// miss through hs_scan either, but they go through the same code.) So the matcher calls avx2_hs_scan
// directly when the library exports it and the CPU has AVX2, with its databases compiled for the
// host's platform less the AVX-512 features, and checks when it compiles a lexicon that the function
// accepts them. Elsewhere (a vectorscan built without the fat runtime, a CPU without AVX2, where the
// dispatch cannot pick the avx512 variant) it calls hs_scan; matcher_differential_test is the guard.
using ScanFunction = hs_error_t (*)(const hs_database_t*, const char*, unsigned, unsigned, hs_scratch_t*,
                                    match_event_handler, void*);

struct ScanChoice {
  ScanFunction scan = &hs_scan;
  const char* name = "hs_scan";
  bool avx2 = false;  // compile for an AVX2 platform
};

const ScanChoice& scan_choice() {
  static const ScanChoice choice = [] {
    ScanChoice c;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2")) return c;
    if (void* avx2 = dlsym(RTLD_DEFAULT, "avx2_hs_scan")) {
      c.scan = reinterpret_cast<ScanFunction>(avx2);
      c.name = "avx2_hs_scan";
      c.avx2 = true;
    }
    return c;
  }();
  return choice;
}

// The platform databases are compiled for: the host's tuning with AVX2 features only when
// avx2_hs_scan is used (the avx512 features would let the compiler assume the avx512 runtime),
// the host's otherwise (null).
const hs_platform_info_t* compile_platform() {
  static const hs_platform_info_t platform = [] {
    hs_platform_info_t p{};
    if (hs_populate_platform(&p) != HS_SUCCESS) p = hs_platform_info_t{};
    p.cpu_features &= HS_CPU_FEATURES_AVX2;
    return p;
  }();
  return scan_choice().avx2 ? &platform : nullptr;
}

int ignore_match(unsigned int, unsigned long long, unsigned long long, unsigned int, void*) { return 0; }

std::string compile_error_text(hs_compile_error_t* error) {
  std::string text = error && error->message ? error->message : "unknown error";
  hs_free_compile_error(error);
  return text;
}

// ---- UTF-8 and character classes ------------------------------------------------------------------

struct Decoded {
  char32_t cp;
  std::size_t length;  // bytes; 1 for an invalid byte
  bool valid;
};

// Decodes the UTF-8 sequence at `at` (overlong forms and surrogates are invalid).
Decoded decode_at(std::string_view s, std::size_t at) {
  const auto b = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(s[at + i])); };
  const auto cont = [&](std::size_t i) { return at + i < s.size() && (b(i) & 0xC0) == 0x80; };
  const char32_t b0 = b(0);
  if (b0 < 0x80) return {b0, 1, true};
  if ((b0 & 0xE0) == 0xC0 && b0 >= 0xC2 && cont(1)) return {((b0 & 0x1F) << 6) | (b(1) & 0x3F), 2, true};
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    const char32_t cp = ((b0 & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) return {cp, 3, true};
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    const char32_t cp = ((b0 & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    if (cp >= 0x10000 && cp <= 0x10FFFF) return {cp, 4, true};
  }
  return {b0, 1, false};
}

// The start of the character that ends just before `at` (at > 0).
std::size_t previous_start(std::string_view s, std::size_t at) {
  std::size_t p = at - 1;
  while (p > 0 && at - p < 4 && (static_cast<unsigned char>(s[p]) & 0xC0) == 0x80) --p;
  return p;
}

bool is_cjk_ideograph(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2EBEF) ||
         (cp >= 0xF900 && cp <= 0xFAFF);
}

// Blanks, punctuation and the symbols that open a line of a document (【 ★ ● ① …): line_start context.
bool is_blank_or_punctuation(char32_t cp) {
  if (cp < 0x80) return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
  return (cp >= 0x00A0 && cp <= 0x00BF) || (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x2460 && cp <= 0x24FF) ||
         (cp >= 0x25A0 && cp <= 0x27BF) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
         (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
         (cp >= 0xFF5B && cp <= 0xFF65);
}

// The first invalid UTF-8 byte at or after `at`, or npos.
std::size_t first_invalid(std::string_view s, std::size_t at) {
  while (at < s.size()) {
    if (static_cast<unsigned char>(s[at]) < 0x80) {
      ++at;
      continue;
    }
    const Decoded d = decode_at(s, at);
    if (!d.valid) return at;
    at += d.length;
  }
  return std::string_view::npos;
}

// vectorscan's UTF-8 mode is undefined on invalid UTF-8 (the normaliser keeps such bytes): the regex
// database scans a copy with each invalid byte replaced by '?', so offsets stay the same.
std::string_view valid_for_regex(std::string_view text, std::string& copy) {
  std::size_t bad = first_invalid(text, 0);
  if (bad == std::string_view::npos) return text;
  copy.assign(text);
  while (bad != std::string_view::npos) {
    copy[bad] = '?';
    bad = first_invalid(copy, bad + 1);
  }
  return copy;
}

// Tracks, moving forward only, whether everything since the last line break is blank or punctuation.
class LineStartTracker {
 public:
  explicit LineStartTracker(std::string_view text) : text_(text) {}
  bool at_line_start(std::size_t at) {
    while (position_ < at) {
      const Decoded d = decode_at(text_, position_);
      if (d.cp == '\n' || d.cp == '\r') {
        clean_ = true;
      } else if (!d.valid || !is_blank_or_punctuation(d.cp)) {
        clean_ = false;
      }
      position_ += d.length;
    }
    return clean_;
  }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
  bool clean_ = true;
};

bool within_head(std::string_view text, std::size_t at) {
  if (at >= kHeadCharacters * 4) return false;
  std::size_t characters = 0;
  for (std::size_t i = 0; i < at; ++i) characters += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
  return characters < kHeadCharacters;
}

bool standalone(std::string_view text, const Hit& hit) {
  if (hit.from > 0 && is_cjk_ideograph(decode_at(text, previous_start(text, hit.from)).cp)) return false;
  return hit.to >= text.size() || !is_cjk_ideograph(decode_at(text, hit.to).cp);
}

}  // namespace

// ---- Impl -----------------------------------------------------------------------------------------

struct Matcher::Impl {
  Lexicon lexicon;
  Database literals;                     // ids: entry index, or entries.size() + whitelist index
  Database regexes;                      // ids: entry index
  std::vector<std::uint32_t> literal_length;  // by id (regex entries: 0)
  std::vector<std::uint16_t> category;   // by entry: index into the distinct categories
  std::size_t category_count = 0;
  Scratch prototype;
  ScanFunction scan = &hs_scan;          // scan_choice(), or hs_scan if that refuses these databases
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<ScanState>> pool;

  std::size_t pattern_count() const { return lexicon.entries.size() + lexicon.whitelist.size(); }

  std::unique_ptr<ScanState> acquire() {
    {
      std::lock_guard lock(pool_mutex);
      if (!pool.empty()) {
        auto state = std::move(pool.back());
        pool.pop_back();
        return state;
      }
    }
    auto state = std::make_unique<ScanState>();
    hs_scratch_t* clone = nullptr;
    if (prototype && hs_clone_scratch(prototype.get(), &clone) != HS_SUCCESS) throw std::bad_alloc();
    state->scratch.reset(clone);
    state->per_pattern.assign(pattern_count(), 0);
    state->category_end.assign(category_count, 0);
    return state;
  }

  void release(std::unique_ptr<ScanState> state) {
    std::lock_guard lock(pool_mutex);
    pool.push_back(std::move(state));
  }

  void collect(const NormalisedText& text, ScanState& state) const;
  std::size_t count(const NormalisedText& text, ScanState& state) const;
  std::vector<Hit> filter(std::string_view text, ScanState& state) const;
};

namespace {

struct Collector {
  const Matcher::Impl* impl;
  ScanState* state;
  std::size_t entries;
  const std::uint32_t* dense_at;  // the text's NormalisedText::dense_at, for literal matches
};

// Keeps a raw match [from, to) (bytes of the text) of pattern `id`; returns 1 to stop the scan.
int keep(Collector& c, unsigned int id, std::size_t from, std::size_t to) {
  ScanState& state = *c.state;
  if (state.raw.size() + state.allowed.size() >= kMaxRawHits) return 1;  // stop: the limit is reached
  if (state.per_pattern[id]++ >= kMaxRawHitsPerPattern) return 0;
  if (id >= c.entries) {
    state.allowed.emplace_back(from, to);
  } else {
    state.raw.push_back(Hit{id, from, to});
  }
  return 0;
}

// A literal's match in the dense form: units are two bytes, so a match ending at an odd byte offset
// straddles two units (the high byte of one and the low byte of the next) and is no match at all.
int on_literal(unsigned int id, unsigned long long, unsigned long long to, unsigned int, void* context) {
  if (to & 1) return 0;
  auto& c = *static_cast<Collector*>(context);
  const std::size_t from_unit = (to - c.impl->literal_length[id]) / 2, to_unit = to / 2;
  return keep(c, id, c.dense_at[from_unit], c.dense_at[to_unit]);
}

int on_regex(unsigned int id, unsigned long long from, unsigned long long to, unsigned int, void* context) {
  return keep(*static_cast<Collector*>(context), id, static_cast<std::size_t>(from),
              static_cast<std::size_t>(to));
}

int count_literal(unsigned int, unsigned long long, unsigned long long to, unsigned int, void* context) {
  *static_cast<std::size_t*>(context) += (to & 1) == 0;
  return 0;
}

int count_match(unsigned int, unsigned long long, unsigned long long, unsigned int, void* context) {
  ++*static_cast<std::size_t*>(context);
  return 0;
}

// The dense form is scanned with every unit u mixed — v = u ^ (u >> 8), then v * kUnitMix mod 2^16:
// a bijection, so exactly the same unit sequences match — and the literals are compiled mixed the same
// way. vectorscan's literal matcher (FDR) sorts literals into buckets by their last bytes and filters
// the text with them; a little-endian CJK unit ends in its high byte, which takes only ~80 values
// (0x4E–0x9F), so the filter lets most positions through. Mixed, both bytes of a unit depend on all
// of it. hs_scan alone on the bench corpus: 10,000 words ~730 MB/s unmixed, ~2,600 MB/s mixed;
// 1,000 words 1,900 → 2,700; 3,000 words 720 → 1,300 (the multiply alone: 2,500, 2,100, 740).
constexpr std::uint32_t kUnitMix = 0x9E37;

std::uint32_t mix(std::uint32_t unit) { return ((unit ^ (unit >> 8)) * kUnitMix) & 0xFFFF; }

// `out` = `dense` with every unit mixed; one pass, 16 units a step on a little-endian host (GCC vector
// extensions: vpmullw on x86-64, lowered to what the target has elsewhere).
void mix_units(std::string_view dense, std::string& out) {
  out.resize(dense.size());
  const char* in = dense.data();
  char* mixed = out.data();
  const std::size_t size = dense.size() & ~std::size_t{1};
  std::size_t i = 0;
  if constexpr (std::endian::native == std::endian::little) {
    using Units = std::uint16_t __attribute__((vector_size(32)));
    for (; i + sizeof(Units) <= size; i += sizeof(Units)) {
      Units units;
      std::memcpy(&units, in + i, sizeof(Units));
      units ^= units >> 8;
      units *= static_cast<std::uint16_t>(kUnitMix);
      std::memcpy(mixed + i, &units, sizeof(Units));
    }
  }
  for (; i < size; i += 2) {
    const std::uint32_t unit =
        mix(static_cast<unsigned char>(in[i]) | (std::uint32_t{static_cast<unsigned char>(in[i + 1])} << 8));
    mixed[i] = static_cast<char>(unit & 0xFF);
    mixed[i + 1] = static_cast<char>((unit >> 8) & 0xFF);
  }
}

// "\xHH" for every byte: hs_compile_multi takes NUL-terminated expressions, and dense literals hold
// NUL bytes (the high byte of every ASCII unit), which the literal API refuses at a literal's start.
std::string escaped(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(4 * bytes.size());
  for (const char b : bytes) {
    const auto v = static_cast<unsigned char>(b);
    out += "\\x";
    out += kHex[v >> 4];
    out += kHex[v & 0xF];
  }
  return out;
}

// Literals and whitelist phrases in their dense form (NormalisedText::dense), as escaped expressions;
// literal_length: by id, the length in bytes of the dense form (regex entries: 0).
Result<Database> compile_literals(const Lexicon& lexicon, std::vector<std::uint32_t>& literal_length) {
  std::vector<std::string> expressions;
  std::vector<unsigned> ids;
  const std::size_t entries = lexicon.entries.size();
  literal_length.assign(entries + lexicon.whitelist.size(), 0);
  std::string dense, mixed;
  std::vector<std::uint32_t> dense_at;
  auto add = [&](const std::string& text, std::size_t id) {
    dense_form(text, dense, dense_at);
    mix_units(dense, mixed);
    expressions.push_back(escaped(mixed));
    ids.push_back(static_cast<unsigned>(id));
    literal_length[id] = static_cast<std::uint32_t>(dense.size());
  };
  for (std::size_t i = 0; i < entries; ++i) {
    if (!lexicon.entries[i].regex) add(lexicon.entries[i].pattern, i);
  }
  for (std::size_t i = 0; i < lexicon.whitelist.size(); ++i) add(lexicon.whitelist[i], entries + i);
  if (expressions.empty()) return Database{};
  std::vector<const char*> patterns;
  patterns.reserve(expressions.size());
  for (const auto& e : expressions) patterns.push_back(e.c_str());
  // No flags: the bytes are matched as they are (HS_FLAG_UTF8 would be wrong, this is not UTF-8);
  // every occurrence is wanted (no HS_FLAG_SINGLEMATCH), and start of match is end - length.
  const std::vector<unsigned> flags(patterns.size(), 0);
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(patterns.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()),
                       HS_MODE_BLOCK, compile_platform(), &db, &error) != HS_SUCCESS) {
    const int index = error ? error->expression : -1;
    std::string where = "the literal set";
    if (index >= 0) {
      const std::size_t id = ids[static_cast<std::size_t>(index)];
      where = id < entries ? lexicon.entries[id].source : "whitelist '" + lexicon.whitelist[id - entries] + "'";
    }
    return fail("review.lexicon", where + ": vectorscan refused the literals: " + compile_error_text(error));
  }
  return Database(db);
}

Result<Database> compile_regexes(const Lexicon& lexicon) {
  std::vector<const char*> patterns;
  std::vector<unsigned> ids;
  for (std::size_t i = 0; i < lexicon.entries.size(); ++i) {
    if (!lexicon.entries[i].regex) continue;
    patterns.push_back(lexicon.entries[i].pattern.c_str());
    ids.push_back(static_cast<unsigned>(i));
  }
  if (patterns.empty()) return Database{};
  const std::vector<unsigned> flags(patterns.size(), kRegexFlags);
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(patterns.data(), flags.data(), ids.data(), static_cast<unsigned>(patterns.size()),
                       HS_MODE_BLOCK, compile_platform(), &db, &error) != HS_SUCCESS) {
    const int index = error ? error->expression : -1;
    const std::string where =
        index >= 0 ? lexicon.entries[ids[static_cast<std::size_t>(index)]].source : std::string("the regex set");
    return fail("review.lexicon", where + ": vectorscan refused the regex: " + compile_error_text(error));
  }
  return Database(db);
}

Status allocate_scratch(hs_database_t* db, Scratch& scratch) {
  if (!db) return ok();
  hs_scratch_t* s = scratch.release();
  const hs_error_t status = hs_alloc_scratch(db, &s);
  scratch.reset(s);
  if (status != HS_SUCCESS) {
    return fail("review.lexicon", "vectorscan could not allocate scratch space (error " + std::to_string(status) + ")");
  }
  return ok();
}

Result<std::unique_ptr<Matcher::Impl>> build(const Lexicon& lexicon) {
  auto impl = std::make_unique<Matcher::Impl>();
  impl->lexicon = lexicon;
  SW_TRY(literals, compile_literals(lexicon, impl->literal_length));
  SW_TRY(regexes, compile_regexes(lexicon));
  impl->literals = std::move(literals);
  impl->regexes = std::move(regexes);
  SW_CHECK(allocate_scratch(impl->literals.get(), impl->prototype));
  SW_CHECK(allocate_scratch(impl->regexes.get(), impl->prototype));
  // The chosen scan function must accept both databases (their platform); else the dispatching hs_scan.
  impl->scan = scan_choice().scan;
  for (const hs_database_t* db : {impl->literals.get(), impl->regexes.get()}) {
    if (db && impl->scan(db, " ", 1, 0, impl->prototype.get(), ignore_match, nullptr) != HS_SUCCESS) {
      impl->scan = &hs_scan;
    }
  }
  std::map<std::string_view, std::uint16_t> categories;
  for (const auto& entry : lexicon.entries) {
    auto [it, added] = categories.emplace(entry.category, static_cast<std::uint16_t>(categories.size()));
    impl->category.push_back(it->second);
  }
  impl->category_count = categories.size();
  return impl;
}

struct Cache {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const Matcher>> compiled;
};

Cache& cache() {
  static Cache instance;
  return instance;
}

// hs_scan takes an unsigned length: a text past 4 GiB (far beyond the extraction limits) is matched
// in its first 4 GiB.
unsigned scan_length(std::string_view text) {
  return static_cast<unsigned>(std::min<std::size_t>(text.size(), std::numeric_limits<unsigned>::max()));
}

// The text's dense form, made here when it came without one (a NormalisedText not from normalise()).
const NormalisedText& with_dense(const NormalisedText& text, ScanState& state) {
  if (text.dense_at.size() == text.dense.size() / 2 + 1 && (text.text.empty() || !text.dense.empty()))
    return text;
  dense_form(text.text, state.dense.dense, state.dense.dense_at);
  return state.dense;
}

// The bytes of the dense form to scan: whole units, as many as hs_scan takes, and only units whose
// 32-bit dense_at offsets (and the one after them) are exact — all of them unless the text passes
// 4 GiB, when its literals are matched in about its first 4 GiB.
unsigned dense_scan_length(const NormalisedText& text) {
  std::size_t units = std::min<std::size_t>(text.dense.size(), std::numeric_limits<unsigned>::max()) / 2;
  if (text.text.size() > std::numeric_limits<std::uint32_t>::max()) {
    std::size_t u = 1;  // the first offset past 4 GiB wraps round to less than the one before it
    while (u <= units && text.dense_at[u] >= text.dense_at[u - 1]) ++u;
    units = u - 1;
  }
  return static_cast<unsigned>(2 * units);
}

}  // namespace

void Matcher::Impl::collect(const NormalisedText& text, ScanState& state) const {
  if (literals) {
    const NormalisedText& dense = with_dense(text, state);
    const unsigned length = dense_scan_length(dense);
    mix_units(std::string_view(dense.dense).substr(0, length), state.mixed);
    Collector collector{this, &state, lexicon.entries.size(), dense.dense_at.data()};
    scan(literals.get(), state.mixed.data(), length, 0, state.scratch.get(), on_literal, &collector);
  }
  if (regexes) {
    Collector collector{this, &state, lexicon.entries.size(), nullptr};
    const std::string_view valid = valid_for_regex(text.text, state.sanitised);
    scan(regexes.get(), valid.data(), scan_length(valid), 0, state.scratch.get(), on_regex, &collector);
  }
}

std::size_t Matcher::Impl::count(const NormalisedText& text, ScanState& state) const {
  std::size_t count = 0;
  if (literals) {
    const NormalisedText& dense = with_dense(text, state);
    const unsigned length = dense_scan_length(dense);
    mix_units(std::string_view(dense.dense).substr(0, length), state.mixed);
    scan(literals.get(), state.mixed.data(), length, 0, state.scratch.get(), count_literal, &count);
  }
  if (regexes) {
    const std::string_view valid = valid_for_regex(text.text, state.sanitised);
    scan(regexes.get(), valid.data(), scan_length(valid), 0, state.scratch.get(), count_match, &count);
  }
  return count;
}

std::vector<Hit> Matcher::Impl::filter(std::string_view text, ScanState& state) const {
  auto& raw = state.raw;
  for (const Hit& h : raw) state.per_pattern[h.entry] = 0;
  for (std::size_t i = lexicon.entries.size(); i < state.per_pattern.size(); ++i) state.per_pattern[i] = 0;
  std::sort(raw.begin(), raw.end(), [&](const Hit& a, const Hit& b) {
    if (a.from != b.from) return a.from < b.from;
    if (a.to != b.to) return a.to > b.to;
    const auto sa = lexicon.entries[a.entry].severity, sb = lexicon.entries[b.entry].severity;
    return sa != sb ? sa > sb : a.entry < b.entry;
  });
  auto& allowed = state.allowed;
  std::sort(allowed.begin(), allowed.end());
  std::size_t next_allowed = 0, allowed_end = 0;
  LineStartTracker line_start(text);
  std::vector<Hit> hits;
  for (const Hit& hit : raw) {
    // Whitelist: drop a hit inside an occurrence of a whitelisted phrase.
    for (; next_allowed < allowed.size() && allowed[next_allowed].first <= hit.from; ++next_allowed) {
      allowed_end = std::max(allowed_end, allowed[next_allowed].second);
    }
    if (next_allowed > 0 && allowed_end >= hit.to) continue;
    // Context: any one listed rule is enough.
    const auto& entry = lexicon.entries[hit.entry];
    bool in_context = entry.context.empty();
    for (Context c : entry.context) {
      in_context = in_context || (c == Context::head && within_head(text, hit.from)) ||
                   (c == Context::standalone && standalone(text, hit)) ||
                   (c == Context::line_start && line_start.at_line_start(hit.from));
    }
    if (!in_context) continue;
    // Leftmost-longest per entry: a hit overlapping an earlier kept hit of the same entry is dropped.
    auto& entry_end = state.per_pattern[hit.entry];
    if (hit.from < entry_end) continue;
    // A hit inside a longer (or equal, more severe) kept hit of the same category adds nothing.
    auto& category_end = state.category_end[category[hit.entry]];
    if (category_end >= hit.to) continue;
    entry_end = static_cast<std::uint32_t>(hit.to);
    category_end = hit.to;
    hits.push_back(hit);
  }
  for (const Hit& h : raw) state.per_pattern[h.entry] = 0;
  std::fill(state.category_end.begin(), state.category_end.end(), 0);
  raw.clear();
  allowed.clear();
  return hits;
}

Status check_regex(std::string_view pattern) {
  if (pattern.find('\0') != std::string_view::npos) return fail("review.lexicon", "the regex contains a NUL byte");
  const std::string text(pattern);
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile(text.c_str(), kRegexFlags, HS_MODE_BLOCK, compile_platform(), &db, &error) != HS_SUCCESS) {
    return fail("review.lexicon", compile_error_text(error));
  }
  hs_free_database(db);
  return ok();
}

Result<std::shared_ptr<const Matcher>> Matcher::compile(const Lexicon& lexicon) {
  const std::string version = lexicon.version();
  Cache& c = cache();
  {
    std::lock_guard lock(c.mutex);
    if (auto it = c.compiled.find(version); it != c.compiled.end()) return it->second;
  }
  SW_TRY(impl, build(lexicon));
  auto matcher = std::make_shared<const Matcher>(std::move(impl));
  std::lock_guard lock(c.mutex);
  auto [it, added] = c.compiled.emplace(version, matcher);
  if (added && c.compiled.size() > kMaxCachedMatchers) {
    std::erase_if(c.compiled, [&](const auto& kv) { return kv.first != version && kv.second.use_count() == 1; });
  }
  return it->second;
}

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Matcher::~Matcher() = default;

const Lexicon& Matcher::lexicon() const { return impl_->lexicon; }

std::string_view Matcher::scan_function() const {
  return impl_->scan == &hs_scan ? "hs_scan" : scan_choice().name;
}

std::vector<Hit> Matcher::scan(const NormalisedText& text) const {
  if (!impl_->prototype || text.text.empty()) return {};
  auto state = impl_->acquire();
  impl_->collect(text, *state);
  std::vector<Hit> hits = impl_->filter(text.text, *state);
  impl_->release(std::move(state));
  return hits;
}

std::size_t Matcher::count_raw(const NormalisedText& normalised) const {
  if (!impl_->prototype || normalised.text.empty()) return 0;
  auto state = impl_->acquire();
  const std::size_t count = impl_->count(normalised, *state);
  impl_->release(std::move(state));
  return count;
}

std::size_t Matcher::count_raw(std::string_view normalised) const {
  if (!impl_->prototype || normalised.empty()) return 0;
  auto state = impl_->acquire();
  dense_form(normalised, state->dense.dense, state->dense.dense_at);
  state->dense.text.assign(normalised);
  const std::size_t count = impl_->count(state->dense, *state);
  impl_->release(std::move(state));
  return count;
}

}  // namespace sw::review
