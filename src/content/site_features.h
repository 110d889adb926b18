// The site features and assessments content obeys (N4.1, N4.3, N4.4, N4.5): read from the registry's
// tables of migration 0006 (site_feature_changes, opening_reviews.feature), never written here.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/result.h"
#include "store/database.h"

namespace sw::content {

// Feature names as the registry records them.
inline constexpr std::string_view kFeatureInteraction = "interaction";  // 留言/咨询/投诉, N4.3
inline constexpr std::string_view kFeatureBlog = "blog";                // N4.4
inline constexpr std::string_view kFeatureForum = "forum";              // N4.5

// True when the newest site_feature_changes row for (site_id, feature) says 'enabled'.
Result<bool> feature_enabled(store::Database& db, std::int64_t site_id, std::string_view feature);
// "content.feature_disabled" naming the feature and the site unless it is enabled.
Status require_feature(store::Database& db, std::int64_t site_id, std::string_view feature);

// N4.1: a column created while its site was live (columns.needs_assessment, 0008) is usable only when
// the newest security assessment of the site for feature "column:<id>" has result 'passed'.
// "content.column_not_assessed" otherwise; "content.not_found" for an unknown column.
Status require_column_usable(store::Database& db, std::int64_t column_id);

}  // namespace sw::content
