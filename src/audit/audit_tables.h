// The SQL of the audit tables (audit_events, audit_checkpoints; migration 0002_audit.sql), one
// place per statement, bound parameters only. Internal to sw_audit.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "audit/audit_log.h"
#include "audit/chain.h"
#include "store/database.h"

namespace sw::audit {

// The writer's statements, prepared once and reused for every batch. Not thread-safe: it belongs
// to the writer's connection.
class AuditWriter {
 public:
  static Result<AuditWriter> prepare(store::Database& db);

  Status insert_event(const EventRecord& r);
  Status insert_checkpoint(const CheckpointRecord& c);

 private:
  AuditWriter(store::Statement insert_event, store::Statement insert_checkpoint)
      : insert_event_(std::move(insert_event)), insert_checkpoint_(std::move(insert_checkpoint)) {}
  store::Statement insert_event_;
  store::Statement insert_checkpoint_;
};

// Streams the rows with after_seq < seq <= up_to_seq in seq order to `visit`, read in place (the
// fields are valid only during the call), as one statement over one snapshot; `visit` returns false
// to stop. Memory does not grow with the log.
Status for_each_event(store::Database& db, std::int64_t after_seq, std::int64_t up_to_seq,
                      const std::function<bool(const EventFields&)>& visit);

// The newest row, or nothing when the log is empty.
Result<std::optional<EventRecord>> last_event(store::Database& db);
// The newest checkpoint, or nothing.
Result<std::optional<CheckpointRecord>> last_checkpoint(store::Database& db);
// All checkpoints by id (a few per thousand events).
Result<std::vector<CheckpointRecord>> all_checkpoints(store::Database& db);

// Up to `limit` rows with after_seq < seq <= up_to_seq, in seq order, copied (tools and tests; the
// verify and export walks stream with for_each_event instead).
Result<std::vector<EventRecord>> events_page(store::Database& db, std::int64_t after_seq,
                                             std::int64_t up_to_seq, std::int64_t limit);
// The seq range [first, last] of events with from <= time <= to, or nothing if there are none.
Result<std::optional<std::pair<std::int64_t, std::int64_t>>> seq_range(store::Database& db, TimePoint from,
                                                                       TimePoint to);

// The console filters: rows matching q, newest first, and their number.
Result<std::vector<EventRecord>> find_events(store::Database& db, const Query& q);
Result<std::int64_t> count_events(store::Database& db, const Query& q);

}  // namespace sw::audit
