// Differential test of the lexicon matcher against a naive exact matcher (issue 4/5): vectorscan 5.4.9
// (Debian 12's libvectorscan5) misses matches on CPUs with AVX-512 — its fat runtime's avx512 variant —
// in strings of 64 bytes or more (the WAF found it: tests/waf/prefilter_differential). Every word the
// naive matcher finds in the normalised text must be found by the Matcher and by the Scanner, at every
// offset, with ASCII and Chinese fillers, prefixes and suffixes of many lengths, small lexicons (2-8
// words: vectorscan's Teddy literal matcher), the shipped lexicon with its contexts and whitelist, and
// long texts. The naive matcher implements the semantics of docs/modules/review.md "Matching":
// every occurrence of every word, hits inside a whitelisted phrase dropped, contexts (head,
// line_start, standalone), leftmost-longest per entry, a hit inside a longer hit of its category
// dropped. The shipped regexes are checked against PCRE2 (the start of every match).
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <hs/hs.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "review/lexicon.h"
#include "review/matcher.h"
#include "review/normaliser.h"
#include "review/scanner.h"

namespace sw::review {
namespace {

// ---- the naive matcher -------------------------------------------------------------------------------

struct Cp {
  char32_t cp;
  std::size_t length;
  bool valid;
};

Cp decode(std::string_view s, std::size_t at) {
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

// Code points of `text` with their byte offsets, in order.
std::vector<std::pair<std::size_t, Cp>> characters(std::string_view text) {
  std::vector<std::pair<std::size_t, Cp>> out;
  for (std::size_t at = 0; at < text.size();) {
    const Cp c = decode(text, at);
    out.emplace_back(at, c);
    at += c.length;
  }
  return out;
}

bool cjk(char32_t cp) {
  return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x20000 && cp <= 0x2EBEF) || (cp >= 0xF900 && cp <= 0xFAFF);
}

bool blank_or_punctuation(char32_t cp) {
  if (cp < 0x80) return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
  return (cp >= 0x00A0 && cp <= 0x00BF) || (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x2460 && cp <= 0x24FF) ||
         (cp >= 0x25A0 && cp <= 0x27BF) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
         (cp >= 0xFF00 && cp <= 0xFF0F) || (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) ||
         (cp >= 0xFF5B && cp <= 0xFF65);
}

struct NaiveHit {
  std::size_t entry, from, to;
  auto operator<=>(const NaiveHit&) const = default;
};

// The words of a lexicon (literal entries, then whitelist phrases) by their first 1-3 bytes, so the
// naive matcher tries at every byte of the text only the words that start there: plain comparison.
struct NaiveIndex {
  std::vector<std::string_view> words;  // entries.size() + whitelist.size(); empty for regex entries
  std::unordered_map<std::uint32_t, std::vector<std::size_t>> by_start[3];

