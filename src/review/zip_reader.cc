// Zip archives in memory under ExtractLimits (libzip), plain-zip extraction and the OOXML kind sniffing
// (N3.2: attachments are scanned, nested archives included; N4.6: a hostile archive costs bounded
// memory and time). See zip_reader.h and extract.h.
#include "review/zip_reader.h"

#include <iconv.h>
#include <zip.h>

#include <array>
#include <cstdio>
#include <utility>

namespace sw::review {
namespace {

constexpr std::string_view kMemberSeparator = "!/";

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > s.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

// Member names from Chinese Windows tools are GB18030 without the UTF-8 flag; libzip would read them
// as CP437. Returns the UTF-8 name, or an empty string when `raw` is not GB18030 either.
std::string gb18030_to_utf8(std::string_view raw) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) return {};
  std::string out(raw.size() * 2 + 4, '\0');
  char* in = const_cast<char*>(raw.data());
  std::size_t in_left = raw.size();
  char* to = out.data();
  std::size_t out_left = out.size();
  const std::size_t converted = iconv(cd, &in, &in_left, &to, &out_left);
  iconv_close(cd);
  if (converted == static_cast<std::size_t>(-1) || in_left != 0) return {};
  out.resize(out.size() - out_left);
  return out;
}

std::string member_name(zip_t* archive, zip_uint64_t index) {
  const char* raw = zip_get_name(archive, index, ZIP_FL_ENC_RAW);
  if (raw == nullptr) return {};
  if (is_valid_utf8(raw)) return raw;
  std::string converted = gb18030_to_utf8(raw);
  if (!converted.empty()) return converted;
  const char* guessed = zip_get_name(archive, index, ZIP_FL_ENC_GUESS);
  return guessed != nullptr ? guessed : std::string();
}

// Maps a libzip error met while reading a member to our codes.
std::unexpected<Error> member_failure(const std::string& label, zip_error_t* error) {
  const int code = zip_error_code_zip(error);
  const std::string why = zip_error_strerror(error);
  if (code == ZIP_ER_NOPASSWD || code == ZIP_ER_WRONGPASSWD || code == ZIP_ER_ENCRNOTSUPP) {
    return fail("review.encrypted", label + " is encrypted (" + why + ")");
  }
  if (code == ZIP_ER_COMPNOTSUPP) return fail("review.unsupported", label + ": " + why);
  return fail("review.corrupt", label + ": " + why);
}

}  // namespace

std::string human_size(std::uint64_t bytes) {
  static constexpr std::array<const char*, 4> kUnits = {"KB", "MB", "GB", "TB"};
  if (bytes < 1024) return std::to_string(bytes) + " bytes";
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < kUnits.size()) {
    value /= 1024.0;
    ++unit;
  }
  std::array<char, 32> text{};
  const bool whole = value >= 100.0 || value == static_cast<double>(static_cast<std::uint64_t>(value));
  std::snprintf(text.data(), text.size(), whole ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
  return text.data();
}

Status SegmentSink::add(std::string_view part, std::string locator, std::string text, bool hidden) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return ok();
  const std::size_t cost = text.size() + kSegmentCost;
  if (budget_.text + cost > limits_.max_text_bytes) {
    return fail("review.limit", path_ + ": extracted text exceeds " + human_size(limits_.max_text_bytes) +
                                    " (max_text_bytes) at " + std::string(part) + " " + locator);
  }
  budget_.text += cost;
  Segment segment;
  segment.path = path_;
  segment.part = part;
  segment.locator = std::move(locator);
  segment.text = std::move(text);
  segment.hidden = hidden;
  segments_.push_back(std::move(segment));
  return ok();
}

void ZipArchive::Closer::operator()(zip* archive) const { zip_discard(archive); }

ZipArchive::ZipArchive(std::string path, const ExtractLimits& limits, zip* archive)
    : path_(std::move(path)), limits_(limits), zip_(archive) {}

Result<ZipArchive> ZipArchive::open(std::string_view path, std::string_view bytes, const ExtractLimits& limits) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  if (source == nullptr) {
    std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    return fail("review.corrupt", std::string(path) + ": cannot read as a zip archive (" + why + ")");
  }
  zip_t* opened = zip_open_from_source(source, ZIP_RDONLY, &error);
  if (opened == nullptr) {
    zip_source_free(source);
    std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    return fail("review.corrupt", std::string(path) + ": not a readable zip archive (" + why + ")");
  }
  zip_error_fini(&error);
  ZipArchive archive(std::string(path), limits, opened);

  const zip_int64_t count = zip_get_num_entries(opened, 0);
  if (count < 0 || static_cast<std::uint64_t>(count) > limits.max_entries) {
    return fail("review.limit", archive.path_ + ": " + std::to_string(count) + " entries, limit " +
                                    std::to_string(limits.max_entries) + " (max_entries)");
  }
  archive.entries_.reserve(static_cast<std::size_t>(count));
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(opened, i, ZIP_FL_ENC_RAW, &stat) != 0 ||
        (stat.valid & (ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE)) != (ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE)) {
      return fail("review.corrupt", archive.path_ + ": entry " + std::to_string(i) + " has no readable header (" +
                                        zip_strerror(opened) + ")");
    }
    ZipEntry entry;
    entry.index = i;
    entry.name = member_name(opened, i);
    entry.size = stat.size;
    entry.compressed_size = stat.comp_size;
    entry.directory = !entry.name.empty() && entry.name.back() == '/';
    entry.encrypted = (stat.valid & ZIP_STAT_ENCRYPTION_METHOD) != 0 && stat.encryption_method != ZIP_EM_NONE;
    archive.entries_.push_back(std::move(entry));
  }
  for (std::size_t i = 0; i < archive.entries_.size(); ++i) archive.by_name_.emplace(archive.entries_[i].name, i);
  return archive;
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
  const auto found = by_name_.find(name);
  return found == by_name_.end() ? nullptr : &entries_[found->second];
}

