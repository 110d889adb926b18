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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "base/clock.h"
#include "base/config.h"
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

// ----- site edits and state changes ------------------------------------------------------------

// One field of the register changed by edit_site, kept for ever (site_field_changes).
struct SiteFieldChange {
  std::string field;  // "name" | "sponsor" | "address" | "postcode" | "phone" | "hotline_12351" |
                      // "hosting" | "external_host" | "mail_domain"
  std::string old_value;
  std::string new_value;
  std::string actor;
  TimePoint at;
};

// One state change (site_state_history); reason set for suspend, resume and close.
struct SiteStateChange {
  std::optional<SiteState> from;
  SiteState to = SiteState::application;
  std::string reason;
  std::string actor;
  TimePoint at;
};

// ----- responsible people (N8.1) and training (N8.2) -------------------------------------------

// The duties the notice (八) names for each site, and the deputies of the two review duties.
// N3.1/N8.1: content's workflow lets only the current content_review / secrecy_review person or
// that duty's deputy (with a linked account, user_id) decide the stage (docs/modules/content.md
// "Named reviewers"). A deputy covers leave and workload; appointing one is audited like any
// appointment ("site.person_appoint") and, like every duty, has one current person per site.
enum class Duty {
  leader,
  content_review,
  secrecy_review,
  operations,
  application,
  content_review_deputy,
  secrecy_review_deputy,
};
inline constexpr Duty kAllDuties[] = {Duty::leader,      Duty::content_review,        Duty::secrecy_review,
                                      Duty::operations,  Duty::application,           Duty::content_review_deputy,
                                      Duty::secrecy_review_deputy};
// The duties every site must fill (missing_people lists those without a current person); deputies
// are optional.
inline constexpr Duty kRequiredDuties[] = {Duty::leader, Duty::content_review, Duty::secrecy_review,
                                           Duty::operations, Duty::application};
// The review duties: a person named for one of them without a linked account cannot decide reviews,
// so the site page and the dashboard show it (unlinked_reviewers).
inline constexpr Duty kReviewDuties[] = {Duty::content_review, Duty::secrecy_review, Duty::content_review_deputy,
                                         Duty::secrecy_review_deputy};
// "leader" (主要负责人/分管领导) | "content_review" (信息审核) | "secrecy_review" (保密审查) |
// "operations" (运维) | "application" (应用管理) | "content_review_deputy" (信息审核 B 角) |
// "secrecy_review_deputy" (保密审查 B 角).
std::string_view to_string(Duty d);
Result<Duty> parse_duty(std::string_view text);  // "registry.unknown_duty"

// Calendar dates for people are "YYYY-MM-DD" (Beijing time), checked by validate_date.
struct PersonFields {
  std::string name;       // 1..64 bytes
  std::string job_title;  // 1..64 bytes
  std::string phone;      // Chinese mobile or landline (validate_phone)
  std::optional<std::int64_t> user_id;  // the platform account, when the person has one
  std::string appointed_on;
};

struct ResponsiblePerson {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  Duty duty = Duty::leader;
  PersonFields fields;
  std::string recorded_by;
  TimePoint recorded_at;
  std::optional<TimePoint> ended_at;  // set when a successor was appointed
  std::string ended_by;
};

struct TrainingFields {
  std::string held_on;  // date
  std::string course;   // 1..128 bytes
  int hours_tenths = 0; // 1..2400 (0.1 h .. 240 h)
  std::string organiser;
  std::string certificate;  // optional, 0..64 of A-Z a-z 0-9 - / ( ) and CJK
};

struct TrainingRecord {
  std::int64_t id = 0;
  std::int64_t person_id = 0;
  std::int64_t site_id = 0;
  TrainingFields fields;
  std::string recorded_by;
  TimePoint recorded_at;
};

// A current responsible person with their latest training (N8.2: none in the last 12 months is
// flagged as overdue).
struct PersonTrainingStatus {
  ResponsiblePerson person;
  std::string site_name;
  std::optional<std::string> last_trained_on;
  bool overdue = false;
};

// ----- graded protection (N7.5) ----------------------------------------------------------------

// The rule for the next assessment (测评): level 3 and above every year, level 2 every two years,
// level 1 none required. From the last assessment, else from the filing date.
struct GradingFields {
  int level = 2;              // 1..5
  std::string filing_number;  // 公安备案号: 1..64 of 0-9 A-Z a-z - and CJK (no spaces, no markup)
  std::string filed_on;       // date
  std::string last_assessed_on;  // date or ""
  std::string institution;       // the assessment institution, "" when none yet
};

