// StoreReleaseSource: the guard's ReleaseSource over the node's ReleaseStore and BlobStore (N7.1).
//
// live_releases() asks the store for every live site and loads each live manifest through
// ReleaseStore::load_document(), which checks the document's digest and signature; manifests are
// kept by digest, so a reload after one site's switch verifies only that site's new manifest.
// read_blob() reads the blob file as it is on disk (opened without following symlinks, size checked
// first) and leaves the hashing to the guard. generation() is the node's LiveGeneration.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "guard/release_source.h"
#include "publish/release_store.h"
#include "store/blob_store.h"

namespace sw::guard {

class StoreReleaseSource : public ReleaseSource {
 public:
  // Uses (does not own) all three; they must outlive the source. `generation` may be null (then a
  // switch is noticed only by the periodic reload).
  StoreReleaseSource(publish::ReleaseStore& store, const store::BlobStore& blobs,
                     const publish::LiveGeneration* generation)
      : store_(store), blobs_(blobs), generation_(generation) {}

  Result<std::vector<LiveRelease>> live_releases() override;
  Result<std::string> read_blob(const crypto::Digest& digest, std::uint64_t max_bytes) override;
  std::uint64_t generation() const override { return generation_ ? generation_->current() : 0; }

 private:
  publish::ReleaseStore& store_;
  const store::BlobStore& blobs_;
  const publish::LiveGeneration* generation_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const publish::Manifest>> manifests_;  // by document digest
};

}  // namespace sw::guard
