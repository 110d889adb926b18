// The article workflow as a pure table (issue 4; N3.1: a publication review and a confidentiality
// review, in a defined sequence, before anything is published). No database, no people: who may take
// an action is ContentService's business (articles.h); this says only which state an action leads to.
//
//   draft ──submit──▶ submitted ──approve_content──▶ content_approved ──approve_secrecy──▶ approved
//     ▲                   │  (信息审核 awaiting)           │  (保密审查 awaiting)                 │
//     └──────reject───────┴──────────reject───────────────┘                          publish │
//     └──────edit (from any state: a new version; every earlier review no longer applies)   ▼
//                                                                                     published
//
// Everything not in the table is refused with "content.bad_transition", naming action and state.
// Withdrawing a published article is a later slice.
#pragma once

#include <optional>
#include <string_view>

#include "base/result.h"

namespace sw::content {

enum class State {
  draft,             // being written, or returned by a reviewer
  submitted,         // awaiting content review (信息审核)
  content_approved,  // content review passed, awaiting secrecy review (保密审查)
  approved,          // both reviews passed, ready to publish
  published,         // marked published (the release build is a later issue)
  withdrawal_requested,         // published, a withdrawal (撤稿) awaiting its decision
  withdrawn,                    // taken off the site after a reviewed withdrawal
  correction_submitted,         // published, a correction (更正) version awaiting content review
  correction_content_approved,  // published, a correction version awaiting secrecy review
};
inline constexpr State kAllStates[] = {State::draft,
                                       State::submitted,
                                       State::content_approved,
                                       State::approved,
                                       State::published,
                                       State::withdrawal_requested,
                                       State::withdrawn,
                                       State::correction_submitted,
                                       State::correction_content_approved};
std::string_view to_string(State s);           // "draft" | "submitted" | "content_approved" | ...
Result<State> parse_state(std::string_view);  // "content.unknown_state"

enum class Action {
  edit,
  submit,
  approve_content,
  approve_secrecy,
  reject,
  publish,
  request_withdrawal,
  approve_withdrawal,
  reject_withdrawal,
  withdraw,  // a scheduled withdrawal falling due
  correct,
};
inline constexpr Action kAllActions[] = {Action::edit,
                                         Action::submit,
                                         Action::approve_content,
                                         Action::approve_secrecy,
                                         Action::reject,
                                         Action::publish,
                                         Action::request_withdrawal,
                                         Action::approve_withdrawal,
                                         Action::reject_withdrawal,
                                         Action::withdraw,
                                         Action::correct};
std::string_view to_string(Action a);  // "edit" | "submit" | "approve_content" | ...

// The two review stages of N3.1.
enum class Stage { content, secrecy };
std::string_view to_string(Stage s);           // "content" | "secrecy"
Result<Stage> parse_stage(std::string_view);  // "content.unknown_stage"

// The state an action leads to, or "content.bad_transition" ("cannot approve_secrecy a draft").
Result<State> next(State from, Action action);

// The review stage a state is waiting for: submitted and correction_submitted → content,
// content_approved and correction_content_approved → secrecy.
std::optional<Stage> awaiting(State s);
// approve_content | approve_secrecy.
Action approval_of(Stage s);
// True in the states whose published version is on the site: published and while a withdrawal or a
// correction of it is pending.
bool is_live(State s);

}  // namespace sw::content
