// SW_FUZZ_CHECK(cond): an invariant a fuzz target asserts; a violation aborts, which libFuzzer reports
// with the input that caused it.
#pragma once

#include <cstdio>
#include <cstdlib>

#define SW_FUZZ_CHECK(cond)                                                        \
  do {                                                                             \
    if (!(cond)) {                                                                 \
      std::fprintf(stderr, "invariant broken at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                \
    }                                                                              \
  } while (0)
