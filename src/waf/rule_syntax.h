// What the WAF's own readers of CRS rule files share (crs_text.cc generates the rule text, the
// prefilter in modsec_prefilter.cc picks the rules it covers): the syntax of one directive's quoted
// arguments. Plain C++20 with no project headers, because modsec_prefilter.cc is built as C++20
// (libmodsecurity's headers are not valid C++23).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sw::waf {

// Reads the double-quoted argument of a directive (its continuation lines already joined) at or
// after s[i]: whitespace before it skipped, backslash escapes kept as written. Puts it in `out` and
// moves i past the closing quote; false when no quoted argument starts there or it is not closed.
bool read_quoted(std::string_view s, std::size_t& i, std::string& out);

}  // namespace sw::waf
