// Registry: the organisation tree, the site register, domains, ICP filings and opening review
// (N2.1, N2.2, N2.3, N4.1). The contract is in registry.h; the tables in 0003_registry.sql.
#include "registry/registry.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <set>
#include <unordered_map>
#include <utility>

#include "base/log.h"
#include "identity/enum_names.h"

namespace sw::registry {
namespace {

using identity::Permission;
using identity::Scope;
using identity::ScopeKind;

constexpr std::string_view kSystemRole = "system";
constexpr std::size_t kMaxAddress = 256;
constexpr std::size_t kMaxSummary = 2000;

constexpr std::array<std::pair<SiteState, std::string_view>, 5> kSiteStateNames{{
    {SiteState::application, "application"},
    {SiteState::approved, "approved"},
    {SiteState::live, "live"},
    {SiteState::suspended, "suspended"},
    {SiteState::closed, "closed"},
}};
constexpr std::array<std::pair<Hosting, std::string_view>, 2> kHostingNames{{
    {Hosting::platform, "platform"},
    {Hosting::external, "external"},
}};
constexpr std::array<std::pair<ReviewKind, std::string_view>, 2> kReviewKindNames{{
    {ReviewKind::approval, "approval"},
    {ReviewKind::security_assessment, "security_assessment"},
}};

std::string org_object(std::int64_t id) { return "org:" + std::to_string(id); }
std::string site_object(std::int64_t id) { return "site:" + std::to_string(id); }

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

// N2.1: where each level may sit in the tree.
Status check_level(OrgKind level, const Organisation& parent) {
  bool fits = true;
  switch (level) {
    case OrgKind::province:
      fits = false;  // only the root, made by identity's bootstrap
      break;
    case OrgKind::city:
      fits = parent.level == OrgKind::province;
      break;
    case OrgKind::county:
      fits = parent.level == OrgKind::city;
      break;
    case OrgKind::grassroots:
      break;
    case OrgKind::industry:
    case OrgKind::affiliated:
      fits = parent.level != OrgKind::grassroots;
      break;
  }
  if (fits) return ok();
  return fail("registry.bad_level",
              "a " + std::string(identity::to_string(level)) + " organisation cannot sit under the " +
                  std::string(identity::to_string(parent.level)) + " organisation \"" + parent.name + "\"");
}

Status validate_region(std::string_view region) {
  if (region.empty() ||
      std::ranges::find(kProvinceAbbreviations, region) != std::end(kProvinceAbbreviations)) {
    return ok();
  }
  return fail("registry.invalid_region", "region: one of the 31 province abbreviations, e.g. 苏");
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

constexpr std::string_view kOrgColumns =
    "SELECT id, parent_id, name, kind, code, region, active, created_at, deactivated_at FROM organisations";
constexpr std::string_view kSiteColumns =
    "SELECT id, org_id, name, sponsor, address, postcode, phone, hotline_12351, hosting, external_host, "
    "mail_domain, state, created_at FROM sites";
constexpr std::string_view kFilingColumns =
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

class RegistryImpl final : public Registry {
 public:
  RegistryImpl(store::Database& db, audit::AuditLog& audit, DomainRules rules, const Clock& clock)
      : db_(db), audit_(audit), rules_(std::move(rules)), clock_(clock) {}

  Result<Organisation> create_organisation(const Actor& actor, const NewOrganisation& n) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "org.create", "org:" + n.name, Scope::org(n.parent_id));
    SW_CHECK(permit(actor, Permission::org_manage, Scope::org(n.parent_id), event));
    return conclude(event, create_org_locked(event, n));
  }

