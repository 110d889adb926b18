// CSV for spreadsheets people open (exports of the register, the ranking of reporting upward):
// RFC 4180 quoting, a UTF-8 byte-order mark so Excel reads Chinese correctly, and neutralised
// formulas (CSV injection). One place for every module that writes CSV.
#pragma once

#include <string>
#include <string_view>

namespace sw::csv {

// Written first: Excel then reads the file as UTF-8.
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// A cell that a spreadsheet would take as a formula (starts with = + - @, tab or CR) gets a leading
// apostrophe, so exported text never runs.
std::string neutralise_formula(std::string_view text);

// Appends one field: as is, or quoted (quotes doubled) when it holds a comma, quote, CR or LF.
void append_field(std::string& out, std::string_view field);

}  // namespace sw::csv