  explicit NaiveIndex(const Lexicon& lexicon) {
    for (const auto& e : lexicon.entries)
      words.push_back(e.regex ? std::string_view() : std::string_view(e.pattern));
    for (const auto& w : lexicon.whitelist) words.push_back(w);
    for (std::size_t i = 0; i < words.size(); ++i) {
      if (words[i].empty()) continue;
      const std::size_t n = std::min<std::size_t>(words[i].size(), 3);
      by_start[n - 1][key(words[i], 0, n)].push_back(i);
    }
  }
  static std::uint32_t key(std::string_view s, std::size_t at, std::size_t n) {
    std::uint32_t k = 0;
    for (std::size_t i = 0; i < n; ++i) k = (k << 8) | static_cast<unsigned char>(s[at + i]);
    return k;
  }
  // Calls found(word index, position) for every occurrence (overlapping too) of every word in `text`.
  template <typename F>
  void each(std::string_view text, F&& found) const {
    for (std::size_t p = 0; p < text.size(); ++p) {
      for (std::size_t n = 1; n <= 3 && p + n <= text.size(); ++n) {
        const auto it = by_start[n - 1].find(key(text, p, n));
        if (it == by_start[n - 1].end()) continue;
        for (std::size_t i : it->second) {
          if (text.compare(p, words[i].size(), words[i]) == 0) found(i, p);
        }
      }
    }
  }
};

// The literal entries of `lexicon` found in normalised `text`, by the rules of Matcher::scan, computed
// plainly: every occurrence of every word, then each rule on its own.
std::vector<NaiveHit> naive_scan(const Lexicon& lexicon, const NaiveIndex& index, std::string_view text) {
  std::vector<NaiveHit> raw;
  std::vector<std::pair<std::size_t, std::size_t>> allowed;
  const std::size_t entries = lexicon.entries.size();
  index.each(text, [&](std::size_t i, std::size_t p) {
    if (i < entries) {
      raw.push_back({i, p, p + index.words[i].size()});
    } else {
      allowed.emplace_back(p, p + index.words[i].size());
    }
  });
  std::sort(raw.begin(), raw.end(), [&](const NaiveHit& a, const NaiveHit& b) {
    if (a.from != b.from) return a.from < b.from;
    if (a.to != b.to) return a.to > b.to;
    const auto sa = lexicon.entries[a.entry].severity, sb = lexicon.entries[b.entry].severity;
    return sa != sb ? sa > sb : a.entry < b.entry;
  });
  const auto chars = characters(text);
  auto char_index = [&](std::size_t byte) {  // index of the character starting at `byte`
    return static_cast<std::size_t>(
        std::lower_bound(chars.begin(), chars.end(), byte,
                         [](const auto& c, std::size_t b) { return c.first < b; }) -
        chars.begin());
  };
  std::map<std::size_t, std::size_t> entry_end;
  std::map<std::string, std::size_t> category_end;
  std::vector<NaiveHit> kept;
  for (const NaiveHit& h : raw) {
    const bool whitelisted = std::any_of(
        allowed.begin(), allowed.end(), [&](const auto& a) { return a.first <= h.from && a.second >= h.to; });
    if (whitelisted) continue;
    const auto& e = lexicon.entries[h.entry];
    const std::size_t first = char_index(h.from), last = char_index(h.to);
    bool in_context = e.context.empty();
    for (Context c : e.context) {
      if (c == Context::head) in_context = in_context || first < 160;
      if (c == Context::standalone) {
        const bool before = first > 0 && chars[first - 1].second.valid && cjk(chars[first - 1].second.cp);
        const bool after = last < chars.size() && chars[last].second.valid && cjk(chars[last].second.cp);
        in_context = in_context || (!before && !after);
      }
      if (c == Context::line_start) {
        bool clean = true;
        for (std::size_t k = first; k > 0; --k) {
          const Cp& p = chars[k - 1].second;
          if (p.cp == '\n' || p.cp == '\r') break;
          if (!p.valid || !blank_or_punctuation(p.cp)) {
            clean = false;
            break;
          }
        }
        in_context = in_context || clean;
      }
    }
    if (!in_context) continue;
    if (auto it = entry_end.find(h.entry); it != entry_end.end() && h.from < it->second) continue;
    if (auto it = category_end.find(e.category); it != category_end.end() && it->second >= h.to) continue;
    entry_end[h.entry] = h.to;
    category_end[e.category] = h.to;
    kept.push_back(h);
  }
  std::sort(kept.begin(), kept.end());
  return kept;
}

std::vector<NaiveHit> matcher_scan(const Matcher& matcher, const NormalisedText& text) {
  std::vector<NaiveHit> hits;
  for (const Hit& h : matcher.scan(text)) hits.push_back({h.entry, h.from, h.to});
  std::sort(hits.begin(), hits.end());
  return hits;
}

// Tallies texts and the hits the naive matcher found that the Matcher did not (and the reverse).
struct Tally {
  std::size_t texts = 0, expected = 0, missed = 0, extra = 0, texts_wrong = 0;
  std::vector<std::string> examples;

