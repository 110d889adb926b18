// InteractionService (interaction.h; N4.3 moderated messages, N4.5 moderated forums).
#include "content/interaction.h"

#include <arpa/inet.h>

#include <algorithm>
#include <deque>
#include <mutex>
#include <span>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "content/site_features.h"

namespace sw::content {
namespace {

using identity::Actor;
using identity::Permission;
using identity::Principal;
using identity::Scope;

constexpr std::string_view kPublicActor = "public";
constexpr std::string_view kSystemRole = "system";

std::string item_object(std::int64_t id) { return "interaction:" + std::to_string(id); }
std::string reply_object(std::int64_t id) { return "interaction_reply:" + std::to_string(id); }

Status check_text(std::string_view field, std::string_view value, std::size_t max, bool required) {
  if (required && value.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return fail("content.invalid_field", std::string(field) + ": required");
  }
  if (value.size() > max) {
    return fail("content.invalid_field",
                std::string(field) + ": longer than " + std::to_string(max) + " bytes");
  }
  return ok();
}

// A name is one line of text: no control characters.
Status check_name(std::string_view name, std::size_t max) {
  SW_CHECK(check_text("name", name, max, true));
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7F) return fail("content.invalid_field", "name: no control characters");
  }
  return ok();
}

Status check_ip(const std::string& ip) {
  unsigned char buf[16];
  if (ip.size() <= 45 &&
      (inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1)) {
    return ok();
  }
  return fail("content.invalid_field", "client_ip: not an IPv4 or IPv6 address");
}

bool is_denial(const Error& e) {
  return e.code == "identity.forbidden" || e.code == "content.separation_of_duties";
}

std::optional<TimePoint> optional_time(const store::Row& row, std::size_t i) {
  const auto text = row.optional_text(i);
  if (!text) return std::nullopt;
  auto t = parse_rfc3339(*text);
  return t ? std::optional<TimePoint>(*t) : std::nullopt;
}

constexpr std::string_view kItemColumns =
    "SELECT id, site_id, kind, name, phone, body, client_ip, highest, findings_json, submitted_at, status, "
    "moderated_by, moderation_reason FROM interaction_items";
constexpr std::string_view kReplyColumns =
    "SELECT id, item_id, body, written_by, written_by_user_id, written_at, status, reviewed_by, "
    "review_reason "
    "FROM interaction_replies";

InteractionItem item_from(const store::Row& r) {
  InteractionItem i;
  i.id = r.integer(0);
  i.site_id = r.integer(1);
  i.kind = parse_interaction_kind(r.text(2)).value_or(InteractionKind::message);
  i.name = r.text(3);
  i.phone = r.text(4);
  i.body = r.text(5);
  i.client_ip = r.text(6);
  i.highest = review::parse_severity(r.text(7)).value_or(review::Severity::critical);
  i.findings_json = r.text(8);
  i.submitted_at = optional_time(r, 9).value_or(TimePoint{});
  i.status = r.text(10);
  i.moderated_by = r.text(11);
  i.moderation_reason = r.text(12);
  return i;
}

Reply reply_from(const store::Row& r) {
  Reply x;
  x.id = r.integer(0);
  x.item_id = r.integer(1);
  x.body = r.text(2);
  x.written_by = r.text(3);
  x.written_by_user_id = r.integer(4);
  x.written_at = optional_time(r, 5).value_or(TimePoint{});
  x.status = r.text(6);
  x.reviewed_by = r.text(7);
  x.review_reason = r.text(8);
  return x;
}

std::string decision_of(bool approve) { return approve ? "approved" : "rejected"; }

}  // namespace

std::string_view to_string(InteractionKind k) {
  switch (k) {
    case InteractionKind::message:
      return "message";
    case InteractionKind::consultation:
      return "consultation";
    case InteractionKind::complaint:
      return "complaint";
    case InteractionKind::forum:
      return "forum";
  }
  return "message";
}

Result<InteractionKind> parse_interaction_kind(std::string_view text) {
  for (InteractionKind k : {InteractionKind::message, InteractionKind::consultation,
                            InteractionKind::complaint, InteractionKind::forum}) {
    if (to_string(k) == text) return k;
  }
  return fail("content.invalid_field", "kind: \"" + std::string(text) +
                                           "\" is not message, consultation, "
                                           "complaint or forum");
}

