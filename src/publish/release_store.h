// ReleaseStore: a site's releases and which one is live (N7.1 防篡改, N7.8).
//
// A release is a signed manifest (manifest.h) whose document and files are blobs in the
// content-addressed BlobStore; its row in `releases` (migration 0010) names the manifest blob. Each
// site has at most one live release (`site_live_releases`); every switch (publish, rollback) is one
// database transaction that also appends to `release_switches` (append-only history), so:
//   - switching is atomic: a reader sees the old live release or the new one, never a mix;
//   - crash safety: blobs and the manifest blob are written before the transaction, so a process
//     killed at any point leaves the previous release live and whole; the temp files a killed
//     writer left in the blob store are removed by recover(). Blobs no release names are left in
//     place: the store is shared (attachments are blobs too), so they are never deleted here.
// The newest `keep` releases of a site (`[publish] keep_releases`, and always the live one) are kept;
// older release rows are marked pruned (never deleted: the history stays) and can no longer be made
// live. Their blobs become garbage unless something else names them; the blob garbage collection
// (`sitewarden store gc`) removes those, never this store.
//
// After every committed switch the store bumps the node's live generation (LiveGeneration), a
// counter in a small memory-mapped file `<data_dir>/run/live-generation`, so a guard in another
// process on the same node notices a switch with one atomic load per request and serves the new
// release from the very next request (N7.1; nginx's open_file_cache can lag — the guard must not).
//
// Thread-safety: one ReleaseStore per thread (it holds a Database connection); LiveGeneration is
// safe from any thread and any process.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/config.h"
#include "base/crypto.h"
#include "base/result.h"
#include "publish/manifest.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace sw::publish {

// Where a node keeps its LiveGeneration file: `<data_dir>/run/live-generation`. Every process of the
// node (publish, guard, watch, cli) opens this one path.
std::filesystem::path generation_file(const std::filesystem::path& data_dir);

// The node's release generation counter, shared by every process of the node through a
// memory-mapped 8-byte file. open() creates the file's directory (0700) and the file (0600, value 0)
// if absent; "publish.generation" names the path and the reason when it cannot, or when the file is
// not a regular file of at most 8 bytes (a symlink is refused).
class LiveGeneration {
 public:
  static Result<std::unique_ptr<LiveGeneration>> open(const std::filesystem::path& file);
  ~LiveGeneration();
  LiveGeneration(const LiveGeneration&) = delete;
  LiveGeneration& operator=(const LiveGeneration&) = delete;
  std::uint64_t current() const;  // one atomic load (acquire)
  std::uint64_t bump();           // atomic increment (acq_rel); returns the new value
 private:
  LiveGeneration() = default;
  void* map_ = nullptr;
};

struct ReleaseInfo {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  crypto::Digest manifest_digest;  // the signed document's blob
  std::string created_at;
  std::string created_by;
  std::string kind;        // "full" | "incremental"
  std::size_t files = 0;
  std::uint64_t bytes = 0;
  bool live = false;
  bool pruned = false;
  std::string pruned_at;   // "" unless pruned
};

// One entry of a site's switch history (append-only `release_switches`), newest first.
struct ReleaseSwitch {
  std::int64_t id = 0;
  std::int64_t site_id = 0;
  std::optional<std::int64_t> from_release;  // none for the site's first release
  std::int64_t to_release = 0;
  std::string switched_at;
  std::string switched_by;
  std::string reason;
  // "publish" (a new release committed), "rollback" (to an older release than the one live) or
  // "rollforward" (to a newer one, e.g. back to the newest after a rollback).
  std::string kind;
};

// Longest reason and actor a switch records ("publish.bad_input" beyond).
inline constexpr std::size_t kMaxReasonBytes = 1000;
inline constexpr std::size_t kMaxActorBytes = 200;

// One site the guard serves: its current host names (from the register) and its live release.
struct LiveSite {
  std::int64_t site_id = 0;
  std::vector<std::string> hosts;  // lowercase, no port
  std::int64_t release_id = 0;
  crypto::Digest manifest_digest;
};

class ReleaseStore {
 public:
  struct Options {
    std::size_t keep = 10;               // releases kept per site (the live one always); 0 reads as 1
    std::filesystem::path generation_file;  // LiveGeneration file; empty: no cross-process signal
    const Clock* clock = nullptr;        // switch times and a manifest's missing created_at; null: system
    // recover() removes temp files at least this old, so a writer still running in another process
    // (an attachment upload, another publish) keeps its temp file. 0: every temp file (at start,
    // when no writer runs).
    std::chrono::seconds stale_temp_age{600};
  };

  // The store uses (does not own) db, blobs and keys; they must outlive it. Signs with `node_key`
  // under `suite`; accepts manifests signed by any of `trusted`.
  ReleaseStore(store::Database& db, store::BlobStore& blobs, const crypto::Suite& suite,
               crypto::SigningKey node_key, std::vector<crypto::PublicKey> trusted, Options options);

