#include "audit/audit_log.h"

#include <algorithm>
#include <condition_variable>
#include <iterator>
#include <mutex>
#include <span>
#include <thread>

#include <fmt/format.h>

#include "audit/audit_tables.h"
#include "audit/chain.h"
#include "audit/log_export.h"
#include "audit/log_verifier.h"
#include "base/log.h"

namespace sw::audit {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

constexpr std::string_view kOutcomeNames[] = {"success", "failure", "denied"};

// Batch buffers up to this many entries are kept between batches; larger ones (after a burst of
// async appends) are freed so an idle log does not hold tens of MiB.
constexpr std::size_t kRetainedBatchCapacity = 4096;

// The newest row: what the next row links to.
struct ChainHead {
  std::int64_t seq = 0;
  std::string hash_hex = genesis_hash_hex();
  std::optional<ChainValue> value = ChainValue{};  // hash_hex decoded; nothing if the stored text is not hex
  std::string hash_alg;
  TimePoint time{};
};

// The newest checkpoint: when the next one is due.
struct CheckpointState {
  std::int64_t seq = 0;
  TimePoint time{};     // by the log's clock
  SteadyTime steady{};  // by the steady clock, for the writer's timer
};

// True when `text` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing past
// U+10FFFF), the same rule nlohmann's dump() enforces.
bool is_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length;
    std::uint32_t code;
    if ((lead & 0xe0) == 0xc0) {
      length = 2, code = lead & 0x1fu;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3, code = lead & 0x0fu;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4, code = lead & 0x07u;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3fu);
    }
    constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kSmallest[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += length;
  }
  return true;
}

// Text as stored: valid UTF-8, with U+FFFD in place of bytes that are not (so every row exports as JSON).
// Valid text (nearly all) is kept as is without a JSON round trip.
std::string valid_utf8(std::string text) {
  if (is_utf8(text)) return text;
  auto quoted = nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(quoted).get<std::string>();
}

