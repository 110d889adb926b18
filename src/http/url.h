// Percent-decoding of paths, query strings and application/x-www-form-urlencoded bodies.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace sw::http {

// Decodes %XX escapes in `text`; with `plus_as_space` a '+' decodes to ' ' (form encoding).
// Errors ("http.bad_escape") on a '%' not followed by two hex digits and on an encoded NUL.
Result<std::string> percent_decode(std::string_view text, bool plus_as_space = false);

// One decoded name=value pair of a query string or form body.
using FormField = std::pair<std::string, std::string>;

// Parses "a=1&b=x+y&c" into {"a","1"}, {"b","x y"}, {"c",""} in order; empty pieces are skipped.
// Errors ("http.bad_escape") name the piece with a bad escape.
Result<std::vector<FormField>> parse_form(std::string_view text);

// The value of the first field named `name`, or nullptr.
const std::string* find_form_value(const std::vector<FormField>& fields, std::string_view name);

}  // namespace sw::http
