// Fuzz target: the normaliser and its offset map (issue 3, N3.2). Invariants: one origin per output
// byte, origins inside the original and never going backwards, original_range() inside the input, and
// a dense form of whole units whose offsets into the text never go backwards.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "review/normaliser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view original(reinterpret_cast<const char*>(data), size);
  const auto n = sw::review::normalise(original);
  SW_FUZZ_CHECK(n.origin.size() == n.text.size());
  SW_FUZZ_CHECK(n.original_size == original.size());
  for (std::size_t i = 0; i < n.origin.size(); ++i) {
    SW_FUZZ_CHECK(n.origin[i] < original.size());
    SW_FUZZ_CHECK(i == 0 || n.origin[i] >= n.origin[i - 1]);
  }
  // The dense UTF-16LE form the matcher scans: whole units, one text offset per unit plus the end.
  SW_FUZZ_CHECK(n.dense.size() % 2 == 0);
  SW_FUZZ_CHECK(n.dense_at.size() == n.dense.size() / 2 + 1);
  SW_FUZZ_CHECK(n.dense_at.back() == n.text.size());
  for (std::size_t u = 1; u < n.dense_at.size(); ++u) SW_FUZZ_CHECK(n.dense_at[u] >= n.dense_at[u - 1]);
  for (std::size_t from = 0; from < n.text.size(); from += 7) {
    const auto to = std::min(n.text.size(), from + 5);
    const auto [begin, end] = n.original_range(from, to);
    SW_FUZZ_CHECK(begin <= end && end <= original.size());
  }
  return 0;
}
