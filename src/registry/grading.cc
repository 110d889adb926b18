// Graded protection (等级保护, N7.5): each site's level, public-security filing, assessments (测评)
// and rectification items (整改项). The contract is in registry.h; tables graded_protection and
// rectification_items (0007_registry_details.sql).
//
// The rule for the next assessment (documented in docs/modules/registry.md): level 3 and above
// every 12 months, level 2 every 24 months, level 1 none; counted from the last assessment, or from
// the filing date when there has been none.
#include "registry/service_core.h"

namespace sw::registry::detail {
namespace {

constexpr int kMinLevel = 1;
constexpr int kMaxLevel = 5;
constexpr std::size_t kMaxRectification = 2000;

// Months between assessments for a level (0: none required).
int assessment_interval_months(int level) {
  if (level >= 3) return 12;
  if (level == 2) return 24;
  return 0;
}

constexpr std::string_view kGradingColumns =
    "SELECT id, site_id, level, filing_number, filed_on, last_assessed_on, institution, recorded_by, recorded_at "
    "FROM graded_protection";
constexpr std::string_view kRectificationColumns =
    "SELECT id, site_id, text, due_on, closed_on, closed_how, opened_by, opened_at FROM rectification_items";

GradedProtection grading_from(const store::Row& r) {
  GradedProtection g;
  g.id = r.integer(0);
  g.site_id = r.integer(1);
  g.fields.level = static_cast<int>(r.integer(2));
  g.fields.filing_number = r.text(3);
  g.fields.filed_on = r.text(4);
  g.fields.last_assessed_on = r.text(5);
  g.fields.institution = r.text(6);
  g.recorded_by = r.text(7);
  g.recorded_at = time_at(r, 8);
  return g;
}

Rectification rectification_from(const store::Row& r) {
  Rectification x;
  x.id = r.integer(0);
  x.site_id = r.integer(1);
  x.text = r.text(2);
  x.due_on = r.text(3);
  x.closed_on = r.optional_text(4);
  x.closed_how = r.optional_text(5).value_or("");
  x.opened_by = r.text(6);
  x.opened_at = time_at(r, 7);
  return x;
}

Status validate_grading(const GradingFields& f) {
  if (f.level < kMinLevel || f.level > kMaxLevel) return fail("registry.invalid_level", "level: 1 to 5");
  SW_CHECK(validate_grading_filing(f.filing_number));
  SW_CHECK(validate_date("filed_on", f.filed_on));
  // An assessment may precede the filing (its report is part of the filing), so no order is imposed.
  if (!f.last_assessed_on.empty()) SW_CHECK(validate_date("last_assessed_on", f.last_assessed_on));
  if (!f.institution.empty()) SW_CHECK(validate_text_field("institution", f.institution));
  if (f.level >= 2 && !f.last_assessed_on.empty() && f.institution.empty()) {
    return fail("registry.invalid_institution", "institution: name who carried out the assessment");
  }
  return ok();
}

}  // namespace

GradedProtection ServiceCore::with_due(GradedProtection g) const {
  const int months = assessment_interval_months(g.fields.level);
  if (months == 0) return g;
  const std::string& from = g.fields.last_assessed_on.empty() ? g.fields.filed_on : g.fields.last_assessed_on;
  g.next_due = add_months(from, months);
  g.overdue = g.next_due < today();
  return g;
}

Result<GradedProtection> ServiceCore::grading_locked(const Actor& actor, std::int64_t site_id,
                                                    const GradingFields& fields) {
  SW_TRY(site, site_by_id(site_id));
  SW_CHECK(check_not_closed(site));
  SW_CHECK(validate_grading(fields));
  const TimePoint now = clock_.now();
  SW_CHECK(db_.exec("INSERT INTO graded_protection (site_id, level, filing_number, filed_on, last_assessed_on, "
                    "institution, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    {site_id, std::int64_t{fields.level}, fields.filing_number, fields.filed_on,
                     fields.last_assessed_on, fields.institution, actor.principal.name, format_rfc3339(now)}));
  GradedProtection g{db_.last_insert_id(), site_id, fields, "", false, actor.principal.name, now};
  return with_due(std::move(g));
}

Result<std::vector<GradedProtection>> ServiceCore::grading_history_locked(std::int64_t site_id) {
  SW_TRY(site, site_by_id(site_id));
  SW_TRY(rows, db_.query(std::string(kGradingColumns) + " WHERE site_id = ? ORDER BY id", {site.id}));
  std::vector<GradedProtection> out;
  for (const store::Row& r : rows) out.push_back(with_due(grading_from(r)));
  return out;
}

Result<Rectification> ServiceCore::open_rectification_locked(const Actor& actor, std::int64_t site_id,
                                                             const std::string& text, const std::string& due_on) {
  SW_TRY(site, site_by_id(site_id));
  SW_CHECK(check_not_closed(site));
  SW_CHECK(validate_text_field("text", text, kMaxRectification));
  SW_CHECK(validate_date("due_on", due_on));
  const TimePoint now = clock_.now();
  SW_CHECK(db_.exec("INSERT INTO rectification_items (site_id, text, due_on, opened_by, opened_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    {site_id, text, due_on, actor.principal.name, format_rfc3339(now)}));
  return Rectification{db_.last_insert_id(), site_id, text, due_on, std::nullopt, "", actor.principal.name, now};
}

Result<std::int64_t> ServiceCore::rectification_site(std::int64_t item_id) {
  SW_TRY(row, db_.query_one("SELECT site_id FROM rectification_items WHERE id = ?", {item_id}));
  if (!row) return fail("registry.not_found", "no rectification item with id " + std::to_string(item_id));
  return row->integer(0);
}

Status ServiceCore::close_rectification_locked(const Actor& actor, std::int64_t item_id,
                                               const std::string& closed_on, const std::string& how) {
  SW_TRY(row, db_.query_one(std::string(kRectificationColumns) + " WHERE id = ?", {item_id}));
  const Rectification item = rectification_from(*row);
  if (item.closed_on) {
    return fail("registry.bad_state", "rectification item " + std::to_string(item_id) + " is already closed");
  }
  SW_CHECK(validate_date("closed_on", closed_on));
  SW_CHECK(validate_text_field("how", how, kMaxRectification));
  SW_CHECK(db_.exec("UPDATE rectification_items SET closed_on = ?, closed_how = ?, closed_by = ?, closed_at = ? "
                    "WHERE id = ?",
                    {closed_on, how, actor.principal.name, format_rfc3339(clock_.now()), item_id}));
  return ok();
}

Result<std::vector<Rectification>> ServiceCore::rectifications_locked(std::int64_t site_id) {
  SW_TRY(site, site_by_id(site_id));
  SW_TRY(rows, db_.query(std::string(kRectificationColumns) + " WHERE site_id = ? ORDER BY id", {site.id}));
  std::vector<Rectification> out;
  for (const store::Row& r : rows) out.push_back(rectification_from(r));
  return out;
}

}  // namespace sw::registry::detail
