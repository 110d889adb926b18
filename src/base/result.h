// Result<T>: the value every fallible function returns (DESIGN.md "Errors").
//
// An Error names what failed (a stable, dotted `code` such as "config.unknown_key") and why
// (a `message` a person can act on: it names the file, key, value or limit involved).
// Exceptions never cross a module's public interface; adapters of throwing libraries catch them
// and return an Error.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace sw {

struct Error {
  std::string code;     // stable, machine-readable: "<module>.<what>", e.g. "store.constraint"
  std::string message;  // human-readable: what failed and why

  std::string to_string() const { return code + ": " + message; }
};

template <class T>
using Result = std::expected<T, Error>;

// Status is a Result without a value: success or an Error.
using Status = Result<void>;

// fail("config.bad_type", "...") builds the unexpected side of any Result<T>.
inline std::unexpected<Error> fail(std::string code, std::string message) {
  return std::unexpected<Error>(Error{std::move(code), std::move(message)});
}

// ok() is the successful Status.
inline Status ok() { return {}; }

}  // namespace sw

// SW_TRY(var, expr): evaluates a Result expression, returns its error from the enclosing
// function if it failed, otherwise moves the value into a new variable `var`.
#define SW_TRY(var, expr)                                            \
  auto var##_result_ = (expr);                                       \
  if (!var##_result_) return std::unexpected(var##_result_.error()); \
  auto var = std::move(*var##_result_)

// SW_CHECK(expr): evaluates a Status expression and returns its error if it failed.
#define SW_CHECK(expr)                                              \
  do {                                                              \
    auto sw_check_result_ = (expr);                                 \
    if (!sw_check_result_) return std::unexpected(sw_check_result_.error()); \
  } while (0)
