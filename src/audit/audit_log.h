// AuditLog: the tamper-evident audit trail (N7.4 security audit, N8.4 accountability).
//
// Every security-relevant action appends an Event. Events are numbered (seq, from 1, no gaps) and
// hash-chained: hash(n) = H(hash(n-1) || canonical(event n)), with the algorithm named in each row
// so a chain written under one crypto suite verifies after a switch. Every `checkpoint_every_events`
// events or `checkpoint_interval` (whichever first) a checkpoint {seq, hash, time} signed with the
// node key is written. Rows are never updated or deleted by the platform; events younger than the
// retention period (at least 6 months) are never pruned.
//
// Thread-safety: append() may be called from any thread; concurrent appends are group-committed
// (one transaction for all events waiting), and append() returns once its event is durable.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/crypto.h"
#include "base/result.h"

namespace sw::audit {

enum class Outcome { success, failure, denied };
std::string_view to_string(Outcome o);  // "success" | "failure" | "denied"
Result<Outcome> parse_outcome(std::string_view s);

// What happened. `time` is set by append() from the log's clock.
struct Event {
  std::string actor;        // user name, or "system" / "cli:<os user>"
  std::string actor_role;   // the role the actor acted under ("" when none, e.g. a failed login)
  std::optional<std::int64_t> org_id;   // organisation scope, if any
  std::optional<std::int64_t> site_id;  // site scope, if any
  std::string action;       // dotted verb, e.g. "auth.login", "user.create", "role.grant"
  std::string object;       // what it acted on, e.g. "user:zhangwei"
  Outcome outcome = Outcome::success;
  std::string client_ip;
  std::string request_id;
  nlohmann::json details = nlohmann::json::object();  // never holds secrets
};

struct StoredEvent {
  std::int64_t seq = 0;
  TimePoint time;
  Event event;
  std::string hash;  // Digest text form "<alg>:<hex>" of this row's chain value
};

struct Options {
  std::int64_t checkpoint_every_events = 1000;
  std::chrono::seconds checkpoint_interval{60};
  int retention_days = 183;  // never below 183 (6 months): open() refuses a smaller value
};

// A filter for the console and export. Empty fields match everything; times are inclusive.
struct Query {
  std::optional<std::string> actor;
  std::optional<std::string> action;   // exact, or a prefix ending in '.' ("user.")
  std::optional<std::int64_t> site_id;
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
  std::int64_t offset = 0;
  std::int64_t limit = 50;             // newest first
};

struct VerifyReport {
  bool ok = true;
  std::int64_t events_checked = 0;
  std::int64_t checkpoints_checked = 0;
  std::optional<std::int64_t> first_bad_seq;  // set when !ok
  std::string problem;                        // what was wrong at first_bad_seq
};

class AuditLog {
 public:
  // Opens the log in the SQLite database at `db_path` (its tables come from the store's
  // migrations), signing checkpoints with `node_key` and hashing with `suite`.
  static Result<std::unique_ptr<AuditLog>> open(const std::filesystem::path& db_path, const crypto::Suite& suite,
                                                crypto::SigningKey node_key, Options options = {},
                                                const Clock& clock = system_clock());
  virtual ~AuditLog() = default;

  // Appends one event; returns its seq once durable.
  virtual Result<std::int64_t> append(Event event) = 0;
  // Writes a checkpoint now if any event is past the last one.
  virtual Status checkpoint() = 0;

  virtual Result<std::vector<StoredEvent>> query(const Query& q) = 0;
  virtual Result<std::int64_t> count(const Query& q) = 0;

  // Walks the whole log: recomputes the chain, checks seq continuity and every checkpoint signature
  // against `trusted_keys` (the node's current and earlier public keys).
  virtual Result<VerifyReport> verify(const std::vector<crypto::PublicKey>& trusted_keys) = 0;

  // Writes events with from <= time <= to as JSON Lines followed by a signed trailer line, so the
  // file verifies offline with verify_export().
  virtual Status export_jsonl(TimePoint from, TimePoint to, const std::filesystem::path& out) = 0;
};

// Verifies an exported file offline against a trusted public key.
Result<VerifyReport> verify_export(const std::filesystem::path& file, const crypto::PublicKey& trusted_key);

}  // namespace sw::audit
