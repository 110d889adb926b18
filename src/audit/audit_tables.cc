#include "audit/audit_tables.h"

#include <limits>
#include <string>

namespace sw::audit {
namespace {

using store::Value;

constexpr std::string_view kEventColumns =
    "seq, time, actor, actor_role, org_id, site_id, action, object, outcome, client_ip, request_id, "
    "details, hash_alg, prev_hash, hash";
constexpr std::string_view kCheckpointColumns = "id, seq, hash, time, signature, public_key";

constexpr std::string_view kInsertEvent =
    "INSERT INTO audit_events (seq, time, actor, actor_role, org_id, site_id, action, object, outcome, "
    "client_ip, request_id, details, hash_alg, prev_hash, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kInsertCheckpoint =
    "INSERT INTO audit_checkpoints (seq, hash, time, signature, public_key) VALUES (?, ?, ?, ?, ?)";

std::string select_events(std::string_view rest) {
  return std::string("SELECT ").append(kEventColumns).append(" FROM audit_events ").append(rest);
}
std::string select_checkpoints(std::string_view rest) {
  return std::string("SELECT ").append(kCheckpointColumns).append(" FROM audit_checkpoints ").append(rest);
}

std::optional<std::int64_t> optional_integer(const store::Row& row, std::size_t i) {
  return row.is_null(i) ? std::nullopt : std::optional<std::int64_t>{row.integer(i)};
}

EventRecord event_from(const store::Row& row) {
  return EventRecord{.seq = row.integer(0),
                     .time = row.text(1),
                     .actor = row.text(2),
                     .actor_role = row.text(3),
                     .org_id = optional_integer(row, 4),
                     .site_id = optional_integer(row, 5),
                     .action = row.text(6),
                     .object = row.text(7),
                     .outcome = row.text(8),
                     .client_ip = row.text(9),
                     .request_id = row.text(10),
                     .details = row.text(11),
                     .hash_alg = row.text(12),
                     .prev_hash = row.text(13),
                     .hash = row.text(14)};
}

EventFields fields_from(const store::RowView& row) {
  auto optional_id = [&](std::size_t i) {
    return row.is_null(i) ? std::nullopt : std::optional<std::int64_t>{row.integer(i)};
  };
  return EventFields{.seq = row.integer(0),
                     .time = row.text(1),
                     .actor = row.text(2),
                     .actor_role = row.text(3),
                     .org_id = optional_id(4),
                     .site_id = optional_id(5),
                     .action = row.text(6),
                     .object = row.text(7),
                     .outcome = row.text(8),
                     .client_ip = row.text(9),
                     .request_id = row.text(10),
                     .details = row.text(11),
                     .hash_alg = row.text(12),
                     .prev_hash = row.text(13),
                     .hash = row.text(14)};
}

store::ValueRef optional_ref(const std::optional<std::int64_t>& v) {
  return v ? store::ValueRef{*v} : store::ValueRef{};
}

CheckpointRecord checkpoint_from(const store::Row& row) {
  return CheckpointRecord{.id = row.integer(0),
                          .seq = row.integer(1),
                          .hash = row.text(2),
                          .time = row.text(3),
                          .signature = row.text(4),
                          .public_key = row.text(5)};
}

std::vector<EventRecord> events_from(const std::vector<store::Row>& rows) {
  std::vector<EventRecord> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(event_from(row));
  return out;
}

// The WHERE clause of a console Query and its parameters.
struct Filter {
  std::string where;
  std::vector<Value> params;

