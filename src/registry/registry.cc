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
#include "registry/service_core.h"

namespace sw::registry {
namespace {

using namespace detail;  // NOLINT: the service's shared part

using identity::Permission;
using identity::Scope;
using identity::ScopeKind;


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
constexpr std::array<std::pair<Duty, std::string_view>, 7> kDutyNames{{
    {Duty::leader, "leader"},
    {Duty::content_review, "content_review"},
    {Duty::secrecy_review, "secrecy_review"},
    {Duty::operations, "operations"},
    {Duty::application, "application"},
    {Duty::content_review_deputy, "content_review_deputy"},
    {Duty::secrecy_review_deputy, "secrecy_review_deputy"},
}};
constexpr std::array<std::pair<ProviderService, std::string_view>, 6> kServiceNames{{
    {ProviderService::hosting, "hosting"},
    {ProviderService::development, "development"},
    {ProviderService::operations, "operations"},
    {ProviderService::security, "security"},
    {ProviderService::mail, "mail"},
    {ProviderService::other, "other"},
}};
constexpr std::array<std::pair<ReviewKind, std::string_view>, 2> kReviewKindNames{{
    {ReviewKind::approval, "approval"},
    {ReviewKind::security_assessment, "security_assessment"},
}};

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

class RegistryImpl final : public Registry, private ServiceCore {
 public:
  RegistryImpl(store::Database& db, audit::AuditLog& audit, RegistryOptions options, const Clock& clock)
      : ServiceCore(db, audit, std::move(options), clock) {}

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
    SW_TRY(rows, db_.query(std::string(kReviewColumns) + " WHERE site_id = ? AND feature = '' ORDER BY id",
                           {site_id}));
    std::vector<OpeningReview> out;
    for (const store::Row& r : rows) out.push_back(review_from(r));
    return out;
  }

