// Blob garbage collection: mark from the records that name blobs, sweep the rest (blob_gc.h).
#include "publish/blob_gc.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>
#include <unordered_set>

#include "publish/manifest.h"
#include "publish/release_store.h"

namespace sw::publish {
namespace {

// Every column of the schema that names blobs, with how to read it: `manifest` columns name a
// signed manifest document whose files are marked too. Read-only; each table is owned by the module
// named (SQL for writes stays there).
struct ReferenceColumn {
  std::string_view table;
  std::string_view column;
  std::string_view owner;
  bool manifest;
};
constexpr ReferenceColumn kReferenceColumns[] = {
    {"releases", "manifest_digest", "publish (ReleaseStore)", true},
    {"mirrors", "manifest_digest", "watch (Mirrors)", true},
    {"site_looks", "logo_digest", "publish (SiteLooks)", false},
    {"article_attachments", "blob_hash", "content (attachments)", false},
};

// The marked digests, as "<algorithm>\0<raw bytes>".
class Marks {
 public:
  void insert(const crypto::Digest& d) { keys_.insert(key(d)); }
  bool contains(const crypto::Digest& d) const { return keys_.contains(key(d)); }
  std::size_t size() const { return keys_.size(); }

 private:
  static std::string key(const crypto::Digest& d) { return d.algorithm + std::string(1, '\0') + d.bytes; }
  std::unordered_set<std::string> keys_;
};

bool may_name_a_blob(std::string column) {
  std::transform(column.begin(), column.end(), column.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return column.find("digest") != std::string::npos || column.find("blob") != std::string::npos;
}

bool known_reference(std::string_view table, std::string_view column) {
  return std::any_of(std::begin(kReferenceColumns), std::end(kReferenceColumns),
                     [&](const ReferenceColumn& r) { return r.table == table && r.column == column; });
}

// Stops the collector when the schema has a column that may hold blob digests it does not read.
Status check_schema(store::Database& db) {
  SW_TRY(rows, db.query("SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p "
                        "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, p.cid"));
  for (const auto& row : rows) {
    const std::string table = row.text(0);
    const std::string column = row.text(1);
    if (may_name_a_blob(column) && !known_reference(table, column))
      return fail("publish.gc_unknown_reference",
                  "the column " + table + "." + column +
                      " may name blobs but the blob garbage collection does not read it; nothing was removed "
                      "(add it to kReferenceColumns in src/publish/blob_gc.cc)");
  }
  return ok();
}

// Marks one digest given as text. A malformed one cannot name a blob file (the store's names are
// canonical), so it marks nothing.
void mark_text(std::string_view text, Marks& marked) {
  if (auto digest = store::BlobStore::parse_digest(text)) marked.insert(*digest);
}

Status mark_manifest(const store::BlobStore& blobs, std::span<const crypto::PublicKey> trusted,
                     std::string_view digest_text, const std::string& whose, Marks& marked) {
  const auto unreadable = [&](const Error& e) {
    return fail("publish.gc_unreadable_manifest", "the manifest of " + whose + " (" + std::string(digest_text) +
                                                      ") cannot be read, so the files it names are unknown; "
                                                      "nothing was removed: " + e.message + " [" + e.code + "]");
  };
  auto digest = store::BlobStore::parse_digest(digest_text);
  if (!digest) return unreadable(digest.error());
  auto manifest = load_manifest(blobs, *digest, trusted);  // format 2: every chunk read too
  if (!manifest) return unreadable(manifest.error());
  marked.insert(*digest);
  for (const ManifestChunk& c : manifest->chunks) marked.insert(c.digest);
  for (const ManifestEntry& e : manifest->entries) {
    marked.insert(e.digest);
    if (e.gzip) marked.insert(e.gzip->digest);
    if (e.brotli) marked.insert(e.brotli->digest);
  }
  return ok();
}

constexpr std::size_t kAuditedForeignPaths = 20;

}  // namespace

Result<BlobGcReport> collect_blob_garbage(store::Database& db, const store::BlobStore& blobs,
                                          std::span<const crypto::PublicKey> trusted, const BlobGcOptions& options) {
  SW_CHECK(check_schema(db));
  Marks marked;
  // A manifest named by several rows (a mirror of a kept release) is read once.
  std::set<std::string> manifests_done;
  SW_TRY(releases, db.query("SELECT id, manifest_digest FROM releases WHERE pruned_at IS NULL ORDER BY id"));
  for (const auto& row : releases) {
    if (!manifests_done.insert(row.text(1)).second) continue;
    SW_CHECK(mark_manifest(blobs, trusted, row.text(1), "release " + std::to_string(row.integer(0)), marked));
  }
  SW_TRY(mirrors, db.query("SELECT root, manifest_digest FROM mirrors ORDER BY id"));
  for (const auto& row : mirrors) {
    if (!manifests_done.insert(row.text(1)).second) continue;
    SW_CHECK(mark_manifest(blobs, trusted, row.text(1), "the mirror " + row.text(0), marked));
  }
  SW_TRY(logos, db.query("SELECT DISTINCT logo_digest FROM site_looks WHERE logo_digest IS NOT NULL"));
  for (const auto& row : logos) mark_text(row.text(0), marked);
  SW_TRY(attachments, db.query("SELECT DISTINCT blob_hash FROM article_attachments"));
  for (const auto& row : attachments) mark_text(row.text(0), marked);

  BlobGcReport report;
  report.dry_run = options.dry_run;
  report.referenced = marked.size();
  SW_TRY(sweep, blobs.sweep([&](const crypto::Digest& d) { return marked.contains(d); }, options.grace,
                            options.dry_run));
  report.sweep = std::move(sweep);
  return report;
}

nlohmann::json blob_gc_details(const BlobGcReport& r) {
  return {{"dry_run", r.dry_run},
          {"referenced", r.referenced},
          {"blobs", r.sweep.blobs},
          {"removed", r.sweep.removed},
          {"removed_bytes", r.sweep.removed_bytes},
          {"kept_young", r.sweep.kept_young},
          {"temp_files", r.sweep.temp_files},
          {"foreign", r.sweep.foreign_count},
          {"foreign_paths", std::vector<std::string>(r.sweep.foreign.begin(),
                                                     r.sweep.foreign.begin() +
                                                         static_cast<std::ptrdiff_t>(std::min<std::size_t>(
                                                             r.sweep.foreign.size(), kAuditedForeignPaths)))}};
}

}  // namespace sw::publish
