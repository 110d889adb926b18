// InteractionService: the public's messages to a union site (留言/咨询/投诉, N4.3) and forum posts
// (N4.5), moderated before they appear, the unit's replies reviewed by a second person, and the
// reply deadlines a government-site inspection checks (issue 4; migration 0008_content_lifecycle.sql,
// tables interaction_items and interaction_replies; docs/modules/content.md "Interaction").
//
// Gates: a message, consultation or complaint is accepted only while the site's feature
// "interaction" is enabled, a forum post only while "forum" is (the registry records both, the forum
// only with a recorded approval, N4.5; site_features.h). Submissions are rate limited per client IP
// in memory (a bounded table; InteractionOptions).
//
// Permissions (on the item's site), one audit event per call (success / failure / denied):
//   submit (the public)             none; the feature gate and the rate limit  "interaction.submit"
//   queue, moderate                 content.review                             "interaction.moderate"
//   write_reply                     content.edit                               "interaction.reply"
//   review_reply                    content.review, not the reply's writer     "interaction.reply_review"
//   replies                         content.edit or content.review
//   deadlines                       content.review or audit.read on the organisation (its subtree's sites)
//
// Error codes: content.invalid_field (the field named), content.feature_disabled,
// content.rate_limited, content.not_found, content.bad_state (already moderated or reviewed, a reply
// to an item not approved, a second pending reply), content.reason_required (a rejection),
// content.findings_block (approving text with a high finding needs a reason), content.separation_of_duties
// (denied), identity.forbidden (denied).
//
// Thread-safety: all methods may be called from any thread; database work is serialised inside.
#pragma once

#include <chrono>
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
#include "review/scanner.h"
#include "store/database.h"

namespace sw::content {

enum class InteractionKind { message, consultation, complaint, forum };
std::string_view to_string(InteractionKind k);  // "message" | "consultation" | "complaint" | "forum"
Result<InteractionKind> parse_interaction_kind(std::string_view text);  // "content.invalid_field"

struct InteractionOptions {
  // Reply deadlines of a question (not a forum post), from its submission.
  std::chrono::days warning_after{15};
  std::chrono::days escalation_after{30};
  // Unanswered this long fails a government-site inspection outright (三个月).
  std::chrono::days inspection_failure_after{90};
  // Public submissions per client IP per window; the table of IPs is bounded.
  std::size_t per_ip_limit = 5;
  std::chrono::seconds per_ip_window{3600};
  std::size_t max_tracked_ips = 10'000;
  // Field limits in bytes.
  std::size_t max_name_bytes = 100;
  std::size_t max_text_bytes = 5000;
  std::size_t max_reply_bytes = 10'000;
};

// What a member of the public sends.
struct PublicSubmission {
  InteractionKind kind = InteractionKind::message;
  std::string name;   // required
  std::string phone;  // optional; a mainland mobile or landline number when given
  std::string text;   // required
};

struct Reply {
  std::int64_t id = 0;
  std::int64_t item_id = 0;
  std::string body;
  std::string written_by;
  std::int64_t written_by_user_id = 0;
  TimePoint written_at;
  std::string status;  // pending | approved | rejected
  std::string reviewed_by;
  std::string review_reason;
};

struct InteractionItem {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  InteractionKind kind = InteractionKind::message;
  std::string name;
  std::string phone;
  std::string body;
  std::string client_ip;
  review::Severity highest = review::Severity::info;
  std::string findings_json;  // what the scanner found, for the moderator
  TimePoint submitted_at;
  std::string status;  // pending | approved | rejected
  std::string moderated_by;
  std::string moderation_reason;
  std::optional<Reply> reply;  // the approved reply, if any
};

enum class DeadlineLevel { warning, escalation, inspection_failure };
std::string_view to_string(DeadlineLevel l);  // "warning" | "escalation" | "inspection_failure"

struct OverdueItem {
  InteractionItem item;
  std::int64_t days = 0;  // whole days since submission
  DeadlineLevel level = DeadlineLevel::warning;
};

class InteractionService {
 public:
  // `db` (migrations applied), `audit`, `scanner` and `clock` must outlive the service.
  static std::unique_ptr<InteractionService> open(store::Database& db, audit::AuditLog& audit,
                                                  const review::Scanner& scanner,
                                                  const Clock& clock = system_clock(),
                                                  InteractionOptions options = {});
  ~InteractionService();

  // A public submission: validated, rate limited per client_ip, scanned, stored pending moderation.
  // Returns the item's id.
  Result<std::int64_t> submit(std::int64_t site_id, const PublicSubmission& submission,
                              std::string client_ip);
  // The site's items awaiting moderation, oldest first.
  Result<std::vector<InteractionItem>> queue(const identity::Principal& who, std::int64_t site_id);
  // Approve (it appears) or reject (reason required). Approving text with a finding of severity high
  // or above needs a reason (the moderator's justification).
  Status moderate(const identity::Actor& actor, std::int64_t item_id, bool approve, std::string reason);
  // The unit's reply to an approved question (not a forum post): pending until a second person approves.
  Result<std::int64_t> write_reply(const identity::Actor& actor, std::int64_t item_id, std::string text);
  Status review_reply(const identity::Actor& actor, std::int64_t reply_id, bool approve, std::string reason);
  Result<std::vector<Reply>> replies(const identity::Principal& who, std::int64_t item_id);
  // What the public sees: the site's approved items of `kind` with their approved replies, newest first.
  Result<std::vector<InteractionItem>> published(std::int64_t site_id, InteractionKind kind);
  // Questions of the subtree's sites without an approved reply for at least warning_after, most
  // overdue first, each with its level.
  Result<std::vector<OverdueItem>> deadlines(const identity::Principal& who, std::int64_t org_id,
                                             TimePoint now);

  // Public submissions refused by the rate limit since the service opened.
  std::int64_t rate_limited() const;
  // The deadlines and limits the service was opened with (the console's summary counts by them).
  const InteractionOptions& options() const;

 private:
  class Impl;
  explicit InteractionService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A phone number as a member of the public may give it: empty, or a mainland mobile (11 digits from
// 1[3-9]) or landline (0 + area code + number, 10-12 digits), optionally with +86 and spaces or hyphens.
bool valid_phone(std::string_view phone);

}  // namespace sw::content
