// Lexicons: the words and patterns the scanner looks for (N3.2 secret markings, N3.4 sensitive,
// commercial and vulgar content), in category files a site can add to, and a whitelist that
// suppresses known false hits. docs/modules/review.md "Lexicon format".
//
// A lexicon file is TOML:
//   [lexicon]
//   name = "secret-markings"          # required
//   category = "secret_marking"       # default category of its entries
//   severity = "critical"             # default severity: info | low | medium | high | critical
//   [[entry]]
//   word = "绝密"                     # a literal (normalised like the text before matching)
//   [[entry]]
//   word = "秘密"
//   context = ["head", "standalone"]  # only as a marking, not in 秘密花园
//   note = "密级标志"
//   [[entry]]
//   regex = '(绝密|机密|秘密)\s*★'     # a regex (PCRE subset vectorscan accepts), matched on normalised text
//   severity = "critical"
//   [whitelist]
//   words = ["秘密花园"]               # a hit inside an occurrence of one of these is not reported
// or a plain list with a header of "# key: value" lines (name, category, severity) and then one
// word per line ("#" starts a comment, blank lines skipped, "!word" puts a word on the whitelist).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sw::review {

enum class Severity : std::uint8_t { info = 0, low = 1, medium = 2, high = 3, critical = 4 };
std::string_view to_string(Severity s);                  // "info" ... "critical"
Result<Severity> parse_severity(std::string_view text);  // error "review.lexicon" naming the value

// Where a hit counts (any one listed is enough; none listed = anywhere):
//   head       — within the first 160 characters of a segment (a marking at the head of a document)
//   line_start — only blanks or punctuation before it on its line
//   standalone — no CJK character directly before or after it (秘密 in "【秘密】", not in "秘密花园")
enum class Context : std::uint8_t { head, line_start, standalone };

struct LexiconEntry {
  std::string pattern;        // literal (already normalised) or regex source
  bool regex = false;
  std::string category;       // secret_marking, internal, advertising, illegal, vulgar, wording_error, ...
  Severity severity = Severity::medium;
  std::vector<Context> context;
  std::string note;           // shown to the reviewer: why it matters, or the correct form ("应为：…")
  std::string source;         // "file:line" (or "builtin:secret-markings.toml:12") for the reviewer and for edits
};

struct Lexicon {
  std::vector<LexiconEntry> entries;
  std::vector<std::string> whitelist;  // normalised phrases
  std::vector<std::string> names;      // the lexicons merged into this one, for the report
  // A digest of everything above; the matcher cache is keyed on it, so an edit recompiles.
  std::string version() const;
};

// Parses one lexicon file's text (TOML when it starts with a table or key, else the plain list).
// Errors name the source, the line and what is wrong: "review.lexicon".
Result<Lexicon> parse_lexicon(std::string_view text, std::string_view source_name);
Result<Lexicon> load_lexicon(const std::filesystem::path& file);
// Appends b's entries and whitelist to a (later files add words; they never remove shipped ones).
void merge_into(Lexicon& a, Lexicon b);
// The starter set shipped with the platform (src/review/lexicons/*.toml, embedded at build time):
// secret markings, internal-only terms, advertising and commercial, illegal, vulgar.
const Lexicon& builtin_lexicon();

}  // namespace sw::review