std::string_view to_string(DeadlineLevel l) {
  switch (l) {
    case DeadlineLevel::warning:
      return "warning";
    case DeadlineLevel::escalation:
      return "escalation";
    case DeadlineLevel::inspection_failure:
      return "inspection_failure";
  }
  return "warning";
}

bool valid_phone(std::string_view phone) {
  if (phone.empty()) return true;
  std::string digits;
  for (std::size_t i = 0; i < phone.size(); ++i) {
    const char c = phone[i];
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c == '+' && i == 0) {
      digits.push_back('+');
    } else if (c != ' ' && c != '-') {
      return false;
    }
  }
  if (digits.starts_with("+86")) {
    digits.erase(0, 3);
  } else if (digits.starts_with('+')) {
    return false;  // a mainland number only
  }
  if (digits.size() == 11 && digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9') return true;  // mobile
  return digits.size() >= 10 && digits.size() <= 12 && digits[0] == '0' && digits[1] != '0';  // landline
}

class InteractionService::Impl {
 public:
  Impl(store::Database& db, audit::AuditLog& audit, const review::Scanner& scanner, const Clock& clock,
       InteractionOptions options)
      : db_(db), audit_(audit), scanner_(scanner), clock_(clock), options_(options) {}

  Result<std::int64_t> submit(std::int64_t site_id, const PublicSubmission& s, const std::string& client_ip) {
    std::lock_guard lock(mu_);
    Audit event = public_event(site_id, client_ip);
    event.details = {{"kind", to_string(s.kind)}};
    auto id = submit_locked(event, site_id, s, client_ip);
    // A flood refused by the rate limit is counted (rate_limited()), not audited line by line.
    if (!id && id.error().code == "content.rate_limited") return id;
    return conclude(event, std::move(id));
  }

  Result<std::vector<InteractionItem>> queue(const Principal& who, std::int64_t site_id) {
    std::lock_guard lock(mu_);
    static constexpr Permission kModerators[] = {Permission::content_review};
    SW_CHECK(permit_read(who, kModerators, Scope::site(site_id), "interaction.queue",
                         "site:" + std::to_string(site_id)));
    SW_TRY(rows,
           db_.query(std::string(kItemColumns) + " WHERE site_id = ? AND status = 'pending' ORDER BY id",
                     {site_id}));
    std::vector<InteractionItem> out;
    for (const store::Row& r : rows) out.push_back(item_from(r));
    return out;
  }

