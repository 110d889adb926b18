// Internal to src/registry: what every part of the Registry service shares — the database, the audit
// log, the options and the clock, the one lock, and the helpers that check a permission, audit the
// outcome and read organisations and sites. RegistryImpl (registry.cc) derives from it; the parts in
// site_lifecycle.cc, people.cc, grading.cc, providers.cc, rereview.cc, features.cc and dashboard.cc
// are member functions declared here. Callers outside the module use registry.h only.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "registry/registry.h"

namespace sw::registry::detail {

using identity::Permission;
using identity::Scope;
using identity::ScopeKind;

using json = nlohmann::json;

inline constexpr std::string_view kSystemRole = "system";
inline constexpr std::size_t kMaxAddress = 256;
inline constexpr std::size_t kMaxSummary = 2000;

inline std::string org_object(std::int64_t id) { return "org:" + std::to_string(id); }
inline std::string site_object(std::int64_t id) { return "site:" + std::to_string(id); }

std::optional<TimePoint> optional_time(const store::Row& row, std::size_t i);
TimePoint time_at(const store::Row& row, std::size_t i);
store::Value time_value(std::optional<TimePoint> t);
store::Value optional_text_value(const std::optional<std::string>& s);
// The same check under another code, for fields that share a validator (mail domain, external host).
Status as_field(Status checked, std::string_view field);
// Every field of an application or edit (not the domains).
Status validate_fields(const SiteFields& f);

extern const std::string_view kOrgColumns;
extern const std::string_view kSiteColumns;
extern const std::string_view kFilingColumns;
Organisation org_from(const store::Row& r);
Site site_from(const store::Row& r);
IcpFiling filing_from(const store::Row& r);

// Today's calendar date in Beijing ("YYYY-MM-DD") and date arithmetic on that form.
std::string beijing_date(TimePoint t);
std::string add_days(const std::string& date, int days);
std::string add_months(const std::string& date, int months);
std::int64_t days_between(const std::string& from, const std::string& to);  // to - from

class ServiceCore {
 public:
  ServiceCore(store::Database& db, audit::AuditLog& audit, RegistryOptions options, const Clock& clock)
      : db_(db), audit_(audit), rules_(options.domain_rules), options_(std::move(options)), clock_(clock) {}

 protected:
  using Audit = audit::Event;

  Audit event_for(const Actor& actor, std::string action, std::string object, std::optional<Scope> scope) const;
  Status record(Audit a);
  // Audits a refusal (outcome denied) and returns the error.
  std::unexpected<Error> deny(Audit a, Error error);
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
  Status permit(const Actor& actor, Permission p, const Scope& target, Audit& event);
  // Reads: a refusal is audited (denied), a permitted read is not.
  Status permit_read(const Principal& who, Permission p, const Scope& target, std::string action,
                     std::string object);
  Result<identity::OrgTree> load_tree();
  Result<Organisation> org_by_id(std::int64_t id);
  Result<Organisation> non_root(std::int64_t id);
  Result<Site> site_by_id(std::int64_t id);
  // The organisation and all below it, parents first.
  Result<std::vector<std::int64_t>> subtree(std::int64_t root);
  Result<std::set<std::int64_t>> subtree_set(std::int64_t root);
  Status insert_history(std::int64_t org_id, std::string_view change, const std::string& old_value,
                        const std::string& new_value, const std::string& actor, TimePoint now);
  Status insert_state(std::int64_t site_id, std::optional<SiteState> from, SiteState to, const std::string& actor,
                      TimePoint now, const std::string& reason = {});
  Status set_state(const Site& site, SiteState to, const std::string& actor, TimePoint now,
                   const std::string& reason = {});
  // N2.3: the parent union of the site's organisation decides (the root decides for its own sites).
  Result<std::int64_t> reviewer_org(std::int64_t site_id);
  // Who applied: the actor of the site's first state change ("" for sites made outside the registry).
  Result<std::string> applicant_of(std::int64_t site_id);
  Status insert_review(std::int64_t site_id, ReviewKind kind, std::string_view result, const std::string& summary,
                       std::optional<std::int64_t> reviewer_org, const std::string& assessor, const std::string& by,
                       TimePoint now, const std::string& feature = {});
  // Refused (registry.bad_state) when the site is closed.
  Status check_not_closed(const Site& site);
  std::string today() const { return beijing_date(clock_.now()); }