  void add(std::string_view condition, std::vector<Value> values) {
    where.append(where.empty() ? "WHERE " : " AND ").append(condition);
    for (auto& v : values) params.push_back(std::move(v));
  }
};

// An action prefix "user." matches the half-open text range ["user.", "user/"), which uses the index
// on every database ('/' follows '.').
Filter filter_for(const Query& q) {
  Filter f;
  if (q.actor) f.add("actor = ?", {*q.actor});
  if (q.action && q.action->ends_with('.')) {
    std::string upper = *q.action;
    upper.back() = '/';
    f.add("action >= ? AND action < ?", {*q.action, upper});
  } else if (q.action) {
    f.add("action = ?", {*q.action});
  }
  if (q.site_id) f.add("site_id = ?", {*q.site_id});
  if (q.from) f.add("time >= ?", {format_rfc3339(*q.from)});
  if (q.to) f.add("time <= ?", {format_rfc3339(*q.to)});
  return f;
}

}  // namespace

Result<AuditWriter> AuditWriter::prepare(store::Database& db) {
  SW_TRY(insert_event, db.prepare(kInsertEvent));
  SW_TRY(insert_checkpoint, db.prepare(kInsertCheckpoint));
  return AuditWriter(std::move(insert_event), std::move(insert_checkpoint));
}

Status AuditWriter::insert_event(const EventRecord& r) {
  const store::ValueRef params[] = {
      r.seq,      r.time,      r.actor,   r.actor_role, optional_ref(r.org_id), optional_ref(r.site_id),
      r.action,   r.object,    r.outcome, r.client_ip,  r.request_id,           r.details,
      r.hash_alg, r.prev_hash, r.hash};
  SW_TRY(changed, insert_event_.exec_refs(params));
  (void)changed;
  return ok();
}

Status AuditWriter::insert_checkpoint(const CheckpointRecord& c) {
  SW_TRY(changed, insert_checkpoint_.exec({c.seq, c.hash, c.time, c.signature, c.public_key}));
  (void)changed;
  return ok();
}

Result<std::optional<EventRecord>> last_event(store::Database& db) {
  SW_TRY(row, db.query_one(select_events("ORDER BY seq DESC LIMIT 1")));
  if (!row) return std::optional<EventRecord>{};
  return std::optional<EventRecord>{event_from(*row)};
}

Result<std::optional<CheckpointRecord>> last_checkpoint(store::Database& db) {
  SW_TRY(row, db.query_one(select_checkpoints("ORDER BY id DESC LIMIT 1")));
  if (!row) return std::optional<CheckpointRecord>{};
  return std::optional<CheckpointRecord>{checkpoint_from(*row)};
}

Result<std::vector<CheckpointRecord>> all_checkpoints(store::Database& db) {
  SW_TRY(rows, db.query(select_checkpoints("ORDER BY id")));
  std::vector<CheckpointRecord> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(checkpoint_from(row));
  return out;
}

Result<std::vector<EventRecord>> events_page(store::Database& db, std::int64_t after_seq,
                                             std::int64_t up_to_seq, std::int64_t limit) {
  SW_TRY(rows, db.query(select_events("WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?"),
                        {after_seq, up_to_seq, limit}));
  return events_from(rows);
}

Status for_each_event(store::Database& db, std::int64_t after_seq, std::int64_t up_to_seq,
                      const std::function<bool(const EventFields&)>& visit) {
  SW_TRY(select, db.prepare(select_events("WHERE seq > ? AND seq <= ? ORDER BY seq")));
  return select.for_each({after_seq, up_to_seq},
                         [&](const store::RowView& row) { return visit(fields_from(row)); });
}

Result<std::optional<std::pair<std::int64_t, std::int64_t>>> seq_range(store::Database& db, TimePoint from,
                                                                       TimePoint to) {
  SW_TRY(row, db.query_one("SELECT MIN(seq), MAX(seq) FROM audit_events WHERE time >= ? AND time <= ?",
                           {format_rfc3339(from), format_rfc3339(to)}));
  if (!row || row->is_null(0)) return std::optional<std::pair<std::int64_t, std::int64_t>>{};
  return std::optional{std::pair{row->integer(0), row->integer(1)}};
}

Result<std::vector<EventRecord>> find_events(store::Database& db, const Query& q) {
  Filter f = filter_for(q);
  f.params.push_back(q.limit);
  f.params.push_back(q.offset);
  SW_TRY(rows, db.query(select_events(f.where + " ORDER BY seq DESC LIMIT ? OFFSET ?"), f.params));
  return events_from(rows);
}

Result<std::int64_t> count_events(store::Database& db, const Query& q) {
  Filter f = filter_for(q);
  SW_TRY(row, db.query_one("SELECT COUNT(*) FROM audit_events " + f.where, f.params));
  return row ? row->integer(0) : 0;
}

}  // namespace sw::audit