std::string ZipArchive::member_label(const ZipEntry& entry) const {
  return "member " + entry.name + " of " + path_;
}

Status ZipArchive::check_before_inflating(const ZipEntry& entry, const ExtractBudget& budget) const {
  const std::string label = member_label(entry);
  if (entry.encrypted) return fail("review.encrypted", label + " is encrypted");
  if (entry.size > limits_.max_entry_bytes) {
    return fail("review.limit", label + ": " + human_size(entry.size) + " declared, limit " +
                                    human_size(limits_.max_entry_bytes) + " (max_entry_bytes)");
  }
  if (entry.size > 0) {
    const double ratio = entry.compressed_size == 0 ? static_cast<double>(entry.size)
                                                    : static_cast<double>(entry.size) / entry.compressed_size;
    if (ratio > limits_.max_ratio) {
      std::array<char, 32> ratio_text{};
      std::snprintf(ratio_text.data(), ratio_text.size(), "%.0f", ratio);
      return fail("review.limit", label + ": compression ratio " + ratio_text.data() + " (" + human_size(entry.size) +
                                      " from " + human_size(entry.compressed_size) + "), limit " +
                                      std::to_string(static_cast<long long>(limits_.max_ratio)) + " (max_ratio)");
    }
  }
  if (budget.decompressed + entry.size > limits_.max_total_bytes) {
    return fail("review.limit", label + ": " + human_size(entry.size) + " more would make " +
                                    human_size(budget.decompressed + entry.size) +
                                    " decompressed for this input, limit " + human_size(limits_.max_total_bytes) +
                                    " (max_total_bytes)");
  }
  return ok();
}

Result<std::string> ZipArchive::read(const ZipEntry& entry, ExtractBudget& budget) const {
  SW_CHECK(check_before_inflating(entry, budget));
  const std::string label = member_label(entry);
  zip_file_t* file = zip_fopen_index(zip_.get(), entry.index, 0);
  if (file == nullptr) return member_failure(label, zip_get_error(zip_.get()));
  // Never trust the header: read at most one byte past the declared size.
  std::string data(entry.size + 1, '\0');
  std::uint64_t total = 0;
  while (total <= entry.size) {
    const zip_int64_t got = zip_fread(file, data.data() + total, entry.size + 1 - total);
    if (got < 0) {
      auto failure = member_failure(label, zip_file_get_error(file));
      zip_fclose(file);
      return failure;
    }
    if (got == 0) break;
    total += static_cast<std::uint64_t>(got);
    budget.decompressed += static_cast<std::size_t>(got);
  }
  zip_fclose(file);
  if (total != entry.size) {
    return fail("review.corrupt", label + ": " + human_size(entry.size) + " declared but " +
                                      (total > entry.size ? "inflates past that" : "only " + human_size(total) + " inflated"));
  }
  data.resize(total);
  return data;
}

Result<std::string> ZipArchive::read(std::string_view name, ExtractBudget& budget) const {
  const ZipEntry* entry = find(name);
  if (entry == nullptr) return fail("review.corrupt", path_ + ": no member " + std::string(name));
  return read(*entry, budget);
}

Result<ExtractedFile> extract_zip(std::string_view path, std::string_view bytes, int depth, const ExtractLimits& limits,
                                  ExtractBudget& budget, const MemberExtractor& member) {
  if (depth > limits.max_depth) {
    return fail("review.limit", std::string(path) + ": archive nested " + std::to_string(depth) + " deep, limit " +
                                    std::to_string(limits.max_depth) + " (max_depth)");
  }
  SW_TRY(archive, ZipArchive::open(path, bytes, limits));
  ExtractedFile extracted;
  extracted.path = path;
  extracted.type = "zip";
  for (const ZipEntry& entry : archive.entries()) {
    if (entry.directory) continue;
    std::string member_path = std::string(path) + std::string(kMemberSeparator) + entry.name;
    auto content = archive.read(entry, budget);
    if (!content) {
      extracted.problems.push_back({std::move(member_path), content.error()});
      continue;
    }
    auto inner = member(member_path, *content, depth + 1);
    if (!inner) {
      extracted.problems.push_back({std::move(member_path), inner.error()});
      continue;
    }
    std::move(inner->segments.begin(), inner->segments.end(), std::back_inserter(extracted.segments));
    std::move(inner->problems.begin(), inner->problems.end(), std::back_inserter(extracted.problems));
  }
  return extracted;
}

}  // namespace sw::review