  void add(const std::vector<NaiveHit>& want, const std::vector<NaiveHit>& got, const Lexicon& lexicon,
           std::string_view text) {
    ++texts;
    expected += want.size();
    std::vector<NaiveHit> missing, surplus;
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(surplus));
    missed += missing.size();
    extra += surplus.size();
    if (missing.empty() && surplus.empty()) return;
    ++texts_wrong;
    if (examples.size() < 8) {
      std::string ex = "text of " + std::to_string(text.size()) + " bytes:";
      for (const auto& m : missing) {
        ex += " missed '" + lexicon.entries[m.entry].pattern + "' at " + std::to_string(m.from);
      }
      for (const auto& m : surplus)
        ex += " extra '" + lexicon.entries[m.entry].pattern + "' at " + std::to_string(m.from);
      examples.push_back(ex);
    }
  }
  std::string report() const {
    std::string r = std::to_string(texts) + " texts, " + std::to_string(expected) + " hits expected, " +
                    std::to_string(missed) + " missed, " + std::to_string(extra) + " extra, in " +
                    std::to_string(texts_wrong) + " texts";
    for (const auto& e : examples) r += "\n  " + e;
    return r;
  }
};

Lexicon words_lexicon(const std::vector<std::string>& words) {
  Lexicon lexicon;
  for (std::size_t i = 0; i < words.size(); ++i) {
    // A category per word: the category rule never hides one word behind another.
    lexicon.entries.push_back(LexiconEntry{.pattern = normalise(words[i]).text,
                                           .category = "c" + std::to_string(i),
                                           .source = "test:" + std::to_string(i)});
  }
  lexicon.names.push_back("differential");
  return lexicon;
}

std::shared_ptr<const Matcher> compiled(const Lexicon& lexicon) {
  auto matcher = Matcher::compile(lexicon);
  EXPECT_TRUE(matcher) << matcher.error().to_string();
  return matcher ? *matcher : nullptr;
}

std::string repeat(std::string_view unit, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += unit;
  return out;
}

// Fillers: one character repeated (ASCII, Chinese), and a mixed run.
const std::vector<std::string>& fillers() {
  static const std::vector<std::string> f = {"a", "的", "z9", "文，", " "};
  return f;
}

const std::vector<std::size_t> kSuffixes = {0, 1, 2, 5, 8, 9, 16, 31, 33, 64};

// Small lexicons: vectorscan compiles 2-8 literals into its Teddy matcher (the WAF's misses).
const std::vector<std::vector<std::string>>& small_lexicons() {
  static const std::vector<std::vector<std::string>> sets = {
      {"runtime", "processbuilder"},
      {"机密", "绝密"},
      {"内部资料", "注意保存", "秘密"},
      {"runtime", "机密", "casino", "代开发票"},
      {"职工疗休养名单", "工会", "vx号", "赌博", "冰毒"},
      {"processbuilder", "runtime", "exec", "eval", "system", "popen"},
      {"绝密", "机密", "秘密", "内部", "内部资料", "保密期限", "涉密"},
      {"代开发票", "办证", "刻章", "网赌", "私服", "外挂", "裸聊", "援交"},
      {"top secret"},
  };
  return sets;
}

TEST(MatcherDifferential, SmallLexiconsFindEveryWordAtEveryOffset) {
  Tally tally;
  for (const auto& words : small_lexicons()) {
    const Lexicon lexicon = words_lexicon(words);
    auto matcher = compiled(lexicon);
    ASSERT_TRUE(matcher);
    const NaiveIndex index(lexicon);
    NormalisedText normalised;
    for (const auto& filler : fillers()) {
      for (std::size_t w = 0; w < words.size(); ++w) {
        const std::string& other = words[(w + 1) % words.size()];
        for (std::size_t offset = 0; offset <= 200; ++offset) {
          for (std::size_t suffix : kSuffixes) {
            std::string text = repeat(filler, offset) + words[w] + repeat(filler, suffix);
            if (suffix % 2 == 1) text += other;  // a second word at the end
            normalise_into(text, normalised);
            tally.add(naive_scan(lexicon, index, normalised.text), matcher_scan(*matcher, normalised),
                      lexicon, normalised.text);
          }
        }
      }
    }
  }
  RecordProperty("report", tally.report());
  std::printf("small lexicons: %s\n", tally.report().c_str());
  EXPECT_EQ(tally.missed, 0u) << tally.report();
  EXPECT_EQ(tally.extra, 0u) << tally.report();
  EXPECT_GT(tally.expected, 100'000u);
}

// Random text of `chars` characters from a pool of Chinese characters, ASCII letters, punctuation and
// line breaks, with `words` planted at random places.
std::string random_text(std::mt19937& rng, std::size_t chars, const std::vector<std::string>& plant,
                        std::size_t count) {
  static const std::vector<std::string> pool = [] {
    std::vector<std::string> p;
    for (std::string_view s :
         {"的", "一", "是", "在", "工", "作", "会", "议", "通", "知", "年", "月", "日", "关",
          "于", "职", "代", "表", "大", "开", "展", "活", "动", "，", "。", "、", "【", "】",
          "★",  " ",  "\n", "a",  "b",  "x",  "1",  "2",  ":",  "*",  "机", "密", "内", "部"}) {
      p.emplace_back(s);
    }
    return p;
  }();
  std::string text;
  std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1),
      plant_pick(0, plant.empty() ? 0 : plant.size() - 1);
  std::uniform_int_distribution<std::size_t> when(0, chars);
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < count; ++i) at.push_back(when(rng));
  std::sort(at.begin(), at.end());
  std::size_t next = 0;
  for (std::size_t i = 0; i < chars; ++i) {
    while (next < at.size() && at[next] == i) {
      text += plant[plant_pick(rng)];
      ++next;
    }
    text += pool[pick(rng)];
  }
  return text;
}