Result<EventRecord> record_for(Event e) {
  if (!e.details.is_object()) {
    return fail("audit.bad_event",
                fmt::format("details must be a JSON object, not {}", e.details.type_name()));
  }
  return EventRecord{.actor = valid_utf8(std::move(e.actor)),
                     .actor_role = valid_utf8(std::move(e.actor_role)),
                     .org_id = e.org_id,
                     .site_id = e.site_id,
                     .action = valid_utf8(std::move(e.action)),
                     .object = valid_utf8(std::move(e.object)),
                     .outcome = std::string(to_string(e.outcome)),
                     .client_ip = valid_utf8(std::move(e.client_ip)),
                     .request_id = valid_utf8(std::move(e.request_id)),
                     .details = e.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

Result<StoredEvent> stored_event(const EventRecord& r) {
  SW_TRY(time, parse_rfc3339(r.time));
  SW_TRY(outcome, parse_outcome(r.outcome));
  auto details = nlohmann::json::parse(r.details, nullptr, false);
  if (details.is_discarded()) {
    return fail("audit.corrupt_row", fmt::format("details of seq {} is not JSON", r.seq));
  }
  return StoredEvent{.seq = r.seq,
                     .time = time,
                     .event = Event{.actor = r.actor,
                                    .actor_role = r.actor_role,
                                    .org_id = r.org_id,
                                    .site_id = r.site_id,
                                    .action = r.action,
                                    .object = r.object,
                                    .outcome = outcome,
                                    .client_ip = r.client_ip,
                                    .request_id = r.request_id,
                                    .details = std::move(details)},
                     .hash = r.hash_alg + ":" + r.hash};
}

Status validate(const Options& options, const crypto::Suite& suite, const crypto::SigningKey& key) {
  if (options.retention_days < kMinRetentionDays) {
    return fail("audit.bad_options",
                fmt::format("retention_days {} is below the minimum of {} days (six months, N8.4)",
                            options.retention_days, kMinRetentionDays));
  }
  if (options.checkpoint_every_events < 1 || options.checkpoint_interval < std::chrono::seconds{1} ||
      options.max_queued_events < 1) {
    return fail("audit.bad_options",
                "checkpoint_every_events, checkpoint_interval and max_queued_events must be at least 1");
  }
  if (key.algorithm != suite.signature_algorithm()) {
    return fail("audit.bad_options",
                fmt::format("the node key is {} but suite {} signs with {}", key.algorithm,
                            crypto::to_string(suite.id()), suite.signature_algorithm()));
  }
  return ok();
}

Status check_query(const Query& q) {
  if (q.limit < 1 || q.limit > kMaxQueryLimit || q.offset < 0) {
    return fail("audit.bad_query",
                fmt::format("limit must be 1..{} and offset at least 0 (got limit {}, offset {})",
                            kMaxQueryLimit, q.limit, q.offset));
  }
  return ok();
}

Result<ChainHead> load_head(store::Database& db) {
  SW_TRY(last, last_event(db));
  if (!last) return ChainHead{};
  SW_TRY(time, parse_rfc3339(last->time));
  return ChainHead{.seq = last->seq,
                   .hash_hex = last->hash,
                   .value = parse_chain_hex(last->hash),
                   .hash_alg = last->hash_alg,
                   .time = time};
}

Result<CheckpointState> load_checkpoint_state(store::Database& db, const Clock& clock) {
  SW_TRY(last, last_checkpoint(db));
  auto steady = std::chrono::steady_clock::now();
  if (!last) return CheckpointState{.seq = 0, .time = clock.now(), .steady = steady};
  SW_TRY(time, parse_rfc3339(last->time));
  return CheckpointState{.seq = last->seq, .time = time, .steady = steady};
}

// Connection tuning for the writer: a 16 MiB page cache, which holds the hot index pages (the right
// edge of each actor's and site's run) — measured faster than 64 MiB (9 vs 14.5 us of CPU per
// bulk event: fewer page allocations and cache misses) and than 2 MiB (17 us: index pages evicted);
// and a WAL allowed to grow to 16384 pages before SQLite copies it back (each copy costs an fsync).
constexpr std::string_view kWriterPragmas =
    "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16384; PRAGMA wal_autocheckpoint = 16384";
// Readers walk the whole file: map it instead of reading it page by page.
constexpr std::string_view kReaderPragmas = "PRAGMA cache_size = -16384; PRAGMA mmap_size = 1073741824";

// Opens another connection to the log's file for a long read (verify, export). Each reader is used
// by one thread at a time (query/count hold read_mutex_), so SQLite's own mutex is not needed.
Result<std::unique_ptr<store::Database>> open_reader(const std::filesystem::path& path) {
  SW_TRY(db, store::Database::open(path, store::OpenOptions{.apply_migrations = false, .no_mutex = true}));
  SW_CHECK(db->exec_script(kReaderPragmas));
  return db;
}

class AuditLogImpl final : public AuditLog {
 public:
  AuditLogImpl(std::filesystem::path path, const crypto::Suite& suite, crypto::SigningKey key,
               Options options, const Clock& clock, std::unique_ptr<store::Database> writer_db,
               AuditWriter statements, std::unique_ptr<store::Database> reader_db, ChainHead head,
               CheckpointState checkpoint)
      : path_(std::move(path)),
        suite_(suite),
        key_(std::move(key)),
        options_(options),
        clock_(clock),
        writer_db_(std::move(writer_db)),
        statements_(std::move(statements)),
        head_(std::move(head)),
        checkpoint_(checkpoint),
        reader_db_(std::move(reader_db)) {
    writer_ = std::thread([this] { run_writer(); });
  }

  ~AuditLogImpl() override {
    {
      std::lock_guard lock(queue_mutex_);
      stopping_ = true;
    }
    queue_cv_.notify_all();
    writer_.join();
    if (auto s = checkpoint(); !s)
      log::error("audit.final_checkpoint_failed", {{"error", s.error().to_string()}});
  }

  Result<std::int64_t> append(Event event) override { return append_async(std::move(event)).get(); }

  std::future<Result<std::int64_t>> append_async(Event event) override {
    std::promise<Result<std::int64_t>> result;
    auto future = result.get_future();
    auto record = record_for(std::move(event));
    if (!record) {
      result.set_value(std::unexpected(record.error()));
    } else {
      enqueue(std::span(&*record, 1), std::move(result));
    }
    return future;
  }

  Result<std::int64_t> append_all(std::vector<Event> events) override {
    if (events.empty()) return fail("audit.bad_event", "append_all needs at least one event");
    std::vector<EventRecord> records;
    records.reserve(events.size());
    for (auto& e : events) {
      SW_TRY(record, record_for(std::move(e)));
      records.push_back(std::move(record));
    }
    std::promise<Result<std::int64_t>> result;
    auto future = result.get_future();
    enqueue(records, std::move(result));
    return future.get();
  }

  Status checkpoint() override {
    std::lock_guard lock(write_mutex_);
    SW_TRY(tx, writer_db_->begin());
    SW_CHECK(catch_up_with_other_writers());
    if (head_.seq <= checkpoint_.seq) return ok();
    SW_TRY(state, write_checkpoint(head_));
    SW_CHECK(tx.commit());
    checkpoint_ = state;
    return ok();
  }

  Result<std::vector<StoredEvent>> query(const Query& q) override {
    SW_CHECK(check_query(q));
    std::lock_guard lock(read_mutex_);
    SW_TRY(records, find_events(*reader_db_, q));
    std::vector<StoredEvent> out;
    out.reserve(records.size());
    for (const auto& r : records) {
      SW_TRY(event, stored_event(r));
      out.push_back(std::move(event));
    }
    return out;
  }

  Result<std::int64_t> count(const Query& q) override {
    std::lock_guard lock(read_mutex_);
    return count_events(*reader_db_, q);
  }

  Result<VerifyReport> verify(const std::vector<crypto::PublicKey>& trusted_keys) override {
    return verify_database(path_, trusted_keys);
  }

  Status export_jsonl(TimePoint from, TimePoint to, const std::filesystem::path& out) override {
    SW_TRY(db, open_reader(path_));
    return export_log(*db, ExportSigner{suite_, key_, format_rfc3339(clock_.now())}, from, to, out);
  }

 private:
  // Events waiting for the writer, in seq order, and who waits for them: waiter i owns the next
  // `count` records after those of waiters 0..i-1. Kept flat (no allocation per event beyond the
  // future's) and swapped whole with the writer's batch, whose capacity is then reused.
  struct Waiter {
    std::size_t count;
    std::promise<Result<std::int64_t>> result;  // the first seq, or why the commit failed
  };
  struct Queue {
    std::vector<EventRecord> records;  // fields set; seq, time and hashes set by the writer
    std::vector<Waiter> waiters;
    // Empties the queue, keeping its buffers for the next batch unless a burst made them large.
    void clear() {
      records.clear();
      waiters.clear();
      if (records.capacity() > kRetainedBatchCapacity) std::vector<EventRecord>().swap(records);
      if (waiters.capacity() > kRetainedBatchCapacity) std::vector<Waiter>().swap(waiters);
    }
  };

  // Queues validated records (encoded on the caller's thread, so appenders share that work) for
  // one waiter, waiting while the queue is full.
  void enqueue(std::span<EventRecord> records, std::promise<Result<std::int64_t>> result) {
    const auto count = static_cast<std::int64_t>(records.size());
    {
      std::unique_lock lock(queue_mutex_);
      // A call larger than the whole limit still goes through, alone.
      space_cv_.wait(
          lock, [&] { return queued_events_ == 0 || queued_events_ + count <= options_.max_queued_events; });
      queued_events_ += count;
      std::move(records.begin(), records.end(), std::back_inserter(queue_.records));
      queue_.waiters.push_back(Waiter{records.size(), std::move(result)});
    }
    queue_cv_.notify_one();
  }

  // The writer thread: takes everything queued, commits it as one transaction, resolves the appenders'
  // futures; between batches, writes a checkpoint when checkpoint_interval has passed. Drains before
  // stopping.
  void run_writer() {
    std::unique_lock lock(queue_mutex_);
    while (true) {
      queue_cv_.wait_until(lock, timer_deadline(), [&] { return stopping_ || !queue_.waiters.empty(); });
      if (!queue_.waiters.empty()) {
        std::swap(batch_, queue_);
        queued_events_ = 0;
        lock.unlock();
        space_cv_.notify_all();
        Status written = write_batch(batch_.records);
        finish(batch_, written);
        batch_.clear();
        lock.lock();
        continue;
      }
      if (stopping_) return;
      lock.unlock();
      checkpoint_on_timer();
      lock.lock();
    }
  }

  SteadyTime timer_deadline() {
    std::lock_guard lock(write_mutex_);
    return checkpoint_.steady + options_.checkpoint_interval;
  }

  void checkpoint_on_timer() {
    if (std::chrono::steady_clock::now() < timer_deadline()) return;
    if (auto s = checkpoint(); !s) log::error("audit.checkpoint_failed", {{"error", s.error().to_string()}});
    std::lock_guard lock(write_mutex_);
    checkpoint_.steady = std::chrono::steady_clock::now();
  }

  static void finish(Queue& batch, const Status& written) {
    std::size_t first = 0;
    for (Waiter& w : batch.waiters) {
      if (written) {
        w.result.set_value(batch.records[first].seq);
      } else {
        w.result.set_value(std::unexpected(written.error()));
      }
      first += w.count;
    }
  }

  // One transaction for the whole batch, with a checkpoint after every checkpoint_every_events
  // events inside it (so a large batch keeps the documented checkpoint spacing) and one at the end
  // when the interval has passed. The chain head moves only once the transaction commits.
  Status write_batch(std::vector<EventRecord>& batch) {
    std::lock_guard lock(write_mutex_);
    SW_TRY(tx, writer_db_->begin());
    SW_CHECK(catch_up_with_other_writers());
    ChainHead head = head_;
    CheckpointState last_checkpoint = checkpoint_;
    for (auto& r : batch) {
      SW_CHECK(seal(r, head));
      SW_CHECK(statements_.insert_event(r));
      if (head.seq - last_checkpoint.seq >= options_.checkpoint_every_events) {
        SW_TRY(written, write_checkpoint(head));
        last_checkpoint = written;
      }
    }
    if (head.seq > last_checkpoint.seq &&
        clock_.now() - last_checkpoint.time >= options_.checkpoint_interval) {
      SW_TRY(written, write_checkpoint(head));
      last_checkpoint = written;
    }
    SW_CHECK(tx.commit());
    head_ = std::move(head);
    checkpoint_ = last_checkpoint;
    return ok();
  }

  // Other processes of the node (the CLI, a guard-only node, the watcher) append to the same log:
  // inside the write transaction (BEGIN IMMEDIATE holds the database's write lock), the head and the
  // last checkpoint are re-read when another writer moved them, so every process extends the one
  // chain. One indexed read per batch.
  Status catch_up_with_other_writers() {
    SW_TRY(last, last_event(*writer_db_));
    const std::int64_t stored = last ? last->seq : 0;
    if (stored == head_.seq) return ok();
    SW_TRY(head, load_head(*writer_db_));
    SW_TRY(checkpoint, load_checkpoint_state(*writer_db_, clock_));
    head_ = std::move(head);
    checkpoint_ = checkpoint;
    return ok();
  }

  // Gives the record its seq, time and hashes, and makes it the head.
  Status seal(EventRecord& r, ChainHead& head) {
    if (!head.value) {
      return fail("audit.bad_hash", fmt::format("the stored hash of seq {} is not {} bytes of hex", head.seq,
                                                kChainValueBytes));
    }
    TimePoint now =
        std::max(TimePoint{std::chrono::floor<std::chrono::microseconds>(clock_.now())}, head.time);
    r.seq = head.seq + 1;
    r.time = format_rfc3339(now);
    r.hash_alg = suite_.hash_algorithm();
    r.prev_hash = head.hash_hex;
    SW_TRY(value, hasher_.digest(fields_of(r), *head.value));
    r.hash = chain_hex(value);
    head.seq = r.seq;
    head.hash_hex = r.hash;
    head.value = value;
    head.hash_alg = r.hash_alg;
    head.time = now;
    return ok();
  }

  // Signs and inserts a checkpoint at `head` inside the caller's transaction.
  Result<CheckpointState> write_checkpoint(const ChainHead& head) {
    TimePoint now = clock_.now();
    CheckpointRecord c{
        .seq = head.seq, .hash = head.hash_alg + ":" + head.hash_hex, .time = format_rfc3339(now)};
    SW_TRY(signature, suite_.sign(key_, checkpoint_message(c.seq, c.hash, c.time)));
    c.signature = signature.to_string();
    c.public_key = key_.public_key.to_string();
    SW_CHECK(statements_.insert_checkpoint(c));
    return CheckpointState{.seq = head.seq, .time = now, .steady = std::chrono::steady_clock::now()};
  }

  const std::filesystem::path path_;
  const crypto::Suite& suite_;
  const crypto::SigningKey key_;
  const Options options_;
  const Clock& clock_;

  std::mutex write_mutex_;  // guards the writer connection, its statements and the state below
  std::unique_ptr<store::Database> writer_db_;
  AuditWriter statements_;
  ChainHasher hasher_;
  ChainHead head_;
  CheckpointState checkpoint_;

  std::mutex read_mutex_;  // guards reader_db_ (query, count)
  std::unique_ptr<store::Database> reader_db_;

  std::mutex queue_mutex_;            // guards queue_, queued_events_ and stopping_
  std::condition_variable queue_cv_;  // the writer waits for work
  std::condition_variable space_cv_;  // appenders wait for room in the queue
  Queue queue_;
  std::int64_t queued_events_ = 0;
  Queue batch_;  // the writer's: the batch being written
  bool stopping_ = false;
  std::thread writer_;
};

}  // namespace

std::future<Result<std::int64_t>> AuditLog::append_async(Event event) {
  std::promise<Result<std::int64_t>> result;
  result.set_value(append(std::move(event)));
  return result.get_future();
}

std::string_view to_string(Outcome o) { return kOutcomeNames[static_cast<std::size_t>(o)]; }

Result<Outcome> parse_outcome(std::string_view s) {
  for (std::size_t i = 0; i < std::size(kOutcomeNames); ++i) {
    if (kOutcomeNames[i] == s) return static_cast<Outcome>(i);
  }
  return fail("audit.bad_outcome", fmt::format("unknown outcome \"{}\" (success, failure, denied)", s));
}

Result<std::unique_ptr<AuditLog>> AuditLog::open(const std::filesystem::path& db_path,
                                                 const crypto::Suite& suite, crypto::SigningKey node_key,
                                                 Options options, const Clock& clock) {
  SW_CHECK(validate(options, suite, node_key));
  // The writer connection is used under write_mutex_ only, so SQLite's own mutex is not needed.
  SW_TRY(writer_db, store::Database::open(db_path, store::OpenOptions{.no_mutex = true}));
  SW_CHECK(writer_db->exec_script(kWriterPragmas));
  SW_TRY(reader_db, open_reader(db_path));
  SW_TRY(statements, AuditWriter::prepare(*writer_db));
  SW_TRY(head, load_head(*writer_db));
  SW_TRY(checkpoint, load_checkpoint_state(*writer_db, clock));
  return std::make_unique<AuditLogImpl>(db_path, suite, std::move(node_key), options, clock,
                                        std::move(writer_db), std::move(statements), std::move(reader_db),
                                        std::move(head), checkpoint);
}

Result<VerifyReport> verify_database(const std::filesystem::path& db_path,
                                     const std::vector<crypto::PublicKey>& trusted_keys) {
  SW_TRY(db, open_reader(db_path));
  return verify_log(*db, trusted_keys);
}

}  // namespace sw::audit
