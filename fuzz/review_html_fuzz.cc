// Fuzz target: HTML decoding (meta charset, uchardet, iconv) and extraction with gumbo (issue 3).
// Invariant: every segment that claims a place in the decoded text really is the bytes there.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "review/extract.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  sw::review::ExtractLimits limits;
  limits.max_text_bytes = 1u << 20;
  sw::review::ExtractBudget budget;
  std::string encoding;
  auto text = sw::review::decode_html(bytes, &encoding);
  if (!text) return 0;
  SW_FUZZ_CHECK(!encoding.empty());
  auto segments = sw::review::extract_html("fuzz.html", *text, limits, budget);
  if (!segments) return 0;
  for (const auto& s : *segments) {
    if (s.source_offset == static_cast<std::size_t>(-1)) continue;
    SW_FUZZ_CHECK(s.source_offset + s.text.size() <= text->size());
    SW_FUZZ_CHECK(text->compare(s.source_offset, s.text.size(), s.text) == 0);
  }
  return 0;
}
