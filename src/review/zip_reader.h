// Zip archives held in memory, read under ExtractLimits (N3.2, N4.6), and the segment sink that charges
// extracted text to the budget. Internal to the office extractors (zip_reader.cc, ooxml.cc, pdf.cc);
// the public interface is extract.h. docs/modules/review.md "Archives, OOXML and PDF".
//
// Nothing is ever written to disk: member names such as "../../etc/passwd" or "/abs" are only names
// and are kept exactly as written.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "review/extract.h"

struct zip;  // libzip's zip_t, kept out of this header

namespace sw::review {

// One member as the central directory declares it. Sizes are claims, checked again while inflating.
struct ZipEntry {
  std::uint64_t index = 0;
  std::string name;                     // UTF-8 (names stored in GB18030 without the UTF-8 flag are converted)
  std::uint64_t size = 0;               // declared uncompressed size
  std::uint64_t compressed_size = 0;
  bool directory = false;
  bool encrypted = false;
};

class ZipArchive {
 public:
  // Opens the archive in `bytes`, which is not copied and must outlive the ZipArchive. `path` names the
  // archive in errors. Errors: "review.corrupt" (not a zip, damaged directory), "review.limit" (more than
  // max_entries members).
  static Result<ZipArchive> open(std::string_view path, std::string_view bytes, const ExtractLimits& limits);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  // The member called `name` exactly, or nullptr.
  const ZipEntry* find(std::string_view name) const;

  // Inflates one member. Before inflating, refuses a declared size over max_entry_bytes, a ratio
  // size/compressed over max_ratio and a size that would take budget.decompressed past max_total_bytes;
  // while inflating, stops one byte past the declared size. Every inflated byte is charged to
  // budget.decompressed. Errors name the member and the numbers: "review.limit", "review.encrypted",
  // "review.corrupt" (bad data, CRC mismatch, more or fewer bytes than declared), "review.unsupported"
  // (compression method).
  Result<std::string> read(const ZipEntry& entry, ExtractBudget& budget) const;
  // read(find(name)); "review.corrupt" naming the member when it is missing.
  Result<std::string> read(std::string_view name, ExtractBudget& budget) const;

  const std::string& path() const { return path_; }

 private:
  struct Closer {
    void operator()(zip* archive) const;
  };
  ZipArchive(std::string path, const ExtractLimits& limits, zip* archive);
  Status check_before_inflating(const ZipEntry& entry, const ExtractBudget& budget) const;
  std::string member_label(const ZipEntry& entry) const;

  std::string path_;
  ExtractLimits limits_;
  std::unique_ptr<zip, Closer> zip_;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string_view, std::size_t> by_name_;  // views into entries_[i].name
};

// Sizes for people: "512 bytes", "200 KB", "64 MB", "3.1 GB" (binary units).
std::string human_size(std::uint64_t bytes);

// Collects the segments of one file and charges budget.text for each: its text plus kSegmentCost, so a
// sheet of millions of one-character cells is bounded as well as one huge text. "review.limit" naming
// the file and max_text_bytes when the budget runs out. Empty (all-whitespace) text is dropped.
class SegmentSink {
 public:
  static constexpr std::size_t kSegmentCost = 32;

  SegmentSink(std::string_view path, const ExtractLimits& limits, ExtractBudget& budget)
      : path_(path), limits_(limits), budget_(budget) {}

  Status add(std::string_view part, std::string locator, std::string text, bool hidden);
  std::vector<Segment> take() { return std::move(segments_); }

 private:
  std::string path_;
  const ExtractLimits& limits_;
  ExtractBudget& budget_;
  std::vector<Segment> segments_;
};

}  // namespace sw::review
