// ReleaseBuilder: turns a site's rendered files into a committed release (issue 5 "Publishing",
// N7.1). The renderer add()s every file it rendered (bytes, or a blob already in the store such as
// an attachment); the builder stores each as a blob, precompresses the compressible ones (gzip kept
// only when smaller, brotli only when kMinBrotliGainPercent smaller than gzip) on a small pool of worker threads, and commit() signs the manifest
// and makes it live through the ReleaseStore.
//
// Incremental builds start from a base release (usually the live one): every base entry that is
// neither re-added nor remove()d is carried over unchanged (same blobs, same variants), so one
// approved article re-renders a handful of pages and the new manifest shares every other blob. A
// re-added file whose bytes are unchanged (same digest as any base entry) reuses that entry's
// variants: nothing already compressed is compressed again.
//
// Memory is bounded: add() blocks while `max_queued_files` files wait for a worker, and a worker
// holds one file and its two compressed forms at a time. What stays for the whole build is one
// ManifestEntry per file.
//
// Crash safety: blobs are written and made durable before the release is committed (a full build:
// BlobStore::put_unsynced, then one sync() of the store; an incremental one, with few files: its new
// blobs fsynced at commit together with the signed document, concurrently — make_durable); a build
// abandoned or killed before commit() changes nothing live (ReleaseStore), and what it wrote is at
// worst unnamed blobs and temp files recover() removes.
//
// Thread-safety: add() may be called from several threads; remove() and commit() from one, after
// every add() returned; the workers are internal. The builder
// uses (does not own) the ReleaseStore and BlobStore, which must outlive it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/crypto.h"
#include "base/result.h"
#include "publish/manifest.h"
#include "publish/release_store.h"
#include "store/blob_store.h"

namespace sw::publish {

// One file of a release as the renderer produced it: its content is `blob` (content already in the
// store, e.g. an attachment; `bytes` then stays empty) or else `bytes` (rendered content, possibly
// empty).
struct ReleaseFile {
  std::string path;          // URL path (manifest.h check_path)
  std::string content_type;  // "text/html; charset=utf-8"
  std::string bytes;
  std::optional<crypto::Digest> blob;
};

// What a build did, for tests, logs and the benchmark.
struct BuildStats {
  std::size_t files_added = 0;       // add()ed
  std::size_t files_carried = 0;     // taken unchanged from the base
  std::size_t files_removed = 0;     // remove()d
  std::size_t compressions = 0;      // gzip + brotli encodings run
  std::size_t variants_reused = 0;   // variants taken from an unchanged base blob instead
  std::uint64_t bytes_added = 0;     // identity bytes add()ed
};

// True for the media types worth precompressing: text/html, text/css, text/plain, text/xml,
// (application|text)/javascript, application/json, application/xml, image/svg+xml, and the
// +xml/+json feeds (rss, atom, manifest). Parameters (";charset=...") and case are ignored.
bool is_compressible(std::string_view content_type);

// A brotli variant is stored only when it is at least this much smaller than what the guard would
// send without it (the gzip variant, or the identity bytes when there is none): a variant that saves
// a byte or two costs a file, a manifest entry and a digest for nothing. Measured on the seeded
// 10,000-article site (docs/modules/publish.md "Full publish speed"), brotli is 18-22 % smaller than
// gzip on every page, so every page keeps both.
inline constexpr std::uint64_t kMinBrotliGainPercent = 3;
// True when a brotli variant of `brotli_size` bytes is worth storing beside a fallback of
// `fallback_size` bytes (kMinBrotliGainPercent).
bool worth_brotli(std::uint64_t brotli_size, std::uint64_t fallback_size);

// The brotli quality used for a file of `size` bytes when `configured` is asked for: the configured
// quality up to 128 KiB, at most 7 below 1 MiB, at most 5 above (a 3 MB file at 9 takes ~1 s here,
// at 5 ~30 ms, some 10 % larger). Deterministic: the same bytes get the same variant.
int brotli_quality_for(std::size_t size, int configured);

class ReleaseBuilder {
 public:
  struct Options {
    int gzip_level = 9;           // 1..9 (libdeflate, publish/compress.h)
    // 0..11. 8 is within a few per cent of 11's size at ~1/100 of its time, which a 10,000-article
    // full build needs; on the seeded site's pages (4.6 KB) it gives the same size as 9 (25.77 %
    // against 25.76 % of the identity) in ~3/4 of 9's time. Larger files get a lower quality
    // (brotli_quality_for): at most 7 from 128 KiB, at most 5 from 1 MiB.
    int brotli_quality = 8;
    std::size_t threads = 2;      // compression workers (both cores of the reference machine)
    std::size_t max_queued_files = 64;     // add() blocks beyond this (bounded memory)
    std::size_t min_compress_bytes = 256;  // smaller files are not worth a variant
    std::size_t max_compress_bytes = std::size_t{64} << 20;  // larger ones are served as they are
  };

