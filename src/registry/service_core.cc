// The shared part of the Registry service (service_core.h): permission checks, audit, reads of
// organisations and sites, state changes, dates.
#include "registry/service_core.h"

#include <chrono>
#include <cstdio>
#include <unordered_map>

#include "base/log.h"

namespace sw::registry::detail {


std::optional<TimePoint> optional_time(const store::Row& row, std::size_t i) {
  const auto text = row.optional_text(i);
  if (!text) return std::nullopt;
  auto t = parse_rfc3339(*text);
  return t ? std::optional<TimePoint>(*t) : std::nullopt;
}
TimePoint time_at(const store::Row& row, std::size_t i) {
  return optional_time(row, i).value_or(TimePoint{});
}
store::Value time_value(std::optional<TimePoint> t) {
  return t ? store::Value{format_rfc3339(*t)} : store::Value{std::monostate{}};
}

// The same check under another code, for fields that share a validator (mail domain, external host).
Status as_field(Status checked, std::string_view field) {
  if (checked) return ok();
  return fail("registry.invalid_" + std::string(field), std::string(field) + ": " + checked.error().message);
}

Status validate_fields(const SiteFields& f) {
  SW_CHECK(validate_text_field("name", f.name));
  SW_CHECK(validate_text_field("sponsor", f.sponsor));
  SW_CHECK(validate_text_field("address", f.address, kMaxAddress));
  SW_CHECK(validate_postcode(f.postcode));
  SW_CHECK(validate_phone(f.phone));
  SW_CHECK(validate_hotline_12351(f.hotline_12351));
  if (f.hosting == Hosting::external) {
    SW_CHECK(as_field(validate_domain(normalize_domain(f.external_host)), "external_host"));
  } else if (!f.external_host.empty()) {
    return fail("registry.invalid_external_host",
                "external_host: only for sites hosted outside the platform");
  }
  if (!f.mail_domain.empty())
    SW_CHECK(as_field(validate_domain(normalize_domain(f.mail_domain)), "mail_domain"));
  return ok();
}

const std::string_view kOrgColumns =
    "SELECT id, parent_id, name, kind, code, region, active, created_at, deactivated_at FROM organisations";
const std::string_view kSiteColumns =
    "SELECT id, org_id, name, sponsor, address, postcode, phone, hotline_12351, hosting, external_host, "
    "mail_domain, state, created_at FROM sites";
const std::string_view kFilingColumns =
    "SELECT id, site_id, number, reported_to_parent_at, recorded_at, recorded_by, superseded_at FROM "
    "icp_filings";

Organisation org_from(const store::Row& r) {
  Organisation o;
  o.id = r.integer(0);
  if (!r.is_null(1)) o.parent_id = r.integer(1);
  o.name = r.text(2);
  o.level = identity::parse_org_kind(r.text(3)).value_or(OrgKind::grassroots);
  o.code = r.optional_text(4);
  o.region = r.text(5);
  o.active = r.integer(6) != 0;
  o.created_at = optional_time(r, 7);
  o.deactivated_at = optional_time(r, 8);
  return o;
}

Site site_from(const store::Row& r) {
  Site s;
  s.id = r.integer(0);
  s.org_id = r.integer(1);
  s.fields.name = r.text(2);
  s.fields.sponsor = r.text(3);
  s.fields.address = r.text(4);
  s.fields.postcode = r.text(5);
  s.fields.phone = r.text(6);
  s.fields.hotline_12351 = r.text(7);
  s.fields.hosting = parse_hosting(r.text(8)).value_or(Hosting::platform);
  s.fields.external_host = r.text(9);
  s.fields.mail_domain = r.text(10);
  s.state = parse_site_state(r.text(11)).value_or(SiteState::application);
  s.created_at = optional_time(r, 12);
  return s;
}

IcpFiling filing_from(const store::Row& r) {
  return IcpFiling{r.integer(0),  r.integer(1), r.text(2),          optional_time(r, 3),
                   time_at(r, 4), r.text(5),    optional_time(r, 6)};
}



ServiceCore::Audit ServiceCore::event_for(const Actor& actor, std::string action, std::string object,
                std::optional<Scope> scope) const {
  Audit a;
  a.actor = actor.principal.name;
  a.actor_role = actor.principal.is_system ? std::string(kSystemRole) : "";
  a.action = std::move(action);
  a.object = std::move(object);
  if (scope) (scope->kind == ScopeKind::org ? a.org_id : a.site_id) = scope->id;
  a.client_ip = actor.client_ip;
  a.request_id = actor.request_id;
  return a;
}

Status ServiceCore::record(Audit a) {
  auto appended = audit_.append(std::move(a));
  if (!appended) {
    log::error("registry.audit_failed", {{"error", appended.error().to_string()}});
    return std::unexpected(appended.error());
  }
  return ok();
}

// Audits a refusal (outcome denied) and returns the error.
std::unexpected<Error> ServiceCore::deny(Audit a, Error error) {
  a.outcome = audit::Outcome::denied;
  a.details["reason"] = error.code;
  (void)record(std::move(a));  // the refusal stands even if auditing it failed (logged in record)
  return std::unexpected(std::move(error));
}

// Checks p on target; a refusal is audited as the event's action, denied. On success the event
// carries the role acted under.
Status ServiceCore::permit(const Actor& actor, Permission p, const Scope& target, Audit& event) {
  SW_TRY(tree, load_tree());
  auto role = identity::authorize_as(actor.principal, p, target, tree);
  if (!role) return deny(event, role.error());
  event.actor_role = *role ? std::string(identity::to_string(**role)) : std::string(kSystemRole);
  return ok();
}

// Reads: a refusal is audited (denied), a permitted read is not.
Status ServiceCore::permit_read(const Principal& who, Permission p, const Scope& target, std::string action,
                   std::string object) {
  Audit event = event_for(Actor{who, "", ""}, std::move(action), std::move(object), target);
  return permit(Actor{who, "", ""}, p, target, event);
}

Result<identity::OrgTree> ServiceCore::load_tree() { return identity::load_org_tree(db_); }

Result<Organisation> ServiceCore::org_by_id(std::int64_t id) {
  SW_TRY(row, db_.query_one(std::string(kOrgColumns) + " WHERE id = ?", {id}));
  if (!row) return fail("registry.unknown_org", "no organisation with id " + std::to_string(id));
  return org_from(*row);
}

Result<Organisation> ServiceCore::non_root(std::int64_t id) {
  SW_TRY(org, org_by_id(id));
  if (!org.parent_id)
    return fail("registry.root",
                "the root organisation \"" + org.name + "\" cannot be moved or deactivated");
  return org;
}

Result<Site> ServiceCore::site_by_id(std::int64_t id) {
  SW_TRY(row, db_.query_one(std::string(kSiteColumns) + " WHERE id = ?", {id}));
  if (!row) return fail("registry.unknown_site", "no site with id " + std::to_string(id));
  Site s = site_from(*row);
  SW_TRY(domains,
         db_.query("SELECT domain FROM site_domains WHERE site_id = ? AND removed_at IS NULL ORDER BY id",
                   {id}));
  for (const store::Row& d : domains) s.fields.domains.push_back(d.text(0));
  return s;
}

// The organisation and all below it, parents first.
Result<std::vector<std::int64_t>> ServiceCore::subtree(std::int64_t root) {
  SW_TRY(rows, db_.query("SELECT id, parent_id FROM organisations ORDER BY id"));
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> children;
  for (const store::Row& r : rows) {
    if (!r.is_null(1)) children[r.integer(1)].push_back(r.integer(0));
  }
  std::vector<std::int64_t> out{root};
  for (std::size_t i = 0; i < out.size(); ++i) {
    for (std::int64_t child : children[out[i]]) out.push_back(child);
  }
  return out;
}

Result<std::set<std::int64_t>> ServiceCore::subtree_set(std::int64_t root) {
  SW_TRY(ids, subtree(root));
  return std::set<std::int64_t>(ids.begin(), ids.end());
}

Status ServiceCore::insert_history(std::int64_t org_id, std::string_view change, const std::string& old_value,
                      const std::string& new_value, const std::string& actor, TimePoint now) {
  SW_CHECK(
      db_.exec("INSERT INTO organisation_history (org_id, change, old_value, new_value, actor, at) "
               "VALUES (?, ?, ?, ?, ?, ?)",
               {org_id, std::string(change), old_value, new_value, actor, format_rfc3339(now)}));
  return ok();
}

Status ServiceCore::insert_state(std::int64_t site_id, std::optional<SiteState> from, SiteState to,
                                 const std::string& actor, TimePoint now, const std::string& reason) {
  const store::Value from_value =
      from ? store::Value{std::string(to_string(*from))} : store::Value{std::monostate{}};
  SW_CHECK(db_.exec(
      "INSERT INTO site_state_history (site_id, from_state, to_state, actor, at, reason) VALUES (?, ?, ?, ?, ?, ?)",
      {site_id, from_value, std::string(to_string(to)), actor, format_rfc3339(now), reason}));
  return ok();
}

Status ServiceCore::set_state(const Site& site, SiteState to, const std::string& actor, TimePoint now,
                              const std::string& reason) {
  SW_CHECK(db_.exec("UPDATE sites SET state = ? WHERE id = ?", {std::string(to_string(to)), site.id}));
  return insert_state(site.id, site.state, to, actor, now, reason);
}

Status ServiceCore::check_not_closed(const Site& site) {
  if (site.state != SiteState::closed) return ok();
  return fail("registry.bad_state", site_object(site.id) + " is closed");
}


// N2.3: the parent union of the site's organisation decides (the root decides for its own sites).
Result<std::int64_t> ServiceCore::reviewer_org(std::int64_t site_id) {
  SW_TRY(site, site_by_id(site_id));
  SW_TRY(org, org_by_id(site.org_id));
  return org.parent_id.value_or(org.id);
}

// Who applied: the actor of the site's first state change ("" for sites made outside the registry).
Result<std::string> ServiceCore::applicant_of(std::int64_t site_id) {
  SW_TRY(row, db_.query_one("SELECT actor FROM site_state_history WHERE site_id = ? AND from_state IS NULL "
                            "ORDER BY id LIMIT 1",
                            {site_id}));
  return row ? row->text(0) : std::string();
}

Status ServiceCore::insert_review(std::int64_t site_id, ReviewKind kind, std::string_view result,
                                  const std::string& summary, std::optional<std::int64_t> reviewer_org,
                                  const std::string& assessor, const std::string& by, TimePoint now,
                                  const std::string& feature) {
  const store::Value org = reviewer_org ? store::Value{*reviewer_org} : store::Value{std::monostate{}};
  SW_CHECK(
      db_.exec("INSERT INTO opening_reviews (site_id, kind, result, summary, reviewer_org_id, assessor, "
               "recorded_by, recorded_at, feature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
               {site_id, std::string(to_string(kind)), std::string(result), summary, org, assessor, by,
                format_rfc3339(now), feature}));
  return ok();
}

const std::string_view kReviewColumns =
    "SELECT id, site_id, kind, result, summary, reviewer_org_id, assessor, recorded_by, recorded_at, feature "
    "FROM opening_reviews";

OpeningReview review_from(const store::Row& r) {
  OpeningReview v;
  v.id = r.integer(0);
  v.site_id = r.integer(1);
  v.kind = r.text(2) == "approval" ? ReviewKind::approval : ReviewKind::security_assessment;
  v.result = r.text(3);
  v.positive = v.result == "approved" || v.result == "passed";
  v.summary = r.text(4);
  if (!r.is_null(5)) v.reviewer_org_id = r.integer(5);
  v.assessor = r.text(6);
  v.recorded_by = r.text(7);
  v.recorded_at = time_at(r, 8);
  return v;
}

store::Value optional_text_value(const std::optional<std::string>& s) {
  return s ? store::Value{*s} : store::Value{std::monostate{}};
}

// ---- dates for people: Beijing calendar days ("YYYY-MM-DD") -----------------------------------

namespace {
constexpr auto kBeijingOffset = std::chrono::hours(8);

std::chrono::sys_days parse_day(const std::string& date) {
  int y = 0;
  unsigned m = 0, d = 0;
  if (std::sscanf(date.c_str(), "%d-%u-%u", &y, &m, &d) != 3) return std::chrono::sys_days{};
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}};
}

std::string format_day(std::chrono::year_month_day ymd) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}
}  // namespace

std::string beijing_date(TimePoint t) {
  const std::chrono::sys_days day = std::chrono::floor<std::chrono::days>(t + kBeijingOffset);
  return format_day(std::chrono::year_month_day{day});
}

std::string add_days(const std::string& date, int days) {
  return format_day(std::chrono::year_month_day{parse_day(date) + std::chrono::days{days}});
}

// Month arithmetic clamps to the end of the month (2024-02-29 + 12 months = 2025-02-28).
std::string add_months(const std::string& date, int months) {
  const std::chrono::year_month_day ymd{parse_day(date)};
  auto ym = std::chrono::year_month{ymd.year(), ymd.month()} + std::chrono::months{months};
  const auto last = std::chrono::year_month_day_last{ym.year(), std::chrono::month_day_last{ym.month()}};
  const auto day = std::min(ymd.day(), last.day());
  return format_day(std::chrono::year_month_day{ym.year(), ym.month(), day});
}

std::int64_t days_between(const std::string& from, const std::string& to) {
  return (parse_day(to) - parse_day(from)).count();
}

}  // namespace sw::registry::detail
