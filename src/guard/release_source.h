// ReleaseSource: where the guard learns what each site's live release is and reads its files (N7.1).
//
// The guard trusts nothing a source returns about file bytes: read_blob() hands back the bytes as they
// are on disk, and the guard hashes them against the digest the verified manifest names before a
// single byte is served. A source does vouch for the manifests it returns: they come from a signed
// document whose signature was checked (publish::verify_manifest, ReleaseStore::load_document).
//
// StoreReleaseSource (store_source.h) is the production source over ReleaseStore + BlobStore; tests
// use a fake. Thread-safety: live_releases() is called by one thread at a time (the guard serialises
// reloads); read_blob() from several disk threads at once; generation() from every event thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/crypto.h"
#include "base/result.h"
#include "publish/manifest.h"

namespace sw::guard {

// One site's live release as the guard routes it.
struct LiveRelease {
  std::int64_t site_id = 0;
  std::vector<std::string> hosts;  // lowercase, no port
  std::int64_t release_id = 0;
  std::shared_ptr<const publish::Manifest> manifest;  // verified
};

class ReleaseSource {
 public:
  virtual ~ReleaseSource() = default;

  // Every site with a live release. Errors are the source's (the guard keeps serving what it had).
  virtual Result<std::vector<LiveRelease>> live_releases() = 0;

  // The bytes stored under `digest`, unverified, or an error ("guard.blob_missing",
  // "guard.blob_too_large" when the file is larger than `max_bytes`, "guard.io").
  virtual Result<std::string> read_blob(const crypto::Digest& digest, std::uint64_t max_bytes) = 0;

  // A counter that changes after every switch of a live release (LiveGeneration::current()): the
  // guard re-reads live_releases() before serving a request that sees a new value. One atomic load.
  virtual std::uint64_t generation() const = 0;
};

}  // namespace sw::guard