  // Signs `manifest`, stores its document (format 2: and its changed chunks, manifest.h) as blobs,
  // records the release and makes it live, in one transaction; prunes beyond `keep`; bumps the generation. Every blob the manifest names must
  // already be in the store ("publish.blob_missing" names the path otherwise). Returns the id.
  // `checked_base` (an incremental build): the verified manifest of the release `manifest.base`
  // names. When that release is the site's live one, the entries equal to its entries are not
  // checked again — their blobs were checked when it committed, and the blob collection never
  // removes a live release's blobs — so one more article checks its few new blobs, not ~30,000.
  // Other errors: "publish.bad_input" (kind not full|incremental, no created_by), "publish.site_not_found",
  // "publish.manifest_invalid" (a bad or duplicate path), "publish.generation", the store's.
  Result<std::int64_t> commit(Manifest manifest, std::string_view kind, const Manifest* checked_base = nullptr);

  struct CommitOptions {
    const Manifest* checked_base = nullptr;  // as above
    // Blob files the manifest names that were written without waiting for the disk
    // (BlobStore::put_unsynced): made durable together with the signed document, in one batch
    // (make_durable), before the transaction — an incremental build's few dozen new blobs cost about
    // one journal commit instead of one each.
    std::vector<std::filesystem::path> unsynced;
    // Receives the manifest as signed (normalised, created_at set) when the commit succeeded, for a
    // caller that keeps the live release in memory (the publisher).
    Manifest* committed = nullptr;
    // Paths whose entries the caller's build stored (or found sound) in the blob store moments ago
    // (ReleaseBuilder): their blobs are not looked up again — a full build's ~30,000 lookups. Entries
    // at other paths are checked as usual.
    const std::set<std::string>* stored_paths = nullptr;
  };
  Result<std::int64_t> commit(Manifest manifest, std::string_view kind, CommitOptions options);

  // Makes an earlier, unpruned release of the site live again (rollback) or the newest (roll
  // forward): "publish.release_not_found", "publish.release_pruned", "publish.wrong_site".
  // Re-verifies the manifest and that every blob it names is present before switching.
  // Also "publish.already_live", "publish.blob_missing", "publish.bad_input" (empty or overlong
  // actor or reason), the manifest's verification errors. Recorded as a "rollback" switch when the
  // release is older than the one live, a "rollforward" when newer (ReleaseSwitch::kind).
  Status switch_live(std::int64_t site_id, std::int64_t release_id, std::string_view actor,
                     std::string_view reason);

  Result<std::optional<ReleaseInfo>> live(std::int64_t site_id);
  Result<std::vector<ReleaseInfo>> list(std::int64_t site_id);  // newest first
  Result<ReleaseInfo> get(std::int64_t release_id);             // "publish.release_not_found"
  Result<std::vector<ReleaseSwitch>> history(std::int64_t site_id);  // newest first

  // The release's manifest after checking the document's digest and signature (and, format 2, every
  // chunk's digest: load_manifest).
  Result<Manifest> load(std::int64_t release_id);
  Result<Manifest> load_document(const crypto::Digest& manifest_digest);

  // Every site with a live release, for the guard's host routing.
  Result<std::vector<LiveSite>> live_sites();

  // After a crash: removes temp files a killed writer left in the blob store (those at least
  // Options::stale_temp_age old) and bumps the generation, so a guard re-reads the live releases
  // even if the killed writer committed a switch but died before bumping. Idempotent.
  Status recover();

 private:
  Status open_generation();
  Status bump_generation();
  Status check_blobs(const Manifest& manifest, const Manifest* checked = nullptr,
                     const std::set<std::string>* stored_paths = nullptr) const;

  store::Database* db_;
  store::BlobStore* blobs_;
  const crypto::Suite* suite_;
  crypto::SigningKey node_key_;
  std::vector<crypto::PublicKey> trusted_;
  Options options_;
  std::unique_ptr<LiveGeneration> generation_;
};

// The manifest whose signed document is the blob `manifest_digest`: the document re-hashed, its
// signature checked against `trusted`, and for a chunked (format 2) manifest every chunk blob read
// and re-hashed (manifest.h). What ReleaseStore::load_document and the blob collection read.
Result<Manifest> load_manifest(const store::BlobStore& blobs, const crypto::Digest& manifest_digest,
                               std::span<const crypto::PublicKey> trusted);

// Makes `files` and their directory entries durable: every file fsynced, then every distinct parent
// directory, several at once (up to 16 threads): concurrent fsyncs share the filesystem's journal
// commits and the disk's cache flushes, where one after the other each waits for its own (~5-20 ms
// each on the reference machine's disk). "store.io" naming the first path that failed.
Status make_durable(std::span<const std::filesystem::path> files);

// The options every ReleaseStore of a node is made with (serve, the CLI, the scheduler, a guard-only
// node, the watcher): `[publish] keep_releases` (N7.1) and the node's generation file under
// `data_dir`; recover() keeps its default stale_temp_age.
ReleaseStore::Options release_store_options(const PublishConfig& config, const std::filesystem::path& data_dir);

}  // namespace sw::publish
