// Serious wording errors (N3.4): pinyin and look-alike tables (generated at build time into
// wording_tables.cc by src/review/data/generate_text_tables.py) and the near-miss lexicon built from
// the protected names: one character replaced by a common homophone or a look-alike, or two adjacent
// characters swapped.
#include "review/wording.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <unordered_set>

#include "review/normaliser.h"

namespace sw::review {
namespace tables {  // generated: wording_tables.cc
struct PinyinReading {
  const char* syllable;
  const char* character;
  std::uint32_t weight;  // rime-data-pinyin-simp frequency weight
};
extern const PinyinReading kPinyinReadings[];  // by syllable, most common character first
extern const std::size_t kPinyinReadingCount;
extern const char* const kShapeGroups[];  // each a string of look-alike characters
extern const std::size_t kShapeGroupCount;
}  // namespace tables

namespace {

// A homophone counts when its rime weight is at least this (工 5450, 公 5026, 恭 432, 肱 42): rare
// characters are not what people mistype, and would only add noise.
constexpr std::uint32_t kCommonWeight = 500;
// At most this many homophones per character, the most common first.
constexpr std::size_t kHomophonesPerCharacter = 12;
// At most this many near misses per protected name, so a long formulation cannot explode.
constexpr std::size_t kNearMissesPerName = 400;
// A protected name longer than this (in characters) is refused: it is a paragraph, not a name.
constexpr std::size_t kMaxNameCharacters = 64;

constexpr std::string_view kCategory = "wording_error";

const std::vector<std::string> kNone;

struct Syllable {
  std::vector<std::string> characters;  // most common first
  std::vector<std::uint32_t> weights;   // parallel to characters
};

struct PinyinIndex {
  std::map<std::string, Syllable, std::less<>> by_syllable;
  std::map<std::string, std::vector<std::string>, std::less<>> by_character;  // most common reading first
};

const PinyinIndex& pinyin_index() {
  static const PinyinIndex index = [] {
    PinyinIndex built;
    std::map<std::string, std::vector<std::pair<std::uint32_t, std::string>>> readings;
    for (std::size_t i = 0; i < tables::kPinyinReadingCount; ++i) {
      const auto& r = tables::kPinyinReadings[i];
      Syllable& s = built.by_syllable[r.syllable];
      s.characters.emplace_back(r.character);
      s.weights.push_back(r.weight);
      readings[r.character].emplace_back(r.weight, r.syllable);
    }
    for (auto& [character, list] : readings) {
      std::stable_sort(list.begin(), list.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      auto& syllables = built.by_character[character];
      for (auto& [weight, syllable] : list) syllables.push_back(std::move(syllable));
    }
    return built;
  }();
  return index;
}

// Splits UTF-8 text into characters (an invalid byte is a character of its own).
std::vector<std::string> characters_of(std::string_view text) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < text.size();) {
    const auto b = static_cast<unsigned char>(text[at]);
    std::size_t length = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
    if (at + length > text.size()) length = 1;
    for (std::size_t i = 1; i < length; ++i) {
      if ((static_cast<unsigned char>(text[at + i]) & 0xC0) != 0x80) length = 1;
    }
    out.emplace_back(text.substr(at, length));
    at += length;
  }
  return out;
}

bool is_cjk_character(std::string_view c) {
  if (c.size() < 3) return false;
  const auto b0 = static_cast<unsigned char>(c[0]);
  // U+3400–U+9FFF are E3 90 80 – E9 BF BF; U+20000 and above start with F0 A0 or later.
  return (b0 >= 0xE4 && b0 <= 0xE9) || (b0 == 0xE3 && static_cast<unsigned char>(c[1]) >= 0x90) ||
         (b0 == 0xF0 && static_cast<unsigned char>(c[1]) >= 0xA0);
}

const std::map<std::string, std::vector<std::string>, std::less<>>& shape_index() {
  static const auto index = [] {
    std::map<std::string, std::vector<std::string>, std::less<>> built;
    for (std::size_t g = 0; g < tables::kShapeGroupCount; ++g) {
      const auto group = characters_of(tables::kShapeGroups[g]);
      for (const auto& c : group) {
        auto& similar = built[c];
        for (const auto& other : group) {
          if (other != c && std::find(similar.begin(), similar.end(), other) == similar.end())
            similar.push_back(other);
        }
      }
    }
    return built;
  }();
  return index;
}

// "Gong1", "lü", "lu:" → "gong", "lv", "lv" (rime writes ü as v).
std::string syllable_key(std::string_view syllable) {
  std::string key;
  for (std::size_t i = 0; i < syllable.size(); ++i) {
    const char c = syllable[i];
    if (syllable.substr(i, 2) == "\xC3\xBC" || syllable.substr(i, 2) == "u:") {
      key += 'v';
      ++i;
    } else if (c >= 'A' && c <= 'Z') {
      key += static_cast<char>(c - 'A' + 'a');
    } else if (!(c >= '1' && c <= '5' && i + 1 == syllable.size())) {
      key += c;
    }
  }
  return key;
}

// Common homophones of c (any reading), most common first, c itself left out.
std::vector<std::string> common_homophones(const std::string& c) {
  std::vector<std::pair<std::uint32_t, std::string>> candidates;
  for (const auto& syllable : pinyin_of(c)) {
    const Syllable& s = pinyin_index().by_syllable.find(syllable)->second;
    for (std::size_t i = 0; i < s.characters.size() && s.weights[i] >= kCommonWeight; ++i) {
      if (s.characters[i] != c) candidates.emplace_back(s.weights[i], s.characters[i]);
    }
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (auto& [weight, candidate] : candidates) {
    if (out.size() == kHomophonesPerCharacter) break;
    if (std::find(out.begin(), out.end(), candidate) == out.end()) out.push_back(std::move(candidate));
  }
  return out;
}

std::string joined(const std::vector<std::string>& characters) {
  std::string out;
  for (const auto& c : characters) out += c;
  return out;
}

// The near misses of one name, in order of priority: adjacent swaps, look-alikes, then homophones
// taken rank by rank across all positions (so a long name that hits the cap still has its most
// likely misspellings at every position). At most kNearMissesPerName.
std::vector<std::string> variants_of(const std::vector<std::string>& characters) {
  std::vector<std::string> out;
  auto add = [&](std::vector<std::string> variant) {
    if (out.size() < kNearMissesPerName) out.push_back(joined(variant));
  };
  for (std::size_t i = 0; i + 1 < characters.size(); ++i) {
    if (is_cjk_character(characters[i]) && is_cjk_character(characters[i + 1]) &&
        characters[i] != characters[i + 1]) {
      auto swapped = characters;
      std::swap(swapped[i], swapped[i + 1]);
      add(std::move(swapped));
    }
  }
  std::vector<std::vector<std::string>> homophones(characters.size());
  for (std::size_t i = 0; i < characters.size(); ++i) {
    if (!is_cjk_character(characters[i])) continue;
    for (const auto& similar : similar_shapes(characters[i])) {
      auto replaced = characters;
      replaced[i] = similar;
      add(std::move(replaced));
    }
    homophones[i] = common_homophones(characters[i]);
  }
  for (std::size_t rank = 0; rank < kHomophonesPerCharacter; ++rank) {
    for (std::size_t i = 0; i < characters.size(); ++i) {
      if (rank >= homophones[i].size()) continue;
      auto replaced = characters;
      replaced[i] = homophones[i][rank];
      add(std::move(replaced));
    }
  }
  return out;
}

std::string trimmed(std::string_view s) {
  const auto begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  const auto end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

std::string where(std::string_view source, std::size_t line) {
  return std::string(source) + ":" + std::to_string(line);
}

// A name is one line of valid UTF-8 of at most kMaxNameCharacters characters.
Result<ProtectedName> checked_name(std::string text, std::string_view source, std::size_t line) {
  if (text.find('\n') != std::string::npos) {
    return fail("review.lexicon", where(source, line) + ": a protected name must be on one line");
  }
  const auto characters = characters_of(normalise(text).text);
  for (const auto& c : characters) {
    if (c.size() == 1 && static_cast<unsigned char>(c[0]) >= 0x80) {
      return fail("review.lexicon", where(source, line) + ": a protected name is not valid UTF-8");
    }
  }
  if (characters.size() > kMaxNameCharacters) {
    return fail("review.lexicon",
                where(source, line) + ": a protected name of " + std::to_string(characters.size()) +
                    " characters is longer than the limit of " + std::to_string(kMaxNameCharacters));
  }
  return ProtectedName{std::move(text), where(source, line)};
}

Result<std::vector<ProtectedName>> parse_plain_names(std::string_view text, std::string_view source) {
  std::vector<ProtectedName> names;
  std::size_t line_number = 0;
  for (std::size_t at = 0; at <= text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    ++line_number;
    std::string_view line = text.substr(at, end - at);
    line = line.substr(0, line.find('#'));
    if (std::string name = trimmed(line); !name.empty()) {
      SW_TRY(checked, checked_name(std::move(name), source, line_number));
      names.push_back(std::move(checked));
    }
    at = end + 1;
  }
  return names;
}

Result<std::vector<ProtectedName>> parse_toml_names(std::string_view text, std::string_view source) {
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return fail("review.lexicon", where(source, e.source().begin.line) + ": " + std::string(e.description()));
  }
  const toml::array* list = root["protected"]["names"].as_array();
  if (list == nullptr) {
    return fail("review.lexicon", std::string(source) + ": expected [protected] names = [\"...\", ...]");
  }
  std::vector<ProtectedName> names;
  for (const toml::node& node : *list) {
    const std::size_t line = node.source().begin.line;
    const auto value = node.value<std::string>();
    if (!value)
      return fail("review.lexicon",
                  where(source, line) + ": [protected] names holds a value that is not a string");
    std::string name = trimmed(*value);
    if (name.empty())
      return fail("review.lexicon", where(source, line) + ": [protected] names holds an empty name");
    SW_TRY(checked, checked_name(std::move(name), source, line));
    names.push_back(std::move(checked));
  }
  return names;
}

// TOML when the first line that is not blank or a comment opens a table or sets a key.
bool looks_like_toml(std::string_view text) {
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    const std::string t = trimmed(line);
    if (t.empty() || t[0] == '#') continue;
    return t[0] == '[' || t.find('=') != std::string::npos;  // a name never holds '='
  }
  return false;
}

}  // namespace

