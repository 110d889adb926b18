// Registry: the organisation tree and the register of union sites (N2.1), their domains and the
// per-level domain rules, ICP filings and their report to the parent union (N2.2), and opening
// review with the pre-launch security assessment (N2.3, N4.1). The module's page is
// docs/modules/registry.md; the tables are migration 0003_registry.sql.
//
// Built like IdentityService: every mutating call takes an identity::Actor, checks one permission
// with identity::authorize_as() against the current organisation tree, and appends one audit event
// with outcome success, failure or denied. Reads check org.read / site.read; a refused read is
// audited (denied), a permitted one is not. Nothing with history is deleted (see the migration).
//
// Error codes (Error::code), so the console can map them to catalogue messages:
//   registry.invalid_icp | invalid_domain | invalid_postcode | invalid_phone | invalid_hotline
//   registry.invalid_code | invalid_name | invalid_sponsor | invalid_address | invalid_external_host
//   registry.invalid_mail_domain | invalid_summary | invalid_assessor | invalid_region
//                             (field named; validators.h)
//   registry.domain_rule      (the level's rule named: "city union domains must end in .org or .org.cn")
//   registry.domain_taken     (the domain is a current domain of a site; the site named)
//   registry.not_found | unknown_org | unknown_site | code_taken
//   registry.bad_level        (a level that cannot sit under that parent)
//   registry.cycle            (moving an organisation under itself or its subtree)
//   registry.org_inactive     (acting under a deactivated organisation)
//   registry.has_active_children | has_active_sites   (deactivation refused)
//   registry.root             (the root cannot be moved or deactivated)
//   registry.bad_state        (the site's state does not allow the step; states named)
//   registry.approval_missing | assessment_missing    (go_live refused, N2.3 / N4.1)
//   registry.separation_of_duties   (the applicant approving their own application)
//   registry.no_filing        (reporting a filing the site does not have)
//   identity.forbidden        (from authorize_as; audited as denied)
//
// Thread-safety: all methods may be called from any thread; database work is serialised inside.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/result.h"
#include "identity/identity.h"
#include "identity/roles.h"
#include "registry/validators.h"
#include "store/database.h"

namespace sw::registry {

using identity::Actor;
using identity::OrgKind;
using identity::Principal;

// ----- organisations ---------------------------------------------------------------------------

// One node of the union tree (N2.1). `level` is identity's OrgKind: province → city → county →
// grassroots, plus industry unions and directly affiliated units.
struct Organisation {
  std::int64_t id = 0;
  std::optional<std::int64_t> parent_id;  // nullopt for the root (the provincial federation)
  std::string name;
  OrgKind level = OrgKind::province;
  std::optional<std::string> code;  // unique when set
  std::string region;               // province abbreviation, e.g. "苏"; "" when not recorded
  bool active = true;
  std::optional<TimePoint> created_at;  // nullopt for organisations made before the registry
  std::optional<TimePoint> deactivated_at;
};

struct NewOrganisation {
  std::int64_t parent_id = 0;
  std::string name;
  OrgKind level = OrgKind::grassroots;
  std::optional<std::string> code;
  std::string region;
};

// One rename, move or deactivation, kept for ever (organisation_history).
struct OrgChange {
  std::int64_t org_id = 0;
  std::string change;  // "rename" | "move" | "deactivate"
  std::string old_value;
  std::string new_value;
  std::string actor;
  TimePoint at;
};

// ----- sites -----------------------------------------------------------------------------------

// application → approved (parent's approval, N2.3) → live (with a passed security assessment,
// N4.1); suspended and closed are for later slices (re-review, closing).
enum class SiteState { application, approved, live, suspended, closed };
std::string_view to_string(SiteState s);
Result<SiteState> parse_site_state(std::string_view text);  // "registry.unknown_state"

// platform: hosted on this installation (集约化, N2.4); external: elsewhere, external_host says where.
enum class Hosting { platform, external };
std::string_view to_string(Hosting h);
Result<Hosting> parse_hosting(std::string_view text);  // "registry.unknown_hosting"

// What an application gives (the footer fields of notice 五 and the hosting of N2.4/N2.5).
struct SiteFields {
  std::string name;
  std::string sponsor;  // 主办单位
  std::string address;
  std::string postcode;
  std::string phone;
  std::string hotline_12351;
  Hosting hosting = Hosting::platform;
  std::string external_host;  // required for external hosting, empty for platform
  std::string mail_domain;    // "" when the site has no mail domain
  std::vector<std::string> domains;
};

struct Site {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  SiteFields fields;  // fields.domains: the current domains, in the order added
  SiteState state = SiteState::application;
  std::optional<TimePoint> created_at;
};

struct IcpFiling {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  std::string number;
  std::optional<TimePoint> reported_to_parent_at;  // nullopt: not yet reported to the parent union
  TimePoint recorded_at;
  std::string recorded_by;
  std::optional<TimePoint> superseded_at;  // set when a newer filing replaced it
};

enum class ReviewKind { approval, security_assessment };
std::string_view to_string(ReviewKind k);  // "approval" | "security_assessment"

// One opening-review record, kept for ever (opening_reviews).
struct OpeningReview {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  ReviewKind kind = ReviewKind::approval;
  bool positive = false;  // approved / passed
  std::string result;     // "approved" | "rejected" | "passed" | "failed"
  std::string summary;
  std::optional<std::int64_t> reviewer_org_id;  // approvals: the parent union that approved
  std::string assessor;  // assessments: who carried it out (e.g. the testing institution)
  std::string recorded_by;
  TimePoint recorded_at;
};

// ----- the service -----------------------------------------------------------------------------

class Registry {
 public:
  // `db` (migrations applied), `audit` and `clock` must outlive the registry.
  static std::unique_ptr<Registry> open(store::Database& db, audit::AuditLog& audit, DomainRules rules = {},
                                        const Clock& clock = system_clock());
  virtual ~Registry() = default;

