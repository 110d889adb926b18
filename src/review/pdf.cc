// PDF extraction with poppler-cpp (N3.2: attachments are scanned, their metadata too; N4.6: a locked or
// broken PDF is reported, never a crash). Each page's text is one segment (part "pdf:page", locator
// "page N"); the info dictionary's Title, Author, Subject, Keywords, Creator and Producer are hidden
// segments (part "pdf:info", locator the key). docs/modules/review.md "Archives, OOXML and PDF".
#include <poppler-document.h>
#include <poppler-global.h>
#include <poppler-page.h>

#include <array>
#include <climits>
#include <exception>
#include <memory>
#include <mutex>

#include "review/extract.h"
#include "review/zip_reader.h"

namespace sw::review {
namespace {

constexpr std::array<const char*, 6> kInfoKeys = {"Title", "Author", "Subject", "Keywords", "Creator", "Producer"};

// poppler writes syntax errors of hostile files to stderr; they say nothing a reviewer can act on.
void ignore_poppler_message(const std::string&, void*) {}

void silence_poppler() {
  static std::once_flag silenced;
  std::call_once(silenced, [] { poppler::set_debug_error_function(ignore_poppler_message, nullptr); });
}

std::string utf8_of(const poppler::ustring& text) {
  const poppler::byte_array bytes = text.to_utf8();
  return std::string(bytes.begin(), bytes.end());
}

Result<std::vector<Segment>> read_pdf(const std::string& path, std::string_view bytes, const ExtractLimits& limits,
                                      ExtractBudget& budget) {
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    return fail("review.limit", path + ": " + human_size(bytes.size()) + ", more than the PDF reader takes");
  }
  // The document refers to `bytes` without copying them; it is gone before they are.
  std::unique_ptr<poppler::document> document(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!document) return fail("review.corrupt", path + ": not a readable PDF");
  if (document->is_locked()) return fail("review.encrypted", path + ": the PDF is password-protected");
  const int pages = document->pages();
  if (pages < 0 || static_cast<std::size_t>(pages) > limits.max_pages) {
    return fail("review.limit", path + ": " + std::to_string(pages) + " pages, limit " +
                                    std::to_string(limits.max_pages) + " (max_pages)");
  }
  SegmentSink sink(path, limits, budget);
  for (int index = 0; index < pages; ++index) {
    std::unique_ptr<poppler::page> page(document->create_page(index));
    if (!page) return fail("review.corrupt", path + ": page " + std::to_string(index + 1) + " cannot be read");
    SW_CHECK(sink.add("pdf:page", "page " + std::to_string(index + 1), utf8_of(page->text()), false));
  }
  for (const char* key : kInfoKeys) {
    SW_CHECK(sink.add("pdf:info", key, utf8_of(document->info_key(key)), true));
  }
  return sink.take();
}

}  // namespace

Result<std::vector<Segment>> extract_pdf(std::string_view path, std::string_view bytes, const ExtractLimits& limits,
                                         ExtractBudget& budget) {
  silence_poppler();
  const std::string name(path);
  try {
    return read_pdf(name, bytes, limits, budget);
  } catch (const std::exception& error) {   // poppler-cpp itself does not throw; allocation can
    return fail("review.corrupt", name + ": the PDF reader failed (" + error.what() + ")");
  }
}

}  // namespace sw::review
