// Names of schedule kinds and the CSV export of the ranking of submissions upward (lifecycle.h).
#include "content/lifecycle.h"

#include <cstdio>

namespace sw::content {
namespace {

// RFC 4180: a cell with a comma, quote, CR or LF is quoted, quotes doubled. A cell a spreadsheet would
// take for a formula gets a leading single quote first (CSV injection), whatever it is.
void put_cell(std::string& out, std::string_view cell) {
  std::string text;
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                        cell[0] == '\t' || cell[0] == '\r')) {
    text.push_back('\'');
  }
  text.append(cell);
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    out += text;
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void put_line(std::string& out, std::initializer_list<std::string_view> cells) {
  bool first = true;
  for (std::string_view c : cells) {
    if (!first) out.push_back(',');
    first = false;
    put_cell(out, c);
  }
  out += "\r\n";
}

std::string percent(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", rate * 100.0);
  return buf;
}

}  // namespace

std::string_view to_string(ScheduleKind k) { return k == ScheduleKind::publish ? "publish" : "withdraw"; }

Result<ScheduleKind> parse_schedule_kind(std::string_view text) {
  if (text == "publish") return ScheduleKind::publish;
  if (text == "withdraw") return ScheduleKind::withdraw;
  return fail("content.invalid_field", "kind: \"" + std::string(text) + "\" is neither publish nor withdraw");
}

std::string upward_stats_csv(const std::vector<UpwardRow>& rows, const UpwardCsvHeader& header) {
  std::string out = "\xEF\xBB\xBF";  // UTF-8 BOM: spreadsheets then read the Chinese names right
  put_line(out, {header.rank, header.unit, header.submitted, header.adopted, header.rate});
  for (const UpwardRow& r : rows) {
    put_line(out, {std::to_string(r.rank), r.org_name, std::to_string(r.submitted), std::to_string(r.adopted),
                   percent(r.rate)});
  }
  return out;
}

}  // namespace sw::content
