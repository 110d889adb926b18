// What ContentService's lifecycle calls take and return (issue 4; migration 0008_content_lifecycle.sql;
// docs/modules/content.md "Withdrawal, correction, scheduling, reporting upward, blogs"): withdrawal
// requests (撤稿), schedules (定时发布/下线), submissions upward (信息报送) and their ranking with its
// CSV export, and staff blogs (N4.4). The calls themselves are declared in articles.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/result.h"

namespace sw::content {

// A request to take a published article off its site, and its decision once made.
struct WithdrawalRequest {
  std::int64_t id = 0;
  std::int64_t article_id = 0;
  std::int64_t site_id = 0;
  std::int64_t version_n = 0;  // the published version it withdraws
  std::string reason;
  bool secrecy_related = false;  // a secrecy reviewer may decide it too
  std::string requested_by;
  std::int64_t requested_by_user_id = 0;
  TimePoint requested_at;
  std::string decision;  // "" pending | "approved" | "rejected"
  std::string decided_by;
  std::string decision_reason;
};

enum class ScheduleKind { publish, withdraw };
std::string_view to_string(ScheduleKind k);                  // "publish" | "withdraw"
Result<ScheduleKind> parse_schedule_kind(std::string_view);  // "content.invalid_field"

struct Schedule {
  std::int64_t id = 0;
  std::int64_t article_id = 0;
  std::int64_t site_id = 0;
  ScheduleKind kind = ScheduleKind::publish;
  TimePoint due_at;
  std::int64_t version_n = 0;
  std::string reason;
  std::string set_by;
  std::int64_t set_by_user_id = 0;
  TimePoint set_at;
  std::string status;   // "pending" | "done" | "void" | "cancelled"
  std::string outcome;  // why void or cancelled
};

// What one run_due did: the schedules carried out and those found void (the article no longer in a
// state, or at the version, the schedule was made for).
struct DueRun {
  std::vector<std::int64_t> done;
  std::vector<std::int64_t> voided;
};

struct UpwardSubmission {
  std::int64_t id = 0;
  std::int64_t source_article_id = 0;
  std::int64_t source_version = 0;
  std::int64_t source_site_id = 0;
  std::int64_t source_org_id = 0;
  std::int64_t target_article_id = 0;
  std::int64_t target_site_id = 0;
  std::int64_t target_org_id = 0;
  std::string submitted_by;
  TimePoint submitted_at;
};

// One unit's line in the ranking of submissions upward (信息报送排名) for a period.
struct UpwardRow {
  std::int64_t rank = 0;  // 1-based; units with equal adoptions and submissions share a rank
  std::int64_t org_id = 0;
  std::string org_name;
  std::int64_t submitted = 0;
  std::int64_t adopted = 0;  // of those, published on the target site
  double rate = 0;           // adopted / submitted, 0 when nothing was submitted
};

// The column titles of the CSV export, in the order of the columns.
struct UpwardCsvHeader {
  std::string rank = "排名", unit = "单位", submitted = "报送数", adopted = "采用数", rate = "采用率";
};
// The ranking as CSV for a spreadsheet: UTF-8 with a byte order mark, CRLF line ends, RFC 4180
// quoting, and a cell that a spreadsheet would read as a formula (starting with = + - @ tab or CR)
// prefixed with a single quote. The rate is a percentage with one decimal ("66.7%").
std::string upward_stats_csv(const std::vector<UpwardRow>& rows, const UpwardCsvHeader& header = {});

// N4.4: a staff blog, a column of the site that only its owner writes in.
struct Blog {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  std::int64_t column_id = 0;
  std::int64_t owner_user_id = 0;
  std::string owner_real_name;
  std::string created_by;
  TimePoint created_at;
};

}  // namespace sw::content
