// Site features and column assessments as content reads them (site_features.h; N4.1).
#include "content/site_features.h"

#include <string>

namespace sw::content {

Result<bool> feature_enabled(store::Database& db, std::int64_t site_id, std::string_view feature) {
  SW_TRY(row, db.query_one("SELECT change FROM site_feature_changes WHERE site_id = ? AND feature = ? "
                           "ORDER BY id DESC LIMIT 1",
                           {site_id, std::string(feature)}));
  return row && row->text(0) == "enabled";
}

Status require_feature(store::Database& db, std::int64_t site_id, std::string_view feature) {
  SW_TRY(enabled, feature_enabled(db, site_id, feature));
  if (enabled) return ok();
  return fail("content.feature_disabled", "the feature \"" + std::string(feature) +
                                              "\" is not enabled on site:" + std::to_string(site_id));
}

Status require_column_usable(store::Database& db, std::int64_t column_id) {
  SW_TRY(column, db.query_one("SELECT site_id, needs_assessment FROM columns WHERE id = ?", {column_id}));
  if (!column) return fail("content.not_found", "no column with id " + std::to_string(column_id));
  if (column->integer(1) == 0) return ok();
  const std::string feature = "column:" + std::to_string(column_id);
  SW_TRY(assessment, db.query_one("SELECT result FROM opening_reviews WHERE site_id = ? AND "
                                  "kind = 'security_assessment' AND feature = ? ORDER BY id DESC LIMIT 1",
                                  {column->integer(0), feature}));
  if (assessment && assessment->text(0) == "passed") return ok();
  return fail("content.column_not_assessed",
              feature + " was created on a live site and has no passed security assessment (N4.1)");
}

}  // namespace sw::content
