// Internal: the text forms of the module's enums come from one (value, name) table each, so
// to_string and parse never disagree.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "base/result.h"

namespace sw::identity {

template <class E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

// Parses a name; the error has `code` and names the `what` and the bad text.
template <class E, std::size_t N>
Result<E> parse_name(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view text,
                     std::string_view code, std::string_view what) {
  for (const auto& [v, name] : table) {
    if (name == text) return v;
  }
  return fail(std::string(code), "unknown " + std::string(what) + " \"" + std::string(text) + "\"");
}

}  // namespace sw::identity