  Status moderate(const Actor& actor, std::int64_t item_id, bool approve, const std::string& reason) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "interaction.moderate", item_object(item_id));
    event.details = {{"decision", decision_of(approve)}};
    auto item = item_by_id(item_id);
    if (!item) return conclude(event, Status(std::unexpected(item.error())));
    event.site_id = item->site_id;
    SW_CHECK(permit(actor, Permission::content_review, Scope::site(item->site_id), event));
    return conclude(event, moderate_locked(actor, *item, approve, reason));
  }

  Result<std::int64_t> write_reply(const Actor& actor, std::int64_t item_id, const std::string& text) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "interaction.reply", item_object(item_id));
    auto item = item_by_id(item_id);
    if (!item) return conclude(event, Result<std::int64_t>(std::unexpected(item.error())));
    event.site_id = item->site_id;
    SW_CHECK(permit(actor, Permission::content_edit, Scope::site(item->site_id), event));
    auto id = write_reply_locked(actor, *item, text);
    if (id) event.details["reply"] = *id;
    return conclude(event, std::move(id));
  }

  Status review_reply(const Actor& actor, std::int64_t reply_id, bool approve, const std::string& reason) {
    std::lock_guard lock(mu_);
    Audit event = event_for(actor, "interaction.reply_review", reply_object(reply_id));
    event.details = {{"decision", decision_of(approve)}};
    auto reply = reply_by_id(reply_id);
    if (!reply) return conclude(event, Status(std::unexpected(reply.error())));
    auto item = item_by_id(reply->item_id);
    if (!item) return conclude(event, Status(std::unexpected(item.error())));
    event.site_id = item->site_id;
    SW_CHECK(permit(actor, Permission::content_review, Scope::site(item->site_id), event));
    return conclude(event, review_reply_locked(actor, *reply, approve, reason));
  }

  Result<std::vector<Reply>> replies(const Principal& who, std::int64_t item_id) {
    std::lock_guard lock(mu_);
    SW_TRY(item, item_by_id(item_id));
    static constexpr Permission kReaders[] = {Permission::content_edit, Permission::content_review};
    SW_CHECK(permit_read(who, kReaders, Scope::site(item.site_id), "interaction.read", item_object(item_id)));
    SW_TRY(rows, db_.query(std::string(kReplyColumns) + " WHERE item_id = ? ORDER BY id", {item_id}));
    std::vector<Reply> out;
    for (const store::Row& r : rows) out.push_back(reply_from(r));
    return out;
  }

  Result<std::vector<InteractionItem>> published(std::int64_t site_id, InteractionKind kind) {
    std::lock_guard lock(mu_);
    SW_TRY(rows,
           db_.query(std::string(kItemColumns) + " WHERE site_id = ? AND kind = ? AND status = 'approved' "
                                                 "ORDER BY id DESC",
                     {site_id, std::string(to_string(kind))}));
    std::vector<InteractionItem> out;
    for (const store::Row& r : rows) {
      InteractionItem item = item_from(r);
      item.client_ip.clear();  // never shown to the public (N4.6)
      item.phone.clear();
      item.findings_json.clear();
      SW_TRY(reply, approved_reply(item.id));
      item.reply = std::move(reply);
      out.push_back(std::move(item));
    }
    return out;
  }

  Result<std::vector<OverdueItem>> deadlines(const Principal& who, std::int64_t org_id, TimePoint now) {
    std::lock_guard lock(mu_);
    static constexpr Permission kReaders[] = {Permission::content_review, Permission::audit_read};
    SW_CHECK(permit_read(who, kReaders, Scope::org(org_id), "interaction.deadlines",
                         "org:" + std::to_string(org_id)));
    SW_TRY(tree, identity::load_org_tree(db_));
    const TimePoint cutoff = now - options_.warning_after;
    // Questions only (forum posts get no reply deadline); rejected items are not questions to answer.
    SW_TRY(
        rows,
        db_.query(std::string(kItemColumns) +
                      " WHERE kind <> 'forum' AND status <> 'rejected' AND submitted_at <= ? AND NOT EXISTS "
                      "(SELECT 1 FROM interaction_replies r WHERE r.item_id = interaction_items.id AND "
                      "r.status = 'approved') ORDER BY submitted_at, id",
                  {format_rfc3339(cutoff)}));
    std::vector<OverdueItem> out;
    for (const store::Row& r : rows) {
      InteractionItem item = item_from(r);
      const auto org = tree.org_of_site(item.site_id);
      if (!org || !tree.in_subtree(*org, org_id)) continue;
      const auto age = now - item.submitted_at;
      OverdueItem o{std::move(item), std::chrono::duration_cast<std::chrono::days>(age).count(),
                    DeadlineLevel::warning};
      if (age >= options_.inspection_failure_after) {
        o.level = DeadlineLevel::inspection_failure;
      } else if (age >= options_.escalation_after) {
        o.level = DeadlineLevel::escalation;
      }
      out.push_back(std::move(o));
    }
    return out;
  }

  const InteractionOptions& options() const { return options_; }

  std::int64_t rate_limited() const {
    std::lock_guard lock(rate_mu_);
    return rate_limited_;
  }

 private:
  using Audit = audit::Event;

  Audit event_for(const Actor& actor, std::string action, std::string object) const {
    Audit a;
    a.actor = actor.principal.name;
    a.actor_role = actor.principal.is_system ? std::string(kSystemRole) : "";
    a.action = std::move(action);
    a.object = std::move(object);
    a.client_ip = actor.client_ip;
    a.request_id = actor.request_id;
    return a;
  }

  Audit public_event(std::int64_t site_id, const std::string& client_ip) const {
    Audit a;
    a.actor = kPublicActor;
    a.action = "interaction.submit";
    a.object = "site:" + std::to_string(site_id);
    a.site_id = site_id;
    a.client_ip = client_ip.substr(0, 64);
    return a;
  }

  template <class T>
  Result<T> conclude(Audit a, Result<T> result) {
    if (!result) {
      a.outcome = is_denial(result.error()) ? audit::Outcome::denied : audit::Outcome::failure;
      a.details["reason"] = result.error().code;
    }
    auto appended = audit_.append(std::move(a));
    if (!appended) {
      log::error("content.audit_failed", {{"error", appended.error().to_string()}});
      if (result) return std::unexpected(appended.error());
    }
    return result;
  }

  Status permit(const Actor& actor, Permission p, const Scope& target, Audit& event) {
    SW_TRY(tree, identity::load_org_tree(db_));
    auto role = identity::authorize_as(actor.principal, p, target, tree);
    if (!role) return conclude(event, Status(std::unexpected(role.error())));
    event.actor_role = *role ? std::string(identity::to_string(**role)) : std::string(kSystemRole);
    return ok();
  }

  Status permit_read(const Principal& who, std::span<const Permission> ps, const Scope& target,
                     std::string action, std::string object) {
    SW_TRY(tree, identity::load_org_tree(db_));
    std::optional<Error> first;
    for (Permission p : ps) {
      auto role = identity::authorize_as(who, p, target, tree);
      if (role) return ok();
      if (!first) first = role.error();
    }
    Audit event = event_for(Actor{who, "", ""}, std::move(action), std::move(object));
    if (target.kind == identity::ScopeKind::site) event.site_id = target.id;
    if (target.kind == identity::ScopeKind::org) event.org_id = target.id;
    return conclude(event, Status(std::unexpected(*first)));
  }

  // Bounded per-IP sliding window. When the table is full, IPs with no submission in the window are
  // dropped; if it is still full, the IP seen least recently goes.
  bool allow(const std::string& ip, TimePoint now) {
    std::lock_guard lock(rate_mu_);
    const TimePoint horizon = now - options_.per_ip_window;
    auto it = recent_.find(ip);
    if (it == recent_.end()) {
      if (recent_.size() >= options_.max_tracked_ips) evict(horizon);
      it = recent_.emplace(ip, std::deque<TimePoint>{}).first;
    }
    auto& times = it->second;
    while (!times.empty() && times.front() <= horizon) times.pop_front();
    if (times.size() >= options_.per_ip_limit) {
      ++rate_limited_;
      return false;
    }
    times.push_back(now);
    return true;
  }

  void evict(TimePoint horizon) {
    std::erase_if(recent_, [&](const auto& kv) { return kv.second.empty() || kv.second.back() <= horizon; });
    while (recent_.size() >= options_.max_tracked_ips && !recent_.empty()) {
      auto oldest = std::min_element(recent_.begin(), recent_.end(), [](const auto& a, const auto& b) {
        return a.second.back() < b.second.back();
      });
      recent_.erase(oldest);
    }
  }

  Result<std::int64_t> submit_locked(Audit& event, std::int64_t site_id, const PublicSubmission& s,
                                     const std::string& client_ip) {
    SW_CHECK(check_ip(client_ip));
    SW_TRY(site, db_.query_one("SELECT id FROM sites WHERE id = ?", {site_id}));
    if (!site) return fail("content.unknown_site", "no site with id " + std::to_string(site_id));
    // N4.5: forum posts only on a site whose forum was approved and enabled; N4.3 the interaction feature.
    SW_CHECK(require_feature(db_, site_id,
                             s.kind == InteractionKind::forum ? kFeatureForum : kFeatureInteraction));
    SW_CHECK(check_name(s.name, options_.max_name_bytes));
    if (s.phone.size() > 32 || !valid_phone(s.phone)) {
      return fail("content.invalid_field", "phone: not a mainland mobile or landline number");
    }
    SW_CHECK(check_text("text", s.text, options_.max_text_bytes, true));
    if (!allow(client_ip, clock_.now())) {
      return fail("content.rate_limited", "too many submissions from " + client_ip + "; try again later");
    }
    // N4.3: the same scanner as articles; the moderator sees the findings.
    review::ScanReport report = scanner_.scan_text("name", s.name, "name");
    const review::ScanReport text = scanner_.scan_text("text", s.text, "text");
    report.findings.insert(report.findings.end(), text.findings.begin(), text.findings.end());
    nlohmann::json findings = nlohmann::json::array();
    for (const review::Finding& f : report.findings) {
      findings.push_back({{"path", f.path},
                          {"category", f.category},
                          {"severity", review::to_string(f.severity)},
                          {"matched", f.matched},
                          {"rule", f.rule},
                          {"excerpt", f.excerpt}});
    }
    const review::Severity highest = report.highest();
    SW_CHECK(
        db_.exec("INSERT INTO interaction_items (site_id, kind, name, phone, body, client_ip, highest, "
                 "findings_json, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {site_id, std::string(to_string(s.kind)), s.name, s.phone, s.text, client_ip,
                  std::string(review::to_string(highest)), findings.dump(), format_rfc3339(clock_.now())}));
    const std::int64_t id = db_.last_insert_id();
    event.object = item_object(id);
    event.details["highest"] = review::to_string(highest);
    event.details["findings"] = findings.size();
    return id;
  }

  Status moderate_locked(const Actor& actor, const InteractionItem& item, bool approve,
                         const std::string& reason) {
    if (item.status != "pending") {
      return fail("content.bad_state", item_object(item.id) + " is already " + item.status);
    }
    SW_CHECK(check_text("reason", reason, options_.max_reply_bytes, false));
    if (!approve && reason.empty()) return fail("content.reason_required", "a rejection needs a reason");
    if (approve && item.highest >= review::Severity::high && reason.empty()) {
      return fail("content.findings_block", item_object(item.id) + " has a finding of severity " +
                                                std::string(review::to_string(item.highest)) +
                                                "; approving it needs a reason");
    }
    SW_TRY(changed, db_.exec("UPDATE interaction_items SET status = ?, moderated_by = ?, moderated_at = ?, "
                             "moderation_reason = ? WHERE id = ? AND status = 'pending'",
                             {decision_of(approve), actor.principal.name, format_rfc3339(clock_.now()),
                              reason, item.id}));
    if (changed != 1) return fail("content.bad_state", item_object(item.id) + " is no longer pending");
    return ok();
  }

  Result<std::int64_t> write_reply_locked(const Actor& actor, const InteractionItem& item,
                                          const std::string& text) {
    if (item.kind == InteractionKind::forum) {
      return fail("content.bad_state",
                  item_object(item.id) + " is a forum post; the unit replies to questions");
    }
    if (item.status != "approved") {
      return fail("content.bad_state", item_object(item.id) + " is " + item.status + ", not approved");
    }
    SW_CHECK(check_text("text", text, options_.max_reply_bytes, true));
    SW_TRY(open, db_.query_one("SELECT id FROM interaction_replies WHERE item_id = ? AND status IN "
                               "('pending', 'approved')",
                               {item.id}));
    if (open) {
      return fail("content.bad_state", item_object(item.id) + " already has a reply pending or approved (" +
                                           reply_object(open->integer(0)) + ")");
    }
    SW_CHECK(db_.exec(
        "INSERT INTO interaction_replies (item_id, body, written_by, written_by_user_id, written_at) "
        "VALUES (?, ?, ?, ?, ?)",
        {item.id, text, actor.principal.name, actor.principal.user_id, format_rfc3339(clock_.now())}));
    return db_.last_insert_id();
  }

  Status review_reply_locked(const Actor& actor, const Reply& reply, bool approve,
                             const std::string& reason) {
    if (reply.status != "pending")
      return fail("content.bad_state", reply_object(reply.id) + " is already " + reply.status);
    const Principal& p = actor.principal;
    const bool same = (p.user_id != 0 && reply.written_by_user_id != 0)
                          ? p.user_id == reply.written_by_user_id
                          : p.name == reply.written_by;
    if (same) {
      return fail("content.separation_of_duties",
                  "\"" + p.name + "\" wrote " + reply_object(reply.id) +
                      " and cannot approve it (N4.3: writer and approver differ)");
    }
    SW_CHECK(check_text("reason", reason, options_.max_reply_bytes, false));
    if (!approve && reason.empty()) return fail("content.reason_required", "a rejection needs a reason");
    SW_TRY(changed, db_.exec("UPDATE interaction_replies SET status = ?, reviewed_by = ?, reviewed_at = ?, "
                             "review_reason = ? WHERE id = ? AND status = 'pending'",
                             {decision_of(approve), p.name, format_rfc3339(clock_.now()), reason, reply.id}));
    if (changed != 1) return fail("content.bad_state", reply_object(reply.id) + " is no longer pending");
    return ok();
  }

  Result<InteractionItem> item_by_id(std::int64_t id) {
    SW_TRY(row, db_.query_one(std::string(kItemColumns) + " WHERE id = ?", {id}));
    if (!row) return fail("content.not_found", "no interaction item with id " + std::to_string(id));
    return item_from(*row);
  }

  Result<Reply> reply_by_id(std::int64_t id) {
    SW_TRY(row, db_.query_one(std::string(kReplyColumns) + " WHERE id = ?", {id}));
    if (!row) return fail("content.not_found", "no reply with id " + std::to_string(id));
    return reply_from(*row);
  }

  Result<std::optional<Reply>> approved_reply(std::int64_t item_id) {
    SW_TRY(row, db_.query_one(std::string(kReplyColumns) + " WHERE item_id = ? AND status = 'approved' "
                                                           "ORDER BY id DESC LIMIT 1",
                              {item_id}));
    if (!row) return std::optional<Reply>{};
    return std::optional<Reply>(reply_from(*row));
  }

  std::mutex mu_;  // serialises database work
  store::Database& db_;
  audit::AuditLog& audit_;
  const review::Scanner& scanner_;
  const Clock& clock_;
  InteractionOptions options_;
  mutable std::mutex rate_mu_;
  std::unordered_map<std::string, std::deque<TimePoint>> recent_;
  std::int64_t rate_limited_ = 0;
};