struct GradedProtection {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  GradingFields fields;
  std::string next_due;  // date, "" for level 1
  bool overdue = false;  // next_due before today
  std::string recorded_by;
  TimePoint recorded_at;
};

struct Rectification {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  std::string text;
  std::string due_on;
  std::optional<std::string> closed_on;
  std::string closed_how;
  std::string opened_by;
  TimePoint opened_at;
};

// ----- third-party service providers (N2.6) ----------------------------------------------------

enum class ProviderService { hosting, development, operations, security, mail, other };
std::string_view to_string(ProviderService s);
Result<ProviderService> parse_provider_service(std::string_view text);  // "registry.unknown_service"

struct ProviderFields {
  std::string name;  // 1..128 bytes
  std::string uscc;  // 统一社会信用代码, validate_uscc
  ProviderService service = ProviderService::hosting;
  std::string contract_from;  // date
  std::string contract_to;    // date, not before contract_from
  bool nda_signed = false;    // confidentiality agreement
  std::string nda_on;         // date when signed, "" otherwise
};

struct ProviderReview {
  std::int64_t id = 0;
  std::string reviewed_on;  // date
  bool passed = false;
  std::string reviewer;
  std::string summary;
  std::string recorded_by;
  TimePoint recorded_at;
};

struct Provider {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  ProviderFields fields;
  std::vector<ProviderReview> reviews;  // oldest first
  std::string recorded_by;
  TimePoint recorded_at;
  std::optional<TimePoint> ended_at;
  std::string end_reason;
};

// ----- periodic qualification re-review (N2.3) -------------------------------------------------

struct ReReview {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  bool passed = false;
  std::string summary;
  std::int64_t reviewer_org_id = 0;
  bool suspended = false;  // the failure suspended the site
  std::string recorded_by;
  TimePoint recorded_at;
};

// When a live site's next re-review is due: `interval` days after the last re-review, else after it
// went live.
struct ReReviewDue {
  std::int64_t site_id = 0;
  std::string site_name;
  std::string due_on;  // date
  std::int64_t days_left = 0;  // negative when overdue
};

// ----- features (N4.1, N4.5) -------------------------------------------------------------------

// A feature: "interaction" | "blog" | "forum" | "search" | "column:<id>" (validate_feature).
struct FeatureState {
  std::string feature;
  bool enabled = false;
  std::optional<std::int64_t> assessment_id;
  std::optional<std::int64_t> approval_id;
  std::string reason;
  std::string actor;
  TimePoint at;
};

// ----- the parent's dashboard (N2.2, N2.3, N2.6, N7.5, N8.1, N8.2) -----------------------------

struct DashboardRow {
  Site site;
  std::string org_name;
  std::string icp_number;              // "" when missing
  std::vector<Duty> missing_people;    // required duties without a current person
  std::vector<Duty> unlinked_reviewers;  // review duties whose current person has no linked account
  int training_overdue = 0;            // current people without training in the last 12 months
  int grading_level = 0;               // 0 when no graded-protection record
  bool grading_overdue = false;        // the next assessment date has passed
  int open_rectifications = 0;
  std::string rereview_due;            // date, "" when not live
  bool rereview_overdue = false;
  bool rereview_due_soon = false;      // within the next 30 days
  int providers_unreviewed = 0;        // current providers without a passed security review
};

struct Dashboard {
  std::int64_t org_id = 0;
  std::vector<std::pair<SiteState, int>> by_state;  // every state, in order
  std::vector<DashboardRow> rows;                   // the sites (closed too) of the subtree, by id
  // Totals: number of sites (not closed) with each problem.
  int sites = 0, missing_filing = 0, missing_people = 0, unlinked_reviewers = 0, training_overdue = 0, grading_missing = 0,
      grading_overdue = 0, open_rectifications = 0, rereview_overdue = 0, rereview_due_soon = 0,
      providers_unreviewed = 0;
};

enum class ExportFormat { csv, xlsx };
// A file for download. Column headings and state names come from `label`, which maps a catalogue
// key (e.g. "col_site", "site_state_live", "duty_leader", "yes") to the text people read.
struct ExportFile {
  std::string filename;  // ASCII, e.g. "dashboard-org3-2026-11-26.csv"
  std::string content_type;
  std::string bytes;
};
using ExportLabel = std::function<std::string(std::string_view key)>;

// Options of the service (config [registry]).
struct RegistryOptions {
  DomainRules domain_rules;
  int rereview_interval_days = 365;  // N2.3: the default interval between re-reviews
};

