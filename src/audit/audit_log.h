// AuditLog: the tamper-evident audit trail (N7.4 security audit, N8.4 accountability).
//
// Every security-relevant action appends an Event. Events are numbered (seq, from 1, no gaps) and
// hash-chained: hash(n) = H(hash(n-1) || canonical(event n)), with the algorithm named in each row
// so a chain written under one crypto suite verifies after a switch. Every `checkpoint_every_events`
// events or `checkpoint_interval` (whichever first) a checkpoint {seq, hash, time} signed with the
// node key is written. Rows are never updated or deleted by the platform (SQLite triggers refuse
// it); the log offers no pruning at all, so every event outlives the retention period (at least 6
// months, N8.4). The file format and the threat model are in docs/modules/audit.md.
//
// Thread-safety: append() and append_async() may be called from any thread; everything queued while
// the writer commits is group-committed (one transaction for all events waiting), and append()
// returns once its event is durable.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <future>
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

// At least six months (N8.4); Options::retention_days may only raise it.
inline constexpr int kMinRetentionDays = 183;
// The largest page query() returns.
inline constexpr std::int64_t kMaxQueryLimit = 1000;

// What happened. `time` is set by append() from the log's clock.
struct Event {
  std::string actor;                    // user name, or "system" / "cli:<os user>"
  std::string actor_role;               // the role the actor acted under ("" when none, e.g. a failed login)
  std::optional<std::int64_t> org_id;   // organisation scope, if any
  std::optional<std::int64_t> site_id;  // site scope, if any
  std::string action;                   // dotted verb, e.g. "auth.login", "user.create", "role.grant"
  std::string object;                   // what it acted on, e.g. "user:zhangwei"
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
  std::int64_t checkpoint_every_events = 1000;   // >= 1
  std::chrono::seconds checkpoint_interval{60};  // >= 1 s
  int retention_days = kMinRetentionDays;        // open() refuses a value below kMinRetentionDays
  // Events accepted but not yet taken by the writer; append_async() (and append()) wait while this
  // many are queued, which bounds memory when callers outrun the disk. >= 1.
  std::int64_t max_queued_events = 65'536;
};

// A filter for the console and export. Empty fields match everything; times are inclusive.
struct Query {
  std::optional<std::string> actor;
  std::optional<std::string> action;  // exact, or a prefix ending in '.' ("user.")
  std::optional<std::int64_t> site_id;
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
  std::int64_t offset = 0;
  std::int64_t limit = 50;  // newest first; 1..kMaxQueryLimit, offset >= 0
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
  // migrations), signing checkpoints with `node_key` and hashing with `suite`. Fails
  // ("audit.bad_options") on retention_days below kMinRetentionDays, a checkpoint setting or
  // max_queued_events below 1, or a node key whose algorithm is not the suite's signature algorithm. Starts
  // the writer thread.
  //
  // The destructor writes every queued event, then a final checkpoint if any event is new, so after
  // a clean close every row is covered by a signed checkpoint.
  static Result<std::unique_ptr<AuditLog>> open(const std::filesystem::path& db_path,
                                                const crypto::Suite& suite, crypto::SigningKey node_key,
                                                Options options = {}, const Clock& clock = system_clock());
  virtual ~AuditLog() = default;

  // Appends one event; returns its seq once committed (WAL, synchronous=NORMAL: durable across a
  // process crash). The event's time is the clock's now at microsecond precision, never earlier
  // than the previous event's, so time order is seq order. Text fields that are not valid UTF-8
  // are stored with U+FFFD in place of the bad bytes. Fails ("audit.bad_event") if details is not
  // a JSON object; a database failure fails every event of that group commit.
  virtual Result<std::int64_t> append(Event event) = 0;
  // Queues one event and returns without waiting for the commit, so one caller can keep many events
  // in flight (imports, the HTTP layer's access trail). The future gives what append() would: the
  // seq once the event's group commit succeeded, or the error that failed it ("audit.bad_event" is
  // ready at once). Events queued by one thread get increasing seqs in call order. Blocks only
  // while Options::max_queued_events events are already queued (back-pressure). A future may
  // outlive the log: the destructor commits everything queued and resolves every future first.
  // (The base version, for fakes, calls append() and returns a ready future.)
  virtual std::future<Result<std::int64_t>> append_async(Event event);
  // Appends several events in order with consecutive seqs in one commit (bulk actions, imports);
  // returns the first seq. Fails as append() does, for all of them, or if `events` is empty.
  virtual Result<std::int64_t> append_all(std::vector<Event> events) = 0;
  // Writes a checkpoint now if any event is past the last one.
  virtual Status checkpoint() = 0;

  // The events matching q, newest first, one page. Fails ("audit.bad_query") on a limit outside
  // 1..kMaxQueryLimit or a negative offset.
  virtual Result<std::vector<StoredEvent>> query(const Query& q) = 0;
  // How many events match q (offset and limit ignored).
  virtual Result<std::int64_t> count(const Query& q) = 0;

  // Walks the whole log in seq order, streaming (memory does not grow with the log): recomputes the
  // chain, checks seq continuity (1..N), prev_hash linkage and each stored hash, and every checkpoint:
  // ids 1..K in order, signed by one of `trusted_keys` (the node's current and earlier public keys),
  // its hash equal to the chain at its seq, and its seq not past the last row. Tampering gives
  // ok = false with the first bad seq and the problem ("hash mismatch: row edited", "gap: seq 41
  // missing", ...); an Error means the log could not be read at all.
  virtual Result<VerifyReport> verify(const std::vector<crypto::PublicKey>& trusted_keys) = 0;

  // Writes events with from <= time <= to as JSON Lines followed by a signed trailer line, so the
  // file verifies offline with verify_export(). The file is replaced atomically and built in memory
  // (about 400 bytes per event). Refuses ("audit.tampered") to export rows whose chain is broken.
  virtual Status export_jsonl(TimePoint from, TimePoint to, const std::filesystem::path& out) = 0;
};

// verify() without opening the log for writing (the CLI's `audit verify`): the same walk over the
// database at `db_path`, which is not changed.
Result<VerifyReport> verify_database(const std::filesystem::path& db_path,
                                     const std::vector<crypto::PublicKey>& trusted_keys);

// Verifies an exported file offline against a trusted public key: each line's hash, seq continuity
// and prev_hash linkage inside the file, and the trailer (its counts, last hash and signature).
// An edited, missing or added line gives ok = false naming the line and seq; an Error means the
// file could not be read.
Result<VerifyReport> verify_export(const std::filesystem::path& file, const crypto::PublicKey& trusted_key);

}  // namespace sw::audit
