// Normalisation for matching (N3.2, N3.4): the text a lexicon is matched against, with a map back to
// the original so every finding shows what was really written and where.
//
// This slice folds: full-width ASCII forms (Ａ-Ｚ, ０-９, ＊…) and the ideographic space to ASCII;
// ASCII upper case to lower case; removes zero-width characters (U+200B–U+200D, U+2060, U+FEFF,
// U+00AD) anywhere; and removes separators inserted between two CJK characters (spaces, * . · • - _
// | / \ and their full-width forms), so "机*密", "机 密" and "机．密" all read "机密".
// Traditional → simplified (OpenCC) and homoglyphs come in a later slice of issue 3.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sw::review {

struct NormalisedText {
  std::string text;                  // UTF-8
  std::vector<std::size_t> origin;   // for each byte of `text`, the byte offset in the original
  std::size_t original_size = 0;

  // The original byte range [begin, end) that normalised bytes [from, to) came from.
  std::pair<std::size_t, std::size_t> original_range(std::size_t from, std::size_t to) const;
};

// Normalises UTF-8 text. Invalid UTF-8 bytes are kept as they are (and match nothing in a lexicon
// written in valid UTF-8).
NormalisedText normalise(std::string_view original);

}  // namespace sw::review
