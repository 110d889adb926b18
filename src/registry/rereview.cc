// Periodic qualification re-review (资格复核, N2.3). The contract is in registry.h; table
// site_rereviews (0007_registry_details.sql).
//
// Rules (docs/modules/registry.md): a live site is due `rereview_interval_days` (config
// [registry], default 365) after its last re-review, else after it went live. A failed re-review is
// recorded with the parent's choice: suspend (the site goes live → suspended with the summary as
// reason) or not (the site stays live and the next re-review is due at once, so it stays on the
// overdue list until one passes).
#include "registry/service_core.h"

namespace sw::registry::detail {

Result<ReReview> ServiceCore::rereview_locked(const Actor& actor, std::int64_t site_id, std::int64_t reviewer,
                                              bool passed, const std::string& summary, bool suspend) {
  SW_TRY(site, site_by_id(site_id));
  if (site.state != SiteState::live) {
    return fail("registry.bad_state", "only a live site is re-reviewed; " + site_object(site_id) + " is " +
                                          std::string(to_string(site.state)));
  }
  SW_CHECK(validate_text_field("summary", summary, kMaxSummary));
  if (passed && suspend) {
    return fail("registry.invalid_suspend", "suspend: only a failed re-review can suspend the site");
  }
  const TimePoint now = clock_.now();
  SW_TRY(tx, db_.begin());
  SW_CHECK(db_.exec("INSERT INTO site_rereviews (site_id, result, summary, reviewer_org_id, suspended, recorded_by, "
                    "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    {site_id, std::string(passed ? "passed" : "failed"), summary, reviewer,
                     std::int64_t{suspend ? 1 : 0}, actor.principal.name, format_rfc3339(now)}));
  const std::int64_t id = db_.last_insert_id();
  if (suspend) SW_CHECK(set_state(site, SiteState::suspended, actor.principal.name, now, summary));
  SW_CHECK(tx.commit());
  return ReReview{id, site_id, passed, summary, reviewer, suspend, actor.principal.name, now};
}

Result<std::vector<ReReview>> ServiceCore::rereviews_locked(std::int64_t site_id) {
  SW_TRY(site, site_by_id(site_id));
  SW_TRY(rows, db_.query("SELECT id, site_id, result, summary, reviewer_org_id, suspended, recorded_by, recorded_at "
                         "FROM site_rereviews WHERE site_id = ? ORDER BY id",
                         {site.id}));
  std::vector<ReReview> out;
  for (const store::Row& r : rows) {
    out.push_back(ReReview{r.integer(0), r.integer(1), r.text(2) == "passed", r.text(3), r.integer(4),
                           r.integer(5) != 0, r.text(6), time_at(r, 7)});
  }
  return out;
}

Result<std::optional<ReReviewDue>> ServiceCore::rereview_due_locked(const Site& site) {
  if (site.state != SiteState::live) return std::optional<ReReviewDue>{};
  SW_TRY(last, db_.query_one("SELECT result, recorded_at FROM site_rereviews WHERE site_id = ? ORDER BY id DESC "
                             "LIMIT 1",
                             {site.id}));
  std::string due;
  if (last && last->text(0) == "failed") {
    due = beijing_date(time_at(*last, 1));  // a failure not followed by a pass: due at once
  } else {
    std::optional<TimePoint> from;
    if (last) from = time_at(*last, 1);
    if (!from) {
      SW_TRY(live, db_.query_one("SELECT at FROM site_state_history WHERE site_id = ? AND to_state = 'live' "
                                 "ORDER BY id LIMIT 1",
                                 {site.id}));
      from = live ? time_at(*live, 0) : site.created_at.value_or(clock_.now());
    }
    due = add_days(beijing_date(*from), options_.rereview_interval_days);
  }
  return std::optional<ReReviewDue>{ReReviewDue{site.id, site.fields.name, due, days_between(today(), due)}};
}

}  // namespace sw::registry::detail
