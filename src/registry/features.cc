// Features of a site with the assessment gate (N4.1) and the forum approval (N4.5). Assessments and
// approvals are opening_reviews rows with a feature; enabling and disabling are site_feature_changes
// rows (0006_site_features.sql). A feature is enabled when its newest site_feature_changes row has
// change = 'enabled' — src/content reads exactly that.
#include "registry/service_core.h"

namespace sw::registry::detail {
namespace {

constexpr std::string_view kForum = "forum";

Status check_feature_state(const Site& site) {
  if (site.state == SiteState::approved || site.state == SiteState::live) return ok();
  return fail("registry.bad_state", "features are for an approved or live site; " + site_object(site.id) + " is " +
                                        std::string(to_string(site.state)));
}

}  // namespace

Status ServiceCore::feature_assessment_locked(const Actor& actor, std::int64_t site_id, const std::string& feature,
                                              bool passed, const std::string& assessor, const std::string& summary) {
  SW_CHECK(validate_feature(feature));
  SW_TRY(site, site_by_id(site_id));
  SW_CHECK(check_feature_state(site));
  SW_CHECK(validate_text_field("assessor", assessor));
  SW_CHECK(validate_text_field("summary", summary, kMaxSummary));
  return insert_review(site_id, ReviewKind::security_assessment, passed ? "passed" : "failed", summary,
                       std::nullopt, assessor, actor.principal.name, clock_.now(), feature);
}

Status ServiceCore::feature_approval_locked(const Actor& actor, std::int64_t site_id, std::int64_t reviewer,
                                            const std::string& feature, bool approved, const std::string& summary) {
  SW_CHECK(validate_feature(feature));
  SW_TRY(site, site_by_id(site_id));
  SW_CHECK(check_feature_state(site));
  SW_CHECK(validate_text_field("summary", summary, kMaxSummary));
  return insert_review(site_id, ReviewKind::approval, approved ? "approved" : "rejected", summary, reviewer, "",
                       actor.principal.name, clock_.now(), feature);
}

Status ServiceCore::enable_feature_locked(Audit& event, const Actor& actor, std::int64_t site_id,
                                          const std::string& feature) {
  SW_CHECK(validate_feature(feature));
  SW_TRY(site, site_by_id(site_id));
  SW_CHECK(check_feature_state(site));
  SW_TRY(current, db_.query_one("SELECT change FROM site_feature_changes WHERE site_id = ? AND feature = ? "
                                "ORDER BY id DESC LIMIT 1",
                                {site_id, feature}));
  if (current && current->text(0) == "enabled") {
    return fail("registry.bad_state", "feature " + feature + " of " + site_object(site_id) + " is already enabled");
  }
  const auto newest = [&](ReviewKind kind) {
    return db_.query_one(std::string(kReviewColumns) + " WHERE site_id = ? AND feature = ? AND kind = ? "
                                                       "ORDER BY id DESC LIMIT 1",
                         {site_id, feature, std::string(to_string(kind))});
  };
  // N4.1: the newest assessment of this feature must have passed.
  SW_TRY(assessment, newest(ReviewKind::security_assessment));
  if (!assessment || !review_from(*assessment).positive) {
    return fail("registry.assessment_missing",
                site_object(site_id) + ": feature " + feature +
                    (assessment ? " failed its latest security assessment (N4.1)"
                                : " has no security assessment (N4.1)"));
  }
  // N4.5: a forum needs the parent's recorded approval.
  store::Value approval_id{std::monostate{}};
  if (feature == kForum) {
    SW_TRY(approval, newest(ReviewKind::approval));
    if (!approval || !review_from(*approval).positive) {
      return fail("registry.approval_missing",
                  site_object(site_id) + ": a forum needs the approval of the parent union (N4.5)");
    }
    approval_id = approval->integer(0);
    event.details["approval_id"] = approval->integer(0);
  }
  event.details["assessment_id"] = assessment->integer(0);
  SW_CHECK(db_.exec("INSERT INTO site_feature_changes (site_id, feature, change, assessment_id, approval_id, actor, "
                    "at) VALUES (?, ?, 'enabled', ?, ?, ?, ?)",
                    {site_id, feature, assessment->integer(0), approval_id, actor.principal.name,
                     format_rfc3339(clock_.now())}));
  return ok();
}

Status ServiceCore::disable_feature_locked(const Actor& actor, std::int64_t site_id, const std::string& feature,
                                           const std::string& reason) {
  SW_CHECK(validate_feature(feature));
  SW_TRY(site, site_by_id(site_id));
  SW_CHECK(check_not_closed(site));
  SW_CHECK(validate_text_field("reason", reason, kMaxSummary));
  SW_TRY(current, db_.query_one("SELECT change FROM site_feature_changes WHERE site_id = ? AND feature = ? "
                                "ORDER BY id DESC LIMIT 1",
                                {site_id, feature}));
  if (!current || current->text(0) != "enabled") {
    return fail("registry.bad_state", "feature " + feature + " of " + site_object(site_id) + " is not enabled");
  }
  SW_CHECK(db_.exec("INSERT INTO site_feature_changes (site_id, feature, change, reason, actor, at) "
                    "VALUES (?, ?, 'disabled', ?, ?, ?)",
                    {site_id, feature, reason, actor.principal.name, format_rfc3339(clock_.now())}));
  return ok();
}

Result<std::vector<FeatureState>> ServiceCore::features_locked(std::int64_t site_id) {
  SW_TRY(site, site_by_id(site_id));
  SW_TRY(rows, db_.query("SELECT c.feature, c.change, c.assessment_id, c.approval_id, c.reason, c.actor, c.at "
                         "FROM site_feature_changes c WHERE c.site_id = ? AND c.id = (SELECT MAX(id) FROM "
                         "site_feature_changes WHERE site_id = c.site_id AND feature = c.feature) ORDER BY c.feature",
                         {site.id}));
  std::vector<FeatureState> out;
  for (const store::Row& r : rows) {
    FeatureState f;
    f.feature = r.text(0);
    f.enabled = r.text(1) == "enabled";
    if (!r.is_null(2)) f.assessment_id = r.integer(2);
    if (!r.is_null(3)) f.approval_id = r.integer(3);
    f.reason = r.text(4);
    f.actor = r.text(5);
    f.at = time_at(r, 6);
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<std::pair<std::string, OpeningReview>>> ServiceCore::feature_reviews_locked(std::int64_t site_id) {
  SW_TRY(site, site_by_id(site_id));
  SW_TRY(rows, db_.query(std::string(kReviewColumns) + " WHERE site_id = ? AND feature <> '' ORDER BY id", {site.id}));
  std::vector<std::pair<std::string, OpeningReview>> out;
  for (const store::Row& r : rows) out.emplace_back(r.text(9), review_from(r));
  return out;
}

}  // namespace sw::registry::detail
