// Fuzz target: the extraction dispatcher on archive-shaped input — zip with limits, docx, xlsx, pptx
// and nested zips (issue 3). Small limits keep each run fast; the limits themselves are under test:
// no input may make extraction exceed them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "review/extract.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  sw::review::ExtractLimits limits;
  limits.max_entry_bytes = 4u << 20;
  limits.max_total_bytes = 16u << 20;
  limits.max_text_bytes = 4u << 20;
  limits.max_entries = 2000;
  auto out = sw::review::extract("fuzz.docx", bytes, limits);
  if (!out) {
    SW_FUZZ_CHECK(!out.error().code.empty() && !out.error().message.empty());
    return 0;
  }
  std::size_t text = 0;
  for (const auto& s : out->segments) text += s.text.size();
  SW_FUZZ_CHECK(text <= limits.max_text_bytes + limits.max_entry_bytes);
  return 0;
}
