// Specification of the article workflow table (N3.1): every (state, action) pair, allowed or refused.
#include "content/workflow.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <utility>

namespace sw::content {
namespace {

using S = State;
using A = Action;

// The expected table, written out independently of the implementation: nullopt = refused.
std::optional<State> expected(State from, Action a) {
  static const std::map<std::pair<State, Action>, State> kAllowed = {
      {{S::draft, A::edit}, S::draft},
      {{S::draft, A::submit}, S::submitted},
      {{S::submitted, A::edit}, S::draft},
      {{S::submitted, A::approve_content}, S::content_approved},
      {{S::submitted, A::reject}, S::draft},
      {{S::content_approved, A::edit}, S::draft},
      {{S::content_approved, A::approve_secrecy}, S::approved},
      {{S::content_approved, A::reject}, S::draft},
      {{S::approved, A::edit}, S::draft},
      {{S::approved, A::publish}, S::published},
      {{S::published, A::edit}, S::draft},
      // withdrawal (撤稿) and correction (更正), migration 0008
      {{S::published, A::request_withdrawal}, S::withdrawal_requested},
      {{S::withdrawal_requested, A::approve_withdrawal}, S::withdrawn},
      {{S::withdrawal_requested, A::reject_withdrawal}, S::published},
      {{S::published, A::withdraw}, S::withdrawn},
      {{S::withdrawn, A::edit}, S::draft},
      {{S::published, A::correct}, S::correction_submitted},
      {{S::correction_submitted, A::approve_content}, S::correction_content_approved},
      {{S::correction_submitted, A::reject}, S::published},
      {{S::correction_content_approved, A::approve_secrecy}, S::published},
      {{S::correction_content_approved, A::reject}, S::published},
  };
  auto it = kAllowed.find({from, a});
  return it == kAllowed.end() ? std::nullopt : std::optional<State>(it->second);
}

TEST(Workflow, EveryStateActionPairIsAllowedOrRefusedAsSpecified) {
  int allowed = 0, refused = 0;
  for (State s : kAllStates) {
    for (Action a : kAllActions) {
      SCOPED_TRACE(std::string(to_string(s)) + " + " + std::string(to_string(a)));
      const auto want = expected(s, a);
      const auto got = next(s, a);
      if (want) {
        ASSERT_TRUE(got) << got.error().to_string();
        EXPECT_EQ(*got, *want);
        ++allowed;
      } else {
        ASSERT_FALSE(got);
        EXPECT_EQ(got.error().code, "content.bad_transition");
        EXPECT_NE(got.error().message.find("cannot " + std::string(to_string(a)) + " "), std::string::npos)
            << got.error().message;
        ++refused;
      }
    }
  }
  EXPECT_EQ(allowed, 21);
  EXPECT_EQ(refused, 9 * 11 - 21);
}

TEST(Workflow, RefusalNamesTheActionAndTheState) {
  EXPECT_EQ(next(S::draft, A::approve_secrecy).error().message, "cannot approve_secrecy a draft");
  EXPECT_EQ(next(S::submitted, A::approve_secrecy).error().message,
            "cannot approve_secrecy a submitted article (awaiting content review)");
  EXPECT_EQ(next(S::published, A::publish).error().message, "cannot publish a published article");
  EXPECT_EQ(next(S::withdrawn, A::approve_withdrawal).error().message,
            "cannot approve_withdrawal a withdrawn article");
}

TEST(Workflow, SecrecyReviewComesOnlyAfterContentReview) {  // N3.1: a defined sequence
  EXPECT_FALSE(next(S::submitted, A::approve_secrecy));
  EXPECT_FALSE(next(S::draft, A::approve_content));
  EXPECT_FALSE(next(S::content_approved, A::approve_content));
  EXPECT_FALSE(next(S::submitted, A::publish));
  EXPECT_FALSE(next(S::content_approved, A::publish));
}

TEST(Workflow, AnEditReturnsToDraftExceptWhileAWithdrawalOrCorrectionAwaitsItsDecision) {
  for (State s : kAllStates) {
    const bool pending = s == S::withdrawal_requested || s == S::correction_submitted ||
                         s == S::correction_content_approved;
    if (pending) {
      EXPECT_EQ(next(s, A::edit).error().code, "content.bad_transition") << to_string(s);
    } else {
      EXPECT_EQ(next(s, A::edit).value(), S::draft) << to_string(s);
    }
  }
}

TEST(Workflow, ACorrectionWaitsAtBothStagesAndARejectionLeavesThePublishedVersion) {
  EXPECT_EQ(awaiting(S::correction_submitted), Stage::content);
  EXPECT_EQ(awaiting(S::correction_content_approved), Stage::secrecy);
  EXPECT_EQ(next(S::correction_submitted, A::reject).value(), S::published);
  EXPECT_FALSE(next(S::correction_submitted, A::approve_secrecy));  // N3.1: the sequence holds
  EXPECT_FALSE(next(S::approved, A::correct));                      // only a published item is corrected
  EXPECT_FALSE(next(S::withdrawn, A::publish));                     // a withdrawn item is reviewed again
  EXPECT_FALSE(next(S::approved, A::withdraw));
}

TEST(Workflow, LiveStatesAreThoseWhosePublishedVersionIsOnTheSite) {
  for (State s : kAllStates) {
    const bool live = s == S::published || s == S::withdrawal_requested || s == S::correction_submitted ||
                      s == S::correction_content_approved;
    EXPECT_EQ(is_live(s), live) << to_string(s);
  }
}

TEST(Workflow, AwaitingNamesTheStageOfEachReviewState) {
  EXPECT_EQ(awaiting(S::submitted), Stage::content);
  EXPECT_EQ(awaiting(S::content_approved), Stage::secrecy);
  EXPECT_EQ(awaiting(S::draft), std::nullopt);
  EXPECT_EQ(awaiting(S::approved), std::nullopt);
  EXPECT_EQ(awaiting(S::published), std::nullopt);
  EXPECT_EQ(approval_of(Stage::content), A::approve_content);
  EXPECT_EQ(approval_of(Stage::secrecy), A::approve_secrecy);
}

TEST(Workflow, NamesRoundTrip) {
  for (State s : kAllStates) EXPECT_EQ(parse_state(to_string(s)).value(), s);
  EXPECT_EQ(parse_state("rejected").error().code, "content.unknown_state");
  EXPECT_EQ(parse_stage("secrecy").value(), Stage::secrecy);
  EXPECT_EQ(parse_stage("legal").error().code, "content.unknown_stage");
}

}  // namespace
}  // namespace sw::content