std::unique_ptr<InteractionService> InteractionService::open(store::Database& db, audit::AuditLog& audit,
                                                             const review::Scanner& scanner,
                                                             const Clock& clock, InteractionOptions options) {
  return std::unique_ptr<InteractionService>(
      new InteractionService(std::make_unique<Impl>(db, audit, scanner, clock, options)));
}
InteractionService::InteractionService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
InteractionService::~InteractionService() = default;

Result<std::int64_t> InteractionService::submit(std::int64_t site_id, const PublicSubmission& submission,
                                                std::string client_ip) {
  return impl_->submit(site_id, submission, client_ip);
}
Result<std::vector<InteractionItem>> InteractionService::queue(const Principal& who, std::int64_t site_id) {
  return impl_->queue(who, site_id);
}
Status InteractionService::moderate(const Actor& actor, std::int64_t item_id, bool approve,
                                    std::string reason) {
  return impl_->moderate(actor, item_id, approve, reason);
}
Result<std::int64_t> InteractionService::write_reply(const Actor& actor, std::int64_t item_id,
                                                     std::string text) {
  return impl_->write_reply(actor, item_id, text);
}
Status InteractionService::review_reply(const Actor& actor, std::int64_t reply_id, bool approve,
                                        std::string reason) {
  return impl_->review_reply(actor, reply_id, approve, reason);
}
Result<std::vector<Reply>> InteractionService::replies(const Principal& who, std::int64_t item_id) {
  return impl_->replies(who, item_id);
}
Result<std::vector<InteractionItem>> InteractionService::published(std::int64_t site_id,
                                                                   InteractionKind kind) {
  return impl_->published(site_id, kind);
}
Result<std::vector<OverdueItem>> InteractionService::deadlines(const Principal& who, std::int64_t org_id,
                                                               TimePoint now) {
  return impl_->deadlines(who, org_id, now);
}
std::int64_t InteractionService::rate_limited() const { return impl_->rate_limited(); }
const InteractionOptions& InteractionService::options() const { return impl_->options(); }

}  // namespace sw::content
