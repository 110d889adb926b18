// The people the registry names to review a site's items (N3.1 "reviewed by the named people", N8.1),
// as content reads them: the registry's site_people rows of migration 0007 (duty content_review /
// secrecy_review and their deputies *_deputy), never written here — content does not link registry.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "content/workflow.h"
#include "store/database.h"

namespace sw::content {

// Why a reviewer may decide a stage, as the review record keeps it (review_records.reviewer_basis,
// migration 0013).
inline constexpr std::string_view kBasisNamed = "named";                   // the named person or deputy
inline constexpr std::string_view kBasisNoneNamed = "no_named_reviewer";   // nobody named: permission alone
inline constexpr std::string_view kBasisNotLinked = "named_not_linked";    // named, no account: permission alone

// The current people named for one stage of one site.
struct NamedReviewers {
  std::vector<std::int64_t> user_ids;  // the linked accounts of the person and the deputy, if any
  std::vector<std::string> duties;     // the duties someone currently holds, e.g. "content_review"
  // kBasisNamed when someone named has an account, kBasisNotLinked when people are named but none
  // has an account, kBasisNoneNamed when nobody is named.
  std::string_view basis() const;
};

// The stage's duty ("content_review" | "secrecy_review") and its deputy's ("…_deputy").
std::string_view duty_of(Stage stage);
std::string duty_deputy_of(Stage stage);

// The current named people for the stage on the site.
Result<NamedReviewers> named_reviewers(store::Database& db, std::int64_t site_id, Stage stage);

// N3.1/N8.1: when the stage has a named person with a linked account, only such an account
// (user_id) may decide it: "content.not_named_reviewer" naming the duty otherwise (the machine
// operator, user 0, included). Returns the basis to record: kBasisNamed, or when nobody usable is
// named, kBasisNoneNamed / kBasisNotLinked (the caller's permission check alone decided).
Result<std::string_view> check_named_reviewer(store::Database& db, std::int64_t site_id, Stage stage,
                                              std::int64_t user_id, std::string_view user_name);

}  // namespace sw::content
