// Restorer: brings a mirror web root back to its release, one Difference at a time (N7.1 防篡改).
//
// Every file is restored from the blob store, re-hashed while it is copied (a blob changed on disk
// is refused, never written), into a temporary file beside its place that is renamed over it: a
// web server reading the root sees the whole old file or the whole restored one. Nothing is
// followed: directories are opened segment by segment from the root with O_NOFOLLOW, a symlink or
// file in the way is moved aside, and a file is never opened for writing in place (a planted hard
// link to a file outside the root is replaced by the rename, never written through).
//
// What does not belong is moved to quarantine, never deleted: `<quarantine>/<incident>/<path>`,
// where <quarantine> is `<data_dir>/quarantine/<site>` and <incident> the UTC time the batch began;
// `evidence.jsonl` in the incident directory lists each item with its hash, size and mode. A
// modified file's bytes are copied there before the good file replaces it.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/file_descriptor.h"
#include "base/result.h"
#include "store/blob_store.h"
#include "watch/mirror_layout.h"
#include "watch/tree_check.h"
#include "watch/tree_fs.h"

namespace sw::watch {

// What a repair did.
struct Repair {
  std::string action;          // "restored" | "quarantined" | "restored+quarantined" | "updated" | "removed"
  std::string quarantined_as;  // where the evidence went ("" when none)
  std::optional<crypto::Digest> evidence_digest;  // hash of the quarantined bytes (regular files)
};

class Restorer {
 public:
  // `root_fd` (borrowed) is the mirror root; `quarantine_dir` is `<data_dir>/quarantine/<site>`.
  Restorer(int root_fd, const store::BlobStore& blobs, Modes modes, std::filesystem::path quarantine_dir);

  // Starts a new incident: later quarantined items go under a directory named after `now`.
  void begin_incident(TimePoint now);

  // Puts back what `d` found wrong: the release's file or directory (with everything below it),
  // the permission bits, and moves anything unexpected to quarantine. Errors: "watch.blob_corrupt"
  // (the store's bytes do not hash to the manifest's digest: nothing written), "watch.blob_missing",
  // "watch.io" naming the path and the system's reason.
  Result<Repair> repair(const MirrorLayout& layout, const Difference& d);

  // During a switch from `previous` to `layout`: true when `d` is just the previous release still on
  // disk (its old bytes, its old files and directories), which update() replaces or removes without
  // quarantine; false when it is tampering (repair() it).
  static bool is_previous_release(const Difference& d, const MirrorLayout& previous);
  Result<Repair> update(const MirrorLayout& layout, const Difference& d, const MirrorLayout& previous);

  // Writes every file of the release below `rel` ("" for all), creating directories.
  Status restore_subtree(const MirrorLayout& layout, std::string_view rel);

 private:
  Result<tree_fs::Fd> ensure_dir(std::string_view rel);
  Status write_file(std::string_view rel, const publish::ManifestEntry& entry);
  Status copy_blob(const crypto::Digest& digest, std::uint64_t size, int out_fd, std::string_view rel);
  Status evict(int parent_fd, std::string_view rel, Repair& repair);
  Status keep_copy(int parent_fd, std::string_view rel, std::string_view algorithm, Repair& repair);
  Status remove_previous(int parent_fd, std::string_view rel, const MirrorLayout& previous, Repair& repair);
  Result<std::filesystem::path> quarantine_path(std::string_view rel);
  void record_evidence(const Difference& d, const Repair& repair);

  int root_fd_;
  const store::BlobStore* blobs_;
  Modes modes_;
  std::filesystem::path quarantine_dir_;
  std::string incident_;
};

}  // namespace sw::watch

namespace sw::watch {

// What bringing a root to a release did (sync_to_release).
struct SyncReport {
  std::size_t updated = 0;  // files and directories written or fixed as part of the release switch
  std::size_t removed = 0;  // the previous release's files no longer in this one
  // Everything else that was wrong (tampering, or a new root's foreign files), with what was done.
  std::vector<std::pair<Difference, Result<Repair>>> tampers;
};

// Makes the whole tree at `checker` exactly `target` (every byte re-hashed): what is only the
// `previous` release still on disk is updated or removed quietly, anything else is repaired and
// reported. `previous` is an empty layout for a root that mirrored nothing before.
Result<SyncReport> sync_to_release(const TreeChecker& checker, Restorer& restorer, const MirrorLayout& target,
                                   const MirrorLayout& previous, const CheckOptions& options);

}  // namespace sw::watch
