// The article workflow table (workflow.h; N3.1).
#include "content/workflow.h"

#include <array>
#include <string>
#include <utility>

namespace sw::content {
namespace {

constexpr std::array<std::pair<State, std::string_view>, 9> kStateNames{{
    {State::draft, "draft"},
    {State::submitted, "submitted"},
    {State::content_approved, "content_approved"},
    {State::approved, "approved"},
    {State::published, "published"},
    {State::withdrawal_requested, "withdrawal_requested"},
    {State::withdrawn, "withdrawn"},
    {State::correction_submitted, "correction_submitted"},
    {State::correction_content_approved, "correction_content_approved"},
}};
// How a refusal names the state: "cannot submit <this>".
constexpr std::array<std::pair<State, std::string_view>, 9> kStateNouns{{
    {State::draft, "a draft"},
    {State::submitted, "a submitted article (awaiting content review)"},
    {State::content_approved, "an article awaiting secrecy review"},
    {State::approved, "an approved article"},
    {State::published, "a published article"},
    {State::withdrawal_requested, "an article awaiting a withdrawal decision"},
    {State::withdrawn, "a withdrawn article"},
    {State::correction_submitted, "an article whose correction awaits content review"},
    {State::correction_content_approved, "an article whose correction awaits secrecy review"},
}};
constexpr std::array<std::pair<Action, std::string_view>, 11> kActionNames{{
    {Action::edit, "edit"},
    {Action::submit, "submit"},
    {Action::approve_content, "approve_content"},
    {Action::approve_secrecy, "approve_secrecy"},
    {Action::reject, "reject"},
    {Action::publish, "publish"},
    {Action::request_withdrawal, "request_withdrawal"},
    {Action::approve_withdrawal, "approve_withdrawal"},
    {Action::reject_withdrawal, "reject_withdrawal"},
    {Action::withdraw, "withdraw"},
    {Action::correct, "correct"},
}};
constexpr std::array<std::pair<Stage, std::string_view>, 2> kStageNames{{
    {Stage::content, "content"},
    {Stage::secrecy, "secrecy"},
}};

struct Transition {
  State from;
  Action action;
  State to;
};

// THE table. An edit makes a new version and starts over (N3.1: reviewers approve exactly what is
// published); a rejection returns the article to its author as a draft. A rejected correction or
// withdrawal returns the article to published: the live version never changed.
constexpr Transition kTransitions[] = {
    {State::draft, Action::edit, State::draft},
    {State::draft, Action::submit, State::submitted},
    {State::submitted, Action::edit, State::draft},
    {State::submitted, Action::approve_content, State::content_approved},
    {State::submitted, Action::reject, State::draft},
    {State::content_approved, Action::edit, State::draft},
    {State::content_approved, Action::approve_secrecy, State::approved},
    {State::content_approved, Action::reject, State::draft},
    {State::approved, Action::edit, State::draft},
    {State::approved, Action::publish, State::published},
    {State::published, Action::edit, State::draft},
    // Withdrawal and correction (0008): the published version stays live until the decision.
    {State::published, Action::request_withdrawal, State::withdrawal_requested},
    {State::withdrawal_requested, Action::approve_withdrawal, State::withdrawn},
    {State::withdrawal_requested, Action::reject_withdrawal, State::published},
    {State::published, Action::withdraw, State::withdrawn},
    {State::withdrawn, Action::edit, State::draft},
    {State::published, Action::correct, State::correction_submitted},
    {State::correction_submitted, Action::approve_content, State::correction_content_approved},
    {State::correction_submitted, Action::reject, State::published},
    {State::correction_content_approved, Action::approve_secrecy, State::published},
    {State::correction_content_approved, Action::reject, State::published},
};

template <class E, std::size_t N>
std::string_view name_in(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

template <class E, std::size_t N>
Result<E> parse_in(const std::array<std::pair<E, std::string_view>, N>& table, std::string_view text,
                   std::string code, std::string_view what) {
  for (const auto& [v, name] : table) {
    if (name == text) return v;
  }
  return fail(std::move(code), "unknown " + std::string(what) + " \"" + std::string(text) + "\"");
}

}  // namespace

std::string_view to_string(State s) { return name_in(kStateNames, s); }
Result<State> parse_state(std::string_view text) {
  return parse_in(kStateNames, text, "content.unknown_state", "article state");
}
std::string_view to_string(Action a) { return name_in(kActionNames, a); }
std::string_view to_string(Stage s) { return name_in(kStageNames, s); }
Result<Stage> parse_stage(std::string_view text) {
  return parse_in(kStageNames, text, "content.unknown_stage", "review stage");
}

Result<State> next(State from, Action action) {
  for (const Transition& t : kTransitions) {
    if (t.from == from && t.action == action) return t.to;
  }
  return fail("content.bad_transition",
              "cannot " + std::string(to_string(action)) + " " + std::string(name_in(kStateNouns, from)));
}

std::optional<Stage> awaiting(State s) {
  if (s == State::submitted || s == State::correction_submitted) return Stage::content;
  if (s == State::content_approved || s == State::correction_content_approved) return Stage::secrecy;
  return std::nullopt;
}

bool is_live(State s) {
  return s == State::published || s == State::withdrawal_requested || s == State::correction_submitted ||
         s == State::correction_content_approved;
}

Action approval_of(Stage s) { return s == Stage::content ? Action::approve_content : Action::approve_secrecy; }

}  // namespace sw::content
