// Blob garbage collection (issue 5 housekeeping; N7.1, N8.4): removes the blobs nothing on the node
// names any more — the unique files of pruned releases, mostly — from the shared, content-addressed
// BlobStore (store/blob_store.h).
//
// Mark: every digest named by
//   - a kept release (`releases`, not pruned): its signed manifest document and, from the verified
//     manifest, every file's identity bytes and its gzip and brotli variants;
//   - a mirror web root (`mirrors`, src/watch): the manifest it holds the root to and its files,
//     even when that release has since been pruned (the watcher restores the root from them);
//   - a site look (`site_looks.logo_digest`, every row: the looks are a history);
//   - an attachment of any article version (`article_attachments.blob_hash`, every row).
// These are read-only SELECTs of other modules' columns, kept here in one list so that a collector
// never runs with a partial view: before marking, the collector checks the database schema, and a
// column it does not know whose name says it may hold a blob digest (containing "digest" or
// "blob") stops it with "publish.gc_unknown_reference" naming the table and column — a new
// migration that stores blobs adds its column to kReferenceColumns (blob_gc.cc). A kept release or
// mirror whose manifest cannot be read and verified stops it too ("publish.gc_unreadable_manifest"
// naming the release or root), since the files it names are unknown.
//
// Sweep: BlobStore::sweep() removes every unmarked blob last modified at least `grace` ago, so a
// publish or an upload running in another process, which writes (or re-uses, touching it) a blob
// before recording it, never loses it — as long as it records it within the grace (default 1 h;
// `[publish] blob_gc_grace_seconds`). Files in the store that are not blobs are reported, never
// removed.
//
// Thread-safety: one call at a time per Database connection; safe beside writers in other threads
// and processes within the grace contract above.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/result.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace sw::publish {

struct BlobGcOptions {
  std::chrono::seconds grace{3600};  // unmarked blobs younger than this stay
  bool dry_run = false;              // report what would be removed; remove nothing
};

struct BlobGcReport {
  bool dry_run = false;
  std::size_t referenced = 0;       // distinct digests the records name
  store::BlobStore::SweepReport sweep;
};

// Marks and sweeps as described above. Manifests are verified against `trusted` (every suite's
// public key of the node). Errors: "publish.gc_unknown_reference", "publish.gc_unreadable_manifest",
// the database's and the store's ("store.io").
Result<BlobGcReport> collect_blob_garbage(store::Database& db, const store::BlobStore& blobs,
                                          std::span<const crypto::PublicKey> trusted, const BlobGcOptions& options);

// The report's figures as audit event details (`store.gc`): referenced, blobs, removed,
// removed_bytes, kept_young, temp_files, foreign (count), foreign_paths (the first 20), dry_run.
nlohmann::json blob_gc_details(const BlobGcReport& report);

}  // namespace sw::publish
