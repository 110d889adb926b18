// Gate: the one "check a permission, then write one audit event" plumbing for the services that check
// permissions themselves (Registry, ContentService, InteractionService — still on their own copies,
// docs/modules/identity.md), and OrgTreeCache, the organisation tree those checks read; IdentityService
// uses the cache already (DESIGN.md: every console action checks a permission scoped to an
// organisation or site and writes an audit event).
//
// OrgTreeCache: authorize() needs each organisation's parent and each site's organisation. Reading
// both tables on every check cost two queries per check (~33 read transactions per console page,
// docs/benchmarks.md). Migration 0014 keeps a one-row org_tree_version (version, stamp) that triggers
// bump on every insert, delete, re-parenting of an organisation and every insert, delete or move of a
// site — in the same transaction as the change. A check reads that row (one tiny indexed read) and
// reloads the tree only when (version, stamp) differs from the cached one. The stamp is random, so a
// rolled-back change that was seen inside its own transaction can never leave a stale tree under a
// version number that a later change reuses. Role grants are not part of the tree: they travel with
// the session's Principal (identity.h), so they need no bump.
//
// Thread-safety: OrgTreeCache may be used from any thread (its own lock), but shares the caller's
// Database connection, so callers serialise database work as they already do (one service lock).
// Gate holds no state of its own beyond the cache; its calls run under the owning service's lock.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "audit/audit_log.h"
#include "base/result.h"
#include "identity/identity.h"
#include "identity/roles.h"
#include "store/database.h"

namespace sw::identity {

// The role text of the machine operator in audit events and review records.
inline constexpr std::string_view kSystemRoleName = "system";

class OrgTreeCache {
 public:
  // `db` must outlive the cache.
  explicit OrgTreeCache(store::Database& db) : db_(db) {}

  // The current tree: reads org_tree_version, reloads organisations and sites only when it changed.
  // Without the version table (a database opened without migration 0014) every call reloads.
  Result<std::shared_ptr<const OrgTree>> current();

  // How many times the tree was read from its tables (tests and benchmarks).
  std::int64_t reloads() const;

 private:
  store::Database& db_;
  mutable std::mutex mu_;
  std::optional<std::pair<std::int64_t, std::int64_t>> key_;  // (version, stamp) of tree_
  std::shared_ptr<const OrgTree> tree_;
  std::int64_t reloads_ = 0;
};

class Gate {
 public:
  // `module` names the log line of a failed audit append ("<module>.audit_failed"). `is_denial` says
  // which errors of a concluded call refuse who acts (outcome denied) rather than what was asked
  // (failure); none when empty. A refused permission check is always audited as denied.
  Gate(store::Database& db, audit::AuditLog& audit, std::string module,
       std::function<bool(const Error&)> is_denial = {});

  // An event for the actor (name, client IP, request id; role "system" for the machine operator,
  // else set by permit), scoped to the organisation or site when given.
  audit::Event event_for(const Actor& actor, std::string action, std::string object,
                         std::optional<Scope> scope = std::nullopt) const;
  // Appends the event; a failure is logged and returned.
  Status record(audit::Event event);
  // Audits a refusal (outcome denied, details.reason the code) and returns the error; the refusal
  // stands even if auditing it failed (logged by record).
  std::unexpected<Error> deny(audit::Event event, Error error);
  // Audits the end of a mutating call: success, or failure / denied (is_denial) with the code.
  // A success whose audit fails becomes the audit error.
  template <class T>
  Result<T> conclude(audit::Event event, Result<T> result) {
    if (!result) {
      event.outcome = denial(result.error()) ? audit::Outcome::denied : audit::Outcome::failure;
      event.details["reason"] = result.error().code;
      (void)record(std::move(event));
      return result;
    }
    SW_CHECK(record(std::move(event)));
    return result;
  }

  // Checks p on target for the actor. A refusal is audited as the event (denied) and returned; on
  // success the event carries the role acted under.
  Status permit(const Actor& actor, Permission p, const Scope& target, audit::Event& event);
  // Like permit, with any of `ps`: the first granted names the role; a refusal returns the first error.
  Status permit_any(const Actor& actor, std::span<const Permission> ps, const Scope& target, audit::Event& event);
  // Reads: allowed with any of `ps` on target. A refusal is audited (denied) as `action` on `object`,
  // scoped to target, and the first refusal returned; a permitted read is not audited.
  Status permit_read(const Principal& who, std::span<const Permission> ps, const Scope& target,
                     std::string action, std::string object);
  // The check alone, nothing audited.
  bool allows(const Principal& who, Permission p, const Scope& target);
  // The organisation tree (cached, see OrgTreeCache).
  Result<std::shared_ptr<const OrgTree>> tree() { return trees_.current(); }
  const OrgTreeCache& tree_cache() const { return trees_; }

 private:
  bool denial(const Error& e) const;

  audit::AuditLog& audit_;
  std::string module_;
  std::function<bool(const Error&)> is_denial_;
  OrgTreeCache trees_;
};

}  // namespace sw::identity