  Status rename_organisation(const Actor& actor, std::int64_t org_id, std::string name) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "org.rename", org_object(org_id), Scope::org(org_id));
    SW_CHECK(permit(actor, Permission::org_manage, Scope::org(org_id), event));
    return conclude(event, rename_locked(event, org_id, name));
  }

  Status move_organisation(const Actor& actor, std::int64_t org_id, std::int64_t new_parent_id) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "org.move", org_object(org_id), Scope::org(org_id));
    event.details = {{"new_parent", new_parent_id}};
    auto org = non_root(org_id);
    if (!org) return conclude(event, Status(std::unexpected(org.error())));
    SW_CHECK(permit(actor, Permission::org_manage, Scope::org(*org->parent_id), event));
    SW_CHECK(permit(actor, Permission::org_manage, Scope::org(new_parent_id), event));
    return conclude(event, move_locked(event, *org, new_parent_id));
  }

  Status deactivate_organisation(const Actor& actor, std::int64_t org_id) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "org.deactivate", org_object(org_id), Scope::org(org_id));
    auto org = non_root(org_id);
    if (!org) return conclude(event, Status(std::unexpected(org.error())));
    SW_CHECK(permit(actor, Permission::org_manage, Scope::org(*org->parent_id), event));
    return conclude(event, deactivate_locked(event, *org));
  }

  Result<std::vector<Organisation>> list_subtree(const Principal& who, std::int64_t org_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(permit_read(who, Permission::org_read, Scope::org(org_id), "org.read", org_object(org_id)));
    SW_TRY(ids, subtree(org_id));
    std::vector<Organisation> out;
    for (std::int64_t id : ids) {
      SW_TRY(o, org_by_id(id));
      out.push_back(std::move(o));
    }
    return out;
  }

  Result<Organisation> get_organisation(const Principal& who, std::int64_t org_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(permit_read(who, Permission::org_read, Scope::org(org_id), "org.read", org_object(org_id)));
    return org_by_id(org_id);
  }

  Result<std::vector<OrgChange>> organisation_history(const Principal& who, std::int64_t org_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(permit_read(who, Permission::org_read, Scope::org(org_id), "org.read", org_object(org_id)));
    SW_TRY(rows, db_.query("SELECT org_id, change, old_value, new_value, actor, at FROM organisation_history "
                           "WHERE org_id = ? ORDER BY id",
                           {org_id}));
    std::vector<OrgChange> out;
    for (const store::Row& r : rows) {
      out.push_back(OrgChange{r.integer(0), r.text(1), r.text(2), r.text(3), r.text(4), time_at(r, 5)});
    }
    return out;
  }

  Result<Site> apply_for_site(const Actor& actor, std::int64_t org_id, const SiteFields& fields) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.apply", "site:" + fields.name, Scope::org(org_id));
    SW_CHECK(permit(actor, Permission::org_manage, Scope::org(org_id), event));
    return conclude(event, apply_locked(event, actor, org_id, fields));
  }

  Result<Site> get_site(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(
        permit_read(who, Permission::site_read, Scope::site(site_id), "site.read", site_object(site_id)));
    return site_by_id(site_id);
  }

  Status add_domain(const Actor& actor, std::int64_t site_id, std::string_view domain) override {
    std::lock_guard lock(mu_);
    const std::string name = normalize_domain(domain);
    Audit event = event_for(actor, "site.domain_add", site_object(site_id), Scope::site(site_id));
    event.details = {{"domain", name}};
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(site_id), event));
    return conclude(event, add_domain_locked(actor, site_id, name));
  }

  Status remove_domain(const Actor& actor, std::int64_t site_id, std::string_view domain) override {
    std::lock_guard lock(mu_);
    const std::string name = normalize_domain(domain);
    Audit event = event_for(actor, "site.domain_remove", site_object(site_id), Scope::site(site_id));
    event.details = {{"domain", name}};
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(site_id), event));
    return conclude(event, remove_domain_locked(actor, site_id, name));
  }

  Result<IcpFiling> record_icp_filing(const Actor& actor, std::int64_t site_id, std::string number,
                                      std::optional<TimePoint> reported_to_parent_at) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "icp.record", site_object(site_id), Scope::site(site_id));
    event.details = {{"number", number}};
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(site_id), event));
    return conclude(event, record_filing_locked(actor, site_id, number, reported_to_parent_at));
  }

  Status report_icp_filing(const Actor& actor, std::int64_t site_id, TimePoint reported_at) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "icp.report", site_object(site_id), Scope::site(site_id));
    event.details = {{"reported_at", format_rfc3339(reported_at)}};
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(site_id), event));
    return conclude(event, report_filing_locked(site_id, reported_at));
  }

  Result<std::vector<IcpFiling>> filings_of_subtree(const Principal& who, std::int64_t org_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(permit_read(who, Permission::org_read, Scope::org(org_id), "icp.read", org_object(org_id)));
    SW_TRY(orgs, subtree_set(org_id));
    SW_TRY(rows, db_.query(std::string(kFilingColumns) +
                           " WHERE superseded_at IS NULL AND site_id IN "
                           "(SELECT id FROM sites WHERE state <> 'closed') ORDER BY site_id"));
    std::vector<IcpFiling> out;
    for (const store::Row& r : rows) {
      IcpFiling f = filing_from(r);
      SW_TRY(site, site_by_id(f.site_id));
      if (orgs.contains(site.org_id)) out.push_back(std::move(f));
    }
    return out;
  }

  Result<std::vector<Site>> missing_filings(const Principal& who, std::int64_t org_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(permit_read(who, Permission::org_read, Scope::org(org_id), "icp.read", org_object(org_id)));
    SW_TRY(orgs, subtree_set(org_id));
    SW_TRY(rows, db_.query("SELECT s.id, s.org_id FROM sites s WHERE s.state <> 'closed' AND NOT EXISTS "
                           "(SELECT 1 FROM icp_filings f WHERE f.site_id = s.id AND f.superseded_at IS NULL) "
                           "ORDER BY s.id"));
    std::vector<Site> out;
    for (const store::Row& r : rows) {
      if (!orgs.contains(r.integer(1))) continue;
      SW_TRY(site, site_by_id(r.integer(0)));
      out.push_back(std::move(site));
    }
    return out;
  }

  Status approve_opening(const Actor& actor, std::int64_t site_id, bool approved,
                         std::string summary) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.approve_opening", site_object(site_id), Scope::site(site_id));
    event.details = {{"result", approved ? "approved" : "rejected"}};
    auto reviewer = reviewer_org(site_id);
    if (!reviewer) return conclude(event, Status(std::unexpected(reviewer.error())));
    event.details["reviewer_org"] = *reviewer;
    SW_CHECK(permit(actor, Permission::org_manage, Scope::org(*reviewer), event));
    SW_TRY(applicant, applicant_of(site_id));
    if (!actor.principal.is_system && applicant == actor.principal.name) {
      return deny(event, Error{"registry.separation_of_duties",
                               "\"" + applicant + "\" applied for site:" + std::to_string(site_id) +
                                   " and cannot decide the application"});
    }
    return conclude(event, approve_locked(actor, site_id, *reviewer, approved, summary));
  }

  Status record_security_assessment(const Actor& actor, std::int64_t site_id, bool passed,
                                    std::string assessor, std::string summary) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.security_assessment", site_object(site_id), Scope::site(site_id));
    event.details = {{"result", passed ? "passed" : "failed"}, {"assessor", assessor}};
    SW_CHECK(permit(actor, Permission::site_configure, Scope::site(site_id), event));
    return conclude(event, assess_locked(actor, site_id, passed, assessor, summary));
  }

  Status go_live(const Actor& actor, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.go_live", site_object(site_id), Scope::site(site_id));
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(site_id), event));
    return conclude(event, go_live_locked(actor, site_id));
  }

  Result<std::vector<OpeningReview>> opening_reviews(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(
        permit_read(who, Permission::site_read, Scope::site(site_id), "site.read", site_object(site_id)));
    SW_TRY(rows,
           db_.query("SELECT id, site_id, kind, result, summary, reviewer_org_id, assessor, recorded_by, "
                     "recorded_at FROM opening_reviews WHERE site_id = ? ORDER BY id",
                     {site_id}));
    std::vector<OpeningReview> out;
    for (const store::Row& r : rows) {
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
      out.push_back(std::move(v));
    }
    return out;
  }

 private:
  using Audit = audit::Event;

  Audit event_for(const Actor& actor, std::string action, std::string object,
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

  Status record(Audit a) {
    auto appended = audit_.append(std::move(a));
    if (!appended) {
      log::error("registry.audit_failed", {{"error", appended.error().to_string()}});
      return std::unexpected(appended.error());
    }
    return ok();
  }

  // Audits a refusal (outcome denied) and returns the error.
  std::unexpected<Error> deny(Audit a, Error error) {
    a.outcome = audit::Outcome::denied;
    a.details["reason"] = error.code;
    (void)record(std::move(a));  // the refusal stands even if auditing it failed (logged in record)
    return std::unexpected(std::move(error));
  }

  // Audits the end of a mutating call: success, or failure with the error's code.
  template <class T>
  Result<T> conclude(Audit a, Result<T> result) {
    if (!result) {
      a.outcome = audit::Outcome::failure;
      a.details["reason"] = result.error().code;
      (void)record(std::move(a));
      return result;
    }
    SW_CHECK(record(std::move(a)));
    return result;
  }

  // Checks p on target; a refusal is audited as the event's action, denied. On success the event
  // carries the role acted under.
  Status permit(const Actor& actor, Permission p, const Scope& target, Audit& event) {
    SW_TRY(tree, load_tree());
    auto role = identity::authorize_as(actor.principal, p, target, tree);
    if (!role) return deny(event, role.error());
    event.actor_role = *role ? std::string(identity::to_string(**role)) : std::string(kSystemRole);
    return ok();
  }

  // Reads: a refusal is audited (denied), a permitted read is not.
  Status permit_read(const Principal& who, Permission p, const Scope& target, std::string action,
                     std::string object) {
    Audit event = event_for(Actor{who, "", ""}, std::move(action), std::move(object), target);
    return permit(Actor{who, "", ""}, p, target, event);
  }

  Result<identity::OrgTree> load_tree() { return identity::load_org_tree(db_); }

  Result<Organisation> org_by_id(std::int64_t id) {
    SW_TRY(row, db_.query_one(std::string(kOrgColumns) + " WHERE id = ?", {id}));
    if (!row) return fail("registry.unknown_org", "no organisation with id " + std::to_string(id));
    return org_from(*row);
  }

  Result<Organisation> non_root(std::int64_t id) {
    SW_TRY(org, org_by_id(id));
    if (!org.parent_id)
      return fail("registry.root",
                  "the root organisation \"" + org.name + "\" cannot be moved or deactivated");
    return org;
  }

  Result<Site> site_by_id(std::int64_t id) {
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
  Result<std::vector<std::int64_t>> subtree(std::int64_t root) {
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

  Result<std::set<std::int64_t>> subtree_set(std::int64_t root) {
    SW_TRY(ids, subtree(root));
    return std::set<std::int64_t>(ids.begin(), ids.end());
  }

  Status insert_history(std::int64_t org_id, std::string_view change, const std::string& old_value,
                        const std::string& new_value, const std::string& actor, TimePoint now) {
    SW_CHECK(
        db_.exec("INSERT INTO organisation_history (org_id, change, old_value, new_value, actor, at) "
                 "VALUES (?, ?, ?, ?, ?, ?)",
                 {org_id, std::string(change), old_value, new_value, actor, format_rfc3339(now)}));
    return ok();
  }

  Status insert_state(std::int64_t site_id, std::optional<SiteState> from, SiteState to,
                      const std::string& actor, TimePoint now) {
    const store::Value from_value =
        from ? store::Value{std::string(to_string(*from))} : store::Value{std::monostate{}};
    SW_CHECK(db_.exec(
        "INSERT INTO site_state_history (site_id, from_state, to_state, actor, at) VALUES (?, ?, ?, ?, ?)",
        {site_id, from_value, std::string(to_string(to)), actor, format_rfc3339(now)}));
    return ok();
  }

  Status set_state(const Site& site, SiteState to, const std::string& actor, TimePoint now) {
    SW_CHECK(db_.exec("UPDATE sites SET state = ? WHERE id = ?", {std::string(to_string(to)), site.id}));
    return insert_state(site.id, site.state, to, actor, now);
  }

  Result<Organisation> create_org_locked(Audit& event, const NewOrganisation& n) {
    SW_TRY(parent, org_by_id(n.parent_id));
    if (!parent.active) {
      return fail("registry.org_inactive", "the parent organisation \"" + parent.name + "\" is deactivated");
    }
    SW_CHECK(validate_text_field("name", n.name));
    SW_CHECK(validate_region(n.region));
    if (n.code) {
      SW_CHECK(validate_org_code(*n.code));
      SW_TRY(taken, db_.query_one("SELECT id FROM organisations WHERE code = ?", {*n.code}));
      if (taken) {
        return fail("registry.code_taken",
                    "code: \"" + *n.code + "\" is the code of " + org_object(taken->integer(0)));
      }
    }
    SW_CHECK(check_level(n.level, parent));
    const store::Value code = n.code ? store::Value{*n.code} : store::Value{std::monostate{}};
    SW_CHECK(
        db_.exec("INSERT INTO organisations (parent_id, name, kind, active, code, region, created_at) "
                 "VALUES (?, ?, ?, 1, ?, ?, ?)",
                 {n.parent_id, n.name, std::string(identity::to_string(n.level)), code, n.region,
                  format_rfc3339(clock_.now())}));
    const std::int64_t id = db_.last_insert_id();
    event.object = org_object(id);
    event.details = {{"name", n.name}, {"level", identity::to_string(n.level)}};
    return org_by_id(id);
  }

  Status rename_locked(Audit& event, std::int64_t org_id, const std::string& name) {
    SW_TRY(org, org_by_id(org_id));
    SW_CHECK(validate_text_field("name", name));
    event.details = {{"old_name", org.name}, {"new_name", name}};
    SW_TRY(tx, db_.begin());
    SW_CHECK(db_.exec("UPDATE organisations SET name = ? WHERE id = ?", {name, org_id}));
    SW_CHECK(insert_history(org_id, "rename", org.name, name, event.actor, clock_.now()));
    return tx.commit();
  }

  Status move_locked(Audit& event, const Organisation& org, std::int64_t new_parent_id) {
    SW_TRY(parent, org_by_id(new_parent_id));
    SW_TRY(tree, load_tree());
    if (tree.in_subtree(new_parent_id, org.id)) {
      return fail("registry.cycle", "\"" + org.name + "\" cannot move under itself or its own subtree (\"" +
                                        parent.name + "\")");
    }
    if (!parent.active) {
      return fail("registry.org_inactive", "the new parent \"" + parent.name + "\" is deactivated");
    }
    SW_CHECK(check_level(org.level, parent));
    event.details["old_parent"] = *org.parent_id;
    SW_TRY(tx, db_.begin());
    SW_CHECK(db_.exec("UPDATE organisations SET parent_id = ? WHERE id = ?", {new_parent_id, org.id}));
    SW_CHECK(insert_history(org.id, "move", org_object(*org.parent_id), org_object(new_parent_id),
                            event.actor, clock_.now()));
    return tx.commit();
  }

  Status deactivate_locked(Audit& event, const Organisation& org) {
    if (!org.active) return fail("registry.org_inactive", "\"" + org.name + "\" is already deactivated");
    SW_TRY(children,
           db_.query_one("SELECT COUNT(*) FROM organisations WHERE parent_id = ? AND active = 1", {org.id}));
    if (children->integer(0) > 0) {
      return fail("registry.has_active_children", "\"" + org.name + "\" still has " +
                                                      std::to_string(children->integer(0)) +
                                                      " active organisations below it");
    }
    SW_TRY(sites,
           db_.query_one("SELECT COUNT(*) FROM sites WHERE org_id = ? AND state <> 'closed'", {org.id}));
    if (sites->integer(0) > 0) {
      return fail("registry.has_active_sites", "\"" + org.name + "\" still has " +
                                                   std::to_string(sites->integer(0)) +
                                                   " sites that are not closed");
    }
    const TimePoint now = clock_.now();
    SW_TRY(tx, db_.begin());
    SW_CHECK(db_.exec("UPDATE organisations SET active = 0, deactivated_at = ? WHERE id = ?",
                      {format_rfc3339(now), org.id}));
    SW_CHECK(insert_history(org.id, "deactivate", "active", "deactivated", event.actor, now));
    return tx.commit();
  }

  // N2.1: a domain for a site of `org` is valid, fits the level's rule and is no current domain.
  Status check_new_domain(const Organisation& org, const std::string& domain) {
    SW_CHECK(validate_domain(domain));
    SW_CHECK(check_domain_rule(org.level, domain, rules_));
    SW_TRY(owner, db_.query_one("SELECT site_id FROM site_domains WHERE domain = ? AND removed_at IS NULL",
                                {domain}));
    if (owner) {
      return fail("registry.domain_taken",
                  "domain \"" + domain + "\" is already a domain of " + site_object(owner->integer(0)));
    }
    return ok();
  }

  Status insert_domain(std::int64_t site_id, const std::string& domain, const std::string& actor,
                       TimePoint now) {
    SW_CHECK(db_.exec("INSERT INTO site_domains (site_id, domain, added_at, added_by) VALUES (?, ?, ?, ?)",
                      {site_id, domain, format_rfc3339(now), actor}));
    return ok();
  }

  Result<Site> apply_locked(Audit& event, const Actor& actor, std::int64_t org_id, const SiteFields& fields) {
    SW_TRY(org, org_by_id(org_id));
    if (!org.active) return fail("registry.org_inactive", "\"" + org.name + "\" is deactivated");
    SW_CHECK(validate_fields(fields));
    std::vector<std::string> domains;
    for (const std::string& d : fields.domains) {
      const std::string name = normalize_domain(d);
      if (std::ranges::find(domains, name) != domains.end()) continue;
      SW_CHECK(check_new_domain(org, name));
      domains.push_back(name);
    }
    const TimePoint now = clock_.now();
    const auto& f = fields;
    SW_TRY(tx, db_.begin());
    SW_CHECK(db_.exec(
        "INSERT INTO sites (org_id, name, active, sponsor, address, postcode, phone, hotline_12351, hosting, "
        "external_host, mail_domain, state, created_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {org_id, f.name, f.sponsor, f.address, f.postcode, f.phone, f.hotline_12351,
         std::string(to_string(f.hosting)), normalize_domain(f.external_host),
         normalize_domain(f.mail_domain), std::string(to_string(SiteState::application)),
         format_rfc3339(now)}));
    const std::int64_t id = db_.last_insert_id();
    for (const std::string& d : domains) SW_CHECK(insert_domain(id, d, actor.principal.name, now));
    SW_CHECK(insert_state(id, std::nullopt, SiteState::application, actor.principal.name, now));
    SW_CHECK(tx.commit());
    event.object = site_object(id);
    event.org_id.reset();
    event.site_id = id;
    event.details = {{"name", f.name}, {"org", org_id}, {"domains", domains}};
    return site_by_id(id);
  }

  Status add_domain_locked(const Actor& actor, std::int64_t site_id, const std::string& domain) {
    SW_TRY(site, site_by_id(site_id));
    if (site.state == SiteState::closed) {
      return fail("registry.bad_state", "site:" + std::to_string(site_id) + " is closed");
    }
    SW_TRY(org, org_by_id(site.org_id));
    SW_CHECK(check_new_domain(org, domain));
    return insert_domain(site_id, domain, actor.principal.name, clock_.now());
  }

  Status remove_domain_locked(const Actor& actor, std::int64_t site_id, const std::string& domain) {
    SW_TRY(changed, db_.exec("UPDATE site_domains SET removed_at = ?, removed_by = ? "
                             "WHERE site_id = ? AND domain = ? AND removed_at IS NULL",
                             {format_rfc3339(clock_.now()), actor.principal.name, site_id, domain}));
    if (changed == 0) {
      return fail("registry.not_found",
                  "domain \"" + domain + "\" is not a domain of " + site_object(site_id));
    }
    return ok();
  }

  Result<IcpFiling> record_filing_locked(const Actor& actor, std::int64_t site_id, const std::string& number,
                                         std::optional<TimePoint> reported) {
    SW_TRY(site, site_by_id(site_id));
    SW_CHECK(validate_icp_number(number));
    const TimePoint now = clock_.now();
    SW_TRY(tx, db_.begin());
    SW_CHECK(db_.exec("UPDATE icp_filings SET superseded_at = ? WHERE site_id = ? AND superseded_at IS NULL",
                      {format_rfc3339(now), site.id}));
    SW_CHECK(
        db_.exec("INSERT INTO icp_filings (site_id, number, reported_to_parent_at, recorded_at, recorded_by) "
                 "VALUES (?, ?, ?, ?, ?)",
                 {site.id, number, time_value(reported), format_rfc3339(now), actor.principal.name}));
    const std::int64_t id = db_.last_insert_id();
    SW_CHECK(tx.commit());
    return IcpFiling{id, site.id, number, reported, now, actor.principal.name, std::nullopt};
  }

  Status report_filing_locked(std::int64_t site_id, TimePoint reported_at) {
    SW_TRY(current,
           db_.query_one(std::string(kFilingColumns) + " WHERE site_id = ? AND superseded_at IS NULL",
                         {site_id}));
    if (!current)
      return fail("registry.no_filing", site_object(site_id) + " has no current ICP filing to report");
    if (!current->is_null(3)) return ok();  // already reported: the first date stands
    SW_CHECK(db_.exec("UPDATE icp_filings SET reported_to_parent_at = ? WHERE id = ?",
                      {format_rfc3339(reported_at), current->integer(0)}));
    return ok();
  }

  // N2.3: the parent union of the site's organisation decides (the root decides for its own sites).
  Result<std::int64_t> reviewer_org(std::int64_t site_id) {
    SW_TRY(site, site_by_id(site_id));
    SW_TRY(org, org_by_id(site.org_id));
    return org.parent_id.value_or(org.id);
  }

  // Who applied: the actor of the site's first state change ("" for sites made outside the registry).
  Result<std::string> applicant_of(std::int64_t site_id) {
    SW_TRY(row, db_.query_one("SELECT actor FROM site_state_history WHERE site_id = ? AND from_state IS NULL "
                              "ORDER BY id LIMIT 1",
                              {site_id}));
    return row ? row->text(0) : std::string();
  }

  Status insert_review(std::int64_t site_id, ReviewKind kind, std::string_view result,
                       const std::string& summary, std::optional<std::int64_t> reviewer_org,
                       const std::string& assessor, const std::string& by, TimePoint now) {
    const store::Value org = reviewer_org ? store::Value{*reviewer_org} : store::Value{std::monostate{}};
    SW_CHECK(
        db_.exec("INSERT INTO opening_reviews (site_id, kind, result, summary, reviewer_org_id, assessor, "
                 "recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 {site_id, std::string(to_string(kind)), std::string(result), summary, org, assessor, by,
                  format_rfc3339(now)}));
    return ok();
  }

  Status approve_locked(const Actor& actor, std::int64_t site_id, std::int64_t reviewer, bool approved,
                        const std::string& summary) {
    SW_TRY(site, site_by_id(site_id));
    if (site.state != SiteState::application) {
      return fail("registry.bad_state", "only an application can be approved; " + site_object(site_id) +
                                            " is " + std::string(to_string(site.state)));
    }
    SW_CHECK(validate_text_field("summary", summary, kMaxSummary));
    const TimePoint now = clock_.now();
    SW_TRY(tx, db_.begin());
    SW_CHECK(insert_review(site_id, ReviewKind::approval, approved ? "approved" : "rejected", summary,
                           reviewer, "", actor.principal.name, now));
    if (approved) SW_CHECK(set_state(site, SiteState::approved, actor.principal.name, now));
    return tx.commit();
  }

  Status assess_locked(const Actor& actor, std::int64_t site_id, bool passed, const std::string& assessor,
                       const std::string& summary) {
    SW_TRY(site, site_by_id(site_id));
    if (site.state != SiteState::application && site.state != SiteState::approved) {
      return fail("registry.bad_state", "a pre-launch assessment is for a site not yet live; " +
                                            site_object(site_id) + " is " +
                                            std::string(to_string(site.state)));
    }
    SW_CHECK(validate_text_field("assessor", assessor));
    SW_CHECK(validate_text_field("summary", summary, kMaxSummary));
    return insert_review(site_id, ReviewKind::security_assessment, passed ? "passed" : "failed", summary,
                         std::nullopt, assessor, actor.principal.name, clock_.now());
  }

  // The latest result of `kind` for the site, if any.
  Result<std::optional<std::string>> latest(std::int64_t site_id, ReviewKind kind) {
    SW_TRY(row,
           db_.query_one("SELECT result FROM opening_reviews WHERE site_id = ? AND kind = ? ORDER BY id DESC "
                         "LIMIT 1",
                         {site_id, std::string(to_string(kind))}));
    if (!row) return std::optional<std::string>{};
    return std::optional<std::string>{row->text(0)};
  }

  // N2.3 + N4.1: live only with the parent's approval and a passed security assessment.
  Status go_live_locked(const Actor& actor, std::int64_t site_id) {
    SW_TRY(site, site_by_id(site_id));
    if (site.state != SiteState::application && site.state != SiteState::approved) {
      return fail("registry.bad_state", "only an approved site can go live; " + site_object(site_id) +
                                            " is " + std::string(to_string(site.state)));
    }
    SW_TRY(assessment, latest(site_id, ReviewKind::security_assessment));
    const bool approval_ok = site.state == SiteState::approved;
    const bool assessment_ok = assessment && *assessment == "passed";
    const std::string assessment_why = assessment ? "its latest security assessment failed (N4.1)"
                                                  : "no security assessment is recorded (N4.1)";
    if (!approval_ok) {
      return fail("registry.approval_missing",
                  site_object(site_id) + " has no approval from its parent union (N2.3)" +
                      (assessment_ok ? std::string() : "; also " + assessment_why));
    }
    if (!assessment_ok)
      return fail("registry.assessment_missing", site_object(site_id) + ": " + assessment_why);
    const TimePoint now = clock_.now();
    SW_TRY(tx, db_.begin());
    SW_CHECK(set_state(site, SiteState::live, actor.principal.name, now));
    return tx.commit();
  }

  std::mutex mu_;  // serialises all database work
  store::Database& db_;
  audit::AuditLog& audit_;
  DomainRules rules_;
  const Clock& clock_;
};

}  // namespace

std::string_view to_string(SiteState s) { return identity::name_of(kSiteStateNames, s); }
Result<SiteState> parse_site_state(std::string_view text) {
  return identity::parse_name(kSiteStateNames, text, "registry.unknown_state", "site state");
}
std::string_view to_string(Hosting h) { return identity::name_of(kHostingNames, h); }
Result<Hosting> parse_hosting(std::string_view text) {
  return identity::parse_name(kHostingNames, text, "registry.unknown_hosting", "hosting");
}
std::string_view to_string(ReviewKind k) { return identity::name_of(kReviewKindNames, k); }

std::unique_ptr<Registry> Registry::open(store::Database& db, audit::AuditLog& audit, DomainRules rules,
                                         const Clock& clock) {
  return std::make_unique<RegistryImpl>(db, audit, std::move(rules), clock);
}

}  // namespace sw::registry
