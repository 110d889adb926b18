// CSV and XLSX writers (export.h).
#include "registry/export.h"

#include "base/csv.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace sw::registry {
namespace {

constexpr std::size_t kMaxSheetName = 31;

std::string cell_text(const Cell& c) { return c.number ? c.text : neutralise_formula(c.text); }

// Sheet names: no []:*?/\ and at most 31 characters (UTF-8 aware: cut at a character boundary).
std::string sheet_name(std::string_view title) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < title.size() && chars < kMaxSheetName;) {
    const auto c = static_cast<unsigned char>(title[i]);
    const std::size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (n == 1 && std::string_view("[]:*?/\\").find(title[i]) != std::string_view::npos) {
      out += '_';
    } else {
      out.append(title.substr(i, n));
    }
    i += n;
    ++chars;
  }
  return out.empty() ? "Sheet1" : out;
}

}  // namespace

std::string neutralise_formula(std::string_view text) { return csv::neutralise_formula(text); }

std::string write_csv(const Table& table) {
  std::string out(csv::kUtf8Bom);
  for (std::size_t i = 0; i < table.headings.size(); ++i) {
    if (i) out += ',';
    csv::append_field(out, neutralise_formula(table.headings[i]));
  }
  out += "\r\n";
  for (const auto& row : table.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i) out += ',';
      csv::append_field(out, cell_text(row[i]));
    }
    out += "\r\n";
  }
  return out;
}

Result<std::string> write_xlsx(const Table& table) {
  // libxlsxwriter 1.1.4 writes only to a file: a private temporary file, read back and removed.
  std::string path = (std::filesystem::temp_directory_path() / "sitewarden-export-XXXXXX").string();
  const int fd = ::mkstemp(path.data());
  if (fd < 0) return fail("registry.export_failed", "export: cannot create a temporary file");
  ::close(fd);
  struct Remove {
    std::string path;
    ~Remove() { std::filesystem::remove(path); }
  } remove{path};

  lxw_workbook* book = workbook_new(path.c_str());
  if (!book) return fail("registry.export_failed", "export: cannot start the workbook");
  lxw_worksheet* sheet = workbook_add_worksheet(book, sheet_name(table.title).c_str());
  lxw_format* bold = workbook_add_format(book);
  format_set_bold(bold);
  for (std::size_t c = 0; c < table.headings.size(); ++c) {
    worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), neutralise_formula(table.headings[c]).c_str(), bold);
    worksheet_set_column(sheet, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), 16, nullptr);
  }
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto row = static_cast<lxw_row_t>(r + 1);
    for (std::size_t c = 0; c < table.rows[r].size(); ++c) {
      const Cell& cell = table.rows[r][c];
      const auto col = static_cast<lxw_col_t>(c);
      if (cell.number) {
        worksheet_write_number(sheet, row, col, std::strtod(cell.text.c_str(), nullptr), nullptr);
      } else {
        // write_string never makes a formula; the apostrophe keeps the text the same as in CSV.
        worksheet_write_string(sheet, row, col, cell_text(cell).c_str(), nullptr);
      }
    }
  }
  if (workbook_close(book) != LXW_NO_ERROR) return fail("registry.export_failed", "export: cannot write the workbook");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("registry.export_failed", "export: cannot read the workbook back");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace sw::registry