// The shipped lexicon's literal words, contexts, whitelist and categories (its regexes are left out:
// the naive matcher has none; ShippedRegexesMatchWherePcre2Does checks them).
Lexicon shipped_literals() {
  Lexicon lexicon = builtin_lexicon();
  std::erase_if(lexicon.entries, [](const LexiconEntry& e) { return e.regex; });
  return lexicon;
}

std::vector<std::string> plantable(const Lexicon& lexicon) {
  std::vector<std::string> words;
  for (const auto& e : lexicon.entries) {
    if (!e.regex) words.push_back(e.pattern);
  }
  for (const auto& w : lexicon.whitelist) words.push_back(w);
  return words;
}

TEST(MatcherDifferential, ShippedLexiconFindsEveryWordAtEveryOffset) {
  const Lexicon lexicon = shipped_literals();
  auto matcher = compiled(lexicon);
  ASSERT_TRUE(matcher);
  const NaiveIndex index(lexicon);
  const auto words = plantable(lexicon);
  ASSERT_GT(words.size(), 300u);
  Tally tally;
  NormalisedText normalised;
  std::mt19937 rng(4);
  std::uniform_int_distribution<std::size_t> suffix_pick(0, kSuffixes.size() - 1);
  const std::vector<std::string> prefixes = {"", "\n", "【", "abc ", "关于"};
  for (std::size_t w = 0; w < words.size(); ++w) {
    for (std::size_t offset = 0; offset <= 200; ++offset) {
      {
        const std::string& filler = fillers()[(w + offset) % fillers().size()];
        const std::string& prefix = prefixes[(w + offset / 3) % prefixes.size()];
        const std::string text =
            prefix + repeat(filler, offset) + words[w] + repeat(filler, kSuffixes[suffix_pick(rng)]);
        normalise_into(text, normalised);
        tally.add(naive_scan(lexicon, index, normalised.text), matcher_scan(*matcher, normalised), lexicon,
                  normalised.text);
      }
    }
  }
  std::printf("shipped lexicon: %s\n", tally.report().c_str());
  EXPECT_EQ(tally.missed, 0u) << tally.report();
  EXPECT_EQ(tally.extra, 0u) << tally.report();
  EXPECT_GT(tally.expected, 50'000u);
}

TEST(MatcherDifferential, LongTextsThroughTheScanner) {
  // The whole Scanner (extraction of plain text, normalisation, matching, the offset map) on long texts
  // with many planted words, against the naive matcher on the normalised text mapped back.
  const Lexicon lexicon = shipped_literals();
  auto scanner = Scanner::create(lexicon, ScanOptions{.entities = false});
  ASSERT_TRUE(scanner) << scanner.error().to_string();
  const NaiveIndex index(lexicon);
  const auto words = plantable(lexicon);
  std::mt19937 rng(45);
  std::size_t expected = 0, missed = 0, extra = 0;
  for (int round = 0; round < 24; ++round) {
    const std::size_t chars = round < 16 ? 300 + 97 * static_cast<std::size_t>(round) : 20'000;
    const std::string text = random_text(rng, chars, words, chars / 20);
    const NormalisedText normalised = normalise(text);
    std::vector<std::tuple<std::size_t, std::string>> want, got;
    for (const auto& h : naive_scan(lexicon, index, normalised.text)) {
      want.emplace_back(normalised.original_range(h.from, h.to).first, lexicon.entries[h.entry].source);
    }
    const ScanReport report = scanner->scan_text("long.txt", text);
    for (const auto& f : report.findings) {
      if (f.category.starts_with("personal_data")) continue;
      got.emplace_back(f.offset, f.source);
    }
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    std::vector<std::tuple<std::size_t, std::string>> missing, surplus;
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(surplus));
    expected += want.size();
    missed += missing.size();
    extra += surplus.size();
    for (const auto& [offset, source] : missing)
      ADD_FAILURE() << "round " << round << ": missed " << source << " at " << offset;
  }
  std::printf("long texts: %zu hits expected, %zu missed, %zu extra\n", expected, missed, extra);
  EXPECT_EQ(extra, 0u);
  EXPECT_GT(expected, 5'000u);
}

// ---- regexes against PCRE2 -------------------------------------------------------------------------

struct Pcre2 {
  pcre2_code* code = nullptr;
  pcre2_match_data* data = nullptr;
  explicit Pcre2(const std::string& pattern) {
    int error = 0;
    PCRE2_SIZE at = 0;
    code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.c_str()), pattern.size(),
                         PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &error, &at, nullptr);
    if (code) data = pcre2_match_data_create_from_pattern(code, nullptr);
  }
  ~Pcre2() {
    pcre2_match_data_free(data);
    pcre2_code_free(code);
  }
  // The leftmost start of a match at or after `from`, or npos.
  std::size_t first_start(std::string_view text, std::size_t from) const {
    const int rc =
        pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), from, 0, data, nullptr);
    return rc < 0 ? std::string_view::npos : pcre2_get_ovector_pointer(data)[0];
  }
};

