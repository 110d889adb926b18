// The bench programs' way out: a step that fails ends the program with the step and the error, so a
// benchmark never times a run that went wrong. Messages start with the program's name.
#pragma once

#include <cerrno>  // program_invocation_short_name (glibc)
#include <cstdlib>
#include <iostream>
#include <string>
#include <type_traits>
#include <utility>

#include "base/result.h"

namespace sw::bench {

[[noreturn]] inline void die(const std::string& what, const Error& e) {
  std::cerr << program_invocation_short_name << ": " << what << ": " << e.to_string() << "\n";
  std::exit(1);
}

template <typename T>
T must(Result<T> r, const std::string& what) {
  if (!r) die(what, r.error());
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

inline void must_ok(Status s, const std::string& what) {
  if (!s) die(what, s.error());
}

}  // namespace sw::bench
