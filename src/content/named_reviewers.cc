// Named reviewers as content reads them from the registry's site_people (named_reviewers.h).
#include "content/named_reviewers.h"

#include <algorithm>

namespace sw::content {

std::string_view NamedReviewers::basis() const {
  if (!user_ids.empty()) return kBasisNamed;
  return duties.empty() ? kBasisNoneNamed : kBasisNotLinked;
}

std::string_view duty_of(Stage stage) { return stage == Stage::content ? "content_review" : "secrecy_review"; }
std::string duty_deputy_of(Stage stage) { return std::string(duty_of(stage)) + "_deputy"; }

Result<NamedReviewers> named_reviewers(store::Database& db, std::int64_t site_id, Stage stage) {
  SW_TRY(rows, db.query("SELECT duty, user_id FROM site_people WHERE site_id = ? AND duty IN (?, ?) AND "
                        "ended_at IS NULL ORDER BY duty",
                        {site_id, std::string(duty_of(stage)), duty_deputy_of(stage)}));
  NamedReviewers out;
  for (const store::Row& r : rows) {
    out.duties.push_back(r.text(0));
    if (!r.is_null(1)) out.user_ids.push_back(r.integer(1));
  }
  return out;
}

Result<std::string_view> check_named_reviewer(store::Database& db, std::int64_t site_id, Stage stage,
                                              std::int64_t user_id, std::string_view user_name) {
  SW_TRY(named, named_reviewers(db, site_id, stage));
  const std::string_view basis = named.basis();
  if (basis != kBasisNamed) return basis;
  if (user_id != 0 && std::ranges::find(named.user_ids, user_id) != named.user_ids.end()) return basis;
  return fail("content.not_named_reviewer",
              "\"" + std::string(user_name) + "\" is not the person named for " + std::string(duty_of(stage)) +
                  " (or its deputy) on site:" + std::to_string(site_id) + " and cannot decide the " +
                  std::string(to_string(stage)) + " review (N3.1, N8.1)");
}

}  // namespace sw::content
