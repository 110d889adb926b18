// The review scanner (N3.2, N3.3, N3.4, N4.6, N6.5): extract → normalise → match lexicons and
// protected-name near misses → validate personal data → findings that point back to the place.
// Used by the content workflow, the publisher (scanning rendered output), the mail filter, the
// inspection and `sitewarden scan`. A pure library: no database. docs/modules/review.md.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "review/extract.h"
#include "review/lexicon.h"
#include "review/matcher.h"
#include "review/personal_data.h"

namespace sw::review {

struct Finding {
  std::string path;          // file (archive members as "a.zip!/b.docx")
  std::string part;          // Segment::part
  std::string locator;       // Segment::locator
  std::size_t line = 0;      // 1-based line within the segment text
  std::size_t offset = 0;    // byte offset in the original: in the file when the segment maps to it
                             // (Segment::source_offset), else in the segment text
  bool hidden = false;       // found in something a reader does not see
  std::string category;      // lexicon category, "personal_data", "personal_data_bulk"
  Severity severity = Severity::medium;
  std::string matched;       // as written in the original (e.g. "绝 * 密", "機密")
  std::string rule;          // the lexicon pattern, or the personal-data kind
  std::string note;          // e.g. "应为：中华全国总工会"
  std::string excerpt;       // a few characters either side, as written
  std::string source;        // where the rule came from ("builtin:secret-markings.toml:12")
};

// One entity found in an item, for aggregation across items (N3.3).
struct Entity {
  std::string kind;          // personal-data kinds ("resident_id", "mobile", ...), "person_name", "address", "figure"
  std::string value;         // canonical form (digits only for numbers; label + number for figures)
  std::string path, part, locator;
  std::string person;        // N3.3: the person name an identifier or address is written next to (same
                             // row, or the form it belongs to); empty when none. Links items in aggregate().
};

struct ScanReport {
  std::string path;
  std::string type;          // ExtractedFile::type, or "error" when the file could not be read
  std::vector<Finding> findings;
  std::vector<Entity> entities;
  std::vector<FileProblem> problems;   // the file itself or archive members that could not be read
  Severity highest() const;            // info when nothing found
};

struct ScanOptions {
  ExtractLimits limits;
  std::size_t bulk_personal_data = 5;  // this many validated personal data in one item is a finding of its own
  std::size_t excerpt_chars = 12;      // characters of context either side
  int max_year = 2100;                 // upper bound for birth dates in ID numbers (tests pin it)
  bool entities = true;                // collect names, addresses and figures for aggregation (N3.3)
};

class Scanner {
 public:
  // `lexicon`: builtin plus site files plus near-miss entries, merged by the caller.
  static Result<Scanner> create(const Lexicon& lexicon, ScanOptions options = {});
  // The scanner over the shipped lexicon (builtin_lexicon()) whose Matcher is compiled on first use,
  // not here: most CLI commands open the platform and never scan, and the compile is most of their
  // start. Thread-safe; copies share the one compile. (A shipped lexicon vectorscan refuses is a bug
  // lexicon_test catches; it aborts the process like builtin_lexicon() does.)
  static Scanner shipped(ScanOptions options = {});

  // A file on disk or bytes with a name. Never fails: problems go in the report.
  ScanReport scan_file(const std::filesystem::path& path) const;
  ScanReport scan_bytes(std::string_view path, std::string_view bytes) const;
  // Text already in UTF-8 (an article body as the editor wrote it), as one item.
  ScanReport scan_text(std::string_view name, std::string_view utf8, std::string_view part = "text") const;
  // Segments already extracted.
  void scan_segments(const std::vector<Segment>& segments, ScanReport& report) const;

  const Matcher& matcher() const;

 private:
  struct Deferred;
  Scanner(std::shared_ptr<const Matcher> m, std::shared_ptr<Deferred> d, ScanOptions o)
      : matcher_(std::move(m)), deferred_(std::move(d)), options_(std::move(o)) {}
  std::shared_ptr<const Matcher> matcher_;  // compiled by create(), or null and compiled by deferred_
  std::shared_ptr<Deferred> deferred_;
  ScanOptions options_;
};

}  // namespace sw::review
