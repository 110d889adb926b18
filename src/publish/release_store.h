// ReleaseStore: a site's releases and which one is live (N7.1 防篡改, N7.8).
//
// A release is a signed manifest (manifest.h) whose document and files are blobs in the
// content-addressed BlobStore; its row in `releases` (migration 0010) names the manifest blob. Each
// site has at most one live release (`site_live_releases`); every switch (publish, rollback) is one
// database transaction that also appends to `release_switches` (append-only history), so:
//   - switching is atomic: a reader sees the old live release or the new one, never a mix;
//   - crash safety: blobs and the manifest blob are written before the transaction, so a process
//     killed at any point leaves the previous release live and whole; what a killed publish left
//     behind (temp files in the blob store, blobs no release names) is removed by recover().
// The newest `keep` releases of a site (and always the live one) are kept; older release rows are
// marked pruned (never deleted: the history stays) and their blobs become unreferenced.
//
// After every committed switch the store bumps the node's live generation (LiveGeneration), a
// counter in a small memory-mapped file `<data_dir>/run/live-generation`, so a guard in another
// process on the same node notices a switch with one atomic load per request and serves the new
// release from the very next request (N7.1; nginx's open_file_cache can lag — the guard must not).
//
// Thread-safety: one ReleaseStore per thread (it holds a Database connection); LiveGeneration is
// safe from any thread and any process.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/crypto.h"
#include "base/result.h"
#include "publish/manifest.h"
#include "store/blob_store.h"
#include "store/database.h"

namespace sw::publish {

// The node's release generation counter, shared by every process of the node through a
// memory-mapped 8-byte file. open() creates the file (0600, value 0) if absent.
class LiveGeneration {
 public:
  static Result<std::unique_ptr<LiveGeneration>> open(const std::filesystem::path& file);
  ~LiveGeneration();
  std::uint64_t current() const;  // one atomic load
  std::uint64_t bump();           // atomic increment; returns the new value
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
};

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
    std::size_t keep = 10;               // releases kept per site (the live one always)
    std::filesystem::path generation_file;  // LiveGeneration file; empty: no cross-process signal
  };

  // The store uses (does not own) db, blobs and keys; they must outlive it. Signs with `node_key`
  // under `suite`; accepts manifests signed by any of `trusted`.
  ReleaseStore(store::Database& db, store::BlobStore& blobs, const crypto::Suite& suite,
               crypto::SigningKey node_key, std::vector<crypto::PublicKey> trusted, Options options);

  // Signs `manifest`, stores its document as a blob, records the release and makes it live, in one
  // transaction; prunes beyond `keep`; bumps the generation. Every blob the manifest names must
  // already be in the store ("publish.blob_missing" names the path otherwise). Returns the id.
  Result<std::int64_t> commit(Manifest manifest, std::string_view kind);

  // Makes an earlier, unpruned release of the site live again (rollback) or the newest (roll
  // forward): "publish.release_not_found", "publish.release_pruned", "publish.wrong_site".
  // Re-verifies the manifest and that every blob it names is present before switching.
  Status switch_live(std::int64_t site_id, std::int64_t release_id, std::string_view actor,
                     std::string_view reason);

  Result<std::optional<ReleaseInfo>> live(std::int64_t site_id);
  Result<std::vector<ReleaseInfo>> list(std::int64_t site_id);  // newest first
  Result<ReleaseInfo> get(std::int64_t release_id);

  // The release's manifest after checking the document's digest and signature.
  Result<Manifest> load(std::int64_t release_id);
  Result<Manifest> load_document(const crypto::Digest& manifest_digest);

  // Every site with a live release, for the guard's host routing.
  Result<std::vector<LiveSite>> live_sites();

  // After a crash: removes temp files a killed writer left in the blob store. Idempotent.
  Status recover();

 private:
  store::Database* db_;
  store::BlobStore* blobs_;
  const crypto::Suite* suite_;
  crypto::SigningKey node_key_;
  std::vector<crypto::PublicKey> trusted_;
  Options options_;
  std::unique_ptr<LiveGeneration> generation_;
};

}  // namespace sw::publish