// Regex entries without contexts, each in its own category, on `sample` placed after every number of
// fillers 0..200 and before a few suffixes: the first hit of each entry starts where PCRE2's first match
// does (vectorscan reports the leftmost start), and there is a hit exactly when PCRE2 finds a match.
struct RegexTally {
  std::size_t texts = 0, expected = 0, missed = 0, extra = 0, wrong_start = 0;
  std::string report() const {
    return std::to_string(texts) + " texts, " + std::to_string(expected) + " matches expected, " +
           std::to_string(missed) + " missed, " + std::to_string(extra) + " extra, " +
           std::to_string(wrong_start) + " at another start";
  }
};

void check_regexes(const std::vector<std::string>& patterns, const std::vector<std::string>& samples,
                   const std::vector<std::string>& regex_fillers, RegexTally& tally) {
  Lexicon lexicon;
  for (const auto& pattern : patterns) {
    lexicon.entries.push_back(LexiconEntry{
        .pattern = pattern, .regex = true, .category = "r" + std::to_string(lexicon.entries.size())});
  }
  auto matcher = compiled(lexicon);
  ASSERT_TRUE(matcher);
  std::vector<std::unique_ptr<Pcre2>> pcre;
  for (const auto& pattern : patterns) {
    pcre.push_back(std::make_unique<Pcre2>(pattern));
    ASSERT_TRUE(pcre.back()->code) << pattern;
  }
  NormalisedText normalised;
  for (const auto& sample : samples) {
    for (const auto& filler : regex_fillers) {
      for (std::size_t offset = 0; offset <= 200; ++offset) {
        for (std::size_t suffix : {0, 1, 8, 33}) {
          normalise_into(repeat(filler, offset) + sample + repeat(filler, suffix), normalised);
          ++tally.texts;
          const auto hits = matcher->scan(normalised);
          for (std::size_t i = 0; i < lexicon.entries.size(); ++i) {
            const std::size_t start = pcre[i]->first_start(normalised.text, 0);
            const auto first =
                std::find_if(hits.begin(), hits.end(), [&](const Hit& h) { return h.entry == i; });
            if (start != std::string_view::npos) ++tally.expected;
            if (start != std::string_view::npos && first == hits.end()) {
              if (++tally.missed <= 5) {
                ADD_FAILURE() << "missed /" << patterns[i] << "/ at " << start << " in " << normalised.text;
              }
            } else if (start == std::string_view::npos && first != hits.end()) {
              ++tally.extra;
            } else if (first != hits.end() && first->from != start) {
              ++tally.wrong_start;
            }
          }
        }
      }
    }
  }
}