  // --- organisations (org.manage) ---------------------------------------------------------------
  // Under an active parent (org.manage on it, "org.create"). The level must fit under the parent's:
  // city under the province, county under a city; province only as the root (made by identity's
  // bootstrap); grassroots, industry and affiliated under any level but grassroots.
  virtual Result<Organisation> create_organisation(const Actor& actor, const NewOrganisation& org) = 0;
  // org.manage on the organisation ("org.rename"); history kept.
  virtual Status rename_organisation(const Actor& actor, std::int64_t org_id, std::string name) = 0;
  // org.manage on the current and the new parent ("org.move"). Refused: the root, a new parent in
  // the organisation's own subtree (registry.cycle), an inactive new parent, a level that does not
  // fit under the new parent. History kept.
  virtual Status move_organisation(const Actor& actor, std::int64_t org_id, std::int64_t new_parent_id) = 0;
  // org.manage on the parent ("org.deactivate"). Refused while it has active child organisations or
  // sites not closed. The row and its history stay.
  virtual Status deactivate_organisation(const Actor& actor, std::int64_t org_id) = 0;
  // org.read on org_id: the organisation and everything below it (active or not), parents first.
  virtual Result<std::vector<Organisation>> list_subtree(const Principal& who, std::int64_t org_id) = 0;
  virtual Result<Organisation> get_organisation(const Principal& who, std::int64_t org_id) = 0;
  virtual Result<std::vector<OrgChange>> organisation_history(const Principal& who, std::int64_t org_id) = 0;

  // --- sites ------------------------------------------------------------------------------------
  // org.manage on an active organisation ("site.apply"): every field validated, every domain
  // validated, checked against the organisation level's rule and free. The site starts as an
  // application.
  virtual Result<Site> apply_for_site(const Actor& actor, std::int64_t org_id, const SiteFields& fields) = 0;
  virtual Result<Site> get_site(const Principal& who, std::int64_t site_id) = 0;  // site.read
  // site.manage on the site ("site.domain_add" / "site.domain_remove"). The domain is lowercased,
  // validated, checked against the owning organisation's level rule (registry.domain_rule), and
  // must not be a current domain of any site (registry.domain_taken). Removing keeps the row.
  virtual Status add_domain(const Actor& actor, std::int64_t site_id, std::string_view domain) = 0;
  virtual Status remove_domain(const Actor& actor, std::int64_t site_id, std::string_view domain) = 0;

  // --- ICP filings (N2.2) -----------------------------------------------------------------------
  // site.manage on the site ("icp.record"): a format-checked number; supersedes the current filing.
  virtual Result<IcpFiling> record_icp_filing(const Actor& actor, std::int64_t site_id, std::string number,
                                              std::optional<TimePoint> reported_to_parent_at) = 0;
  // site.manage on the site ("icp.report"): records when the current filing was reported to the
  // parent union (registry.no_filing when none; an already reported filing keeps its first date).
  virtual Status report_icp_filing(const Actor& actor, std::int64_t site_id, TimePoint reported_at) = 0;
  // org.read on org_id: the current filings of the sites (not closed) in its subtree, by site id.
  virtual Result<std::vector<IcpFiling>> filings_of_subtree(const Principal& who, std::int64_t org_id) = 0;
  // org.read on org_id: the sites (not closed) in its subtree without a current filing, by id.
  virtual Result<std::vector<Site>> missing_filings(const Principal& who, std::int64_t org_id) = 0;

  // --- opening review (N2.3, N4.1) --------------------------------------------------------------
  // The parent union's decision ("site.approve_opening"): org.manage on the parent of the site's
  // organisation (on the root itself for the root's own sites). Only for an application; the user
  // who applied cannot decide it (registry.separation_of_duties). Approval moves the site to
  // approved; a rejection is recorded and the site stays an application.
  virtual Status approve_opening(const Actor& actor, std::int64_t site_id, bool approved,
                                 std::string summary) = 0;
  // N4.1 pre-launch security assessment ("site.security_assessment"): site.configure on the site,
  // in state application or approved; `assessor` names who carried it out.
  virtual Status record_security_assessment(const Actor& actor, std::int64_t site_id, bool passed,
                                            std::string assessor, std::string summary) = 0;
  // site.manage on the site ("site.go_live"): approved → live, refused unless the latest approval
  // is positive (registry.approval_missing) and the latest assessment passed
  // (registry.assessment_missing).
  virtual Status go_live(const Actor& actor, std::int64_t site_id) = 0;
  // site.read on the site: its approvals and assessments, oldest first.
  virtual Result<std::vector<OpeningReview>> opening_reviews(const Principal& who, std::int64_t site_id) = 0;
};

}  // namespace sw::registry