// ----- the service -----------------------------------------------------------------------------

class Registry {
 public:
  // `db` (migrations applied), `audit` and `clock` must outlive the registry.
  static std::unique_ptr<Registry> open(store::Database& db, audit::AuditLog& audit, DomainRules rules = {},
                                        const Clock& clock = system_clock());
  static std::unique_ptr<Registry> open(store::Database& db, audit::AuditLog& audit, RegistryOptions options,
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

  // --- site edits and lifecycle -----------------------------------------------------------------
  // site.manage on the site ("site.edit"): every field validated as at application (the domains in
  // `fields` are ignored: add_domain/remove_domain); one site_field_changes row per changed field.
  // Refused for a closed site (registry.bad_state).
  virtual Status edit_site(const Actor& actor, std::int64_t site_id, const SiteFields& fields) = 0;
  // The parent union's decisions (org.manage on the parent of the site's organisation, like
  // approve_opening): suspend live → suspended ("site.suspend"), resume suspended → live
  // ("site.resume"), close any state but closed → closed ("site.close"). Suspend and close need a
  // reason (1..2000 bytes, registry.invalid_reason). A closed site keeps all its rows.
  virtual Status suspend_site(const Actor& actor, std::int64_t site_id, std::string reason) = 0;
  virtual Status resume_site(const Actor& actor, std::int64_t site_id, std::string reason) = 0;
  virtual Status close_site(const Actor& actor, std::int64_t site_id, std::string reason) = 0;
  // site.read: the history of field edits and of states, oldest first.
  virtual Result<std::vector<SiteFieldChange>> site_changes(const Principal& who, std::int64_t site_id) = 0;
  virtual Result<std::vector<SiteStateChange>> state_history(const Principal& who, std::int64_t site_id) = 0;

  // --- responsible people (N8.1) and training (N8.2) ---------------------------------------------
  // site.manage ("site.person_appoint"): appoints the person for a duty; the current holder's
  // appointment ends (ended_at). A closed site is refused.
  virtual Result<ResponsiblePerson> appoint_person(const Actor& actor, std::int64_t site_id, Duty duty,
                                                   const PersonFields& fields) = 0;
  // site.read: current people (by duty) and, with include_ended, the ended appointments too (by id).
  virtual Result<std::vector<ResponsiblePerson>> people(const Principal& who, std::int64_t site_id,
                                                        bool include_ended = false) = 0;
  // site.read: required duties (kRequiredDuties) without a current person.
  virtual Result<std::vector<Duty>> missing_people(const Principal& who, std::int64_t site_id) = 0;
  // site.read: review duties (kReviewDuties) whose current person has no linked account (user_id):
  // such a person cannot decide reviews in the console, so the stage falls back to the permission.
  virtual Result<std::vector<Duty>> unlinked_reviewers(const Principal& who, std::int64_t site_id) = 0;
  // site.manage on the person's site ("site.training_record"): a training of a registered person
  // (current or not). Unknown person: registry.not_found.
  virtual Result<TrainingRecord> record_training(const Actor& actor, std::int64_t person_id,
                                                 const TrainingFields& fields) = 0;
  // site.read: the site's training records, newest first.
  virtual Result<std::vector<TrainingRecord>> training_of_site(const Principal& who, std::int64_t site_id) = 0;
  // org.read: every current person of the subtree's sites (not closed) with their last training and
  // the overdue flag (no training in the 12 months before today).
  virtual Result<std::vector<PersonTrainingStatus>> training_of_subtree(const Principal& who,
                                                                        std::int64_t org_id) = 0;

  // --- graded protection (N7.5) ------------------------------------------------------------------
  // site.manage ("site.grading_record"): a new version of the site's record; history kept.
  virtual Result<GradedProtection> record_grading(const Actor& actor, std::int64_t site_id,
                                                  const GradingFields& fields) = 0;
  // site.read: the current record (nullopt when none) and all versions, oldest first.
  virtual Result<std::optional<GradedProtection>> grading(const Principal& who, std::int64_t site_id) = 0;
  virtual Result<std::vector<GradedProtection>> grading_history(const Principal& who, std::int64_t site_id) = 0;
  // site.manage ("site.rectification_open" / "site.rectification_close").
  virtual Result<Rectification> open_rectification(const Actor& actor, std::int64_t site_id, std::string text,
                                                   std::string due_on) = 0;
  virtual Status close_rectification(const Actor& actor, std::int64_t item_id, std::string closed_on,
                                     std::string how) = 0;
  virtual Result<std::vector<Rectification>> rectifications(const Principal& who, std::int64_t site_id) = 0;

  // --- third-party providers (N2.6) --------------------------------------------------------------
  // site.manage ("site.provider_add" / "site.provider_review" / "site.provider_end").
  virtual Result<Provider> add_provider(const Actor& actor, std::int64_t site_id, const ProviderFields& fields) = 0;
  virtual Status record_provider_review(const Actor& actor, std::int64_t provider_id, std::string reviewed_on,
                                        bool passed, std::string reviewer, std::string summary) = 0;
  virtual Status end_provider(const Actor& actor, std::int64_t provider_id, std::string reason) = 0;
  // site.read: every provider, ended ones too, by id.
  virtual Result<std::vector<Provider>> providers(const Principal& who, std::int64_t site_id) = 0;

  // --- periodic qualification re-review (N2.3) ---------------------------------------------------
  // org.manage on the parent of the site's organisation ("site.rereview"); the site must be live.
  // Rule: a failed re-review with suspend = true also suspends the site (state history reason: the
  // summary); a failed one without suspend leaves it live and the next one is due at once.
  virtual Result<ReReview> record_rereview(const Actor& actor, std::int64_t site_id, bool passed,
                                           std::string summary, bool suspend) = 0;
  virtual Result<std::vector<ReReview>> rereviews(const Principal& who, std::int64_t site_id) = 0;
  // site.read: when the live site's next re-review is due (nullopt when not live).
  virtual Result<std::optional<ReReviewDue>> rereview_due(const Principal& who, std::int64_t site_id) = 0;
  // org.read: live sites of the subtree whose re-review is overdue or due within `within_days`, by date.
  virtual Result<std::vector<ReReviewDue>> rereviews_due(const Principal& who, std::int64_t org_id,
                                                         int within_days = 30) = 0;

  // --- features with the assessment gate (N4.1, N4.5) --------------------------------------------
  // site.configure ("site.security_assessment", details.feature): a security assessment of a feature
  // of an approved or live site. The opening assessment is record_security_assessment above.
  virtual Status record_feature_assessment(const Actor& actor, std::int64_t site_id, std::string feature,
                                           bool passed, std::string assessor, std::string summary) = 0;
  // The parent's approval of a feature (N4.5: forums), org.manage on the parent of the site's
  // organisation ("site.feature_approval"), like approve_opening: the user who applied for the site
  // cannot approve (registry.separation_of_duties). Site approved or live.
  virtual Status record_feature_approval(const Actor& actor, std::int64_t site_id, std::string feature,
                                         bool approved, std::string summary) = 0;
  // site.configure ("site.feature_enable"): refused unless the newest assessment for the feature
  // passed (registry.assessment_missing) and, for "forum", the newest approval is positive
  // (registry.approval_missing). Site approved or live; an enabled feature is refused
  // (registry.bad_state).
  virtual Status enable_feature(const Actor& actor, std::int64_t site_id, std::string feature) = 0;
  // site.configure ("site.feature_disable"), reason required.
  virtual Status disable_feature(const Actor& actor, std::int64_t site_id, std::string feature,
                                 std::string reason) = 0;
  // site.read: the newest change of every feature ever changed, by feature name.
  virtual Result<std::vector<FeatureState>> features(const Principal& who, std::int64_t site_id) = 0;
  // site.read: the feature assessments and approvals (opening_reviews with a feature), oldest first.
  virtual Result<std::vector<std::pair<std::string, OpeningReview>>> feature_reviews(const Principal& who,
                                                                                     std::int64_t site_id) = 0;

  // --- dashboard and exports ---------------------------------------------------------------------
  // org.read on org_id: every site of the subtree with what is missing or overdue, and totals.
  virtual Result<Dashboard> dashboard(const Principal& who, std::int64_t org_id) = 0;
  // org.read; audited as "registry.export" (details: what, format, rows). CSV: RFC 4180, UTF-8 with a
  // BOM, cells starting with = + - @ (or tab/CR) prefixed with ' against formula injection.
  virtual Result<ExportFile> export_dashboard(const Actor& actor, std::int64_t org_id, ExportFormat format,
                                              const ExportLabel& label) = 0;
  virtual Result<ExportFile> export_filings(const Actor& actor, std::int64_t org_id, ExportFormat format,
                                            const ExportLabel& label) = 0;
};

// The [registry] section of the config: per-level domain suffixes and the re-review interval.
RegistryOptions rules_from(const Config& config);

}  // namespace sw::registry
