// Serious wording errors (严重错别字, N3.4; one fails a site in government-site inspections): near
// misses of protected names and official titles that operators list — leaders' names, the
// federation's own names, fixed political formulations. A near miss is the protected form with one
// character replaced by a homophone (from Debian's pinyin data, rime-data-pinyin-simp) or by a
// similar-looking character, or with two adjacent characters swapped. They become lexicon entries
// of category "wording_error" whose note gives the correct form, so they are matched in the same
// vectorscan pass as everything else.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "review/lexicon.h"

namespace sw::review {

// Every simplified character with the given toneless pinyin syllable, most common first
// ("gong" → 工, 公, 共, 功, 攻, ...). Empty for an unknown syllable.
const std::vector<std::string>& characters_with_pinyin(std::string_view syllable);
// The toneless pinyin syllables of one character ("行" → "xing", "hang"). Empty when unknown.
const std::vector<std::string>& pinyin_of(std::string_view character);
// Characters commonly mistaken for this one by shape (己/已/巳, 戊/戌/戍, 末/未 ...). Empty when none.
const std::vector<std::string>& similar_shapes(std::string_view character);

struct ProtectedName {
  std::string text;      // the correct form: "中华全国总工会", "江苏省总工会", a leader's name, a formulation
  std::string source;    // "file:line"
};
// A protected-names file: one name per line, "#" comments; or TOML [protected] names = [...]
// (TOML when the first significant line opens a table or sets a key). A name is at most 64
// characters of valid UTF-8. Errors are "review.lexicon" and name "<source_name>:<line>".
Result<std::vector<ProtectedName>> parse_protected_names(std::string_view text, std::string_view source_name);

// The near-miss entries for the names (category "wording_error", severity high, note "应为：<name>").
// Variants that are themselves another protected name, or that appear in `known_words`, are left out.
// For each name of two or more characters (normalised first, so a traditional spelling works):
// every swap of two adjacent, different CJK characters; every look-alike of each character; and
// each character replaced by its common homophones (any reading, rime weight >= 500, at most 12 per
// character, most common first, taken rank by rank across the name). At most 400 per name.
// Patterns are normalised literals, de-duplicated across names (the first name keeps a pattern).
Lexicon near_miss_lexicon(const std::vector<ProtectedName>& names, const std::vector<std::string>& known_words = {});

}  // namespace sw::review