TEST(MatcherDifferential, ShippedRegexesMatchWherePcre2Does) {
  std::vector<std::string> patterns;
  for (const auto& e : builtin_lexicon().entries) {
    if (e.regex) patterns.push_back(e.pattern);
  }
  ASSERT_GE(patterns.size(), 10u);
  const std::vector<std::string> samples = {"加微信:abc12345", "招商热线:400",      "出售冰毒",
                                            "出售手枪",        "出售氰化钾",        "无抵押贷款",
                                            "信用卡套现",      "扫码领取补贴",      "密码是abc123!",
                                            "绝密★长期",       "机密10年",          "秘密级",
                                            "保密期限:5年",    "密级:绝密",         "内部资料,注意保存",
                                            "仅限内部使用",    "秘密★2026年1月1日", "加 vx 12345678"};
  RegexTally tally;
  check_regexes(patterns, samples, {"的", "。", "a "}, tally);
  std::printf("shipped regexes: %s\n", tally.report().c_str());
  EXPECT_EQ(tally.missed, 0u) << tally.report();
  EXPECT_EQ(tally.extra, 0u) << tally.report();
  EXPECT_EQ(tally.wrong_start, 0u) << tally.report();
  EXPECT_GT(tally.expected, 10'000u);
}

TEST(MatcherDifferential, SiteRegexesOfAlternativeWordsMatchWherePcre2Does) {
  // A site's regex of alternative words is compiled into vectorscan's literal matcher on the UTF-8 text —
  // the WAF's case ((?:runtime|processbuilder) missed after 68-83 bytes of 'a'), here in Chinese too.
  const std::vector<std::vector<std::string>> sets = {
      {"(?:runtime|processbuilder)"},
      {"(绝密|机密|秘密|内部|内部资料|保密期限|涉密)"},
      {"(代开|办理|出售)(发票|证件|学历)", "(加|\\+)\\s*(微信|qq)"},
      {"\\$\\{.*\\}", "\\*/"},
  };
  const std::vector<std::string> samples = {"runtime.instantiatefactory",
                                            "processbuilder()",
                                            "内部资料.xx",
                                            "涉密文件",
                                            "代开发票",
                                            "出售学历",
                                            "加微信",
                                            "${aaaa}",
                                            "注释*/"};
  RegexTally tally;
  for (const auto& patterns : sets) check_regexes(patterns, samples, {"a", "的", " "}, tally);
  std::printf("site regexes: %s\n", tally.report().c_str());
  EXPECT_EQ(tally.missed, 0u) << tally.report();
  EXPECT_EQ(tally.extra, 0u) << tally.report();
  EXPECT_EQ(tally.wrong_start, 0u) << tally.report();
  EXPECT_GT(tally.expected, 10'000u);
}

// ---- the library itself ----------------------------------------------------------------------------

using ScanFunction = hs_error_t (*)(const hs_database_t*, const char*, unsigned, unsigned, hs_scratch_t*,
                                    match_event_handler, void*);

// Texts 'a' x n + "runtime.instantiatefactory" + 'z' x suffix (n < 200, 4 suffixes), each at all 64
// alignments of its first byte (the misses depend on the address too), in which `scan` misses
// (?:runtime|processbuilder), compiled for the host's platform less AVX-512 as the matcher does.
std::size_t library_misses(ScanFunction scan) {
  hs_platform_info_t platform{};
  EXPECT_EQ(hs_populate_platform(&platform), HS_SUCCESS);
  platform.cpu_features &= HS_CPU_FEATURES_AVX2;
  hs_database_t* db = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile("(?:runtime|processbuilder)", 0, HS_MODE_BLOCK, &platform, &db, &error) != HS_SUCCESS) {
    hs_free_compile_error(error);
    ADD_FAILURE() << "vectorscan refused the pattern";
    return 0;
  }
  hs_scratch_t* scratch = nullptr;
  EXPECT_EQ(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
  std::size_t misses = 0;
  alignas(64) static char buffer[64 + 512];
  for (std::size_t n = 0; n < 200; ++n) {
    for (std::size_t suffix : {0, 8, 9, 20}) {
      const std::string text = std::string(n, 'a') + "runtime.instantiatefactory" + std::string(suffix, 'z');
      for (std::size_t align = 0; align < 64; ++align) {
        std::copy(text.begin(), text.end(), buffer + align);
        bool found = false;
        const auto on_match = [](unsigned, unsigned long long, unsigned long long, unsigned, void* c) {
          *static_cast<bool*>(c) = true;
          return 0;
        };
        EXPECT_EQ(scan(db, buffer + align, static_cast<unsigned>(text.size()), 0, scratch, on_match, &found),
                  HS_SUCCESS);
        misses += !found;
      }
    }
  }
  hs_free_scratch(scratch);
  hs_free_database(db);
  return misses;
}

TEST(MatcherDifferential, TheMatcherAvoidsTheVariantThatMisses) {
  // What the library does on this CPU (informational: hs_scan misses only where it dispatches to its
  // AVX-512 variant), and that the matcher calls avx2_hs_scan wherever the library exports it.
  const auto avx2 = reinterpret_cast<ScanFunction>(dlsym(RTLD_DEFAULT, "avx2_hs_scan"));
  __builtin_cpu_init();
  const bool cpu_avx2 = __builtin_cpu_supports("avx2"), cpu_avx512 = __builtin_cpu_supports("avx512f");
  const std::size_t hs_scan_misses = library_misses(&hs_scan);
  std::printf("CPU avx2 %d avx512f %d; hs_scan misses (?:runtime|processbuilder) in %zu of 51,200 texts",
              cpu_avx2, cpu_avx512, hs_scan_misses);
  if (avx2 && cpu_avx2) {
    const std::size_t avx2_misses = library_misses(avx2);
    std::printf(", avx2_hs_scan in %zu", avx2_misses);
    EXPECT_EQ(avx2_misses, 0u);
  }
  auto matcher = compiled(words_lexicon({"runtime", "processbuilder"}));
  ASSERT_TRUE(matcher);
  std::printf("; the matcher calls %s\n", std::string(matcher->scan_function()).c_str());
  EXPECT_EQ(matcher->scan_function(), avx2 && cpu_avx2 ? "avx2_hs_scan" : "hs_scan");
  RecordProperty("hs_scan_misses", static_cast<int>(hs_scan_misses));
}

}  // namespace
}  // namespace sw::review