  struct Plan {
    std::int64_t site_id = 0;
    std::string created_by;                    // "user:12", "cli:root", "scheduler"
    std::optional<std::int64_t> base_release;  // incremental from this release of the same site
    // The base release's manifest as the caller already loaded and verified it (ReleaseStore::load
    // of base_release): given, start() does not load and verify it a second time.
    std::optional<Manifest> base_manifest;
  };

  // Starts a build. With a base release, loads and verifies its manifest unless the plan carries it
  // ("publish.wrong_site" if it is another site's, the ReleaseStore's load errors otherwise). "publish.bad_input" for a
  // bad option (a level out of range, zero threads or queue).
  static Result<std::unique_ptr<ReleaseBuilder>> start(ReleaseStore& releases, store::BlobStore& blobs, Plan plan,
                                                       Options options);
  static Result<std::unique_ptr<ReleaseBuilder>> start(ReleaseStore& releases, store::BlobStore& blobs, Plan plan) {
    return start(releases, blobs, std::move(plan), Options{});
  }
  ~ReleaseBuilder();  // stops the workers; an uncommitted build leaves nothing live
  ReleaseBuilder(const ReleaseBuilder&) = delete;
  ReleaseBuilder& operator=(const ReleaseBuilder&) = delete;

  // Queues one file (replacing the base's entry for the same path). May be called from several
  // threads at once (the publisher's render threads). "publish.manifest_invalid" for
  // a bad path or a path added twice, "publish.bad_input" when both or neither of bytes and blob
  // are given, "publish.blob_missing" for a blob not in the store; a worker's earlier failure
  // (e.g. "store.io") is returned by the next add() or by commit().
  Status add(ReleaseFile file);

  // Drops a base entry from the new release (an article withdrawn). "publish.bad_input" without a
  // base, "publish.not_in_base" for a path the base does not hold.
  Status remove(std::string_view path);

  // The base release's manifest (nullptr for a full build): the renderer reads what exists.
  const Manifest* base() const { return base_ ? &*base_ : nullptr; }

  // Waits for the workers, assembles the manifest (carried + added entries) and commits it as a
  // "full" or "incremental" release; returns its id. The builder cannot be used afterwards.
  Result<std::int64_t> commit();

  BuildStats stats() const;

  // The manifest commit() made live, as signed (ReleaseStore::CommitOptions::committed), for a caller
  // that keeps the live release in memory; nullopt before a successful commit() and after the first
  // call.
  std::optional<Manifest> take_committed_manifest();

 private:
  struct Job {
    ReleaseFile file;
  };
  ReleaseBuilder(ReleaseStore& releases, store::BlobStore& blobs, Plan plan, Options options);
  void work();
  Result<ManifestEntry> build_entry(ReleaseFile file);
  Result<crypto::Digest> store(std::string_view bytes);  // a blob, durable as the build needs
  Status compress_into(ManifestEntry& entry, std::string_view bytes);
  Status first_error() const;  // requires mutex_
  void stop_workers();
  void flush_while_building(std::stop_token stop);

  ReleaseStore* releases_;
  store::BlobStore* blobs_;
  Plan plan_;
  Options options_;
  std::optional<Manifest> base_;
  std::string base_digest_;
  // Variants of the base's blobs by identity digest text (reuse without recompression).
  std::map<std::string, std::pair<std::optional<Variant>, std::optional<Variant>>> base_variants_;
  std::set<std::string> added_paths_;
  std::set<std::string> removed_paths_;
  bool committed_ = false;

  mutable std::mutex mutex_;
  std::condition_variable work_ready_;  // a job queued, or closing
  std::condition_variable room_;        // room in the queue, or an error
  std::deque<Job> queue_;
  std::size_t busy_ = 0;
  bool closing_ = false;
  std::optional<Error> error_;
  std::vector<ManifestEntry> built_;
  BuildStats stats_;
  std::vector<std::jthread> workers_;
  std::vector<std::filesystem::path> unsynced_;  // an incremental build's new blobs, synced at commit
  // New blobs written in a row: past a few, the next is expected new too (BlobStore::put_unsynced).
  std::atomic<unsigned> new_in_a_row_{0};
  // A full build's early flushes (flush_while_building): bytes written since the last one.
  std::atomic<std::size_t> unflushed_bytes_{0};
  std::jthread flusher_;
  Manifest committed_manifest_;
  bool has_committed_ = false;
};

}  // namespace sw::publish
