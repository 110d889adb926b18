#include "watch/mirrors.h"

#include "base/clock.h"
#include "store/blob_store.h"

namespace sw::watch {
namespace {

constexpr std::string_view kColumns =
    "site_id, root, release_id, manifest_digest, file_mode, dir_mode, created_at, created_by, updated_at";

Result<Mirror> from_row(const store::Row& row) {
  SW_TRY(digest, store::BlobStore::parse_digest(row.text(3)));
  Mirror m;
  m.site_id = row.integer(0);
  m.root = row.text(1);
  m.release_id = row.integer(2);
  m.manifest_digest = std::move(digest);
  m.modes.file = static_cast<mode_t>(row.integer(4));
  m.modes.dir = static_cast<mode_t>(row.integer(5));
  m.created_at = row.text(6);
  m.created_by = row.text(7);
  m.updated_at = row.text(8);
  return m;
}

}  // namespace

Status Mirrors::record(const Mirror& m) {
  if (m.root.empty() || m.root.front() != '/')
    return fail("watch.bad_input", "mirror root '" + m.root + "' is not absolute");
  SW_TRY(existing, find(m.root));
  const std::string now = format_rfc3339(system_clock().now());
  if (existing && existing->site_id != m.site_id) {
    return fail("watch.root_taken", m.root + " already mirrors site " + std::to_string(existing->site_id));
  }
  if (existing) {
    SW_TRY(n, db_->exec(
                  "UPDATE mirrors SET release_id = ?1, manifest_digest = ?2, file_mode = ?3, dir_mode = ?4, "
                  "updated_at = ?5 WHERE root = ?6",
                  {m.release_id, m.manifest_digest.to_string(), static_cast<std::int64_t>(m.modes.file),
                   static_cast<std::int64_t>(m.modes.dir), now, m.root}));
    (void)n;
    return ok();
  }
  SW_TRY(n, db_->exec("INSERT INTO mirrors (" + std::string(kColumns) +
                          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7)",
                      {m.site_id, m.root, m.release_id, m.manifest_digest.to_string(),
                       static_cast<std::int64_t>(m.modes.file), static_cast<std::int64_t>(m.modes.dir), now,
                       m.created_by}));
  (void)n;
  return ok();
}

Result<std::optional<Mirror>> Mirrors::find(const std::string& root) {
  SW_TRY(rows, db_->query("SELECT " + std::string(kColumns) + " FROM mirrors WHERE root = ?1", {root}));
  if (rows.empty()) return std::optional<Mirror>{};
  SW_TRY(m, from_row(rows.front()));
  return std::optional<Mirror>(std::move(m));
}

Result<std::vector<Mirror>> Mirrors::list() {
  SW_TRY(rows, db_->query("SELECT " + std::string(kColumns) + " FROM mirrors ORDER BY root"));
  std::vector<Mirror> out;
  for (const auto& row : rows) {
    SW_TRY(m, from_row(row));
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace sw::watch