  // ---- site edits and lifecycle (site_lifecycle.cc) ----
  Status edit_site(const Actor& actor, std::int64_t site_id, const SiteFields& fields) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.edit", site_object(site_id), Scope::site(site_id));
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(site_id), event));
    return conclude(event, edit_site_locked(event, actor, site_id, fields));
  }
  Status suspend_site(const Actor& actor, std::int64_t site_id, std::string reason) override {
    return parent_decides(actor, site_id, "site.suspend", SiteState::suspended, reason);
  }
  Status resume_site(const Actor& actor, std::int64_t site_id, std::string reason) override {
    return parent_decides(actor, site_id, "site.resume", SiteState::live, reason);
  }
  Status close_site(const Actor& actor, std::int64_t site_id, std::string reason) override {
    return parent_decides(actor, site_id, "site.close", SiteState::closed, reason);
  }
  Result<std::vector<SiteFieldChange>> site_changes(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    return site_changes_locked(site_id);
  }
  Result<std::vector<SiteStateChange>> state_history(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    return state_history_locked(site_id);
  }

  // ---- people and training (people.cc) ----
  Result<ResponsiblePerson> appoint_person(const Actor& actor, std::int64_t site_id, Duty duty,
                                           const PersonFields& fields) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.person_appoint", site_object(site_id), Scope::site(site_id));
    event.details = {{"duty", to_string(duty)}, {"name", fields.name}};
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(site_id), event));
    return conclude(event, appoint_locked(actor, site_id, duty, fields));
  }
  Result<std::vector<ResponsiblePerson>> people(const Principal& who, std::int64_t site_id,
                                                bool include_ended) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    return people_locked(site_id, include_ended);
  }
  Result<std::vector<Duty>> missing_people(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    return missing_people_locked(site_id);
  }
  Result<std::vector<Duty>> unlinked_reviewers(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    return unlinked_reviewers_locked(site_id);
  }
  Result<TrainingRecord> record_training(const Actor& actor, std::int64_t person_id,
                                         const TrainingFields& fields) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.training_record", "person:" + std::to_string(person_id), std::nullopt);
    event.details = {{"course", fields.course}};
    auto person = person_by_id(person_id);
    if (!person) return conclude(event, Result<TrainingRecord>(std::unexpected(person.error())));
    event.site_id = person->site_id;
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(person->site_id), event));
    return conclude(event, training_locked(actor, *person, fields));
  }
  Result<std::vector<TrainingRecord>> training_of_site(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    return training_of_site_locked(site_id);
  }
  Result<std::vector<PersonTrainingStatus>> training_of_subtree(const Principal& who, std::int64_t org_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(permit_read(who, Permission::org_read, Scope::org(org_id), "org.read", org_object(org_id)));
    SW_TRY(orgs, subtree_set(org_id));
    SW_TRY(rows, db_.query("SELECT id FROM sites WHERE state <> 'closed' ORDER BY id"));
    std::vector<PersonTrainingStatus> out;
    for (const store::Row& r : rows) {
      SW_TRY(site, site_by_id(r.integer(0)));
      if (!orgs.contains(site.org_id)) continue;
      SW_TRY(current, people_locked(site.id, false));
      for (auto& p : current) {
        SW_TRY(last, last_training_on(p.id));
        const bool overdue = training_overdue(last);
        out.push_back(PersonTrainingStatus{std::move(p), site.fields.name, last, overdue});
      }
    }
    return out;
  }

  // ---- graded protection (grading.cc) ----
  Result<GradedProtection> record_grading(const Actor& actor, std::int64_t site_id,
                                          const GradingFields& fields) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.grading_record", site_object(site_id), Scope::site(site_id));
    event.details = {{"level", fields.level}, {"filing_number", fields.filing_number}};
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(site_id), event));
    return conclude(event, grading_locked(actor, site_id, fields));
  }
  Result<std::optional<GradedProtection>> grading(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    SW_TRY(all, grading_history_locked(site_id));
    if (all.empty()) return std::optional<GradedProtection>{};
    return std::optional<GradedProtection>{all.back()};
  }
  Result<std::vector<GradedProtection>> grading_history(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    return grading_history_locked(site_id);
  }
  Result<Rectification> open_rectification(const Actor& actor, std::int64_t site_id, std::string text,
                                           std::string due_on) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.rectification_open", site_object(site_id), Scope::site(site_id));
    event.details = {{"due_on", due_on}};
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(site_id), event));
    return conclude(event, open_rectification_locked(actor, site_id, text, due_on));
  }
  Status close_rectification(const Actor& actor, std::int64_t item_id, std::string closed_on,
                             std::string how) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.rectification_close", "rectification:" + std::to_string(item_id),
                            std::nullopt);
    auto site = rectification_site(item_id);
    if (!site) return conclude(event, Status(std::unexpected(site.error())));
    event.site_id = *site;
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(*site), event));
    return conclude(event, close_rectification_locked(actor, item_id, closed_on, how));
  }
  Result<std::vector<Rectification>> rectifications(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    return rectifications_locked(site_id);
  }

  // ---- providers (providers.cc) ----
  Result<Provider> add_provider(const Actor& actor, std::int64_t site_id, const ProviderFields& fields) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.provider_add", site_object(site_id), Scope::site(site_id));
    event.details = {{"name", fields.name}, {"uscc", fields.uscc}, {"service", to_string(fields.service)}};
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(site_id), event));
    return conclude(event, add_provider_locked(actor, site_id, fields));
  }
  Status record_provider_review(const Actor& actor, std::int64_t provider_id, std::string reviewed_on, bool passed,
                                std::string reviewer, std::string summary) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.provider_review", "provider:" + std::to_string(provider_id), std::nullopt);
    event.details = {{"result", passed ? "passed" : "failed"}, {"reviewer", reviewer}};
    auto site = provider_site(provider_id);
    if (!site) return conclude(event, Status(std::unexpected(site.error())));
    event.site_id = *site;
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(*site), event));
    return conclude(event, provider_review_locked(actor, provider_id, reviewed_on, passed, reviewer, summary));
  }
  Status end_provider(const Actor& actor, std::int64_t provider_id, std::string reason) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.provider_end", "provider:" + std::to_string(provider_id), std::nullopt);
    auto site = provider_site(provider_id);
    if (!site) return conclude(event, Status(std::unexpected(site.error())));
    event.site_id = *site;
    SW_CHECK(permit(actor, Permission::site_manage, Scope::site(*site), event));
    return conclude(event, end_provider_locked(actor, provider_id, reason));
  }
  Result<std::vector<Provider>> providers(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    return providers_locked(site_id);
  }

  // ---- re-review (rereview.cc) ----
  Result<ReReview> record_rereview(const Actor& actor, std::int64_t site_id, bool passed, std::string summary,
                                   bool suspend) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.rereview", site_object(site_id), Scope::site(site_id));
    event.details = {{"result", passed ? "passed" : "failed"}, {"suspend", suspend}};
    auto reviewer = reviewer_org(site_id);
    if (!reviewer) return conclude(event, Result<ReReview>(std::unexpected(reviewer.error())));
    event.details["reviewer_org"] = *reviewer;
    SW_CHECK(permit(actor, Permission::org_manage, Scope::org(*reviewer), event));
    return conclude(event, rereview_locked(actor, site_id, *reviewer, passed, summary, suspend));
  }
  Result<std::vector<ReReview>> rereviews(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    return rereviews_locked(site_id);
  }
  Result<std::optional<ReReviewDue>> rereview_due(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    SW_TRY(site, site_by_id(site_id));
    return rereview_due_locked(site);
  }
  Result<std::vector<ReReviewDue>> rereviews_due(const Principal& who, std::int64_t org_id,
                                                 int within_days) override {
    std::lock_guard lock(mu_);
    SW_CHECK(permit_read(who, Permission::org_read, Scope::org(org_id), "org.read", org_object(org_id)));
    SW_TRY(orgs, subtree_set(org_id));
    SW_TRY(rows, db_.query("SELECT id FROM sites WHERE state = 'live' ORDER BY id"));
    std::vector<ReReviewDue> out;
    for (const store::Row& r : rows) {
      SW_TRY(site, site_by_id(r.integer(0)));
      if (!orgs.contains(site.org_id)) continue;
      SW_TRY(due, rereview_due_locked(site));
      if (due && due->days_left <= within_days) out.push_back(*due);
    }
    std::ranges::stable_sort(out, {}, &ReReviewDue::due_on);
    return out;
  }

  // ---- features (features.cc) ----
  Status record_feature_assessment(const Actor& actor, std::int64_t site_id, std::string feature, bool passed,
                                   std::string assessor, std::string summary) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.security_assessment", site_object(site_id), Scope::site(site_id));
    event.details = {{"result", passed ? "passed" : "failed"}, {"assessor", assessor}, {"feature", feature}};
    SW_CHECK(permit(actor, Permission::site_configure, Scope::site(site_id), event));
    return conclude(event, feature_assessment_locked(actor, site_id, feature, passed, assessor, summary));
  }
  Status record_feature_approval(const Actor& actor, std::int64_t site_id, std::string feature, bool approved,
                                 std::string summary) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.feature_approval", site_object(site_id), Scope::site(site_id));
    event.details = {{"result", approved ? "approved" : "rejected"}, {"feature", feature}};
    auto reviewer = reviewer_org(site_id);
    if (!reviewer) return conclude(event, Status(std::unexpected(reviewer.error())));
    event.details["reviewer_org"] = *reviewer;
    SW_CHECK(permit(actor, Permission::org_manage, Scope::org(*reviewer), event));
    SW_TRY(applicant, applicant_of(site_id));
    if (!actor.principal.is_system && applicant == actor.principal.name) {
      return deny(event, Error{"registry.separation_of_duties",
                               "\"" + applicant + "\" applied for site:" + std::to_string(site_id) +
                                   " and cannot approve its features"});
    }
    return conclude(event, feature_approval_locked(actor, site_id, *reviewer, feature, approved, summary));
  }
  Status enable_feature(const Actor& actor, std::int64_t site_id, std::string feature) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.feature_enable", site_object(site_id), Scope::site(site_id));
    event.details = {{"feature", feature}};
    SW_CHECK(permit(actor, Permission::site_configure, Scope::site(site_id), event));
    return conclude(event, enable_feature_locked(event, actor, site_id, feature));
  }
  Status disable_feature(const Actor& actor, std::int64_t site_id, std::string feature, std::string reason) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "site.feature_disable", site_object(site_id), Scope::site(site_id));
    event.details = {{"feature", feature}};
    SW_CHECK(permit(actor, Permission::site_configure, Scope::site(site_id), event));
    return conclude(event, disable_feature_locked(actor, site_id, feature, reason));
  }
  Result<std::vector<FeatureState>> features(const Principal& who, std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    return features_locked(site_id);
  }
  Result<std::vector<std::pair<std::string, OpeningReview>>> feature_reviews(const Principal& who,
                                                                             std::int64_t site_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(read_site(who, site_id));
    return feature_reviews_locked(site_id);
  }

  // ---- dashboard and exports (dashboard.cc) ----
  Result<Dashboard> dashboard(const Principal& who, std::int64_t org_id) override {
    std::lock_guard lock(mu_);
    SW_CHECK(permit_read(who, Permission::org_read, Scope::org(org_id), "registry.dashboard", org_object(org_id)));
    return dashboard_locked(org_id);
  }
  Result<ExportFile> export_dashboard(const Actor& actor, std::int64_t org_id, ExportFormat format,
                                      const ExportLabel& label) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "registry.export", org_object(org_id), Scope::org(org_id));
    event.details = {{"what", "dashboard"}, {"format", format == ExportFormat::csv ? "csv" : "xlsx"}};
    SW_CHECK(permit(actor, Permission::org_read, Scope::org(org_id), event));
    return conclude(event, export_dashboard_locked(org_id, format, label, event));
  }
  Result<ExportFile> export_filings(const Actor& actor, std::int64_t org_id, ExportFormat format,
                                    const ExportLabel& label) override {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "registry.export", org_object(org_id), Scope::org(org_id));
    event.details = {{"what", "filings"}, {"format", format == ExportFormat::csv ? "csv" : "xlsx"}};
    SW_CHECK(permit(actor, Permission::org_read, Scope::org(org_id), event));
    return conclude(event, export_filings_locked(org_id, format, label, event));
  }

 private:
  Status read_site(const Principal& who, std::int64_t site_id) {
    return permit_read(who, Permission::site_read, Scope::site(site_id), "site.read", site_object(site_id));
  }

  // Suspend, resume and close: the parent union's decision (org.manage on the parent, as opening).
  Status parent_decides(const Actor& actor, std::int64_t site_id, std::string action, SiteState to,
                        const std::string& reason) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, std::move(action), site_object(site_id), Scope::site(site_id));
    event.details = {{"reason", reason}};
    auto reviewer = reviewer_org(site_id);
    if (!reviewer) return conclude(event, Status(std::unexpected(reviewer.error())));
    event.details["reviewer_org"] = *reviewer;
    SW_CHECK(permit(actor, Permission::org_manage, Scope::org(*reviewer), event));
    return conclude(event, change_state_locked(actor, site_id, to, reason));
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
           db_.query_one("SELECT result FROM opening_reviews WHERE site_id = ? AND kind = ? AND feature = '' "
                         "ORDER BY id DESC LIMIT 1",
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
std::string_view to_string(Duty d) { return identity::name_of(kDutyNames, d); }
Result<Duty> parse_duty(std::string_view text) {
  return identity::parse_name(kDutyNames, text, "registry.unknown_duty", "duty");
}
std::string_view to_string(ProviderService s) { return identity::name_of(kServiceNames, s); }
Result<ProviderService> parse_provider_service(std::string_view text) {
  return identity::parse_name(kServiceNames, text, "registry.unknown_service", "service");
}

// [registry] of the config (base/config.h): suffix lists by level, the re-review interval.
RegistryOptions rules_from(const Config& config) {
  RegistryOptions options;
  options.domain_rules.suffixes_by_level.clear();
  for (const auto& [level, suffixes] : config.registry.suffixes_by_level) {
    if (!suffixes.empty()) options.domain_rules.suffixes_by_level[level] = suffixes;
  }
  options.rereview_interval_days = static_cast<int>(config.registry.rereview_interval_days);
  return options;
}

std::unique_ptr<Registry> Registry::open(store::Database& db, audit::AuditLog& audit, DomainRules rules,
                                         const Clock& clock) {
  RegistryOptions options;
  options.domain_rules = std::move(rules);
  return open(db, audit, std::move(options), clock);
}

std::unique_ptr<Registry> Registry::open(store::Database& db, audit::AuditLog& audit, RegistryOptions options,
                                         const Clock& clock) {
  return std::make_unique<RegistryImpl>(db, audit, std::move(options), clock);
}

}  // namespace sw::registry