const std::vector<std::string>& characters_with_pinyin(std::string_view syllable) {
  const auto& index = pinyin_index().by_syllable;
  const auto it = index.find(syllable_key(syllable));
  return it == index.end() ? kNone : it->second.characters;
}

const std::vector<std::string>& pinyin_of(std::string_view character) {
  const auto& index = pinyin_index().by_character;
  const auto it = index.find(character);
  return it == index.end() ? kNone : it->second;
}

const std::vector<std::string>& similar_shapes(std::string_view character) {
  const auto& index = shape_index();
  const auto it = index.find(character);
  return it == index.end() ? kNone : it->second;
}

Result<std::vector<ProtectedName>> parse_protected_names(std::string_view text,
                                                         std::string_view source_name) {
  return looks_like_toml(text) ? parse_toml_names(text, source_name) : parse_plain_names(text, source_name);
}

Lexicon near_miss_lexicon(const std::vector<ProtectedName>& names,
                          const std::vector<std::string>& known_words) {
  std::unordered_set<std::string> excluded;  // normalised: the protected names and the known words
  for (const auto& name : names) excluded.insert(normalise(name.text).text);
  for (const auto& word : known_words) excluded.insert(normalise(word).text);
  Lexicon lexicon;
  lexicon.names.emplace_back("protected-names (wording near misses)");
  std::unordered_set<std::string> seen;
  for (const auto& name : names) {
    const auto characters = characters_of(normalise(name.text).text);
    if (characters.size() < 2) continue;
    for (const auto& variant : variants_of(characters)) {
      std::string pattern = normalise(variant).text;
      if (excluded.contains(pattern) || !seen.insert(pattern).second) continue;
      LexiconEntry entry;
      entry.pattern = std::move(pattern);
      entry.category = std::string(kCategory);
      entry.severity = Severity::high;
      entry.note = "应为：" + name.text;
      entry.source = name.source;
      lexicon.entries.push_back(std::move(entry));
    }
  }
  return lexicon;
}

}  // namespace sw::review
