// Site edits, suspension, resumption and closing (issue 4; N2.1, N2.3). The contract is in
// registry.h; history in site_field_changes and site_state_history (0007_registry_details.sql).
#include <utility>

#include "registry/service_core.h"

namespace sw::registry::detail {
namespace {

// The register fields an edit may change, as (name, value) pairs.
std::vector<std::pair<std::string_view, std::string>> editable(const SiteFields& f) {
  return {{"name", f.name},
          {"sponsor", f.sponsor},
          {"address", f.address},
          {"postcode", f.postcode},
          {"phone", f.phone},
          {"hotline_12351", f.hotline_12351},
          {"hosting", std::string(to_string(f.hosting))},
          {"external_host", normalize_domain(f.external_host)},
          {"mail_domain", normalize_domain(f.mail_domain)}};
}

// Which transitions each decision allows (N2.3): suspend a live site, resume a suspended one, close
// anything not closed.
bool allowed(SiteState from, SiteState to) {
  switch (to) {
    case SiteState::suspended:
      return from == SiteState::live;
    case SiteState::live:
      return from == SiteState::suspended;
    case SiteState::closed:
      return from != SiteState::closed;
    default:
      return false;
  }
}

}  // namespace

Status ServiceCore::edit_site_locked(Audit& event, const Actor& actor, std::int64_t site_id,
                                     const SiteFields& fields) {
  SW_TRY(site, site_by_id(site_id));
  SW_CHECK(check_not_closed(site));
  SW_CHECK(validate_fields(fields));
  const auto before = editable(site.fields);
  const auto after = editable(fields);
  const TimePoint now = clock_.now();
  json changed = json::array();
  SW_TRY(tx, db_.begin());
  for (std::size_t i = 0; i < after.size(); ++i) {
    if (before[i].second == after[i].second) continue;
    // The column name comes from the fixed list above, never from input.
    SW_CHECK(db_.exec("UPDATE sites SET " + std::string(after[i].first) + " = ? WHERE id = ?",
                      {after[i].second, site_id}));
    SW_CHECK(db_.exec("INSERT INTO site_field_changes (site_id, field, old_value, new_value, actor, at) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                      {site_id, std::string(after[i].first), before[i].second, after[i].second,
                       actor.principal.name, format_rfc3339(now)}));
    changed.push_back(after[i].first);
  }
  SW_CHECK(tx.commit());
  event.details = {{"fields", changed}};
  return ok();
}

Status ServiceCore::change_state_locked(const Actor& actor, std::int64_t site_id, SiteState to,
                                        const std::string& reason) {
  SW_TRY(site, site_by_id(site_id));
  if (!allowed(site.state, to)) {
    return fail("registry.bad_state", site_object(site_id) + " is " + std::string(to_string(site.state)) +
                                          " and cannot become " + std::string(to_string(to)));
  }
  if (to != SiteState::live || !reason.empty()) SW_CHECK(validate_text_field("reason", reason, kMaxSummary));
  const TimePoint now = clock_.now();
  SW_TRY(tx, db_.begin());
  SW_CHECK(set_state(site, to, actor.principal.name, now, reason));
  return tx.commit();
}

Result<std::vector<SiteFieldChange>> ServiceCore::site_changes_locked(std::int64_t site_id) {
  SW_TRY(site, site_by_id(site_id));
  SW_TRY(rows, db_.query("SELECT field, old_value, new_value, actor, at FROM site_field_changes WHERE site_id = ? "
                         "ORDER BY id",
                         {site.id}));
  std::vector<SiteFieldChange> out;
  for (const store::Row& r : rows) out.push_back({r.text(0), r.text(1), r.text(2), r.text(3), time_at(r, 4)});
  return out;
}

Result<std::vector<SiteStateChange>> ServiceCore::state_history_locked(std::int64_t site_id) {
  SW_TRY(site, site_by_id(site_id));
  SW_TRY(rows, db_.query("SELECT from_state, to_state, reason, actor, at FROM site_state_history WHERE site_id = ? "
                         "ORDER BY id",
                         {site.id}));
  std::vector<SiteStateChange> out;
  for (const store::Row& r : rows) {
    SiteStateChange c;
    if (!r.is_null(0)) c.from = parse_site_state(r.text(0)).value_or(SiteState::application);
    c.to = parse_site_state(r.text(1)).value_or(SiteState::application);
    c.reason = r.text(2);
    c.actor = r.text(3);
    c.at = time_at(r, 4);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace sw::registry::detail
