// Tables for download (registry.export): CSV and XLSX writers for the parent's dashboard and the
// filings of a subtree (N2.2). Pure functions; the Registry audits each export.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sw::registry {

struct Cell {
  std::string text;
  bool number = false;  // written as a number in XLSX (the text is its decimal form)
};

struct Table {
  std::string title;  // the sheet name in XLSX (at most 31 characters are used)
  std::vector<std::string> headings;
  std::vector<std::vector<Cell>> rows;
};

// A cell that a spreadsheet would take as a formula (starts with = + - @, tab or CR) gets a leading
// apostrophe, so exported text never runs (CSV/formula injection). Numbers are left alone.
std::string neutralise_formula(std::string_view text);

// RFC 4180: CRLF line ends, every field quoted when it holds a comma, quote, CR or LF (quotes
// doubled); UTF-8 with a byte-order mark so Excel shows Chinese correctly; text cells neutralised.
std::string write_csv(const Table& table);

// One worksheet (libxlsxwriter) with bold headings; text cells neutralised as in CSV. Error
// "registry.export_failed" when the workbook cannot be written.
Result<std::string> write_xlsx(const Table& table);

}  // namespace sw::registry