  // ---- the parts (one file each) ----
  // site_lifecycle.cc
  Status edit_site_locked(Audit& event, const Actor& actor, std::int64_t site_id, const SiteFields& fields);
  Status change_state_locked(const Actor& actor, std::int64_t site_id, SiteState to, const std::string& reason);
  Result<std::vector<SiteFieldChange>> site_changes_locked(std::int64_t site_id);
  Result<std::vector<SiteStateChange>> state_history_locked(std::int64_t site_id);
  // people.cc
  Result<ResponsiblePerson> appoint_locked(const Actor& actor, std::int64_t site_id, Duty duty,
                                           const PersonFields& fields);
  Result<std::vector<ResponsiblePerson>> people_locked(std::int64_t site_id, bool include_ended);
  Result<std::vector<Duty>> missing_people_locked(std::int64_t site_id);
  Result<std::vector<Duty>> unlinked_reviewers_locked(std::int64_t site_id);
  Result<ResponsiblePerson> person_by_id(std::int64_t person_id);
  Result<TrainingRecord> training_locked(const Actor& actor, const ResponsiblePerson& person,
                                         const TrainingFields& fields);
  Result<std::vector<TrainingRecord>> training_of_site_locked(std::int64_t site_id);
  Result<std::optional<std::string>> last_training_on(std::int64_t person_id);
  bool training_overdue(const std::optional<std::string>& last_trained_on) const;
  // grading.cc
  Result<GradedProtection> grading_locked(const Actor& actor, std::int64_t site_id, const GradingFields& fields);
  Result<std::vector<GradedProtection>> grading_history_locked(std::int64_t site_id);
  Result<Rectification> open_rectification_locked(const Actor& actor, std::int64_t site_id, const std::string& text,
                                                  const std::string& due_on);
  Result<std::int64_t> rectification_site(std::int64_t item_id);
  Status close_rectification_locked(const Actor& actor, std::int64_t item_id, const std::string& closed_on,
                                    const std::string& how);
  Result<std::vector<Rectification>> rectifications_locked(std::int64_t site_id);
  GradedProtection with_due(GradedProtection g) const;
  // providers.cc
  Result<Provider> add_provider_locked(const Actor& actor, std::int64_t site_id, const ProviderFields& fields);
  Result<std::int64_t> provider_site(std::int64_t provider_id);
  Status provider_review_locked(const Actor& actor, std::int64_t provider_id, const std::string& reviewed_on,
                                bool passed, const std::string& reviewer, const std::string& summary);
  Status end_provider_locked(const Actor& actor, std::int64_t provider_id, const std::string& reason);
  Result<std::vector<Provider>> providers_locked(std::int64_t site_id);
  // rereview.cc
  Result<ReReview> rereview_locked(const Actor& actor, std::int64_t site_id, std::int64_t reviewer, bool passed,
                                   const std::string& summary, bool suspend);
  Result<std::vector<ReReview>> rereviews_locked(std::int64_t site_id);
  Result<std::optional<ReReviewDue>> rereview_due_locked(const Site& site);
  // features.cc
  Status feature_assessment_locked(const Actor& actor, std::int64_t site_id, const std::string& feature,
                                   bool passed, const std::string& assessor, const std::string& summary);
  Status feature_approval_locked(const Actor& actor, std::int64_t site_id, std::int64_t reviewer,
                                 const std::string& feature, bool approved, const std::string& summary);
  Status enable_feature_locked(Audit& event, const Actor& actor, std::int64_t site_id, const std::string& feature);
  Status disable_feature_locked(const Actor& actor, std::int64_t site_id, const std::string& feature,
                                const std::string& reason);
  Result<std::vector<FeatureState>> features_locked(std::int64_t site_id);
  Result<std::vector<std::pair<std::string, OpeningReview>>> feature_reviews_locked(std::int64_t site_id);
  // dashboard.cc
  Result<Dashboard> dashboard_locked(std::int64_t org_id);
  Result<ExportFile> export_dashboard_locked(std::int64_t org_id, ExportFormat format, const ExportLabel& label,
                                             Audit& event);
  Result<ExportFile> export_filings_locked(std::int64_t org_id, ExportFormat format, const ExportLabel& label,
                                           Audit& event);

  std::mutex mu_;  // serialises all database work
  store::Database& db_;
  audit::AuditLog& audit_;
  DomainRules rules_;
  RegistryOptions options_;
  const Clock& clock_;
};

OpeningReview review_from(const store::Row& r);  // columns of kReviewColumns
extern const std::string_view kReviewColumns;

}  // namespace sw::registry::detail
