// Names of schedule kinds and the CSV export of the ranking of submissions upward (lifecycle.h).
#include "content/lifecycle.h"

#include "base/csv.h"

#include <cstdio>

namespace sw::content {
namespace {

// RFC 4180 quoting after formula neutralisation (CSV injection), for every cell (base/csv.h).
void put_cell(std::string& out, std::string_view cell) { csv::append_field(out, csv::neutralise_formula(cell)); }

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
  std::string out(csv::kUtf8Bom);  // spreadsheets then read the Chinese names right
  put_line(out, {header.rank, header.unit, header.submitted, header.adopted, header.rate});
  for (const UpwardRow& r : rows) {
    put_line(out, {std::to_string(r.rank), r.org_name, std::to_string(r.submitted), std::to_string(r.adopted),
                   percent(r.rate)});
  }
  return out;
}

}  // namespace sw::content
