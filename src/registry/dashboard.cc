// The parent union's dashboard of a subtree and its exports (N2.2, N2.3, N2.6, N7.5, N8.1, N8.2).
// The contract is in registry.h; the writers in export.h.
#include <algorithm>

#include "registry/export.h"
#include "registry/service_core.h"

namespace sw::registry::detail {
namespace {

constexpr int kDueSoonDays = 30;

std::string join_duties(const std::vector<Duty>& duties, const ExportLabel& label) {
  std::string out;
  for (Duty d : duties) out += (out.empty() ? "" : "、") + label("duty_" + std::string(to_string(d)));
  return out;
}

Cell number(std::int64_t n) { return Cell{std::to_string(n), true}; }

std::string export_name(std::string_view what, std::int64_t org_id, const std::string& date, ExportFormat format) {
  return std::string(what) + "-org" + std::to_string(org_id) + "-" + date +
         (format == ExportFormat::csv ? ".csv" : ".xlsx");
}

Result<ExportFile> write(const Table& table, ExportFormat format, std::string filename) {
  if (format == ExportFormat::csv) return ExportFile{std::move(filename), "text/csv; charset=utf-8", write_csv(table)};
  SW_TRY(bytes, write_xlsx(table));
  return ExportFile{std::move(filename), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    std::move(bytes)};
}

}  // namespace

Result<Dashboard> ServiceCore::dashboard_locked(std::int64_t org_id) {
  SW_TRY(org_ids, subtree(org_id));
  Dashboard d;
  d.org_id = org_id;
  std::map<SiteState, int> counts;
  for (std::int64_t oid : org_ids) {
    SW_TRY(org, org_by_id(oid));
    SW_TRY(site_rows, db_.query("SELECT id FROM sites WHERE org_id = ? ORDER BY id", {oid}));
    for (const store::Row& sr : site_rows) {
      SW_TRY(site, site_by_id(sr.integer(0)));
      ++counts[site.state];
      DashboardRow row;
      row.org_name = org.name;
      SW_TRY(filing, db_.query_one("SELECT number FROM icp_filings WHERE site_id = ? AND superseded_at IS NULL",
                                   {site.id}));
      if (filing) row.icp_number = filing->text(0);
      SW_TRY(missing, missing_people_locked(site.id));
      row.missing_people = std::move(missing);
      SW_TRY(unlinked, unlinked_reviewers_locked(site.id));
      row.unlinked_reviewers = std::move(unlinked);
      SW_TRY(current, people_locked(site.id, false));
      for (const auto& p : current) {
        SW_TRY(last, last_training_on(p.id));
        if (training_overdue(last)) ++row.training_overdue;
      }
      SW_TRY(grading, grading_history_locked(site.id));
      if (!grading.empty()) {
        row.grading_level = grading.back().fields.level;
        row.grading_overdue = grading.back().overdue;
      }
      SW_TRY(open, db_.query_one("SELECT COUNT(*) FROM rectification_items WHERE site_id = ? AND closed_at IS NULL",
                                 {site.id}));
      row.open_rectifications = static_cast<int>(open->integer(0));
      SW_TRY(due, rereview_due_locked(site));
      if (due) {
        row.rereview_due = due->due_on;
        row.rereview_overdue = due->days_left < 0;
        row.rereview_due_soon = !row.rereview_overdue && due->days_left <= kDueSoonDays;
      }
      SW_TRY(unreviewed, db_.query_one("SELECT COUNT(*) FROM site_providers p WHERE p.site_id = ? AND p.ended_at IS "
                                       "NULL AND NOT EXISTS (SELECT 1 FROM provider_reviews r WHERE r.provider_id = "
                                       "p.id AND r.result = 'passed')",
                                       {site.id}));
      row.providers_unreviewed = static_cast<int>(unreviewed->integer(0));
      row.site = std::move(site);
      d.rows.push_back(std::move(row));
    }
  }
  std::ranges::sort(d.rows, {}, [](const DashboardRow& r) { return r.site.id; });
  for (SiteState s : {SiteState::application, SiteState::approved, SiteState::live, SiteState::suspended,
                      SiteState::closed}) {
    d.by_state.emplace_back(s, counts[s]);
  }
  for (const auto& r : d.rows) {
    if (r.site.state == SiteState::closed) continue;
    ++d.sites;
    d.missing_filing += r.icp_number.empty();
    d.missing_people += !r.missing_people.empty();
    d.unlinked_reviewers += !r.unlinked_reviewers.empty();
    d.training_overdue += r.training_overdue > 0;
    d.grading_missing += r.grading_level == 0;
    d.grading_overdue += r.grading_overdue;
    d.open_rectifications += r.open_rectifications > 0;
    d.rereview_overdue += r.rereview_overdue;
    d.rereview_due_soon += r.rereview_due_soon;
    d.providers_unreviewed += r.providers_unreviewed > 0;
  }
  return d;
}

Result<ExportFile> ServiceCore::export_dashboard_locked(std::int64_t org_id, ExportFormat format,
                                                        const ExportLabel& label, Audit& event) {
  SW_TRY(d, dashboard_locked(org_id));
  Table t;
  t.title = label("dashboard_title");
  for (std::string_view key : {"col_site", "col_org", "col_state", "col_icp", "col_missing_people",
                               "col_unlinked_reviewers", "col_training_overdue", "col_grading_level", "col_grading_overdue",
                               "col_rectifications_open", "col_rereview_due", "col_rereview_overdue",
                               "col_providers_unreviewed"}) {
    t.headings.push_back(label(key));
  }
  const std::string yes = label("reg_yes"), no = label("reg_no");
  for (const auto& r : d.rows) {
    t.rows.push_back({Cell{r.site.fields.name}, Cell{r.org_name},
                      Cell{label("site_state_" + std::string(to_string(r.site.state)))},
                      Cell{r.icp_number.empty() ? label("icp_missing") : r.icp_number},
                      Cell{join_duties(r.missing_people, label)}, Cell{join_duties(r.unlinked_reviewers, label)},
                      number(r.training_overdue),
                      r.grading_level ? number(r.grading_level) : Cell{label("reg_none")},
                      Cell{r.grading_overdue ? yes : no}, number(r.open_rectifications), Cell{r.rereview_due},
                      Cell{r.rereview_overdue ? yes : no}, number(r.providers_unreviewed)});
  }
  event.details["rows"] = t.rows.size();
  return write(t, format, export_name("dashboard", org_id, today(), format));
}

Result<ExportFile> ServiceCore::export_filings_locked(std::int64_t org_id, ExportFormat format,
                                                      const ExportLabel& label, Audit& event) {
  SW_TRY(orgs, subtree(org_id));
  Table t;
  t.title = label("filings_title");
  for (std::string_view key : {"col_site", "col_org", "col_state", "col_icp", "col_recorded_at", "col_reported_at"}) {
    t.headings.push_back(label(key));
  }
  for (std::int64_t oid : orgs) {
    SW_TRY(org, org_by_id(oid));
    SW_TRY(site_rows, db_.query("SELECT id FROM sites WHERE org_id = ? AND state <> 'closed' ORDER BY id", {oid}));
    for (const store::Row& sr : site_rows) {
      SW_TRY(site, site_by_id(sr.integer(0)));
      SW_TRY(f, db_.query_one(std::string(kFilingColumns) + " WHERE site_id = ? AND superseded_at IS NULL", {site.id}));
      std::vector<Cell> row{Cell{site.fields.name}, Cell{org.name},
                            Cell{label("site_state_" + std::string(to_string(site.state)))}};
      if (f) {
        const IcpFiling filing = filing_from(*f);
        row.push_back(Cell{filing.number});
        row.push_back(Cell{beijing_date(filing.recorded_at)});
        row.push_back(Cell{filing.reported_to_parent_at ? beijing_date(*filing.reported_to_parent_at)
                                                        : label("icp_not_reported")});
      } else {
        row.insert(row.end(), {Cell{label("icp_missing")}, Cell{}, Cell{}});
      }
      t.rows.push_back(std::move(row));
    }
  }
  event.details["rows"] = t.rows.size();
  return write(t, format, export_name("filings", org_id, today(), format));
}

}  // namespace sw::registry::detail
