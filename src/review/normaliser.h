// Normalisation for matching (N3.2, N3.4): the text a lexicon is matched against, with a map back to
// the original so every finding shows what was really written and where.
//
// It folds, one code point to one code point:
//   - traditional → simplified, character by character (OpenCC t2s, plus hk2s for Hong Kong
//     variants t2s leaves alone): 機密 → 机密, 內部資料 → 内部资料;
//   - Kangxi radicals, CJK radicals supplement and CJK compatibility ideographs → the unified
//     ideograph (⼯会 → 工会), then traditional → simplified (⾨ → 门);
//   - Cyrillic and Greek letters that look like Latin ones → Latin (саsino → casino); mathematical,
//     circled and parenthesised letters and digits → ASCII (𝐀 → a, ① ❶ ⑴ ⒈ → 1; ⑩ and above stay);
//   - full-width ASCII forms (Ａ-Ｚ, ０-９, ＊…) and the ideographic space → ASCII; upper → lower case.
// It removes zero-width characters (U+200B–U+200D, U+2060, U+FEFF, U+00AD) anywhere, and separators
// inserted between two CJK characters (spaces, * . · • - _ | / \ ~ and their full-width forms), so
// "机*密", "機 密" and "机．密" all read "机密".
// Lookalike digits and letters (0/o, 1/l) are not folded: that would corrupt numbers and words.
// Every normalised byte maps back to the first byte of the original character it came from.
// The tables are generated at build time (src/review/data/); nothing is read at run time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sw::review {

struct NormalisedText {
  std::string text;                 // UTF-8
  std::vector<std::size_t> origin;  // for each byte of `text`, the byte offset in the original
  std::size_t original_size = 0;
  // The same text as UTF-16LE code units, two bytes each (a supplementary code point is a surrogate
  // pair; an invalid UTF-8 byte b kept in `text` is the lone low surrogate 0xDC00 + b, which no valid
  // text or lexicon word contains). The matcher scans its literals here: two bytes per Chinese
  // character instead of three, all of them informative.
  std::string dense;
  // For each unit of `dense`, the byte offset in `text` of the code point it encodes, then one final
  // entry text.size(): units [u, v) are bytes [dense_at[u], dense_at[v]) of `text`.
  std::vector<std::uint32_t> dense_at;

  // The original byte range [begin, end) that normalised bytes [from, to) came from.
  std::pair<std::size_t, std::size_t> original_range(std::size_t from, std::size_t to) const;
};

// Normalises UTF-8 text. Invalid UTF-8 bytes are kept as they are (and match nothing in a lexicon
// written in valid UTF-8).
NormalisedText normalise(std::string_view original);
// The same, into `out`, reusing its buffers: a scanner normalising many items keeps one
// NormalisedText per thread, so the text and the map (8 bytes per byte) are not allocated and
// faulted in afresh for every item.
void normalise_into(std::string_view original, NormalisedText& out);

// The dense form (NormalisedText::dense and dense_at) of UTF-8 text as it is, without normalising
// it: for lexicon words (already normalised) and for text normalised elsewhere. Replaces both.
void dense_form(std::string_view utf8, std::string& dense, std::vector<std::uint32_t>& dense_at);

}  // namespace sw::review
