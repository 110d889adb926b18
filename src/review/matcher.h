// Multi-pattern matching of a lexicon over normalised text with vectorscan (DESIGN.md: vectorscan),
// literals and regexes in one database, compiled once per lexicon version and cached.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "review/lexicon.h"
#include "review/normaliser.h"

namespace sw::review {

struct Hit {
  std::size_t entry;      // index into Matcher::lexicon().entries
  std::size_t from, to;   // byte range in the normalised text
};

// Checks that vectorscan accepts `pattern` as a lexicon regex (UTF-8, Unicode classes, start of match
// reported); the error says why not. parse_lexicon() uses it so a bad regex is reported at its line.
Status check_regex(std::string_view pattern);

class Matcher {
 public:
  // Compiles (or returns the cached compilation of) `lexicon`. Errors "review.lexicon" name the
  // entry (its source) vectorscan refused and why.
  static Result<std::shared_ptr<const Matcher>> compile(const Lexicon& lexicon);

  // Every hit, leftmost-longest per entry, ordered by position; context rules applied and hits inside a
  // whitelisted phrase dropped; a hit lying inside a longer hit of the same category is dropped too
  // (秘密 inside 秘密★1年 is one finding). Thread-safe (scratch space per thread).
  std::vector<Hit> scan(const NormalisedText& text) const;
  // Matching alone on normalised text (literals on its dense form, regexes on the UTF-8), without
  // context rules, whitelist or de-duplication: returns the number of raw matches. For benchmarks of
  // the matching engine.
  std::size_t count_raw(const NormalisedText& normalised) const;
  // The same on UTF-8 text normalised elsewhere: its dense form is made first (a copy and a pass).
  std::size_t count_raw(std::string_view normalised) const;

  const Lexicon& lexicon() const;
  // The vectorscan block-scan function this matcher calls: "avx2_hs_scan" where the library exports it
  // and the CPU has AVX2 (Debian 12's vectorscan misses matches in its AVX-512 variant, which hs_scan
  // picks on AVX-512 CPUs: matcher.cc), else "hs_scan".
  std::string_view scan_function() const;

  ~Matcher();
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  struct Impl;
  explicit Matcher(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sw::review
